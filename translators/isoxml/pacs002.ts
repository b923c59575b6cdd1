/**
 * pacs.002 FI-to-FI Payment Status Report, XML (pacs.002.001.10 and .16) <-> canonical Pacs002.
 * Pure. One TxInfAndSts per message; every StsRsnInf of it.
 *
 * Transaction status. Banks speak the ISO ExternalPaymentTransactionStatus1Code; the canonical model
 * holds Mojaloop's states. Written / read:
 *
 * | canonical TxSts                | written | read from                               |
 * |--------------------------------|---------|-----------------------------------------|
 * | RECV (received)                | RCVD    | RCVD, ACTC, PDNG, RECV                  |
 * | RESV (payee accepted, reserved)| ACSP    | ACSP, ACCP, ACWC, RESV                  |
 * | COMM (committed, final)        | ACSC    | ACSC, ACCC, COMM                        |
 * | ABOR (aborted)                 | RJCT    | RJCT without a reason, ABOR             |
 * | none + StsRsnInf (error form)  | RJCT + StsRsnInf | RJCT with StsRsnInf            |
 *
 * | canonical                  | pacs.002.001.10                   | pacs.002.001.16           |
 * |----------------------------|-----------------------------------|---------------------------|
 * | GrpHdr.MsgId, CreDtTm      | GrpHdr/MsgId, CreDtTm             | same                      |
 * | TxInfAndSts.OrgnlTxId      | TxInfAndSts/OrgnlTxId             | same                      |
 * | TxSts                      | TxSts (table above)               | same                      |
 * | StsRsnInf.Rsn.{Prtry|Cd}   | StsRsnInf/Rsn/{Prtry|Cd}          | same                      |
 * | StsRsnInf.AddtlInf         | StsRsnInf/AddtlInf, split into Max105Text pieces | same       |
 * | AddtlStsRsnInf[]           | the further StsRsnInf, in order   | same                      |
 * | PrcgDt.DtTm                | AccptncDtTm                       | PrcgDt/DtTm               |
 * | PrcgDt.Dt (a date alone)   | supplementary data                | PrcgDt/Dt                 |
 * | ExctnConf (ILP fulfilment) | supplementary data                | CdtSttlmKey (hex)         |
 * | SplmtryData, StsRsnInf.extensions | supplementary data         | same                      |
 *
 * Correlation data banks expect and the canonical status does not hold (the original message and
 * end-to-end id) travel in a `Pacs002Context` beside the message, both ways.
 */
import type { Pacs002, ProcessingDate, TxSts } from '../../schemas/iso/pacs002.js';
import type { OriginalGroupInformation, OriginalTransactionReference } from '../../schemas/iso/original.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { schemaNamespace } from './catalog.js';
import { SupplementReader, isJsonData, readSupplement, statusReasonFromXml, statusReasonXml, supplementXml } from './common.js';
import { dateText, dateTimeText, isXsdDate, maxText, readDateTime } from './values.js';
import { XNode, documentElement, el, leaf, optLeaf } from './xml.js';

export type Pacs002Version = 'pacs.002.001.10' | 'pacs.002.001.16';

/** ISO correlation elements of TxInfAndSts beside OrgnlTxId. */
export interface Pacs002Context {
  OrgnlGrpInf?: OriginalGroupInformation;
  OrgnlInstrId?: string;
  OrgnlEndToEndId?: string;
  OrgnlUETR?: string;
}

const WRITE: Record<TxSts, string> = { RECV: 'RCVD', RESV: 'ACSP', COMM: 'ACSC', ABOR: 'RJCT' };
const READ: Record<string, TxSts> = {
  RCVD: 'RECV',
  ACTC: 'RECV',
  PDNG: 'RECV',
  RECV: 'RECV',
  ACSP: 'RESV',
  ACCP: 'RESV',
  ACWC: 'RESV',
  RESV: 'RESV',
  ACSC: 'COMM',
  ACCC: 'COMM',
  COMM: 'COMM',
  RJCT: 'ABOR',
  ABOR: 'ABOR',
};

/** The ISO code the hub writes for a canonical status. */
export function isoTransactionStatus(status: TxSts): string {
  return WRITE[status];
}

const UUID_V4 = /^[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$/;
const PLACE = '/Document/FIToFIPmtStsRpt/TxInfAndSts';

function fulfilmentHex(fulfilment: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{43}$/.test(fulfilment)) return undefined;
  const b = Buffer.from(fulfilment, 'base64url');
  return b.length === 32 && b.toString('base64url') === fulfilment ? b.toString('hex').toUpperCase() : undefined;
}

function originalGroupXml(o: OriginalGroupInformation, field: string): string {
  return el(
    'OrgnlGrpInf',
    leaf('OrgnlMsgId', maxText(o.OrgnlMsgId, 35, `${field}.OrgnlMsgId`)),
    leaf('OrgnlMsgNmId', maxText(o.OrgnlMsgNmId, 35, `${field}.OrgnlMsgNmId`)),
    optLeaf('OrgnlCreDtTm', o.OrgnlCreDtTm === undefined ? undefined : dateTimeText(o.OrgnlCreDtTm, `${field}.OrgnlCreDtTm`)),
  );
}

export function originalGroupFromXml(node: XNode | undefined): OriginalGroupInformation | undefined {
  if (!node) return undefined;
  const o: OriginalGroupInformation = { OrgnlMsgId: node.reqText('OrgnlMsgId'), OrgnlMsgNmId: node.reqText('OrgnlMsgNmId') };
  const cre = node.child('OrgnlCreDtTm');
  if (cre) o.OrgnlCreDtTm = readDateTime(cre);
  return o;
}

export { originalGroupXml };

export function uetrXml(name: string, uetr: string | undefined, field: string): string {
  if (uetr === undefined) return '';
  if (!UUID_V4.test(uetr)) throw new TranslationError(field, 'not a UUID v4 in lower case (ISO UUIDv4Identifier)');
  return leaf(name, uetr);
}

/**
 * A status report about a payment, naming it the way `ref` does: the original group and ids exactly as the payment's
 * sender wrote them, and `OrgnlTxId` only when it sent a TxId (none is invented for a payment that had none).
 */
export function statusReferringTo(message: Pacs002, ref: OriginalTransactionReference): { message: Pacs002; context: Pacs002Context } {
  const t = { ...message.TxInfAndSts };
  if (ref.OrgnlTxId === undefined) delete t.OrgnlTxId;
  else t.OrgnlTxId = ref.OrgnlTxId;
  const context: Pacs002Context = {};
  if (ref.OrgnlGrpInf) context.OrgnlGrpInf = ref.OrgnlGrpInf;
  if (ref.OrgnlInstrId !== undefined) context.OrgnlInstrId = ref.OrgnlInstrId;
  if (ref.OrgnlEndToEndId !== undefined) context.OrgnlEndToEndId = ref.OrgnlEndToEndId;
  if (ref.OrgnlUETR !== undefined) context.OrgnlUETR = ref.OrgnlUETR;
  return { message: { ...message, TxInfAndSts: t }, context };
}

/** Every StsRsnInf, the deciding one first (none without a first one: the canonical error form has one). */
function statusReasonsXml(t: Pacs002['TxInfAndSts']): string {
  const further = t.AddtlStsRsnInf ?? [];
  if (!t.StsRsnInf) {
    if (further.length > 0) throw new TranslationError('TxInfAndSts.AddtlStsRsnInf', 'further status reasons without a first one (StsRsnInf)');
    return '';
  }
  const first = statusReasonXml('StsRsnInf', t.StsRsnInf, 'TxInfAndSts.StsRsnInf');
  return first + further.map((r, i) => statusReasonXml('StsRsnInf', r, `TxInfAndSts.AddtlStsRsnInf[${i}]`)).join('');
}

/** .16: PrcgDt, a date or a date-time. .10 has only AccptncDtTm (a date-time): a date alone goes to supplementary data. */
function processingDateXml(date: ProcessingDate | undefined, v16: boolean, supplement: Record<string, unknown>): string {
  if (!date) return '';
  if (date.Dt !== undefined) {
    const dt = dateText(date.Dt, 'TxInfAndSts.PrcgDt.Dt');
    if (v16) return el('PrcgDt', leaf('Dt', dt));
    supplement['PrcgDt.Dt'] = dt;
    return '';
  }
  const dtTm = dateTimeText(date.DtTm, 'TxInfAndSts.PrcgDt.DtTm');
  return v16 ? el('PrcgDt', leaf('DtTm', dtTm)) : leaf('AccptncDtTm', dtTm);
}

/** Renders the `Document` element of a pacs.002. */
export function pacs002ToXml(m: Pacs002, version: Pacs002Version, context: Pacs002Context = {}): string {
  const v16 = version === 'pacs.002.001.16';
  const t = m.TxInfAndSts;
  const supplement: Record<string, unknown> = {};

  let txSts = '';
  if (t.TxSts !== undefined) {
    txSts = leaf('TxSts', WRITE[t.TxSts]);
    // ABOR with a reason would read back as the error form: keep the state.
    if (t.TxSts === 'ABOR' && t.StsRsnInf) supplement['TxSts'] = 'ABOR';
  } else if (t.StsRsnInf) {
    txSts = leaf('TxSts', 'RJCT');
  }
  const prcgDt = processingDateXml(t.PrcgDt, v16, supplement);
  let key = '';
  if (t.ExctnConf !== undefined) {
    const hex = v16 ? fulfilmentHex(t.ExctnConf) : undefined;
    if (hex) key = leaf('CdtSttlmKey', hex);
    else supplement['ExctnConf'] = t.ExctnConf;
  }
  if (t.StsRsnInf?.extensions !== undefined) supplement['StsRsnInf.extensions'] = t.StsRsnInf.extensions;
  if (t.SplmtryData !== undefined) supplement['SplmtryData'] = t.SplmtryData;
  if (!isJsonData(supplement)) throw new TranslationError('TxInfAndSts', 'supplementary data holds values JSON cannot carry');

  const tx = el(
    'TxInfAndSts',
    context.OrgnlGrpInf && originalGroupXml(context.OrgnlGrpInf, 'context.OrgnlGrpInf'),
    optLeaf('OrgnlInstrId', context.OrgnlInstrId === undefined ? undefined : maxText(context.OrgnlInstrId, 35, 'context.OrgnlInstrId')),
    optLeaf('OrgnlEndToEndId', context.OrgnlEndToEndId === undefined ? undefined : maxText(context.OrgnlEndToEndId, 35, 'context.OrgnlEndToEndId')),
    optLeaf('OrgnlTxId', t.OrgnlTxId === undefined ? undefined : maxText(t.OrgnlTxId, 35, 'TxInfAndSts.OrgnlTxId')),
    uetrXml('OrgnlUETR', context.OrgnlUETR, 'context.OrgnlUETR'),
    txSts,
    statusReasonsXml(t),
    prcgDt,
    key,
    supplementXml(PLACE, supplement),
  );
  const grpHdr = el('GrpHdr', leaf('MsgId', maxText(m.GrpHdr.MsgId, 35, 'GrpHdr.MsgId')), leaf('CreDtTm', dateTimeText(m.GrpHdr.CreDtTm, 'GrpHdr.CreDtTm')));
  return documentElement(schemaNamespace(version), el('FIToFIPmtStsRpt', grpHdr, tx));
}

/** The first StsRsnInf is the canonical reason (with its extensions); every further one is kept, in order. */
function readStatusReasons(tx: XNode, t: Pacs002['TxInfAndSts'], supplement: SupplementReader): void {
  const [first, ...further] = tx.children('StsRsnInf');
  if (!first) return;
  t.StsRsnInf = statusReasonFromXml(first);
  const ext = supplement.extensions('StsRsnInf.extensions');
  if (ext) t.StsRsnInf.extensions = ext;
  if (further.length > 0) t.AddtlStsRsnInf = further.map((r) => statusReasonFromXml(r));
}

/**
 * .16: PrcgDt/Dt or PrcgDt/DtTm, else AccptncDtTm (still allowed there); .10: AccptncDtTm. A date alone the hub
 * wrote for a .10 receiver comes back from supplementary data.
 */
function readProcessingDate(tx: XNode, version: Pacs002Version, supplement: SupplementReader): ProcessingDate | undefined {
  const prcg = version === 'pacs.002.001.16' ? tx.child('PrcgDt') : undefined;
  const date = prcg?.child('Dt');
  const dateTime = prcg?.child('DtTm') ?? tx.child('AccptncDtTm');
  const carried = supplement.string('PrcgDt.Dt');
  if (carried !== undefined && (date || dateTime)) throw tx.fail('the processing date is both in the message and in Mizani supplementary data');
  if (date) return { Dt: date.collapsed() };
  if (dateTime) return { DtTm: readDateTime(dateTime) };
  if (carried === undefined) return undefined;
  if (!isXsdDate(carried)) throw tx.fail('Mizani supplementary data: PrcgDt.Dt must be an ISODate');
  return { Dt: carried };
}

/** Reads a schema-valid pacs.002 `Document`. */
export function pacs002FromXml(document: XNode, version: Pacs002Version): { message: Pacs002; context: Pacs002Context } {
  const root = document.req('FIToFIPmtStsRpt');
  const g = root.req('GrpHdr');
  const message: Pacs002 = { GrpHdr: { MsgId: g.reqText('MsgId'), CreDtTm: readDateTime(g.req('CreDtTm')) }, TxInfAndSts: {} };
  const context: Pacs002Context = {};
  const txs = root.children('TxInfAndSts');
  if (txs.length > 1) throw root.fail(`one transaction per message: ${txs.length} TxInfAndSts`);
  const tx = txs[0];
  if (!tx) return { message, context };
  const t = message.TxInfAndSts;
  const supplement = new SupplementReader(readSupplement(tx), tx);

  const grp = tx.child('OrgnlGrpInf');
  if (grp) context.OrgnlGrpInf = originalGroupFromXml(grp)!;
  const instr = tx.textOf('OrgnlInstrId');
  if (instr !== undefined) context.OrgnlInstrId = instr;
  const e2e = tx.textOf('OrgnlEndToEndId');
  if (e2e !== undefined) context.OrgnlEndToEndId = e2e;
  const txId = tx.textOf('OrgnlTxId');
  if (txId !== undefined) t.OrgnlTxId = txId;
  const uetr = tx.textOf('OrgnlUETR');
  if (uetr !== undefined) context.OrgnlUETR = uetr;

  readStatusReasons(tx, t, supplement);
  const sts = tx.textOf('TxSts');
  if (sts !== undefined) {
    const mapped = READ[sts];
    if (!mapped) throw tx.fail(`TxSts ${JSON.stringify(sts)} is not a status the hub understands (RCVD, ACSP, ACCP, ACSC, ACCC, RJCT, …)`);
    if (!(mapped === 'ABOR' && sts === 'RJCT' && t.StsRsnInf && supplement.string('TxSts') !== 'ABOR')) t.TxSts = mapped;
  }
  const prcgDt = readProcessingDate(tx, version, supplement);
  if (prcgDt) t.PrcgDt = prcgDt;
  const key = tx.textOf('CdtSttlmKey');
  const conf = key !== undefined ? Buffer.from(key, 'hex').toString('base64url') : supplement.string('ExctnConf');
  if (conf !== undefined) t.ExctnConf = conf;
  const splmtry = supplement.object<NonNullable<Pacs002['TxInfAndSts']['SplmtryData']>>('SplmtryData', (v) => isJsonData(v));
  if (splmtry) {
    if ((splmtry as Record<string, unknown>)['extensions'] !== undefined) new SupplementReader(splmtry as Record<string, unknown>, tx).extensions('extensions');
    t.SplmtryData = splmtry;
  }
  return { message, context };
}
