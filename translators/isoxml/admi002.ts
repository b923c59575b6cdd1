/**
 * admi.002.001.01 Message Reject <-> canonical MessageReject: the hub's answer to an XML message it
 * cannot accept at all. Pure. (admi.002.001.01's Document child is named `admi.002.001.01`.)
 *
 * | canonical            | XML                                  |
 * |----------------------|--------------------------------------|
 * | RltdRef.Ref          | RltdRef/Ref (the rejected BizMsgIdr, or NONREF) |
 * | Rsn.RjctgPtyRsn      | Rsn/RjctgPtyRsn (Max35Text: FF01, DS0B, …)      |
 * | Rsn.RjctnDtTm        | Rsn/RjctnDtTm                          |
 * | Rsn.ErrLctn          | Rsn/ErrLctn (Max350Text)               |
 * | Rsn.RsnDesc          | Rsn/RsnDesc (Max350Text)               |
 * | Rsn.AddtlData        | Rsn/AddtlData (Max20000Text)           |
 */
import type { MessageReject } from '../../schemas/iso/admi002.js';
import { schemaNamespace } from './catalog.js';
import { formatLocation, type XmlRejection } from './rejection.js';
import { dateTimeText, maxText, readDateTime } from './values.js';
import { XNode, clipChars, documentElement, el, leaf, optLeaf } from './xml.js';

const ROOT = 'admi.002.001.01';

export function admi002ToXml(m: MessageReject): string {
  const r = m.Rsn;
  return documentElement(
    schemaNamespace('admi.002.001.01'),
    el(
      ROOT,
      el('RltdRef', leaf('Ref', maxText(m.RltdRef.Ref, 35, 'RltdRef.Ref'))),
      el(
        'Rsn',
        leaf('RjctgPtyRsn', maxText(r.RjctgPtyRsn, 35, 'Rsn.RjctgPtyRsn')),
        optLeaf('RjctnDtTm', r.RjctnDtTm === undefined ? undefined : dateTimeText(r.RjctnDtTm, 'Rsn.RjctnDtTm')),
        optLeaf('ErrLctn', r.ErrLctn === undefined ? undefined : maxText(r.ErrLctn, 350, 'Rsn.ErrLctn')),
        optLeaf('RsnDesc', r.RsnDesc === undefined ? undefined : maxText(r.RsnDesc, 350, 'Rsn.RsnDesc')),
        optLeaf('AddtlData', r.AddtlData === undefined ? undefined : maxText(r.AddtlData, 20000, 'Rsn.AddtlData')),
      ),
    ),
  );
}

export function admi002FromXml(document: XNode): MessageReject {
  const root = document.req(ROOT);
  const rsn = root.req('Rsn');
  const m: MessageReject = { RltdRef: { Ref: root.req('RltdRef').reqText('Ref') }, Rsn: { RjctgPtyRsn: rsn.reqText('RjctgPtyRsn') } };
  const dt = rsn.child('RjctnDtTm');
  if (dt) m.Rsn.RjctnDtTm = readDateTime(dt);
  for (const k of ['ErrLctn', 'RsnDesc', 'AddtlData'] as const) {
    const v = rsn.textOf(k);
    if (v !== undefined) m.Rsn[k] = v;
  }
  return m;
}

/** The reject the hub sends for an XmlRejection (`ref`: the rejected message's BizMsgIdr when it could be read). */
export function messageRejectOf(rejection: XmlRejection, ref: string | undefined, now: Date = new Date()): MessageReject {
  const m: MessageReject = {
    RltdRef: { Ref: ref && ref.length > 0 ? clipChars(ref, 35) : 'NONREF' },
    Rsn: { RjctgPtyRsn: rejection.reasonCode, RjctnDtTm: now.toISOString(), RsnDesc: clipChars(rejection.description, 350) },
  };
  if (rejection.location) {
    const loc = formatLocation(rejection.location);
    if (loc) m.Rsn.ErrLctn = clipChars(loc, 350);
  }
  return m;
}
