/**
 * The rules a transfer and a conversion (an fxTransfer) share: what a condition and a fulfilment are, what an amount's
 * currency can hold, when a completion time is acceptable, and how a stored record reads as a status. Used by the
 * transfer worker and the FX transfer worker alike (contract fspiop.md §9–§10).
 */
import { createHash } from 'node:crypto';
import { currencyMisfit, type Amount } from '../../../schemas/amount.js';
import { isCurrency } from '../../../schemas/currency.js';
import type { Pacs002 } from '../../../schemas/iso/pacs002.js';
import { DomainError, outcomeOfCause } from '../../../schemas/outcomes.js';
import { apiState, type TransferRecord } from '../../../ledger/engine.js';
import { hubStatus } from '../status.js';

const COMPLETED_FUTURE_TOLERANCE_MS = 200;
const COMPLETED_MAX_AGE_MS = 300_000;

export function sha256Base64Url(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64url');
}

/** 32 bytes written as 43 base64url characters, or undefined: a condition, or a fulfilment. */
export function decodeBase64Url32(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]{43}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.length === 32 ? bytes : undefined;
}

/** Whether `fulfilment` is the preimage of `condition`. */
export function fulfils(fulfilment: string | undefined, condition: string): boolean {
  const preimage = fulfilment === undefined ? undefined : decodeBase64Url32(fulfilment);
  return preimage !== undefined && sha256Base64Url(preimage) === condition;
}

/** What the amount's currency cannot hold: an unknown currency, or more decimals than it has. */
export function currencyMisfitOf(amount: Amount): DomainError | undefined {
  const misfit = currencyMisfit(amount);
  if (!misfit) return undefined;
  return new DomainError(isCurrency(amount.currency) ? 'AMOUNT_TOO_PRECISE_FOR_CURRENCY' : 'CURRENCY_UNSUPPORTED', misfit);
}

export function checkCompletedTimestamp(text: string): void {
  const at = Date.parse(text);
  if (!Number.isFinite(at)) throw new DomainError('COMPLETED_TIMESTAMP_INVALID', 'completedTimestamp is not a valid date');
  const now = Date.now();
  if (at > now + COMPLETED_FUTURE_TOLERANCE_MS) {
    throw new DomainError('COMPLETED_TIMESTAMP_OUT_OF_WINDOW', 'completedTimestamp fails because future timestamp was provided');
  }
  if (at < now - COMPLETED_MAX_AGE_MS) {
    throw new DomainError('COMPLETED_TIMESTAMP_OUT_OF_WINDOW', 'completedTimestamp fails because provided timestamp exceeded the maximum timeout duration');
  }
}

/**
 * The hub's view of a stored transfer, as a status report (contract §9.6). An aborted transfer's cause is in the
 * status when someone gave it (a payee's error: message data, stored as received); when the hub aborted it, the cause
 * is the outcome, for the outbox to word in the receiver's dialect.
 */
export function recordStatus(record: TransferRecord): { status: Pacs002; cause?: DomainError } {
  const state = apiState(record.state);
  const stored = state === 'ABORTED' ? (record.cause ?? undefined) : undefined;
  const outcome = outcomeOfCause(stored);
  const status = hubStatus(record.id, {
    state,
    completedAt: record.completedAt ?? undefined,
    fulfilment: state === 'COMMITTED' ? (record.fulfilment ?? undefined) : undefined,
    cause: outcome ? undefined : stored,
  });
  return outcome ? { status, cause: outcome } : { status };
}
