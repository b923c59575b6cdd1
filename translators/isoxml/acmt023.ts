/**
 * acmt.023.001.04 Identification Verification Request <-> canonical PartyVerificationRequest
 * (discovery: "who is this party, and which FSP serves them?"). Pure. One verification per message.
 *
 * | canonical                              | acmt.023.001.04                                   |
 * |----------------------------------------|---------------------------------------------------|
 * | Assgnmt.MsgId, CreDtTm                 | Assgnmt/MsgId, CreDtTm                            |
 * | Assgnmt.Assgnr (asking FSP)            | Assgnmt/Assgnr/Agt/FinInstnId                     |
 * | Assgnmt.Assgne (named payee FSP)       | Assgnmt/Assgne/Agt/FinInstnId; absent = the hub   |
 * | Vrfctn.Id (`<Type>/<ID>[/<SubId>]`)    | Vrfctn/Id (Max35Text: a longer id is cut and the full one kept in supplementary data) |
 * | Vrfctn.PtyAndAcctId.Pty (Nm, Id)       | Vrfctn/PtyAndAcctId/Pty                           |
 * | Vrfctn.PtyAndAcctId.Agt                | Vrfctn/PtyAndAcctId/Agt                           |
 *
 * The schema requires an assignee: a request that names no payee FSP is addressed to the hub, so
 * the hub's FSP id is written there and read back as "not named".
 */
import type { Agent } from '../../schemas/iso/common.js';
import type { PartyVerificationRequest } from '../../schemas/iso/parties.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { schemaNamespace } from './catalog.js';
import {
  SupplementReader,
  agentFromXml,
  agentXml,
  assignmentPartyFromXml,
  assignmentPartyXml,
  partyFromXml,
  partyXml,
  readSupplement,
  supplementXml,
} from './common.js';
import { dateTimeText, maxText, readDateTime } from './values.js';
import { XNode, clipChars, documentElement, el, leaf } from './xml.js';

export interface DiscoveryContext {
  /** The hub's FSP id: the assignee of a request that names no payee FSP. */
  hubFspId: string;
}

function hubAgent(hubFspId: string): Agent {
  return { FinInstnId: { Othr: { Id: hubFspId } } };
}

export function acmt023ToXml(m: PartyVerificationRequest, context: DiscoveryContext): string {
  const a = m.Assgnmt;
  const v = m.Vrfctn;
  const supplement: Record<string, unknown> = {};
  const id = clipChars(v.Id, 35);
  if (id !== v.Id) supplement['Vrfctn.Id'] = v.Id;
  const assignee = a.Assgne ?? hubAgent(context.hubFspId);
  if (a.Assgne && a.Assgne.FinInstnId.Othr?.Id === context.hubFspId) {
    throw new TranslationError('Assgnmt.Assgne', 'the hub itself is written as "no assignee named"; leave Assgne out instead');
  }
  const assgnmt = el(
    'Assgnmt',
    leaf('MsgId', maxText(a.MsgId, 35, 'Assgnmt.MsgId')),
    leaf('CreDtTm', dateTimeText(a.CreDtTm, 'Assgnmt.CreDtTm')),
    assignmentPartyXml('Assgnr', a.Assgnr, 'Assgnmt.Assgnr'),
    assignmentPartyXml('Assgne', assignee, 'Assgnmt.Assgne'),
  );
  const p = v.PtyAndAcctId;
  const vrfctn = el(
    'Vrfctn',
    leaf('Id', maxText(id, 35, 'Vrfctn.Id')),
    el(
      'PtyAndAcctId',
      partyXml('Pty', p.Pty, { idMax: 256, required: true, field: 'Vrfctn.PtyAndAcctId.Pty' }),
      p.Agt && agentXml('Agt', p.Agt, 'Vrfctn.PtyAndAcctId.Agt'),
    ),
  );
  return documentElement(schemaNamespace('acmt.023.001.04'), el('IdVrfctnReq', assgnmt, vrfctn, supplementXml('/Document/IdVrfctnReq', supplement)));
}

export function acmt023FromXml(document: XNode, context: DiscoveryContext): PartyVerificationRequest {
  const root = document.req('IdVrfctnReq');
  const a = root.req('Assgnmt');
  const vs = root.children('Vrfctn');
  if (vs.length !== 1) throw root.fail(`one verification per message: ${vs.length} Vrfctn`);
  const v = vs[0]!;
  const supplement = new SupplementReader(readSupplement(root), root);
  const assignee = assignmentPartyFromXml(a.req('Assgne'));
  const m: PartyVerificationRequest = {
    Assgnmt: {
      MsgId: a.reqText('MsgId'),
      CreDtTm: readDateTime(a.req('CreDtTm')),
      Assgnr: assignmentPartyFromXml(a.req('Assgnr')),
    },
    Vrfctn: {
      Id: supplement.string('Vrfctn.Id') ?? v.reqText('Id'),
      PtyAndAcctId: { Pty: partyFromXml(v.at('PtyAndAcctId', 'Pty')) ?? {} },
    },
  };
  if (!(assignee.FinInstnId.Othr?.Id === context.hubFspId && assignee.FinInstnId.BICFI === undefined && assignee.FinInstnId.ClrSysMmbId === undefined)) {
    m.Assgnmt.Assgne = assignee;
  }
  const agt = v.at('PtyAndAcctId', 'Agt');
  if (agt) m.Vrfctn.PtyAndAcctId.Agt = agentFromXml(agt);
  return m;
}
