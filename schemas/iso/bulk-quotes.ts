/**
 * Bulk agreement, canonical (docs/bulk.md): FSPIOP POST /bulkQuotes and PUT /bulkQuotes/{ID}. ISO 20022 and
 * Mojaloop's ISO 20022 JSON define no bulk terms message, so the model is a group of the single-quote messages
 * (quotes.ts): each individual quote is a whole QuoteRequest (pacs.081) whose debtor is the bulk's payer, each
 * individual result a whole QuoteResponse (pacs.082) or an error report (pacs.002). What the bulk says once (its id,
 * expiry, payer, geoCode, extensions) sits on the group. Every FSPIOP field is held, so FSPIOP -> canonical -> FSPIOP
 * is lossless; errors on a whole bulk are pacs.002 (pacs002.ts).
 */
import type { Agent, Extension, GeoCode, Party, PartySupplement, SupportedCurrencies } from './common.js';
import type { Pacs002 } from './pacs002.js';
import type { QuoteRequest, QuoteResponse } from './quotes.js';

export interface BulkQuoteRequest {
  GrpHdr: {
    /** The bulkQuoteId. */
    MsgId: string;
    CreDtTm: string;
    /** Number of individual quotes (1..1000). */
    NbOfTxs: number;
    /** FSPIOP `expiration` of the bulk (each individual quote carries it too). */
    PmtInstrXpryDtTm?: string;
  };
  /**
   * One per FSPIOP individual quote, in order. `GrpHdr.MsgId` = quoteId; `CdtTrfTxInf.Dbtr`, `DbtrAcct`, `DbtrAgt`
   * and `SplmtryData.Dbtr` are the bulk's payer (the same in every one); `SplmtryData.geoCode` is never set (geoCode
   * is the bulk's, below).
   */
  Quotes: QuoteRequest[];
  /** FSPIOP data of the bulk itself without an element above: `geoCode`, the top-level `extensionList`. */
  SplmtryData?: { geoCode?: GeoCode; extensions?: Extension[] };
}

/** One FSPIOP individualQuoteResults item: the payee's terms for an individual quote, or its refusal of it. */
export interface BulkQuoteResult {
  /** The individual quote's id. */
  QuoteId: string;
  /** FSPIOP `payee`, when the payee repeats it: the party (Pty), its agent and supplement as in a quote request. */
  Cdtr?: { Pty: Party; Agt?: Agent; Acct?: SupportedCurrencies; supplement?: PartySupplement };
  /**
   * The terms (transferAmount, payeeReceiveAmount, payeeFspFee, payeeFspCommission, ilpPacket, condition and the
   * result's extensionList), as a single quote response: `GrpHdr.PmtInstrXpryDtTm` is the bulk's expiration.
   */
  Terms?: QuoteResponse;
  /** FSPIOP `errorInformation`: the payee's refusal of this individual quote. */
  Error?: Pacs002;
  /** The result's `extensionList` when it carries no terms (with terms it is the terms' own). */
  extensions?: Extension[];
}

export interface BulkQuoteResponse {
  GrpHdr: {
    /** The bulkQuoteId (path). */
    MsgId: string;
    CreDtTm: string;
    /** FSPIOP `expiration` of the whole answer. */
    PmtInstrXpryDtTm: string;
  };
  /** FSPIOP `individualQuoteResults`, in the payee's order; absent when the payee sent none. */
  Results?: BulkQuoteResult[];
  /** The top-level `extensionList`. */
  SplmtryData?: { extensions?: Extension[] };
}
