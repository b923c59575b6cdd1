/**
 * FSPIOP quote messages <-> canonical agreement messages (pacs.081 / pacs.082; errors are pacs.002, see
 * transfers.ts `errorToCanonical`, which serves PUT /quotes/{ID}/error too). Pure and lossless: every field of the
 * FSPIOP bodies is held canonically (docs/iso20022-mapping.md §2–3).
 */
import type { Agent, Charge, Extension, ForeignElements } from '../../schemas/iso/common.js';
import type { ChargeBearer, QuoteRequest, QuoteRequestSupplement, QuoteResponse, TransactionTypeSupplement } from '../../schemas/iso/quotes.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import {
  chargeToCarried,
  chargesFromCarried,
  extensionListOf,
  extensionsOf,
  foreignElementsOf,
  takeCarried,
  withCarried,
  moneyFromCanonical,
  moneyToCanonical,
  partyFromCanonical,
  partyToCanonical,
  type FspiopExtensionList,
  type FspiopMoney,
  type FspiopParty,
} from './common.js';

export type AmountType = 'SEND' | 'RECEIVE';

export interface FspiopTransactionType {
  scenario: string;
  subScenario?: string;
  initiator: 'PAYER' | 'PAYEE';
  initiatorType: 'CONSUMER' | 'AGENT' | 'BUSINESS' | 'DEVICE';
  refundInfo?: { originalTransactionId: string; refundReason?: string };
  balanceOfPayments?: string;
}

export interface FspiopGeoCode {
  latitude: string;
  longitude: string;
}

/** POST /quotes body (FSPIOP v1.1 and v2.0; converter and currencyConversion are v2.0). */
export interface FspiopQuoteRequest {
  quoteId: string;
  transactionId: string;
  transactionRequestId?: string;
  payee: FspiopParty;
  payer: FspiopParty;
  amountType: AmountType;
  amount: FspiopMoney;
  fees?: FspiopMoney;
  transactionType: FspiopTransactionType;
  converter?: 'PAYER' | 'PAYEE';
  currencyConversion?: { sourceAmount: FspiopMoney; targetAmount: FspiopMoney };
  geoCode?: FspiopGeoCode;
  note?: string;
  expiration?: string;
  extensionList?: FspiopExtensionList;
}

/** PUT /quotes/{ID} body. */
export interface FspiopQuoteResponse {
  transferAmount: FspiopMoney;
  payeeReceiveAmount?: FspiopMoney;
  payeeFspFee?: FspiopMoney;
  payeeFspCommission?: FspiopMoney;
  expiration: string;
  geoCode?: FspiopGeoCode;
  ilpPacket: string;
  condition: string;
  extensionList?: FspiopExtensionList;
}

const CHARGE_BEARER: Record<AmountType, ChargeBearer> = { SEND: 'CRED', RECEIVE: 'DEBT' };

/** amountType -> ChrgBr (MPD §7.7): SEND = CRED, RECEIVE = DEBT. */
export function chargeBearerOf(amountType: AmountType): ChargeBearer {
  return CHARGE_BEARER[amountType];
}

/** ChrgBr -> amountType, as Mojaloop's transformer reads it: DEBT = RECEIVE, anything else (CRED, SHAR) = SEND. */
export function amountTypeOf(chargeBearer: ChargeBearer): AmountType {
  return chargeBearer === 'DEBT' ? 'RECEIVE' : 'SEND';
}

/**
 * POST /quotes body -> pacs.081. `payer`/`payee` are FSPIOP-Source / FSPIOP-Destination: they stand in for the
 * parties' agents when a party names no fspId (ISO requires the agents). `receivedAt` becomes GrpHdr.CreDtTm.
 */
export function quoteRequestToCanonical(body: FspiopQuoteRequest, payer: string, payee: string, receivedAt: string): QuoteRequest {
  const dbtr = partyToCanonical(body.payer, payer);
  const cdtr = partyToCanonical(body.payee, payee);
  const message: QuoteRequest = {
    GrpHdr: { MsgId: body.quoteId, CreDtTm: receivedAt },
    CdtTrfTxInf: {
      PmtId: { TxId: body.quoteId, EndToEndId: body.transactionId },
      IntrBkSttlmAmt: moneyToCanonical(body.amount, 'amount'),
      ChrgBr: chargeBearerOf(body.amountType),
      Dbtr: dbtr.Pty,
      DbtrAgt: dbtr.Agt!,
      Cdtr: cdtr.Pty,
      CdtrAgt: cdtr.Agt!,
      Purp: { Prtry: body.transactionType.scenario },
    },
  };
  const tx = message.CdtTrfTxInf;
  if (body.expiration !== undefined) message.GrpHdr.PmtInstrXpryDtTm = body.expiration;
  if (body.transactionRequestId !== undefined) tx.PmtId.InstrId = body.transactionRequestId;
  if (dbtr.Acct) tx.DbtrAcct = dbtr.Acct;
  if (cdtr.Acct) tx.CdtrAcct = cdtr.Acct;
  if (body.fees) tx.ChrgsInf = [{ Amt: moneyToCanonical(body.fees, 'fees'), Agt: structuredClone(tx.DbtrAgt) }];
  const { own, carried } = takeCarried(extensionsOf(body.extensionList), 'POST /quotes');
  const foreign = readCarried(message, carried, 'POST /quotes');

  const s: QuoteRequestSupplement = {};
  if (own) s.extensions = own;
  if (foreign) s.iso = foreign;
  if (dbtr.supplement) s.Dbtr = dbtr.supplement;
  if (cdtr.supplement) s.Cdtr = cdtr.supplement;
  const tt = body.transactionType;
  const t: TransactionTypeSupplement = { initiator: tt.initiator, initiatorType: tt.initiatorType };
  if (tt.subScenario !== undefined) t.subScenario = tt.subScenario;
  if (tt.refundInfo !== undefined) {
    t.refundInfo = { originalTransactionId: tt.refundInfo.originalTransactionId };
    if (tt.refundInfo.refundReason !== undefined) t.refundInfo.refundReason = tt.refundInfo.refundReason;
  }
  if (tt.balanceOfPayments !== undefined) t.balanceOfPayments = tt.balanceOfPayments;
  s.transactionType = t;
  if (body.converter !== undefined) s.converter = body.converter;
  if (body.currencyConversion !== undefined) {
    s.currencyConversion = {
      sourceAmount: moneyToCanonical(body.currencyConversion.sourceAmount, 'currencyConversion.sourceAmount'),
      targetAmount: moneyToCanonical(body.currencyConversion.targetAmount, 'currencyConversion.targetAmount'),
    };
  }
  if (body.geoCode !== undefined) s.geoCode = { latitude: body.geoCode.latitude, longitude: body.geoCode.longitude };
  if (body.note !== undefined) s.note = body.note;
  tx.SplmtryData = s;
  return message;
}

/** Who initiated, when an ISO sender did not say (Mojaloop transformer): PAYEE if a transaction request is named. */
function inferInitiator(message: QuoteRequest): 'PAYER' | 'PAYEE' {
  return message.CdtTrfTxInf.PmtId.InstrId !== undefined ? 'PAYEE' : 'PAYER';
}

/** The initiator's type when an ISO sender did not say: a person (PrvtId) is a CONSUMER, else a BUSINESS. */
function inferInitiatorType(message: QuoteRequest, initiator: 'PAYER' | 'PAYEE'): FspiopTransactionType['initiatorType'] {
  const party = initiator === 'PAYEE' ? message.CdtTrfTxInf.Cdtr : message.CdtTrfTxInf.Dbtr;
  return party.Id?.PrvtId ? 'CONSUMER' : 'BUSINESS';
}

/** Same agent (FSP id, BIC, sub-id), whatever the member order. */
function sameAgent(a: Agent | undefined, b: Agent | undefined): boolean {
  const key = (x: Agent | undefined) => JSON.stringify([x?.FinInstnId.Othr?.Id, x?.FinInstnId.BICFI, x?.FinInstnId.ClrSysMmbId?.MmbId]);
  return key(a) === key(b);
}

/**
 * Picks the charges FSPIOP has members for (`kinds`: a fee has no type, a commission is COMM; each taken by
 * `agent`), in that order; the others are returned to be carried in the extension list.
 */
function pickCharges(
  charges: Charge[] | undefined,
  kinds: ReadonlyArray<'fee' | 'commission'>,
  agent: Agent | undefined,
): { picked: Map<string, Charge>; rest: Charge[] } {
  const picked = new Map<string, Charge>();
  const rest: Charge[] = [];
  for (const c of charges ?? []) {
    const kind = c.Tp === undefined ? 'fee' : c.Tp.Cd === 'COMM' && c.Tp.Prtry === undefined ? 'commission' : undefined;
    if (kind && kinds.includes(kind) && !picked.has(kind) && (agent === undefined || sameAgent(c.Agt, agent))) picked.set(kind, c);
    else rest.push(c);
  }
  return { picked, rest };
}

/**
 * What a quote's extension list carried back into the canonical message: further charges, the settlement method;
 * the foreign ISO elements are returned for the caller's supplement.
 */
function readCarried(message: QuoteRequest | QuoteResponse, carried: Record<string, unknown>, field: string): ForeignElements | undefined {
  const tx = message.CdtTrfTxInf;
  if (carried.ChrgsInf !== undefined) tx.ChrgsInf = [...(tx.ChrgsInf ?? []), ...chargesFromCarried(carried.ChrgsInf, `${field} ${CARRIED}ChrgsInf`)];
  if (carried.SttlmMtd !== undefined) {
    if (!['INDA', 'INGA', 'COVE'].includes(carried.SttlmMtd as string)) throw new TranslationError(`${field} ${CARRIED}SttlmMtd`, 'not INDA, INGA or COVE');
    message.GrpHdr.SttlmInf = { SttlmMtd: carried.SttlmMtd as 'INDA' | 'INGA' | 'COVE' };
  }
  for (const name of Object.keys(carried)) {
    if (!['ChrgsInf', 'SttlmMtd', 'elements'].includes(name))
      throw new TranslationError(`${field} ${CARRIED}${name}`, 'not something Mizani carries in a quote');
  }
  return carried.elements === undefined ? undefined : foreignElementsOf(carried.elements, `${field} ${CARRIED}elements`);
}
const CARRIED = 'extension iso:';

/** Canonical data of a quote without an FSPIOP member: charges beyond fee/commission, a settlement method other than CLRG. */
function carriedOf(message: QuoteRequest | QuoteResponse, rest: Charge[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (rest.length > 0) out.ChrgsInf = rest.map(chargeToCarried);
  const method = message.GrpHdr.SttlmInf?.SttlmMtd;
  if (method !== undefined && method !== 'CLRG') out.SttlmMtd = method;
  const foreign = message.CdtTrfTxInf.SplmtryData?.iso;
  if (foreign) out.elements = foreign;
  return out;
}

export function quoteRequestFromCanonical(message: QuoteRequest): FspiopQuoteRequest {
  const tx = message.CdtTrfTxInf;
  const s = tx.SplmtryData ?? {};
  const scenario = tx.Purp?.Prtry;
  if (scenario === undefined) throw new TranslationError('transactionType.scenario', 'the quote request has no purpose (Purp.Prtry)', '3102');
  const t = s.transactionType ?? {};
  const initiator = t.initiator ?? inferInitiator(message);
  const transactionType: FspiopTransactionType = {
    scenario,
    initiator,
    initiatorType: t.initiatorType ?? inferInitiatorType(message, initiator),
  };
  if (t.subScenario !== undefined) transactionType.subScenario = t.subScenario;
  if (t.refundInfo !== undefined) {
    transactionType.refundInfo = { originalTransactionId: t.refundInfo.originalTransactionId };
    if (t.refundInfo.refundReason !== undefined) transactionType.refundInfo.refundReason = t.refundInfo.refundReason;
  }
  if (t.balanceOfPayments !== undefined) transactionType.balanceOfPayments = t.balanceOfPayments;

  const { picked, rest } = pickCharges(tx.ChrgsInf, ['fee'], tx.DbtrAgt);
  const body: FspiopQuoteRequest = {
    quoteId: tx.PmtId.TxId,
    transactionId: tx.PmtId.EndToEndId,
    payee: partyFromCanonical({ Pty: tx.Cdtr, Acct: tx.CdtrAcct, Agt: tx.CdtrAgt, supplement: s.Cdtr }, 'payee'),
    payer: partyFromCanonical({ Pty: tx.Dbtr, Acct: tx.DbtrAcct, Agt: tx.DbtrAgt, supplement: s.Dbtr }, 'payer'),
    amountType: amountTypeOf(tx.ChrgBr),
    amount: moneyFromCanonical(tx.IntrBkSttlmAmt, 'amount'),
    transactionType,
  };
  if (tx.PmtId.InstrId !== undefined) body.transactionRequestId = tx.PmtId.InstrId;
  const fee = picked.get('fee');
  if (fee) body.fees = moneyFromCanonical(fee.Amt, 'fees');
  if (s.converter !== undefined) body.converter = s.converter;
  if (s.currencyConversion !== undefined) {
    body.currencyConversion = {
      sourceAmount: moneyFromCanonical(s.currencyConversion.sourceAmount, 'currencyConversion.sourceAmount'),
      targetAmount: moneyFromCanonical(s.currencyConversion.targetAmount, 'currencyConversion.targetAmount'),
    };
  }
  if (s.geoCode !== undefined) body.geoCode = { latitude: s.geoCode.latitude, longitude: s.geoCode.longitude };
  if (s.note !== undefined) body.note = s.note;
  if (message.GrpHdr.PmtInstrXpryDtTm !== undefined) body.expiration = message.GrpHdr.PmtInstrXpryDtTm;
  const extensionList = extensionListOf(withCarried(s.extensions, carriedOf(message, rest), 'POST /quotes'));
  if (extensionList) body.extensionList = extensionList;
  return reorder(body, QUOTE_REQUEST_KEYS);
}

/** What the caller knows around a PUT /quotes/{ID} body (all optional: the old three-argument call still works). */
export interface QuoteResponseContext {
  /** FSPIOP-Destination of the PUT: the payer FSP (→ DbtrAgt). */
  payer?: string;
  /** FSPIOP-Source of the PUT: the payee FSP (→ CdtrAgt, and the agent of payeeFspFee/Commission). */
  payee?: string;
  /** The canonical quote request, when the caller has it: Dbtr, Cdtr, their agents and ChrgBr are copied from it. */
  request?: QuoteRequest;
}

/** PUT /quotes/{ID} body -> pacs.082. */
export function quoteResponseToCanonical(quoteId: string, body: FspiopQuoteResponse, receivedAt: string, context: QuoteResponseContext = {}): QuoteResponse {
  const message: QuoteResponse = {
    GrpHdr: { MsgId: quoteId, CreDtTm: receivedAt, PmtInstrXpryDtTm: body.expiration },
    CdtTrfTxInf: {
      PmtId: { TxId: quoteId },
      IntrBkSttlmAmt: moneyToCanonical(body.transferAmount, 'transferAmount'),
      ExctnCond: body.condition,
      VrfctnOfTerms: { IlpV4PrepPacket: body.ilpPacket },
    },
  };
  const tx = message.CdtTrfTxInf;
  const request = context.request?.CdtTrfTxInf;
  const names: NonNullable<QuoteResponse['CdtTrfTxInf']['SplmtryData']> = {};
  if (request) {
    tx.ChrgBr = request.ChrgBr;
    tx.Dbtr = structuredClone(request.Dbtr);
    tx.Cdtr = structuredClone(request.Cdtr);
    const dbtrName = request.SplmtryData?.Dbtr?.personalInfo?.complexName;
    const cdtrName = request.SplmtryData?.Cdtr?.personalInfo?.complexName;
    if (dbtrName) names.Dbtr = { personalInfo: { complexName: { ...dbtrName } } };
    if (cdtrName) names.Cdtr = { personalInfo: { complexName: { ...cdtrName } } };
  }
  const payerAgent = context.payer !== undefined ? { FinInstnId: { Othr: { Id: context.payer } } } : request && structuredClone(request.DbtrAgt);
  const payeeAgent = context.payee !== undefined ? { FinInstnId: { Othr: { Id: context.payee } } } : request && structuredClone(request.CdtrAgt);
  if (payerAgent) tx.DbtrAgt = payerAgent;
  if (payeeAgent) tx.CdtrAgt = payeeAgent;
  if (body.payeeReceiveAmount) tx.InstdAmt = moneyToCanonical(body.payeeReceiveAmount, 'payeeReceiveAmount');
  const charges: Charge[] = [];
  const chargeAgent = payeeAgent ?? { FinInstnId: {} };
  if (body.payeeFspFee) charges.push({ Amt: moneyToCanonical(body.payeeFspFee, 'payeeFspFee'), Agt: structuredClone(chargeAgent) });
  if (body.payeeFspCommission) {
    charges.push({ Amt: moneyToCanonical(body.payeeFspCommission, 'payeeFspCommission'), Agt: structuredClone(chargeAgent), Tp: { Cd: 'COMM' } });
  }
  if (charges.length > 0) tx.ChrgsInf = charges;
  const { own, carried } = takeCarried(extensionsOf(body.extensionList), 'PUT /quotes');
  const foreign = readCarried(message, carried, 'PUT /quotes');
  const s: NonNullable<QuoteResponse['CdtTrfTxInf']['SplmtryData']> = names;
  if (body.geoCode) s.geoCode = { latitude: body.geoCode.latitude, longitude: body.geoCode.longitude };
  if (own) s.extensions = own;
  if (foreign) s.iso = foreign;
  if (Object.keys(s).length > 0) tx.SplmtryData = s;
  return message;
}

export function quoteResponseFromCanonical(message: QuoteResponse): FspiopQuoteResponse {
  const tx = message.CdtTrfTxInf;
  const packet = tx.VrfctnOfTerms.IlpV4PrepPacket;
  if (packet === undefined) throw new TranslationError('ilpPacket', 'the quote response has no ILP packet', '3102');
  const body: FspiopQuoteResponse = {
    transferAmount: moneyFromCanonical(tx.IntrBkSttlmAmt, 'transferAmount'),
    expiration: message.GrpHdr.PmtInstrXpryDtTm,
    ilpPacket: packet,
    condition: tx.ExctnCond,
  };
  if (tx.InstdAmt) body.payeeReceiveAmount = moneyFromCanonical(tx.InstdAmt, 'payeeReceiveAmount');
  const { picked, rest } = pickCharges(tx.ChrgsInf, ['fee', 'commission'], tx.CdtrAgt);
  const fee = picked.get('fee');
  if (fee) body.payeeFspFee = moneyFromCanonical(fee.Amt, 'payeeFspFee');
  const commission = picked.get('commission');
  if (commission) body.payeeFspCommission = moneyFromCanonical(commission.Amt, 'payeeFspCommission');
  if (tx.SplmtryData?.geoCode) body.geoCode = { latitude: tx.SplmtryData.geoCode.latitude, longitude: tx.SplmtryData.geoCode.longitude };
  const extensionList = extensionListOf(withCarried(tx.SplmtryData?.extensions, carriedOf(message, rest), 'PUT /quotes'));
  if (extensionList) body.extensionList = extensionList;
  return reorder(body, QUOTE_RESPONSE_KEYS);
}

// Key order of the api-snippets schemas, so rendered bodies read like the specification's examples.
const QUOTE_REQUEST_KEYS = [
  'quoteId',
  'transactionId',
  'transactionRequestId',
  'payee',
  'payer',
  'amountType',
  'amount',
  'fees',
  'transactionType',
  'converter',
  'currencyConversion',
  'geoCode',
  'note',
  'expiration',
  'extensionList',
] as const;
const QUOTE_RESPONSE_KEYS = [
  'transferAmount',
  'payeeReceiveAmount',
  'payeeFspFee',
  'payeeFspCommission',
  'expiration',
  'geoCode',
  'ilpPacket',
  'condition',
  'extensionList',
] as const;

function reorder<T extends object>(body: T, keys: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const k of keys) if ((body as Record<string, unknown>)[k] !== undefined) out[k] = (body as Record<string, unknown>)[k];
  return out as T;
}

export type { Extension };
