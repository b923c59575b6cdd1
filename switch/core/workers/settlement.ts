/**
 * The bus worker of the settlement topics (switch/core/topics.ts): closes windows and applies settlement transfers
 * on positions, through the ledger writer like every other position change (docs/settlement.md). Each settlement
 * transfer it books is reported once durable through the settlement reports port (banks get a camt.054).
 */
import type { LedgerEngine } from '../../../ledger/engine.js';
import type { Registry } from '../../../ledger/registry.js';
import type { SettlementReports } from '../settlement/reports.js';
import type {
  SettlementPositionCommand,
  SettlementPositionReply,
  WindowCloseCommand,
  WindowCloseReply,
  WindowPartCommand,
  WindowPartReply,
} from '../topics.js';

export class SettlementWorker {
  constructor(
    private readonly registry: Registry,
    private readonly engine: LedgerEngine,
    private readonly reports: SettlementReports,
  ) {}

  async closeWindow(c: WindowCloseCommand): Promise<WindowCloseReply> {
    const closed = await this.engine.closeWindow(c.windowId, c.reason);
    if (closed.kind === 'closed') return { outcome: 'closed', closed: closed.closed, opened: closed.opened };
    return { outcome: closed.kind };
  }

  async closeWindowPart(c: WindowPartCommand): Promise<WindowPartReply> {
    const part = await this.engine.closeWindowPart(c.windowId, c.opening, c.onlyIfUsed);
    return part.kind === 'not-open' ? { outcome: 'not-open', open: part.open } : { outcome: part.kind };
  }

  async position(c: SettlementPositionCommand): Promise<SettlementPositionReply> {
    const moved = await this.engine.settlementMove({
      transferId: c.transferId,
      participant: c.participant,
      currency: c.currency,
      ledgerAccountType: c.ledgerAccountType,
      positionDelta: c.positionDelta,
      event: c.kind,
      reference: c.reference,
      checkHeadroom: c.checkHeadroom,
    });
    if (moved.kind === 'refused') return { outcome: 'refused', detail: moved.error.detail ?? moved.error.outcome };
    if (moved.kind === 'moved' && c.kind !== 'SETTLEMENT_ABORT') this.booked(c);
    return { outcome: moved.kind };
  }

  private booked(c: SettlementPositionCommand): void {
    const account = this.registry.accountOf(c.participant, c.currency, c.ledgerAccountType);
    if (!account || c.kind === 'SETTLEMENT_ABORT') return;
    this.reports.movementBooked({
      participant: c.participant,
      currency: c.currency,
      ledgerAccountType: c.ledgerAccountType,
      accountId: account.id,
      amount: c.positionDelta,
      balanceAfter: account.value,
      kind: c.kind,
      transferId: c.transferId,
      settlementId: c.settlementId,
      windowIds: c.windowIds,
      bookedAt: new Date().toISOString(),
    });
  }
}
