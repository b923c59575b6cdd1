/**
 * What the three cash-management reports (camt.052 account report, camt.053 statement, camt.054 debit/credit
 * notification) share, written and read the same way in the .08 (`iso-2019`) and .14 (`iso-2026`) versions:
 * the group header, the account, balances, the transaction summary and the entries. Pure.
 *
 * | canonical                                    | XML (under Ntfctn / Stmt / Rpt)                                  |
 * |----------------------------------------------|------------------------------------------------------------------|
 * | GrpHdr.MsgId, CreDtTm                        | GrpHdr/MsgId, CreDtTm                                            |
 * | Id, CreDtTm, FrToDt.FrDtTm, ToDtTm           | Id, CreDtTm, FrToDt/FrDtTm, ToDtTm                               |
 * | Acct.Id.Othr.Id, SchmeNm.{Cd|Prtry}, Issr    | Acct/Id/Othr/Id (Max34Text), SchmeNm/{Cd|Prtry}, Issr            |
 * | Acct.Ccy, Nm                                 | Acct/Ccy, Acct/Nm (Max70Text)                                    |
 * | Acct.Ownr.Nm, Id.OrgId.AnyBIC, LEI, Othr[]   | Acct/Ownr/Nm, Ownr/Id/OrgId/AnyBIC, LEI, Othr (Id: Max35Text in .08, Max256Text in .14) |
 * | Acct.Svcr (agent: BICFI, ClrSysMmbId, Othr)  | Acct/Svcr/FinInstnId/…                                           |
 * | Bal[].Tp.CdOrPrtry.{Cd|Prtry}                | Bal/Tp/CdOrPrtry/{Cd|Prtry}                                      |
 * | Bal[].Amt, CdtDbtInd, Dt.{Dt|DtTm}           | Bal/Amt (Ccy), CdtDbtInd, Dt/{Dt|DtTm}                           |
 * | TxsSummry.TtlNtries.NbOfNtries, Sum          | TxsSummry/TtlNtries/NbOfNtries, Sum (no currency)                |
 * | TxsSummry.TtlNtries.TtlNetNtry.Amt, CdtDbtInd| TxsSummry/TtlNtries/TtlNetNtry/Amt (no currency), CdtDbtInd      |
 * | TxsSummry.TtlCdtNtries, TtlDbtNtries         | TxsSummry/TtlCdtNtries, TtlDbtNtries (NbOfNtries, Sum)           |
 * | Ntry[].NtryRef, Amt, CdtDbtInd, RvslInd      | Ntry/NtryRef, Amt (Ccy), CdtDbtInd, RvslInd                      |
 * | Ntry[].Sts.{Cd|Prtry}                        | Ntry/Sts/{Cd|Prtry}                                              |
 * | Ntry[].BookgDt, ValDt (.{Dt|DtTm})           | Ntry/BookgDt, ValDt (/{Dt|DtTm})                                  |
 * | Ntry[].AcctSvcrRef                           | Ntry/AcctSvcrRef                                                 |
 * | Ntry[].BkTxCd.Domn.Cd, Fmly.Cd, SubFmlyCd    | Ntry/BkTxCd/Domn/Cd, Fmly/Cd, Fmly/SubFmlyCd                     |
 * | Ntry[].BkTxCd.Prtry.Cd, Issr                 | Ntry/BkTxCd/Prtry/Cd, Issr                                       |
 * | Ntry[].NtryDtls[].TxDtls[].Refs.…            | Ntry/NtryDtls/TxDtls/Refs/MsgId, AcctSvcrRef, PmtInfId, InstrId, EndToEndId, UETR, TxId, ClrSysRef, Prtry/{Tp, Ref} |
 * | Ntry[].NtryDtls[].TxDtls[].AddtlTxInf        | Ntry/NtryDtls/TxDtls/AddtlTxInf (Max500Text)                     |
 * | Ntry[].AddtlNtryInf                          | Ntry/AddtlNtryInf (Max500Text)                                   |
 *
 * Amounts. `Amt` elements carry the `Ccy` attribute; the summary's `Sum` and `TtlNetNtry/Amt` are plain decimals in
 * the account's currency. Every amount must be in the account's currency, not negative, within ISO's 18 digits and
 * exact in the currency's minor unit (XOF 0, USD 2, BHD 3 decimals); it is written with exactly the minor unit's
 * digits (`125.00` USD, `1500` XOF, `1.250` BHD). Anything else is a TranslationError — never rounded. (The
 * trailing zeros do not count against ISO's 18 digits: totalDigits and fractionDigits constrain the value, as
 * Xerces and libxml2 both check.) Reading accepts every xs:decimal form.
 *
 * Reading is for the hub's own messages (tests, tools): elements the canonical model does not type are skipped, and
 * what it requires (Acct/Id/Othr, Acct/Ccy) must be there.
 */
import { decimalPlaces, toScaledInteger, type Amount } from '../../schemas/amount.js';
import { currencyDecimals } from '../../schemas/currency.js';
import type {
  AccountOwner,
  BankTransactionCode,
  CamtGroupHeader,
  CashBalance,
  CodeOrProprietary,
  CreditDebitCode,
  DateAndDateTime,
  DateTimePeriod,
  EntryTransaction,
  GenericIdentification,
  NumberAndSum,
  ReportEntry,
  ReportedAccount,
  TransactionReferences,
  TransactionSummary,
} from '../../schemas/iso/camt.js';
import type { Agent } from '../../schemas/iso/common.js';
import { TranslationError, isoAmountFit } from '../../schemas/iso/translation.js';
import { agentFromXml, agentXml } from './common.js';
import { uetrXml } from './pacs002.js';
import { dateText, dateTimeText, decimalToUnits, maxText, readBoolean, readDateTime, writeBoolean } from './values.js';
import { XNode, el, leaf, leafWithAttrs, optLeaf } from './xml.js';

/** The two generations: `.08` (camt.05x.001.08, `iso-2019`) and `.14` (camt.05x.001.14, `iso-2026`). */
export type CamtGeneration = '08' | '14';

export function generationOf(version: string): CamtGeneration {
  const g = version.slice(-2);
  if (g !== '08' && g !== '14') throw new Error(`${version} is not a camt.05x.001.08 or .14 version`);
  return g;
}

// ------------------------------------------------------------------------------------------- amounts

/** The decimal text of an amount in its currency's minor unit; refuses what cannot be carried exactly. */
export function minorUnitText(amount: Amount, field: string): string {
  const fit = isoAmountFit(amount);
  if (!fit.ok) throw new TranslationError(field, fit.reason);
  const digits = currencyDecimals(amount.currency);
  if (digits === undefined) throw new TranslationError(field, `currency ${JSON.stringify(amount.currency)} is not a currency the hub knows`);
  if (decimalPlaces(amount.units) > digits) {
    throw new TranslationError(field, `amount has ${decimalPlaces(amount.units)} decimal places but ${amount.currency} has ${digits}: it is not rounded`);
  }
  const scaled = toScaledInteger(amount.units, digits)
    .toString()
    .padStart(digits + 1, '0');
  return digits === 0 ? scaled : `${scaled.slice(0, -digits)}.${scaled.slice(-digits)}`;
}

function inCurrency(amount: Amount, currency: string, field: string): Amount {
  if (amount.currency !== currency) throw new TranslationError(field, `currency ${amount.currency} is not the account's ${currency}`);
  return amount;
}

/** `<name Ccy="…">…</name>` in the account's currency. */
function amountXml(name: string, amount: Amount, currency: string, field: string): string {
  return leafWithAttrs(name, { Ccy: inCurrency(amount, currency, field).currency }, minorUnitText(amount, field));
}

/** A plain decimal (DecimalNumber) holding an amount of the account's currency. */
function decimalXml(name: string, amount: Amount, currency: string, field: string): string {
  return leaf(name, minorUnitText(inCurrency(amount, currency, field), field));
}

function readDecimal(node: XNode, currency: string): Amount {
  try {
    return { currency, units: decimalToUnits(node.collapsed()) };
  } catch (err) {
    throw node.fail(`${node.localName}: ${(err as Error).message}`);
  }
}

function readCcyAmount(node: XNode): Amount {
  const currency = node.attr('Ccy');
  if (currency === undefined) throw node.fail(`${node.localName} has no Ccy attribute`);
  return readDecimal(node, currency);
}

// ---------------------------------------------------------------------------------------- small parts

function creditDebitXml(value: CreditDebitCode, field: string): string {
  if (value !== 'CRDT' && value !== 'DBIT') throw new TranslationError(field, `${JSON.stringify(value)} is not CRDT or DBIT`);
  return leaf('CdtDbtInd', value);
}

function readCreditDebit(node: XNode): CreditDebitCode {
  const v = node.reqText('CdtDbtInd');
  if (v !== 'CRDT' && v !== 'DBIT') throw node.fail(`CdtDbtInd ${JSON.stringify(v)} is not CRDT or DBIT`);
  return v;
}

/** A `Cd` / `Prtry` choice; `cdMax` is the code's length (4 for External…Code, 5 for clearing systems). */
export function choiceXml(name: string, c: CodeOrProprietary, cdMax: number, field: string): string {
  if ((c.Cd === undefined) === (c.Prtry === undefined)) throw new TranslationError(field, 'needs exactly one of Cd and Prtry: the ISO element is a choice');
  return el(name, c.Cd !== undefined ? leaf('Cd', maxText(c.Cd, cdMax, `${field}.Cd`)) : leaf('Prtry', maxText(c.Prtry!, 35, `${field}.Prtry`)));
}

export function readChoice(node: XNode): CodeOrProprietary {
  const cd = node.textOf('Cd');
  return cd !== undefined ? { Cd: cd } : { Prtry: node.reqText('Prtry') };
}

/** DateAndDateTime2Choice. */
function dateChoiceXml(name: string, d: DateAndDateTime, field: string): string {
  if ((d.Dt === undefined) === (d.DtTm === undefined)) throw new TranslationError(field, 'needs exactly one of Dt and DtTm: the ISO element is a choice');
  return el(name, d.Dt !== undefined ? leaf('Dt', dateText(d.Dt, `${field}.Dt`)) : leaf('DtTm', dateTimeText(d.DtTm!, `${field}.DtTm`)));
}

function readDateChoice(node: XNode): DateAndDateTime {
  const dt = node.child('Dt');
  return dt ? { Dt: dt.collapsed() } : { DtTm: readDateTime(node.req('DtTm')) };
}

function optText(name: string, value: string | undefined, max: number, field: string): string {
  return optLeaf(name, value === undefined ? undefined : maxText(value, max, field));
}

/** Sets `out[key]` to the text of child `name` when present. */
function copyText<T extends object>(out: T, node: XNode, name: string, key: keyof T = name as keyof T): void {
  const v = node.textOf(name);
  if (v !== undefined) (out as Record<keyof T, unknown>)[key] = v;
}

function nonEmpty<T>(list: readonly T[] | undefined, field: string): readonly T[] | undefined {
  if (list !== undefined && list.length === 0) throw new TranslationError(field, 'is an empty list: leave it out instead');
  return list;
}

// -------------------------------------------------------------------------------------- group header

export function groupHeaderXml(h: CamtGroupHeader): string {
  return el('GrpHdr', leaf('MsgId', maxText(h.MsgId, 35, 'GrpHdr.MsgId')), leaf('CreDtTm', dateTimeText(h.CreDtTm, 'GrpHdr.CreDtTm')));
}

export function groupHeaderFromXml(node: XNode): CamtGroupHeader {
  return { MsgId: node.reqText('MsgId'), CreDtTm: readDateTime(node.req('CreDtTm')) };
}

// -------------------------------------------------------------------------------------------- account

function genericIdXml(g: GenericIdentification, idMax: number, field: string): string {
  return el(
    'Othr',
    leaf('Id', maxText(g.Id, idMax, `${field}.Id`)),
    g.SchmeNm && choiceXml('SchmeNm', g.SchmeNm, 4, `${field}.SchmeNm`),
    optText('Issr', g.Issr, 35, `${field}.Issr`),
  );
}

function genericIdFromXml(node: XNode): GenericIdentification {
  const g: GenericIdentification = { Id: node.reqText('Id') };
  const scheme = node.child('SchmeNm');
  if (scheme) g.SchmeNm = readChoice(scheme);
  copyText(g, node, 'Issr');
  return g;
}

const BIC = /^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;
const LEI = /^[A-Z0-9]{18}[0-9]{2}$/;

function ownerXml(o: AccountOwner, g: CamtGeneration, field: string): string {
  let id = '';
  if (o.Id) {
    const org = o.Id.OrgId;
    if (org.AnyBIC !== undefined && !BIC.test(org.AnyBIC)) throw new TranslationError(`${field}.Id.OrgId.AnyBIC`, `${JSON.stringify(org.AnyBIC)} is not a BIC`);
    if (org.LEI !== undefined && !LEI.test(org.LEI)) throw new TranslationError(`${field}.Id.OrgId.LEI`, `${JSON.stringify(org.LEI)} is not an LEI`);
    const othr = nonEmpty(org.Othr, `${field}.Id.OrgId.Othr`) ?? [];
    const idMax = g === '08' ? 35 : 256;
    id = el(
      'Id',
      el('OrgId', optLeaf('AnyBIC', org.AnyBIC), optLeaf('LEI', org.LEI), ...othr.map((x, i) => genericIdXml(x, idMax, `${field}.Id.OrgId.Othr[${i}]`))),
    );
  }
  return el('Ownr', optText('Nm', o.Nm, 140, `${field}.Nm`), id);
}

function ownerFromXml(node: XNode): AccountOwner {
  const o: AccountOwner = {};
  copyText(o, node, 'Nm');
  const org = node.at('Id', 'OrgId');
  if (org) {
    const OrgId: NonNullable<AccountOwner['Id']>['OrgId'] = {};
    copyText(OrgId, org, 'AnyBIC');
    copyText(OrgId, org, 'LEI');
    const othr = org.children('Othr').map(genericIdFromXml);
    if (othr.length > 0) OrgId.Othr = othr;
    o.Id = { OrgId };
  }
  return o;
}

function servicerXml(svcr: Agent, field: string): string {
  const member = svcr.FinInstnId.ClrSysMmbId?.ClrSysId;
  if (member) choiceXml('ClrSysId', member, 5, `${field}.FinInstnId.ClrSysMmbId.ClrSysId`);
  return agentXml('Svcr', svcr, field);
}

export function accountXml(a: ReportedAccount, g: CamtGeneration, field: string): string {
  if (!/^[A-Z]{3}$/.test(a.Ccy)) throw new TranslationError(`${field}.Ccy`, `${JSON.stringify(a.Ccy)} is not a currency code`);
  return el(
    'Acct',
    el('Id', genericIdXml(a.Id.Othr, 34, `${field}.Id.Othr`)),
    leaf('Ccy', a.Ccy),
    optText('Nm', a.Nm, 70, `${field}.Nm`),
    a.Ownr && ownerXml(a.Ownr, g, `${field}.Ownr`),
    a.Svcr && servicerXml(a.Svcr, `${field}.Svcr`),
  );
}

export function accountFromXml(node: XNode): ReportedAccount {
  const othr = node.at('Id', 'Othr');
  if (!othr) throw node.fail('Acct/Id/Othr is required: the hub identifies its accounts with Othr (no IBAN)');
  const ccy = node.textOf('Ccy');
  if (ccy === undefined) throw node.fail('Acct/Ccy is required: every amount of the report is in the account currency');
  const a: ReportedAccount = { Id: { Othr: genericIdFromXml(othr) }, Ccy: ccy };
  copyText(a, node, 'Nm');
  const ownr = node.child('Ownr');
  if (ownr) a.Ownr = ownerFromXml(ownr);
  const svcr = node.child('Svcr');
  if (svcr) a.Svcr = agentFromXml(svcr);
  return a;
}

// ------------------------------------------------------------------------------------------- balances

export function balanceXml(b: CashBalance, currency: string, field: string): string {
  return el(
    'Bal',
    el('Tp', choiceXml('CdOrPrtry', b.Tp.CdOrPrtry, 4, `${field}.Tp.CdOrPrtry`)),
    amountXml('Amt', b.Amt, currency, `${field}.Amt`),
    creditDebitXml(b.CdtDbtInd, `${field}.CdtDbtInd`),
    dateChoiceXml('Dt', b.Dt, `${field}.Dt`),
  );
}

export function balanceFromXml(node: XNode): CashBalance {
  return {
    Tp: { CdOrPrtry: readChoice(node.req('Tp').req('CdOrPrtry')) },
    Amt: readCcyAmount(node.req('Amt')),
    CdtDbtInd: readCreditDebit(node),
    Dt: readDateChoice(node.req('Dt')),
  };
}

// ------------------------------------------------------------------------------------------- summary

function countXml(n: string | undefined, field: string): string {
  if (n === undefined) return '';
  if (!/^[0-9]{1,15}$/.test(n)) throw new TranslationError(field, `${JSON.stringify(n)} is not 1 to 15 digits`);
  return leaf('NbOfNtries', n);
}

function numberAndSumXml(name: string, s: NumberAndSum, currency: string, field: string, net: () => string = () => ''): string {
  return el(name, countXml(s.NbOfNtries, `${field}.NbOfNtries`), s.Sum && decimalXml('Sum', s.Sum, currency, `${field}.Sum`), net());
}

export function summaryXml(s: TransactionSummary, currency: string, field: string): string {
  const all = s.TtlNtries;
  const net = all?.TtlNetNtry;
  const netXml = () =>
    net
      ? el(
          'TtlNetNtry',
          decimalXml('Amt', net.Amt, currency, `${field}.TtlNtries.TtlNetNtry.Amt`),
          creditDebitXml(net.CdtDbtInd, `${field}.TtlNtries.TtlNetNtry.CdtDbtInd`),
        )
      : '';
  return el(
    'TxsSummry',
    all && numberAndSumXml('TtlNtries', all, currency, `${field}.TtlNtries`, netXml),
    s.TtlCdtNtries && numberAndSumXml('TtlCdtNtries', s.TtlCdtNtries, currency, `${field}.TtlCdtNtries`),
    s.TtlDbtNtries && numberAndSumXml('TtlDbtNtries', s.TtlDbtNtries, currency, `${field}.TtlDbtNtries`),
  );
}

function numberAndSumFromXml(node: XNode, currency: string): NumberAndSum {
  const s: NumberAndSum = {};
  copyText(s, node, 'NbOfNtries');
  const sum = node.child('Sum');
  if (sum) s.Sum = readDecimal(sum, currency);
  return s;
}

export function summaryFromXml(node: XNode, currency: string): TransactionSummary {
  const s: TransactionSummary = {};
  const all = node.child('TtlNtries');
  if (all) {
    s.TtlNtries = numberAndSumFromXml(all, currency);
    const net = all.child('TtlNetNtry');
    if (net) s.TtlNtries.TtlNetNtry = { Amt: readDecimal(net.req('Amt'), currency), CdtDbtInd: readCreditDebit(net) };
  }
  const cdt = node.child('TtlCdtNtries');
  if (cdt) s.TtlCdtNtries = numberAndSumFromXml(cdt, currency);
  const dbt = node.child('TtlDbtNtries');
  if (dbt) s.TtlDbtNtries = numberAndSumFromXml(dbt, currency);
  return s;
}

// ------------------------------------------------------------------------------------------- entries

const REF_ELEMENTS = ['MsgId', 'AcctSvcrRef', 'PmtInfId', 'InstrId', 'EndToEndId'] as const;

function refsXml(r: TransactionReferences, field: string): string {
  const prtry = nonEmpty(r.Prtry, `${field}.Prtry`) ?? [];
  return el(
    'Refs',
    ...REF_ELEMENTS.map((k) => optText(k, r[k], 35, `${field}.${k}`)),
    uetrXml('UETR', r.UETR, `${field}.UETR`),
    optText('TxId', r.TxId, 35, `${field}.TxId`),
    optText('ClrSysRef', r.ClrSysRef, 35, `${field}.ClrSysRef`),
    ...prtry.map((p, i) => el('Prtry', leaf('Tp', maxText(p.Tp, 35, `${field}.Prtry[${i}].Tp`)), leaf('Ref', maxText(p.Ref, 35, `${field}.Prtry[${i}].Ref`)))),
  );
}

function refsFromXml(node: XNode): TransactionReferences {
  const r: TransactionReferences = {};
  for (const k of [...REF_ELEMENTS, 'UETR', 'TxId', 'ClrSysRef'] as const) copyText(r, node, k);
  const prtry = node.children('Prtry').map((p) => ({ Tp: p.reqText('Tp'), Ref: p.reqText('Ref') }));
  if (prtry.length > 0) r.Prtry = prtry;
  return r;
}

function transactionXml(t: EntryTransaction, field: string): string {
  return el('TxDtls', t.Refs && refsXml(t.Refs, `${field}.Refs`), optText('AddtlTxInf', t.AddtlTxInf, 500, `${field}.AddtlTxInf`));
}

function transactionFromXml(node: XNode): EntryTransaction {
  const t: EntryTransaction = {};
  const refs = node.child('Refs');
  if (refs) t.Refs = refsFromXml(refs);
  copyText(t, node, 'AddtlTxInf');
  return t;
}

function bankTransactionCodeXml(c: BankTransactionCode, field: string): string {
  const d = c.Domn;
  const domn =
    d &&
    el(
      'Domn',
      leaf('Cd', maxText(d.Cd, 4, `${field}.Domn.Cd`)),
      el('Fmly', leaf('Cd', maxText(d.Fmly.Cd, 4, `${field}.Domn.Fmly.Cd`)), leaf('SubFmlyCd', maxText(d.Fmly.SubFmlyCd, 4, `${field}.Domn.Fmly.SubFmlyCd`))),
    );
  const p = c.Prtry;
  const prtry = p && el('Prtry', leaf('Cd', maxText(p.Cd, 35, `${field}.Prtry.Cd`)), optText('Issr', p.Issr, 35, `${field}.Prtry.Issr`));
  return el('BkTxCd', domn, prtry);
}

function bankTransactionCodeFromXml(node: XNode): BankTransactionCode {
  const c: BankTransactionCode = {};
  const d = node.child('Domn');
  if (d) {
    const f = d.req('Fmly');
    c.Domn = { Cd: d.reqText('Cd'), Fmly: { Cd: f.reqText('Cd'), SubFmlyCd: f.reqText('SubFmlyCd') } };
  }
  const p = node.child('Prtry');
  if (p) {
    c.Prtry = { Cd: p.reqText('Cd') };
    copyText(c.Prtry, p, 'Issr');
  }
  return c;
}

export function entryXml(e: ReportEntry, currency: string, field: string): string {
  const details = nonEmpty(e.NtryDtls, `${field}.NtryDtls`) ?? [];
  return el(
    'Ntry',
    optText('NtryRef', e.NtryRef, 35, `${field}.NtryRef`),
    amountXml('Amt', e.Amt, currency, `${field}.Amt`),
    creditDebitXml(e.CdtDbtInd, `${field}.CdtDbtInd`),
    e.RvslInd !== undefined && leaf('RvslInd', writeBoolean(e.RvslInd)),
    choiceXml('Sts', e.Sts, 4, `${field}.Sts`),
    e.BookgDt && dateChoiceXml('BookgDt', e.BookgDt, `${field}.BookgDt`),
    e.ValDt && dateChoiceXml('ValDt', e.ValDt, `${field}.ValDt`),
    optText('AcctSvcrRef', e.AcctSvcrRef, 35, `${field}.AcctSvcrRef`),
    bankTransactionCodeXml(e.BkTxCd, `${field}.BkTxCd`),
    ...details.map((d, i) => el('NtryDtls', ...d.TxDtls.map((t, j) => transactionXml(t, `${field}.NtryDtls[${i}].TxDtls[${j}]`)))),
    optText('AddtlNtryInf', e.AddtlNtryInf, 500, `${field}.AddtlNtryInf`),
  );
}

export function entryFromXml(node: XNode): ReportEntry {
  const e: ReportEntry = {
    Amt: readCcyAmount(node.req('Amt')),
    CdtDbtInd: readCreditDebit(node),
    Sts: readChoice(node.req('Sts')),
    BkTxCd: bankTransactionCodeFromXml(node.req('BkTxCd')),
  };
  copyText(e, node, 'NtryRef');
  const rvsl = node.child('RvslInd');
  if (rvsl) e.RvslInd = readBoolean(rvsl);
  const booked = node.child('BookgDt');
  if (booked) e.BookgDt = readDateChoice(booked);
  const value = node.child('ValDt');
  if (value) e.ValDt = readDateChoice(value);
  copyText(e, node, 'AcctSvcrRef');
  const details = node.children('NtryDtls').map((d) => ({ TxDtls: d.children('TxDtls').map(transactionFromXml) }));
  if (details.length > 0) e.NtryDtls = details;
  copyText(e, node, 'AddtlNtryInf');
  return e;
}

// ----------------------------------------------------------------------------------- account sections

/** What Ntfctn, Stmt and Rpt share; `balances` is written between the account and the summary. */
export interface SectionParts {
  Id: string;
  CreDtTm?: string;
  FrToDt?: DateTimePeriod;
  Acct: ReportedAccount;
  TxsSummry?: TransactionSummary;
  Ntry: ReportEntry[];
}

export function sectionXml(
  tag: string,
  s: SectionParts,
  g: CamtGeneration,
  field: string,
  extra: { balances?: readonly CashBalance[]; addtl: [string, string | undefined] },
): string {
  const ccy = s.Acct.Ccy;
  const period =
    s.FrToDt &&
    el(
      'FrToDt',
      leaf('FrDtTm', dateTimeText(s.FrToDt.FrDtTm, `${field}.FrToDt.FrDtTm`)),
      leaf('ToDtTm', dateTimeText(s.FrToDt.ToDtTm, `${field}.FrToDt.ToDtTm`)),
    );
  const [addtlName, addtl] = extra.addtl;
  return el(
    tag,
    leaf('Id', maxText(s.Id, 35, `${field}.Id`)),
    s.CreDtTm !== undefined && leaf('CreDtTm', dateTimeText(s.CreDtTm, `${field}.CreDtTm`)),
    period,
    accountXml(s.Acct, g, `${field}.Acct`),
    ...(extra.balances ?? []).map((b, i) => balanceXml(b, ccy, `${field}.Bal[${i}]`)),
    s.TxsSummry && summaryXml(s.TxsSummry, ccy, `${field}.TxsSummry`),
    ...s.Ntry.map((e, i) => entryXml(e, ccy, `${field}.Ntry[${i}]`)),
    optText(addtlName, addtl, 500, `${field}.${addtlName}`),
  );
}

export function sectionFromXml(node: XNode): SectionParts {
  const Acct = accountFromXml(node.req('Acct'));
  const s: SectionParts = { Id: node.reqText('Id'), Acct, Ntry: node.children('Ntry').map(entryFromXml) };
  const cre = node.child('CreDtTm');
  if (cre) s.CreDtTm = readDateTime(cre);
  const period = node.child('FrToDt');
  if (period) s.FrToDt = { FrDtTm: readDateTime(period.req('FrDtTm')), ToDtTm: readDateTime(period.req('ToDtTm')) };
  const summary = node.child('TxsSummry');
  if (summary) s.TxsSummry = summaryFromXml(summary, Acct.Ccy);
  return s;
}

/** `base` with the members of `extras` that are defined (canonical objects never hold `undefined`). */
export function withOptional<T extends object>(base: T, extras: Record<string, unknown>): T {
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(extras)) if (v !== undefined) out[k] = v;
  return out as T;
}
