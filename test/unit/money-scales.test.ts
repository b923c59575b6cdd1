/**
 * The two money scales are distinct types (schemas/amount.ts `IsoUnits`, 10^-5; ledger/units.ts `LedgerUnits`,
 * 10^-4). The `@ts-expect-error` lines are the test that matters: if either brand stopped refusing the other
 * scale, or a plain bigint, the build fails with "Unused '@ts-expect-error' directive".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AmountError, formatUnits, isoUnits, parseUnits, type Amount, type IsoUnits } from '../../schemas/amount.js';
import {
  fromLedger,
  isLedgerAmount,
  LEDGER_MAX,
  LEDGER_ZERO,
  ledgerMinus,
  ledgerNegated,
  ledgerPlus,
  ledgerText,
  ledgerUnits,
  parseLedger,
  toLedger,
  type LedgerUnits,
} from '../../ledger/units.js';

test('the compiler refuses one scale where the other is meant, and a plain bigint for either', () => {
  const iso: IsoUnits = parseUnits('1.5');
  const ledger: LedgerUnits = parseLedger('1.5');
  // @ts-expect-error canonical units (10^-5) are not ledger units (10^-4)
  ledgerText(iso);
  // @ts-expect-error ledger units are not canonical units
  formatUnits(ledger);
  // @ts-expect-error an Amount holds canonical units
  const amount: Amount = { currency: 'USD', units: ledger };
  // @ts-expect-error a plain bigint has no scale
  ledgerText(15_000n);
  // @ts-expect-error a plain bigint has no scale
  formatUnits(150_000n);
  // @ts-expect-error a scaled value cannot be declared to have the other scale
  ledgerUnits(iso);
  // @ts-expect-error a scaled value cannot be declared to have the other scale
  isoUnits(ledger);
  // @ts-expect-error the conversion takes canonical units
  toLedger(ledger);
  // @ts-expect-error the conversion takes ledger units
  fromLedger(iso);
  let position = ledger;
  // @ts-expect-error arithmetic gives a plain bigint: the helpers keep the scale
  position += ledger;
  position = ledgerPlus(position, ledger);
  assert.equal(amount.units, ledger); // (only the types were refused)
  assert.equal(position, 45_000n);
});

test('the conversions are exact and refuse what does not fit', () => {
  assert.equal(toLedger(parseUnits('1.2345')), 12_345n);
  assert.equal(fromLedger(ledgerUnits(12_345n)), 123_450n);
  assert.equal(formatUnits(fromLedger(toLedger(parseUnits('987654321.0001')))), '987654321.0001');
  assert.throws(() => toLedger(parseUnits('1.23456')), AmountError);
  assert.throws(() => parseLedger('1.23456'), AmountError);
});

test('arithmetic helpers and the run-time check of a ledger amount', () => {
  const a = ledgerUnits(7n);
  const b = ledgerUnits(3n);
  assert.equal(ledgerPlus(a, b), 10n);
  assert.equal(ledgerMinus(b, a), -4n);
  assert.equal(ledgerNegated(a), -7n);
  assert.equal(LEDGER_ZERO, 0n);
  assert.ok(isLedgerAmount(LEDGER_MAX) && isLedgerAmount(ledgerNegated(LEDGER_MAX)) && isLedgerAmount(LEDGER_ZERO));
  assert.ok(!isLedgerAmount(ledgerPlus(LEDGER_MAX, ledgerUnits(1n))));
  assert.ok(!isLedgerAmount(12), 'a number is not an exact ledger amount');
  assert.ok(!isLedgerAmount('1.0000'), 'nor is text');
});
