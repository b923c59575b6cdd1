/**
 * A bulk's status as ISO 20022 XML: a pacs.002 (.10 and .16) with a group status and one `TxInfAndSts` per
 * transaction <-> BulkPacs002. Pure. (A single payment's status stays pacs002.ts.)
 *
 * | canonical                          | pacs.002.001.10                             | pacs.002.001.16              |
 * |------------------------------------|---------------------------------------------|------------------------------|
 * | GrpHdr.MsgId, CreDtTm              | GrpHdr/MsgId, CreDtTm                       | same                         |
 * | OrgnlGrpInfAndSts.OrgnlMsgId       | OrgnlGrpInfAndSts/OrgnlMsgId                | same                         |
 * | (context) OrgnlMsgNmId, OrgnlCreDtTm | OrgnlGrpInfAndSts/OrgnlMsgNmId (default pacs.008.001.08), OrgnlCreDtTm | same (default pacs.008.001.14) |
 * | OrgnlGrpInfAndSts.GrpSts           | GrpSts ACCP / PART / RJCT (read: ACSC, ACCC, ACSP, ACWC as ACCP; RCVD, ACTC, PDNG as not final) | same |
 * | OrgnlGrpInfAndSts.StsRsnInf        | OrgnlGrpInfAndSts/StsRsnInf (extensions in supplementary data) | same      |
 * | OrgnlGrpInfAndSts.BulkTransferState| message supplementary data (read without it: REJECTED for GrpSts RJCT, COMPLETED when the group or every transaction is final, else PROCESSING) | same |
 * | PrcgDt.DtTm                        | message supplementary data, and AccptncDtTm of every final transaction (read without the supplement: the latest of those) | …, PrcgDt/DtTm |
 * | SplmtryData (FSPIOP extensions)    | message supplementary data                  | same                         |
 * | TxInfAndSts[].OrgnlTxId            | TxInfAndSts/OrgnlTxId (a UUID v4: OrgnlUETR); with a reference, the ids the original gave (OrgnlInstrId, OrgnlEndToEndId, OrgnlTxId only if it had one, OrgnlUETR); read from an absent OrgnlTxId: OrgnlUETR, else OrgnlEndToEndId | same |
 * | TxSts                              | TxSts ACSC / RJCT (read: ACCC, ACSP, ACCP, ACWC as ACSC; RCVD, ACTC, PDNG as not final) | same |
 * | StsRsnInf                          | StsRsnInf (AddtlInf in Max105Text pieces; extensions in supplementary data) | same |
 * | ExctnConf (fulfilment)             | supplementary data                          | CdtSttlmKey (hex)            |
 * | IntrBkSttlmAmt                     | OrgnlTxRef/IntrBkSttlmAmt                   | same                         |
 * | TxInfAndSts[].SplmtryData          | transaction supplementary data              | same                         |
 *
 * Only the first StsRsnInf of a group or transaction is read (a single pacs.002 keeps every one, pacs002.ts): a bulk's
 * line ends as its transfer's recorded cause, which holds one reason, and the bulk's report is made from the records.
 */
import type { BulkPacs002, BulkTransactionStatus, BulkTransferState, GroupStatus } from '../../schemas/iso/bulk-transfers.js';
import type { OriginalTransactionReference } from '../../schemas/iso/original.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { schemaNamespace } from './catalog.js';
import { SupplementReader, isJsonData, readSupplement, statusReasonFromXml, statusReasonXml, supplementXml } from './common.js';
import { uetrXml, type Pacs002Version } from './pacs002.js';
import { amountXml, base64urlToHex, dateTimeText, maxText, readAmount, readDateTime } from './values.js';
import { XNode, documentElement, el, leaf, optLeaf } from './xml.js';

/** Correlation data of a bulk's status that the canonical status does not hold (as `Pacs002Context` for one payment). */
export interface BulkPacs002Context {
  /** The original bulk's message definition (default: the pacs.008 of the same generation as the pacs.002). */
  OrgnlMsgNmId?: string;
  OrgnlCreDtTm?: string;
  /** How the original named each transaction, by the canonical `OrgnlTxId` (a bank's ids, exactly as it wrote them). */
  references?: Record<string, OriginalTransactionReference>;
}

const MESSAGE_PLACE = '/Document/FIToFIPmtStsRpt';
const TX_PLACE = '/Document/FIToFIPmtStsRpt/TxInfAndSts';
const NOT_PROVIDED = 'NOTPROVIDED';
const UUID_V4 = /^[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$/;
const STATES: readonly BulkTransferState[] = ['RECEIVED', 'PENDING', 'ACCEPTED', 'PROCESSING', 'COMPLETED', 'REJECTED'];
const TX_READ: Record<string, BulkTransactionStatus['TxSts'] | null> = {
  ACSC: 'ACSC',
  ACCC: 'ACSC',
  ACSP: 'ACSC',
  ACCP: 'ACSC',
  ACWC: 'ACSC',
  RJCT: 'RJCT',
  RCVD: null,
  ACTC: null,
  PDNG: null,
};
const GROUP_READ: Record<string, GroupStatus | null> = {
  ACCP: 'ACCP',
  ACSC: 'ACCP',
  ACCC: 'ACCP',
  ACSP: 'ACCP',
  ACWC: 'ACCP',
  PART: 'PART',
  RJCT: 'RJCT',
  RCVD: null,
  ACTC: null,
  PDNG: null,
};

/**
 * Is this pacs.002 `Document` a bulk's status? More than one transaction, a group part without any transaction (the
 * whole bulk accepted or rejected), or the hub's own bulk status. A group part beside one transaction stays a single
 * payment's status, as it always was (pacs002.ts reads its transaction).
 */
export function isBulkPacs002(document: XNode): boolean {
  const root = document.req('FIToFIPmtStsRpt');
  const transactions = root.children('TxInfAndSts').length;
  if (transactions > 1) return true;
  if (root.children('OrgnlGrpInfAndSts').length > 0 && transactions === 0) return true;
  return readSupplement(root)?.['BulkTransferState'] !== undefined;
}

function fulfilmentHex(fulfilment: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{43}$/.test(fulfilment)) return undefined;
  const b = Buffer.from(fulfilment, 'base64url');
  return b.length === 32 && b.toString('base64url') === fulfilment ? base64urlToHex(fulfilment, 'ExctnConf') : undefined;
}

/** How a status names a transaction without a reference: a UUID v4 (a UETR) as OrgnlUETR, any other id as OrgnlTxId. */
function plainReference(id: string): OriginalTransactionReference {
  return UUID_V4.test(id) ? { OrgnlUETR: id } : { OrgnlTxId: id };
}

/** The transaction's ids: as the original named it when a reference is given, else `plainReference`. */
function idsXml(t: BulkTransactionStatus, given: OriginalTransactionReference | undefined, field: string): string {
  const ref = given ?? plainReference(t.OrgnlTxId);
  const id = (name: string, value: string | undefined) => optLeaf(name, value === undefined ? undefined : maxText(value, 35, `${field}.${name}`));
  return [
    id('OrgnlInstrId', ref.OrgnlInstrId),
    id('OrgnlEndToEndId', ref.OrgnlEndToEndId),
    id('OrgnlTxId', ref.OrgnlTxId),
    uetrXml('OrgnlUETR', ref.OrgnlUETR, `${field}.OrgnlUETR`),
  ].join('');
}

function transactionStatusXml(t: BulkTransactionStatus, index: number, v16: boolean, completed: string | undefined, context: BulkPacs002Context): string {
  const field = `TxInfAndSts[${index}]`;
  const supplement: Record<string, unknown> = {};
  let date = '';
  if (t.TxSts !== undefined && completed !== undefined) date = v16 ? el('PrcgDt', leaf('DtTm', completed)) : leaf('AccptncDtTm', completed);
  let key = '';
  if (t.ExctnConf !== undefined) {
    const hex = v16 ? fulfilmentHex(t.ExctnConf) : undefined;
    if (hex) key = leaf('CdtSttlmKey', hex);
    else supplement['ExctnConf'] = t.ExctnConf;
  }
  if (t.StsRsnInf?.extensions !== undefined) supplement['StsRsnInf.extensions'] = t.StsRsnInf.extensions;
  if (t.SplmtryData !== undefined) supplement['SplmtryData'] = t.SplmtryData;
  if (!isJsonData(supplement)) throw new TranslationError(field, 'supplementary data holds values JSON cannot carry');
  return el(
    'TxInfAndSts',
    idsXml(t, context.references?.[t.OrgnlTxId], field),
    optLeaf('TxSts', t.TxSts),
    t.StsRsnInf && statusReasonXml('StsRsnInf', t.StsRsnInf, `${field}.StsRsnInf`),
    date,
    key,
    t.IntrBkSttlmAmt && el('OrgnlTxRef', amountXml('IntrBkSttlmAmt', t.IntrBkSttlmAmt, `${field}.IntrBkSttlmAmt`)),
    supplementXml(TX_PLACE, supplement),
  );
}

/** Renders the `Document` element of a bulk's pacs.002. */
export function bulkPacs002ToXml(m: BulkPacs002, version: Pacs002Version, context: BulkPacs002Context = {}): string {
  const v16 = version === 'pacs.002.001.16';
  const group = m.OrgnlGrpInfAndSts;
  const completed = m.PrcgDt === undefined ? undefined : dateTimeText(m.PrcgDt.DtTm, 'PrcgDt.DtTm');
  const supplement: Record<string, unknown> = { BulkTransferState: group.BulkTransferState };
  if (completed !== undefined) supplement['PrcgDt'] = completed;
  if (group.StsRsnInf?.extensions !== undefined) supplement['StsRsnInf.extensions'] = group.StsRsnInf.extensions;
  if (m.SplmtryData !== undefined) supplement['SplmtryData'] = m.SplmtryData;
  if (!isJsonData(supplement)) throw new TranslationError('SplmtryData', 'supplementary data holds values JSON cannot carry');
  const original = el(
    'OrgnlGrpInfAndSts',
    leaf('OrgnlMsgId', maxText(group.OrgnlMsgId, 35, 'OrgnlGrpInfAndSts.OrgnlMsgId')),
    leaf('OrgnlMsgNmId', maxText(context.OrgnlMsgNmId ?? (v16 ? 'pacs.008.001.14' : 'pacs.008.001.08'), 35, 'context.OrgnlMsgNmId')),
    optLeaf('OrgnlCreDtTm', context.OrgnlCreDtTm === undefined ? undefined : dateTimeText(context.OrgnlCreDtTm, 'context.OrgnlCreDtTm')),
    optLeaf('GrpSts', group.GrpSts),
    group.StsRsnInf && statusReasonXml('StsRsnInf', group.StsRsnInf, 'OrgnlGrpInfAndSts.StsRsnInf'),
  );
  const transactions = m.TxInfAndSts.map((t, i) => transactionStatusXml(t, i, v16, completed, context));
  const grpHdr = el('GrpHdr', leaf('MsgId', maxText(m.GrpHdr.MsgId, 35, 'GrpHdr.MsgId')), leaf('CreDtTm', dateTimeText(m.GrpHdr.CreDtTm, 'GrpHdr.CreDtTm')));
  return documentElement(schemaNamespace(version), el('FIToFIPmtStsRpt', grpHdr, original, ...transactions, supplementXml(MESSAGE_PLACE, supplement)));
}

/** A transaction status code as the canonical bulk holds it (null: not final). */
function statusCode<T>(node: XNode, table: Record<string, T | null>, what: string): T | undefined {
  const code = node.textOf(what === 'group' ? 'GrpSts' : 'TxSts');
  if (code === undefined) return undefined;
  const mapped = table[code];
  if (mapped === undefined) throw node.fail(`${JSON.stringify(code)} is not a ${what} status the hub understands (${Object.keys(table).join(', ')})`);
  return mapped ?? undefined;
}

function transactionStatusFromXml(tx: XNode, context: BulkPacs002Context): { status: BulkTransactionStatus; date?: string } {
  const supplement = new SupplementReader(readSupplement(tx), tx);
  const ref: OriginalTransactionReference = {};
  for (const [element, key] of [
    ['OrgnlInstrId', 'OrgnlInstrId'],
    ['OrgnlEndToEndId', 'OrgnlEndToEndId'],
    ['OrgnlTxId', 'OrgnlTxId'],
    ['OrgnlUETR', 'OrgnlUETR'],
  ] as const) {
    const value = tx.textOf(element);
    if (value !== undefined) ref[key] = value;
  }
  const e2e = ref.OrgnlEndToEndId === NOT_PROVIDED ? undefined : ref.OrgnlEndToEndId;
  const id = ref.OrgnlTxId ?? ref.OrgnlUETR ?? e2e;
  if (id === undefined) throw tx.fail('TxInfAndSts names its transaction by neither OrgnlTxId, OrgnlUETR nor OrgnlEndToEndId');
  const plain = plainReference(id);
  const said = Object.entries(ref);
  if (said.length !== 1 || (plain as Record<string, string>)[said[0]![0]] !== said[0]![1]) (context.references ??= {})[id] = ref;
  const status: BulkTransactionStatus = { OrgnlTxId: id };
  const txSts = statusCode(tx, TX_READ, 'transaction');
  if (txSts !== undefined) status.TxSts = txSts;
  const reason = tx.child('StsRsnInf');
  if (reason) {
    status.StsRsnInf = statusReasonFromXml(reason);
    const ext = supplement.extensions('StsRsnInf.extensions');
    if (ext) status.StsRsnInf.extensions = ext;
  }
  const key = tx.textOf('CdtSttlmKey');
  const conf = key !== undefined ? Buffer.from(key, 'hex').toString('base64url') : supplement.string('ExctnConf');
  if (conf !== undefined) status.ExctnConf = conf;
  const amount = tx.at('OrgnlTxRef', 'IntrBkSttlmAmt');
  if (amount) status.IntrBkSttlmAmt = readAmount(amount);
  const splmtry = supplement.object<NonNullable<BulkTransactionStatus['SplmtryData']>>('SplmtryData', (v) => isJsonData(v));
  if (splmtry) {
    if (splmtry.extensions !== undefined) new SupplementReader(splmtry as Record<string, unknown>, tx).extensions('extensions');
    status.SplmtryData = splmtry;
  }
  const date = tx.at('PrcgDt', 'DtTm') ?? tx.child('AccptncDtTm');
  return date ? { status, date: readDateTime(date) } : { status };
}

/** The bulk's state a bank's status says (the hub's own carries it in supplementary data). */
function stateOf(group: GroupStatus | undefined, statuses: readonly BulkTransactionStatus[]): BulkTransferState {
  if (group === 'RJCT') return 'REJECTED';
  if (group !== undefined || (statuses.length > 0 && statuses.every((s) => s.TxSts !== undefined))) return 'COMPLETED';
  return 'PROCESSING';
}

/** The group part: the one OrgnlGrpInfAndSts, else the original group every transaction names. */
function originalGroupOf(root: XNode): XNode {
  const groups = root.children('OrgnlGrpInfAndSts');
  if (groups.length > 1) throw root.fail(`a bulk's status reports on one original message: ${groups.length} OrgnlGrpInfAndSts`);
  if (groups[0]) return groups[0];
  const named = root.children('TxInfAndSts').map((tx) => tx.child('OrgnlGrpInf'));
  const first = named[0];
  if (!first || named.some((n) => n?.textOf('OrgnlMsgId') !== first.textOf('OrgnlMsgId'))) {
    throw root.fail('the transactions of a status name no one original message (OrgnlGrpInfAndSts, or the same OrgnlGrpInf in every TxInfAndSts)');
  }
  return first;
}

/** Reads a schema-valid pacs.002 `Document` holding a bulk's status (see `isBulkPacs002`). */
export function bulkPacs002FromXml(document: XNode, _version: Pacs002Version): { message: BulkPacs002; context: BulkPacs002Context } {
  const root = document.req('FIToFIPmtStsRpt');
  const g = root.req('GrpHdr');
  const groupNode = originalGroupOf(root);
  const supplement = new SupplementReader(readSupplement(root), root);
  const context: BulkPacs002Context = { OrgnlMsgNmId: groupNode.reqText('OrgnlMsgNmId') };
  const cre = groupNode.child('OrgnlCreDtTm');
  if (cre) context.OrgnlCreDtTm = readDateTime(cre);
  const read = root.children('TxInfAndSts').map((tx) => transactionStatusFromXml(tx, context));
  const TxInfAndSts = read.map((r) => r.status);
  const grpSts = statusCode(groupNode, GROUP_READ, 'group');
  const state = supplement.string('BulkTransferState');
  if (state !== undefined && !STATES.includes(state as BulkTransferState))
    throw root.fail(`Mizani supplementary data: BulkTransferState ${JSON.stringify(state)}`);
  const message: BulkPacs002 = {
    GrpHdr: { MsgId: g.reqText('MsgId'), CreDtTm: readDateTime(g.req('CreDtTm')) },
    OrgnlGrpInfAndSts: { OrgnlMsgId: groupNode.reqText('OrgnlMsgId'), BulkTransferState: (state as BulkTransferState) ?? stateOf(grpSts, TxInfAndSts) },
    TxInfAndSts,
  };
  if (grpSts !== undefined) message.OrgnlGrpInfAndSts.GrpSts = grpSts;
  const reason = groupNode.localName === 'OrgnlGrpInfAndSts' ? groupNode.child('StsRsnInf') : undefined;
  if (reason) {
    message.OrgnlGrpInfAndSts.StsRsnInf = statusReasonFromXml(reason);
    const ext = supplement.extensions('StsRsnInf.extensions');
    if (ext) message.OrgnlGrpInfAndSts.StsRsnInf.extensions = ext;
  }
  const latest = read
    .flatMap((r) => r.date ?? [])
    .sort((a, b) => Date.parse(a) - Date.parse(b))
    .pop();
  const completed = supplement.string('PrcgDt') ?? latest;
  if (completed !== undefined) message.PrcgDt = { DtTm: completed };
  const splmtry = supplement.object<NonNullable<BulkPacs002['SplmtryData']>>('SplmtryData', (v) => isJsonData(v));
  if (splmtry) {
    if (splmtry.extensions !== undefined) new SupplementReader(splmtry as Record<string, unknown>, root).extensions('extensions');
    message.SplmtryData = splmtry;
  }
  return { message, context };
}
