/**
 * camt.029 Resolution Of Investigation (camt.029.001.09 and .14) <-> canonical
 * InvestigationResolution: the hub's answer to a camt.056 cancellation request. Pure.
 *
 * | canonical                                   | XML (both versions)                                   |
 * |---------------------------------------------|-------------------------------------------------------|
 * | Assgnmt.Id, Assgnr, Assgne, CreDtTm         | Assgnmt/Id, Assgnr/Agt, Assgne/Agt, CreDtTm            |
 * | RslvdCase.Id, Cretr                         | RslvdCase/Id, Cretr/Agt                                |
 * | Sts.Conf (CNCL, PDCR, RJCR, …)              | Sts/Conf                                               |
 * | CxlDtls.TxInfAndSts.CxlStsId                | CxlDtls/TxInfAndSts/CxlStsId                           |
 * | … OrgnlGrpInf … OrgnlTxId, OrgnlUETR        | CxlDtls/TxInfAndSts/… (same names)                     |
 * | … TxCxlSts (ACCR, PDCR, RJCR)               | CxlDtls/TxInfAndSts/TxCxlSts                           |
 * | … CxlStsRsnInf.Rsn, AddtlInf                | CxlDtls/TxInfAndSts/CxlStsRsnInf/Rsn/{Cd|Prtry}, AddtlInf |
 * | … OrgnlIntrBkSttlmAmt                       | CxlDtls/TxInfAndSts/OrgnlIntrBkSttlmAmt (Ccy)          |
 *
 * `resolveCancellation` gives the hub's answer for a transfer state (see there).
 */
import type { Agent } from '../../schemas/iso/common.js';
import type { CancellationRequest } from '../../schemas/iso/camt056.js';
import type { CancellationStatus, InvestigationResolution } from '../../schemas/iso/camt029.js';
import { schemaNamespace } from './catalog.js';
import { addtlInfFromXml, addtlInfXml, assignmentPartyFromXml, assignmentPartyXml, reasonFromXml, reasonXml } from './common.js';
import { originalFromXml, originalIdsXml, originalUetrXml } from './original.js';
import { amountXml, dateTimeText, maxText, readAmount, readDateTime } from './values.js';
import { XNode, documentElement, el, leaf, optLeaf } from './xml.js';

export type Camt029Version = 'camt.029.001.09' | 'camt.029.001.14';

export function camt029ToXml(m: InvestigationResolution, version: Camt029Version): string {
  const a = m.Assgnmt;
  const assgnmt = el(
    'Assgnmt',
    leaf('Id', maxText(a.Id, 35, 'Assgnmt.Id')),
    assignmentPartyXml('Assgnr', a.Assgnr, 'Assgnmt.Assgnr'),
    assignmentPartyXml('Assgne', a.Assgne, 'Assgnmt.Assgne'),
    leaf('CreDtTm', dateTimeText(a.CreDtTm, 'Assgnmt.CreDtTm')),
  );
  const kase =
    m.RslvdCase && el('RslvdCase', leaf('Id', maxText(m.RslvdCase.Id, 35, 'RslvdCase.Id')), assignmentPartyXml('Cretr', m.RslvdCase.Cretr, 'RslvdCase.Cretr'));
  const sts = el('Sts', leaf('Conf', maxText(m.Sts.Conf, 4, 'Sts.Conf')));
  let details = '';
  const t = m.CxlDtls?.TxInfAndSts;
  if (t) {
    const r = t.CxlStsRsnInf;
    details = el(
      'CxlDtls',
      el(
        'TxInfAndSts',
        optLeaf('CxlStsId', t.CxlStsId === undefined ? undefined : maxText(t.CxlStsId, 35, 'CxlDtls.TxInfAndSts.CxlStsId')),
        originalIdsXml(t, 'CxlDtls.TxInfAndSts'),
        originalUetrXml(t, 'CxlDtls.TxInfAndSts'),
        optLeaf('TxCxlSts', t.TxCxlSts),
        r && el('CxlStsRsnInf', reasonXml(r.Rsn, 'CxlDtls.TxInfAndSts.CxlStsRsnInf.Rsn'), addtlInfXml(r.AddtlInf, 'CxlDtls.TxInfAndSts.CxlStsRsnInf.AddtlInf')),
        t.OrgnlIntrBkSttlmAmt && amountXml('OrgnlIntrBkSttlmAmt', t.OrgnlIntrBkSttlmAmt, 'CxlDtls.TxInfAndSts.OrgnlIntrBkSttlmAmt'),
      ),
    );
  }
  return documentElement(schemaNamespace(version), el('RsltnOfInvstgtn', assgnmt, kase, sts, details));
}

const CANCELLATION_STATUSES: readonly string[] = ['ACCR', 'PDCR', 'RJCR'];

export function camt029FromXml(document: XNode, version: Camt029Version): InvestigationResolution {
  void version;
  const root = document.req('RsltnOfInvstgtn');
  const a = root.req('Assgnmt');
  const conf = root.req('Sts').textOf('Conf');
  if (conf === undefined) throw root.fail('Sts/Conf is the only resolution status the hub handles');
  const m: InvestigationResolution = {
    Assgnmt: {
      Id: a.reqText('Id'),
      Assgnr: assignmentPartyFromXml(a.req('Assgnr')),
      Assgne: assignmentPartyFromXml(a.req('Assgne')),
      CreDtTm: readDateTime(a.req('CreDtTm')),
    },
    Sts: { Conf: conf },
  };
  const kase = root.child('RslvdCase');
  if (kase) m.RslvdCase = { Id: kase.reqText('Id'), Cretr: assignmentPartyFromXml(kase.req('Cretr')) };
  const t = root.children('CxlDtls').flatMap((d) => d.children('TxInfAndSts'))[0];
  if (t) {
    const tx: NonNullable<InvestigationResolution['CxlDtls']>['TxInfAndSts'] = originalFromXml(t);
    const id = t.textOf('CxlStsId');
    if (id !== undefined) tx.CxlStsId = id;
    const st = t.textOf('TxCxlSts');
    if (st !== undefined && CANCELLATION_STATUSES.includes(st)) tx.TxCxlSts = st as CancellationStatus;
    const r = t.children('CxlStsRsnInf')[0];
    if (r) {
      tx.CxlStsRsnInf = {};
      const rsn = reasonFromXml(r.child('Rsn'));
      if (rsn) tx.CxlStsRsnInf.Rsn = rsn;
      const info = addtlInfFromXml(r);
      if (info) tx.CxlStsRsnInf.AddtlInf = info;
    }
    const amt = t.child('OrgnlIntrBkSttlmAmt');
    if (amt) tx.OrgnlIntrBkSttlmAmt = readAmount(amt);
    m.CxlDtls = { TxInfAndSts: tx };
  }
  return m;
}

/** The transfer states the hub knows (FSPIOP transferState), or `null` when no transfer matches. */
export type TransferStateForCancellation = 'RECEIVED' | 'RESERVED' | 'COMMITTED' | 'ABORTED' | null;

/**
 * The hub's answer to a cancellation request, by the transfer's state (a policy the core may use;
 * the hub never reverses a committed transfer):
 *   - no such transfer      → RJCR, reason NOOR (no original transaction received);
 *   - ABORTED               → CNCL / ACCR: the payment will not be made (nothing moved);
 *   - RECEIVED or RESERVED  → PDCR: pending; the transfer completes or aborts at its expiry, and a
 *                              pacs.002 tells the final state;
 *   - COMMITTED             → RJCR, reason Prtry `COMMITTED`: the payment is final; ask the payee's
 *                              bank for a return.
 */
export function resolveCancellation(
  request: CancellationRequest,
  state: TransferStateForCancellation,
  ids: { Id: string; CreDtTm: string; hub: Agent },
): InvestigationResolution {
  const t = request.TxInf;
  let conf: InvestigationResolution['Sts']['Conf'];
  let status: CancellationStatus;
  let reason: { Cd?: string; Prtry?: string } | undefined;
  let info: string[] | undefined;
  switch (state) {
    case null:
      conf = 'RJCR';
      status = 'RJCR';
      reason = { Cd: 'NOOR' };
      info = ['No transfer matches the original references'];
      break;
    case 'ABORTED':
      conf = 'CNCL';
      status = 'ACCR';
      info = ['The transfer was aborted: no funds moved'];
      break;
    case 'COMMITTED':
      conf = 'RJCR';
      status = 'RJCR';
      reason = { Prtry: 'COMMITTED' };
      info = ['The transfer is committed and final; request a return from the payee bank'];
      break;
    default:
      conf = 'PDCR';
      status = 'PDCR';
      info = ['The transfer is in progress; its final state follows in a pacs.002'];
  }
  const tx: NonNullable<InvestigationResolution['CxlDtls']>['TxInfAndSts'] = { TxCxlSts: status };
  if (t.CxlId !== undefined) tx.CxlStsId = t.CxlId;
  for (const k of ['OrgnlGrpInf', 'OrgnlInstrId', 'OrgnlEndToEndId', 'OrgnlTxId', 'OrgnlUETR'] as const) {
    if (t[k] !== undefined) (tx as Record<string, unknown>)[k] = t[k];
  }
  if (t.OrgnlIntrBkSttlmAmt) tx.OrgnlIntrBkSttlmAmt = t.OrgnlIntrBkSttlmAmt;
  tx.CxlStsRsnInf = reason ? { Rsn: reason, AddtlInf: info } : { AddtlInf: info };
  return {
    Assgnmt: { Id: ids.Id, Assgnr: ids.hub, Assgne: request.Assgnmt.Assgnr, CreDtTm: ids.CreDtTm },
    RslvdCase: request.Case ?? { Id: request.Assgnmt.Id, Cretr: request.Assgnmt.Assgnr },
    Sts: { Conf: conf },
    CxlDtls: { TxInfAndSts: tx },
  };
}
