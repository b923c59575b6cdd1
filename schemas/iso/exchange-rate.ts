/**
 * The exchange rate of a conversion as ISO 20022 writes it (`XchgRate`, type BaseOneRate: xs:decimal with at most 10
 * fraction digits and 11 digits in all). The rate is never the hub's: it is the ratio of the two amounts an FXP agreed,
 * target per one unit of source (`IntrBkSttlmAmt = InstdAmt × XchgRate`, docs/iso20022-mapping.md "FX: banks").
 * A ratio that has no exact BaseOneRate form (1300 / 3 = 433.33…) has no rate text: the caller omits the element,
 * never rounds it.
 */
import type { Amount } from '../amount.js';

export const RATE_FRACTION_DIGITS = 10;
export const RATE_TOTAL_DIGITS = 11;

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** The exponent of `factor` in `n` and what is left. */
function strip(n: bigint, factor: bigint): [number, bigint] {
  let k = 0;
  while (n % factor === 0n) {
    n /= factor;
    k++;
  }
  return [k, n];
}

/** `target / source` as BaseOneRate text (no trailing zeros), or undefined when it cannot be written exactly. */
export function exactRate(source: Amount, target: Amount): string | undefined {
  if (source.units <= 0n || target.units <= 0n) return undefined;
  // Both amounts have the same scale (schemas/amount.ts): the ratio of the units is the ratio of the values.
  const g = gcd(target.units, source.units);
  const numerator = target.units / g;
  const denominator = source.units / g;
  const [twos, rest2] = strip(denominator, 2n);
  const [fives, rest] = strip(rest2, 5n);
  if (rest !== 1n) return undefined; // a factor other than 2 and 5: an endless decimal
  const fraction = Math.max(twos, fives);
  if (fraction > RATE_FRACTION_DIGITS) return undefined;
  const scaled = (numerator * 10n ** BigInt(fraction)) / denominator; // exact: the denominator divides 10^fraction
  const digits = scaled.toString();
  if (digits.replace(/^0+/, '').length > RATE_TOTAL_DIGITS) return undefined;
  if (fraction === 0) return digits;
  const padded = digits.padStart(fraction + 1, '0');
  return `${padded.slice(0, -fraction)}.${padded.slice(-fraction)}`;
}

/**
 * Whether a rate a bank wrote (an xs:decimal the XSD admitted) is exactly `target / source`. Compared as values:
 * `1.50` and `1.5` are the same rate.
 */
export function rateIsExactly(rate: string, source: Amount, target: Amount): boolean {
  const m = /^\+?(\d*)(?:\.(\d*))?$/.exec(rate.trim());
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return false;
  const fraction = m[2] ?? '';
  const value = BigInt(`${m[1] || '0'}${fraction}`);
  // rate = value / 10^f; exact when target × 10^f = source × value (same amount scale on both sides).
  return target.units * 10n ** BigInt(fraction.length) === source.units * value;
}
