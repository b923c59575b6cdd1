/**
 * head.001 Business Application Header (versions .02, .03, .04) <-> canonical
 * `BusinessApplicationHeader`. Pure.
 *
 * Participants in `Fr`/`To`: `FIId/FinInstnId` with `Othr/Id` (the FSP id), `BICFI` or `ClrSysMmbId`
 * (clearing-system member id): the hub writes what the participant registered (switch/directory/agents.ts)
 * and the edge maps any of them back to the participant. The other head.001 choice (`OrgId`) is
 * refused: the parties of this edge are financial institutions.
 *
 * Element order (XSD sequence, the same in .02–.04): CharSet, Fr, To, BizMsgIdr, MsgDefIdr, BizSvc,
 * MktPrctc, CreDt, BizPrcgDt, CpyDplct, PssblDplct, Prty, Sgntr, Rltd. `Sgntr` is written by
 * signature.ts, never here.
 */
import type { BahParty, BusinessApplicationHeader, RelatedHeader } from '../../schemas/iso/head001.js';
import type { FinInstnId } from '../../schemas/iso/common.js';
import { schemaNamespace, type HeadVersion } from './catalog.js';
import { dateTimeText, readBoolean, readDateTime, writeBoolean } from './values.js';
import { XNode, el, escapeAttr, leaf, optLeaf } from './xml.js';

// ------------------------------------------------------------------------------------------ reading

export function finInstnIdFromXml(node: XNode): FinInstnId {
  const out: FinInstnId = {};
  const bic = node.textOf('BICFI');
  if (bic !== undefined) out.BICFI = bic;
  const clrSys = node.child('ClrSysMmbId');
  if (clrSys) {
    const member: NonNullable<FinInstnId['ClrSysMmbId']> = { MmbId: clrSys.reqText('MmbId') };
    const system = clrSys.child('ClrSysId');
    if (system) {
      const cd = system.textOf('Cd');
      member.ClrSysId = cd !== undefined ? { Cd: cd } : { Prtry: system.reqText('Prtry') };
    }
    out.ClrSysMmbId = member;
  }
  const othr = node.at('Othr', 'Id');
  if (othr) out.Othr = { Id: othr.text() };
  return out;
}

function partyFromXml(node: XNode): BahParty {
  const fi = node.child('FIId');
  if (!fi) throw node.fail(`${node.localName} must identify a financial institution (FIId): OrgId is not accepted`);
  const id = finInstnIdFromXml(fi.req('FinInstnId'));
  if (id.Othr === undefined && id.BICFI === undefined && id.ClrSysMmbId === undefined) {
    throw node.fail(`${node.localName}/FIId/FinInstnId must carry Othr/Id (the FSP id), BICFI or ClrSysMmbId`);
  }
  return { FIId: { FinInstnId: id } };
}

function relatedFromXml(node: XNode): RelatedHeader {
  const r: RelatedHeader = {
    Fr: partyFromXml(node.req('Fr')),
    To: partyFromXml(node.req('To')),
    BizMsgIdr: node.reqText('BizMsgIdr'),
    MsgDefIdr: node.reqText('MsgDefIdr'),
    CreDt: readDateTime(node.req('CreDt')),
  };
  const svc = node.textOf('BizSvc');
  if (svc !== undefined) r.BizSvc = svc;
  return r;
}

/** Reads a schema-valid AppHdr. */
export function headerFromXml(appHdr: XNode): BusinessApplicationHeader {
  const h: BusinessApplicationHeader = {
    Fr: partyFromXml(appHdr.req('Fr')),
    To: partyFromXml(appHdr.req('To')),
    BizMsgIdr: appHdr.reqText('BizMsgIdr'),
    MsgDefIdr: appHdr.reqText('MsgDefIdr'),
    CreDt: readDateTime(appHdr.req('CreDt')),
  };
  const svc = appHdr.textOf('BizSvc');
  if (svc !== undefined) h.BizSvc = svc;
  const prcg = appHdr.child('BizPrcgDt');
  if (prcg) h.BizPrcgDt = readDateTime(prcg);
  const cpy = appHdr.textOf('CpyDplct');
  if (cpy !== undefined) h.CpyDplct = cpy as BusinessApplicationHeader['CpyDplct'];
  const dup = appHdr.child('PssblDplct');
  if (dup) h.PssblDplct = readBoolean(dup);
  const prty = appHdr.textOf('Prty');
  if (prty !== undefined) h.Prty = prty;
  const rltd = appHdr.children('Rltd');
  if (rltd.length > 0) h.Rltd = rltd.map(relatedFromXml);
  return h;
}

// ------------------------------------------------------------------------------------------ writing

/** FinancialInstitutionIdentification (18/23): BICFI, ClrSysMmbId (ClrSysId, MmbId), LEI, Nm, PstlAdr, Othr. */
export function finInstnIdXml(id: FinInstnId): string {
  const member = id.ClrSysMmbId;
  const system = member?.ClrSysId;
  return el(
    'FinInstnId',
    optLeaf('BICFI', id.BICFI),
    member &&
      el(
        'ClrSysMmbId',
        system && el('ClrSysId', system.Cd !== undefined ? leaf('Cd', system.Cd) : leaf('Prtry', system.Prtry ?? '')),
        leaf('MmbId', member.MmbId),
      ),
    id.Othr && el('Othr', leaf('Id', id.Othr.Id)),
  );
}

function partyXml(name: string, party: BahParty): string {
  return el(name, el('FIId', finInstnIdXml(party.FIId.FinInstnId)));
}

function relatedXml(r: RelatedHeader): string {
  return el(
    'Rltd',
    partyXml('Fr', r.Fr),
    partyXml('To', r.To),
    leaf('BizMsgIdr', r.BizMsgIdr),
    leaf('MsgDefIdr', r.MsgDefIdr),
    optLeaf('BizSvc', r.BizSvc),
    leaf('CreDt', dateTimeText(r.CreDt, 'Rltd/CreDt')),
  );
}

/** Renders the AppHdr element (with its default namespace) of a head.001 version. */
export function headerToXml(h: BusinessApplicationHeader, version: HeadVersion): string {
  const inner =
    partyXml('Fr', h.Fr) +
    partyXml('To', h.To) +
    leaf('BizMsgIdr', h.BizMsgIdr) +
    leaf('MsgDefIdr', h.MsgDefIdr) +
    optLeaf('BizSvc', h.BizSvc) +
    leaf('CreDt', dateTimeText(h.CreDt, 'AppHdr/CreDt')) +
    optLeaf('BizPrcgDt', h.BizPrcgDt === undefined ? undefined : dateTimeText(h.BizPrcgDt, 'AppHdr/BizPrcgDt')) +
    optLeaf('CpyDplct', h.CpyDplct) +
    optLeaf('PssblDplct', h.PssblDplct === undefined ? undefined : writeBoolean(h.PssblDplct)) +
    optLeaf('Prty', h.Prty) +
    (h.Rltd ?? []).map(relatedXml).join('');
  return `<AppHdr xmlns="${escapeAttr(schemaNamespace(version))}">${inner}</AppHdr>`;
}

/** A BAH party for an FSP id (and BIC when known). */
export function bahParty(fspId: string, bicfi?: string): BahParty {
  const FinInstnId: FinInstnId = { Othr: { Id: fspId } };
  if (bicfi !== undefined) FinInstnId.BICFI = bicfi;
  return { FIId: { FinInstnId } };
}
