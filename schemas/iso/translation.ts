/**
 * What every translator shares: the typed refusal (TranslationError) and the exactness checks of the ISO 20022
 * dialects. Pure; no dialect module imports another, they all import this.
 */
import { AMOUNT_SCALE, decimalPlaces, formatAmount, integerDigits, type Amount } from '../amount.js';
import { FspiopError, type ExtensionItem } from '../errors.js';
import type { StatusReason } from './common.js';

/** Result of "can this dialect carry this value exactly?". */
export type Fit = { ok: true } | { ok: false; reason: string };

export const FITS: Fit = { ok: true };

/**
 * A message one dialect cannot express, or a body that does not translate. Extends FspiopError so the edge
 * answers it like any other FSPIOP error; `code` is '3100' (generic validation error) unless stated, `field` is the
 * path of the offending value (dialect or canonical notation) and `reason` the bare explanation.
 */
export class TranslationError extends FspiopError {
  readonly field: string;
  readonly reason: string;

  constructor(field: string, reason: string, code = '3100') {
    super(code, `${field}: ${reason}`);
    this.name = 'TranslationError';
    // The FSPIOP description holds the detail when it fits, else the extension list does (describeError).
    this.message = `${field}: ${reason}`;
    this.field = field;
    this.reason = reason;
  }
}

/**
 * A status reason worded as Mojaloop words an FSPIOP errorDescription, which both ISO dialects carry in AddtlInf:
 * "<standard message> - <detail>", or (`whole`) the detail alone; never over 128 characters — a detail that does not
 * fit travels whole in the extensions (key `detail`), after `data` as extension items. The dialects' outcome tables
 * (translators/<dialect>/outcomes.ts) word their reasons through this one function.
 */
export function wordedReason(
  code: string,
  detail: string | undefined,
  options: { whole?: boolean; data?: Readonly<Record<string, string>> } = {},
): StatusReason {
  return reasonOfWireError(wordedError(code, detail, options));
}

/** The FSPIOP error of `wordedReason` (same words), with the HTTP status of a synchronous answer. */
export function wordedError(
  code: string,
  detail: string | undefined,
  options: { whole?: boolean; data?: Readonly<Record<string, string>>; httpStatus?: number } = {},
): FspiopError {
  const extensions: ExtensionItem[] | undefined = options.data ? Object.entries(options.data).map(([key, value]) => ({ key, value })) : undefined;
  const common = { extensions, httpStatus: options.httpStatus };
  return options.whole ? new FspiopError(code, undefined, { ...common, description: detail }) : new FspiopError(code, detail, common);
}

/** An FSPIOP error (a translator's refusal) as the canonical reason the core carries as message data. */
export function reasonOfWireError(error: FspiopError): StatusReason {
  const reason: StatusReason = { Rsn: { Prtry: error.code }, AddtlInf: error.description };
  if (error.extensions?.length) reason.extensions = error.extensions.map((e) => ({ ...e }));
  return reason;
}

/** The canonical reason of a translator's refusal (TranslationError), or undefined for anything else thrown. */
export function translationRefusal(thrown: unknown): StatusReason | undefined {
  return thrown instanceof TranslationError ? reasonOfWireError(thrown) : undefined;
}

/** ISO ActiveCurrencyAndAmount / ActiveOrHistoricCurrencyAndAmount: at most 18 digits in all, at most 5 decimals, not negative. */
export const ISO_MAX_TOTAL_DIGITS = 18;
export const ISO_MAX_DECIMALS = 5;

/**
 * Can the ISO 20022 amount types (both dialects) carry this amount exactly? Currency minor units are a business
 * rule checked by the hub, not here.
 */
export function isoAmountFit(amount: Amount): Fit {
  if (amount.units < 0n) return { ok: false, reason: `amount ${formatAmount(amount)} is negative` };
  const decimals = decimalPlaces(amount.units);
  // Canonical amounts hold 10^-AMOUNT_SCALE units; the check stays in case that scale ever grows.
  if (AMOUNT_SCALE > ISO_MAX_DECIMALS && decimals > ISO_MAX_DECIMALS) {
    return { ok: false, reason: `amount ${formatAmount(amount)} has ${decimals} decimal places, ISO 20022 allows ${ISO_MAX_DECIMALS}` };
  }
  const digits = integerDigits(amount.units) + decimals;
  if (digits > ISO_MAX_TOTAL_DIGITS) {
    return {
      ok: false,
      reason: `amount ${formatAmount(amount)} has ${digits} digits, ISO 20022 allows ${ISO_MAX_TOTAL_DIGITS} in all`,
    };
  }
  return FITS;
}

/** ULID (Crockford base32, upper case), as the Mojaloop ISO 20022 dialect requires for TxId, InstrId, EndToEndId. */
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function isUlid(text: string): boolean {
  return ULID_PATTERN.test(text);
}
