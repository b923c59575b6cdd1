/**
 * The FSPIOP form of every domain outcome (schemas/outcomes.ts): the error code (contract errors.md §3), whether the
 * hub's detail is the whole errorDescription (Mojaloop's Admin API words its refusals so) instead of
 * "<standard message> - <detail>", and the HTTP status of a synchronous answer where it is not the code's default.
 * These are exactly the codes and descriptions the hub answered with before outcomes existed. The edge, notify and the
 * Admin API's error handler build FSPIOP errors from outcomes here, and only here (`fspiopErrorOf`).
 */
import type { FspiopError } from '../../schemas/errors.js';
import type { StatusReason } from '../../schemas/iso/common.js';
import { wordedError, wordedReason } from '../../schemas/iso/translation.js';
import { isDomainError, type DomainError, type Outcome, type Reason } from '../../schemas/outcomes.js';
import { errorInformationOf, type FspiopErrorInformation } from './common.js';

export interface FspiopForm {
  readonly code: string;
  /** The detail is the whole errorDescription (Mojaloop Admin API wording), not "<standard message> - <detail>". */
  readonly whole?: true;
  /** HTTP status of a synchronous answer, when not the code's default (errors.md §2). */
  readonly httpStatus?: number;
}

const WHOLE = true;

export const FSPIOP_FORMS: Readonly<Record<Outcome, FspiopForm>> = {
  SENDER_UNKNOWN: { code: '3200' },
  PAYER_FSP_UNKNOWN: { code: '3202' },
  SENDER_INACTIVE: { code: '3100' },
  SOURCE_IS_NOT_PAYER: { code: '3100' },
  SOURCE_IS_NOT_PAYEE: { code: '3100' },
  DESTINATION_IS_NOT_PAYER: { code: '3100' },
  REQUESTER_NOT_A_PARTY: { code: '3000' },
  REGISTRANT_IS_NOT_SOURCE: { code: '3100' },
  DESTINATION_MISSING: { code: '3102' },
  DESTINATION_UNKNOWN: { code: '3201' },
  DESTINATION_INACTIVE: { code: '3201' },
  DESTINATION_NO_ENDPOINT: { code: '3201' },
  DESTINATION_REFUSED: { code: '3000' },
  DESTINATION_UNREACHABLE: { code: '1001' },

  AGENT_IS_NOT_SENDER: { code: '3100' },
  INSTRUCTED_AGENT_MISMATCH: { code: '3100' },
  PAYEE_UNRESOLVABLE: { code: '3201' },
  PARTY_UNIDENTIFIED: { code: '3102' },
  TRANSFER_REFERENCE_MISSING: { code: '3102' },
  TERMS_DIFFER_FROM_INSTRUCTION: { code: '3100' },
  FX_TERMS_DIFFER_FROM_INSTRUCTION: { code: '3100' },
  FX_INSTRUCTION_INCONSISTENT: { code: '3100' },
  INSTRUCTION_CANCELLED: { code: '3100', whole: WHOLE },

  PAYEE_FSP_UNKNOWN: { code: '3203' },
  PAYEE_FSP_INACTIVE: { code: '3100' },
  PAYER_IS_PAYEE: { code: '3100' },
  AMOUNT_NOT_POSITIVE: { code: '3100' },
  CURRENCY_UNSUPPORTED: { code: '3100' },
  AMOUNT_TOO_PRECISE_FOR_CURRENCY: { code: '3100' },
  AMOUNT_TOO_PRECISE_FOR_LEDGER: { code: '3100' },
  AMOUNT_EXCEEDS_LEDGER: { code: '3100' },
  EXPIRATION_INVALID: { code: '3100' },
  EXPIRATION_PASSED: { code: '3100' },
  PARTICIPANT_ACCOUNT_MISSING: { code: '3100' },
  PARTICIPANT_ACCOUNT_INACTIVE: { code: '3100' },
  CONDITION_INVALID: { code: '3100' },

  ILP_PACKET_MISSING: { code: '3100' },
  ILP_PACKET_MALFORMED: { code: '3100' },
  ILP_CONDITION_MISMATCH: { code: '3100' },
  ILP_AMOUNT_MISMATCH: { code: '3100' },
  ILP_AMOUNT_UNREPRESENTABLE: { code: '3100' },
  ILP_EXPIRY_MISMATCH: { code: '3100' },
  ILP_CURRENCY_MISMATCH: { code: '3100' },
  ILP_PAYER_MISMATCH: { code: '3100' },
  ILP_PAYEE_MISMATCH: { code: '3100' },

  PAYER_FSP_INSUFFICIENT_LIQUIDITY: { code: '4001' },
  PAYER_LIMIT_EXCEEDED: { code: '4200' },

  COMPLETED_TIMESTAMP_INVALID: { code: '3100' },
  COMPLETED_TIMESTAMP_OUT_OF_WINDOW: { code: '3100' },
  FULFIL_STATE_INVALID: { code: '3100' },
  FULFILMENT_INVALID: { code: '3100' },
  TRANSFER_EXPIRED: { code: '3303' },
  TRANSFER_NOT_FOUND: { code: '3208' },
  TRANSFER_NOT_RESERVED: { code: '3100' },
  RECEIVED_ERROR_CODE_INVALID: { code: '3100', whole: WHOLE },
  MODIFIED_DUPLICATE: { code: '3106' },
  ABORT_CAUSE_UNRECORDED: { code: '2001', whole: WHOLE },
  BULK_TRANSFER_NOT_FOUND: { code: '3210' },
  BULK_PARTIES_DIFFER: { code: '3100' },
  BULK_TRANSFER_ID_REPEATED: { code: '3100' },
  BULK_LINE_DUPLICATE: { code: '3106', whole: WHOLE },
  BULK_LINE_UNANSWERED: { code: '5000' },

  // FX transfers (issue 15)
  FX_DETERMINING_TRANSFER_MISSING: { code: '3100' },
  FX_CURRENCIES_SAME: { code: '3100' },
  FX_DETERMINING_TRANSFER_EXISTS: { code: '3100' },
  FX_TRANSFER_NOT_FOUND: { code: '3208' },
  FX_RELATED_TRANSFER_NOT_FULFILLED: { code: '3100' },
  FX_DEPENDENT_TERMS_DIFFER: { code: '3100' },
  FX_NOT_ON_PARTITIONED_LEDGER: { code: '2002' },
  FX_ABORTED_BY_FXP: { code: '5100' },

  QUOTE_PAYER_ACCOUNT_UNAVAILABLE: { code: '3202' },
  QUOTE_PAYEE_ACCOUNT_UNAVAILABLE: { code: '3201' },
  QUOTE_EXPIRED: { code: '3302' },
  QUOTE_NOT_FOUND: { code: '3205' },
  BULK_QUOTE_NOT_FOUND: { code: '3209' },
  QUOTE_ID_REPEATED_IN_BULK: { code: '3100' },
  // FX quotes (issue 15)
  FX_QUOTE_NOT_FOUND: { code: '3205' },
  FX_INITIATOR_IS_NOT_SOURCE: { code: '3100' },
  FX_PROVIDER_IS_NOT_DESTINATION: { code: '3100' },
  FX_INITIATOR_ACCOUNT_UNAVAILABLE: { code: '3202' },
  FX_PROVIDER_ACCOUNT_UNAVAILABLE: { code: '3201' },
  FX_AMOUNT_TYPE_MISMATCH: { code: '3100' },
  FX_TERMS_CHANGED: { code: '3100' },
  FX_TERMS_INCONSISTENT: { code: '3100' },
  FXP_NOT_FOUND: { code: '3204' },

  TRANSACTION_REQUEST_NOT_FOUND: { code: '3206' },
  TRANSACTION_REQUEST_EXPIRED: { code: '3301' },
  TRANSACTION_REQUEST_WRONG_SENDER: { code: '3100' },
  TRANSACTION_REQUEST_WRONG_DESTINATION: { code: '3100' },
  TRANSACTION_REQUEST_STATE_INVALID: { code: '3100' },
  DESTINATION_DIALECT_UNSUPPORTED: { code: '3201' },

  PARTY_NOT_FOUND: { code: '3204' },
  PARTY_REGISTERED_TO_ANOTHER_FSP: { code: '3003' },
  PARTY_HELD_BY_ANOTHER_FSP: { code: '3040' },
  ORACLE_UNREACHABLE: { code: '1001' },
  ORACLE_ANSWER_INVALID: { code: '1001' },
  ORACLE_REFUSED_LOOKUP: { code: '3204' },
  ORACLE_REFUSED_REGISTRATION: { code: '3003' },
  ORACLE_REFUSED_REMOVAL: { code: '3040' },
  ORACLE_EXISTS: { code: '2001' },
  ORACLE_NOT_FOUND: { code: '3200' },

  PARTICIPANT_NOT_FOUND: { code: '3200', whole: WHOLE },
  PARTICIPANT_CURRENCY_EXISTS: { code: '3000', whole: WHOLE },
  HUB_RECONCILIATION_ACCOUNT_MISSING: { code: '3003', whole: WHOLE },
  HUB_SETTLEMENT_ACCOUNT_MISSING: { code: '3003', whole: WHOLE },
  SETTLEMENT_MODEL_MISSING: { code: '6000', whole: WHOLE },
  HUB_HAS_NO_DIALECT: { code: '3000', whole: WHOLE },
  ACCOUNT_TYPE_NOT_FOUND: { code: '3003', whole: WHOLE },
  ACCOUNT_TYPE_EXISTS: { code: '3000', whole: WHOLE },
  HUB_ACCOUNT_TYPE_NOT_ALLOWED: { code: '3003', whole: WHOLE },
  HUB_ACCOUNT_EXISTS: { code: '3003', whole: WHOLE },
  POSITION_ACCOUNT_MISSING: { code: '3200', whole: WHOLE },
  LIMIT_ALREADY_SET: { code: '2001', whole: WHOLE },
  LIMIT_NOT_SET: { code: '3200', whole: WHOLE },
  ACCOUNT_NOT_FOUND: { code: '2001', whole: WHOLE },
  ACCOUNT_OF_ANOTHER_PARTICIPANT: { code: '2001', whole: WHOLE },
  ACCOUNT_NOT_POSITION: { code: '2001', whole: WHOLE },
  SETTLEMENT_MODEL_EXISTS: { code: '3000', whole: WHOLE },
  SETTLEMENT_MODEL_OVERLAPS: { code: '3000', whole: WHOLE },
  SETTLEMENT_MODEL_NOT_FOUND: { code: '3100', whole: WHOLE },
  SETTLEMENT_WINDOW_NOT_FOUND: { code: '3100', whole: WHOLE },
  SETTLEMENT_WINDOW_NOT_OPEN: { code: '3100', whole: WHOLE },
  SETTLEMENT_WINDOW_EMPTY: { code: '3100', whole: WHOLE },
  SETTLEMENT_WINDOWS_INAPPLICABLE: { code: '3100', whole: WHOLE },
  SETTLEMENT_MODEL_NOT_DEFERRED: { code: '3100', whole: WHOLE },
  SETTLEMENT_NOT_FOUND: { code: '3100', whole: WHOLE },
  SETTLEMENT_ABORT_REFUSED: { code: '3100', whole: WHOLE },
  INTERCHANGE_FEE_RULE_EXISTS: { code: '3100', whole: WHOLE },
  INTERCHANGE_FEE_RULE_OVERLAPS: { code: '3100', whole: WHOLE },
  INTERCHANGE_FEE_RULE_NOT_FOUND: { code: '3100', whole: WHOLE },
  INTERCHANGE_FEE_MODEL_MISSING: { code: '3100', whole: WHOLE },
  ISO_IDENTIFIER_TAKEN: { code: '3003' },

  LEDGER_UNAVAILABLE: { code: '2003' },
  SERVER_BUSY: { code: '2005' },
  RECORD_VANISHED: { code: '2001' },
  ID_COLLISION: { code: '2001' },
  UNEXPECTED_FAILURE: { code: '2001' },
};

/** The FSPIOP error (sync body or error callback) of an outcome: the one way an FSPIOP error is made from one. */
export function fspiopErrorOf(error: DomainError): FspiopError {
  const form = FSPIOP_FORMS[error.outcome];
  return wordedError(form.code, error.detail, { whole: form.whole, data: error.data, httpStatus: form.httpStatus });
}

/** The canonical error report reason an FSPIOP participant is sent for an outcome (PUT .../error bodies). */
export function fspiopReasonOf(error: DomainError): StatusReason {
  const form = FSPIOP_FORMS[error.outcome];
  return wordedReason(form.code, error.detail, { whole: form.whole, data: error.data });
}

/** FSPIOP errorInformation of a reason: an outcome in the table's words, a reason someone gave as it was given. */
export function fspiopErrorInformationOf(reason: Reason): FspiopErrorInformation {
  if (isDomainError(reason)) return fspiopErrorOf(reason).toErrorInformation();
  return errorInformationOf(reason.Rsn.Prtry ?? reason.Rsn.Cd ?? '', reason.AddtlInf, reason.extensions);
}

/** For error handlers: a DomainError becomes its FSPIOP error; anything else is returned as it is. */
export function wireErrorOf<E>(thrown: E): E | FspiopError {
  return isDomainError(thrown) ? fspiopErrorOf(thrown) : thrown;
}
