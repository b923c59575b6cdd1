/**
 * FSPIOP transfer messages <-> canonical ISO 20022 (pacs.008 / pacs.002). Pure functions: the
 * caller supplies everything that is not in the FSPIOP body (the path id, the receipt time).
 */
import { formatAmount, parseAmount } from '../../schemas/amount.js';
import type { Extension } from '../../schemas/iso/common.js';
import type { Pacs002, TxSts } from '../../schemas/iso/pacs002.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';

export type TransferState = 'RECEIVED' | 'RESERVED' | 'COMMITTED' | 'ABORTED';

export interface FspiopExtensionList {
  extension: Extension[];
}

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

export interface FspiopErrorBody {
  errorInformation: { errorCode: string; errorDescription: string; extensionList?: FspiopExtensionList };
}

const TO_TXSTS: Record<TransferState, TxSts> = { RECEIVED: 'RECV', RESERVED: 'RESV', COMMITTED: 'COMM', ABORTED: 'ABOR' };
const FROM_TXSTS: Record<TxSts, TransferState> = { RECV: 'RECEIVED', RESV: 'RESERVED', COMM: 'COMMITTED', ABOR: 'ABORTED' };

export function toTxSts(state: TransferState): TxSts {
  return TO_TXSTS[state];
}

export function fromTxSts(status: TxSts): TransferState {
  return FROM_TXSTS[status];
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
      IntrBkSttlmAmt: parseAmount(body.amount.amount, body.amount.currency),
      ChrgBr: 'SHAR',
      DbtrAgt: { FinInstnId: { Othr: { Id: body.payerFsp } } },
      CdtrAgt: { FinInstnId: { Othr: { Id: body.payeeFsp } } },
      ExctnCond: body.condition,
      VrfctnOfTerms: { IlpV4PrepPacket: body.ilpPacket },
    },
  };
  if (body.extensionList) message.CdtTrfTxInf.SplmtryData = { extensions: body.extensionList.extension };
  return message;
}

export function prepareFromCanonical(message: Pacs008): FspiopTransferPrepare {
  const tx = message.CdtTrfTxInf;
  const body: FspiopTransferPrepare = {
    transferId: tx.PmtId.TxId,
    payeeFsp: tx.CdtrAgt.FinInstnId.Othr?.Id ?? '',
    payerFsp: tx.DbtrAgt.FinInstnId.Othr?.Id ?? '',
    amount: { currency: tx.IntrBkSttlmAmt.currency, amount: formatAmount(tx.IntrBkSttlmAmt) },
    ilpPacket: tx.VrfctnOfTerms?.IlpV4PrepPacket ?? '',
    condition: tx.ExctnCond,
    expiration: message.GrpHdr.PmtInstrXpryDtTm,
  };
  if (tx.SplmtryData) body.extensionList = { extension: tx.SplmtryData.extensions };
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
  if (body.extensionList) message.TxInfAndSts.SplmtryData = { extensions: body.extensionList.extension };
  return message;
}

export function statusFromCanonical(message: Pacs002): FspiopTransferFulfil {
  const tx = message.TxInfAndSts;
  if (!tx.TxSts) throw new Error('pacs.002 without TxSts is an error report, not a status');
  const body: FspiopTransferFulfil = { transferState: fromTxSts(tx.TxSts) };
  if (tx.ExctnConf !== undefined) body.fulfilment = tx.ExctnConf;
  if (tx.PrcgDt) body.completedTimestamp = tx.PrcgDt.DtTm;
  if (tx.SplmtryData) body.extensionList = { extension: tx.SplmtryData.extensions };
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
  if (info.extensionList) message.TxInfAndSts.StsRsnInf!.extensions = info.extensionList.extension;
  return message;
}

export function errorFromCanonical(message: Pacs002): FspiopErrorBody {
  const reason = message.TxInfAndSts.StsRsnInf;
  if (!reason) throw new Error('pacs.002 without StsRsnInf is a status, not an error report');
  const code = reason.Rsn.Prtry ?? reason.Rsn.Cd ?? '';
  const info: FspiopErrorBody['errorInformation'] = { errorCode: code, errorDescription: reason.AddtlInf ?? '' };
  if (reason.extensions) info.extensionList = { extension: reason.extensions };
  return { errorInformation: info };
}
