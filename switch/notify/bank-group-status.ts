/**
 * The pacs.002 a bank gets about its multi-transaction pacs.008 (switch/core/bridge/bank-groups.ts): the canonical
 * bulk status (OrgnlGrpInfAndSts with the group status, one TxInfAndSts per transaction) and the references that name
 * the message and every transaction exactly the way the bank did. Pure.
 */
import type { BulkPacs002, BulkTransactionStatus, BulkTransferState } from '../../schemas/iso/bulk-transfers.js';
import type { OriginalTransactionReference } from '../../schemas/iso/original.js';
import type { BulkPacs002Context } from '../../translators/isoxml/bulk-pacs002.js';
import type { BankGroupStatus } from '../core/bridge/ports.js';
import { newMessageId } from '../core/status.js';
import { reasonIn } from './dialects.js';

const BANK = 'iso20022-xml';

function stateOf(status: BankGroupStatus): BulkTransferState {
  if (status.status === undefined) return 'PROCESSING';
  return status.status === 'RJCT' ? 'REJECTED' : 'COMPLETED';
}

export function groupStatusReport(status: BankGroupStatus): { message: BulkPacs002; context: BulkPacs002Context } {
  const references: Record<string, OriginalTransactionReference> = {};
  const TxInfAndSts = status.lines.map((line): BulkTransactionStatus => {
    references[line.id] = line.reference;
    if (line.status === 'RJCT' && line.reason) return { OrgnlTxId: line.id, TxSts: 'RJCT', StsRsnInf: reasonIn(BANK, line.reason) };
    return line.status ? { OrgnlTxId: line.id, TxSts: line.status } : { OrgnlTxId: line.id };
  });
  const message: BulkPacs002 = {
    GrpHdr: { MsgId: newMessageId(), CreDtTm: new Date().toISOString() },
    OrgnlGrpInfAndSts: { OrgnlMsgId: status.group.OrgnlMsgId, BulkTransferState: stateOf(status) },
    TxInfAndSts,
  };
  if (status.status !== undefined) message.OrgnlGrpInfAndSts.GrpSts = status.status;
  if (status.reason !== undefined) message.OrgnlGrpInfAndSts.StsRsnInf = reasonIn(BANK, status.reason);
  if (status.completedAt !== undefined) message.PrcgDt = { DtTm: status.completedAt };
  const context: BulkPacs002Context = { OrgnlMsgNmId: status.group.OrgnlMsgNmId, references };
  if (status.group.OrgnlCreDtTm !== undefined) context.OrgnlCreDtTm = status.group.OrgnlCreDtTm;
  return { message, context };
}
