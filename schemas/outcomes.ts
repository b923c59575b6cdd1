/**
 * What happened, in the hub's own words: the closed set of domain outcomes `ledger/` and `switch/core` raise
 * (DESIGN.md, "Errors: domain outcomes inside, wire codes at the edge"). Each dialect maps every outcome to its wire
 * form in exactly one table: translators/fspiop/outcomes.ts (FSPIOP code, HTTP status), translators/isojson/
 * outcomes.ts (Mojaloop ISO 20022 JSON) and translators/isoxml/outcomes.ts (what a bank gets: pacs.002 / admi.002).
 * Those tables are typed `Record<Outcome, ...>`: an outcome added here without a wire form does not compile.
 *
 * Not outcomes: reasons someone else gave — a participant's error code, a bank's status reason, a translator's
 * refusal of a message its dialect cannot carry. They are message data and travel as the canonical StatusReason.
 *
 * Each value says what the outcome means; names say what happened, not which code a dialect gives it.
 */
import { isValidReasonCode, type StatusReason } from './iso/common.js';

export const OUTCOMES = {
  // ---- who is speaking, and to whom
  SENDER_UNKNOWN: 'the sender of a message is not a registered participant',
  PAYER_FSP_UNKNOWN: 'the sender of a transfer, its payer, is not a registered participant',
  SENDER_INACTIVE: 'the sender of a message is a participant that is not active',
  SOURCE_IS_NOT_PAYER: 'a transfer is sent by another participant than its payer',
  SOURCE_IS_NOT_PAYEE: 'a fulfil, an error or a quote answer comes from another participant than the payee',
  DESTINATION_IS_NOT_PAYER: 'a quote answer is addressed to another participant than the payer of the quote',
  REQUESTER_NOT_A_PARTY: 'the requester is neither the payer nor the payee of the transfer or quote it asks about',
  REGISTRANT_IS_NOT_SOURCE: 'an FSP registers a party for another FSP',
  DESTINATION_MISSING: 'a message that must name its destination does not',
  DESTINATION_UNKNOWN: 'the participant a message must go to is not a participant',
  DESTINATION_INACTIVE: 'the participant a message must go to is not active',
  DESTINATION_NO_ENDPOINT: 'the participant a message must go to has no endpoint registered for it',
  DESTINATION_REFUSED: 'the participant a message was delivered to refused it (HTTP 4xx)',
  DESTINATION_UNREACHABLE: 'the participant a message must go to could not be reached',
  // ---- a bank's instruction (switch/core/bridge)
  AGENT_IS_NOT_SENDER: 'the debtor or instructing agent of a bank payment is not the bank that sent it',
  INSTRUCTED_AGENT_MISMATCH: 'the instructed agent of a bank payment is neither the hub nor the creditor agent',
  PAYEE_UNRESOLVABLE: 'a bank payment names no creditor agent and no creditor identifier to look the payee up by',
  PARTY_UNIDENTIFIED: 'a party of a bank payment has neither a party identifier nor an account',
  TRANSFER_REFERENCE_MISSING: 'a status, status request or cancellation names no transfer',
  TERMS_DIFFER_FROM_INSTRUCTION: "the payee's terms are not the amount the bank instructed",
  FX_TERMS_DIFFER_FROM_INSTRUCTION: "the FXP's conversion terms are not the amounts, or the rate, a bank instructed",
  FX_INSTRUCTION_INCONSISTENT:
    "a bank's cross-currency pacs.008 does not hold together: no amount fixed, or a rate (XchgRate) that is not exactly the ratio of its two amounts",
  INSTRUCTION_CANCELLED: "a bank payment was cancelled at the bank's request before anything was reserved",
  // ---- a transfer's terms (prepare)
  PAYEE_FSP_UNKNOWN: 'the payee FSP of a transfer is not a registered participant',
  PAYEE_FSP_INACTIVE: 'the payee FSP of a transfer is not active',
  PAYER_IS_PAYEE: 'payer and payee are the same participant, and the scheme does not allow that',
  AMOUNT_NOT_POSITIVE: 'the amount is zero or negative',
  CURRENCY_UNSUPPORTED: 'the currency is not one the hub supports',
  AMOUNT_TOO_PRECISE_FOR_CURRENCY: 'the amount has more decimals than its currency',
  AMOUNT_TOO_PRECISE_FOR_LEDGER: 'the amount has more decimals than the ledger holds',
  AMOUNT_EXCEEDS_LEDGER: 'the amount is larger than the ledger can hold',
  EXPIRATION_INVALID: 'the expiration is not a valid date',
  EXPIRATION_PASSED: 'the expiration is already in the past',
  PARTICIPANT_ACCOUNT_MISSING: 'payer or payee has no position account in the currency of the transfer',
  PARTICIPANT_ACCOUNT_INACTIVE: 'the position account of payer or payee in the currency of the transfer is inactive',
  CONDITION_INVALID: 'the condition is not a SHA-256 hash (43 base64url characters)',
  // ---- the agreed terms in the ILP packet (switch/security/ilp.ts)
  ILP_PACKET_MISSING: 'the terms carry no ILP packet',
  ILP_PACKET_MALFORMED: 'the ILP packet, or the transaction inside it, does not decode',
  ILP_CONDITION_MISMATCH: "the ILP packet's condition is not the transfer's",
  ILP_AMOUNT_MISMATCH: "the ILP packet's amount, or its transaction's amount, is not the transfer's",
  ILP_AMOUNT_UNREPRESENTABLE: 'the transfer amount has no exact ILP amount',
  ILP_EXPIRY_MISMATCH: "the ILP packet's expiry is not the expiration of the quote it was built from",
  ILP_CURRENCY_MISMATCH: "the ILP transaction's currency is not the transfer's",
  ILP_PAYER_MISMATCH: "the ILP transaction's payer FSP is not the transfer's",
  ILP_PAYEE_MISMATCH: "the ILP transaction's payee FSP is not the transfer's",
  // ---- positions (ledger/engine.ts)
  PAYER_FSP_INSUFFICIENT_LIQUIDITY: "the payer's liquidity does not cover its position plus the amount",
  PAYER_LIMIT_EXCEEDED: "the amount would take the payer's position past its net debit cap",
  // ---- a transfer's fulfil, error, status
  COMPLETED_TIMESTAMP_INVALID: 'the completion time of a fulfil is not a valid date',
  COMPLETED_TIMESTAMP_OUT_OF_WINDOW: 'the completion time of a fulfil is in the future or too long ago',
  FULFIL_STATE_INVALID: 'a fulfil asks for a state a fulfil cannot set (RECEIVED)',
  FULFILMENT_INVALID: 'the fulfilment is missing or is not the preimage of the condition',
  TRANSFER_EXPIRED: 'the transfer (or the payment it belongs to) expired before it was completed',
  TRANSFER_NOT_FOUND: 'no transfer has this id',
  TRANSFER_NOT_RESERVED: 'the transfer is already final: there is nothing to fulfil or abort',
  RECEIVED_ERROR_CODE_INVALID: 'an error sent by a participant carries a code that is not an FSPIOP error code',
  MODIFIED_DUPLICATE: 'a message with the id of an earlier one and a different body',
  ABORT_CAUSE_UNRECORDED: 'a transfer was aborted and no readable cause was recorded',
  // ---- bulk transfers (switch/core/workers/bulk-transfers.ts)
  BULK_TRANSFER_NOT_FOUND: 'no bulk transfer has this id',
  BULK_PARTIES_DIFFER: 'a transfer of a bulk is not between the payer and the payee of the bulk',
  BULK_TRANSFER_ID_REPEATED: 'a transfer id appears more than once in one bulk',
  BULK_LINE_DUPLICATE: 'a transfer of a bulk has the id of an earlier transfer',
  BULK_LINE_UNANSWERED: "the payee's answer to a bulk does not name one of its reserved transfers",
  // FX transfers (issue 15)
  FX_DETERMINING_TRANSFER_MISSING: 'an fxTransfer names no determining transfer: the conversion could never complete',
  FX_CURRENCIES_SAME: 'the source and target currencies of a conversion are the same',
  FX_DETERMINING_TRANSFER_EXISTS:
    'the transfer an fxTransfer names as determining is already known: only payer-side conversion, before its transfer, is supported',
  FX_TRANSFER_NOT_FOUND: 'no fxTransfer has this commit request id',
  FX_RELATED_TRANSFER_NOT_FULFILLED: 'the conversion a transfer depends on has not been fulfilled by its FXP',
  FX_DEPENDENT_TERMS_DIFFER: "a transfer that depends on a conversion is not for the conversion's target amount and currency, or not from its initiating FSP",
  FX_NOT_ON_PARTITIONED_LEDGER: 'fxTransfers are not taken while the ledger is partitioned over several position owners',
  FX_ABORTED_BY_FXP: 'the FXP answered a conversion with conversionState ABORTED instead of its fulfilment',
  // ---- agreement (quotes)
  QUOTE_PAYER_ACCOUNT_UNAVAILABLE: 'the payer of a quote has no active account in a currency of the quote',
  QUOTE_PAYEE_ACCOUNT_UNAVAILABLE: 'the payee of a quote has no active account in the currency of the quote',
  QUOTE_EXPIRED: 'the quote request or the quote expired',
  QUOTE_NOT_FOUND: 'no quote has this id',
  // ---- bulk agreement (bulkQuotes)
  BULK_QUOTE_NOT_FOUND: 'no bulk quote has this id',
  QUOTE_ID_REPEATED_IN_BULK: 'two individual quotes, or two individual results, of one bulk quote have the same quote id',
  // FX quotes (issue 15)
  FX_QUOTE_NOT_FOUND: 'no FX quote has this conversion request id',
  FX_INITIATOR_IS_NOT_SOURCE: 'the initiating FSP of conversion terms is not the participant that sent them',
  FX_PROVIDER_IS_NOT_DESTINATION: 'the FXP (counterPartyFsp) of conversion terms is not the participant the request is addressed to',
  FX_INITIATOR_ACCOUNT_UNAVAILABLE: 'the initiating FSP of a conversion has no active position account in its source currency',
  FX_PROVIDER_ACCOUNT_UNAVAILABLE: 'the FXP of a conversion has no active position account in its source or its target currency',
  FX_AMOUNT_TYPE_MISMATCH: 'a conversion request does not give exactly the amount its amountType fixes (SEND: the source amount, RECEIVE: the target amount)',
  FX_TERMS_CHANGED: "the FXP's answer changes terms it was asked (ids, FSPs, amount type, a currency, the fixed amount)",
  FX_TERMS_INCONSISTENT:
    "the FXP's terms do not hold together: an amount missing or not positive, a charge in neither currency, or charges larger than their amount",
  FXP_NOT_FOUND: 'no active participant offers currency conversion (for the currencies asked)',
  // ---- request to pay (transaction requests, authorizations: switch/core/agreement/transaction-requests.ts)
  TRANSACTION_REQUEST_NOT_FOUND: 'no transaction request has this id',
  TRANSACTION_REQUEST_EXPIRED: 'the transaction request expired before it could be sent to the payer',
  TRANSACTION_REQUEST_WRONG_SENDER:
    'a message about a transaction request comes from another participant than the one that sends it (the payer answers the request and asks for authorisation, the payee answers that)',
  TRANSACTION_REQUEST_WRONG_DESTINATION: 'a message about a transaction request is addressed to another participant than the one it must go to',
  TRANSACTION_REQUEST_STATE_INVALID:
    "the payer's answer does not follow the transaction request's state: it takes it back to an earlier one, or the hub had refused the request",
  DESTINATION_DIALECT_UNSUPPORTED: 'the participant a message must go to speaks a dialect that has no message for it',
  // ---- discovery (parties, oracles)
  PARTY_NOT_FOUND: 'no FSP holds the party',
  PARTY_REGISTERED_TO_ANOTHER_FSP: 'the party is already registered to another FSP',
  PARTY_HELD_BY_ANOTHER_FSP: 'the party to remove is registered to another FSP',
  ORACLE_UNREACHABLE: 'the oracle of the party id type could not be reached',
  ORACLE_ANSWER_INVALID: 'the oracle answered with a status or body the hub cannot read',
  ORACLE_REFUSED_LOOKUP: 'the oracle refused the lookup (HTTP 400)',
  ORACLE_REFUSED_REGISTRATION: 'the oracle refused to register the party',
  ORACLE_REFUSED_REMOVAL: 'the oracle refused to remove the party',
  ORACLE_EXISTS: 'an oracle for this type, currency and endpoint is already registered',
  ORACLE_NOT_FOUND: 'no oracle has this id',
  // ---- the registry and the participant directory (ledger/registry.ts, switch/directory/)
  PARTICIPANT_NOT_FOUND: 'no participant has this name',
  PARTICIPANT_CURRENCY_EXISTS: 'the participant already has accounts in this currency',
  HUB_RECONCILIATION_ACCOUNT_MISSING: 'the hub has no reconciliation account in this currency',
  HUB_SETTLEMENT_ACCOUNT_MISSING: 'the hub has no multilateral net settlement account in this currency',
  SETTLEMENT_MODEL_MISSING: 'no settlement model covers this currency',
  HUB_HAS_NO_DIALECT: 'the hub participant is given a dialect',
  ACCOUNT_TYPE_NOT_FOUND: 'no ledger account type has this name',
  ACCOUNT_TYPE_EXISTS: 'a ledger account type with this name already exists',
  HUB_ACCOUNT_TYPE_NOT_ALLOWED: 'the account type is not one the hub operator may hold',
  HUB_ACCOUNT_EXISTS: 'the hub already has this account in this currency',
  POSITION_ACCOUNT_MISSING: 'the participant has no position account in this currency',
  LIMIT_ALREADY_SET: "the participant's net debit cap (and initial position) in this currency is already set",
  LIMIT_NOT_SET: 'the participant has no net debit cap in this currency to adjust',
  ACCOUNT_NOT_FOUND: 'no account has this id',
  ACCOUNT_OF_ANOTHER_PARTICIPANT: 'the account belongs to another participant',
  ACCOUNT_NOT_POSITION: 'only a position account may be activated or deactivated',
  SETTLEMENT_MODEL_EXISTS: 'a settlement model with this name already exists',
  SETTLEMENT_MODEL_OVERLAPS: 'an active settlement model already covers this account type and currency',
  SETTLEMENT_MODEL_NOT_FOUND: 'no settlement model has this name',
  // ---- settlement (ledger/settlement.ts, switch/core/settlement)
  SETTLEMENT_WINDOW_NOT_FOUND: 'no settlement window has this id',
  SETTLEMENT_WINDOW_NOT_OPEN: 'the settlement window to close is not the open one',
  SETTLEMENT_WINDOW_EMPTY: 'the settlement window to close holds no transfer',
  SETTLEMENT_WINDOWS_INAPPLICABLE: 'a window to settle is not closed, or holds nothing the settlement model settles',
  SETTLEMENT_MODEL_NOT_DEFERRED: 'a deferred settlement was asked for under a gross or immediate settlement model',
  SETTLEMENT_NOT_FOUND: 'no settlement has this id',
  SETTLEMENT_ABORT_REFUSED: 'the settlement is past the point where it may be aborted',
  // ---- interchange fee rules (ledger/interchange-fees.ts)
  INTERCHANGE_FEE_RULE_EXISTS: 'an interchange fee rule with this name already exists',
  INTERCHANGE_FEE_RULE_OVERLAPS: 'an active interchange fee rule could apply to the same transfers and neither rule is more specific',
  INTERCHANGE_FEE_RULE_NOT_FOUND: 'no interchange fee rule has this id',
  INTERCHANGE_FEE_MODEL_MISSING: 'no active deferred net settlement model settles interchange fees in this currency',
  ISO_IDENTIFIER_TAKEN: 'a BIC or clearing-system member id is registered to another participant',
  // ---- the hub itself
  LEDGER_UNAVAILABLE: 'the ledger is rebuilding its state after a failed write, or the position owner gave no answer in time (Kafka bus); retry later',
  SERVER_BUSY: 'the hub is at capacity (admission control, or a bounded queue is full) and takes no new work of this kind now; retry later',
  RECORD_VANISHED: 'a record the hub had just found a conflict with is gone',
  ID_COLLISION: 'an id the hub generated is already taken',
  UNEXPECTED_FAILURE: 'the hub failed in a way it did not foresee (the log has the cause)',
} as const;

export type Outcome = keyof typeof OUTCOMES;

export const OUTCOME_NAMES = Object.keys(OUTCOMES) as readonly Outcome[];

export function isOutcome(name: string): name is Outcome {
  return Object.prototype.hasOwnProperty.call(OUTCOMES, name);
}

/**
 * An outcome as `ledger/` and `switch/core` throw or return it. `detail` is the hub's explanation (names, values; it
 * reaches participants as each dialect words it), `data` structured facts a dialect may carry beside it (for example
 * the hash of the original of a modified duplicate).
 */
export class DomainError extends Error {
  readonly outcome: Outcome;
  readonly detail?: string;
  readonly data?: Readonly<Record<string, string>>;

  constructor(outcome: Outcome, detail?: string, data?: Readonly<Record<string, string>>) {
    super(detail ? `${outcome}: ${detail}` : outcome);
    this.name = 'DomainError';
    this.outcome = outcome;
    if (detail) this.detail = detail;
    if (data && Object.keys(data).length > 0) this.data = data;
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}

/** Why something failed: an outcome of the hub's, or a reason someone else gave (message data, canonical). */
export type Reason = DomainError | StatusReason;

/** A reason as one line of text, for logs: `OUTCOME: detail`, or `<code>: <text>`. */
export function reasonText(reason: Reason): string {
  return isDomainError(reason) ? reason.message : `${reason.Rsn.Prtry ?? reason.Rsn.Cd ?? ''}: ${reason.AddtlInf ?? ''}`;
}

// ------------------------------------------------------------------------------------------------ stored causes

/**
 * The text a cause is stored as (transfer.cause, bridge_payment.reason): a hub outcome as `OUTCOME` or
 * `OUTCOME: detail`, rendered in the reader's dialect when it is read; a reason someone gave as `<code>: <text>`, cut
 * at `maxGiven` characters as it always was. (Rows written before outcomes existed hold `<code>: <text>` throughout.)
 */
export function storedCause(reason: Reason, maxGiven = 128): string {
  if (isDomainError(reason)) return reason.detail ? `${reason.outcome}: ${reason.detail}` : reason.outcome;
  return `${reason.Rsn.Prtry ?? reason.Rsn.Cd ?? ''}: ${reason.AddtlInf ?? ''}`.slice(0, maxGiven);
}

const STORED_OUTCOME = /^([A-Z][A-Z0-9_]*)(?:: ([\s\S]*))?$/;

/**
 * A stored cause as the reason it records: the hub's outcome, or the `<code>: <text>` someone gave (through `given`,
 * where the reader words it: e.g. for a bank). Nothing stored: `fallback`; a code that is no FSPIOP error code: the
 * fallback's outcome with the text that followed it.
 */
export function reasonOfStoredCause(text: string | null, fallback: DomainError, given: (reason: StatusReason) => Reason = (r) => r): Reason {
  const outcome = outcomeOfCause(text);
  if (outcome) return outcome;
  if (text === null) return fallback;
  const [code, ...rest] = text.split(': ');
  const said = rest.join(': ') || undefined;
  if (!code || !isValidReasonCode(code)) return new DomainError(fallback.outcome, said);
  return given(said === undefined ? { Rsn: { Prtry: code } } : { Rsn: { Prtry: code }, AddtlInf: said });
}

/** The outcome a stored cause names, or undefined when it is a reason someone gave (or nothing readable). */
export function outcomeOfCause(text: string | null | undefined): DomainError | undefined {
  const m = text ? STORED_OUTCOME.exec(text) : null;
  if (!m || !isOutcome(m[1]!)) return undefined;
  return new DomainError(m[1]!, m[2] || undefined);
}
