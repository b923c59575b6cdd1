/**
 * References to an earlier message and transaction, shared by the status request (pacs.028), the
 * status report's correlation data (pacs.002), the cancellation request (camt.056) and its
 * resolution (camt.029). Element names are the ISO 20022 tags.
 */

/** ISO OriginalGroupInformation: the message an answer or a request refers to. */
export interface OriginalGroupInformation {
  /** MsgId (GrpHdr/MsgId) of the original message. */
  OrgnlMsgId: string;
  /** Its message definition, e.g. `pacs.008.001.08`. */
  OrgnlMsgNmId: string;
  OrgnlCreDtTm?: string;
}

/** The identifiers of the original transaction (any of them may be given; TxId is the hub's transfer id). */
export interface OriginalTransactionReference {
  OrgnlGrpInf?: OriginalGroupInformation;
  OrgnlInstrId?: string;
  OrgnlEndToEndId?: string;
  /** The transfer id (pacs.008 PmtId/TxId). */
  OrgnlTxId?: string;
  OrgnlUETR?: string;
}
