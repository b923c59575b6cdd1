/**
 * FSPIOP v2.0 fxQuotes <-> canonical pacs.091 / pacs.092 (schemas/iso/fx-quotes.ts). Every FSPIOP field is held, so
 * FSPIOP -> canonical -> FSPIOP is lossless. Amounts are exact (refused, never rounded, when FSPIOP cannot carry one).
 * Pure.
 */
import type { Amount } from '../../schemas/amount.js';
import type { Extension } from '../../schemas/iso/common.js';
import type { FxAmount, FxAmountType, FxCharge, FxQuoteRequest, FxQuoteResponse, FxTerms } from '../../schemas/iso/fx-quotes.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import {
  extensionListOf,
  extensionsOf,
  foreignElementsOf,
  moneyFromCanonical,
  moneyToCanonical,
  takeCarried,
  withCarried,
  type FspiopExtensionList,
  type FspiopMoney,
} from './common.js';

export interface FspiopFxMoney {
  currency: string;
  amount?: string;
}

export interface FspiopFxCharge {
  chargeType: string;
  sourceAmount?: FspiopMoney;
  targetAmount?: FspiopMoney;
}

export interface FspiopFxConversion {
  conversionId: string;
  determiningTransferId?: string;
  initiatingFsp: string;
  counterPartyFsp: string;
  amountType: FxAmountType;
  sourceAmount: FspiopFxMoney;
  targetAmount: FspiopFxMoney;
  expiration: string;
  charges?: FspiopFxCharge[];
  extensionList?: FspiopExtensionList;
}

export interface FspiopFxQuoteRequest {
  conversionRequestId: string;
  conversionTerms: FspiopFxConversion;
}

export interface FspiopFxQuoteResponse {
  condition?: string;
  conversionTerms: FspiopFxConversion;
}

function fxMoneyToCanonical(money: FspiopFxMoney, field: string): FxAmount {
  if (money.amount === undefined) return { currency: money.currency };
  return moneyToCanonical({ currency: money.currency, amount: money.amount }, field);
}

function fxMoneyFromCanonical(amount: FxAmount, field: string): FspiopFxMoney {
  if (amount.units === undefined) return { currency: amount.currency };
  return moneyFromCanonical(amount as Amount, field);
}

function chargesToCanonical(charges: FspiopFxCharge[], field: string): FxCharge[] {
  return charges.map((c, i) => {
    const out: FxCharge = { chargeType: c.chargeType };
    if (c.sourceAmount) out.sourceAmount = moneyToCanonical(c.sourceAmount, `${field}[${i}].sourceAmount`);
    if (c.targetAmount) out.targetAmount = moneyToCanonical(c.targetAmount, `${field}[${i}].targetAmount`);
    return out;
  });
}

function chargesFromCanonical(charges: FxCharge[], field: string): FspiopFxCharge[] {
  return charges.map((c, i) => {
    const out: FspiopFxCharge = { chargeType: c.chargeType };
    if (c.sourceAmount) out.sourceAmount = moneyFromCanonical(c.sourceAmount, `${field}[${i}].sourceAmount`);
    if (c.targetAmount) out.targetAmount = moneyFromCanonical(c.targetAmount, `${field}[${i}].targetAmount`);
    return out;
  });
}

function termsToCanonical(id: string, t: FspiopFxConversion, receivedAt: string): FxTerms {
  const terms: FxTerms = {
    GrpHdr: { MsgId: id, CreDtTm: receivedAt, PmtInstrXpryDtTm: t.expiration },
    CdtTrfTxInf: {
      PmtId: { TxId: id, InstrId: t.conversionId },
      Dbtr: { FinInstnId: { Othr: { Id: t.initiatingFsp } } },
      Cdtr: { FinInstnId: { Othr: { Id: t.counterPartyFsp } } },
      InstrForCdtrAgt: { InstrInf: t.amountType },
      UndrlygCstmrCdtTrf: { InstdAmt: fxMoneyToCanonical(t.sourceAmount, 'conversionTerms.sourceAmount') },
      IntrBkSttlmAmt: fxMoneyToCanonical(t.targetAmount, 'conversionTerms.targetAmount'),
    },
  };
  const tx = terms.CdtTrfTxInf;
  if (t.determiningTransferId !== undefined) tx.PmtId.EndToEndId = t.determiningTransferId;
  const supplement: NonNullable<FxTerms['CdtTrfTxInf']['SplmtryData']> = {};
  if (t.charges) supplement.charges = chargesToCanonical(t.charges, 'conversionTerms.charges');
  const { own, carried } = takeCarried(extensionsOf(t.extensionList), 'conversionTerms');
  if (own) supplement.extensions = own;
  if (carried.elements !== undefined) supplement.iso = foreignElementsOf(carried.elements, 'conversionTerms.extensionList (iso:elements)');
  if (Object.keys(supplement).length > 0) tx.SplmtryData = supplement;
  return terms;
}

function termsFromCanonical(terms: FxTerms): FspiopFxConversion {
  const tx = terms.CdtTrfTxInf;
  const initiatingFsp = tx.Dbtr.FinInstnId.Othr?.Id;
  const counterPartyFsp = tx.Cdtr.FinInstnId.Othr?.Id;
  if (initiatingFsp === undefined) throw new TranslationError('conversionTerms.initiatingFsp', 'the debtor agent names no FSP id', '3102');
  if (counterPartyFsp === undefined) throw new TranslationError('conversionTerms.counterPartyFsp', 'the creditor agent names no FSP id', '3102');
  const out: FspiopFxConversion = {
    conversionId: tx.PmtId.InstrId,
    ...(tx.PmtId.EndToEndId !== undefined ? { determiningTransferId: tx.PmtId.EndToEndId } : {}),
    initiatingFsp,
    counterPartyFsp,
    amountType: tx.InstrForCdtrAgt.InstrInf,
    sourceAmount: fxMoneyFromCanonical(tx.UndrlygCstmrCdtTrf.InstdAmt, 'conversionTerms.sourceAmount'),
    targetAmount: fxMoneyFromCanonical(tx.IntrBkSttlmAmt, 'conversionTerms.targetAmount'),
    expiration: terms.GrpHdr.PmtInstrXpryDtTm,
  };
  const sd = tx.SplmtryData;
  if (sd?.charges) out.charges = chargesFromCanonical(sd.charges, 'conversionTerms.charges');
  const extensions: Extension[] | undefined = withCarried(sd?.extensions, sd?.iso ? { elements: sd.iso } : {}, 'conversionTerms.extensionList');
  const list = extensionListOf(extensions);
  if (list) out.extensionList = list;
  return out;
}

/** POST /fxQuotes body -> canonical pacs.091. */
export function fxQuoteRequestToCanonical(body: FspiopFxQuoteRequest, receivedAt: string): FxQuoteRequest {
  return termsToCanonical(body.conversionRequestId, body.conversionTerms, receivedAt);
}

export function fxQuoteRequestFromCanonical(message: FxQuoteRequest): FspiopFxQuoteRequest {
  return { conversionRequestId: message.CdtTrfTxInf.PmtId.TxId, conversionTerms: termsFromCanonical(message) };
}

/** PUT /fxQuotes/{ID} body -> canonical pacs.092 (TxId = the path id). */
export function fxQuoteResponseToCanonical(conversionRequestId: string, body: FspiopFxQuoteResponse, receivedAt: string): FxQuoteResponse {
  const terms = termsToCanonical(conversionRequestId, body.conversionTerms, receivedAt) as FxQuoteResponse;
  if (body.condition !== undefined) terms.CdtTrfTxInf.VrfctnOfTerms = { Sh256Sgntr: body.condition };
  return terms;
}

export function fxQuoteResponseFromCanonical(message: FxQuoteResponse): FspiopFxQuoteResponse {
  const condition = message.CdtTrfTxInf.VrfctnOfTerms?.Sh256Sgntr;
  return { ...(condition !== undefined ? { condition } : {}), conversionTerms: termsFromCanonical(message) };
}
