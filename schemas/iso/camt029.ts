/**
 * camt.029 Resolution Of Investigation: the hub's answer to a camt.056 cancellation request.
 *
 * `Sts.Conf` (ExternalInvestigationExecutionConfirmation1Code) summarises the outcome — CNCL
 * (cancelled as requested), PDCR (pending), RJCR (cancellation rejected) — and the transaction's
 * `TxCxlSts` (ISO CancellationIndividualStatus1Code) repeats it at transaction level: ACCR, PDCR, RJCR.
 */
import type { Amount } from '../amount.js';
import type { Agent } from './common.js';
import type { OriginalTransactionReference } from './original.js';

export type InvestigationConfirmation = 'CNCL' | 'PDCR' | 'RJCR' | (string & {});
export type CancellationStatus = 'ACCR' | 'PDCR' | 'RJCR';

export interface CancellationStatusReason {
  /** Cd: ExternalPaymentCancellationRejection1Code (e.g. NOOR, ARDT, LEGL, CUST); or Prtry. */
  Rsn?: { Cd?: string; Prtry?: string };
  AddtlInf?: string[];
}

export interface InvestigationResolution {
  Assgnmt: {
    Id: string;
    /** The hub. */
    Assgnr: Agent;
    /** The bank that asked. */
    Assgne: Agent;
    CreDtTm: string;
  };
  /** The case being resolved (the request's Case, or its assignment id). */
  RslvdCase?: { Id: string; Cretr: Agent };
  Sts: { Conf: InvestigationConfirmation };
  CxlDtls?: {
    TxInfAndSts: OriginalTransactionReference & {
      CxlStsId?: string;
      TxCxlSts?: CancellationStatus;
      CxlStsRsnInf?: CancellationStatusReason;
      OrgnlIntrBkSttlmAmt?: Amount;
    };
  };
}
