/**
 * Fixed-point money. An Amount holds an integer count of 10^-5 units (ISO 20022's finest
 * ActiveCurrencyAndAmount precision), so every dialect's value is held exactly; whether a dialect,
 * the currency or the ledger can carry it is a separate, explicit check. No float ever touches it.
 */
import { currencyDecimals } from './currency.js';

export const AMOUNT_SCALE = 5;
const SCALE_FACTOR = 10n ** BigInt(AMOUNT_SCALE);

/**
 * An integer count of 10^-5 currency units: what `Amount.units` holds. The ledger counts 10^-4 units
 * (`LedgerUnits`, ledger/units.ts); the two are distinct types so that the compiler refuses one where the other
 * is meant, and the only conversions between them are `toLedger` / `fromLedger` (exact, refusing what does not
 * fit). A brand on bigint: no run-time cost, no allocation. Arithmetic on it gives a plain bigint again.
 */
export type IsoUnits = bigint & { readonly __scale: typeof AMOUNT_SCALE };

/** A bigint that carries no scale yet: a literal, a parsed integer, the result of arithmetic. */
export type UnscaledInteger = bigint & { readonly __scale?: undefined };

/** Declares an integer to count 10^-5 units (it must already: parsing, literals). Never takes LedgerUnits. */
export function isoUnits(integer: UnscaledInteger): IsoUnits {
  return integer as bigint as IsoUnits;
}

export interface Amount {
  readonly currency: string;
  /** value × 10^5 */
  readonly units: IsoUnits;
}

export class AmountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AmountError';
  }
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** Parses a plain decimal string (no sign, no exponent) exactly. */
export function parseUnits(text: string): IsoUnits {
  const m = DECIMAL.exec(text);
  if (!m) throw new AmountError(`amount ${JSON.stringify(text)} is not a plain decimal number`);
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > AMOUNT_SCALE) {
    throw new AmountError(`amount ${text} has more than ${AMOUNT_SCALE} decimal places`);
  }
  return isoUnits(BigInt(m[1]!) * SCALE_FACTOR + BigInt(fraction.padEnd(AMOUNT_SCALE, '0') || '0'));
}

export function parseAmount(text: string, currency: string): Amount {
  return { currency, units: parseUnits(text) };
}

/** Number of significant decimal places (trailing zeros do not count). */
export function decimalPlaces(units: IsoUnits): number {
  let fraction = units % SCALE_FACTOR;
  if (fraction < 0n) fraction = -fraction;
  if (fraction === 0n) return 0;
  let places = AMOUNT_SCALE;
  while (fraction % 10n === 0n) {
    fraction /= 10n;
    places--;
  }
  return places;
}

/** Canonical text: no leading zeros, no trailing fractional zeros (the FSPIOP Amount form). */
export function formatUnits(units: IsoUnits): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / SCALE_FACTOR;
  const fraction = (abs % SCALE_FACTOR).toString().padStart(AMOUNT_SCALE, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? '.' + fraction : ''}`;
}

export function formatAmount(amount: Amount): string {
  return formatUnits(amount.units);
}

/** Integer digits of the value (0 counts as one digit). */
export function integerDigits(units: IsoUnits): number {
  const whole = (units < 0n ? -units : units) / SCALE_FACTOR;
  return whole.toString().length;
}

/**
 * Refuses an amount the currency cannot carry exactly (more decimals than its minor unit).
 * Returns a human-readable reason, or undefined when the amount fits.
 */
export function currencyMisfit(amount: Amount): string | undefined {
  const allowed = currencyDecimals(amount.currency);
  if (allowed === undefined) return `currency ${amount.currency} is not supported`;
  const places = decimalPlaces(amount.units);
  if (places > allowed) {
    return `amount ${formatAmount(amount)} has ${places} decimal places but ${amount.currency} allows ${allowed}`;
  }
  return undefined;
}

/**
 * Converts to an integer count of 10^-scale units (a currency's minor units, an ILP amount's scale); throws if
 * not exact. The ledger's scale has its own typed conversions (ledger/units.ts `toLedger`, `fromLedger`).
 */
export function toScaledInteger(units: IsoUnits, scale: number): bigint {
  if (scale > AMOUNT_SCALE) return units * 10n ** BigInt(scale - AMOUNT_SCALE);
  const divisor = 10n ** BigInt(AMOUNT_SCALE - scale);
  if (units % divisor !== 0n) throw new AmountError(`amount ${formatUnits(units)} cannot be held with ${scale} decimal places`);
  return units / divisor;
}

/** An integer count of 10^-scale units as 10^-5 units; throws if not exact. */
export function fromScaledInteger(value: UnscaledInteger, scale: number): IsoUnits {
  if (scale > AMOUNT_SCALE) {
    const divisor = 10n ** BigInt(scale - AMOUNT_SCALE);
    if (value % divisor !== 0n) throw new AmountError(`value ${value}e-${scale} has more than ${AMOUNT_SCALE} decimal places`);
    return isoUnits(value / divisor);
  }
  return isoUnits(value * 10n ** BigInt(AMOUNT_SCALE - scale));
}
