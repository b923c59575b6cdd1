/**
 * Cash-management reports the hub sends banks about their accounts at the hub (settlement, contract settlement.md §7):
 *
 *   - camt.054 BankToCustomerDebitCreditNotification (`DebitCreditNotification`): a movement touched an account —
 *     a settlement transfer, funds in, a funds-out reservation, commit or abort. One `Ntfctn` per account, one
 *     `Ntry` per movement.
 *   - camt.053 BankToCustomerStatement (`BankToCustomerStatement`): a settlement reached SETTLED (or a window
 *     closed): per account and currency the opening and closing booked balances (OPBD, CLBD), a transaction
 *     summary, one `Ntry` per settled window with its net, `FrToDt` covering the windows.
 *   - camt.052 BankToCustomerAccountReport (`AccountReportMessage`): interim balances on a schedule or on request —
 *     ITBD (interim booked) and ITAV (interim available: the liquidity cover left), optionally the entries since
 *     the last report.
 *
 * Element names are the ISO 20022 XML tags of those messages (as every canonical message here); only the subset
 * settlement needs is typed. What each member means:
 *
 * Group header (`GrpHdr`): `MsgId` (Max35Text, unique per message the hub sends) and `CreDtTm` (ISODateTime).
 *
 * Account (`Acct`, `ReportedAccount`): `Id.Othr` the identification the hub documents (see `ledgerAccount`:
 * `<currency>/<ledgerAccountType>` with `SchmeNm.Prtry` `MIZANI_LEDGER_ACCOUNT` and `Issr` the hub; Max34Text),
 * `Ccy` the account's currency (every amount of the report is in it), `Nm` (Max70Text) the hub-wide name
 * `<participant>/<currency>/<ledgerAccountType>`, `Ownr` the participant holding the account (an organisation
 * in ISO: its BIC as `AnyBIC`, its FSP id as an `Othr` with `SchmeNm.Prtry` `MIZANI_PARTICIPANT`), `Svcr` the
 * account servicer = the hub as an agent (`Othr.Id` the hub's name, or its BIC, as configured).
 *
 * Balance (`Bal`, `CashBalance`): `Tp.CdOrPrtry.Cd` the ISO balance type (OPBD, CLBD, ITBD, ITAV, …), `Amt` (not
 * negative) with `CdtDbtInd` giving the side, `Dt` its date or date-time (`Dt` ISODate or `DtTm` ISODateTime).
 *
 * Entry (`Ntry`, `ReportEntry`): `NtryRef` (Max35Text, optional), `Amt` (not negative) and `CdtDbtInd` from the
 * bank's point of view — CRDT when the bank's liquidity at the hub grows or it is owed, DBIT when it shrinks or it
 * owes —, `RvslInd` (true when the entry reverses an earlier one, e.g. an aborted funds-out reservation), `Sts.Cd`
 * (BOOK for booked movements), `BookgDt` and `ValDt` (date or date-time), `AcctSvcrRef` (the hub's reference of
 * the movement, Max35Text), `BkTxCd.Prtry` the proprietary code naming the movement (`MovementCode`, issuer
 * `MIZANI`; an ISO `Domn` code may stand beside it), `NtryDtls[].TxDtls[]` the transactions behind the entry with
 * their references (`Refs`: see `movementReferences` for where the settlement id, window ids and transfer id go)
 * and `AddtlTxInf` (Max500Text), `AddtlNtryInf` (Max500Text).
 *
 * Transaction summary (`TxsSummry`, `TransactionSummary`): counts (`NbOfNtries`, digits as text) and sums of all,
 * credit and debit entries, the sums as `Amount`s in the account's currency (ISO writes them without currency) and
 * the net (`TtlNetNtry`) with its side. `transactionSummary` computes it from the entries.
 *
 * Amounts are `Amount`s, exact; the codec writes them with the currency's minor-unit digits and refuses (never
 * rounds) one the currency or ISO cannot carry. Repeated members that are optional (`NtryDtls`, `TxDtls`,
 * `Refs.Prtry`, `Othr` of an owner) are absent rather than empty; `Ntry` and `Bal` are always lists.
 */
import { isoUnits, type Amount } from '../amount.js';
import type { Agent } from './common.js';
import { TranslationError } from './translation.js';

/** ISO CreditDebitCode. */
export type CreditDebitCode = 'CRDT' | 'DBIT';

/** ISO DateAndDateTime2Choice: exactly one of `Dt` (ISODate) and `DtTm` (ISODateTime). */
export interface DateAndDateTime {
  Dt?: string;
  DtTm?: string;
}

/** ISO DateTimePeriod1. */
export interface DateTimePeriod {
  FrDtTm: string;
  ToDtTm: string;
}

export interface CamtGroupHeader {
  /** Max35Text, unique per message. */
  MsgId: string;
  /** ISODateTime. */
  CreDtTm: string;
}

/** A `Cd` / `Prtry` choice (exactly one). */
export interface CodeOrProprietary {
  Cd?: string;
  Prtry?: string;
}

/** ISO GenericAccountIdentification1 / GenericOrganisationIdentification1–3. */
export interface GenericIdentification {
  Id: string;
  SchmeNm?: CodeOrProprietary;
  /** Who assigned the identification (Max35Text). */
  Issr?: string;
}

/** The account owner: an organisation (ISO PartyIdentification135 / 272 with `OrgId`). */
export interface AccountOwner {
  /** Max140Text. */
  Nm?: string;
  Id?: {
    OrgId: {
      AnyBIC?: string;
      LEI?: string;
      /** Max35Text `Id` in the .08 versions, Max256Text in .14. */
      Othr?: GenericIdentification[];
    };
  };
}

/** The reported account (ISO CashAccount39 / 43). */
export interface ReportedAccount {
  /** `Othr.Id` is Max34Text. */
  Id: { Othr: GenericIdentification };
  /** ISO 4217 code: every amount of the report is in this currency. */
  Ccy: string;
  /** Max70Text. */
  Nm?: string;
  Ownr?: AccountOwner;
  /** The account servicer: the hub. */
  Svcr?: Agent;
}

/** ISO ExternalBalanceType1Code values the hub writes (others may be read). */
export type BalanceTypeCode = 'OPBD' | 'CLBD' | 'ITBD' | 'ITAV' | 'CLAV' | 'OPAV' | (string & {});

export interface CashBalance {
  Tp: { CdOrPrtry: { Cd?: BalanceTypeCode; Prtry?: string } };
  /** Not negative: the side is `CdtDbtInd`. */
  Amt: Amount;
  CdtDbtInd: CreditDebitCode;
  Dt: DateAndDateTime;
}

export interface NumberAndSum {
  /** Max15NumericText. */
  NbOfNtries?: string;
  /** In the account's currency, not negative (ISO DecimalNumber, written without currency). */
  Sum?: Amount;
}

export interface TransactionSummary {
  TtlNtries?: NumberAndSum & { TtlNetNtry?: { Amt: Amount; CdtDbtInd: CreditDebitCode } };
  TtlCdtNtries?: NumberAndSum;
  TtlDbtNtries?: NumberAndSum;
}

/**
 * The proprietary bank transaction codes naming the hub's movements (`BkTxCd.Prtry.Cd`, issuer `MIZANI`): the
 * ledger entry types of settlement (settlement.md §3), funds in and out, and a settled window's net in a statement.
 */
export type MovementCode =
  | 'SETTLEMENT_NET_SENDER'
  | 'SETTLEMENT_NET_RECIPIENT'
  | 'SETTLEMENT_NET_ZERO'
  | 'FUNDS_IN'
  | 'FUNDS_OUT_RESERVE'
  | 'FUNDS_OUT_COMMIT'
  | 'FUNDS_OUT_ABORT'
  | 'WINDOW_NET'
  | (string & {});

export const MOVEMENT_CODE_ISSUER = 'MIZANI';

export interface BankTransactionCode {
  /** ISO structured code (Cd, Fmly.Cd, Fmly.SubFmlyCd: 4 characters each). */
  Domn?: { Cd: string; Fmly: { Cd: string; SubFmlyCd: string } };
  /** `Cd` Max35Text, `Issr` Max35Text. */
  Prtry?: { Cd: MovementCode; Issr?: string };
}

/** ISO TransactionReferences6 / 10 (subset). Every identifier is Max35Text; `UETR` a lower-case UUID v4. */
export interface TransactionReferences {
  MsgId?: string;
  AcctSvcrRef?: string;
  PmtInfId?: string;
  InstrId?: string;
  EndToEndId?: string;
  UETR?: string;
  TxId?: string;
  ClrSysRef?: string;
  /** Typed references (`Tp`, `Ref`: Max35Text each), e.g. the settlement and window ids. */
  Prtry?: Array<{ Tp: string; Ref: string }>;
}

export interface EntryTransaction {
  Refs?: TransactionReferences;
  /** Max500Text. */
  AddtlTxInf?: string;
}

export interface ReportEntry {
  NtryRef?: string;
  /** Not negative: the side is `CdtDbtInd`. In the account's currency. */
  Amt: Amount;
  CdtDbtInd: CreditDebitCode;
  RvslInd?: boolean;
  /** ISO ExternalEntryStatus1Code (BOOK, PDNG, INFO, FUTR) or a proprietary status. */
  Sts: CodeOrProprietary;
  BookgDt?: DateAndDateTime;
  ValDt?: DateAndDateTime;
  AcctSvcrRef?: string;
  BkTxCd: BankTransactionCode;
  NtryDtls?: Array<{ TxDtls: EntryTransaction[] }>;
  AddtlNtryInf?: string;
}

/** What the three reports share per account. */
interface AccountSection {
  /** Max35Text, unique per report. */
  Id: string;
  CreDtTm?: string;
  FrToDt?: DateTimePeriod;
  Acct: ReportedAccount;
  TxsSummry?: TransactionSummary;
  Ntry: ReportEntry[];
}

/** camt.054 `Ntfctn`. */
export interface AccountNotification extends AccountSection {
  AddtlNtfctnInf?: string;
}

/** camt.053 `Stmt`: at least one balance (OPBD and CLBD). */
export interface AccountStatement extends AccountSection {
  Bal: CashBalance[];
  AddtlStmtInf?: string;
}

/** camt.052 `Rpt`. */
export interface AccountReport extends AccountSection {
  Bal: CashBalance[];
  AddtlRptInf?: string;
}

/** camt.054 BankToCustomerDebitCreditNotification: at least one `Ntfctn`. */
export interface DebitCreditNotification {
  GrpHdr: CamtGroupHeader;
  Ntfctn: AccountNotification[];
}

/** camt.053 BankToCustomerStatement: at least one `Stmt`. */
export interface BankToCustomerStatement {
  GrpHdr: CamtGroupHeader;
  Stmt: AccountStatement[];
}

/** camt.052 BankToCustomerAccountReport: at least one `Rpt`. */
export interface AccountReportMessage {
  GrpHdr: CamtGroupHeader;
  Rpt: AccountReport[];
}

// ------------------------------------------------------------------------------------------- helpers

/** `Acct.Id.Othr.SchmeNm.Prtry` of the hub's ledger accounts. */
export const LEDGER_ACCOUNT_SCHEME = 'MIZANI_LEDGER_ACCOUNT';
/** `Ownr.Id.OrgId.Othr.SchmeNm.Prtry` of a participant's FSP id. */
export const PARTICIPANT_SCHEME = 'MIZANI_PARTICIPANT';

/**
 * The account a report is about, as the hub documents it (docs/iso20022-mapping.md §7). ISO's account id is
 * Max34Text and identifies the account "between the account owner and the account servicer", so it is
 * `<currency>/<ledgerAccountType>` (at most 3 + 1 + 30 characters: always fits) and the owner names the
 * participant; the hub-wide `<participant>/<currency>/<ledgerAccountType>` (≤ 67 characters) is the account's `Nm`.
 */
export function ledgerAccount(facts: {
  participant: string;
  currency: string;
  ledgerAccountType: string;
  hub: Agent;
  hubName: string;
  participantBic?: string;
}): ReportedAccount {
  const { participant, currency, ledgerAccountType } = facts;
  const OrgId: NonNullable<AccountOwner['Id']>['OrgId'] = { Othr: [{ Id: participant, SchmeNm: { Prtry: PARTICIPANT_SCHEME } }] };
  if (facts.participantBic !== undefined) OrgId.AnyBIC = facts.participantBic;
  return {
    Id: { Othr: { Id: `${currency}/${ledgerAccountType}`, SchmeNm: { Prtry: LEDGER_ACCOUNT_SCHEME }, Issr: facts.hubName } },
    Ccy: currency,
    Nm: `${participant}/${currency}/${ledgerAccountType}`,
    Ownr: { Id: { OrgId } },
    Svcr: facts.hub,
  };
}

/**
 * A signed figure from the bank's point of view (positive: in its favour — its liquidity grows, or it is owed) as
 * ISO's amount and side. Zero is CRDT.
 */
export function creditDebit(signed: Amount): { Amt: Amount; CdtDbtInd: CreditDebitCode } {
  return signed.units < 0n ? { Amt: { currency: signed.currency, units: isoUnits(-signed.units) }, CdtDbtInd: 'DBIT' } : { Amt: signed, CdtDbtInd: 'CRDT' };
}

/** `TxsSummry` of entries in one currency: counts, sums of credits, debits and all (absolute), and the net. */
export function transactionSummary(currency: string, entries: readonly Pick<ReportEntry, 'Amt' | 'CdtDbtInd'>[]): TransactionSummary {
  let credits = isoUnits(0n);
  let debits = isoUnits(0n);
  let nCredits = 0;
  entries.forEach((e, i) => {
    if (e.Amt.currency !== currency) throw new TranslationError(`Ntry[${i}].Amt`, `currency ${e.Amt.currency} is not the account's ${currency}`);
    if (e.CdtDbtInd === 'CRDT') {
      credits = isoUnits(credits + e.Amt.units);
      nCredits++;
    } else {
      debits = isoUnits(debits + e.Amt.units);
    }
  });
  const amount = (units: bigint): Amount => ({ currency, units: isoUnits(units) });
  return {
    TtlNtries: { NbOfNtries: String(entries.length), Sum: amount(credits + debits), TtlNetNtry: creditDebit(amount(credits - debits)) },
    TtlCdtNtries: { NbOfNtries: String(nCredits), Sum: amount(credits) },
    TtlDbtNtries: { NbOfNtries: String(entries.length - nCredits), Sum: amount(debits) },
  };
}

/** `Refs.Prtry.Tp` of the settlement id and of each settlement window id. */
export const SETTLEMENT_ID_REF = 'MIZANI_SETTLEMENT_ID';
export const WINDOW_ID_REF = 'MIZANI_SETTLEMENT_WINDOW_ID';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_V4_LOWER = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Where a movement's identifiers go in `TxDtls.Refs` (docs/iso20022-mapping.md §7): the settlement id and each
 * window id as typed `Prtry` references (`MIZANI_SETTLEMENT_ID`, `MIZANI_SETTLEMENT_WINDOW_ID`); the transfer id as
 * `TxId` when it fits Max35Text (ULIDs, settlement transfer ids), as `UETR` when it is a lower-case UUID v4, else a
 * UUID's 32 hexadecimal digits as `TxId`; the end-to-end id and the hub's own reference as given.
 */
export function movementReferences(ids: {
  settlementId?: string | number;
  windowIds?: readonly (string | number)[];
  transferId?: string;
  endToEndId?: string;
  acctSvcrRef?: string;
}): TransactionReferences {
  const refs: TransactionReferences = {};
  if (ids.acctSvcrRef !== undefined) refs.AcctSvcrRef = ids.acctSvcrRef;
  if (ids.endToEndId !== undefined) refs.EndToEndId = ids.endToEndId;
  const t = ids.transferId;
  if (t !== undefined) {
    if (UUID_V4_LOWER.test(t)) refs.UETR = t;
    else if (t.length > 35 && UUID.test(t)) refs.TxId = t.replace(/-/g, '');
    else refs.TxId = t;
  }
  const prtry = [
    ...(ids.settlementId === undefined ? [] : [{ Tp: SETTLEMENT_ID_REF, Ref: String(ids.settlementId) }]),
    ...(ids.windowIds ?? []).map((w) => ({ Tp: WINDOW_ID_REF, Ref: String(w) })),
  ];
  if (prtry.length > 0) refs.Prtry = prtry;
  return refs;
}
