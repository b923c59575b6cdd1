/**
 * Mojaloop ISO 20022 JSON fxQuotes <-> canonical (contract iso20022-mapping.md §3.5): pacs.091 (POST /fxQuotes,
 * `FxRequest_FICreditTransferProposal`) and pacs.092 (PUT /fxQuotes/{ID}, `FxResponse_FICreditTransferConfirmation`);
 * errors are pacs.002 (transfers.ts). Pure.
 *
 * The FX messages of this dialect have no SplmtryData: FSPIOP charges and extensions have no place in them and are
 * refused when rendering (TranslationError naming them) unless the caller opts into leaving them out. The value of an
 * amount not yet known (the side a request does not fix) is written "0", as Mojaloop's transformer does, and "0" is
 * read back as "not known" (no conversion of zero is ever agreed).
 */
import type { FxAmount, FxAmountType, FxQuoteRequest, FxQuoteResponse, FxTerms } from '../../schemas/iso/fx-quotes.js';
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
  header,
  historicAmountFromIso,
  historicAmountToIso,
  putForeign,
  requireUlid,
  type IsoAgent,
  type IsoAmount,
  type IsoHistoricAmount,
  type IsoJsonReadOptions,
  type IsoJsonRenderOptions,
  type IsoParty,
} from './common.js';

type SttlmMtd = 'CLRG' | 'INDA' | 'INGA' | 'COVE';

/** pacs.091 and pacs.092 share CreditTransferTransaction68_FX_Quotes. */
export interface IsoFxQuoteMessage {
  GrpHdr: { MsgId: string; CreDtTm: string; NbOfTxs: string; SttlmInf: { SttlmMtd: SttlmMtd }; PmtInstrXpryDtTm?: string };
  CdtTrfTxInf: {
    PmtId: { TxId: string; InstrId?: string; EndToEndId?: string };
    UndrlygCstmrCdtTrf?: { InstdAmt?: IsoHistoricAmount; Dbtr: IsoParty; Cdtr: IsoParty; DbtrAgt: IsoAgent; CdtrAgt: IsoAgent };
    IntrBkSttlmAmt: IsoAmount;
    Dbtr: IsoAgent;
    Cdtr: IsoAgent;
    InstrForCdtrAgt?: { InstrInf?: string };
    VrfctnOfTerms?: { Sh256Sgntr?: string; IlpV4PrepPacket?: string };
  };
}

const FX_PROFILE = {
  GrpHdr: { MsgId: true, CreDtTm: true, NbOfTxs: true, SttlmInf: { SttlmMtd: true }, PmtInstrXpryDtTm: true },
  CdtTrfTxInf: {
    PmtId: { TxId: true, InstrId: true, EndToEndId: true },
    // The underlying parties and agents are the two FSPs again (written by every renderer, read from Dbtr/Cdtr).
    UndrlygCstmrCdtTrf: { InstdAmt: HISTORIC_AMOUNT_PROFILE, Dbtr: PARTY_PROFILE, Cdtr: PARTY_PROFILE, DbtrAgt: AGENT_PROFILE, CdtrAgt: AGENT_PROFILE },
    IntrBkSttlmAmt: AMOUNT_PROFILE,
    Dbtr: AGENT_PROFILE,
    Cdtr: AGENT_PROFILE,
    InstrForCdtrAgt: { InstrInf: true },
    VrfctnOfTerms: { Sh256Sgntr: true },
  },
} as const;

const UNKNOWN_VALUE = '0';

function fspAsParty(fsp: string): IsoParty {
  return { Id: { OrgId: { Othr: { Id: fsp } } } };
}

function render(terms: FxTerms, message: string, options: IsoJsonRenderOptions): IsoFxMessageWithForeign {
  const tx = terms.CdtTrfTxInf;
  const uncarried = new Uncarried();
  const sd = tx.SplmtryData;
  if (sd?.charges?.length) uncarried.add('conversionTerms.charges', 'no element in pacs.091/pacs.092');
  if (sd?.extensions?.length) uncarried.add('conversionTerms.extensionList', 'no element in pacs.091/pacs.092');
  uncarried.settle(options, message);
  const dbtr = agentToIso(tx.Dbtr, 'CdtTrfTxInf.Dbtr (initiatingFsp)');
  const cdtr = agentToIso(tx.Cdtr, 'CdtTrfTxInf.Cdtr (counterPartyFsp)');
  const initiating = dbtr.FinInstnId.Othr?.Id;
  const provider = cdtr.FinInstnId.Othr?.Id;
  if (initiating === undefined) throw new TranslationError('CdtTrfTxInf.Dbtr.FinInstnId.Othr.Id', 'the initiating FSP is not named', '3102');
  if (provider === undefined) throw new TranslationError('CdtTrfTxInf.Cdtr.FinInstnId.Othr.Id', 'the FXP is not named', '3102');
  const source = tx.UndrlygCstmrCdtTrf.InstdAmt;
  const target = tx.IntrBkSttlmAmt;
  const pmtId: IsoFxMessage['CdtTrfTxInf']['PmtId'] = {
    TxId: requireUlid(tx.PmtId.TxId, 'conversionRequestId (CdtTrfTxInf.PmtId.TxId)'),
    InstrId: requireUlid(tx.PmtId.InstrId, 'conversionId (CdtTrfTxInf.PmtId.InstrId)'),
  };
  if (tx.PmtId.EndToEndId !== undefined) pmtId.EndToEndId = requireUlid(tx.PmtId.EndToEndId, 'determiningTransferId (CdtTrfTxInf.PmtId.EndToEndId)');
  const body: IsoFxMessage = {
    GrpHdr: { ...header(options), NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' }, PmtInstrXpryDtTm: terms.GrpHdr.PmtInstrXpryDtTm },
    CdtTrfTxInf: {
      PmtId: pmtId,
      UndrlygCstmrCdtTrf: {
        InstdAmt:
          source.units === undefined
            ? { ActiveOrHistoricCurrencyAndAmount: UNKNOWN_VALUE, Ccy: source.currency }
            : historicAmountToIso({ currency: source.currency, units: source.units }, 'sourceAmount (CdtTrfTxInf.UndrlygCstmrCdtTrf.InstdAmt)'),
        Dbtr: fspAsParty(initiating),
        Cdtr: fspAsParty(provider),
        DbtrAgt: { FinInstnId: { Othr: { Id: initiating } } },
        CdtrAgt: { FinInstnId: { Othr: { Id: provider } } },
      },
      IntrBkSttlmAmt:
        target.units === undefined
          ? { ActiveCurrencyAndAmount: UNKNOWN_VALUE, Ccy: target.currency }
          : amountToIso({ currency: target.currency, units: target.units }, 'targetAmount (CdtTrfTxInf.IntrBkSttlmAmt)'),
      Dbtr: dbtr,
      Cdtr: cdtr,
      InstrForCdtrAgt: { InstrInf: tx.InstrForCdtrAgt.InstrInf },
    },
  };
  return { body, foreign: sd?.iso };
}

type IsoFxMessage = IsoFxQuoteMessage & { CdtTrfTxInf: { UndrlygCstmrCdtTrf: NonNullable<IsoFxQuoteMessage['CdtTrfTxInf']['UndrlygCstmrCdtTrf']> } };
interface IsoFxMessageWithForeign {
  body: IsoFxMessage;
  foreign: Record<string, unknown> | undefined;
}

function finish({ body, foreign }: IsoFxMessageWithForeign): IsoFxQuoteMessage {
  putForeign(body as unknown as Record<string, unknown>, foreign);
  return body;
}

/** Canonical pacs.091 -> POST /fxQuotes ISO JSON body. */
export function isoFxQuoteRequestFromCanonical(message: FxQuoteRequest, options: IsoJsonRenderOptions = {}): IsoFxQuoteMessage {
  return finish(render(message, 'POST /fxQuotes', options));
}

/** Canonical pacs.092 -> PUT /fxQuotes/{ID} ISO JSON body (the condition in VrfctnOfTerms.Sh256Sgntr). */
export function isoFxQuoteResponseFromCanonical(message: FxQuoteResponse, options: IsoJsonRenderOptions = {}): IsoFxQuoteMessage {
  const rendered = render(message, 'PUT /fxQuotes', options);
  const condition = message.CdtTrfTxInf.VrfctnOfTerms?.Sh256Sgntr;
  if (condition !== undefined) rendered.body.CdtTrfTxInf.VrfctnOfTerms = { Sh256Sgntr: condition };
  return finish(rendered);
}

function fxAmountOf(value: string, currency: string, read: () => FxAmount): FxAmount {
  return value === UNKNOWN_VALUE ? { currency } : read();
}

function read(body: IsoFxQuoteMessage, message: string, options: IsoJsonReadOptions): FxTerms {
  const unsupported = new Unsupported();
  checkProfile(body, FX_PROFILE, '', unsupported);
  const foreign = unsupported.carry(options, message);
  const g = body.GrpHdr;
  const tx = body.CdtTrfTxInf;
  if (g.PmtInstrXpryDtTm === undefined)
    throw new TranslationError('GrpHdr.PmtInstrXpryDtTm', 'the conversion terms need their expiry (FSPIOP expiration)', '3102');
  if (tx.PmtId.InstrId === undefined) throw new TranslationError('CdtTrfTxInf.PmtId.InstrId', 'the conversion id (FSPIOP conversionId) is required', '3102');
  const amountType = tx.InstrForCdtrAgt?.InstrInf;
  if (amountType !== 'SEND' && amountType !== 'RECEIVE') {
    throw new TranslationError('CdtTrfTxInf.InstrForCdtrAgt.InstrInf', 'the amount type (SEND or RECEIVE) is required', '3102');
  }
  const instd = tx.UndrlygCstmrCdtTrf?.InstdAmt;
  if (instd === undefined) throw new TranslationError('CdtTrfTxInf.UndrlygCstmrCdtTrf.InstdAmt', 'the source currency is required', '3102');
  const dbtr = agentFromIso(tx.Dbtr);
  const cdtr = agentFromIso(tx.Cdtr);
  if (dbtr.FinInstnId.Othr === undefined) throw new TranslationError('CdtTrfTxInf.Dbtr.FinInstnId.Othr.Id', 'the initiating FSP is required', '3102');
  if (cdtr.FinInstnId.Othr === undefined) throw new TranslationError('CdtTrfTxInf.Cdtr.FinInstnId.Othr.Id', 'the FXP is required', '3102');
  const terms: FxTerms = {
    GrpHdr: { MsgId: g.MsgId, CreDtTm: g.CreDtTm, PmtInstrXpryDtTm: g.PmtInstrXpryDtTm },
    CdtTrfTxInf: {
      PmtId: { TxId: requireUlid(tx.PmtId.TxId, 'CdtTrfTxInf.PmtId.TxId'), InstrId: requireUlid(tx.PmtId.InstrId, 'CdtTrfTxInf.PmtId.InstrId') },
      Dbtr: { FinInstnId: { Othr: dbtr.FinInstnId.Othr } },
      Cdtr: { FinInstnId: { Othr: cdtr.FinInstnId.Othr } },
      InstrForCdtrAgt: { InstrInf: amountType as FxAmountType },
      UndrlygCstmrCdtTrf: {
        InstdAmt: fxAmountOf(instd.ActiveOrHistoricCurrencyAndAmount, instd.Ccy, () => historicAmountFromIso(instd, 'CdtTrfTxInf.UndrlygCstmrCdtTrf.InstdAmt')),
      },
      IntrBkSttlmAmt: fxAmountOf(tx.IntrBkSttlmAmt.ActiveCurrencyAndAmount, tx.IntrBkSttlmAmt.Ccy, () =>
        amountFromIso(tx.IntrBkSttlmAmt, 'CdtTrfTxInf.IntrBkSttlmAmt'),
      ),
    },
  };
  if (tx.PmtId.EndToEndId !== undefined) terms.CdtTrfTxInf.PmtId.EndToEndId = requireUlid(tx.PmtId.EndToEndId, 'CdtTrfTxInf.PmtId.EndToEndId');
  if (foreign) terms.CdtTrfTxInf.SplmtryData = { iso: foreign };
  return terms;
}

/** POST /fxQuotes ISO JSON body (pacs.091) -> canonical. */
export function isoFxQuoteRequestToCanonical(body: IsoFxQuoteMessage, options: IsoJsonReadOptions = {}): FxQuoteRequest {
  return read(body, 'POST /fxQuotes', options);
}

/** PUT /fxQuotes/{ID} ISO JSON body (pacs.092) -> canonical; its TxId must be the path id. */
export function isoFxQuoteResponseToCanonical(conversionRequestId: string, body: IsoFxQuoteMessage, options: IsoJsonReadOptions = {}): FxQuoteResponse {
  const terms = read(body, 'PUT /fxQuotes', options) as FxQuoteResponse;
  if (terms.CdtTrfTxInf.PmtId.TxId !== conversionRequestId) {
    throw new TranslationError(
      'CdtTrfTxInf.PmtId.TxId',
      `${JSON.stringify(terms.CdtTrfTxInf.PmtId.TxId)} differs from the conversion request id in the path ${JSON.stringify(conversionRequestId)}`,
    );
  }
  const condition = body.CdtTrfTxInf.VrfctnOfTerms?.Sh256Sgntr;
  if (condition !== undefined) terms.CdtTrfTxInf.VrfctnOfTerms = { Sh256Sgntr: condition };
  return terms;
}
