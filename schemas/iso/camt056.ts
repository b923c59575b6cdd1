/**
 * camt.056 FI-to-FI Payment Cancellation Request (banks on the ISO 20022 XML edge). The hub answers
 * it with a camt.029 according to the state of the transfer. One transaction per request.
 */
import type { Amount } from '../amount.js';
import type { Agent } from './common.js';
import type { OriginalTransactionReference } from './original.js';

/** ISO CancellationReason33Choice (Cd: ExternalCancellationReason1Code, e.g. DUPL, FRAD, TECH, CUST) or Prtry. */
export interface CancellationReason {
  Rsn?: { Cd?: string; Prtry?: string };
  /** Free text, each at most 105 characters (ISO AddtlInf is repeatable Max105Text). */
  AddtlInf?: string[];
}

export interface CancellationRequest {
  Assgnmt: {
    /** Identification of the assignment (Max35Text). */
    Id: string;
    /** Who asks (the bank). */
    Assgnr: Agent;
    /** Who is asked (the hub). */
    Assgne: Agent;
    CreDtTm: string;
  };
  /** Case the request belongs to. */
  Case?: { Id: string; Cretr: Agent };
  TxInf: OriginalTransactionReference & {
    CxlId?: string;
    OrgnlIntrBkSttlmAmt?: Amount;
    OrgnlIntrBkSttlmDt?: string;
    CxlRsnInf?: CancellationReason;
  };
}
