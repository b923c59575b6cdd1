/**
 * The bus worker of the liquidity topics (switch/core/topics.ts): funds in and out of a participant's SETTLEMENT
 * account and the opening of its POSITION. The Admin API validates the request and publishes; this worker moves the
 * money and says how it ended (admin.md §1.6, docs/decisions.md "Funds in/out are validated synchronously").
 *
 * Each movement it books is reported once durable through the settlement reports port (`movementBooked`: banks get a
 * camt.054, docs/settlement-banks.md), in the ledger's sign, on the participant's SETTLEMENT account:
 *
 *   FUNDS_IN            −amount   (the value grows more negative: more liquidity)
 *   FUNDS_OUT_RESERVE   +amount   (the reservation takes the liquidity)
 *   FUNDS_OUT_COMMIT    +amount   (the withdrawal made final; the SETTLEMENT value does not move again, the hub's
 *                                  reconciliation account does: `balanceAfter` shows it unchanged)
 *   FUNDS_OUT_ABORT     −amount   (the reservation released)
 *
 * `balanceAfter` is the account's value as the worker reads it right after the write is durable. A repeated request
 * books nothing and reports nothing. The port never throws and never blocks: it queues.
 */
import type { LedgerEngine } from '../../../ledger/engine.js';
import type { Registry } from '../../../ledger/registry.js';
import { ledgerNegated, type LedgerUnits } from '../../../ledger/units.js';
import type { BookedMovement, SettlementReports } from '../settlement/reports.js';
import type { AccountsMovedNotice, FundsMovement, FundsOutEnd, FundsReply, OpeningPosition } from '../topics.js';

const DONE: FundsReply = { outcome: 'done' };

export class LiquidityWorker {
  constructor(
    private readonly registry: Registry,
    private readonly engine: LedgerEngine,
    private readonly reports: SettlementReports,
  ) {}

  /** Partitioned ledger: another owner credited this owner's participant (ownerTopics.accountsMoved). */
  async accountsMoved(c: AccountsMovedNotice): Promise<void> {
    for (const move of c.moves) this.engine.applyForeignMove(move);
  }

  async fundsIn(c: FundsMovement): Promise<FundsReply> {
    const written = await this.engine.fundsIn(c.participant, c.currency, c.amount, c.transferId, c.reference);
    if (written.conflict) return this.sameMovement(c, 'FUNDS_IN');
    this.booked(c.participant, c.currency, 'FUNDS_IN', ledgerNegated(c.amount), c.transferId);
    return DONE;
  }

  async fundsOutReserve(c: FundsMovement): Promise<FundsReply> {
    const written = await this.engine.fundsOutReserve(c.participant, c.currency, c.amount, c.transferId, c.reference);
    if (written.refused) return { outcome: 'refused', detail: written.refused };
    if (written.conflict) return this.sameMovement(c, 'FUNDS_OUT');
    this.booked(c.participant, c.currency, 'FUNDS_OUT_RESERVE', c.amount, c.transferId);
    return DONE;
  }

  /** Commits or aborts a reserved funds-out; the same request again after it ended is done too. */
  async fundsOutEnd(c: FundsOutEnd, action: 'commit' | 'abort'): Promise<FundsReply> {
    const live = this.engine.inFlightTransfer(c.transferId);
    if (live && live.kind === 'FUNDS_OUT' && live.payee === c.participant && live.debitAccount.id === c.accountId) {
      await live.ready;
      if (!live.finishing) {
        if (action === 'commit') await this.engine.fundsOutCommit(live);
        else await this.engine.fundsOutAbort(live, c.reason);
        const [kind, amount] = action === 'commit' ? (['FUNDS_OUT_COMMIT', live.amount] as const) : (['FUNDS_OUT_ABORT', ledgerNegated(live.amount)] as const);
        this.booked(c.participant, live.currency, kind, amount, c.transferId);
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

  /** Reports a durable movement of the participant's SETTLEMENT account with the value it left. */
  private booked(participant: string, currency: string, kind: BookedMovement['kind'], amount: LedgerUnits, transferId: string): void {
    const account = this.registry.accountOf(participant, currency, 'SETTLEMENT');
    if (!account) return;
    this.reports.movementBooked({
      participant,
      currency,
      ledgerAccountType: 'SETTLEMENT',
      accountId: account.id,
      amount,
      balanceAfter: account.value,
      kind,
      transferId,
      bookedAt: new Date().toISOString(),
    });
  }

  /** A repeated funds request is accepted only if it is the same movement. */
  private async sameMovement(c: FundsMovement, kind: 'FUNDS_IN' | 'FUNDS_OUT'): Promise<FundsReply> {
    const record = await this.engine.find(c.transferId);
    const same = record && record.kind === kind && (kind === 'FUNDS_IN' ? record.payer : record.payee) === c.participant && record.amount === c.amount;
    return same ? DONE : { outcome: 'different-movement' };
  }
}
