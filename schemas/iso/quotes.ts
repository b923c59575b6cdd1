/**
 * Agreement messages, canonical: the quote request (Mojaloop's pacs.081 "TermsRequest") and the
 * payee's quote response (pacs.082 "TermsResponse"). They hold what the hub acts on; the terms
 * travel untouched between payer and payee.
 */
import type { Amount } from '../amount.js';
import type { Agent, Extension, VerificationOfTerms } from './common.js';

export interface QuoteRequest {
  GrpHdr: { MsgId: string; CreDtTm: string; PmtInstrXpryDtTm?: string };
  CdtTrfTxInf: {
    /** TxId = quoteId, EndToEndId = transactionId, InstrId = transactionRequestId. */
    PmtId: { TxId: string; EndToEndId: string; InstrId?: string };
    IntrBkSttlmAmt: Amount;
    DbtrAgt: Agent;
    CdtrAgt: Agent;
    /** Currencies the payer supports (FSPIOP payer.supportedCurrencies). */
    DbtrAcct?: { Ccys: string[] };
    SplmtryData?: { extensions: Extension[] };
  };
}

export interface QuoteResponse {
  GrpHdr: { MsgId: string; CreDtTm: string; PmtInstrXpryDtTm: string };
  CdtTrfTxInf: {
    PmtId: { TxId: string };
    /** The amount the payer transfers (FSPIOP transferAmount). */
    IntrBkSttlmAmt: Amount;
    ExctnCond: string;
    VrfctnOfTerms: VerificationOfTerms;
  };
}
