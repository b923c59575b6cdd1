/**
 * FSPIOP transfer messages <-> canonical ISO 20022 (pacs.008 / pacs.002). Pure functions: the
 * caller supplies everything that is not in the FSPIOP body (the path id, the receipt time).
 * The error functions serve every FSPIOP `{errorInformation}` callback carried as pacs.002
 * (PUT /transfers/{ID}/error and PUT /quotes/{ID}/error).
 */
import type { Pacs002, TxSts } from '../../schemas/iso/pacs002.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { errorInformationOf, extensionListOf, extensionsOf, moneyFromCanonical, moneyToCanonical, type FspiopErrorBody, type FspiopExtensionList } from './common.js';

export type { FspiopErrorBody, FspiopExtensionList } from './common.js';

export type TransferState = 'RECEIVED' | 'RESERVED' | 'COMMITTED' | 'ABORTED';

export interface FspiopTransferPrepare {
  transferId: string;
  payeeFsp: string;
  payerFsp: string;
  amount: { currency: string; amount: string };
  ilpPacket: string;
  condition: string;
  expiration: string;
  extensionList?: FspiopExtensionList;
}

export interface FspiopTransferFulfil {
  fulfilment?: string;
  completedTimestamp?: string;
  transferState: TransferState;
  extensionList?: FspiopExtensionList;
}

export interface FspiopTransferPatch {
  completedTimestamp: string;
  transferState: TransferState;
  extensionList?: FspiopExtensionList;
}

const TO_TXSTS: Record<TransferState, TxSts> = { RECEIVED: 'RECV', RESERVED: 'RESV', COMMITTED: 'COMM', ABORTED: 'ABOR' };
const FROM_TXSTS: Record<TxSts, TransferState> = { RECV: 'RECEIVED', RESV: 'RESERVED', COMM: 'COMMITTED', ABOR: 'ABORTED' };

export function toTxSts(state: TransferState): TxSts {
  return TO_TXSTS[state];
}

export function fromTxSts(status: TxSts): TransferState {
  const state = FROM_TXSTS[status];
  if (state === undefined) throw new TranslationError('transferState', `status ${String(status)} is not one of RECV, RESV, COMM, ABOR`);
  return state;
}

/** POST /transfers body -> pacs.008. `receivedAt` becomes the group header's creation time. */
export function prepareToCanonical(body: FspiopTransferPrepare, receivedAt: string): Pacs008 {
  const message: Pacs008 = {
    GrpHdr: {
      MsgId: body.transferId,
      CreDtTm: receivedAt,
      NbOfTxs: '1',
      SttlmInf: { SttlmMtd: 'CLRG' },
      PmtInstrXpryDtTm: body.expiration,
    },
    CdtTrfTxInf: {
      PmtId: { TxId: body.transferId },
      IntrBkSttlmAmt: moneyToCanonical(body.amount, 'amount'),
      ChrgBr: 'SHAR',
      DbtrAgt: { FinInstnId: { Othr: { Id: body.payerFsp } } },
      CdtrAgt: { FinInstnId: { Othr: { Id: body.payeeFsp } } },
      ExctnCond: body.condition,
      VrfctnOfTerms: { IlpV4PrepPacket: body.ilpPacket },
    },
  };
  if (body.extensionList) message.CdtTrfTxInf.SplmtryData = { extensions: extensionsOf(body.extensionList)! };
  return message;
}

/** pacs.008 -> POST /transfers body. Refuses (TranslationError 3100) an amount FSPIOP cannot carry exactly. */
export function prepareFromCanonical(message: Pacs008): FspiopTransferPrepare {
  const tx = message.CdtTrfTxInf;
  const body: FspiopTransferPrepare = {
    transferId: tx.PmtId.TxId,
    payeeFsp: tx.CdtrAgt.FinInstnId.Othr?.Id ?? '',
    payerFsp: tx.DbtrAgt.FinInstnId.Othr?.Id ?? '',
    amount: moneyFromCanonical(tx.IntrBkSttlmAmt, 'amount'),
    ilpPacket: tx.VrfctnOfTerms?.IlpV4PrepPacket ?? '',
    condition: tx.ExctnCond,
    expiration: message.GrpHdr.PmtInstrXpryDtTm,
  };
  const extensionList = extensionListOf(tx.SplmtryData?.extensions);
  if (extensionList) body.extensionList = extensionList;
  return body;
}

/** PUT /transfers/{ID} or PATCH /transfers/{ID} body -> pacs.002. */
export function statusToCanonical(transferId: string, body: FspiopTransferFulfil, receivedAt: string): Pacs002 {
  const message: Pacs002 = {
    GrpHdr: { MsgId: transferId, CreDtTm: receivedAt },
    TxInfAndSts: { OrgnlTxId: transferId, TxSts: toTxSts(body.transferState) },
  };
  if (body.fulfilment !== undefined) message.TxInfAndSts.ExctnConf = body.fulfilment;
  if (body.completedTimestamp !== undefined) message.TxInfAndSts.PrcgDt = { DtTm: body.completedTimestamp };
  if (body.extensionList) message.TxInfAndSts.SplmtryData = { extensions: extensionsOf(body.extensionList)! };
  return message;
}

/** PATCH /transfers/{ID} body -> pacs.002 (same shape as a status). */
export function patchToCanonical(transferId: string, body: FspiopTransferPatch, receivedAt: string): Pacs002 {
  return statusToCanonical(transferId, body, receivedAt);
}

/** pacs.002 status -> PUT /transfers/{ID} body. */
export function statusFromCanonical(message: Pacs002): FspiopTransferFulfil {
  const tx = message.TxInfAndSts;
  if (!tx.TxSts) throw new Error('pacs.002 without TxSts is an error report, not a status');
  const body: FspiopTransferFulfil = { transferState: fromTxSts(tx.TxSts) };
  if (tx.ExctnConf !== undefined) body.fulfilment = tx.ExctnConf;
  if (tx.PrcgDt) body.completedTimestamp = tx.PrcgDt.DtTm;
  if (tx.SplmtryData) body.extensionList = extensionListOf(tx.SplmtryData.extensions);
  return body;
}

/** pacs.002 status -> PATCH /transfers/{ID} body (completedTimestamp is required there; a fulfilment is refused). */
export function patchFromCanonical(message: Pacs002): FspiopTransferPatch {
  const tx = message.TxInfAndSts;
  if (!tx.TxSts) throw new TranslationError('transferState', 'pacs.002 without TxSts is an error report, not a status', '3102');
  if (!tx.PrcgDt) throw new TranslationError('completedTimestamp', 'a PATCH needs the processing date (PrcgDt.DtTm)', '3102');
  if (tx.ExctnConf !== undefined) throw new TranslationError('fulfilment', 'a PATCH /transfers body carries no fulfilment');
  const body: FspiopTransferPatch = { completedTimestamp: tx.PrcgDt.DtTm, transferState: fromTxSts(tx.TxSts) };
  if (tx.SplmtryData) body.extensionList = extensionListOf(tx.SplmtryData.extensions);
  return body;
}

/** PUT /transfers/{ID}/error body -> pacs.002 carrying a status reason. */
export function errorToCanonical(transferId: string, body: FspiopErrorBody, receivedAt: string): Pacs002 {
  const info = body.errorInformation;
  const message: Pacs002 = {
    GrpHdr: { MsgId: transferId, CreDtTm: receivedAt },
    TxInfAndSts: {
      OrgnlTxId: transferId,
      StsRsnInf: { Rsn: { Prtry: info.errorCode }, AddtlInf: info.errorDescription },
    },
  };
  if (info.extensionList) message.TxInfAndSts.StsRsnInf!.extensions = extensionsOf(info.extensionList);
  return message;
}

/**
 * pacs.002 error report -> FSPIOP `{errorInformation}`. The code is `Rsn.Prtry`, else `Rsn.Cd`; a report without
 * description (ISO senders may give only a code) gets the code's standard description, as Mojaloop does.
 */
export function errorFromCanonical(message: Pacs002): FspiopErrorBody {
  const reason = message.TxInfAndSts.StsRsnInf;
  if (!reason) throw new TranslationError('errorInformation', 'pacs.002 without StsRsnInf is a status, not an error report', '3102');
  const code = reason.Rsn.Prtry ?? reason.Rsn.Cd;
  if (code === undefined) throw new TranslationError('errorInformation.errorCode', 'the status reason has no code', '3102');
  if (!/^[1-9]\d{3}$/.test(code)) throw new TranslationError('errorInformation.errorCode', `${JSON.stringify(code)} is not an FSPIOP error code (4 digits)`);
  return { errorInformation: errorInformationOf(code, reason.AddtlInf, reason.extensions) };
}
