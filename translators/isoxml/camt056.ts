/**
 * camt.056 FI-to-FI Payment Cancellation Request (camt.056.001.08 and .12) <-> canonical
 * CancellationRequest. Pure. One Undrlyg/TxInf per request; the hub answers with a camt.029.
 *
 * | canonical                                  | XML (both versions)                               |
 * |--------------------------------------------|---------------------------------------------------|
 * | Assgnmt.Id, Assgnr, Assgne, CreDtTm        | Assgnmt/Id, Assgnr/Agt, Assgne/Agt, CreDtTm        |
 * | Case.Id, Case.Cretr                        | Case/Id, Case/Cretr/Agt                            |
 * | TxInf.CxlId                                | Undrlyg/TxInf/CxlId                                |
 * | TxInf.OrgnlGrpInf … OrgnlTxId, OrgnlUETR   | Undrlyg/TxInf/… (same names)                       |
 * | TxInf.OrgnlIntrBkSttlmAmt, OrgnlIntrBkSttlmDt | Undrlyg/TxInf/OrgnlIntrBkSttlmAmt (Ccy), OrgnlIntrBkSttlmDt |
 * | TxInf.CxlRsnInf.Rsn, AddtlInf              | Undrlyg/TxInf/CxlRsnInf/Rsn/{Cd|Prtry}, AddtlInf   |
 */
import type { CancellationRequest } from '../../schemas/iso/camt056.js';
import { schemaNamespace } from './catalog.js';
import { addtlInfFromXml, addtlInfXml, assignmentPartyFromXml, assignmentPartyXml, reasonFromXml, reasonXml } from './common.js';
import { originalFromXml, originalIdsXml, originalUetrXml } from './original.js';
import { amountXml, dateText, dateTimeText, maxText, readAmount, readDateTime } from './values.js';
import { XNode, documentElement, el, leaf, optLeaf } from './xml.js';

export type Camt056Version = 'camt.056.001.08' | 'camt.056.001.12';

export function camt056ToXml(m: CancellationRequest, version: Camt056Version): string {
  const a = m.Assgnmt;
  const t = m.TxInf;
  const assgnmt = el(
    'Assgnmt',
    leaf('Id', maxText(a.Id, 35, 'Assgnmt.Id')),
    assignmentPartyXml('Assgnr', a.Assgnr, 'Assgnmt.Assgnr'),
    assignmentPartyXml('Assgne', a.Assgne, 'Assgnmt.Assgne'),
    leaf('CreDtTm', dateTimeText(a.CreDtTm, 'Assgnmt.CreDtTm')),
  );
  const kase = m.Case && el('Case', leaf('Id', maxText(m.Case.Id, 35, 'Case.Id')), assignmentPartyXml('Cretr', m.Case.Cretr, 'Case.Cretr'));
  const r = t.CxlRsnInf;
  const txInf = el(
    'TxInf',
    optLeaf('CxlId', t.CxlId === undefined ? undefined : maxText(t.CxlId, 35, 'TxInf.CxlId')),
    originalIdsXml(t, 'TxInf'),
    originalUetrXml(t, 'TxInf'),
    t.OrgnlIntrBkSttlmAmt && amountXml('OrgnlIntrBkSttlmAmt', t.OrgnlIntrBkSttlmAmt, 'TxInf.OrgnlIntrBkSttlmAmt'),
    optLeaf('OrgnlIntrBkSttlmDt', t.OrgnlIntrBkSttlmDt === undefined ? undefined : dateText(t.OrgnlIntrBkSttlmDt, 'TxInf.OrgnlIntrBkSttlmDt')),
    r && el('CxlRsnInf', reasonXml(r.Rsn, 'TxInf.CxlRsnInf.Rsn'), addtlInfXml(r.AddtlInf, 'TxInf.CxlRsnInf.AddtlInf')),
  );
  return documentElement(schemaNamespace(version), el('FIToFIPmtCxlReq', assgnmt, kase, el('Undrlyg', txInf)));
}

export function camt056FromXml(document: XNode, version: Camt056Version): CancellationRequest {
  void version;
  const root = document.req('FIToFIPmtCxlReq');
  const a = root.req('Assgnmt');
  const txs = root.children('Undrlyg').flatMap((u) => u.children('TxInf'));
  if (txs.length !== 1) throw root.fail(`one transaction per cancellation request: ${txs.length} Undrlyg/TxInf`);
  const t = txs[0]!;
  const m: CancellationRequest = {
    Assgnmt: {
      Id: a.reqText('Id'),
      Assgnr: assignmentPartyFromXml(a.req('Assgnr')),
      Assgne: assignmentPartyFromXml(a.req('Assgne')),
      CreDtTm: readDateTime(a.req('CreDtTm')),
    },
    TxInf: originalFromXml(t),
  };
  const kase = root.child('Case');
  if (kase) m.Case = { Id: kase.reqText('Id'), Cretr: assignmentPartyFromXml(kase.req('Cretr')) };
  const cxlId = t.textOf('CxlId');
  if (cxlId !== undefined) m.TxInf.CxlId = cxlId;
  const amt = t.child('OrgnlIntrBkSttlmAmt');
  if (amt) m.TxInf.OrgnlIntrBkSttlmAmt = readAmount(amt);
  const dt = t.child('OrgnlIntrBkSttlmDt');
  if (dt) m.TxInf.OrgnlIntrBkSttlmDt = dt.collapsed();
  const rsn = t.children('CxlRsnInf')[0];
  if (rsn) {
    m.TxInf.CxlRsnInf = {};
    const r = reasonFromXml(rsn.child('Rsn'));
    if (r) m.TxInf.CxlRsnInf.Rsn = r;
    const info = addtlInfFromXml(rsn);
    if (info) m.TxInf.CxlRsnInf.AddtlInf = info;
  }
  return m;
}
