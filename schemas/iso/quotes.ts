/**
 * Agreement messages, canonical: the quote request (Mojaloop's pacs.081 "TermsRequest", FSPIOP POST /quotes)
 * and the payee's quote response (pacs.082 "TermsResponse", FSPIOP PUT /quotes/{ID}). Every field of the FSPIOP
 * bodies is held, so FSPIOP -> canonical -> FSPIOP is lossless; the hub acts on a few of them, the rest travel.
 * Errors on quotes are pacs.002 (see pacs002.ts).
 */
import type { Amount } from '../amount.js';
import type { Agent, Charge, Extension, ForeignElements, GeoCode, Party, PartySupplement, SupportedCurrencies, VerificationOfTerms } from './common.js';

export type ChargeBearer = 'DEBT' | 'CRED' | 'SHAR';
export type TransactionScenario = string; // DEPOSIT WITHDRAWAL TRANSFER PAYMENT REFUND (FSPIOP enum)

/** FSPIOP transactionType members that have no ISO element (scenario is `Purp.Prtry`). */
export interface TransactionTypeSupplement {
  subScenario?: string;
  /** Required in FSPIOP; absent when the message came from ISO without it (the FSPIOP renderer then infers it). */
  initiator?: 'PAYER' | 'PAYEE';
  initiatorType?: 'CONSUMER' | 'AGENT' | 'BUSINESS' | 'DEVICE';
  /**
   * FSPIOP `refundInfo`. The Mojaloop ISO mapping puts originalTransactionId in `PmtId.InstrId`, the element that
   * also holds transactionRequestId, so canonically it lives here; the ISO JSON renderer writes it to
   * `PmtId.InstrId` + `InstrForCdtrAgt{Cd: REFD, InstrInf: refundReason}` as Mojaloop does.
   */
  refundInfo?: { originalTransactionId: string; refundReason?: string };
  /** `balanceOfPayments` (3 digits). */
  balanceOfPayments?: string;
}

/** FSPIOP POST /quotes data without a pacs.081 element. */
export interface QuoteRequestSupplement {
  /** Top-level `extensionList`. */
  extensions?: Extension[];
  /** Payer (Dbtr) and payee (Cdtr) fields without an ISO element. */
  Dbtr?: PartySupplement;
  Cdtr?: PartySupplement;
  transactionType?: TransactionTypeSupplement;
  /** v2.0 `converter`. */
  converter?: 'PAYER' | 'PAYEE';
  /** v2.0 `currencyConversion`. */
  currencyConversion?: { sourceAmount: Amount; targetAmount: Amount };
  geoCode?: GeoCode;
  note?: string;
  /** ISO elements an ISO sender gave that this model does not type. */
  iso?: ForeignElements;
}

export interface QuoteRequest {
  GrpHdr: {
    MsgId: string;
    CreDtTm: string;
    /** FSPIOP `expiration`. */
    PmtInstrXpryDtTm?: string;
    /** Settlement method as an ISO sender gave it; absent = CLRG (what every renderer writes). */
    SttlmInf?: { SttlmMtd: 'CLRG' | 'INDA' | 'INGA' | 'COVE' };
  };
  CdtTrfTxInf: {
    /** TxId = quoteId, EndToEndId = transactionId, InstrId = transactionRequestId. */
    PmtId: { TxId: string; EndToEndId: string; InstrId?: string };
    /** FSPIOP `amount`. */
    IntrBkSttlmAmt: Amount;
    /**
     * FSPIOP `amountType` (MPD §7.7): CRED = SEND (the payee bears the fees), DEBT = RECEIVE (the payer does).
     * SHAR only comes from ISO senders; the FSPIOP renderer reads it as SEND, as Mojaloop's transformer does.
     */
    ChrgBr: ChargeBearer;
    /** FSPIOP `fees`: one charge, Agt = the payer's agent. */
    ChrgsInf?: Charge[];
    /** FSPIOP `payer`: Nm = name, Id = partyIdInfo type/identifier. */
    Dbtr: Party;
    /** Payer's supportedCurrencies (all of them). */
    DbtrAcct?: SupportedCurrencies;
    /** Payer's FSP: `Othr.Id` = payer.partyIdInfo.fspId (else FSPIOP-Source), `ClrSysMmbId.MmbId` = partySubIdOrType. */
    DbtrAgt: Agent;
    /** FSPIOP `payee` (as Dbtr). */
    Cdtr: Party;
    CdtrAcct?: SupportedCurrencies;
    /** Payee's FSP: `Othr.Id` = payee.partyIdInfo.fspId (else FSPIOP-Destination), `ClrSysMmbId.MmbId` = partySubIdOrType. */
    CdtrAgt: Agent;
    /** `Prtry` = FSPIOP transactionType.scenario (required in FSPIOP). */
    Purp?: { Prtry: string };
    SplmtryData?: QuoteRequestSupplement;
  };
}

export interface QuoteResponse {
  GrpHdr: {
    MsgId: string;
    CreDtTm: string;
    /** FSPIOP `expiration`. */
    PmtInstrXpryDtTm: string;
    SttlmInf?: { SttlmMtd: 'CLRG' | 'INDA' | 'INGA' | 'COVE' };
  };
  CdtTrfTxInf: {
    /** TxId = the quote id (path). */
    PmtId: { TxId: string };
    /** The amount the payer transfers (FSPIOP transferAmount). */
    IntrBkSttlmAmt: Amount;
    /** FSPIOP payeeReceiveAmount. */
    InstdAmt?: Amount;
    /** FSPIOP payeeFspFee (no Tp) and payeeFspCommission (Tp.Cd COMM); Agt = the payee's agent. */
    ChrgsInf?: Charge[];
    /** FSPIOP condition. The ISO dialect derives it from the ILP v4 packet instead (it must match). */
    ExctnCond: string;
    /** IlpV4PrepPacket = FSPIOP ilpPacket. */
    VrfctnOfTerms: VerificationOfTerms;
    /**
     * Repeated from the quote request by the ISO dialects (required there; FSPIOP does not carry them).
     * The FSPIOP translator fills the agents from the headers (Dbtr = FSPIOP-Destination, Cdtr = FSPIOP-Source)
     * and the rest when the caller passes the request.
     */
    ChrgBr?: ChargeBearer;
    Dbtr?: Party;
    DbtrAgt?: Agent;
    Cdtr?: Party;
    CdtrAgt?: Agent;
    /**
     * FSPIOP data with no pacs.082 element (`extensions` = extensionList, `geoCode`), and the repeated parties'
     * name parts (`Dbtr`/`Cdtr`: personalInfo.complexName only, as in the request).
     */
    SplmtryData?: { extensions?: Extension[]; geoCode?: GeoCode; Dbtr?: PartySupplement; Cdtr?: PartySupplement; iso?: ForeignElements };
  };
}
