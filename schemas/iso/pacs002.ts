/**
 * pacs.002 FI-to-FI Payment Status Report: the canonical status of a transfer (fulfil, reject,
 * hub status answers, commit notifications).
 */
import type { Extension, StatusReason } from './common.js';

/** Mojaloop's transaction status codes (iso20022-mapping.md §1). */
export type TxSts = 'RECV' | 'RESV' | 'COMM' | 'ABOR';

export interface Pacs002 {
  GrpHdr: { MsgId: string; CreDtTm: string };
  TxInfAndSts: {
    OrgnlTxId?: string;
    /** Fulfilment (the condition's preimage), base64url. */
    ExctnConf?: string;
    PrcgDt?: { DtTm: string };
    TxSts?: TxSts;
    StsRsnInf?: StatusReason;
    SplmtryData?: { extensions: Extension[] };
  };
}
