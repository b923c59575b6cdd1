/**
 * The original-transaction references shared by pacs.028, camt.056 and camt.029 (same element names
 * and order in every supported version): OrgnlGrpInf, OrgnlInstrId, OrgnlEndToEndId, OrgnlTxId,
 * then (camt.0xx: OrgnlClrSysRef,) OrgnlUETR.
 */
import type { OriginalTransactionReference } from '../../schemas/iso/original.js';
import { originalGroupFromXml, originalGroupXml, uetrXml } from './pacs002.js';
import { maxText } from './values.js';
import { XNode, optLeaf } from './xml.js';

/** Everything up to and including OrgnlTxId (the UETR's place differs between messages). */
export function originalIdsXml(r: OriginalTransactionReference, field: string): string {
  return (
    (r.OrgnlGrpInf ? originalGroupXml(r.OrgnlGrpInf, `${field}.OrgnlGrpInf`) : '') +
    optLeaf('OrgnlInstrId', r.OrgnlInstrId === undefined ? undefined : maxText(r.OrgnlInstrId, 35, `${field}.OrgnlInstrId`)) +
    optLeaf('OrgnlEndToEndId', r.OrgnlEndToEndId === undefined ? undefined : maxText(r.OrgnlEndToEndId, 35, `${field}.OrgnlEndToEndId`)) +
    optLeaf('OrgnlTxId', r.OrgnlTxId === undefined ? undefined : maxText(r.OrgnlTxId, 35, `${field}.OrgnlTxId`))
  );
}

export function originalUetrXml(r: OriginalTransactionReference, field: string): string {
  return uetrXml('OrgnlUETR', r.OrgnlUETR, `${field}.OrgnlUETR`);
}

export function originalFromXml(node: XNode): OriginalTransactionReference {
  const r: OriginalTransactionReference = {};
  const grp = originalGroupFromXml(node.child('OrgnlGrpInf'));
  if (grp) r.OrgnlGrpInf = grp;
  for (const k of ['OrgnlInstrId', 'OrgnlEndToEndId', 'OrgnlTxId', 'OrgnlUETR'] as const) {
    const v = node.textOf(k);
    if (v !== undefined) r[k] = v;
  }
  return r;
}
