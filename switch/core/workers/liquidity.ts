/**
 * The bus worker of the liquidity topics (switch/core/topics.ts): funds in and out of a participant's SETTLEMENT
 * account and the opening of its POSITION. The Admin API validates the request and publishes; this worker moves the
 * money and says how it ended (admin.md §1.6, docs/decisions.md "Funds in/out are validated synchronously").
 */
import type { LedgerEngine } from '../../../ledger/engine.js';
import type { Registry } from '../../../ledger/registry.js';
import type { FundsMovement, FundsOutEnd, FundsReply, OpeningPosition } from '../topics.js';

const DONE: FundsReply = { outcome: 'done' };

export class LiquidityWorker {
  constructor(
    private readonly registry: Registry,
    private readonly engine: LedgerEngine,
  ) {}

  async fundsIn(c: FundsMovement): Promise<FundsReply> {
    const written = await this.engine.fundsIn(c.participant, c.currency, c.amount, c.transferId, c.reference);
    return written.conflict ? this.sameMovement(c, 'FUNDS_IN') : DONE;
  }

  async fundsOutReserve(c: FundsMovement): Promise<FundsReply> {
    const written = await this.engine.fundsOutReserve(c.participant, c.currency, c.amount, c.transferId, c.reference);
    if (written.refused) return { outcome: 'refused', detail: written.refused };
    return written.conflict ? this.sameMovement(c, 'FUNDS_OUT') : DONE;
  }

  /** Commits or aborts a reserved funds-out; the same request again after it ended is done too. */
  async fundsOutEnd(c: FundsOutEnd, action: 'commit' | 'abort'): Promise<FundsReply> {
    const live = this.engine.inFlightTransfer(c.transferId);
    if (live && live.kind === 'FUNDS_OUT' && live.payee === c.participant && live.debitAccount.id === c.accountId) {
      await live.ready;
      if (!live.finishing) {
        if (action === 'commit') await this.engine.fundsOutCommit(live);
        else await this.engine.fundsOutAbort(live, c.reason);
        return DONE;
      }
      await live.finished;
    }
    const record = await this.engine.find(c.transferId);
    const wanted = action === 'commit' ? 'COMMITTED' : 'ABORTED_ERROR';
    if (record && record.kind === 'FUNDS_OUT' && record.payee === c.participant && record.state === wanted) return DONE;
    return { outcome: 'not-reserved' };
  }

  async openingPosition(c: OpeningPosition): Promise<void> {
    const position = this.registry.accountOf(c.participant, c.currency, 'POSITION');
    if (!position) throw new Error(`${c.participant} has no ${c.currency} position account`);
    await this.engine.openingPosition(position, c.amount);
  }

  /** A repeated funds request is accepted only if it is the same movement. */
  private async sameMovement(c: FundsMovement, kind: 'FUNDS_IN' | 'FUNDS_OUT'): Promise<FundsReply> {
    const record = await this.engine.find(c.transferId);
    const same = record && record.kind === kind && (kind === 'FUNDS_IN' ? record.payer : record.payee) === c.participant && record.amount === c.amount;
    return same ? DONE : { outcome: 'different-movement' };
  }
}
