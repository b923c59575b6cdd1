/**
 * FSPIOP v2.0 fxTransfers <-> canonical: POST /fxTransfers (pacs.009), PUT and PATCH /fxTransfers/{ID} (pacs.002
 * status, `conversionState` = TxSts). The error form (PUT /fxTransfers/{ID}/error) is a transfer's error
 * (translators/fspiop/transfers.ts errorToCanonical / errorFromCanonical). Pure functions.
 */
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { Pacs009 } from '../../schemas/iso/pacs009.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { moneyFromCanonical, moneyToCanonical, type FspiopExtensionList, type FspiopMoney } from './common.js';
import { patchFromCanonical, statusFromCanonical, statusToCanonical, type TransferState } from './transfers.js';

export interface FspiopFxTransferPrepare {
  commitRequestId: string;
  determiningTransferId?: string;
  initiatingFsp: string;
  counterPartyFsp: string;
  amountType?: 'SEND' | 'RECEIVE';
  sourceAmount: FspiopMoney;
  targetAmount: FspiopMoney;
  condition: string;
  expiration?: string;
}

export interface FspiopFxTransferStatus {
  fulfilment?: string;
  completedTimestamp?: string;
  conversionState: TransferState;
  extensionList?: FspiopExtensionList;
}

export interface FspiopFxTransferPatch {
  completedTimestamp?: string;
  conversionState: TransferState;
  extensionList?: FspiopExtensionList;
}

/** POST /fxTransfers body -> pacs.009. `receivedAt` becomes the group header's creation time. */
export function fxPrepareToCanonical(body: FspiopFxTransferPrepare, receivedAt: string): Pacs009 {
  const message: Pacs009 = {
    GrpHdr: { MsgId: body.commitRequestId, CreDtTm: receivedAt, NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' } },
    CdtTrfTxInf: {
      PmtId: { TxId: body.commitRequestId },
      IntrBkSttlmAmt: moneyToCanonical(body.targetAmount, 'targetAmount'),
      UndrlygCstmrCdtTrf: { InstdAmt: moneyToCanonical(body.sourceAmount, 'sourceAmount') },
      Dbtr: { FinInstnId: { Othr: { Id: body.initiatingFsp } } },
      Cdtr: { FinInstnId: { Othr: { Id: body.counterPartyFsp } } },
      VrfctnOfTerms: { Sh256Sgntr: body.condition },
    },
  };
  if (body.expiration !== undefined) message.GrpHdr.PmtInstrXpryDtTm = body.expiration;
  if (body.determiningTransferId !== undefined) message.CdtTrfTxInf.PmtId.EndToEndId = body.determiningTransferId;
  if (body.amountType !== undefined) message.CdtTrfTxInf.InstrForCdtrAgt = { InstrInf: body.amountType };
  return message;
}

/** pacs.009 -> POST /fxTransfers body. Refuses (3100) an amount FSPIOP cannot carry exactly, and what it has no member for. */
export function fxPrepareFromCanonical(message: Pacs009): FspiopFxTransferPrepare {
  const tx = message.CdtTrfTxInf;
  if (tx.SplmtryData?.extensions?.length) throw new TranslationError('extensionList', 'POST /fxTransfers has no extension list');
  const body: FspiopFxTransferPrepare = {
    commitRequestId: tx.PmtId.TxId,
    initiatingFsp: tx.Dbtr.FinInstnId.Othr?.Id ?? '',
    counterPartyFsp: tx.Cdtr.FinInstnId.Othr?.Id ?? '',
    sourceAmount: moneyFromCanonical(tx.UndrlygCstmrCdtTrf.InstdAmt, 'sourceAmount'),
    targetAmount: moneyFromCanonical(tx.IntrBkSttlmAmt, 'targetAmount'),
    condition: tx.VrfctnOfTerms.Sh256Sgntr,
  };
  if (tx.PmtId.EndToEndId !== undefined) body.determiningTransferId = tx.PmtId.EndToEndId;
  if (tx.InstrForCdtrAgt) body.amountType = tx.InstrForCdtrAgt.InstrInf;
  if (message.GrpHdr.PmtInstrXpryDtTm !== undefined) body.expiration = message.GrpHdr.PmtInstrXpryDtTm;
  return body;
}

/** PUT /fxTransfers/{ID} body -> pacs.002 (a transfer's status, conversionState as TxSts). */
export function fxStatusToCanonical(commitRequestId: string, body: FspiopFxTransferStatus, receivedAt: string): Pacs002 {
  const { conversionState, ...rest } = body;
  return statusToCanonical(commitRequestId, { ...rest, transferState: conversionState }, receivedAt);
}

/** pacs.002 status -> PUT /fxTransfers/{ID} body. */
export function fxStatusFromCanonical(message: Pacs002): FspiopFxTransferStatus {
  const { transferState, ...rest } = statusFromCanonical(message);
  return { ...rest, conversionState: transferState };
}

/** pacs.002 status -> PATCH /fxTransfers/{ID} body (no fulfilment). */
export function fxPatchFromCanonical(message: Pacs002): FspiopFxTransferPatch {
  const { transferState, ...rest } = patchFromCanonical(message);
  return { ...rest, conversionState: transferState };
}
