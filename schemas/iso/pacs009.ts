/**
 * pacs.009 Financial Institution Credit Transfer: the canonical currency conversion between two FSPs (FSPIOP
 * `POST /fxTransfers`, iso20022-mapping.md §3.6). The debtor agent converts a source amount it pays to the
 * creditor agent (the FXP) into a target amount the FXP pays on, in the transfer named by EndToEndId.
 * Its status is a pacs.002 (schemas/iso/pacs002.ts): FSPIOP `conversionState` is `TxSts`.
 */
import type { Amount } from '../amount.js';
import type { Agent, Extension } from './common.js';

export interface Pacs009 {
  GrpHdr: {
    MsgId: string;
    CreDtTm: string;
    NbOfTxs: '1';
    SttlmInf: { SttlmMtd: 'CLRG' | 'INDA' | 'INGA' | 'COVE' };
    /** FSPIOP `expiration` (optional in the FSPIOP schema; the hub refuses a conversion without one). */
    PmtInstrXpryDtTm?: string;
  };
  CdtTrfTxInf: {
    /** TxId = `commitRequestId`; EndToEndId = `determiningTransferId`, the transfer that depends on the conversion. */
    PmtId: { TxId: string; EndToEndId?: string; InstrId?: string };
    /** The target amount: what the FXP pays in the dependent transfer (FSPIOP `targetAmount`). */
    IntrBkSttlmAmt: Amount;
    /** The source amount the initiating FSP pays the FXP (FSPIOP `sourceAmount`; ISO `UndrlygCstmrCdtTrf.InstdAmt`). */
    UndrlygCstmrCdtTrf: { InstdAmt: Amount };
    /** The initiating FSP (`FinInstnId.Othr.Id` = FSPIOP `initiatingFsp`). */
    Dbtr: Agent;
    /** The FXP (`FinInstnId.Othr.Id` = FSPIOP `counterPartyFsp`). */
    Cdtr: Agent;
    /** `Sh256Sgntr` = FSPIOP `condition` (base64url SHA-256 of the fulfilment). */
    VrfctnOfTerms: { Sh256Sgntr: string };
    /** FSPIOP `amountType` (TTK sends it): `InstrInf` SEND or RECEIVE. */
    InstrForCdtrAgt?: { InstrInf: 'SEND' | 'RECEIVE' };
    SplmtryData?: { extensions?: Extension[] };
  };
}

export function initiatingFspOf(m: Pacs009): string {
  return m.CdtTrfTxInf.Dbtr.FinInstnId.Othr?.Id ?? '';
}

export function counterPartyFspOf(m: Pacs009): string {
  return m.CdtTrfTxInf.Cdtr.FinInstnId.Othr?.Id ?? '';
}

export function sourceAmountOf(m: Pacs009): Amount {
  return m.CdtTrfTxInf.UndrlygCstmrCdtTrf.InstdAmt;
}

export function targetAmountOf(m: Pacs009): Amount {
  return m.CdtTrfTxInf.IntrBkSttlmAmt;
}
