/**
 * pain.014 Creditor Payment Activation Request Status Report (.001.07 and .001.12) <-> canonical Pain014 (the
 * payer's answer to a request to pay, docs/r2p.md). Pure. One transaction per report.
 *
 * | canonical                                   | XML (both versions)                                                  |
 * |---------------------------------------------|----------------------------------------------------------------------|
 * | GrpHdr.MsgId, CreDtTm, InitgPty, DbtrAgt, CdtrAgt | GrpHdr/… (InitgPty required: written empty when absent)         |
 * | OrgnlGrpInfAndSts                            | OrgnlGrpInfAndSts/OrgnlMsgId, OrgnlMsgNmId, OrgnlCreDtTm (required: the context's when absent) |
 * | (the request's payment instruction)          | OrgnlPmtInfAndSts/OrgnlPmtInfId = OrgnlMsgId                         |
 * | TxInfAndSts.OrgnlInstrId (the request id)    | TxInfAndSts/OrgnlInstrId, or OrgnlUETR for a UUID v4 (as pain013.ts writes the id) |
 * | TxInfAndSts.OrgnlEndToEndId, TxSts           | TxInfAndSts/OrgnlEndToEndId, TxSts                                   |
 * | TxInfAndSts.StsRsnInf                        | TxInfAndSts/StsRsnInf/Rsn/{Prtry|Cd}, AddtlInf (Max105Text pieces)   |
 * | TxInfAndSts.AcctSvcrRef (the payer's transaction id) | TxInfAndSts/AcctSvcrRef when it fits Max35Text, else supplementary data |
 * | SplmtryData, the reason's extensions         | Mizani supplementary data of TxInfAndSts                             |
 * Reading, the request id is OrgnlInstrId, else OrgnlUETR, else OrgnlEndToEndId.
 */
import { isValidErrorCode } from '../../schemas/errors.js';
import type { StatusReason } from '../../schemas/iso/common.js';
import type { Pain014 } from '../../schemas/iso/pain014.js';
import { reasonOfWireError, wordedError } from '../../schemas/iso/translation.js';
import { schemaNamespace } from './catalog.js';
import {
  SupplementReader,
  agentFromXml,
  agentXml,
  isJsonData,
  partyFromXml,
  partyXml,
  readSupplement,
  statusReasonFromXml,
  statusReasonXml,
  supplementXml,
} from './common.js';
import { dateTimeText, maxText, readDateTime } from './values.js';
import { XNode, documentElement, el, leaf, optLeaf } from './xml.js';

export type Pain014Version = 'pain.014.001.07' | 'pain.014.001.12';

/** The request a report answers, when the canonical report does not name it (XML requires it). */
export interface Pain014Context {
  OrgnlMsgId: string;
  OrgnlMsgNmId: string;
}

const PLACE = '/Document/CdtrPmtActvtnReqStsRpt/OrgnlPmtInfAndSts/TxInfAndSts';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function originalIdXml(id: string): string {
  return [...id].length <= 35 ? leaf('OrgnlInstrId', id) : UUID_V4.test(id) ? '' : leaf('OrgnlInstrId', maxText(id, 35, 'TxInfAndSts.OrgnlInstrId'));
}

export function pain014ToXml(m: Pain014, version: Pain014Version, context?: Pain014Context): string {
  const idMax = version === 'pain.014.001.07' ? 35 : 256;
  const g = m.GrpHdr;
  const t = m.TxInfAndSts;
  const original = m.OrgnlGrpInfAndSts ?? context;
  if (!original) throw new Error('pain.014: the request answered (OrgnlGrpInfAndSts) is unknown');
  const ref = t.AcctSvcrRef;
  const refFits = ref === undefined || [...ref].length <= 35;
  const grpHdr = el(
    'GrpHdr',
    leaf('MsgId', maxText(g.MsgId, 35, 'GrpHdr.MsgId')),
    leaf('CreDtTm', dateTimeText(g.CreDtTm, 'GrpHdr.CreDtTm')),
    partyXml('InitgPty', g.InitgPty, { idMax, required: true, field: 'GrpHdr.InitgPty' }),
    g.DbtrAgt ? agentXml('DbtrAgt', g.DbtrAgt, 'GrpHdr.DbtrAgt') : '',
    g.CdtrAgt ? agentXml('CdtrAgt', g.CdtrAgt, 'GrpHdr.CdtrAgt') : '',
  );
  const orgnlGrp = el(
    'OrgnlGrpInfAndSts',
    leaf('OrgnlMsgId', maxText(original.OrgnlMsgId, 35, 'OrgnlGrpInfAndSts.OrgnlMsgId')),
    leaf('OrgnlMsgNmId', maxText(original.OrgnlMsgNmId, 35, 'OrgnlGrpInfAndSts.OrgnlMsgNmId')),
    m.OrgnlGrpInfAndSts?.OrgnlCreDtTm ? leaf('OrgnlCreDtTm', dateTimeText(m.OrgnlGrpInfAndSts.OrgnlCreDtTm, 'OrgnlGrpInfAndSts.OrgnlCreDtTm')) : '',
  );
  const tx = el(
    'TxInfAndSts',
    originalIdXml(t.OrgnlInstrId),
    optLeaf('OrgnlEndToEndId', t.OrgnlEndToEndId === undefined ? undefined : maxText(t.OrgnlEndToEndId, 35, 'TxInfAndSts.OrgnlEndToEndId')),
    [...t.OrgnlInstrId].length > 35 ? leaf('OrgnlUETR', t.OrgnlInstrId) : '',
    leaf('TxSts', maxText(t.TxSts, 4, 'TxInfAndSts.TxSts')),
    t.StsRsnInf ? statusReasonXml('StsRsnInf', t.StsRsnInf, 'TxInfAndSts.StsRsnInf') : '',
    refFits ? optLeaf('AcctSvcrRef', ref) : '',
    supplementXml(PLACE, {
      extensions: t.SplmtryData?.extensions,
      iso: t.SplmtryData?.iso,
      reasonExtensions: t.StsRsnInf?.extensions,
      AcctSvcrRef: refFits ? undefined : ref,
      OrgnlGrpInfAndSts: m.OrgnlGrpInfAndSts ? undefined : 'context',
    }),
  );
  const pmtInf = el('OrgnlPmtInfAndSts', leaf('OrgnlPmtInfId', maxText(original.OrgnlMsgId, 35, 'OrgnlPmtInfAndSts.OrgnlPmtInfId')), tx);
  return documentElement(schemaNamespace(version), el('CdtrPmtActvtnReqStsRpt', grpHdr, orgnlGrp, pmtInf));
}

export function pain014FromXml(document: XNode, version: Pain014Version): Pain014 {
  void version;
  const root = document.req('CdtrPmtActvtnReqStsRpt');
  const g = root.req('GrpHdr');
  const o = root.req('OrgnlGrpInfAndSts');
  const infs = root.children('OrgnlPmtInfAndSts');
  const txs = infs.flatMap((i) => i.children('TxInfAndSts'));
  if (txs.length !== 1) throw root.fail(`one transaction per request to pay status report: ${txs.length} TxInfAndSts`);
  const t = txs[0]!;
  const id = t.textOf('OrgnlInstrId') ?? t.textOf('OrgnlUETR') ?? t.textOf('OrgnlEndToEndId');
  if (id === undefined) throw t.fail('TxInfAndSts names the request by OrgnlInstrId, OrgnlUETR or OrgnlEndToEndId');
  const status = t.textOf('TxSts');
  if (status === undefined) throw t.fail('TxInfAndSts/TxSts is the answer to the request: it is required');
  const m: Pain014 = {
    GrpHdr: { MsgId: g.reqText('MsgId'), CreDtTm: readDateTime(g.req('CreDtTm')) },
    OrgnlGrpInfAndSts: { OrgnlMsgId: o.reqText('OrgnlMsgId'), OrgnlMsgNmId: o.reqText('OrgnlMsgNmId') },
    TxInfAndSts: { OrgnlInstrId: id, TxSts: status },
  };
  const created = o.child('OrgnlCreDtTm');
  if (created) m.OrgnlGrpInfAndSts!.OrgnlCreDtTm = readDateTime(created);
  const initg = partyFromXml(g.child('InitgPty'));
  if (initg) m.GrpHdr.InitgPty = initg;
  const dbtrAgt = g.child('DbtrAgt');
  if (dbtrAgt) m.GrpHdr.DbtrAgt = agentFromXml(dbtrAgt);
  const cdtrAgt = g.child('CdtrAgt');
  if (cdtrAgt) m.GrpHdr.CdtrAgt = agentFromXml(cdtrAgt);
  const e2e = t.textOf('OrgnlEndToEndId');
  if (e2e !== undefined && e2e !== id) m.TxInfAndSts.OrgnlEndToEndId = e2e;
  const reason = t.child('StsRsnInf');
  if (reason) m.TxInfAndSts.StsRsnInf = statusReasonFromXml(reason);
  const ref = t.textOf('AcctSvcrRef');
  if (ref !== undefined) m.TxInfAndSts.AcctSvcrRef = ref;
  readSupplementOf(m, t);
  return m;
}

function readSupplementOf(m: Pain014, t: XNode): void {
  const r = new SupplementReader(readSupplement(t), t);
  const tx = m.TxInfAndSts;
  const extensions = r.extensions('extensions');
  const iso = r.object<Record<string, unknown>>('iso', isJsonData);
  if (extensions || iso) tx.SplmtryData = { ...(extensions ? { extensions } : {}), ...(iso ? { iso } : {}) };
  const reasonExtensions = r.extensions('reasonExtensions');
  if (reasonExtensions && tx.StsRsnInf) tx.StsRsnInf.extensions = reasonExtensions;
  const ref = r.string('AcctSvcrRef');
  if (ref !== undefined) tx.AcctSvcrRef = ref;
  if (r.string('OrgnlGrpInfAndSts') === 'context') delete m.OrgnlGrpInfAndSts;
}

/**
 * A bank payer's rejection (pain.014 RJCT) as the reason the payee is told: its code when it is an FSPIOP error code,
 * else 4101 Payer rejected transaction request naming the bank's ISO reason ("bank reason AC04: …").
 */
export function bankRejectionOfRequest(reason: StatusReason | undefined): StatusReason {
  const given = reason?.Rsn.Prtry ?? reason?.Rsn.Cd;
  const code = given && isValidErrorCode(given) ? given : '4101';
  const detail = [given && given !== code ? `bank reason ${given}` : undefined, reason?.AddtlInf].filter(Boolean).join(': ');
  return reasonOfWireError(wordedError(code, detail || undefined));
}
