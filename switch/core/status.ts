/** Status reports the hub authors about a transfer, as canonical pacs.002. */
import { monotonicFactory } from 'ulidx';
import type { Pacs002, TxSts } from '../../schemas/iso/pacs002.js';

const ulid = monotonicFactory();

const TX_STS: Record<'RECEIVED' | 'RESERVED' | 'COMMITTED' | 'ABORTED', TxSts> = {
  RECEIVED: 'RECV',
  RESERVED: 'RESV',
  COMMITTED: 'COMM',
  ABORTED: 'ABOR',
};

export function newMessageId(): string {
  return ulid();
}

export function hubStatus(transferId: string, view: { state: keyof typeof TX_STS; completedAt?: string; fulfilment?: string; cause?: string }): Pacs002 {
  const message: Pacs002 = {
    GrpHdr: { MsgId: newMessageId(), CreDtTm: new Date().toISOString() },
    TxInfAndSts: { OrgnlTxId: transferId, TxSts: TX_STS[view.state] },
  };
  if (view.fulfilment) message.TxInfAndSts.ExctnConf = view.fulfilment;
  if (view.completedAt) message.TxInfAndSts.PrcgDt = { DtTm: view.completedAt };
  if (view.cause) message.TxInfAndSts.SplmtryData = { extensions: [{ key: 'cause', value: view.cause }] };
  return message;
}
