import type { LedgerUnits } from '../../../ledger/units.js';
/** A movement booked on a participant's account (after it is durable), in the ledger's sign (Mojaloop: a position or SETTLEMENT value grows when the participant owes more or has less liquidity). */
export interface BookedMovement {
  participant: string;
  currency: string;
  ledgerAccountType: string;
  accountId: number;
  amount: LedgerUnits;
  balanceAfter: LedgerUnits;
  kind:
    'SETTLEMENT_NET_SENDER' | 'SETTLEMENT_NET_RECIPIENT' | 'SETTLEMENT_NET_ZERO' | 'FUNDS_IN' | 'FUNDS_OUT_RESERVE' | 'FUNDS_OUT_COMMIT' | 'FUNDS_OUT_ABORT';
  transferId: string;
  settlementId?: number;
  windowIds?: number[];
  bookedAt: string;
}
/** A settlement reached SETTLED: one statement per settled account. */
export interface SettledAccountStatement {
  settlementId: number;
  participant: string;
  currency: string;
  ledgerAccountType: string;
  accountId: number;
  opening: LedgerUnits;
  closing: LedgerUnits;
  settledAt: string;
  windows: Array<{ windowId: number; net: LedgerUnits; openedAt: string; closedAt: string }>;
}
export interface SettlementReports {
  movementBooked(m: BookedMovement): void;
  statementSettled(s: SettledAccountStatement): void;
}
