/**
 * Request to pay, canonical: ISO 20022 pain.013 Creditor Payment Activation Request. The payee's FSP (the creditor's
 * agent) asks the payer's FSP (the debtor's agent) to have its customer pay: FSPIOP POST /transactionRequests. One
 * payment instruction of one transaction, as FSPIOP carries; the element names are pain.013's (.001.07, the 2019
 * generation; .11 and .12 keep these elements). Every FSPIOP field is held: those without a pain.013 element in
 * `CdtTrfTx.SplmtryData`. The payer's answer is pain.014 (pain014.ts); OTP authorisation has none (authorizations.ts).
 */
import type { Amount } from '../amount.js';
import type { Agent, Extension, ForeignElements, GeoCode, Party, PartySupplement, SupportedCurrencies } from './common.js';
import type { TransactionTypeSupplement } from './quotes.js';

/** FSPIOP AuthenticationType (api-snippets v2.0: U2F too). */
export const AUTHENTICATION_TYPES = ['OTP', 'QRCODE', 'U2F'] as const;
export type AuthenticationType = (typeof AUTHENTICATION_TYPES)[number];

export function isAuthenticationType(value: string): value is AuthenticationType {
  return (AUTHENTICATION_TYPES as readonly string[]).includes(value);
}

/** FSPIOP POST /transactionRequests data without a pain.013 element. */
export interface TransactionRequestSupplement {
  /** Top-level `extensionList`. */
  extensions?: Extension[];
  /** Payer (`payer`, a PartyIdInfo: its extensionList) and payee party fields without an ISO element. */
  Dbtr?: PartySupplement;
  Cdtr?: PartySupplement;
  /** transactionType members other than the scenario (`Purp.Prtry`). */
  transactionType?: TransactionTypeSupplement;
  geoCode?: GeoCode;
  /**
   * FSPIOP `authenticationType`: the payee asks that the payer's customer authorise at the payee (OTP, QR code), which
   * the payer FSP then requests with GET /authorizations. ISO 20022 has no such element: a bank payer authenticates
   * its own customer (docs/r2p.md).
   */
  authenticationType?: AuthenticationType;
  /** ISO elements an ISO sender gave that this model does not type. */
  iso?: ForeignElements;
}

export type ChargeBearer = 'DEBT' | 'CRED' | 'SHAR' | 'SLEV';

/** pain.013 DateAndDateTime2Choice: a date (`Dt`, YYYY-MM-DD) or a date and time (`DtTm`). */
export interface DateOrDateTime {
  Dt?: string;
  DtTm?: string;
}

export interface Pain013 {
  GrpHdr: {
    /** The message id: the transaction request id for FSPIOP senders (their message has no id of its own). */
    MsgId: string;
    CreDtTm: string;
    NbOfTxs: '1';
    /** The party that initiated the request, when an ISO sender named one; renderers write the creditor otherwise. */
    InitgPty?: Party;
  };
  PmtInf: {
    /** Credit transfer: what the debtor is asked to make (cheques are not for this hub). */
    PmtMtd: 'TRF';
    /** When the debtor should pay, as an ISO sender gave it. FSPIOP has none: renderers write the creation time. */
    ReqdExctnDt?: DateOrDateTime;
    /** FSPIOP `expiration` (`DtTm`). */
    XpryDt?: DateOrDateTime;
    /** FSPIOP `payer` (a PartyIdInfo: no name). */
    Dbtr: Party;
    /** Payer's FSP: `Othr.Id` = payer.fspId (else FSPIOP-Destination), `ClrSysMmbId.MmbId` = payer.partySubIdOrType. */
    DbtrAgt: Agent;
    CdtTrfTx: {
      /**
       * `InstrId` = FSPIOP transactionRequestId: the element the payer's quote (pacs.081) and payment (pacs.008) carry
       * it in (contract iso20022-mapping.md §3.2). `EndToEndId` (required in ISO) when an ISO sender gave one that is
       * not the request id; renderers write the request id there otherwise.
       */
      PmtId: { InstrId: string; EndToEndId?: string };
      /** FSPIOP `amount`. */
      Amt: { InstdAmt: Amount };
      /** Required in pain.013, absent in FSPIOP: renderers write SLEV when absent. */
      ChrgBr?: ChargeBearer;
      /** Payee's FSP: `Othr.Id` = payee.partyIdInfo.fspId (else FSPIOP-Source), `ClrSysMmbId.MmbId` = its partySubIdOrType. */
      CdtrAgt: Agent;
      /** FSPIOP `payee`: Nm = name, Id = partyIdInfo type/identifier. */
      Cdtr: Party;
      /** Payee's supportedCurrencies (all of them). */
      CdtrAcct?: SupportedCurrencies;
      /** `Prtry` = FSPIOP transactionType.scenario. */
      Purp: { Prtry: string };
      /** FSPIOP `note` (one `Ustrd`); an ISO sender's remittance lines as given. */
      RmtInf?: { Ustrd: string[] };
      SplmtryData?: TransactionRequestSupplement;
    };
  };
}

/** The transaction request id of a request to pay. */
export function transactionRequestIdOf(m: Pain013): string {
  return m.PmtInf.CdtTrfTx.PmtId.InstrId;
}

/** The payer FSP (debtor agent) and the payee FSP (creditor agent) a request names. */
export function requestAgentsOf(m: Pain013): { payer?: string; payee?: string } {
  return { payer: m.PmtInf.DbtrAgt.FinInstnId.Othr?.Id, payee: m.PmtInf.CdtTrfTx.CdtrAgt.FinInstnId.Othr?.Id };
}
