/**
 * The settlement reports banks get (contract settlement.md §7, docs/settlement-banks.md), built as canonical camt
 * messages from what the ledger's workers report (switch/core/settlement/reports.ts) and the balances the ledger
 * holds. Pure: no I/O, no clock, no identifiers of its own (the caller passes them), so every figure is testable.
 *
 * Signs. The ledger counts in Mojaloop's sign: a POSITION or SETTLEMENT value grows when the participant owes more
 * or has less liquidity (funds in make SETTLEMENT more negative; a payer's position grows when it sends). ISO reports
 * every amount not negative with a side from the account owner's point of view: CRDT when the figure is in the bank's
 * favour — its liquidity at the hub grows, or the hub owes it —, DBIT when it shrinks or the bank owes. So the bank's
 * signed figure is always the NEGATED ledger figure (`bankSide`), for balances and for movements alike, and a camt.053
 * adds up the ISO way: CLBD = OPBD + the entries' net, whenever the ledger's closing = opening + the window nets.
 *
 *   movement (ledger amount on the account)           bank's entry
 *   FUNDS_IN            SETTLEMENT −X                  CRDT X, BOOK
 *   FUNDS_OUT_RESERVE   SETTLEMENT +X                  DBIT X, BOOK   (the value moves at the reservation)
 *   FUNDS_OUT_COMMIT    SETTLEMENT unchanged (+X given) DBIT X, INFO  (final; booked already at the reservation)
 *   FUNDS_OUT_ABORT     SETTLEMENT −X                  CRDT X, BOOK, RvslInd true (reverses the reservation)
 *   SETTLEMENT_NET_SENDER     POSITION −net            CRDT net: its debt at the hub is discharged
 *   SETTLEMENT_NET_RECIPIENT  POSITION +|net|          DBIT |net|: what the hub owed it is discharged
 *   SETTLEMENT_NET_ZERO       POSITION 0               CRDT 0
 *   camt.053 entry per window: net (+ = owes)        net sender DBIT, net recipient CRDT
 */
import { formatAmount, type Amount } from '../../../schemas/amount.js';
import {
  creditDebit,
  ledgerAccount,
  MOVEMENT_CODE_ISSUER,
  movementReferences,
  transactionSummary,
  type AccountReport,
  type AccountReportMessage,
  type BankToCustomerStatement,
  type CashBalance,
  type CreditDebitCode,
  type DateTimePeriod,
  type DebitCreditNotification,
  type ReportEntry,
  type ReportedAccount,
} from '../../../schemas/iso/camt.js';
import type { Agent } from '../../../schemas/iso/common.js';
import { fromLedger, ledgerNegated, ledgerPlus, LEDGER_ZERO, type LedgerUnits } from '../../../ledger/units.js';
import type { BookedMovement, SettledAccountStatement } from '../../core/settlement/reports.js';

/** Who reports and about whom: the hub as account servicer, the participant as owner (its BIC when registered). */
export interface ReportParties {
  hubName: string;
  /** The hub as an agent (`Svcr`), as it registered (its BIC, else `Othr/Id` = its name). */
  hub: Agent;
  participant: string;
  participantBic?: string;
}

/** Identifiers and time the caller gives a message (unique Max35Text ids, ISODateTime). */
export interface MessageStamp {
  msgId: string;
  now: string;
}

/** A ledger figure (Mojaloop sign) as the bank sees it: amount not negative and its side. */
export function bankSide(ledger: LedgerUnits, currency: string): { Amt: Amount; CdtDbtInd: CreditDebitCode } {
  return creditDebit({ currency, units: fromLedger(ledgerNegated(ledger)) });
}

/** `BOOK`, except the funds-out commit: its amount left the balance at the reservation (only reported, `INFO`). */
export function entryStatus(kind: BookedMovement['kind']): 'BOOK' | 'INFO' {
  return kind === 'FUNDS_OUT_COMMIT' ? 'INFO' : 'BOOK';
}

function account(parties: ReportParties, currency: string, ledgerAccountType: string): ReportedAccount {
  const { participant, hub, hubName, participantBic } = parties;
  return ledgerAccount({ participant, currency, ledgerAccountType, hub, hubName, ...(participantBic === undefined ? {} : { participantBic }) });
}

function describeBalance(ledger: LedgerUnits, currency: string): string {
  const side = bankSide(ledger, currency);
  return `${side.CdtDbtInd} ${formatAmount(side.Amt)} ${currency}`;
}

/** The one entry of a movement's camt.054. */
export function movementEntry(m: BookedMovement): ReportEntry {
  const entry: ReportEntry = {
    ...bankSide(m.amount, m.currency),
    Sts: { Cd: entryStatus(m.kind) },
    BookgDt: { DtTm: m.bookedAt },
    ValDt: { DtTm: m.bookedAt },
    BkTxCd: { Prtry: { Cd: m.kind, Issr: MOVEMENT_CODE_ISSUER } },
    NtryDtls: [{ TxDtls: [{ Refs: movementReferences({ settlementId: m.settlementId, windowIds: m.windowIds, transferId: m.transferId }) }] }],
    AddtlNtryInf: `Balance after this entry: ${describeBalance(m.balanceAfter, m.currency)}`,
  };
  if (m.kind === 'FUNDS_OUT_ABORT') entry.RvslInd = true;
  return entry;
}

/** camt.054: one `Ntfctn` for the account the movement touched, one `Ntry`. */
export function movementNotification(m: BookedMovement, parties: ReportParties, stamp: MessageStamp): DebitCreditNotification {
  return {
    GrpHdr: { MsgId: stamp.msgId, CreDtTm: stamp.now },
    Ntfctn: [{ Id: stamp.msgId, CreDtTm: stamp.now, Acct: account(parties, m.currency, m.ledgerAccountType), Ntry: [movementEntry(m)] }],
  };
}

/** The period the settled windows cover (earliest opening to latest close), when there is any window. */
export function windowsPeriod(windows: SettledAccountStatement['windows']): DateTimePeriod | undefined {
  if (windows.length === 0) return undefined;
  const byTime = (a: string, b: string) => Date.parse(a) - Date.parse(b);
  const opened = windows.map((w) => w.openedAt).sort(byTime);
  const closed = windows.map((w) => w.closedAt).sort(byTime);
  return { FrDtTm: opened[0]!, ToDtTm: closed[closed.length - 1]! };
}

function balance(code: 'OPBD' | 'CLBD' | 'ITBD' | 'ITAV', ledger: LedgerUnits, currency: string, at: string): CashBalance {
  return { Tp: { CdOrPrtry: { Cd: code } }, ...bankSide(ledger, currency), Dt: { DtTm: at } };
}

/** The statement's `Id` (Max35Text): stable for the settlement and account, so a bank can recognise a repeat. */
export function statementId(s: Pick<SettledAccountStatement, 'settlementId' | 'accountId'>): string {
  return `STL-${s.settlementId}-ACCT-${s.accountId}`;
}

/** camt.053 of a settled account: OPBD and CLBD, one `Ntry` per settled window with its net, the summary. */
export function settledStatement(s: SettledAccountStatement, parties: ReportParties, stamp: MessageStamp): BankToCustomerStatement {
  const entries: ReportEntry[] = s.windows.map((w) => ({
    NtryRef: String(w.windowId),
    ...bankSide(w.net, s.currency),
    Sts: { Cd: 'BOOK' },
    BookgDt: { DtTm: w.closedAt },
    ValDt: { DtTm: s.settledAt },
    BkTxCd: { Prtry: { Cd: 'WINDOW_NET', Issr: MOVEMENT_CODE_ISSUER } },
    NtryDtls: [{ TxDtls: [{ Refs: movementReferences({ settlementId: s.settlementId, windowIds: [w.windowId] }) }] }],
  }));
  const period = windowsPeriod(s.windows);
  const windows = s.windows.map((w) => w.windowId).join(', ');
  return {
    GrpHdr: { MsgId: stamp.msgId, CreDtTm: stamp.now },
    Stmt: [
      {
        Id: statementId(s),
        CreDtTm: stamp.now,
        ...(period ? { FrToDt: period } : {}),
        Acct: account(parties, s.currency, s.ledgerAccountType),
        Bal: [balance('OPBD', s.opening, s.currency, period?.FrDtTm ?? s.settledAt), balance('CLBD', s.closing, s.currency, s.settledAt)],
        TxsSummry: transactionSummary(s.currency, entries),
        Ntry: entries,
        AddtlStmtInf: `Settlement ${s.settlementId} SETTLED at ${s.settledAt}${windows ? `; windows ${windows}` : ''}`.slice(0, 500),
      },
    ],
  };
}

/** A ledger account's value as PostgreSQL holds it (what the Admin API shows). */
export interface AccountBalance {
  ledgerAccountType: string;
  currency: string;
  /** Mojaloop sign; a POSITION value includes the reservations of transfers in flight. */
  value: LedgerUnits;
}

/**
 * The liquidity cover left, in the ledger's sign (what the bank sees negated): SETTLEMENT value + POSITION value, i.e.
 * the bank's available = −SETTLEMENT − position. Reservations are in those values already (a prepare raises the
 * payer's position, a funds-out reservation its SETTLEMENT value), so nothing is subtracted twice.
 */
export function availableLedger(accounts: readonly AccountBalance[], currency: string): LedgerUnits {
  const of = (type: string) => accounts.find((a) => a.currency === currency && a.ledgerAccountType === type)?.value ?? LEDGER_ZERO;
  return ledgerPlus(of('SETTLEMENT'), of('POSITION'));
}

/**
 * camt.052: one `Rpt` per account (every currency given), each with ITBD (the booked value); the SETTLEMENT account's
 * also with ITAV (the liquidity cover left, `availableLedger`). No entries: every movement had its camt.054.
 */
export function intradayReport(
  accounts: readonly AccountBalance[],
  parties: ReportParties,
  stamp: MessageStamp & { reportIds: readonly string[] },
): AccountReportMessage {
  const Rpt = accounts.map((a, i): AccountReport => {
    const bal = [balance('ITBD', a.value, a.currency, stamp.now)];
    if (a.ledgerAccountType === 'SETTLEMENT') bal.push(balance('ITAV', availableLedger(accounts, a.currency), a.currency, stamp.now));
    return { Id: stamp.reportIds[i]!, CreDtTm: stamp.now, Acct: account(parties, a.currency, a.ledgerAccountType), Bal: bal, Ntry: [] };
  });
  return { GrpHdr: { MsgId: stamp.msgId, CreDtTm: stamp.now }, Rpt };
}
