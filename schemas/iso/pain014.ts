/**
 * The payer's answer to a request to pay, canonical: ISO 20022 pain.014 Creditor Payment Activation Request Status
 * Report. FSPIOP PUT /transactionRequests/{ID} (a state, and the payer's transaction id once it has one) and
 * PUT /transactionRequests/{ID}/error (a rejection with its reason, `StsRsnInf`). One transaction: its status sits in
 * `TxInfAndSts` at the top, as in pacs002.ts; the XML renderer nests it under OrgnlPmtInfAndSts.
 */
import type { Agent, Extension, ForeignElements, Party, StatusReason } from './common.js';

/**
 * ISO ExternalPaymentTransactionStatus1Code of each FSPIOP TransactionRequestState. A sender may give another code
 * (e.g. ACTC, technical acceptance); it is held as given and read as the state `stateOfStatus` says.
 */
export const REQUEST_STATUS = { RECEIVED: 'RCVD', PENDING: 'PDNG', ACCEPTED: 'ACCP', REJECTED: 'RJCT' } as const;
export type TransactionRequestState = keyof typeof REQUEST_STATUS;

/** ISO statuses read as an FSPIOP state beside the four of REQUEST_STATUS. */
const OTHER_STATUSES: Readonly<Record<string, TransactionRequestState>> = {
  ACTC: 'RECEIVED',
  ACSP: 'ACCEPTED',
  ACSC: 'ACCEPTED',
  ACWC: 'ACCEPTED',
  ACCC: 'ACCEPTED',
  ACWP: 'ACCEPTED',
};

/** The FSPIOP state of an ISO status code, or undefined when the code says none of them. */
export function stateOfStatus(status: string): TransactionRequestState | undefined {
  for (const [state, code] of Object.entries(REQUEST_STATUS)) if (code === status) return state as TransactionRequestState;
  return OTHER_STATUSES[status];
}

export interface Pain014 {
  GrpHdr: {
    MsgId: string;
    CreDtTm: string;
    /** As an ISO sender gave them (the XML renderer writes the debtor and creditor agents otherwise). */
    InitgPty?: Party;
    DbtrAgt?: Agent;
    CdtrAgt?: Agent;
  };
  /** The request message reported on, when known (XML: required; the renderer names the request id otherwise). */
  OrgnlGrpInfAndSts?: { OrgnlMsgId: string; OrgnlMsgNmId: string; OrgnlCreDtTm?: string };
  TxInfAndSts: {
    /** The transaction request id (the FSPIOP path id): the request's `PmtId.InstrId`. */
    OrgnlInstrId: string;
    /** The request's EndToEndId, when an ISO sender gave one that is not the request id. */
    OrgnlEndToEndId?: string;
    /** FSPIOP transactionRequestState (REQUEST_STATUS); an error report is RJCT. */
    TxSts: string;
    /** Error form (PUT /transactionRequests/{ID}/error): the FSPIOP errorInformation. */
    StsRsnInf?: StatusReason;
    /**
     * FSPIOP `transactionId`: the payer FSP's id of the transaction that will pay the request (the debtor agent's own
     * reference: ISO AcctSvcrRef).
     */
    AcctSvcrRef?: string;
    /** FSPIOP `extensionList` (`extensions`), foreign ISO elements. */
    SplmtryData?: { extensions?: Extension[]; iso?: ForeignElements };
  };
}

/** Whether a report is the error form (FSPIOP PUT .../error). */
export function isRequestError(m: Pain014): boolean {
  return m.TxInfAndSts.StsRsnInf !== undefined;
}
