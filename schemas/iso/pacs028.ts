/**
 * pacs.028 FI-to-FI Payment Status Request (banks on the ISO 20022 XML edge; the FSPIOP equivalent
 * is GET /transfers/{ID}). The hub answers it with a pacs.002 built from its record of the transfer.
 * One transaction per request, or one whole message: a TxInf naming the original message (OrgnlGrpInf)
 * and none of its transactions asks about a bank's multi-transaction pacs.008 (docs/bulk.md).
 */
import type { Agent } from './common.js';
import type { OriginalTransactionReference } from './original.js';

export interface PaymentStatusRequest {
  GrpHdr: {
    MsgId: string;
    CreDtTm: string;
    InstgAgt?: Agent;
    InstdAgt?: Agent;
  };
  TxInf: OriginalTransactionReference & {
    /** The requester's id for this status request. */
    StsReqId?: string;
  };
}
