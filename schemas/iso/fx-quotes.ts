/**
 * FX agreement messages, canonical: the conversion quote request (pacs.091 "FI credit transfer quote request",
 * FSPIOP POST /fxQuotes) and the FXP's answer (pacs.092 "FI credit transfer quote response", FSPIOP PUT
 * /fxQuotes/{ID}). Element names and places follow Mojaloop's mapping (contract iso20022-mapping.md §3.5); FSPIOP data
 * without an element there (charges, extensions) is in `SplmtryData`. Errors on fxQuotes are pacs.002 (pacs002.ts).
 *
 * The rate is the FXP's: the hub never computes one; it only checks that the amounts it is given are exact and
 * consistent (switch/core/agreement/fx-quote-checks.ts).
 */
import { formatUnits, type IsoUnits } from '../amount.js';
import type { Agent, Extension, ForeignElements } from './common.js';

/** FSPIOP `amountType`: SEND fixes the source amount, RECEIVE the target amount. */
export type FxAmountType = 'SEND' | 'RECEIVE';

/**
 * An FX amount: the currency always, the value only where it is known. In a request only the fixed side has a value
 * (FSPIOP `FxMoney.amount` optional; Mojaloop's ISO mapping writes "0" for the unknown side, read back as absent).
 */
export interface FxAmount {
  readonly currency: string;
  readonly units?: IsoUnits;
}

/** FSPIOP `charges[]` item: what the FXP charges for the conversion, in the source or the target currency (or both). */
export interface FxCharge {
  chargeType: string;
  sourceAmount?: { currency: string; units: IsoUnits };
  targetAmount?: { currency: string; units: IsoUnits };
}

/** FSPIOP conversionTerms data without a pacs.091 / pacs.092 element. */
export interface FxTermsSupplement {
  charges?: FxCharge[];
  /** conversionTerms.extensionList. */
  extensions?: Extension[];
  /** ISO elements an ISO sender gave that this model does not type. */
  iso?: ForeignElements;
}

/** The conversion terms: what pacs.091 asks and pacs.092 answers (the same shape, both amounts known in an answer). */
export interface FxTerms {
  GrpHdr: {
    MsgId: string;
    CreDtTm: string;
    /** FSPIOP conversionTerms.expiration. */
    PmtInstrXpryDtTm: string;
  };
  CdtTrfTxInf: {
    /** TxId = conversionRequestId (POST) / the path id (PUT), InstrId = conversionId, EndToEndId = determiningTransferId. */
    PmtId: { TxId: string; InstrId: string; EndToEndId?: string };
    /** The initiating FSP (FSPIOP initiatingFsp): `FinInstnId.Othr.Id`. */
    Dbtr: Agent;
    /** The FXP (FSPIOP counterPartyFsp). */
    Cdtr: Agent;
    /** InstrInf = FSPIOP amountType. */
    InstrForCdtrAgt: { InstrInf: FxAmountType };
    /** InstdAmt = FSPIOP sourceAmount. */
    UndrlygCstmrCdtTrf: { InstdAmt: FxAmount };
    /** FSPIOP targetAmount. */
    IntrBkSttlmAmt: FxAmount;
    SplmtryData?: FxTermsSupplement;
  };
}

/** pacs.091: POST /fxQuotes. */
export type FxQuoteRequest = FxTerms;

/** pacs.092: PUT /fxQuotes/{ID}: the terms as the FXP agrees them, and its condition (FSPIOP `condition`, optional there). */
export interface FxQuoteResponse extends FxTerms {
  CdtTrfTxInf: FxTerms['CdtTrfTxInf'] & { VrfctnOfTerms?: { Sh256Sgntr: string } };
}

export function fxInitiatorOf(terms: FxTerms): string | undefined {
  return terms.CdtTrfTxInf.Dbtr.FinInstnId.Othr?.Id;
}

export function fxProviderOf(terms: FxTerms): string | undefined {
  return terms.CdtTrfTxInf.Cdtr.FinInstnId.Othr?.Id;
}

export function fxSourceOf(terms: FxTerms): FxAmount {
  return terms.CdtTrfTxInf.UndrlygCstmrCdtTrf.InstdAmt;
}

export function fxTargetOf(terms: FxTerms): FxAmount {
  return terms.CdtTrfTxInf.IntrBkSttlmAmt;
}

/** An FX amount as text for logs and descriptions: `100.5 USD`, or `USD` when its value is not known. */
export function fxAmountText(amount: FxAmount): string {
  return amount.units === undefined ? amount.currency : `${formatUnits(amount.units)} ${amount.currency}`;
}
