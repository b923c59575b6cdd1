/**
 * pacs.002 FI-to-FI Payment Status Report: the canonical status of a transfer (PUT /transfers/{ID} fulfil,
 * PATCH /transfers/{ID} commit notification, hub status answers) and the error report of transfers and quotes
 * (PUT /transfers/{ID}/error, PUT /quotes/{ID}/error: StsRsnInf, no TxSts).
 */
import type { Extension, StatusReason } from './common.js';

/** Mojaloop's transaction status codes (iso20022-mapping.md §1). */
export type TxSts = 'RECV' | 'RESV' | 'COMM' | 'ABOR';

export interface Pacs002 {
  GrpHdr: { MsgId: string; CreDtTm: string };
  TxInfAndSts: {
    /** The transfer (or quote) id from the path. Renderers of the Mojaloop ISO JSON dialect do not write it. */
    OrgnlTxId?: string;
    /** Fulfilment (the condition's preimage), base64url (FSPIOP `fulfilment`). */
    ExctnConf?: string;
    /** FSPIOP `completedTimestamp`. */
    PrcgDt?: { DtTm: string };
    /** FSPIOP `transferState` (status form only). */
    TxSts?: TxSts;
    /** Error form: FSPIOP errorInformation. */
    StsRsnInf?: StatusReason;
    /** FSPIOP `extensionList` of the status body (the ISO JSON dialect carries it in TxInfAndSts.SplmtryData). */
    SplmtryData?: { extensions: Extension[] };
  };
}
