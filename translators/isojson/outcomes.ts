/**
 * The Mojaloop ISO 20022 JSON form of every domain outcome (schemas/outcomes.ts): what a participant of that dialect
 * finds in the pacs.002 / acmt.024 error reports the hub authors. Mojaloop's ISO JSON dialect defines the reason as
 * the FSPIOP error: `StsRsnInf.Rsn.Prtry` is the FSPIOP error code and `AddtlInf` its errorDescription (contract
 * iso20022-mapping.md), so every code below is the FSPIOP table's (translators/fspiop/outcomes.ts), and a unit test
 * holds the two equal. It is a table of its own all the same: the day the dialect words an outcome otherwise, this is
 * where it changes. (Synchronous refusals and ALS answers keep FSPIOP bodies in this dialect: see the FSPIOP table.)
 */
import type { StatusReason } from '../../schemas/iso/common.js';
import { wordedReason } from '../../schemas/iso/translation.js';
import type { DomainError, Outcome } from '../../schemas/outcomes.js';

export interface IsoJsonForm {
  /** `StsRsnInf.Rsn.Prtry` (acmt.024: `Rpt.Rsn.Cd`): the FSPIOP error code. */
  readonly prtry: string;
  /** The detail is the whole `AddtlInf`, not "<standard message> - <detail>". */
  readonly whole?: true;
}

const WHOLE = true;

export const ISO_JSON_FORMS: Readonly<Record<Outcome, IsoJsonForm>> = {
  SENDER_UNKNOWN: { prtry: '3200' },
  PAYER_FSP_UNKNOWN: { prtry: '3202' },
  SENDER_INACTIVE: { prtry: '3100' },
  SOURCE_IS_NOT_PAYER: { prtry: '3100' },
  SOURCE_IS_NOT_PAYEE: { prtry: '3100' },
  DESTINATION_IS_NOT_PAYER: { prtry: '3100' },
  REQUESTER_NOT_A_PARTY: { prtry: '3000' },
  REGISTRANT_IS_NOT_SOURCE: { prtry: '3100' },
  DESTINATION_MISSING: { prtry: '3102' },
  DESTINATION_UNKNOWN: { prtry: '3201' },
  DESTINATION_INACTIVE: { prtry: '3201' },
  DESTINATION_NO_ENDPOINT: { prtry: '3201' },
  DESTINATION_REFUSED: { prtry: '3000' },
  DESTINATION_UNREACHABLE: { prtry: '1001' },

  AGENT_IS_NOT_SENDER: { prtry: '3100' },
  INSTRUCTED_AGENT_MISMATCH: { prtry: '3100' },
  PAYEE_UNRESOLVABLE: { prtry: '3201' },
  PARTY_UNIDENTIFIED: { prtry: '3102' },
  TRANSFER_REFERENCE_MISSING: { prtry: '3102' },
  TERMS_DIFFER_FROM_INSTRUCTION: { prtry: '3100' },
  FX_TERMS_DIFFER_FROM_INSTRUCTION: { prtry: '3100' },
  FX_INSTRUCTION_INCONSISTENT: { prtry: '3100' },
  INSTRUCTION_CANCELLED: { prtry: '3100', whole: WHOLE },

  PAYEE_FSP_UNKNOWN: { prtry: '3203' },
  PAYEE_FSP_INACTIVE: { prtry: '3100' },
  PAYER_IS_PAYEE: { prtry: '3100' },
  AMOUNT_NOT_POSITIVE: { prtry: '3100' },
  CURRENCY_UNSUPPORTED: { prtry: '3100' },
  AMOUNT_TOO_PRECISE_FOR_CURRENCY: { prtry: '3100' },
  AMOUNT_TOO_PRECISE_FOR_LEDGER: { prtry: '3100' },
  AMOUNT_EXCEEDS_LEDGER: { prtry: '3100' },
  EXPIRATION_INVALID: { prtry: '3100' },
  EXPIRATION_PASSED: { prtry: '3100' },
  PARTICIPANT_ACCOUNT_MISSING: { prtry: '3100' },
  PARTICIPANT_ACCOUNT_INACTIVE: { prtry: '3100' },
  CONDITION_INVALID: { prtry: '3100' },

  ILP_PACKET_MISSING: { prtry: '3100' },
  ILP_PACKET_MALFORMED: { prtry: '3100' },
  ILP_CONDITION_MISMATCH: { prtry: '3100' },
  ILP_AMOUNT_MISMATCH: { prtry: '3100' },
  ILP_AMOUNT_UNREPRESENTABLE: { prtry: '3100' },
  ILP_EXPIRY_MISMATCH: { prtry: '3100' },
  ILP_CURRENCY_MISMATCH: { prtry: '3100' },
  ILP_PAYER_MISMATCH: { prtry: '3100' },
  ILP_PAYEE_MISMATCH: { prtry: '3100' },

  PAYER_FSP_INSUFFICIENT_LIQUIDITY: { prtry: '4001' },
  PAYER_LIMIT_EXCEEDED: { prtry: '4200' },

  COMPLETED_TIMESTAMP_INVALID: { prtry: '3100' },
  COMPLETED_TIMESTAMP_OUT_OF_WINDOW: { prtry: '3100' },
  FULFIL_STATE_INVALID: { prtry: '3100' },
  FULFILMENT_INVALID: { prtry: '3100' },
  TRANSFER_EXPIRED: { prtry: '3303' },
  TRANSFER_NOT_FOUND: { prtry: '3208' },
  TRANSFER_NOT_RESERVED: { prtry: '3100' },
  RECEIVED_ERROR_CODE_INVALID: { prtry: '3100', whole: WHOLE },
  MODIFIED_DUPLICATE: { prtry: '3106' },
  ABORT_CAUSE_UNRECORDED: { prtry: '2001', whole: WHOLE },
  BULK_TRANSFER_NOT_FOUND: { prtry: '3210' },
  BULK_PARTIES_DIFFER: { prtry: '3100' },
  BULK_TRANSFER_ID_REPEATED: { prtry: '3100' },
  BULK_LINE_DUPLICATE: { prtry: '3106', whole: WHOLE },
  BULK_LINE_UNANSWERED: { prtry: '5000' },

  // FX transfers (issue 15)
  FX_DETERMINING_TRANSFER_MISSING: { prtry: '3100' },
  FX_CURRENCIES_SAME: { prtry: '3100' },
  FX_DETERMINING_TRANSFER_EXISTS: { prtry: '3100' },
  FX_TRANSFER_NOT_FOUND: { prtry: '3208' },
  FX_RELATED_TRANSFER_NOT_FULFILLED: { prtry: '3100' },
  FX_DEPENDENT_TERMS_DIFFER: { prtry: '3100' },
  FX_NOT_ON_PARTITIONED_LEDGER: { prtry: '2002' },
  FX_ABORTED_BY_FXP: { prtry: '5100' },

  QUOTE_PAYER_ACCOUNT_UNAVAILABLE: { prtry: '3202' },
  QUOTE_PAYEE_ACCOUNT_UNAVAILABLE: { prtry: '3201' },
  QUOTE_EXPIRED: { prtry: '3302' },
  QUOTE_NOT_FOUND: { prtry: '3205' },
  BULK_QUOTE_NOT_FOUND: { prtry: '3209' },
  QUOTE_ID_REPEATED_IN_BULK: { prtry: '3100' },
  // FX quotes (issue 15)
  FX_QUOTE_NOT_FOUND: { prtry: '3205' },
  FX_INITIATOR_IS_NOT_SOURCE: { prtry: '3100' },
  FX_PROVIDER_IS_NOT_DESTINATION: { prtry: '3100' },
  FX_INITIATOR_ACCOUNT_UNAVAILABLE: { prtry: '3202' },
  FX_PROVIDER_ACCOUNT_UNAVAILABLE: { prtry: '3201' },
  FX_AMOUNT_TYPE_MISMATCH: { prtry: '3100' },
  FX_TERMS_CHANGED: { prtry: '3100' },
  FX_TERMS_INCONSISTENT: { prtry: '3100' },
  FXP_NOT_FOUND: { prtry: '3204' },

  TRANSACTION_REQUEST_NOT_FOUND: { prtry: '3206' },
  TRANSACTION_REQUEST_EXPIRED: { prtry: '3301' },
  TRANSACTION_REQUEST_WRONG_SENDER: { prtry: '3100' },
  TRANSACTION_REQUEST_WRONG_DESTINATION: { prtry: '3100' },
  TRANSACTION_REQUEST_STATE_INVALID: { prtry: '3100' },
  DESTINATION_DIALECT_UNSUPPORTED: { prtry: '3201' },

  PARTY_NOT_FOUND: { prtry: '3204' },
  PARTY_REGISTERED_TO_ANOTHER_FSP: { prtry: '3003' },
  PARTY_HELD_BY_ANOTHER_FSP: { prtry: '3040' },
  ORACLE_UNREACHABLE: { prtry: '1001' },
  ORACLE_ANSWER_INVALID: { prtry: '1001' },
  ORACLE_REFUSED_LOOKUP: { prtry: '3204' },
  ORACLE_REFUSED_REGISTRATION: { prtry: '3003' },
  ORACLE_REFUSED_REMOVAL: { prtry: '3040' },
  ORACLE_EXISTS: { prtry: '2001' },
  ORACLE_NOT_FOUND: { prtry: '3200' },

  PARTICIPANT_NOT_FOUND: { prtry: '3200', whole: WHOLE },
  PARTICIPANT_CURRENCY_EXISTS: { prtry: '3000', whole: WHOLE },
  HUB_RECONCILIATION_ACCOUNT_MISSING: { prtry: '3003', whole: WHOLE },
  HUB_SETTLEMENT_ACCOUNT_MISSING: { prtry: '3003', whole: WHOLE },
  SETTLEMENT_MODEL_MISSING: { prtry: '6000', whole: WHOLE },
  HUB_HAS_NO_DIALECT: { prtry: '3000', whole: WHOLE },
  ACCOUNT_TYPE_NOT_FOUND: { prtry: '3003', whole: WHOLE },
  ACCOUNT_TYPE_EXISTS: { prtry: '3000', whole: WHOLE },
  HUB_ACCOUNT_TYPE_NOT_ALLOWED: { prtry: '3003', whole: WHOLE },
  HUB_ACCOUNT_EXISTS: { prtry: '3003', whole: WHOLE },
  POSITION_ACCOUNT_MISSING: { prtry: '3200', whole: WHOLE },
  LIMIT_ALREADY_SET: { prtry: '2001', whole: WHOLE },
  LIMIT_NOT_SET: { prtry: '3200', whole: WHOLE },
  ACCOUNT_NOT_FOUND: { prtry: '2001', whole: WHOLE },
  ACCOUNT_OF_ANOTHER_PARTICIPANT: { prtry: '2001', whole: WHOLE },
  ACCOUNT_NOT_POSITION: { prtry: '2001', whole: WHOLE },
  SETTLEMENT_MODEL_EXISTS: { prtry: '3000', whole: WHOLE },
  SETTLEMENT_MODEL_OVERLAPS: { prtry: '3000', whole: WHOLE },
  SETTLEMENT_MODEL_NOT_FOUND: { prtry: '3100', whole: WHOLE },
  SETTLEMENT_WINDOW_NOT_FOUND: { prtry: '3100', whole: WHOLE },
  SETTLEMENT_WINDOW_NOT_OPEN: { prtry: '3100', whole: WHOLE },
  SETTLEMENT_WINDOW_EMPTY: { prtry: '3100', whole: WHOLE },
  SETTLEMENT_WINDOWS_INAPPLICABLE: { prtry: '3100', whole: WHOLE },
  SETTLEMENT_MODEL_NOT_DEFERRED: { prtry: '3100', whole: WHOLE },
  SETTLEMENT_NOT_FOUND: { prtry: '3100', whole: WHOLE },
  SETTLEMENT_ABORT_REFUSED: { prtry: '3100', whole: WHOLE },
  INTERCHANGE_FEE_RULE_EXISTS: { prtry: '3100', whole: WHOLE },
  INTERCHANGE_FEE_RULE_OVERLAPS: { prtry: '3100', whole: WHOLE },
  INTERCHANGE_FEE_RULE_NOT_FOUND: { prtry: '3100', whole: WHOLE },
  INTERCHANGE_FEE_MODEL_MISSING: { prtry: '3100', whole: WHOLE },
  ISO_IDENTIFIER_TAKEN: { prtry: '3003' },

  LEDGER_UNAVAILABLE: { prtry: '2003' },
  SERVER_BUSY: { prtry: '2005' },
  RECORD_VANISHED: { prtry: '2001' },
  ID_COLLISION: { prtry: '2001' },
  UNEXPECTED_FAILURE: { prtry: '2001' },
};

/** The canonical reason of an outcome as a Mojaloop ISO 20022 JSON participant is told it. */
export function isoJsonReasonOf(error: DomainError): StatusReason {
  const form = ISO_JSON_FORMS[error.outcome];
  return wordedReason(form.prtry, error.detail, { whole: form.whole, data: error.data });
}
