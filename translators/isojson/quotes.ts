/**
 * Mojaloop ISO 20022 JSON quote messages <-> canonical: POST /quotes (pacs.081 TermsRequest) and PUT /quotes/{ID}
 * (pacs.082 TermsResponse). Quote errors are pacs.002: see transfers.ts (isoStatusToCanonical / FromCanonical).
 * iso20022-mapping.md §3.2–3.3; Mizani's conventions for what the contract leaves unmapped are in
 * docs/iso20022-mapping.md §3 (PmtTpInf, InstrForCdtrAgt, InstrForNxtAgt, RgltryRptg, ChrgsInf).
 */
import type { Charge } from '../../schemas/iso/common.js';
import type { ChargeBearer, QuoteRequest, QuoteRequestSupplement, QuoteResponse, TransactionTypeSupplement } from '../../schemas/iso/quotes.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import {
  AGENT_PROFILE,
  AMOUNT_PROFILE,
  Envelope,
  HISTORIC_AMOUNT_PROFILE,
  PARTY_PROFILE,
  SUPPLEMENT_PROFILE,
  Uncarried,
  Unsupported,
  agentFromIso,
  agentSubIdFromEnvelope,
  agentToIso,
  amountFromIso,
  amountToIso,
  checkProfile,
  fspParty,
  header,
  historicAmountFromEnvelope,
  historicAmountFromIso,
  historicAmountToIso,
  onlyKeys,
  optionalExtensions,
  optionalObject,
  optionalString,
  partyFromIso,
  partySupplementFromEnvelope,
  partySupplementToEnvelope,
  partyToIso,
  putForeign,
  requireMax,
  requireUlid,
  requiredString,
  supplementFromIso,
  supplementToIso,
  withComplexName,
  type IsoAgent,
  type IsoAmount,
  type IsoHistoricAmount,
  type IsoJsonReadOptions,
  type IsoJsonRenderOptions,
  type IsoParty,
  type IsoSupplementaryData,
} from './common.js';
import { checkConditionCarried, conditionOf } from './transfers.js';

type SttlmMtd = 'CLRG' | 'INDA' | 'INGA' | 'COVE';

export interface IsoCharge {
  Amt: IsoHistoricAmount;
  Agt: IsoAgent;
  Tp?: { Cd?: string; Prtry?: { Id: string; Issr?: string } };
}

/** pacs.081 (POST /quotes) and pacs.082 (PUT /quotes/{ID}) share CreditTransferTransaction67. */
export interface IsoTermsMessage {
  GrpHdr: { MsgId: string; CreDtTm: string; NbOfTxs: string; SttlmInf: { SttlmMtd: SttlmMtd }; PmtInstrXpryDtTm?: string };
  CdtTrfTxInf: {
    PmtId: { TxId: string; EndToEndId?: string; InstrId?: string };
    PmtTpInf?: { LclInstrm?: { Prtry: string }; CtgyPurp?: { Prtry: string } };
    IntrBkSttlmAmt: IsoAmount;
    InstdAmt?: IsoHistoricAmount;
    ChrgBr: ChargeBearer;
    ChrgsInf?: IsoCharge;
    Dbtr: IsoParty;
    DbtrAcct?: { Ccy: string };
    DbtrAgt: IsoAgent;
    CdtrAgt: IsoAgent;
    Cdtr: IsoParty;
    CdtrAcct?: { Ccy: string };
    InstrForCdtrAgt?: { Cd?: string; InstrInf?: string };
    InstrForNxtAgt?: { InstrInf: string };
    Purp?: { Prtry: string };
    RgltryRptg?: { Dtls: { Cd: string } };
    VrfctnOfTerms?: { IlpV4PrepPacket: string };
    SplmtryData?: IsoSupplementaryData;
  };
}

const CHARGE_PROFILE = { Amt: HISTORIC_AMOUNT_PROFILE, Agt: AGENT_PROFILE, Tp: { Cd: true, Prtry: { Id: true, Issr: true } } } as const;
const GROUP_HEADER_PROFILE = { MsgId: true, CreDtTm: true, NbOfTxs: true, SttlmInf: { SttlmMtd: true }, PmtInstrXpryDtTm: true } as const;

const PACS081_PROFILE = {
  GrpHdr: GROUP_HEADER_PROFILE,
  CdtTrfTxInf: {
    PmtId: { TxId: true, EndToEndId: true, InstrId: true },
    PmtTpInf: { LclInstrm: { Prtry: true }, CtgyPurp: { Prtry: true } },
    IntrBkSttlmAmt: AMOUNT_PROFILE,
    ChrgBr: true,
    ChrgsInf: CHARGE_PROFILE,
    Dbtr: PARTY_PROFILE,
    DbtrAcct: { Ccy: true },
    DbtrAgt: AGENT_PROFILE,
    CdtrAgt: AGENT_PROFILE,
    Cdtr: PARTY_PROFILE,
    CdtrAcct: { Ccy: true },
    InstrForCdtrAgt: { Cd: true, InstrInf: true },
    InstrForNxtAgt: { InstrInf: true },
    Purp: { Prtry: true },
    RgltryRptg: { Dtls: { Cd: true } },
    SplmtryData: SUPPLEMENT_PROFILE,
  },
} as const;

const PACS082_PROFILE = {
  GrpHdr: GROUP_HEADER_PROFILE,
  CdtTrfTxInf: {
    PmtId: { TxId: true },
    IntrBkSttlmAmt: AMOUNT_PROFILE,
    InstdAmt: HISTORIC_AMOUNT_PROFILE,
    ChrgBr: true,
    ChrgsInf: CHARGE_PROFILE,
    Dbtr: PARTY_PROFILE,
    DbtrAgt: AGENT_PROFILE,
    CdtrAgt: AGENT_PROFILE,
    Cdtr: PARTY_PROFILE,
    VrfctnOfTerms: { IlpV4PrepPacket: true },
    SplmtryData: SUPPLEMENT_PROFILE,
  },
} as const;

/** Mizani's initiator convention in `PmtTpInf.LclInstrm.Prtry`: `<initiator>/<initiatorType>`, e.g. `PAYER/CONSUMER`. */
const INITIATOR = /^(PAYER|PAYEE)\/(CONSUMER|AGENT|BUSINESS|DEVICE)$/;
/** Mojaloop's refund marker in InstrForCdtrAgt.Cd (transformer facade). */
const REFUND = 'REFD';

function chargeToIso(c: Charge, field: string): IsoCharge {
  const out: IsoCharge = { Amt: historicAmountToIso(c.Amt, `${field}.Amt`), Agt: agentToIso(c.Agt, `${field}.Agt`) };
  if (c.Tp) {
    out.Tp = {};
    if (c.Tp.Cd !== undefined) out.Tp.Cd = requireMax(c.Tp.Cd, 4, `${field}.Tp.Cd`);
    if (c.Tp.Prtry !== undefined) out.Tp.Prtry = { Id: requireMax(c.Tp.Prtry, 35, `${field}.Tp.Prtry`) };
  }
  return out;
}

function chargeFromIso(c: IsoCharge, field: string): Charge {
  const out: Charge = { Amt: historicAmountFromIso(c.Amt, `${field}.Amt`), Agt: agentFromIso(c.Agt) };
  if (c.Tp) {
    if (c.Tp.Prtry?.Issr !== undefined) throw new TranslationError(`${field}.Tp.Prtry.Issr`, 'not in Mizani’s ISO JSON profile');
    out.Tp = {};
    if (c.Tp.Cd !== undefined) out.Tp.Cd = c.Tp.Cd;
    if (c.Tp.Prtry !== undefined) out.Tp.Prtry = c.Tp.Prtry.Id;
  }
  return out;
}

/**
 * The charges of a quote as the dialect writes them: zero-valued charges are left out (they say nothing), the
 * first of the others is `ChrgsInf` (one element in this dialect), the rest go whole into the envelope's `ChrgsInf`.
 */
function chargesToIso(charges: Charge[] | undefined, envelope: Envelope): IsoCharge | undefined {
  const meaningful = (charges ?? []).filter((c) => c.Amt.units !== 0n);
  if (meaningful.length === 0) return undefined;
  const [first, ...rest] = meaningful;
  if (rest.length > 0)
    envelope.put(
      ['ChrgsInf'],
      rest.map((c, i) => chargeToIso(c, `CdtTrfTxInf.SplmtryData.Envlp.ChrgsInf[${i}]`)),
    );
  return chargeToIso(first!, 'CdtTrfTxInf.ChrgsInf');
}

/** The charges back: `ChrgsInf`, then those the envelope carried (checked: they come from the wire). */
function chargesFromIso(first: IsoCharge | undefined, carried: unknown, where: string): Charge[] | undefined {
  const out: Charge[] = first ? [chargeFromIso(first, 'CdtTrfTxInf.ChrgsInf')] : [];
  if (carried !== undefined) {
    if (!Array.isArray(carried) || carried.length === 0) throw new TranslationError(where, 'supplementary data: not a non-empty list of charges');
    if (!first) throw new TranslationError(where, 'supplementary data: further charges without ChrgsInf');
    carried.forEach((c, i) => out.push(chargeFromIso(envelopeCharge(c, `${where}[${i}]`), `${where}[${i}]`)));
  }
  return out.length > 0 ? out : undefined;
}

/** A charge from the envelope, shape-checked before it is read like ChrgsInf. */
function envelopeCharge(v: unknown, where: string): IsoCharge {
  const c = optionalObject(v, where);
  if (!c) throw new TranslationError(where, 'supplementary data: not a charge');
  onlyKeys(c, ['Amt', 'Agt', 'Tp'], where);
  const amount = historicAmountFromEnvelope(c.Amt, `${where}.Amt`);
  const agt = optionalObject(c.Agt, `${where}.Agt`);
  const fin = agt && optionalObject(agt.FinInstnId, `${where}.Agt.FinInstnId`);
  if (!agt || !fin) throw new TranslationError(`${where}.Agt`, 'supplementary data: not an agent {FinInstnId}');
  onlyKeys(agt, ['FinInstnId'], `${where}.Agt`);
  onlyKeys(fin, ['BICFI', 'ClrSysMmbId', 'Othr'], `${where}.Agt.FinInstnId`);
  const agent: IsoAgent = { FinInstnId: {} };
  const bic = optionalString(fin.BICFI, `${where}.Agt.FinInstnId.BICFI`);
  if (bic !== undefined) agent.FinInstnId.BICFI = bic;
  const clr = optionalObject(fin.ClrSysMmbId, `${where}.Agt.FinInstnId.ClrSysMmbId`);
  if (clr) agent.FinInstnId.ClrSysMmbId = { MmbId: requiredString(clr.MmbId, `${where}.Agt.FinInstnId.ClrSysMmbId.MmbId`) };
  const othr = optionalObject(fin.Othr, `${where}.Agt.FinInstnId.Othr`);
  if (othr) agent.FinInstnId.Othr = { Id: requiredString(othr.Id, `${where}.Agt.FinInstnId.Othr.Id`) };
  const out: IsoCharge = { Amt: amount, Agt: agent };
  const tp = optionalObject(c.Tp, `${where}.Tp`);
  if (tp) {
    onlyKeys(tp, ['Cd', 'Prtry'], `${where}.Tp`);
    out.Tp = {};
    const cd = optionalString(tp.Cd, `${where}.Tp.Cd`);
    if (cd !== undefined) out.Tp.Cd = cd;
    const prtry = optionalObject(tp.Prtry, `${where}.Tp.Prtry`);
    if (prtry) out.Tp.Prtry = { Id: requiredString(prtry.Id, `${where}.Tp.Prtry.Id`) };
  }
  return out;
}

/** A party's supported currencies: `Acct.Ccy` holds the first; a longer (or empty) list goes whole into the envelope. */
function currenciesToIso(currencies: string[] | undefined, envelope: Envelope, key: string): { Ccy: string } | undefined {
  if (!currencies) return undefined;
  if (currencies.length !== 1) envelope.put([key, 'Ccys'], [...currencies]);
  return currencies.length > 0 ? { Ccy: currencies[0]! } : undefined;
}

function currenciesFromIso(account: { Ccy: string } | undefined, carried: unknown, where: string): { Ccys: string[] } | undefined {
  const a = optionalObject(carried, where);
  if (!a) return account ? { Ccys: [account.Ccy] } : undefined;
  onlyKeys(a, ['Ccys'], where);
  const list = a.Ccys;
  if (!Array.isArray(list) || list.some((c) => typeof c !== 'string' || !/^[A-Z]{3}$/.test(c))) {
    throw new TranslationError(`${where}.Ccys`, 'supplementary data: not a list of currency codes');
  }
  if ((list[0] as string | undefined) !== account?.Ccy) throw new TranslationError(`${where}.Ccys`, 'the first supported currency must be the account’s Ccy');
  return { Ccys: [...(list as string[])] };
}

function groupHeader(g: IsoTermsMessage['GrpHdr']): void {
  if (g.NbOfTxs !== '1') throw new TranslationError('GrpHdr.NbOfTxs', `${JSON.stringify(g.NbOfTxs)} transactions: Mizani handles one per message`);
}

/** Envelope members of pacs.081 (docs/iso20022-mapping.md §5). */
const PACS081_ENVELOPE = [
  'Dbtr',
  'Cdtr',
  'DbtrAcct',
  'CdtrAcct',
  'DbtrAgt',
  'CdtrAgt',
  'ChrgsInf',
  'transactionType',
  'extensions',
  'geoCode',
  'converter',
  'currencyConversion',
] as const;
/** Envelope members of pacs.082. */
const PACS082_ENVELOPE = ['Dbtr', 'Cdtr', 'DbtrAgt', 'CdtrAgt', 'ChrgsInf', 'extensions', 'geoCode'] as const;

// ------------------------------------------------------------------------------------------------ pacs.081

/**
 * canonical quote request -> POST /quotes ISO JSON body (pacs.081). Ids must be ULIDs; amounts must fit ISO exactly.
 * What pacs.081 has no element for travels in `CdtTrfTxInf.SplmtryData` (Mizani's envelope): the FSPIOP
 * extensionList, geoCode, converter, currencyConversion, the parties' dateOfBirth / kycInformation /
 * merchantClassificationCode / partyIdInfo.extensionList, all supported currencies when more than one, names and
 * sub-ids too long for ISO, a charge after the first, and refundInfo beside a transactionRequestId (both would be
 * PmtId.InstrId). Zero-valued charges are left out.
 */
export function isoQuoteRequestFromCanonical(message: QuoteRequest, options: IsoJsonRenderOptions = {}): IsoTermsMessage {
  const tx = message.CdtTrfTxInf;
  const s: QuoteRequestSupplement = tx.SplmtryData ?? {};
  const t: TransactionTypeSupplement = s.transactionType ?? {};
  const uncarried = new Uncarried();
  const envelope = new Envelope();
  const out = {
    PmtId: {
      TxId: requireUlid(tx.PmtId.TxId, 'quoteId (CdtTrfTxInf.PmtId.TxId)'),
      EndToEndId: requireUlid(tx.PmtId.EndToEndId, 'transactionId (CdtTrfTxInf.PmtId.EndToEndId)'),
    },
  } as IsoTermsMessage['CdtTrfTxInf'];
  instructionIdToIso(tx.PmtId.InstrId, t, out, envelope);
  const tpInf: NonNullable<IsoTermsMessage['CdtTrfTxInf']['PmtTpInf']> = {};
  if (t.initiator !== undefined && t.initiatorType !== undefined) tpInf.LclInstrm = { Prtry: `${t.initiator}/${t.initiatorType}` };
  else if (t.initiator !== undefined) envelope.put(['transactionType', 'initiator'], t.initiator);
  else if (t.initiatorType !== undefined) envelope.put(['transactionType', 'initiatorType'], t.initiatorType);
  if (t.subScenario !== undefined) tpInf.CtgyPurp = { Prtry: requireMax(t.subScenario, 35, 'transactionType.subScenario') };
  // Element order of the api-snippets schema (PmtId, PmtTpInf, IntrBkSttlmAmt, ...) in the rendered text.
  if (Object.keys(tpInf).length > 0) out.PmtTpInf = tpInf;
  out.IntrBkSttlmAmt = amountToIso(tx.IntrBkSttlmAmt, 'amount (CdtTrfTxInf.IntrBkSttlmAmt)');
  out.ChrgBr = tx.ChrgBr;
  const fee = chargesToIso(tx.ChrgsInf, envelope);
  if (fee) out.ChrgsInf = fee;
  out.Dbtr = partyToIso(tx.Dbtr, s.Dbtr, 'payer (CdtTrfTxInf.Dbtr)', 256, uncarried, { envelope, key: 'Dbtr' });
  const dbtrAcct = currenciesToIso(tx.DbtrAcct?.Ccys, envelope, 'DbtrAcct');
  if (dbtrAcct) out.DbtrAcct = dbtrAcct;
  out.DbtrAgt = agentToIso(tx.DbtrAgt, 'CdtTrfTxInf.DbtrAgt', { envelope, key: 'DbtrAgt' });
  out.CdtrAgt = agentToIso(tx.CdtrAgt, 'CdtTrfTxInf.CdtrAgt', { envelope, key: 'CdtrAgt' });
  out.Cdtr = partyToIso(tx.Cdtr, s.Cdtr, 'payee (CdtTrfTxInf.Cdtr)', 256, uncarried, { envelope, key: 'Cdtr' });
  const cdtrAcct = currenciesToIso(tx.CdtrAcct?.Ccys, envelope, 'CdtrAcct');
  if (cdtrAcct) out.CdtrAcct = cdtrAcct;
  if (t.refundInfo && out.PmtId.InstrId === t.refundInfo.originalTransactionId && tx.PmtId.InstrId === undefined) {
    out.InstrForCdtrAgt = { Cd: REFUND };
    if (t.refundInfo.refundReason !== undefined) out.InstrForCdtrAgt.InstrInf = requireMax(t.refundInfo.refundReason, 140, 'refundInfo.refundReason');
  }
  if (s.note !== undefined) out.InstrForNxtAgt = { InstrInf: requireMax(s.note, 140, 'note') };
  if (tx.Purp) out.Purp = { Prtry: requireMax(tx.Purp.Prtry, 35, 'transactionType.scenario') };
  if (t.balanceOfPayments !== undefined) out.RgltryRptg = { Dtls: { Cd: requireMax(t.balanceOfPayments, 10, 'transactionType.balanceOfPayments') } };
  for (const side of ['Dbtr', 'Cdtr'] as const) {
    const rest = partySupplementToEnvelope(s[side]);
    if (rest) envelope.put([side], rest);
  }
  if (s.extensions)
    envelope.put(
      ['extensions'],
      s.extensions.map((e) => ({ key: e.key, value: e.value })),
    );
  if (s.geoCode) envelope.put(['geoCode'], { latitude: s.geoCode.latitude, longitude: s.geoCode.longitude });
  if (s.converter !== undefined) envelope.put(['converter'], s.converter);
  if (s.currencyConversion) {
    envelope.put(['currencyConversion'], {
      sourceAmount: historicAmountToIso(s.currencyConversion.sourceAmount, 'currencyConversion.sourceAmount'),
      targetAmount: historicAmountToIso(s.currencyConversion.targetAmount, 'currencyConversion.targetAmount'),
    });
  }
  const supplement = supplementToIso(envelope.data, options, uncarried, 'CdtTrfTxInf.SplmtryData');
  if (supplement) out.SplmtryData = supplement;
  uncarried.settle(options, 'POST /quotes');
  const GrpHdr: IsoTermsMessage['GrpHdr'] = { ...header(options), NbOfTxs: '1', SttlmInf: { SttlmMtd: message.GrpHdr.SttlmInf?.SttlmMtd ?? 'CLRG' } };
  if (message.GrpHdr.PmtInstrXpryDtTm !== undefined) GrpHdr.PmtInstrXpryDtTm = message.GrpHdr.PmtInstrXpryDtTm;
  const body = { GrpHdr, CdtTrfTxInf: out };
  putForeign(body as unknown as Record<string, unknown>, s.iso);
  return body;
}

/**
 * PmtId.InstrId holds the transactionRequestId or, as Mojaloop writes a refund, the refunded transaction
 * (InstrForCdtrAgt REFD). With both, the request id takes the element and refundInfo travels in the envelope.
 */
function instructionIdToIso(requestId: string | undefined, t: TransactionTypeSupplement, out: IsoTermsMessage['CdtTrfTxInf'], envelope: Envelope): void {
  if (requestId !== undefined) {
    out.PmtId.InstrId = requireUlid(requestId, 'transactionRequestId (CdtTrfTxInf.PmtId.InstrId)');
    if (t.refundInfo) envelope.put(['transactionType', 'refundInfo'], { ...t.refundInfo });
  } else if (t.refundInfo) {
    out.PmtId.InstrId = requireUlid(t.refundInfo.originalTransactionId, 'refundInfo.originalTransactionId (CdtTrfTxInf.PmtId.InstrId)');
  }
}

/** What the pacs.081 envelope carried, checked (it comes from the wire). */
function readTermsEnvelope(data: IsoSupplementaryData | undefined, members: readonly string[], unsupported: Unsupported) {
  const where = 'CdtTrfTxInf.SplmtryData.Envlp';
  const e = supplementFromIso(data, 'CdtTrfTxInf.SplmtryData', unsupported) ?? {};
  onlyKeys(e, members, where);
  return { e, where };
}

/** The transactionType members the pacs.081 envelope carried. */
function transactionTypeFromEnvelope(v: unknown, where: string): TransactionTypeSupplement {
  const t = optionalObject(v, where);
  if (!t) return {};
  onlyKeys(t, ['initiator', 'initiatorType', 'refundInfo'], where);
  const out: TransactionTypeSupplement = {};
  const initiator = optionalString(t.initiator, `${where}.initiator`);
  if (initiator !== undefined) {
    if (initiator !== 'PAYER' && initiator !== 'PAYEE') throw new TranslationError(`${where}.initiator`, 'supplementary data: not PAYER or PAYEE');
    out.initiator = initiator;
  }
  const type = optionalString(t.initiatorType, `${where}.initiatorType`);
  if (type !== undefined) {
    if (!['CONSUMER', 'AGENT', 'BUSINESS', 'DEVICE'].includes(type))
      throw new TranslationError(`${where}.initiatorType`, 'supplementary data: not an initiator type');
    out.initiatorType = type as TransactionTypeSupplement['initiatorType'];
  }
  const refund = optionalObject(t.refundInfo, `${where}.refundInfo`);
  if (refund) {
    onlyKeys(refund, ['originalTransactionId', 'refundReason'], `${where}.refundInfo`);
    out.refundInfo = { originalTransactionId: requiredString(refund.originalTransactionId, `${where}.refundInfo.originalTransactionId`) };
    const reason = optionalString(refund.refundReason, `${where}.refundInfo.refundReason`);
    if (reason !== undefined) out.refundInfo.refundReason = reason;
  }
  return out;
}

/** Reads the parties (name from `Nm` or, when carried, from the envelope) and their supplements. */
function partiesFromIso(tx: IsoTermsMessage['CdtTrfTxInf'], e: Record<string, unknown>, where: string) {
  const read = (side: 'Dbtr' | 'Cdtr') => {
    const carried = partySupplementFromEnvelope(e[side], `${where}.${side}`);
    const party = partyFromIso(tx[side], carried.Nm);
    return { Pty: party.Pty, supplement: withComplexName(carried.supplement, party.complexName) };
  };
  return { dbtr: read('Dbtr'), cdtr: read('Cdtr') };
}

/** POST /quotes ISO JSON body (pacs.081) -> canonical quote request (with what the envelope carried). */
export function isoQuoteRequestToCanonical(body: IsoTermsMessage, options: IsoJsonReadOptions = {}): QuoteRequest {
  const unsupported = new Unsupported();
  checkProfile(body, PACS081_PROFILE, '', unsupported);
  const { e, where } = readTermsEnvelope(body.CdtTrfTxInf.SplmtryData, PACS081_ENVELOPE, unsupported);
  const foreign = unsupported.carry(options, 'POST /quotes');
  const g = body.GrpHdr;
  const tx = body.CdtTrfTxInf;
  groupHeader(g);
  if (tx.PmtId.EndToEndId === undefined)
    throw new TranslationError('CdtTrfTxInf.PmtId.EndToEndId', 'the transaction id (FSPIOP transactionId) is required', '3102');
  const { dbtr, cdtr } = partiesFromIso(tx, e, where);
  const message: QuoteRequest = {
    GrpHdr: { MsgId: g.MsgId, CreDtTm: g.CreDtTm },
    CdtTrfTxInf: {
      PmtId: {
        TxId: requireUlid(tx.PmtId.TxId, 'CdtTrfTxInf.PmtId.TxId'),
        EndToEndId: requireUlid(tx.PmtId.EndToEndId, 'CdtTrfTxInf.PmtId.EndToEndId'),
      },
      IntrBkSttlmAmt: amountFromIso(tx.IntrBkSttlmAmt, 'CdtTrfTxInf.IntrBkSttlmAmt'),
      ChrgBr: tx.ChrgBr,
      Dbtr: dbtr.Pty,
      DbtrAgt: agentFromIso(tx.DbtrAgt),
      Cdtr: cdtr.Pty,
      CdtrAgt: agentFromIso(tx.CdtrAgt),
    },
  };
  if (g.SttlmInf.SttlmMtd !== 'CLRG') message.GrpHdr.SttlmInf = { SttlmMtd: g.SttlmInf.SttlmMtd };
  if (g.PmtInstrXpryDtTm !== undefined) message.GrpHdr.PmtInstrXpryDtTm = g.PmtInstrXpryDtTm;
  const c = message.CdtTrfTxInf;
  agentSubIdFromEnvelope(c.DbtrAgt, e.DbtrAgt, `${where}.DbtrAgt`);
  agentSubIdFromEnvelope(c.CdtrAgt, e.CdtrAgt, `${where}.CdtrAgt`);
  const s: QuoteRequestSupplement = {};
  const t: TransactionTypeSupplement = { ...transactionTypeFromEnvelope(e.transactionType, `${where}.transactionType`) };
  instructionIdFromIso(tx, t, c);
  const initiator = tx.PmtTpInf?.LclInstrm?.Prtry;
  if (initiator !== undefined) {
    const m = INITIATOR.exec(initiator);
    if (!m)
      throw new TranslationError('CdtTrfTxInf.PmtTpInf.LclInstrm.Prtry', `${JSON.stringify(initiator)} is not <PAYER|PAYEE>/<CONSUMER|AGENT|BUSINESS|DEVICE>`);
    t.initiator = m[1] as 'PAYER' | 'PAYEE';
    t.initiatorType = m[2] as TransactionTypeSupplement['initiatorType'];
  }
  if (tx.PmtTpInf?.CtgyPurp) t.subScenario = tx.PmtTpInf.CtgyPurp.Prtry;
  if (tx.RgltryRptg) {
    if (Array.isArray(tx.RgltryRptg.Dtls))
      throw new TranslationError(
        'CdtTrfTxInf.RgltryRptg.Dtls',
        'a list of regulatory details is not in Mizani’s ISO JSON profile (one: the balance of payments code)',
      );
    t.balanceOfPayments = tx.RgltryRptg.Dtls.Cd;
  }
  if (Object.keys(t).length > 0) s.transactionType = t;
  const charges = chargesFromIso(tx.ChrgsInf, e.ChrgsInf, `${where}.ChrgsInf`);
  if (charges) c.ChrgsInf = charges;
  const dbtrAcct = currenciesFromIso(tx.DbtrAcct, e.DbtrAcct, `${where}.DbtrAcct`);
  if (dbtrAcct) c.DbtrAcct = dbtrAcct;
  const cdtrAcct = currenciesFromIso(tx.CdtrAcct, e.CdtrAcct, `${where}.CdtrAcct`);
  if (cdtrAcct) c.CdtrAcct = cdtrAcct;
  if (tx.Purp) c.Purp = { Prtry: tx.Purp.Prtry };
  if (tx.InstrForNxtAgt) s.note = tx.InstrForNxtAgt.InstrInf;
  if (dbtr.supplement) s.Dbtr = dbtr.supplement;
  if (cdtr.supplement) s.Cdtr = cdtr.supplement;
  Object.assign(s, requestExtrasFromEnvelope(e, where));
  if (foreign) s.iso = foreign;
  if (Object.keys(s).length > 0) c.SplmtryData = s;
  return message;
}

/** PmtId.InstrId back: the refunded transaction when InstrForCdtrAgt says REFD, else the transaction request id. */
function instructionIdFromIso(tx: IsoTermsMessage['CdtTrfTxInf'], t: TransactionTypeSupplement, c: QuoteRequest['CdtTrfTxInf']): void {
  const instr = tx.InstrForCdtrAgt;
  if (instr) {
    if (instr.Cd !== REFUND)
      throw new TranslationError('CdtTrfTxInf.InstrForCdtrAgt', `only the refund instruction (Cd ${REFUND}) is in Mizani’s ISO JSON profile`);
    if (tx.PmtId.InstrId === undefined)
      throw new TranslationError('CdtTrfTxInf.PmtId.InstrId', 'a refund (InstrForCdtrAgt REFD) needs the refunded transaction in PmtId.InstrId', '3102');
    if (t.refundInfo) throw new TranslationError('CdtTrfTxInf.InstrForCdtrAgt', 'supplementary data: a second refundInfo beside the refund instruction');
    t.refundInfo = { originalTransactionId: requireUlid(tx.PmtId.InstrId, 'CdtTrfTxInf.PmtId.InstrId') };
    if (instr.InstrInf !== undefined) t.refundInfo.refundReason = instr.InstrInf;
  } else if (tx.PmtId.InstrId !== undefined) {
    c.PmtId.InstrId = requireUlid(tx.PmtId.InstrId, 'CdtTrfTxInf.PmtId.InstrId');
  }
}

/** extensionList, geoCode, converter and currencyConversion from the pacs.081 envelope. */
function requestExtrasFromEnvelope(e: Record<string, unknown>, where: string): QuoteRequestSupplement {
  const s: QuoteRequestSupplement = {};
  const extensions = optionalExtensions(e.extensions, `${where}.extensions`);
  if (extensions) s.extensions = extensions;
  const geoCode = geoCodeFromEnvelope(e.geoCode, `${where}.geoCode`);
  if (geoCode) s.geoCode = geoCode;
  const converter = optionalString(e.converter, `${where}.converter`);
  if (converter !== undefined) {
    if (converter !== 'PAYER' && converter !== 'PAYEE') throw new TranslationError(`${where}.converter`, 'supplementary data: not PAYER or PAYEE');
    s.converter = converter;
  }
  const cc = optionalObject(e.currencyConversion, `${where}.currencyConversion`);
  if (cc) {
    onlyKeys(cc, ['sourceAmount', 'targetAmount'], `${where}.currencyConversion`);
    s.currencyConversion = {
      sourceAmount: historicAmountFromIso(
        historicAmountFromEnvelope(cc.sourceAmount, `${where}.currencyConversion.sourceAmount`),
        `${where}.currencyConversion.sourceAmount`,
      ),
      targetAmount: historicAmountFromIso(
        historicAmountFromEnvelope(cc.targetAmount, `${where}.currencyConversion.targetAmount`),
        `${where}.currencyConversion.targetAmount`,
      ),
    };
  }
  return s;
}

function geoCodeFromEnvelope(v: unknown, where: string): { latitude: string; longitude: string } | undefined {
  const g = optionalObject(v, where);
  if (!g) return undefined;
  onlyKeys(g, ['latitude', 'longitude'], where);
  return { latitude: requiredString(g.latitude, `${where}.latitude`), longitude: requiredString(g.longitude, `${where}.longitude`) };
}

// ------------------------------------------------------------------------------------------------ pacs.082

/**
 * canonical quote response -> PUT /quotes/{ID} ISO JSON body (pacs.082). Dbtr/Cdtr/ChrgBr come from the canonical
 * message (the caller copies them from the quote request, as Mojaloop's transformer does); when absent, Mojaloop's
 * stand-ins are written (parties `Id.OrgId.Othr.Id` = the FSP id, ChrgBr SHAR). The condition is not written: it
 * must equal the one in the ILP v4 packet. Zero-valued charges (payeeFspFee / payeeFspCommission "0") are left out;
 * a second charge (a fee and a commission), geoCode and the extensionList travel in `CdtTrfTxInf.SplmtryData`.
 */
export function isoQuoteResponseFromCanonical(message: QuoteResponse, options: IsoJsonRenderOptions = {}): IsoTermsMessage {
  const tx = message.CdtTrfTxInf;
  const uncarried = new Uncarried();
  const envelope = new Envelope();
  checkConditionCarried(tx.VrfctnOfTerms.IlpV4PrepPacket, tx.ExctnCond, 'condition');
  const out = {
    PmtId: { TxId: requireUlid(tx.PmtId.TxId, 'quote id (CdtTrfTxInf.PmtId.TxId)') },
    IntrBkSttlmAmt: amountToIso(tx.IntrBkSttlmAmt, 'transferAmount (CdtTrfTxInf.IntrBkSttlmAmt)'),
  } as IsoTermsMessage['CdtTrfTxInf'];
  if (tx.InstdAmt) out.InstdAmt = historicAmountToIso(tx.InstdAmt, 'payeeReceiveAmount (CdtTrfTxInf.InstdAmt)');
  out.ChrgBr = tx.ChrgBr ?? 'SHAR';
  const charge = chargesToIso(tx.ChrgsInf, envelope);
  if (charge) out.ChrgsInf = charge;
  const sd = tx.SplmtryData;
  out.Dbtr = tx.Dbtr ? partyToIso(tx.Dbtr, sd?.Dbtr, 'CdtTrfTxInf.Dbtr', 256, uncarried, { envelope, key: 'Dbtr' }) : fspParty(tx.DbtrAgt, 'CdtTrfTxInf.Dbtr');
  out.DbtrAgt = agentToIso(tx.DbtrAgt, 'CdtTrfTxInf.DbtrAgt (the payer FSP)', { envelope, key: 'DbtrAgt' });
  out.CdtrAgt = agentToIso(tx.CdtrAgt, 'CdtTrfTxInf.CdtrAgt (the payee FSP)', { envelope, key: 'CdtrAgt' });
  out.Cdtr = tx.Cdtr ? partyToIso(tx.Cdtr, sd?.Cdtr, 'CdtTrfTxInf.Cdtr', 256, uncarried, { envelope, key: 'Cdtr' }) : fspParty(tx.CdtrAgt, 'CdtTrfTxInf.Cdtr');
  out.VrfctnOfTerms = { IlpV4PrepPacket: tx.VrfctnOfTerms.IlpV4PrepPacket! };
  for (const side of ['Dbtr', 'Cdtr'] as const) {
    const rest = partySupplementToEnvelope(sd?.[side]);
    if (rest) envelope.put([side], rest);
  }
  if (sd?.geoCode) envelope.put(['geoCode'], { latitude: sd.geoCode.latitude, longitude: sd.geoCode.longitude });
  if (sd?.extensions)
    envelope.put(
      ['extensions'],
      sd.extensions.map((e) => ({ key: e.key, value: e.value })),
    );
  const supplement = supplementToIso(envelope.data, options, uncarried, 'CdtTrfTxInf.SplmtryData');
  if (supplement) out.SplmtryData = supplement;
  uncarried.settle(options, 'PUT /quotes');
  const GrpHdr: IsoTermsMessage['GrpHdr'] = {
    ...header(options),
    NbOfTxs: '1',
    SttlmInf: { SttlmMtd: message.GrpHdr.SttlmInf?.SttlmMtd ?? 'CLRG' },
    PmtInstrXpryDtTm: message.GrpHdr.PmtInstrXpryDtTm,
  };
  const body = { GrpHdr, CdtTrfTxInf: out };
  putForeign(body as unknown as Record<string, unknown>, sd?.iso);
  return body;
}

/** PUT /quotes/{ID} ISO JSON body (pacs.082) -> canonical quote response (condition derived from the packet). */
export function isoQuoteResponseToCanonical(quoteId: string, body: IsoTermsMessage, options: IsoJsonReadOptions = {}): QuoteResponse {
  const unsupported = new Unsupported();
  checkProfile(body, PACS082_PROFILE, '', unsupported);
  const { e, where } = readTermsEnvelope(body.CdtTrfTxInf.SplmtryData, PACS082_ENVELOPE, unsupported);
  const foreign = unsupported.carry(options, 'PUT /quotes');
  const g = body.GrpHdr;
  const tx = body.CdtTrfTxInf;
  groupHeader(g);
  if (tx.PmtId.TxId !== quoteId)
    throw new TranslationError('CdtTrfTxInf.PmtId.TxId', `${JSON.stringify(tx.PmtId.TxId)} differs from the quote id in the path ${JSON.stringify(quoteId)}`);
  if (g.PmtInstrXpryDtTm === undefined)
    throw new TranslationError('GrpHdr.PmtInstrXpryDtTm', 'the quote response needs its expiry (FSPIOP expiration)', '3102');
  const packet = tx.VrfctnOfTerms?.IlpV4PrepPacket;
  const message: QuoteResponse = {
    GrpHdr: { MsgId: g.MsgId, CreDtTm: g.CreDtTm, PmtInstrXpryDtTm: g.PmtInstrXpryDtTm },
    CdtTrfTxInf: {
      PmtId: { TxId: requireUlid(tx.PmtId.TxId, 'CdtTrfTxInf.PmtId.TxId') },
      IntrBkSttlmAmt: amountFromIso(tx.IntrBkSttlmAmt, 'CdtTrfTxInf.IntrBkSttlmAmt'),
      ExctnCond: conditionOf(packet, 'CdtTrfTxInf.VrfctnOfTerms.IlpV4PrepPacket'),
      VrfctnOfTerms: { IlpV4PrepPacket: packet! },
    },
  };
  if (g.SttlmInf.SttlmMtd !== 'CLRG') message.GrpHdr.SttlmInf = { SttlmMtd: g.SttlmInf.SttlmMtd };
  const c = message.CdtTrfTxInf;
  if (tx.InstdAmt) c.InstdAmt = historicAmountFromIso(tx.InstdAmt, 'CdtTrfTxInf.InstdAmt');
  const charges = chargesFromIso(tx.ChrgsInf, e.ChrgsInf, `${where}.ChrgsInf`);
  if (charges) c.ChrgsInf = charges;
  c.ChrgBr = tx.ChrgBr;
  const { dbtr, cdtr } = partiesFromIso(tx, e, where);
  c.Dbtr = dbtr.Pty;
  c.DbtrAgt = agentFromIso(tx.DbtrAgt);
  c.Cdtr = cdtr.Pty;
  c.CdtrAgt = agentFromIso(tx.CdtrAgt);
  agentSubIdFromEnvelope(c.DbtrAgt, e.DbtrAgt, `${where}.DbtrAgt`);
  agentSubIdFromEnvelope(c.CdtrAgt, e.CdtrAgt, `${where}.CdtrAgt`);
  const sd: NonNullable<QuoteResponse['CdtTrfTxInf']['SplmtryData']> = {};
  if (dbtr.supplement) sd.Dbtr = dbtr.supplement;
  if (cdtr.supplement) sd.Cdtr = cdtr.supplement;
  const geoCode = geoCodeFromEnvelope(e.geoCode, `${where}.geoCode`);
  if (geoCode) sd.geoCode = geoCode;
  const extensions = optionalExtensions(e.extensions, `${where}.extensions`);
  if (extensions) sd.extensions = extensions;
  if (foreign) sd.iso = foreign;
  if (Object.keys(sd).length > 0) c.SplmtryData = sd;
  return message;
}
