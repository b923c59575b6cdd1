// Exact decimal arithmetic on strings (BigInt-scaled). Amounts and positions are never compared as floats.

interface Dec {
  units: bigint; // value = units / 10^scale
  scale: number;
}

const DEC_RE = /^([+-])?(\d+)?(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function parse(x: string | number | bigint): Dec {
  if (typeof x === 'bigint') return { units: x, scale: 0 };
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new TypeError(`not a finite number: ${x}`);
    // The shortest round-trip representation of the JSON number, exponent form included.
    x = String(x);
  }
  const s = x.trim();
  const m = DEC_RE.exec(s);
  if (!m || (m[2] === undefined && (m[3] === undefined || m[3] === ''))) {
    throw new TypeError(`not a decimal: ${JSON.stringify(x)}`);
  }
  const sign = m[1] === '-' ? -1n : 1n;
  const intPart = m[2] ?? '0';
  const frac = m[3] ?? '';
  const exp = m[4] ? Number(m[4]) : 0;
  let units = BigInt(intPart + frac) * sign;
  let scale = frac.length - exp;
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units, scale };
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * 10n ** BigInt(scale - a.scale), b.units * 10n ** BigInt(scale - b.scale), scale];
}

function format(d: Dec): string {
  let { units, scale } = d;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale--;
  }
  const neg = units < 0n;
  let digits = (neg ? -units : units).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = digits.slice(0, digits.length - scale) + '.' + digits.slice(digits.length - scale);
  }
  return neg ? '-' + digits : digits;
}

/** Canonical decimal string: no exponent, no leading zeros, no trailing fractional zeros, `0` for any zero. */
export function normalizeDecimal(x: string | number | bigint): string {
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
  const [x, y, scale] = align(parse(a), parse(b));
  return format({ units: x + y, scale });
}

export function subDecimal(a: string | number, b: string | number): string {
  const [x, y, scale] = align(parse(a), parse(b));
  return format({ units: x - y, scale });
}

export function negateDecimal(a: string | number): string {
  const d = parse(a);
  return format({ units: -d.units, scale: d.scale });
}

export function compareDecimal(a: string | number, b: string | number): -1 | 0 | 1 {
  const [x, y] = align(parse(a), parse(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

export function decimalEquals(a: string | number, b: string | number): boolean {
  return compareDecimal(a, b) === 0;
}

/** Number of fractional digits after normalisation (`10.120` → 2). */
export function decimalPlaces(a: string | number): number {
  const n = normalizeDecimal(a);
  const i = n.indexOf('.');
  return i < 0 ? 0 : n.length - i - 1;
}

/** `amount × 10^decimals` as an integer string; throws when the result is not an integer. */
export function shiftToInteger(amount: string, decimals: number): string {
  const d = parse(amount);
  const units = d.units * 10n ** BigInt(decimals);
  const pow = 10n ** BigInt(d.scale);
  if (units % pow !== 0n) throw new RangeError(`${amount} has more than ${decimals} decimal places`);
  return (units / pow).toString();
}
