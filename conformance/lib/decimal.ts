// Exact decimal arithmetic on strings, with big.js (the project card's decimal library). Amounts and positions are
// never compared as floats. The hub does its own arithmetic (bigint units in schemas/amount.ts): the suite checks it
// with an independent implementation, so a mistake both would share cannot pass unseen.
import BigFactory from 'big.js';

/** A constructor of our own: settings changed elsewhere on the shared `Big` cannot change these results. */
const Dec = BigFactory();
/** Only strings reach big.js: numbers and bigints are turned into text first (see `parse`). */
Dec.strict = true;

type DecimalInput = string | number | bigint;

function parse(x: DecimalInput): BigFactory.Big {
  let text: string;
  if (typeof x === 'bigint') text = x.toString();
  else if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new TypeError(`not a finite number: ${x}`);
    // The shortest round-trip representation of the JSON number, exponent form included.
    text = String(x);
  } else text = x.trim().replace(/^\+/, '');
  try {
    return new Dec(text);
  } catch {
    throw new TypeError(`not a decimal: ${JSON.stringify(typeof x === 'bigint' ? x.toString() : x)}`);
  }
}

/** Plain notation (never an exponent), no leading or trailing fractional zeros, `0` for any zero. */
function format(d: BigFactory.Big): string {
  return d.toFixed();
}

/** Canonical decimal string: no exponent, no leading zeros, no trailing fractional zeros, `0` for any zero. */
export function normalizeDecimal(x: DecimalInput): string {
  return format(parse(x));
}

export function isDecimal(x: unknown): boolean {
  if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'bigint') return false;
  try {
    parse(x);
    return true;
  } catch {
    return false;
  }
}

export function addDecimal(a: string | number, b: string | number): string {
  return format(parse(a).plus(parse(b)));
}

export function subDecimal(a: string | number, b: string | number): string {
  return format(parse(a).minus(parse(b)));
}

export function negateDecimal(a: string | number): string {
  return format(parse(a).neg());
}

export function compareDecimal(a: string | number, b: string | number): -1 | 0 | 1 {
  return parse(a).cmp(parse(b));
}

export function decimalEquals(a: string | number, b: string | number): boolean {
  return parse(a).eq(parse(b));
}

/** Number of fractional digits after normalisation (`10.120` → 2). */
export function decimalPlaces(a: string | number): number {
  const n = normalizeDecimal(a);
  const i = n.indexOf('.');
  return i < 0 ? 0 : n.length - i - 1;
}

/** `amount × 10^decimals` as an integer string; throws when the result is not an integer. */
export function shiftToInteger(amount: string, decimals: number): string {
  const shifted = parse(amount).times(new Dec('1e' + String(decimals)));
  if (!shifted.round(0, Dec.roundDown).eq(shifted)) throw new RangeError(`${amount} has more than ${decimals} decimal places`);
  return format(shifted);
}
