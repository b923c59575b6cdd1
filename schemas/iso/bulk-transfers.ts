/**
 * Bulk transfers, canonical: one instruction that pays many (FSPIOP POST /bulkTransfers; a bank's pacs.008 with many
 * `CdtTrfTxInf`), and its status report (FSPIOP PUT /bulkTransfers/{ID}; a pacs.002 with a group status and one
 * `TxInfAndSts` per transaction). Every transaction of a bulk is a transfer of its own: `lineOf` makes the single
 * pacs.008 the transfer lifecycle decides on, so each line follows the rules of a single transfer.
 */
import type { Amount } from '../amount.js';
import type { Extension, StatusReason } from './common.js';
import type { Pacs008, Pacs008FromXml } from './pacs008.js';

/** A multi-transaction pacs.008. Every transaction names the same payer agent and, from FSPIOP, the same payee agent. */
export interface BulkPacs008 {
  GrpHdr: {
    /** FSPIOP `bulkTransferId`. */
    MsgId: string;
    CreDtTm: string;
    /** The number of transactions, as text (ISO Max15NumericText). */
    NbOfTxs: string;
    SttlmInf: Pacs008['GrpHdr']['SttlmInf'];
    /** FSPIOP `expiration`: every transaction expires then. */
    PmtInstrXpryDtTm: string;
  };
  CdtTrfTxInf: Pacs008['CdtTrfTxInf'][];
  /** FSPIOP data without a pacs.008 element: `bulkQuoteId`, the top-level `extensionList`. */
  SplmtryData?: { bulkQuoteId?: string; extensions?: Extension[] };
}

/**
 * A bank's bulk as read from XML (translators/isoxml/bulk-pacs008.ts): like a bank's single payment
 * (`Pacs008FromXml`), without an expiry or ILP conditions, which the hub sets acting for the bank.
 */
export type BulkPacs008FromXml = Omit<BulkPacs008, 'GrpHdr' | 'CdtTrfTxInf'> & {
  GrpHdr: Omit<BulkPacs008['GrpHdr'], 'PmtInstrXpryDtTm'> & { PmtInstrXpryDtTm?: string };
  CdtTrfTxInf: Pacs008FromXml['CdtTrfTxInf'][];
};

/** FSPIOP `BulkTransferState`. */
export type BulkTransferState = 'RECEIVED' | 'PENDING' | 'ACCEPTED' | 'PROCESSING' | 'COMPLETED' | 'REJECTED';

/**
 * ISO group status of a bulk's outcome: ACCP every transaction accepted, PART some, RJCT none (pacs.002
 * `OrgnlGrpInfAndSts/GrpSts`). Derived from the transactions' outcomes by `groupStatusOf`.
 */
export type GroupStatus = 'ACCP' | 'PART' | 'RJCT';

/** One transaction's outcome in a bulk's status (FSPIOP `individualTransferResults[]`). */
export interface BulkTransactionStatus {
  /** FSPIOP `transferId`. */
  OrgnlTxId: string;
  /** ACSC: committed (the fulfilment is `ExctnConf`); RJCT: refused or aborted (the reason is `StsRsnInf`). Absent: not final. */
  TxSts?: 'ACSC' | 'RJCT';
  /** Fulfilment, base64url (FSPIOP `fulfilment`). */
  ExctnConf?: string;
  /** FSPIOP `errorInformation`. */
  StsRsnInf?: StatusReason;
  /** The transaction's amount, when the status reports it (ISO senders and receivers; FSPIOP has no field for it). */
  IntrBkSttlmAmt?: Amount;
  /** FSPIOP `extensionList` of the result. */
  SplmtryData?: { extensions?: Extension[] };
}

/** A bulk's status report: the payee's answer, or the hub's final report to the payer. */
export interface BulkPacs002 {
  GrpHdr: { MsgId: string; CreDtTm: string };
  OrgnlGrpInfAndSts: {
    /** FSPIOP `bulkTransferId`. */
    OrgnlMsgId: string;
    /** The group status, where the bulk is final. */
    GrpSts?: GroupStatus;
    /** FSPIOP `bulkTransferState`. */
    BulkTransferState: BulkTransferState;
    /**
     * Why the whole bulk was refused (pacs.002 `OrgnlGrpInfAndSts/StsRsnInf`, a bank's group rejection; the hub's
     * error about a bulk to a bank). FSPIOP says it in PUT /bulkTransfers/{ID}/error instead.
     */
    StsRsnInf?: StatusReason;
  };
  /** FSPIOP `completedTimestamp`. */
  PrcgDt?: { DtTm: string };
  TxInfAndSts: BulkTransactionStatus[];
  /** FSPIOP top-level `extensionList`. */
  SplmtryData?: { extensions?: Extension[] };
}

/** The single transfer that line `index` of a bulk is: the transfer lifecycle decides on it as on any other. */
export function lineOf(bulk: BulkPacs008, index: number): Pacs008 {
  return {
    GrpHdr: {
      MsgId: bulk.GrpHdr.MsgId,
      CreDtTm: bulk.GrpHdr.CreDtTm,
      NbOfTxs: '1',
      SttlmInf: bulk.GrpHdr.SttlmInf,
      PmtInstrXpryDtTm: bulk.GrpHdr.PmtInstrXpryDtTm,
    },
    CdtTrfTxInf: bulk.CdtTrfTxInf[index]!,
  };
}

export function bulkPayerOf(bulk: BulkPacs008): string {
  return bulk.CdtTrfTxInf[0]?.DbtrAgt.FinInstnId.Othr?.Id ?? '';
}

export function bulkPayeeOf(bulk: BulkPacs008): string {
  return bulk.CdtTrfTxInf[0]?.CdtrAgt.FinInstnId.Othr?.Id ?? '';
}

/** ACCP when every transaction is accepted, RJCT when none is, PART otherwise. */
export function groupStatusOf(statuses: readonly BulkTransactionStatus[]): GroupStatus {
  const accepted = statuses.filter((s) => s.TxSts === 'ACSC').length;
  if (accepted === statuses.length && accepted > 0) return 'ACCP';
  return accepted === 0 ? 'RJCT' : 'PART';
}
