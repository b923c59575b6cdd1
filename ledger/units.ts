/**
 * The ledger's fixed-point unit: 10^-4 of a currency unit (NUMERIC(38,4) in PostgreSQL). Values
 * travel between JavaScript and SQL as decimal text, never as numbers.
 */
import { fromScaledInteger, toScaledInteger } from '../schemas/amount.js';

export const LEDGER_SCALE = 4;
const FACTOR = 10n ** BigInt(LEDGER_SCALE);
/** NUMERIC(38,4) keeps 34 integer digits; refuse anything near that before PostgreSQL does. */
export const LEDGER_MAX = 10n ** 30n * FACTOR;

/** Canonical Amount units (10^-5) -> ledger units; throws AmountError when a 5th decimal is set. */
export function toLedger(amountUnits: bigint): bigint {
  return toScaledInteger(amountUnits, LEDGER_SCALE);
}

export function fromLedger(value: bigint): bigint {
  return fromScaledInteger(value, LEDGER_SCALE);
}

/** Ledger units -> SQL numeric text, e.g. 12345n -> "1.2345". */
export function ledgerText(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const fraction = (abs % FACTOR).toString().padStart(LEDGER_SCALE, '0');
  return `${negative ? '-' : ''}${abs / FACTOR}.${fraction}`;
}

/** SQL numeric text (any scale up to 4) -> ledger units. */
export function parseLedger(text: string): bigint {
  const m = /^(-)?(\d+)(?:\.(\d*))?$/.exec(text.trim());
  if (!m) throw new Error(`not a ledger value: ${text}`);
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  if (fraction.length > LEDGER_SCALE) throw new Error(`ledger value ${text} has more than ${LEDGER_SCALE} decimals`);
  const value = BigInt(m[2]!) * FACTOR + BigInt(fraction.padEnd(LEDGER_SCALE, '0') || '0');
  return m[1] ? -value : value;
}

/** Ledger units -> the shortest exact decimal text ("100", "-2.5"), as the Admin API shows values. */
export function ledgerDisplay(value: bigint): string {
  const text = ledgerText(value).replace(/0+$/, '').replace(/\.$/, '');
  return text === '-0' ? '0' : text;
}
