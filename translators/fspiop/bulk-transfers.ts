/**
 * FSPIOP bulk transfer messages <-> canonical (schemas/iso/bulk-transfers.ts). Pure.
 *
 * `POST /bulkTransfers` <-> BulkPacs008: each individual transfer is the single transfer of `prepareToCanonical` /
 * `prepareFromCanonical` (amount, condition, ILP packet, extension list and what it carries), with the bulk's payer
 * and payee FSP as every transaction's DbtrAgt / CdtrAgt and the bulk's expiration. The bulk's own data without a
 * pacs.008 element (`bulkQuoteId`, the top-level extension list) is the message's `SplmtryData`; the settlement
 * method, which is the group's, travels as `iso:SttlmMtd` in the top-level list when it is not CLRG.
 *
 * `PUT /bulkTransfers/{ID}` <-> BulkPacs002: `bulkTransferState`, `completedTimestamp` (PrcgDt) and one
 * TxInfAndSts per `individualTransferResults[]` item: `fulfilment` is ExctnConf (TxSts ACSC), `errorInformation` is
 * StsRsnInf as `errorToCanonical` reads it (TxSts RJCT). A transaction status or group status the FSPIOP fields do
 * not imply (an ISO sender's), and a transaction's amount, travel as `iso:` extension items, never dropped.
 */
import { formatAmount } from '../../schemas/amount.js';
import type { Extension, StatusReason } from '../../schemas/iso/common.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import {
  groupStatusOf,
  type BulkPacs002,
  type BulkPacs008,
  type BulkTransactionStatus,
  type BulkTransferState,
  type GroupStatus,
} from '../../schemas/iso/bulk-transfers.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import {
  extensionListOf,
  extensionsOf,
  moneyToCanonical,
  takeCarried,
  withCarried,
  type FspiopErrorInformation,
  type FspiopExtensionList,
  type FspiopMoney,
} from './common.js';
import { errorFromCanonical, errorToCanonical, prepareFromCanonical, prepareToCanonical } from './transfers.js';

export interface FspiopIndividualTransfer {
  transferId: string;
  transferAmount: FspiopMoney;
  ilpPacket: string;
  condition: string;
  extensionList?: FspiopExtensionList;
}

export interface FspiopBulkTransferPrepare {
  bulkTransferId: string;
  bulkQuoteId: string;
  payerFsp: string;
  payeeFsp: string;
  individualTransfers: FspiopIndividualTransfer[];
  expiration: string;
  extensionList?: FspiopExtensionList;
}

export interface FspiopIndividualTransferResult {
  transferId: string;
  fulfilment?: string;
  errorInformation?: FspiopErrorInformation;
  extensionList?: FspiopExtensionList;
}

/** PUT /bulkTransfers/{ID} (the payee's answer, or the hub's report). */
export interface FspiopBulkTransferStatus {
  completedTimestamp?: string;
  individualTransferResults?: FspiopIndividualTransferResult[];
  bulkTransferState: BulkTransferState;
  extensionList?: FspiopExtensionList;
}

const PREPARE = 'POST /bulkTransfers';
const STATUS = 'PUT /bulkTransfers/{ID}';
const SETTLEMENT_METHODS: readonly string[] = ['INDA', 'INGA', 'COVE'];
const TX_STATUSES: readonly string[] = ['ACSC', 'RJCT'];
const GROUP_STATUSES: readonly string[] = ['ACCP', 'PART', 'RJCT'];

/**
 * Runs the single-transfer translation of line `index`, naming the line in what it refuses: the single transfer's
 * `amount` is the line's `transferAmount`, its extension list the line's.
 */
function asLine<T>(index: number, translate: () => T): T {
  try {
    return translate();
  } catch (err) {
    if (!(err instanceof TranslationError)) throw err;
    const field = err.field.replace(/^amount\b/, 'transferAmount').replace(/^POST \/transfers(\.extensionList| extension)?/, 'extensionList');
    throw new TranslationError(`individualTransfers[${index}].${field}`, err.reason, err.code);
  }
}

/** POST /bulkTransfers body -> BulkPacs008. `receivedAt` becomes the group header's creation time. */
export function bulkPrepareToCanonical(body: FspiopBulkTransferPrepare, receivedAt: string): BulkPacs008 {
  const { own, carried } = takeCarried(extensionsOf(body.extensionList), PREPARE);
  const CdtTrfTxInf = body.individualTransfers.map((t, i) => asLine(i, () => lineToCanonical(body, t, receivedAt)));
  const bulk: BulkPacs008 = {
    GrpHdr: {
      MsgId: body.bulkTransferId,
      CreDtTm: receivedAt,
      NbOfTxs: String(CdtTrfTxInf.length),
      SttlmInf: { SttlmMtd: 'CLRG' },
      PmtInstrXpryDtTm: body.expiration,
    },
    CdtTrfTxInf,
    SplmtryData: { bulkQuoteId: body.bulkQuoteId },
  };
  if (own) bulk.SplmtryData!.extensions = own;
  for (const [name, value] of Object.entries(carried)) {
    if (name === 'SttlmMtd' && SETTLEMENT_METHODS.includes(value as string)) {
      bulk.GrpHdr.SttlmInf.SttlmMtd = value as BulkPacs008['GrpHdr']['SttlmInf']['SttlmMtd'];
    } else {
      throw new TranslationError(`${PREPARE} extension iso:${name}`, 'not something Mizani carries in a bulk transfer, or not in its shape');
    }
  }
  return bulk;
}

function lineToCanonical(body: FspiopBulkTransferPrepare, t: FspiopIndividualTransfer, receivedAt: string): Pacs008['CdtTrfTxInf'] {
  const single = prepareToCanonical(
    {
      transferId: t.transferId,
      payerFsp: body.payerFsp,
      payeeFsp: body.payeeFsp,
      amount: t.transferAmount,
      ilpPacket: t.ilpPacket,
      condition: t.condition,
      expiration: body.expiration,
      ...(t.extensionList ? { extensionList: t.extensionList } : {}),
    },
    receivedAt,
  );
  if (single.GrpHdr.SttlmInf.SttlmMtd !== 'CLRG') {
    throw new TranslationError('extensionList (iso:SttlmMtd)', "the settlement method is the bulk's: it travels in the bulk's extension list");
  }
  return single.CdtTrfTxInf;
}

/**
 * BulkPacs008 -> POST /bulkTransfers body. FSPIOP names one payer and one payee FSP for the whole bulk and requires
 * the bulk quote id: a bulk that has several (a bank's, before the hub splits it per payee) or none is refused, as is
 * an amount FSPIOP cannot carry exactly.
 */
export function bulkPrepareFromCanonical(bulk: BulkPacs008): FspiopBulkTransferPrepare {
  const first = bulk.CdtTrfTxInf[0];
  if (!first) throw new TranslationError('individualTransfers', 'a bulk transfer holds at least one transfer', '3102');
  const payerFsp = first.DbtrAgt.FinInstnId.Othr?.Id;
  const payeeFsp = first.CdtrAgt.FinInstnId.Othr?.Id;
  if (payerFsp === undefined) throw new TranslationError('payerFsp', 'the first transaction names no debtor agent FSP (DbtrAgt Othr.Id)', '3102');
  if (payeeFsp === undefined) throw new TranslationError('payeeFsp', 'the first transaction names no creditor agent FSP (CdtrAgt Othr.Id)', '3102');
  const bulkQuoteId = bulk.SplmtryData?.bulkQuoteId;
  if (bulkQuoteId === undefined) throw new TranslationError('bulkQuoteId', 'FSPIOP requires the bulk quote the transfers were agreed in', '3102');
  const individualTransfers = bulk.CdtTrfTxInf.map((tx, i) => {
    if (tx.DbtrAgt.FinInstnId.Othr?.Id !== payerFsp || tx.CdtrAgt.FinInstnId.Othr?.Id !== payeeFsp) {
      throw new TranslationError(`individualTransfers[${i}]`, `an FSPIOP bulk has one payer FSP (${payerFsp}) and one payee FSP (${payeeFsp})`);
    }
    return asLine(i, () => lineFromCanonical(bulk, tx));
  });
  const body: FspiopBulkTransferPrepare = {
    bulkTransferId: bulk.GrpHdr.MsgId,
    bulkQuoteId,
    payerFsp,
    payeeFsp,
    individualTransfers,
    expiration: bulk.GrpHdr.PmtInstrXpryDtTm,
  };
  const sttlmMtd = bulk.GrpHdr.SttlmInf.SttlmMtd;
  const extensionList = extensionListOf(withCarried(bulk.SplmtryData?.extensions, sttlmMtd === 'CLRG' ? {} : { SttlmMtd: sttlmMtd }, PREPARE));
  if (extensionList) body.extensionList = extensionList;
  return body;
}

function lineFromCanonical(bulk: BulkPacs008, tx: Pacs008['CdtTrfTxInf']): FspiopIndividualTransfer {
  // The settlement method is the group's (the bulk's extension list), not repeated per line.
  const single: Pacs008 = {
    GrpHdr: { ...bulk.GrpHdr, NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' } },
    CdtTrfTxInf: tx,
  };
  const p = prepareFromCanonical(single);
  const line: FspiopIndividualTransfer = { transferId: p.transferId, transferAmount: p.amount, ilpPacket: p.ilpPacket, condition: p.condition };
  if (p.extensionList) line.extensionList = p.extensionList;
  return line;
}

// ------------------------------------------------------------------------------------------------ status

/** The transaction status the FSPIOP fields of a result say: an error refuses the line, a fulfilment commits it. */
function impliedTxSts(s: Pick<BulkTransactionStatus, 'ExctnConf' | 'StsRsnInf'>): BulkTransactionStatus['TxSts'] {
  if (s.StsRsnInf) return 'RJCT';
  return s.ExctnConf !== undefined ? 'ACSC' : undefined;
}

/** The group status the FSPIOP state says: none until the bulk is final. */
function impliedGroupStatus(state: BulkTransferState, statuses: readonly BulkTransactionStatus[]): GroupStatus | undefined {
  if (state === 'REJECTED') return 'RJCT';
  return state === 'COMPLETED' ? groupStatusOf(statuses) : undefined;
}

/** PUT /bulkTransfers/{ID} body -> BulkPacs002. */
export function bulkStatusToCanonical(bulkTransferId: string, body: FspiopBulkTransferStatus, receivedAt: string): BulkPacs002 {
  const TxInfAndSts = (body.individualTransferResults ?? []).map((r, i) => resultToCanonical(r, i, receivedAt));
  const message: BulkPacs002 = {
    GrpHdr: { MsgId: bulkTransferId, CreDtTm: receivedAt },
    OrgnlGrpInfAndSts: { OrgnlMsgId: bulkTransferId, BulkTransferState: body.bulkTransferState },
    TxInfAndSts,
  };
  if (body.completedTimestamp !== undefined) message.PrcgDt = { DtTm: body.completedTimestamp };
  const { own, carried } = takeCarried(extensionsOf(body.extensionList), STATUS);
  let grpSts = impliedGroupStatus(body.bulkTransferState, TxInfAndSts);
  for (const [name, value] of Object.entries(carried)) {
    if (name === 'GrpSts' && (value === null || GROUP_STATUSES.includes(value as string))) grpSts = (value ?? undefined) as GroupStatus | undefined;
    else if (name === 'StsRsnInf' && isStatusReason(value)) message.OrgnlGrpInfAndSts.StsRsnInf = value;
    else throw new TranslationError(`${STATUS} extension iso:${name}`, 'not something Mizani carries in a bulk status, or not in its shape');
  }
  if (grpSts !== undefined) message.OrgnlGrpInfAndSts.GrpSts = grpSts;
  if (own) message.SplmtryData = { extensions: own };
  return message;
}

/** A carried group reason, checked (it comes from the wire): `{Rsn: {Prtry?, Cd?}, AddtlInf?, extensions?}`. */
function isStatusReason(v: unknown): v is StatusReason {
  const r = v as Record<string, unknown> | null;
  if (!r || typeof r !== 'object' || !r.Rsn || typeof r.Rsn !== 'object') return false;
  const rsn = r.Rsn as Record<string, unknown>;
  const text = (x: unknown) => x === undefined || typeof x === 'string';
  const extensions =
    r.extensions === undefined || (Array.isArray(r.extensions) && r.extensions.every((e) => e && typeof e.key === 'string' && typeof e.value === 'string'));
  return text(rsn.Prtry) && text(rsn.Cd) && text(r.AddtlInf) && extensions;
}

function resultToCanonical(r: FspiopIndividualTransferResult, index: number, receivedAt: string): BulkTransactionStatus {
  const field = `individualTransferResults[${index}]`;
  const status: BulkTransactionStatus = { OrgnlTxId: r.transferId };
  if (r.fulfilment !== undefined) status.ExctnConf = r.fulfilment;
  if (r.errorInformation) status.StsRsnInf = errorToCanonical(r.transferId, { errorInformation: r.errorInformation }, receivedAt).TxInfAndSts.StsRsnInf!;
  const { own, carried } = takeCarried(extensionsOf(r.extensionList), `${field}`);
  let txSts = impliedTxSts(status);
  for (const [name, value] of Object.entries(carried)) {
    const o = value as Record<string, unknown> | null;
    if (name === 'TxSts' && (value === null || TX_STATUSES.includes(value as string))) {
      txSts = (value ?? undefined) as BulkTransactionStatus['TxSts'];
    } else if (name === 'IntrBkSttlmAmt' && o && typeof o === 'object' && typeof o.Amt === 'string' && typeof o.Ccy === 'string') {
      status.IntrBkSttlmAmt = moneyToCanonical({ amount: o.Amt, currency: o.Ccy }, `${field}.extensionList (iso:IntrBkSttlmAmt)`);
    } else {
      throw new TranslationError(`${field}.extensionList (iso:${name})`, 'not something Mizani carries in a transfer result, or not in its shape');
    }
  }
  if (txSts !== undefined) status.TxSts = txSts;
  if (own) status.SplmtryData = { extensions: own };
  return status;
}

/** BulkPacs002 -> PUT /bulkTransfers/{ID} body (no bulkTransferId: a PUT callback body never names its resource). */
export function bulkStatusFromCanonical(message: BulkPacs002): FspiopBulkTransferStatus {
  const group = message.OrgnlGrpInfAndSts;
  const body: FspiopBulkTransferStatus = { bulkTransferState: group.BulkTransferState };
  if (message.PrcgDt) body.completedTimestamp = message.PrcgDt.DtTm;
  if (message.TxInfAndSts.length > 0) body.individualTransferResults = message.TxInfAndSts.map(resultFromCanonical);
  const implied = impliedGroupStatus(group.BulkTransferState, message.TxInfAndSts);
  // A group's reason (a bank's rejection of the whole bulk) has no member in this body: FSPIOP says it in /error.
  const carried = { ...(group.GrpSts === implied ? {} : { GrpSts: group.GrpSts ?? null }), ...(group.StsRsnInf ? { StsRsnInf: group.StsRsnInf } : {}) };
  const extensionList = extensionListOf(withCarried(message.SplmtryData?.extensions, carried, STATUS));
  if (extensionList) body.extensionList = extensionList;
  return body;
}

function resultFromCanonical(s: BulkTransactionStatus, index: number): FspiopIndividualTransferResult {
  const field = `individualTransferResults[${index}]`;
  const result: FspiopIndividualTransferResult = { transferId: s.OrgnlTxId };
  if (s.ExctnConf !== undefined) result.fulfilment = s.ExctnConf;
  if (s.StsRsnInf) {
    const report = { GrpHdr: { MsgId: s.OrgnlTxId, CreDtTm: '' }, TxInfAndSts: { OrgnlTxId: s.OrgnlTxId, StsRsnInf: s.StsRsnInf } };
    try {
      result.errorInformation = errorFromCanonical(report).errorInformation;
    } catch (err) {
      if (err instanceof TranslationError) throw new TranslationError(`${field}.${err.field}`, err.reason, err.code);
      throw err;
    }
  }
  const carried: Record<string, unknown> = {};
  if (s.TxSts !== impliedTxSts(s)) carried.TxSts = s.TxSts ?? null;
  if (s.IntrBkSttlmAmt) carried.IntrBkSttlmAmt = { Amt: formatAmount(s.IntrBkSttlmAmt), Ccy: s.IntrBkSttlmAmt.currency };
  const extensions: Extension[] | undefined = withCarried(s.SplmtryData?.extensions, carried, field);
  if (extensions) result.extensionList = extensionListOf(extensions)!;
  return result;
}
