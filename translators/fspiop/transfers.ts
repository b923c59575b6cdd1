/**
 * FSPIOP transfer messages <-> canonical ISO 20022 (pacs.008 / pacs.002). Pure functions: the
 * caller supplies everything that is not in the FSPIOP body (the path id, the receipt time).
 * The error functions serve every FSPIOP `{errorInformation}` callback carried as pacs.002
 * (PUT /transfers/{ID}/error and PUT /quotes/{ID}/error).
 */
import { furtherReasonsOf, processingDateOf, type Pacs002, type TxSts } from '../../schemas/iso/pacs002.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import type { Account, Agent } from '../../schemas/iso/common.js';
import { formatAmount } from '../../schemas/amount.js';
import {
  CARRIED_PREFIX,
  errorInformationOf,
  extensionListOf,
  extensionsOf,
  foreignElementsOf,
  moneyFromCanonical,
  moneyToCanonical,
  takeCarried,
  withCarried,
  type FspiopErrorBody,
  type FspiopExtensionList,
} from './common.js';

export type { FspiopErrorBody, FspiopExtensionList } from './common.js';

export type TransferState = 'RECEIVED' | 'RESERVED' | 'COMMITTED' | 'ABORTED';

export interface FspiopTransferPrepare {
  transferId: string;
  payeeFsp: string;
  payerFsp: string;
  amount: { currency: string; amount: string };
  ilpPacket: string;
  condition: string;
  expiration: string;
  extensionList?: FspiopExtensionList;
}

export interface FspiopTransferFulfil {
  fulfilment?: string;
  completedTimestamp?: string;
  transferState: TransferState;
  extensionList?: FspiopExtensionList;
}

export interface FspiopTransferPatch {
  completedTimestamp: string;
  transferState: TransferState;
  extensionList?: FspiopExtensionList;
}

const TO_TXSTS: Record<TransferState, TxSts> = { RECEIVED: 'RECV', RESERVED: 'RESV', COMMITTED: 'COMM', ABORTED: 'ABOR' };
const FROM_TXSTS: Record<TxSts, TransferState> = { RECV: 'RECEIVED', RESV: 'RESERVED', COMM: 'COMMITTED', ABOR: 'ABORTED' };

export function toTxSts(state: TransferState): TxSts {
  return TO_TXSTS[state];
}

export function fromTxSts(status: TxSts): TransferState {
  const state = FROM_TXSTS[status];
  if (state === undefined) throw new TranslationError('transferState', `status ${String(status)} is not one of RECV, RESV, COMM, ABOR`);
  return state;
}

/** POST /transfers body -> pacs.008. `receivedAt` becomes the group header's creation time. */
export function prepareToCanonical(body: FspiopTransferPrepare, receivedAt: string): Pacs008 {
  const message: Pacs008 = {
    GrpHdr: {
      MsgId: body.transferId,
      CreDtTm: receivedAt,
      NbOfTxs: '1',
      SttlmInf: { SttlmMtd: 'CLRG' },
      PmtInstrXpryDtTm: body.expiration,
    },
    CdtTrfTxInf: {
      PmtId: { TxId: body.transferId },
      IntrBkSttlmAmt: moneyToCanonical(body.amount, 'amount'),
      ChrgBr: 'SHAR',
      DbtrAgt: { FinInstnId: { Othr: { Id: body.payerFsp } } },
      CdtrAgt: { FinInstnId: { Othr: { Id: body.payeeFsp } } },
      ExctnCond: body.condition,
      VrfctnOfTerms: { IlpV4PrepPacket: body.ilpPacket },
    },
  };
  const { own, carried } = takeCarried(extensionsOf(body.extensionList), 'POST /transfers');
  if (own) message.CdtTrfTxInf.SplmtryData = { extensions: own };
  readCarriedPacs008(message, carried);
  return message;
}

/**
 * What an ISO sender's pacs.008 says that POST /transfers has no member for, carried in the extension list
 * (`iso:<name>` items, docs/iso20022-mapping.md §5): the other payment ids, the instructed amount, the charge
 * bearer SLEV, the exchange rate, a settlement method other than CLRG, account identifiers, the purpose, the remittance information
 * and the instructing/instructed agents of the bank leg. The parties are not repeated:
 * the payee has them from the agreed quote, and the ILP packet names them.
 */
function carriedOfPacs008(message: Pacs008): Record<string, unknown> {
  const tx = message.CdtTrfTxInf;
  const out: Record<string, unknown> = {};
  const { InstrId, EndToEndId, UETR } = tx.PmtId;
  if (InstrId !== undefined || EndToEndId !== undefined || UETR !== undefined) out.PmtId = { InstrId, EndToEndId, UETR };
  if (tx.InstdAmt) out.InstdAmt = { Amt: formatAmount(tx.InstdAmt), Ccy: tx.InstdAmt.currency };
  if (tx.XchgRate !== undefined) out.XchgRate = tx.XchgRate;
  // DEBT/CRED repeat the agreed quote's amountType; only SLEV says something FSPIOP has not heard.
  if (tx.ChrgBr === 'SLEV') out.ChrgBr = tx.ChrgBr;
  if (message.GrpHdr.SttlmInf.SttlmMtd !== 'CLRG') out.SttlmMtd = message.GrpHdr.SttlmInf.SttlmMtd;
  if (tx.DbtrAcct) out.DbtrAcct = tx.DbtrAcct;
  if (tx.CdtrAcct) out.CdtrAcct = tx.CdtrAcct;
  if (tx.Purp) out.Purp = tx.Purp;
  if (tx.RmtInf) out.RmtInf = tx.RmtInf;
  if (tx.InstgAgt) out.InstgAgt = tx.InstgAgt;
  if (tx.InstdAgt) out.InstdAgt = tx.InstdAgt;
  if (tx.SplmtryData?.iso) out.elements = tx.SplmtryData.iso;
  return out;
}

function readCarriedPacs008(message: Pacs008, carried: Record<string, unknown>): void {
  const tx = message.CdtTrfTxInf;
  const field = (name: string) => `POST /transfers extension iso:${name}`;
  const text = (v: unknown, name: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new TranslationError(field(name), 'not a string');
    return v;
  };
  for (const [name, value] of Object.entries(carried)) {
    const o = value as Record<string, unknown> | null;
    if (name === 'PmtId' && o && typeof o === 'object') {
      const InstrId = text(o.InstrId, name);
      const EndToEndId = text(o.EndToEndId, name);
      const UETR = text(o.UETR, name);
      if (InstrId !== undefined) tx.PmtId.InstrId = InstrId;
      if (EndToEndId !== undefined) tx.PmtId.EndToEndId = EndToEndId;
      if (UETR !== undefined) tx.PmtId.UETR = UETR;
    } else if (name === 'InstdAmt' && o && typeof o === 'object') {
      tx.InstdAmt = moneyToCanonical({ amount: text(o.Amt, name) ?? '', currency: text(o.Ccy, name) ?? '' }, field(name));
    } else if (name === 'XchgRate' && typeof value === 'string') {
      tx.XchgRate = value;
    } else if (name === 'ChrgBr' && value === 'SLEV') {
      tx.ChrgBr = value as Pacs008['CdtTrfTxInf']['ChrgBr'];
    } else if (name === 'SttlmMtd' && ['INDA', 'INGA', 'COVE'].includes(value as string)) {
      message.GrpHdr.SttlmInf.SttlmMtd = value as Pacs008['GrpHdr']['SttlmInf']['SttlmMtd'];
    } else if ((name === 'DbtrAcct' || name === 'CdtrAcct') && o && typeof o === 'object' && !Array.isArray(o)) {
      tx[name] = accountOf(o, field(name));
    } else if (name === 'Purp' && o && typeof o === 'object' && (text(o.Cd, name) !== undefined || text(o.Prtry, name) !== undefined)) {
      tx.Purp = { ...(o.Cd !== undefined ? { Cd: o.Cd as string } : {}), ...(o.Prtry !== undefined ? { Prtry: o.Prtry as string } : {}) };
    } else if (name === 'RmtInf' && o && typeof o === 'object' && Array.isArray(o.Ustrd) && o.Ustrd.every((x) => typeof x === 'string')) {
      tx.RmtInf = { Ustrd: [...(o.Ustrd as string[])] };
    } else if ((name === 'InstgAgt' || name === 'InstdAgt') && o && typeof o === 'object' && o.FinInstnId && typeof o.FinInstnId === 'object') {
      tx[name] = agentOf(o.FinInstnId as Record<string, unknown>, field(name));
    } else if (name === 'elements') {
      tx.SplmtryData = { ...tx.SplmtryData, iso: foreignElementsOf(value, field(name)) };
    } else {
      throw new TranslationError(field(name), 'not something Mizani carries in a transfer, or not in its shape');
    }
  }
}

/** An agent as carried (canonical shape), checked: BICFI, ClrSysMmbId {MmbId, ClrSysId?}, Othr {Id}. */
function agentOf(fin: Record<string, unknown>, field: string): Agent {
  const str = (v: unknown) => v === undefined || typeof v === 'string';
  const clr = fin.ClrSysMmbId as Record<string, unknown> | undefined;
  const sys = clr?.ClrSysId as Record<string, unknown> | undefined;
  const othr = fin.Othr as Record<string, unknown> | undefined;
  const ok =
    str(fin.BICFI) &&
    (clr === undefined || (typeof clr.MmbId === 'string' && (sys === undefined || (str(sys.Cd) && str(sys.Prtry))))) &&
    (othr === undefined || typeof othr.Id === 'string');
  if (!ok) throw new TranslationError(field, 'not an agent {FinInstnId}');
  return { FinInstnId: JSON.parse(JSON.stringify(fin)) as Agent['FinInstnId'] };
}

/** An account as carried (canonical shape), checked: `{Ccy?, Id?: {IBAN?} | {Othr: {Id, SchmeNm?}}}`. */
function accountOf(o: Record<string, unknown>, field: string): Account {
  const ok = (v: unknown) => v === undefined || typeof v === 'string';
  const id = o.Id as Record<string, unknown> | undefined;
  const othr = id?.Othr as Record<string, unknown> | undefined;
  const scheme = othr?.SchmeNm as Record<string, unknown> | undefined;
  const shapeOk =
    ok(o.Ccy) &&
    (id === undefined || (typeof id === 'object' && ok(id.IBAN))) &&
    (othr === undefined || (typeof othr === 'object' && typeof othr.Id === 'string')) &&
    (scheme === undefined || (typeof scheme === 'object' && ok(scheme.Prtry) && ok(scheme.Cd)));
  if (!shapeOk) throw new TranslationError(field, 'not an account {Ccy?, Id?}');
  return JSON.parse(JSON.stringify(o)) as Account;
}

/** pacs.008 -> POST /transfers body. Refuses (TranslationError 3100) an amount FSPIOP cannot carry exactly. */
export function prepareFromCanonical(message: Pacs008): FspiopTransferPrepare {
  const tx = message.CdtTrfTxInf;
  const body: FspiopTransferPrepare = {
    transferId: tx.PmtId.TxId,
    payeeFsp: tx.CdtrAgt.FinInstnId.Othr?.Id ?? '',
    payerFsp: tx.DbtrAgt.FinInstnId.Othr?.Id ?? '',
    amount: moneyFromCanonical(tx.IntrBkSttlmAmt, 'amount'),
    ilpPacket: tx.VrfctnOfTerms?.IlpV4PrepPacket ?? '',
    condition: tx.ExctnCond,
    expiration: message.GrpHdr.PmtInstrXpryDtTm,
  };
  const extensionList = extensionListOf(withCarried(tx.SplmtryData?.extensions, carriedOfPacs008(message), 'POST /transfers'));
  if (extensionList) body.extensionList = extensionList;
  return body;
}

/**
 * What a pacs.002 says that an FSPIOP status or errorInformation has no member for, carried in the extension list
 * (`iso:<name>` items, docs/iso20022-mapping.md §3): the status reasons after the first, and a processing date that
 * FSPIOP cannot hold (a date without a time; any date in an error, which has no timestamp).
 */
function carriedOfPacs002(t: Pacs002['TxInfAndSts'], form: 'status' | 'error'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // A status renders no reason (FSPIOP has none there): nor the further ones.
  if (form === 'error' && t.AddtlStsRsnInf?.length) out.AddtlStsRsnInf = t.AddtlStsRsnInf;
  if (t.PrcgDt && (form === 'error' || t.PrcgDt.Dt !== undefined)) out.PrcgDt = t.PrcgDt;
  return out;
}

function readCarriedPacs002(t: Pacs002['TxInfAndSts'], carried: Record<string, unknown>, where: string): void {
  for (const [name, value] of Object.entries(carried)) {
    const field = `${where} extension ${CARRIED_PREFIX}${name}`;
    if (name === 'PrcgDt') {
      const date = processingDateOf(value);
      if (!date) throw new TranslationError(field, 'not a processing date {Dt} or {DtTm}');
      if (t.PrcgDt) throw new TranslationError(field, 'the processing date is given twice (completedTimestamp too)');
      t.PrcgDt = date;
    } else if (name === 'AddtlStsRsnInf') {
      const reasons = furtherReasonsOf(value);
      if (!reasons) throw new TranslationError(field, 'not a list of status reasons {Rsn, AddtlInf}');
      if (!t.StsRsnInf) throw new TranslationError(field, 'further status reasons in a status without an error');
      t.AddtlStsRsnInf = reasons;
    } else {
      throw new TranslationError(field, 'not something Mizani carries in a transfer status or error');
    }
  }
}

/** PUT /transfers/{ID} or PATCH /transfers/{ID} body -> pacs.002. */
export function statusToCanonical(transferId: string, body: FspiopTransferFulfil, receivedAt: string): Pacs002 {
  const message: Pacs002 = {
    GrpHdr: { MsgId: transferId, CreDtTm: receivedAt },
    TxInfAndSts: { OrgnlTxId: transferId, TxSts: toTxSts(body.transferState) },
  };
  if (body.fulfilment !== undefined) message.TxInfAndSts.ExctnConf = body.fulfilment;
  if (body.completedTimestamp !== undefined) message.TxInfAndSts.PrcgDt = { DtTm: body.completedTimestamp };
  const { own, carried } = takeCarried(extensionsOf(body.extensionList), 'PUT /transfers');
  if (own) message.TxInfAndSts.SplmtryData = { extensions: own };
  readCarriedPacs002(message.TxInfAndSts, carried, 'PUT /transfers');
  return message;
}

/** PATCH /transfers/{ID} body -> pacs.002 (same shape as a status). */
export function patchToCanonical(transferId: string, body: FspiopTransferPatch, receivedAt: string): Pacs002 {
  return statusToCanonical(transferId, body, receivedAt);
}

/** pacs.002 status -> PUT /transfers/{ID} body. */
export function statusFromCanonical(message: Pacs002): FspiopTransferFulfil {
  const tx = message.TxInfAndSts;
  if (!tx.TxSts) throw new Error('pacs.002 without TxSts is an error report, not a status');
  const body: FspiopTransferFulfil = { transferState: fromTxSts(tx.TxSts) };
  if (tx.ExctnConf !== undefined) body.fulfilment = tx.ExctnConf;
  if (tx.PrcgDt?.DtTm !== undefined) body.completedTimestamp = tx.PrcgDt.DtTm;
  const extensionList = extensionListOf(withCarried(tx.SplmtryData?.extensions, carriedOfPacs002(tx, 'status'), 'extensionList'));
  if (extensionList) body.extensionList = extensionList;
  return body;
}

/** pacs.002 status -> PATCH /transfers/{ID} body (completedTimestamp is required there; a fulfilment is refused). */
export function patchFromCanonical(message: Pacs002): FspiopTransferPatch {
  const tx = message.TxInfAndSts;
  if (!tx.TxSts) throw new TranslationError('transferState', 'pacs.002 without TxSts is an error report, not a status', '3102');
  if (tx.PrcgDt?.DtTm === undefined) throw new TranslationError('completedTimestamp', 'a PATCH needs the processing date and time (PrcgDt.DtTm)', '3102');
  if (tx.ExctnConf !== undefined) throw new TranslationError('fulfilment', 'a PATCH /transfers body carries no fulfilment');
  const body: FspiopTransferPatch = { completedTimestamp: tx.PrcgDt.DtTm, transferState: fromTxSts(tx.TxSts) };
  const extensionList = extensionListOf(withCarried(tx.SplmtryData?.extensions, carriedOfPacs002(tx, 'status'), 'extensionList'));
  if (extensionList) body.extensionList = extensionList;
  return body;
}

/** PUT /transfers/{ID}/error body -> pacs.002 carrying a status reason. */
export function errorToCanonical(transferId: string, body: FspiopErrorBody, receivedAt: string): Pacs002 {
  const info = body.errorInformation;
  const message: Pacs002 = {
    GrpHdr: { MsgId: transferId, CreDtTm: receivedAt },
    TxInfAndSts: {
      OrgnlTxId: transferId,
      StsRsnInf: { Rsn: { Prtry: info.errorCode }, AddtlInf: info.errorDescription },
    },
  };
  const { own, carried } = takeCarried(extensionsOf(info.extensionList), 'errorInformation');
  if (own) message.TxInfAndSts.StsRsnInf!.extensions = own;
  readCarriedPacs002(message.TxInfAndSts, carried, 'errorInformation');
  return message;
}

/**
 * pacs.002 error report -> FSPIOP `{errorInformation}`. The code is `Rsn.Prtry`, else `Rsn.Cd`, of the first reason; a
 * report without description (ISO senders may give only a code) gets the code's standard description, as Mojaloop
 * does. Further reasons and a processing date travel in the extension list (`iso:AddtlStsRsnInf`, `iso:PrcgDt`).
 */
export function errorFromCanonical(message: Pacs002): FspiopErrorBody {
  const reason = message.TxInfAndSts.StsRsnInf;
  if (!reason) throw new TranslationError('errorInformation', 'pacs.002 without StsRsnInf is a status, not an error report', '3102');
  const code = reason.Rsn.Prtry ?? reason.Rsn.Cd;
  if (code === undefined) throw new TranslationError('errorInformation.errorCode', 'the status reason has no code', '3102');
  if (!/^[1-9]\d{3}$/.test(code)) throw new TranslationError('errorInformation.errorCode', `${JSON.stringify(code)} is not an FSPIOP error code (4 digits)`);
  const info = errorInformationOf(code, reason.AddtlInf, reason.extensions);
  const extensions = withCarried(info.extensionList?.extension, carriedOfPacs002(message.TxInfAndSts, 'error'), 'errorInformation.extensionList');
  if (extensions) info.extensionList = { extension: extensions };
  return { errorInformation: info };
}
