// Exact decimal arithmetic for display: amounts are decimal texts (or safe integers) scaled to 4 places as
// BigInt, the ledger's scale. Never a float for money; percentages are for the alarm colours only.
const SCALE = 4;
const FACTOR = 10n ** BigInt(SCALE);

export function scaled(value) {
  if (typeof value === 'bigint') return value;
  if (value === undefined || value === null || value === '') return 0n;
  const text = String(value).trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new Error(`not a decimal amount: ${text}`);
  const fraction = (match[3] ?? '').padEnd(SCALE, '0').slice(0, SCALE);
  const magnitude = BigInt(match[2]) * FACTOR + BigInt(fraction || '0');
  return match[1] === '-' ? -magnitude : magnitude;
}

export function format(units) {
  const negative = units < 0n;
  const magnitude = negative ? -units : units;
  const whole = (magnitude / FACTOR).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = (magnitude % FACTOR).toString().padStart(SCALE, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

export const add = (a, b) => scaled(a) + scaled(b);
export const negate = (a) => -scaled(a);

/** a as a percentage of b, in hundredths of a percent (integer), or undefined when b is zero. */
export function percentOf(a, b) {
  const whole = scaled(b);
  if (whole === 0n) return undefined;
  return Number((scaled(a) * 10000n) / whole);
}

/** Net debit cap alarm: red at or past the cap, amber from 80 %. */
export function alarmOf(basisPoints) {
  if (basisPoints === undefined) return 'none';
  if (basisPoints >= 10000) return 'red';
  if (basisPoints >= 8000) return 'amber';
  return 'ok';
}
