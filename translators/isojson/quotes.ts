/**
 * Mojaloop ISO 20022 JSON quote messages <-> canonical: POST /quotes (pacs.081 TermsRequest) and PUT /quotes/{ID}
 * (pacs.082 TermsResponse). Quote errors are pacs.002: see transfers.ts (isoStatusToCanonical / FromCanonical).
 * iso20022-mapping.md §3.2–3.3; Mizani's conventions for what the contract leaves unmapped are in
 * docs/iso20022-mapping.md §3 (PmtTpInf, InstrForCdtrAgt, InstrForNxtAgt, RgltryRptg, ChrgsInf).
 */
import type { Charge, PartySupplement } from '../../schemas/iso/common.js';
import type { ChargeBearer, QuoteRequest, QuoteRequestSupplement, QuoteResponse, TransactionTypeSupplement } from '../../schemas/iso/quotes.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import {
  AGENT_PROFILE,
  AMOUNT_PROFILE,
  HISTORIC_AMOUNT_PROFILE,
  PARTY_PROFILE,
  Uncarried,
  Unsupported,
  agentFromIso,
  agentToIso,
  amountFromIso,
  amountToIso,
  checkProfile,
  fspParty,
  header,
  historicAmountFromIso,
  historicAmountToIso,
  partyFromIso,
  partyToIso,
  requireMax,
  requireUlid,
  type IsoAgent,
  type IsoAmount,
  type IsoHistoricAmount,
  type IsoJsonReadOptions,
  type IsoJsonRenderOptions,
  type IsoParty,
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

function oneCharge(charges: Charge[] | undefined, field: string, uncarried: Uncarried): IsoCharge | undefined {
  if (!charges || charges.length === 0) return undefined;
  if (charges.length > 1) uncarried.add(field, `${charges.length} charges (e.g. a fee and a commission); the dialect carries one ChrgsInf`);
  return chargeToIso(charges[0]!, 'CdtTrfTxInf.ChrgsInf');
}

/** What of a party supplement the pacs.081/082 party cannot carry (the name parts go into Nm). */
function partyRest(p: PartySupplement | undefined, field: string, uncarried: Uncarried, currencies: string[] | undefined): void {
  const pi = p?.personalInfo;
  if (pi?.dateOfBirth !== undefined) uncarried.add(`${field}.personalInfo.dateOfBirth`, 'ISO DtAndPlcOfBirth also needs city and country of birth');
  if (pi?.kycInformation !== undefined) uncarried.add(`${field}.personalInfo.kycInformation`, 'no ISO element');
  if (p?.merchantClassificationCode !== undefined) uncarried.add(`${field}.merchantClassificationCode`, 'no ISO element');
  if (p?.extensions) uncarried.add(`${field}.partyIdInfo.extensionList`, 'no ISO element');
  if (currencies && currencies.length > 1) uncarried.add(`${field}.supportedCurrencies`, `${currencies.length} currencies, the account carries one (Ccy)`);
}

function groupHeader(g: IsoTermsMessage['GrpHdr']): void {
  if (g.NbOfTxs !== '1') throw new TranslationError('GrpHdr.NbOfTxs', `${JSON.stringify(g.NbOfTxs)} transactions: Mizani handles one per message`);
}

// ------------------------------------------------------------------------------------------------ pacs.081

/**
 * canonical quote request -> POST /quotes ISO JSON body (pacs.081). Ids must be ULIDs. Refused (or, with
 * `onUncarried`, left out and reported): extensionList, geoCode, converter, currencyConversion, the parties'
 * dateOfBirth / kycInformation / merchantClassificationCode / partyIdInfo.extensionList, more than one supported
 * currency, names or sub-ids too long for ISO, and a transactionRequestId together with refundInfo (both would be
 * PmtId.InstrId).
 */
export function isoQuoteRequestFromCanonical(message: QuoteRequest, options: IsoJsonRenderOptions = {}): IsoTermsMessage {
  const tx = message.CdtTrfTxInf;
  const s: QuoteRequestSupplement = tx.SplmtryData ?? {};
  const t: TransactionTypeSupplement = s.transactionType ?? {};
  const uncarried = new Uncarried();
  if (s.extensions) uncarried.add('extensionList', 'pacs.081 has no supplementary data in this dialect');
  if (s.geoCode) uncarried.add('geoCode', 'no ISO element');
  if (s.converter !== undefined) uncarried.add('converter', 'no ISO element');
  if (s.currencyConversion) uncarried.add('currencyConversion', 'no ISO element in pacs.081');
  partyRest(s.Dbtr, 'payer', uncarried, tx.DbtrAcct?.Ccys);
  partyRest(s.Cdtr, 'payee', uncarried, tx.CdtrAcct?.Ccys);

  const body: IsoTermsMessage = {
    GrpHdr: { ...header(options), NbOfTxs: '1', SttlmInf: { SttlmMtd: message.GrpHdr.SttlmInf?.SttlmMtd ?? 'CLRG' } },
    CdtTrfTxInf: {
      PmtId: {
        TxId: requireUlid(tx.PmtId.TxId, 'quoteId (CdtTrfTxInf.PmtId.TxId)'),
        EndToEndId: requireUlid(tx.PmtId.EndToEndId, 'transactionId (CdtTrfTxInf.PmtId.EndToEndId)'),
      },
      IntrBkSttlmAmt: amountToIso(tx.IntrBkSttlmAmt, 'amount (CdtTrfTxInf.IntrBkSttlmAmt)'),
      ChrgBr: tx.ChrgBr,
      Dbtr: partyToIso(tx.Dbtr, s.Dbtr, 'payer (CdtTrfTxInf.Dbtr)', 256, uncarried),
      DbtrAgt: agentToIso(tx.DbtrAgt, 'CdtTrfTxInf.DbtrAgt', uncarried),
      CdtrAgt: agentToIso(tx.CdtrAgt, 'CdtTrfTxInf.CdtrAgt', uncarried),
      Cdtr: partyToIso(tx.Cdtr, s.Cdtr, 'payee (CdtTrfTxInf.Cdtr)', 256, uncarried),
    },
  };
  const out = body.CdtTrfTxInf;
  if (message.GrpHdr.PmtInstrXpryDtTm !== undefined) body.GrpHdr.PmtInstrXpryDtTm = message.GrpHdr.PmtInstrXpryDtTm;
  // PmtId.InstrId: transactionRequestId, or the refunded transaction (Mojaloop: InstrForCdtrAgt.Cd REFD).
  if (t.refundInfo) {
    if (tx.PmtId.InstrId !== undefined) {
      uncarried.add('transactionType.refundInfo', 'transactionRequestId and refundInfo.originalTransactionId would both be PmtId.InstrId');
      out.PmtId.InstrId = requireUlid(tx.PmtId.InstrId, 'transactionRequestId (CdtTrfTxInf.PmtId.InstrId)');
    } else {
      out.PmtId.InstrId = requireUlid(t.refundInfo.originalTransactionId, 'refundInfo.originalTransactionId (CdtTrfTxInf.PmtId.InstrId)');
      out.InstrForCdtrAgt = { Cd: REFUND };
      if (t.refundInfo.refundReason !== undefined) out.InstrForCdtrAgt.InstrInf = requireMax(t.refundInfo.refundReason, 140, 'refundInfo.refundReason');
    }
  } else if (tx.PmtId.InstrId !== undefined) {
    out.PmtId.InstrId = requireUlid(tx.PmtId.InstrId, 'transactionRequestId (CdtTrfTxInf.PmtId.InstrId)');
  }
  // Keep the api-snippets element order (PmtId, PmtTpInf, IntrBkSttlmAmt, ...) in the rendered text.
  const tpInf: NonNullable<IsoTermsMessage['CdtTrfTxInf']['PmtTpInf']> = {};
  if (t.initiator !== undefined && t.initiatorType !== undefined) tpInf.LclInstrm = { Prtry: `${t.initiator}/${t.initiatorType}` };
  else if (t.initiator !== undefined || t.initiatorType !== undefined) uncarried.add('transactionType.initiator', 'initiator and initiatorType travel together');
  if (t.subScenario !== undefined) tpInf.CtgyPurp = { Prtry: requireMax(t.subScenario, 35, 'transactionType.subScenario') };
  const fee = oneCharge(tx.ChrgsInf, 'fees', uncarried);
  const ordered: IsoTermsMessage['CdtTrfTxInf'] = { PmtId: out.PmtId } as IsoTermsMessage['CdtTrfTxInf'];
  if (Object.keys(tpInf).length > 0) ordered.PmtTpInf = tpInf;
  ordered.IntrBkSttlmAmt = out.IntrBkSttlmAmt;
  ordered.ChrgBr = out.ChrgBr;
  if (fee) ordered.ChrgsInf = fee;
  ordered.Dbtr = out.Dbtr;
  const dbtrCcy = tx.DbtrAcct?.Ccys[0];
  if (dbtrCcy !== undefined) ordered.DbtrAcct = { Ccy: dbtrCcy };
  ordered.DbtrAgt = out.DbtrAgt;
  ordered.CdtrAgt = out.CdtrAgt;
  ordered.Cdtr = out.Cdtr;
  const cdtrCcy = tx.CdtrAcct?.Ccys[0];
  if (cdtrCcy !== undefined) ordered.CdtrAcct = { Ccy: cdtrCcy };
  if (out.InstrForCdtrAgt) ordered.InstrForCdtrAgt = out.InstrForCdtrAgt;
  if (s.note !== undefined) ordered.InstrForNxtAgt = { InstrInf: requireMax(s.note, 140, 'note') };
  if (tx.Purp) ordered.Purp = { Prtry: requireMax(tx.Purp.Prtry, 35, 'transactionType.scenario') };
  if (t.balanceOfPayments !== undefined) ordered.RgltryRptg = { Dtls: { Cd: requireMax(t.balanceOfPayments, 10, 'transactionType.balanceOfPayments') } };
  body.CdtTrfTxInf = ordered;
  uncarried.settle(options, 'POST /quotes');
  return body;
}

/** POST /quotes ISO JSON body (pacs.081) -> canonical quote request. */
export function isoQuoteRequestToCanonical(body: IsoTermsMessage, options: IsoJsonReadOptions = {}): QuoteRequest {
  const unsupported = new Unsupported();
  checkProfile(body, PACS081_PROFILE, '', unsupported);
  unsupported.settle(options, 'POST /quotes');
  const g = body.GrpHdr;
  const tx = body.CdtTrfTxInf;
  groupHeader(g);
  if (tx.PmtId.EndToEndId === undefined) throw new TranslationError('CdtTrfTxInf.PmtId.EndToEndId', 'the transaction id (FSPIOP transactionId) is required', '3102');
  const dbtr = partyFromIso(tx.Dbtr);
  const cdtr = partyFromIso(tx.Cdtr);
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
  const s: QuoteRequestSupplement = {};
  const t: TransactionTypeSupplement = {};
  const instr = tx.InstrForCdtrAgt;
  if (instr) {
    if (instr.Cd !== REFUND) throw new TranslationError('CdtTrfTxInf.InstrForCdtrAgt', `only the refund instruction (Cd ${REFUND}) is in Mizani’s ISO JSON profile`);
    if (tx.PmtId.InstrId === undefined) throw new TranslationError('CdtTrfTxInf.PmtId.InstrId', 'a refund (InstrForCdtrAgt REFD) needs the refunded transaction in PmtId.InstrId', '3102');
    t.refundInfo = { originalTransactionId: requireUlid(tx.PmtId.InstrId, 'CdtTrfTxInf.PmtId.InstrId') };
    if (instr.InstrInf !== undefined) t.refundInfo.refundReason = instr.InstrInf;
  } else if (tx.PmtId.InstrId !== undefined) {
    c.PmtId.InstrId = requireUlid(tx.PmtId.InstrId, 'CdtTrfTxInf.PmtId.InstrId');
  }
  const initiator = tx.PmtTpInf?.LclInstrm?.Prtry;
  if (initiator !== undefined) {
    const m = INITIATOR.exec(initiator);
    if (!m) throw new TranslationError('CdtTrfTxInf.PmtTpInf.LclInstrm.Prtry', `${JSON.stringify(initiator)} is not <PAYER|PAYEE>/<CONSUMER|AGENT|BUSINESS|DEVICE>`);
    t.initiator = m[1] as 'PAYER' | 'PAYEE';
    t.initiatorType = m[2] as TransactionTypeSupplement['initiatorType'];
  }
  if (tx.PmtTpInf?.CtgyPurp) t.subScenario = tx.PmtTpInf.CtgyPurp.Prtry;
  if (tx.RgltryRptg) {
    if (Array.isArray(tx.RgltryRptg.Dtls)) throw new TranslationError('CdtTrfTxInf.RgltryRptg.Dtls', 'a list of regulatory details is not in Mizani’s ISO JSON profile (one: the balance of payments code)');
    t.balanceOfPayments = tx.RgltryRptg.Dtls.Cd;
  }
  if (Object.keys(t).length > 0) s.transactionType = t;
  if (tx.ChrgsInf) c.ChrgsInf = [chargeFromIso(tx.ChrgsInf, 'CdtTrfTxInf.ChrgsInf')];
  if (tx.DbtrAcct) c.DbtrAcct = { Ccys: [tx.DbtrAcct.Ccy] };
  if (tx.CdtrAcct) c.CdtrAcct = { Ccys: [tx.CdtrAcct.Ccy] };
  if (tx.Purp) c.Purp = { Prtry: tx.Purp.Prtry };
  if (tx.InstrForNxtAgt) s.note = tx.InstrForNxtAgt.InstrInf;
  if (dbtr.complexName) s.Dbtr = { personalInfo: { complexName: dbtr.complexName } };
  if (cdtr.complexName) s.Cdtr = { personalInfo: { complexName: cdtr.complexName } };
  if (Object.keys(s).length > 0) c.SplmtryData = s;
  return message;
}

// ------------------------------------------------------------------------------------------------ pacs.082

/**
 * canonical quote response -> PUT /quotes/{ID} ISO JSON body (pacs.082). Dbtr/Cdtr/ChrgBr come from the canonical
 * message (the caller copies them from the quote request, as Mojaloop's transformer does); when absent, Mojaloop's
 * stand-ins are written (parties `Id.OrgId.Othr.Id` = the FSP id, ChrgBr SHAR). The condition is not written: it
 * must equal the one in the ILP v4 packet. Refused (or left out with `onUncarried`): geoCode, extensionList, a fee
 * together with a commission.
 */
export function isoQuoteResponseFromCanonical(message: QuoteResponse, options: IsoJsonRenderOptions = {}): IsoTermsMessage {
  const tx = message.CdtTrfTxInf;
  const uncarried = new Uncarried();
  checkConditionCarried(tx.VrfctnOfTerms.IlpV4PrepPacket, tx.ExctnCond, 'condition');
  if (tx.SplmtryData?.geoCode) uncarried.add('geoCode', 'no ISO element');
  if (tx.SplmtryData?.extensions) uncarried.add('extensionList', 'pacs.082 has no supplementary data in this dialect');
  const body: IsoTermsMessage = {
    GrpHdr: {
      ...header(options),
      NbOfTxs: '1',
      SttlmInf: { SttlmMtd: message.GrpHdr.SttlmInf?.SttlmMtd ?? 'CLRG' },
      PmtInstrXpryDtTm: message.GrpHdr.PmtInstrXpryDtTm,
    },
    CdtTrfTxInf: {
      PmtId: { TxId: requireUlid(tx.PmtId.TxId, 'quote id (CdtTrfTxInf.PmtId.TxId)') },
      IntrBkSttlmAmt: amountToIso(tx.IntrBkSttlmAmt, 'transferAmount (CdtTrfTxInf.IntrBkSttlmAmt)'),
    } as IsoTermsMessage['CdtTrfTxInf'],
  };
  const out = body.CdtTrfTxInf;
  if (tx.InstdAmt) out.InstdAmt = historicAmountToIso(tx.InstdAmt, 'payeeReceiveAmount (CdtTrfTxInf.InstdAmt)');
  out.ChrgBr = tx.ChrgBr ?? 'SHAR';
  const charge = oneCharge(tx.ChrgsInf, 'payeeFspFee/payeeFspCommission', uncarried);
  if (charge) out.ChrgsInf = charge;
  const sd = tx.SplmtryData;
  out.Dbtr = tx.Dbtr ? partyToIso(tx.Dbtr, sd?.Dbtr, 'CdtTrfTxInf.Dbtr', 256, uncarried) : fspParty(tx.DbtrAgt, 'CdtTrfTxInf.Dbtr');
  out.DbtrAgt = agentToIso(tx.DbtrAgt, 'CdtTrfTxInf.DbtrAgt (the payer FSP)');
  out.CdtrAgt = agentToIso(tx.CdtrAgt, 'CdtTrfTxInf.CdtrAgt (the payee FSP)');
  out.Cdtr = tx.Cdtr ? partyToIso(tx.Cdtr, sd?.Cdtr, 'CdtTrfTxInf.Cdtr', 256, uncarried) : fspParty(tx.CdtrAgt, 'CdtTrfTxInf.Cdtr');
  out.VrfctnOfTerms = { IlpV4PrepPacket: tx.VrfctnOfTerms.IlpV4PrepPacket! };
  uncarried.settle(options, 'PUT /quotes');
  return body;
}

/** PUT /quotes/{ID} ISO JSON body (pacs.082) -> canonical quote response (condition derived from the packet). */
export function isoQuoteResponseToCanonical(quoteId: string, body: IsoTermsMessage, options: IsoJsonReadOptions = {}): QuoteResponse {
  const unsupported = new Unsupported();
  checkProfile(body, PACS082_PROFILE, '', unsupported);
  unsupported.settle(options, 'PUT /quotes');
  const g = body.GrpHdr;
  const tx = body.CdtTrfTxInf;
  groupHeader(g);
  if (tx.PmtId.TxId !== quoteId) throw new TranslationError('CdtTrfTxInf.PmtId.TxId', `${JSON.stringify(tx.PmtId.TxId)} differs from the quote id in the path ${JSON.stringify(quoteId)}`);
  if (g.PmtInstrXpryDtTm === undefined) throw new TranslationError('GrpHdr.PmtInstrXpryDtTm', 'the quote response needs its expiry (FSPIOP expiration)', '3102');
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
  if (tx.ChrgsInf) c.ChrgsInf = [chargeFromIso(tx.ChrgsInf, 'CdtTrfTxInf.ChrgsInf')];
  c.ChrgBr = tx.ChrgBr;
  const dbtr = partyFromIso(tx.Dbtr);
  const cdtr = partyFromIso(tx.Cdtr);
  c.Dbtr = dbtr.Pty;
  c.DbtrAgt = agentFromIso(tx.DbtrAgt);
  c.Cdtr = cdtr.Pty;
  c.CdtrAgt = agentFromIso(tx.CdtrAgt);
  if (dbtr.complexName || cdtr.complexName) {
    c.SplmtryData = {};
    if (dbtr.complexName) c.SplmtryData.Dbtr = { personalInfo: { complexName: dbtr.complexName } };
    if (cdtr.complexName) c.SplmtryData.Cdtr = { personalInfo: { complexName: cdtr.complexName } };
  }
  return message;
}

