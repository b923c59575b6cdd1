import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { currencyMisfit, decimalPlaces, formatUnits, parseAmount, parseUnits, toScaledInteger } from '../../schemas/amount.js';
import { LEDGER_ZERO, ledgerDisplay, ledgerText, ledgerUnits, parseLedger, toLedger } from '../../ledger/units.js';

test('parses decimals exactly, never through a float', () => {
  assert.equal(parseUnits('0.1'), 10_000n);
  assert.equal(parseUnits('123456789012345678.1234'), 12345678901234567812340n);
  assert.equal(parseUnits('1.00000'), 100_000n);
  assert.equal(formatUnits(parseUnits('100.50')), '100.5');
  assert.equal(formatUnits(parseUnits('0')), '0');
});

test('refuses what is not a plain decimal or needs more than 5 places', () => {
  for (const bad of ['1e3', '-1', '1.', '.5', ' 1', '1,5', '0x10', '1.123456', 'NaN', '']) {
    assert.throws(() => parseUnits(bad), /amount/, bad);
  }
});

test('currency minor units are enforced, not rounded', () => {
  assert.equal(currencyMisfit(parseAmount('10.12', 'USD')), undefined);
  assert.match(currencyMisfit(parseAmount('10.123', 'USD')) ?? '', /3 decimal places but USD allows 2/);
  assert.match(currencyMisfit(parseAmount('1.5', 'JPY')) ?? '', /JPY allows 0/);
  assert.equal(currencyMisfit(parseAmount('1.125', 'BHD')), undefined);
  assert.match(currencyMisfit(parseAmount('1', 'ABC')) ?? '', /not supported/);
});

test('ledger scale is 4: a fifth decimal is refused', () => {
  assert.equal(toLedger(parseUnits('1.2345')), 12345n);
  assert.throws(() => toLedger(parseUnits('1.23456')), /cannot be held with 4 decimal places/);
  assert.throws(() => toScaledInteger(parseUnits('0.001'), 2), /cannot be held/);
});

test('decimal text round-trips through every representation (property)', () => {
  const decimal = fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }), fc.integer({ min: 0, max: 5 }), fc.bigInt({ min: 0n, max: 99_999n }))
    .map(([whole, places, frac]) => {
      const fraction = (frac % 10n ** BigInt(places)).toString().padStart(places, '0').replace(/0+$/, '');
      return fraction ? `${whole}.${fraction}` : `${whole}`;
    });
  fc.assert(
    fc.property(decimal, (text) => {
      const units = parseUnits(text);
      assert.equal(formatUnits(units), text);
      assert.equal(decimalPlaces(units), text.includes('.') ? text.split('.')[1]!.length : 0);
      if (decimalPlaces(units) <= 4) {
        const ledger = toLedger(units);
        assert.equal(parseLedger(ledgerText(ledger)), ledger);
        assert.equal(ledgerDisplay(ledger), text);
      }
    }),
    { numRuns: 2000 },
  );
});

test('negative ledger values keep their sign', () => {
  assert.equal(ledgerText(ledgerUnits(-12345n)), '-1.2345');
  assert.equal(parseLedger('-1.2345'), -12345n);
  assert.equal(ledgerDisplay(ledgerUnits(-50000n)), '-5');
  assert.equal(ledgerDisplay(LEDGER_ZERO), '0');
});
