/**
 * The ledger's fixed-point unit: 10^-4 of a currency unit (NUMERIC(38,4) in PostgreSQL). Values
 * travel between JavaScript and SQL as decimal text, never as numbers.
 *
 * Two money scales meet here: canonical `Amount.units` count 10^-5 (`IsoUnits`, schemas/amount.ts), the
 * ledger counts 10^-4 (`LedgerUnits`). Both are brands on bigint, so the compiler refuses one where the other
 * is meant; `toLedger` and `fromLedger` below are the only conversions between them, both exact (`toLedger`
 * refuses a 5th decimal). Brands cost nothing at run time; the helpers below keep arithmetic readable without
 * allocating anything a bigint operation would not.
 */
import { AmountError, isoUnits, toScaledInteger, type IsoUnits, type UnscaledInteger } from '../schemas/amount.js';

export const LEDGER_SCALE = 4;
const FACTOR = 10n ** BigInt(LEDGER_SCALE);

/** An integer count of 10^-4 currency units: balances, limits, reserved and journal amounts. */
export type LedgerUnits = bigint & { readonly __scale: typeof LEDGER_SCALE };

/** Declares an integer to count 10^-4 units (it must already: parsed SQL values, literals). Never takes IsoUnits. */
export function ledgerUnits(integer: UnscaledInteger): LedgerUnits {
  return integer as bigint as LedgerUnits;
}

export const LEDGER_ZERO = ledgerUnits(0n);

/** NUMERIC(38,4) keeps 34 integer digits; refuse anything near that before PostgreSQL does. */
export const LEDGER_MAX = ledgerUnits(10n ** 30n * FACTOR);

/** a + b */
export function ledgerPlus(a: LedgerUnits, b: LedgerUnits): LedgerUnits {
  return (a + b) as LedgerUnits;
}

/** a - b */
export function ledgerMinus(a: LedgerUnits, b: LedgerUnits): LedgerUnits {
  return (a - b) as LedgerUnits;
}

/** -a */
export function ledgerNegated(a: LedgerUnits): LedgerUnits {
  return -a as LedgerUnits;
}

/** Canonical Amount units (10^-5) -> ledger units; throws AmountError when a 5th decimal is set. */
export function toLedger(amountUnits: IsoUnits): LedgerUnits {
  return ledgerUnits(toScaledInteger(amountUnits, LEDGER_SCALE));
}

/** Ledger units -> canonical Amount units (10^-5): always exact. */
export function fromLedger(value: LedgerUnits): IsoUnits {
  return isoUnits(value * 10n);
}

/** Whether a value is an exact ledger amount: a bigint within ±LEDGER_MAX (run-time check of what the type says). */
export function isLedgerAmount(value: unknown): value is LedgerUnits {
  return typeof value === 'bigint' && value <= LEDGER_MAX && value >= -LEDGER_MAX;
}

/** Ledger units -> SQL numeric text, e.g. 12345n -> "1.2345". */
export function ledgerText(value: LedgerUnits): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const fraction = (abs % FACTOR).toString().padStart(LEDGER_SCALE, '0');
  return `${negative ? '-' : ''}${abs / FACTOR}.${fraction}`;
}

/** SQL numeric text (any scale up to 4) -> ledger units. */
export function parseLedger(text: string): LedgerUnits {
  const m = /^(-)?(\d+)(?:\.(\d*))?$/.exec(text.trim());
  if (!m) throw new AmountError(`not a ledger value: ${text}`);
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  if (fraction.length > LEDGER_SCALE) throw new AmountError(`ledger value ${text} has more than ${LEDGER_SCALE} decimals`);
  const value = BigInt(m[2]!) * FACTOR + BigInt(fraction.padEnd(LEDGER_SCALE, '0') || '0');
  return ledgerUnits(m[1] ? -value : value);
}

/** Ledger units -> the shortest exact decimal text ("100", "-2.5"), as the Admin API shows values. */
export function ledgerDisplay(value: LedgerUnits): string {
  const text = ledgerText(value).replace(/0+$/, '').replace(/\.$/, '');
  return text === '-0' ? '0' : text;
}
