/**
 * FSPIOP request-to-pay messages <-> canonical pain.013 / pain.014 (docs/r2p.md "Mapping"). Pure and lossless:
 * POST /transactionRequests is a pain.013; PUT /transactionRequests/{ID} and its /error a pain.014 (a state; a
 * rejection with its reason). What pain.013/pain.014 say that FSPIOP has no member for (an ISO sender's charge
 * bearer, execution date, initiating party, ...) travels in the extension list as `iso:<name>` items.
 */
import type { Party } from '../../schemas/iso/common.js';
import type { AuthenticationType, ChargeBearer, DateOrDateTime, Pain013, TransactionRequestSupplement } from '../../schemas/iso/pain013.js';
import { REQUEST_STATUS, stateOfStatus, type Pain014, type TransactionRequestState } from '../../schemas/iso/pain014.js';
import type { TransactionTypeSupplement } from '../../schemas/iso/quotes.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import {
  errorInformationOf,
  extensionListOf,
  extensionsOf,
  foreignElementsOf,
  moneyFromCanonical,
  moneyToCanonical,
  partyFromCanonical,
  partyToCanonical,
  takeCarried,
  withCarried,
  type FspiopErrorBody,
  type FspiopExtensionList,
  type FspiopMoney,
  type FspiopParty,
  type FspiopPartyIdInfo,
} from './common.js';
import type { FspiopGeoCode, FspiopTransactionType } from './quotes.js';

/** POST /transactionRequests body (v1.1 and v2.0). */
export interface FspiopTransactionRequest {
  transactionRequestId: string;
  payee: FspiopParty;
  payer: FspiopPartyIdInfo;
  amount: FspiopMoney;
  transactionType: FspiopTransactionType;
  note?: string;
  geoCode?: FspiopGeoCode;
  authenticationType?: AuthenticationType;
  expiration?: string;
  extensionList?: FspiopExtensionList;
}

/** PUT /transactionRequests/{ID} body. */
export interface FspiopTransactionRequestAnswer {
  transactionId?: string;
  transactionRequestState: TransactionRequestState;
  extensionList?: FspiopExtensionList;
}

const POST = 'POST /transactionRequests';
const PUT = 'PUT /transactionRequests';
const NOTE_MAX = 128;
/** FSPIOP DateTime (milliseconds required): an ISO date-time that is not one travels as carried data. */
const FSPIOP_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * POST /transactionRequests body -> pain.013. `payee`/`payer` are FSPIOP-Source / FSPIOP-Destination: they stand in
 * for the agents when a party names no fspId (ISO requires both agents). `receivedAt` becomes GrpHdr.CreDtTm.
 */
export function transactionRequestToCanonical(body: FspiopTransactionRequest, payee: string, payer: string, receivedAt: string): Pain013 {
  const cdtr = partyToCanonical(body.payee, payee);
  const dbtr = partyToCanonical({ partyIdInfo: body.payer }, payer);
  const message: Pain013 = {
    GrpHdr: { MsgId: body.transactionRequestId, CreDtTm: receivedAt, NbOfTxs: '1' },
    PmtInf: {
      PmtMtd: 'TRF',
      Dbtr: dbtr.Pty,
      DbtrAgt: dbtr.Agt!,
      CdtTrfTx: {
        PmtId: { InstrId: body.transactionRequestId },
        Amt: { InstdAmt: moneyToCanonical(body.amount, 'amount') },
        CdtrAgt: cdtr.Agt!,
        Cdtr: cdtr.Pty,
        Purp: { Prtry: body.transactionType.scenario },
      },
    },
  };
  const tx = message.PmtInf.CdtTrfTx;
  if (body.expiration !== undefined) message.PmtInf.XpryDt = { DtTm: body.expiration };
  if (cdtr.Acct) tx.CdtrAcct = cdtr.Acct;
  if (body.note !== undefined) tx.RmtInf = { Ustrd: [body.note] };
  const { own, carried } = takeCarried(extensionsOf(body.extensionList), POST);
  const s: TransactionRequestSupplement = {};
  if (own) s.extensions = own;
  if (dbtr.supplement) s.Dbtr = dbtr.supplement;
  if (cdtr.supplement) s.Cdtr = cdtr.supplement;
  s.transactionType = transactionTypeSupplementOf(body.transactionType);
  if (body.geoCode !== undefined) s.geoCode = { latitude: body.geoCode.latitude, longitude: body.geoCode.longitude };
  if (body.authenticationType !== undefined) s.authenticationType = body.authenticationType;
  tx.SplmtryData = s;
  readCarriedRequest(message, carried);
  return message;
}

function transactionTypeSupplementOf(tt: FspiopTransactionType): TransactionTypeSupplement {
  const t: TransactionTypeSupplement = { initiator: tt.initiator, initiatorType: tt.initiatorType };
  if (tt.subScenario !== undefined) t.subScenario = tt.subScenario;
  if (tt.refundInfo !== undefined) {
    t.refundInfo = { originalTransactionId: tt.refundInfo.originalTransactionId };
    if (tt.refundInfo.refundReason !== undefined) t.refundInfo.refundReason = tt.refundInfo.refundReason;
  }
  if (tt.balanceOfPayments !== undefined) t.balanceOfPayments = tt.balanceOfPayments;
  return t;
}

/**
 * transactionType back. A request to pay is initiated by the payee: an ISO sender's request without the FSPIOP
 * members gets initiator PAYEE and, for the payee's kind, BUSINESS for an organisation and CONSUMER for a person.
 */
function transactionTypeOf(message: Pain013): FspiopTransactionType {
  const tx = message.PmtInf.CdtTrfTx;
  const t = tx.SplmtryData?.transactionType ?? {};
  const type: FspiopTransactionType = {
    scenario: tx.Purp.Prtry,
    initiator: t.initiator ?? 'PAYEE',
    initiatorType: t.initiatorType ?? (tx.Cdtr.Id?.PrvtId ? 'CONSUMER' : 'BUSINESS'),
  };
  if (t.subScenario !== undefined) type.subScenario = t.subScenario;
  if (t.refundInfo !== undefined) {
    type.refundInfo = { originalTransactionId: t.refundInfo.originalTransactionId };
    if (t.refundInfo.refundReason !== undefined) type.refundInfo.refundReason = t.refundInfo.refundReason;
  }
  if (t.balanceOfPayments !== undefined) type.balanceOfPayments = t.balanceOfPayments;
  return type;
}

/** pain.013 -> POST /transactionRequests body. Refuses (TranslationError) an amount FSPIOP cannot carry exactly. */
export function transactionRequestFromCanonical(message: Pain013): FspiopTransactionRequest {
  const p = message.PmtInf;
  const tx = p.CdtTrfTx;
  const s = tx.SplmtryData ?? {};
  const payer = partyFromCanonical({ Pty: { ...(p.Dbtr.Id ? { Id: p.Dbtr.Id } : {}) }, Agt: p.DbtrAgt, supplement: s.Dbtr }, 'payer');
  const body: FspiopTransactionRequest = {
    transactionRequestId: tx.PmtId.InstrId,
    payee: partyFromCanonical({ Pty: tx.Cdtr, Acct: tx.CdtrAcct, Agt: tx.CdtrAgt, supplement: s.Cdtr }, 'payee'),
    payer: payer.partyIdInfo,
    amount: moneyFromCanonical(tx.Amt.InstdAmt, 'amount'),
    transactionType: transactionTypeOf(message),
  };
  const note = tx.RmtInf?.Ustrd;
  if (note?.length === 1 && Array.from(note[0]!).length <= NOTE_MAX && note[0]!.length > 0) body.note = note[0]!;
  if (s.geoCode !== undefined) body.geoCode = { latitude: s.geoCode.latitude, longitude: s.geoCode.longitude };
  if (s.authenticationType !== undefined) body.authenticationType = s.authenticationType;
  const expiration = p.XpryDt?.DtTm;
  if (expiration !== undefined && p.XpryDt?.Dt === undefined && FSPIOP_DATE_TIME.test(expiration)) body.expiration = expiration;
  const extensionList = extensionListOf(withCarried(s.extensions, carriedOfRequest(message, body), POST));
  if (extensionList) body.extensionList = extensionList;
  return reorder(body, REQUEST_KEYS);
}

/** pain.013 data without a member in `body` (the FSPIOP rendering of `message`). */
function carriedOfRequest(message: Pain013, body: FspiopTransactionRequest): Record<string, unknown> {
  const p = message.PmtInf;
  const tx = p.CdtTrfTx;
  const out: Record<string, unknown> = {};
  if (message.GrpHdr.MsgId !== tx.PmtId.InstrId) out.MsgId = message.GrpHdr.MsgId;
  if (message.GrpHdr.InitgPty) out.InitgPty = message.GrpHdr.InitgPty;
  if (p.ReqdExctnDt) out.ReqdExctnDt = p.ReqdExctnDt;
  if (p.XpryDt && body.expiration === undefined) out.XpryDt = p.XpryDt;
  if (p.Dbtr.Nm !== undefined) out.DbtrNm = p.Dbtr.Nm;
  if (tx.PmtId.EndToEndId !== undefined) out.EndToEndId = tx.PmtId.EndToEndId;
  if (tx.ChrgBr !== undefined) out.ChrgBr = tx.ChrgBr;
  if (tx.RmtInf && body.note === undefined) out.Ustrd = tx.RmtInf.Ustrd;
  if (tx.SplmtryData?.iso) out.elements = tx.SplmtryData.iso;
  return out;
}

const CHARGE_BEARERS: readonly ChargeBearer[] = ['DEBT', 'CRED', 'SHAR', 'SLEV'];

/** Carried pain.013 data back into the message, checked (it comes from the wire). */
function readCarriedRequest(message: Pain013, carried: Record<string, unknown>): void {
  const p = message.PmtInf;
  const tx = p.CdtTrfTx;
  const field = (name: string) => `${POST} extension iso:${name}`;
  for (const [name, value] of Object.entries(carried)) {
    if (name === 'MsgId') message.GrpHdr.MsgId = carriedText(value, field(name));
    else if (name === 'InitgPty') message.GrpHdr.InitgPty = carriedParty(value, field(name));
    else if (name === 'ReqdExctnDt') p.ReqdExctnDt = carriedDate(value, field(name));
    else if (name === 'XpryDt' && p.XpryDt === undefined) p.XpryDt = carriedDate(value, field(name));
    else if (name === 'DbtrNm') p.Dbtr.Nm = carriedText(value, field(name));
    else if (name === 'EndToEndId') tx.PmtId.EndToEndId = carriedText(value, field(name));
    else if (name === 'ChrgBr' && CHARGE_BEARERS.includes(value as ChargeBearer)) tx.ChrgBr = value as ChargeBearer;
    else if (name === 'Ustrd' && tx.RmtInf === undefined && isTextList(value)) tx.RmtInf = { Ustrd: [...value] };
    else if (name === 'elements') tx.SplmtryData = { ...tx.SplmtryData, iso: foreignElementsOf(value, field(name)) };
    else throw new TranslationError(field(name), 'not something Mizani carries in a transaction request, or not in its shape');
  }
}

// ------------------------------------------------------------------------------------------------ answers (pain.014)

/** PUT /transactionRequests/{ID} body -> pain.014. */
export function transactionRequestAnswerToCanonical(id: string, body: FspiopTransactionRequestAnswer, receivedAt: string): Pain014 {
  const message: Pain014 = {
    GrpHdr: { MsgId: id, CreDtTm: receivedAt },
    TxInfAndSts: { OrgnlInstrId: id, TxSts: REQUEST_STATUS[body.transactionRequestState] },
  };
  if (body.transactionId !== undefined) message.TxInfAndSts.AcctSvcrRef = body.transactionId;
  const { own, carried } = takeCarried(extensionsOf(body.extensionList), PUT);
  if (own) message.TxInfAndSts.SplmtryData = { extensions: own };
  readCarriedAnswer(message, carried, PUT);
  return message;
}

/** PUT /transactionRequests/{ID}/error body -> pain.014 rejecting the request, with the reason. */
export function transactionRequestErrorToCanonical(id: string, body: FspiopErrorBody, receivedAt: string): Pain014 {
  const info = body.errorInformation;
  const message: Pain014 = {
    GrpHdr: { MsgId: id, CreDtTm: receivedAt },
    TxInfAndSts: { OrgnlInstrId: id, TxSts: REQUEST_STATUS.REJECTED, StsRsnInf: { Rsn: { Prtry: info.errorCode }, AddtlInf: info.errorDescription } },
  };
  const { own, carried } = takeCarried(extensionsOf(info.extensionList), `${PUT}/error`);
  if (own) message.TxInfAndSts.StsRsnInf!.extensions = own;
  readCarriedAnswer(message, carried, `${PUT}/error`);
  return message;
}

/** pain.014 (not an error report) -> PUT /transactionRequests/{ID} body. */
export function transactionRequestAnswerFromCanonical(message: Pain014): FspiopTransactionRequestAnswer {
  const t = message.TxInfAndSts;
  if (t.StsRsnInf) throw new TranslationError('transactionRequestState', 'a report with a status reason is an error report (PUT .../error)');
  const state = stateOfStatus(t.TxSts);
  if (state === undefined) throw new TranslationError('transactionRequestState', `status ${t.TxSts} is not a transaction request state FSPIOP knows`);
  const body: FspiopTransactionRequestAnswer =
    t.AcctSvcrRef !== undefined ? { transactionId: t.AcctSvcrRef, transactionRequestState: state } : { transactionRequestState: state };
  const extensionList = extensionListOf(withCarried(t.SplmtryData?.extensions, carriedOfAnswer(message, state), PUT));
  if (extensionList) body.extensionList = extensionList;
  return body;
}

/** pain.014 error report -> PUT /transactionRequests/{ID}/error body. */
export function transactionRequestErrorFromCanonical(message: Pain014): FspiopErrorBody {
  const t = message.TxInfAndSts;
  const reason = t.StsRsnInf;
  if (!reason) throw new TranslationError('errorInformation', 'a report without a status reason is a state, not an error report', '3102');
  const code = reason.Rsn.Prtry ?? reason.Rsn.Cd;
  if (code === undefined || !/^[1-9]\d{3}$/.test(code)) {
    throw new TranslationError('errorInformation.errorCode', `${JSON.stringify(code)} is not an FSPIOP error code (4 digits)`);
  }
  const carried = carriedOfAnswer(message, 'REJECTED');
  if (t.AcctSvcrRef !== undefined) carried.AcctSvcrRef = t.AcctSvcrRef;
  if (t.SplmtryData?.extensions) carried.extensions = t.SplmtryData.extensions;
  const info = errorInformationOf(code, reason.AddtlInf, withCarried(reason.extensions, carried, `${PUT}/error`));
  return { errorInformation: info };
}

/** pain.014 data without an FSPIOP member. */
function carriedOfAnswer(message: Pain014, state: TransactionRequestState): Record<string, unknown> {
  const t = message.TxInfAndSts;
  const out: Record<string, unknown> = {};
  if (message.GrpHdr.MsgId !== t.OrgnlInstrId) out.MsgId = message.GrpHdr.MsgId;
  if (message.GrpHdr.InitgPty) out.InitgPty = message.GrpHdr.InitgPty;
  if (message.GrpHdr.DbtrAgt) out.DbtrAgt = message.GrpHdr.DbtrAgt;
  if (message.GrpHdr.CdtrAgt) out.CdtrAgt = message.GrpHdr.CdtrAgt;
  if (message.OrgnlGrpInfAndSts) out.OrgnlGrpInfAndSts = message.OrgnlGrpInfAndSts;
  if (t.OrgnlEndToEndId !== undefined) out.OrgnlEndToEndId = t.OrgnlEndToEndId;
  if (t.TxSts !== REQUEST_STATUS[state]) out.TxSts = t.TxSts;
  if (t.SplmtryData?.iso) out.elements = t.SplmtryData.iso;
  return out;
}

/** Carried pain.014 data back, checked. */
function readCarriedAnswer(message: Pain014, carried: Record<string, unknown>, what: string): void {
  const t = message.TxInfAndSts;
  const field = (name: string) => `${what} extension iso:${name}`;
  for (const [name, value] of Object.entries(carried)) {
    if (name === 'MsgId') message.GrpHdr.MsgId = carriedText(value, field(name));
    else if (name === 'InitgPty') message.GrpHdr.InitgPty = carriedParty(value, field(name));
    else if (name === 'DbtrAgt' || name === 'CdtrAgt') message.GrpHdr[name] = carriedAgent(value, field(name));
    else if (name === 'OrgnlGrpInfAndSts') message.OrgnlGrpInfAndSts = carriedOriginal(value, field(name));
    else if (name === 'OrgnlEndToEndId') t.OrgnlEndToEndId = carriedText(value, field(name));
    else if (name === 'TxSts') t.TxSts = carriedStatus(value, t.StsRsnInf ? undefined : t.TxSts, field(name));
    else if (name === 'AcctSvcrRef' && t.StsRsnInf) t.AcctSvcrRef = carriedText(value, field(name));
    else if (name === 'extensions' && t.StsRsnInf) t.SplmtryData = { ...t.SplmtryData, extensions: carriedExtensions(value, field(name)) };
    else if (name === 'elements') t.SplmtryData = { ...t.SplmtryData, iso: foreignElementsOf(value, field(name)) };
    else throw new TranslationError(field(name), 'not something Mizani carries in a transaction request answer, or not in its shape');
  }
}

// ------------------------------------------------------------------------------------------------ carried shapes

function carriedText(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new TranslationError(field, 'not a text');
  return v;
}

function isTextList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A carried status code: an ISO code (4 capitals); beside a state (`given`), one that stands for the same state. An
 * error report may carry any code (FSPIOP's error callback has no state).
 */
function carriedStatus(v: unknown, given: string | undefined, field: string): string {
  const code = carriedText(v, field);
  if (!/^[A-Z]{4}$/.test(code)) throw new TranslationError(field, `${code} is not an ISO status code`);
  if (given !== undefined && stateOfStatus(code) !== stateOfStatus(given)) throw new TranslationError(field, `${code} does not stand for that state`);
  return code;
}

function carriedDate(v: unknown, field: string): DateOrDateTime {
  if (!isRecord(v) || Object.keys(v).some((k) => k !== 'Dt' && k !== 'DtTm') || Object.values(v).some((x) => typeof x !== 'string')) {
    throw new TranslationError(field, 'not a date {Dt} or {DtTm}');
  }
  return { ...(v as DateOrDateTime) };
}

/** A party as carried (canonical shape): `{Nm?, Id?: {OrgId|PrvtId: {Othr: {Id, SchmeNm?}}}}`. */
function carriedParty(v: unknown, field: string): Party {
  const ok = (id: unknown) => id === undefined || (isRecord(id) && isRecord(id.Othr) && typeof id.Othr.Id === 'string');
  if (!isRecord(v) || (v.Nm !== undefined && typeof v.Nm !== 'string') || (v.Id !== undefined && (!isRecord(v.Id) || !ok(v.Id.OrgId) || !ok(v.Id.PrvtId)))) {
    throw new TranslationError(field, 'not a party {Nm?, Id?}');
  }
  return JSON.parse(JSON.stringify(v)) as Party;
}

function carriedAgent(v: unknown, field: string): NonNullable<Pain014['GrpHdr']['DbtrAgt']> {
  if (!isRecord(v) || !isRecord(v.FinInstnId)) throw new TranslationError(field, 'not an agent {FinInstnId}');
  return JSON.parse(JSON.stringify(v)) as NonNullable<Pain014['GrpHdr']['DbtrAgt']>;
}

function carriedOriginal(v: unknown, field: string): NonNullable<Pain014['OrgnlGrpInfAndSts']> {
  if (
    !isRecord(v) ||
    typeof v.OrgnlMsgId !== 'string' ||
    typeof v.OrgnlMsgNmId !== 'string' ||
    (v.OrgnlCreDtTm !== undefined && typeof v.OrgnlCreDtTm !== 'string')
  ) {
    throw new TranslationError(field, 'not an original group {OrgnlMsgId, OrgnlMsgNmId}');
  }
  return { ...(v as NonNullable<Pain014['OrgnlGrpInfAndSts']>) };
}

function carriedExtensions(v: unknown, field: string): Array<{ key: string; value: string }> {
  if (!Array.isArray(v) || !v.every((e) => isRecord(e) && typeof e.key === 'string' && typeof e.value === 'string')) {
    throw new TranslationError(field, 'not a list of extensions {key, value}');
  }
  return v.map((e: { key: string; value: string }) => ({ key: e.key, value: e.value }));
}

// Key order of the api-snippets schema, so rendered bodies read like the specification's examples.
const REQUEST_KEYS = [
  'transactionRequestId',
  'payee',
  'payer',
  'amount',
  'transactionType',
  'note',
  'geoCode',
  'authenticationType',
  'expiration',
  'extensionList',
] as const;

function reorder<T extends object>(body: T, keys: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const k of keys) if ((body as Record<string, unknown>)[k] !== undefined) out[k] = (body as Record<string, unknown>)[k];
  return out as T;
}
