/**
 * acmt.024.001.04 Identification Verification Report <-> canonical PartyVerificationReport (the
 * answer to discovery: the party found, or an error). Pure. One report per message.
 *
 * | canonical                                  | acmt.024.001.04                                          |
 * |--------------------------------------------|----------------------------------------------------------|
 * | Assgnmt.MsgId, CreDtTm, Assgnr, Assgne     | Assgnmt/MsgId, CreDtTm, Assgnr/Agt, Assgne/Agt           |
 * | Rpt.OrgnlId                                | Rpt/OrgnlId (Max35Text: a longer id is cut, the full one kept in supplementary data) |
 * | Rpt.Vrfctn                                 | Rpt/Vrfctn (true/false)                                  |
 * | Rpt.Rsn.{Cd|Prtry} (error code)            | Rpt/Rsn/{Cd|Prtry}                                       |
 * | Rpt.UpdtdPtyAndAcctId.Pty (Nm, Id)         | Rpt/UpdtdPtyAndAcctId/Pty                                |
 * | Rpt.UpdtdPtyAndAcctId.Acct.Ccys            | …/Acct/Ccy = the first; all of them in supplementary data when more than one |
 * | Rpt.UpdtdPtyAndAcctId.Agt                  | …/Agt/FinInstnId (Othr/Id = FSP id, ClrSysMmbId/MmbId = sub-id) |
 * | SplmtryData (party supplement, error text) | supplementary data                                       |
 * `OrgnlAssgnmt` (the request's MsgId and time) travels in an `Acmt024Context` beside the message.
 */
import type { PartyVerificationReport } from '../../schemas/iso/parties.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { schemaNamespace } from './catalog.js';
import {
  SupplementReader,
  agentFromXml,
  agentXml,
  assignmentPartyFromXml,
  assignmentPartyXml,
  isJsonData,
  partyFromXml,
  partyXml,
  readSupplement,
  reasonFromXml,
  reasonXml,
  supplementXml,
} from './common.js';
import { dateTimeText, maxText, readBoolean, readDateTime, writeBoolean } from './values.js';
import { XNode, clipChars, documentElement, el, leaf, optLeaf } from './xml.js';

export interface Acmt024Context {
  /** The request this report answers (acmt.023 Assgnmt/MsgId and CreDtTm). */
  OrgnlAssgnmt?: { MsgId?: string; CreDtTm?: string };
}

export function acmt024ToXml(m: PartyVerificationReport, context: Acmt024Context = {}): string {
  const a = m.Assgnmt;
  const r = m.Rpt;
  const supplement: Record<string, unknown> = {};
  const orgnlId = clipChars(r.OrgnlId, 35);
  if (orgnlId !== r.OrgnlId) supplement['Rpt.OrgnlId'] = r.OrgnlId;
  let updated = '';
  const u = r.UpdtdPtyAndAcctId;
  if (u) {
    let acct = '';
    if (u.Acct) {
      const ccys = u.Acct.Ccys;
      if (ccys.some((c) => !/^[A-Z]{3}$/.test(c))) throw new TranslationError('Rpt.UpdtdPtyAndAcctId.Acct.Ccys', 'not all are currency codes');
      acct = el('Acct', optLeaf('Ccy', ccys[0]));
      if (ccys.length !== 1) supplement['Rpt.UpdtdPtyAndAcctId.Acct.Ccys'] = ccys;
    }
    updated = el(
      'UpdtdPtyAndAcctId',
      partyXml('Pty', u.Pty, { idMax: 256, required: true, field: 'Rpt.UpdtdPtyAndAcctId.Pty' }),
      acct,
      u.Agt && agentXml('Agt', u.Agt, 'Rpt.UpdtdPtyAndAcctId.Agt'),
    );
  }
  if (m.SplmtryData !== undefined) supplement['SplmtryData'] = m.SplmtryData;
  if (!isJsonData(supplement)) throw new TranslationError('SplmtryData', 'holds values JSON cannot carry');
  const o = context.OrgnlAssgnmt;
  const orig =
    o && (o.MsgId !== undefined || o.CreDtTm !== undefined)
      ? el(
          'OrgnlAssgnmt',
          optLeaf('MsgId', o.MsgId === undefined ? undefined : maxText(o.MsgId, 35, 'context.OrgnlAssgnmt.MsgId')),
          optLeaf('CreDtTm', o.CreDtTm === undefined ? undefined : dateTimeText(o.CreDtTm, 'context.OrgnlAssgnmt.CreDtTm')),
        )
      : '';
  const body = el(
    'IdVrfctnRpt',
    el(
      'Assgnmt',
      leaf('MsgId', maxText(a.MsgId, 35, 'Assgnmt.MsgId')),
      leaf('CreDtTm', dateTimeText(a.CreDtTm, 'Assgnmt.CreDtTm')),
      assignmentPartyXml('Assgnr', a.Assgnr, 'Assgnmt.Assgnr'),
      assignmentPartyXml('Assgne', a.Assgne, 'Assgnmt.Assgne'),
    ),
    orig,
    el('Rpt', leaf('OrgnlId', maxText(orgnlId, 35, 'Rpt.OrgnlId')), leaf('Vrfctn', writeBoolean(r.Vrfctn)), reasonXml(r.Rsn, 'Rpt.Rsn'), updated),
    supplementXml('/Document/IdVrfctnRpt', supplement),
  );
  return documentElement(schemaNamespace('acmt.024.001.04'), body);
}

export function acmt024FromXml(document: XNode): { message: PartyVerificationReport; context: Acmt024Context } {
  const root = document.req('IdVrfctnRpt');
  const a = root.req('Assgnmt');
  const rpts = root.children('Rpt');
  if (rpts.length !== 1) throw root.fail(`one report per message: ${rpts.length} Rpt`);
  const r = rpts[0]!;
  const supplement = new SupplementReader(readSupplement(root), root);
  const message: PartyVerificationReport = {
    Assgnmt: {
      MsgId: a.reqText('MsgId'),
      CreDtTm: readDateTime(a.req('CreDtTm')),
      Assgnr: assignmentPartyFromXml(a.req('Assgnr')),
      Assgne: assignmentPartyFromXml(a.req('Assgne')),
    },
    Rpt: { OrgnlId: supplement.string('Rpt.OrgnlId') ?? r.reqText('OrgnlId'), Vrfctn: readBoolean(r.req('Vrfctn')) },
  };
  const rsn = reasonFromXml(r.child('Rsn'));
  if (rsn) message.Rpt.Rsn = rsn;
  const u = r.child('UpdtdPtyAndAcctId');
  if (u) {
    const upd: NonNullable<PartyVerificationReport['Rpt']['UpdtdPtyAndAcctId']> = { Pty: partyFromXml(u.child('Pty')) ?? {} };
    const acct = u.child('Acct');
    if (acct) {
      const all = supplement.strings('Rpt.UpdtdPtyAndAcctId.Acct.Ccys');
      const ccy = acct.textOf('Ccy');
      upd.Acct = { Ccys: all ?? (ccy === undefined ? [] : [ccy]) };
    }
    const agt = u.child('Agt');
    if (agt) upd.Agt = agentFromXml(agt);
    message.Rpt.UpdtdPtyAndAcctId = upd;
  }
  const splmtry = supplement.object<NonNullable<PartyVerificationReport['SplmtryData']>>('SplmtryData', (v) => isJsonData(v));
  if (splmtry) message.SplmtryData = splmtry;
  const context: Acmt024Context = {};
  const o = root.child('OrgnlAssgnmt');
  if (o) {
    context.OrgnlAssgnmt = {};
    const id = o.textOf('MsgId');
    if (id !== undefined) context.OrgnlAssgnmt.MsgId = id;
    const cre = o.child('CreDtTm');
    if (cre) context.OrgnlAssgnmt.CreDtTm = readDateTime(cre);
  }
  return { message, context };
}
