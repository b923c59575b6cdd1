/**
 * pacs.028 FI-to-FI Payment Status Request (pacs.028.001.03 and .07) <-> canonical
 * PaymentStatusRequest. Pure. One TxInf per request; the hub answers with a pacs.002 built from its
 * record of the transfer (found by OrgnlTxId, or the other original references). A request about a
 * whole message (a bank's pacs.008 with many transactions, docs/bulk.md) is one OrgnlGrpInf and no
 * TxInf; canonically a TxInf that names the original message and no transaction.
 *
 * | canonical                                   | XML (both versions)                          |
 * |---------------------------------------------|----------------------------------------------|
 * | GrpHdr.MsgId, CreDtTm, InstgAgt, InstdAgt   | GrpHdr/MsgId, CreDtTm, InstgAgt, InstdAgt    |
 * | TxInf.StsReqId                              | TxInf/StsReqId                               |
 * | TxInf.OrgnlGrpInf, OrgnlInstrId, OrgnlEndToEndId, OrgnlTxId, OrgnlUETR | TxInf/… (same names) |
 * | TxInf with OrgnlGrpInf alone (no StsReqId) | OrgnlGrpInf (no TxInf)                       |
 */
import type { PaymentStatusRequest } from '../../schemas/iso/pacs028.js';
import { schemaNamespace } from './catalog.js';
import { agentFromXml, agentXml } from './common.js';
import { originalFromXml, originalIdsXml, originalUetrXml } from './original.js';
import { originalGroupFromXml, originalGroupXml } from './pacs002.js';
import { dateTimeText, maxText, readDateTime } from './values.js';
import { XNode, documentElement, el, leaf, optLeaf } from './xml.js';

export type Pacs028Version = 'pacs.028.001.03' | 'pacs.028.001.07';

export function pacs028ToXml(m: PaymentStatusRequest, version: Pacs028Version): string {
  const g = m.GrpHdr;
  const t = m.TxInf;
  const grpHdr = el(
    'GrpHdr',
    leaf('MsgId', maxText(g.MsgId, 35, 'GrpHdr.MsgId')),
    leaf('CreDtTm', dateTimeText(g.CreDtTm, 'GrpHdr.CreDtTm')),
    g.InstgAgt && agentXml('InstgAgt', g.InstgAgt, 'GrpHdr.InstgAgt'),
    g.InstdAgt && agentXml('InstdAgt', g.InstdAgt, 'GrpHdr.InstdAgt'),
  );
  if (isGroupRequest(m)) return documentElement(schemaNamespace(version), el('FIToFIPmtStsReq', grpHdr, originalGroupXml(t.OrgnlGrpInf!, 'OrgnlGrpInf')));
  const txInf = el(
    'TxInf',
    optLeaf('StsReqId', t.StsReqId === undefined ? undefined : maxText(t.StsReqId, 35, 'TxInf.StsReqId')),
    originalIdsXml(t, 'TxInf'),
    originalUetrXml(t, 'TxInf'),
  );
  return documentElement(schemaNamespace(version), el('FIToFIPmtStsReq', grpHdr, txInf));
}

/** A request about a whole original message: it names the message (OrgnlGrpInf) and no transaction of it. */
export function isGroupRequest(m: PaymentStatusRequest): boolean {
  const t = m.TxInf;
  return t.OrgnlGrpInf !== undefined && t.StsReqId === undefined && [t.OrgnlInstrId, t.OrgnlEndToEndId, t.OrgnlTxId, t.OrgnlUETR].every((v) => v === undefined);
}

export function pacs028FromXml(document: XNode, version: Pacs028Version): PaymentStatusRequest {
  void version;
  const root = document.req('FIToFIPmtStsReq');
  const g = root.req('GrpHdr');
  const txs = root.children('TxInf');
  const groups = root.children('OrgnlGrpInf');
  if (txs.length === 0 && groups.length === 1) {
    return { GrpHdr: groupHeaderFromXml(g), TxInf: { OrgnlGrpInf: originalGroupFromXml(groups[0])! } };
  }
  if (txs.length !== 1) throw root.fail(`one transaction (TxInf), or one original message (OrgnlGrpInf), per status request: ${txs.length} TxInf`);
  const t = txs[0]!;
  const m: PaymentStatusRequest = { GrpHdr: groupHeaderFromXml(g), TxInf: originalFromXml(t) };
  const id = t.textOf('StsReqId');
  if (id !== undefined) m.TxInf.StsReqId = id;
  return m;
}

function groupHeaderFromXml(g: XNode): PaymentStatusRequest['GrpHdr'] {
  const header: PaymentStatusRequest['GrpHdr'] = { MsgId: g.reqText('MsgId'), CreDtTm: readDateTime(g.req('CreDtTm')) };
  const instg = g.child('InstgAgt');
  if (instg) header.InstgAgt = agentFromXml(instg);
  const instd = g.child('InstdAgt');
  if (instd) header.InstdAgt = agentFromXml(instd);
  return header;
}
