/**
 * Interchange fee rules, without a database (ledger/interchange-fees.ts, docs/interchange-fees.md): the half-even
 * rounding of a percentage to the currency's minor unit, basis points as parts per million, the matcher, the rule that
 * keeps at most one most-specific rule per transfer, and the facts read from the ILP transaction object.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  basisPointsText,
  chooseRule,
  conflictingRule,
  feeOf,
  MATCH_FIELDS,
  minorUnitStep,
  orderRules,
  overlaps,
  percentageFee,
  ppmOfBasisPoints,
  refines,
  roundHalfEven,
  ruleMatches,
  type FeeMatch,
  type TransactionFacts,
} from '../../ledger/interchange-fees.js';
import { ledgerUnits as L, parseLedger } from '../../ledger/units.js';
import { transactionFacts } from '../../switch/security/ilp.js';

const abs = (x: bigint) => (x < 0n ? -x : x);

test('roundHalfEven: the nearest integer, a tie to the even one, for any sign and size', () => {
  const cases: Array<[bigint, bigint, bigint]> = [
    [5n, 2n, 2n], // 2.5 -> 2
    [7n, 2n, 4n], // 3.5 -> 4
    [-5n, 2n, -2n], // -2.5 -> -2
    [-7n, 2n, -4n],
    [26n, 10n, 3n],
    [24n, 10n, 2n],
    [-26n, 10n, -3n],
    [0n, 7n, 0n],
    [45n, 10n, 4n], // 4.5 -> 4 (half-up would give 5)
    [55n, 10n, 6n],
    [10n ** 40n + 5n * 10n ** 20n, 10n ** 21n, 10n ** 19n], // 10^19 + 0.5 -> even 10^19
  ];
  for (const [n, d, expected] of cases) assert.equal(roundHalfEven(n, d), expected, `${n}/${d}`);
  assert.throws(() => roundHalfEven(1n, 0n), RangeError);
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (n, d) => {
      const r = roundHalfEven(n, d);
      const error = abs(n - r * d) * 2n; // twice the distance, in units of 1/d
      assert.ok(error <= d, `${n}/${d} -> ${r} is not the nearest integer`);
      if (error === d) assert.equal(r % 2n, 0n, `${n}/${d} is a tie: ${r} is not even`);
    }),
    { numRuns: 2000 },
  );
});

test('percentageFee: to the currency minor unit, half-even; the worked examples of the docs', () => {
  const ppm60 = ppmOfBasisPoints('60')!; // 0.6 %, Mojaloop's rule
  const fee = (amount: string, currency: string, ppm = ppm60) => percentageFee(parseLedger(amount), ppm, currency);
  assert.equal(fee('100.25', 'INR'), parseLedger('0.60')); // 0.6015 -> 0.60
  assert.equal(fee('7.50', 'INR'), parseLedger('0.04')); // 0.045, a tie -> 0.04 (even), not 0.05
  assert.equal(fee('2.50', 'INR'), parseLedger('0.02')); // 0.015, a tie -> 0.02 (even)
  assert.equal(fee('50', 'INR'), parseLedger('0.30'));
  assert.equal(fee('0.75', 'INR'), 0n); // 0.0045 -> 0.00: no fee
  assert.equal(fee('750', 'JPY'), parseLedger('4')); // 4.5 -> 4 (JPY has no decimals)
  assert.equal(fee('1250', 'JPY'), parseLedger('8')); // 7.5 -> 8
  assert.equal(fee('1.234', 'BHD'), parseLedger('0.007')); // 0.007404 -> 0.007 (3 decimals)
  assert.equal(fee('1.2345', 'XTS'), parseLedger('0.0074')); // 0.007407 -> 0.0074 (4 decimals)
  assert.equal(fee('1', 'USD', ppmOfBasisPoints('12.5')!), 0n); // 0.00125 -> 0.00
  assert.equal(fee('10', 'USD', ppmOfBasisPoints('12.5')!), parseLedger('0.01')); // 0.0125 -> 0.01
  assert.equal(fee('100', 'USD', ppmOfBasisPoints('10000')!), parseLedger('100')); // 100 %
  assert.throws(() => minorUnitStep('ABC'), RangeError);

  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 10n ** 20n }),
      fc.bigInt({ min: 1n, max: 1_000_000n }),
      fc.constantFrom('INR', 'JPY', 'BHD', 'XTS', 'USD'),
      (units, ppm, currency) => {
        const amount = L(units);
        const f = percentageFee(amount, ppm, currency);
        const step = minorUnitStep(currency);
        assert.equal(f % step, 0n, 'a whole number of minor units');
        // |f - amount*ppm/10^6| <= step/2, compared exactly in units of 1/10^6
        assert.ok(abs(f * 1_000_000n - amount * ppm) * 2n <= step * 1_000_000n, `${units} ${currency} at ${ppm} ppm -> ${f}`);
        assert.ok(percentageFee(L(units + step), ppm, currency) >= f, 'never smaller for a larger amount');
      },
    ),
    { numRuns: 1000 },
  );
});

test('a fixed fee is the fee whatever the amount', () => {
  const rule = { currency: 'INR', fee: { kind: 'fixed' as const, amount: parseLedger('1.50') } };
  assert.equal(feeOf(rule, parseLedger('0.01')), parseLedger('1.50'));
  assert.equal(feeOf(rule, parseLedger('1000000')), parseLedger('1.50'));
});

test('basis points: at most 2 decimals, above 0, at most 10000; round trip through parts per million', () => {
  assert.equal(ppmOfBasisPoints('60'), 6000n);
  assert.equal(ppmOfBasisPoints('0.01'), 1n);
  assert.equal(ppmOfBasisPoints('12.5'), 1250n);
  assert.equal(ppmOfBasisPoints('60.00'), 6000n); // as PostgreSQL numeric(7,2) prints it
  assert.equal(ppmOfBasisPoints('10000'), 1_000_000n);
  for (const bad of ['0', '0.00', '10000.01', '0.001', '-1', '1e2', '', '.5', '123456']) assert.equal(ppmOfBasisPoints(bad), undefined, bad);
  fc.assert(
    fc.property(fc.bigInt({ min: 1n, max: 1_000_000n }), (ppm) => {
      assert.equal(ppmOfBasisPoints(basisPointsText(ppm)), ppm);
    }),
  );
});

// ------------------------------------------------------------------------------------------------ matching

const MOJALOOP_P2P: FeeMatch = { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER', payerAccountType: 'Wallet', payeeAccountType: 'Wallet' };

test('the matcher: every constrained field must equal; an unconstrained one matches anything, even absent', () => {
  const wallets: TransactionFacts = { ...MOJALOOP_P2P };
  assert.equal(ruleMatches(MOJALOOP_P2P, wallets), true);
  assert.equal(ruleMatches(MOJALOOP_P2P, { ...wallets, payeeAccountType: 'Current' }), false);
  assert.equal(ruleMatches(MOJALOOP_P2P, { ...wallets, payeeAccountType: undefined }), false, 'a missing fact never matches a constraint');
  assert.equal(ruleMatches(MOJALOOP_P2P, { ...wallets, initiatorType: 'BUSINESS' }), false);
  assert.equal(ruleMatches(MOJALOOP_P2P, { ...wallets, payerAccountType: 'wallet' }), false, 'values are compared exactly');
  assert.equal(ruleMatches({}, {}), true, 'a rule on the currency alone matches every transfer');
  assert.equal(ruleMatches({ scenario: 'PAYMENT' }, wallets), false);
});

const VALUES: Record<(typeof MATCH_FIELDS)[number], string[]> = {
  scenario: ['TRANSFER', 'PAYMENT'],
  initiator: ['PAYER', 'PAYEE'],
  initiatorType: ['CONSUMER', 'BUSINESS'],
  payerAccountType: ['Wallet', 'Current'],
  payeeAccountType: ['Wallet', 'Current'],
};
const arbMatch: fc.Arbitrary<FeeMatch> = fc.record(
  Object.fromEntries(MATCH_FIELDS.map((f) => [f, fc.constantFrom(...VALUES[f])])) as Record<(typeof MATCH_FIELDS)[number], fc.Arbitrary<string>>,
  { requiredKeys: [] },
);
const arbFacts: fc.Arbitrary<TransactionFacts> = arbMatch;

test('overlaps and refines agree with matching: two rules that match one transfer overlap; what matches a refinement matches the rule', () => {
  fc.assert(
    fc.property(arbMatch, arbMatch, arbFacts, (a, b, facts) => {
      if (ruleMatches(a, facts) && ruleMatches(b, facts)) assert.ok(overlaps(a, b));
      if (refines(a, b) && ruleMatches(a, facts)) assert.ok(ruleMatches(b, facts));
      assert.equal(overlaps(a, b), overlaps(b, a));
      // a transfer exactly like the union of two overlapping rules matches both
      if (overlaps(a, b)) assert.ok(ruleMatches(a, { ...a, ...b }) && ruleMatches(b, { ...a, ...b }));
    }),
    { numRuns: 2000 },
  );
});

test('rules admitted one by one (no conflict with the active ones) give every transfer at most one most specific rule, the one chosen', () => {
  fc.assert(
    fc.property(fc.array(arbMatch, { maxLength: 12 }), fc.array(arbFacts, { minLength: 1, maxLength: 10 }), (candidates, transfers) => {
      const active: Array<{ id: number; match: FeeMatch }> = [];
      for (const [i, match] of candidates.entries()) {
        const clash = conflictingRule(active, match);
        if (!clash) active.push({ id: i + 1, match });
        else assert.ok(overlaps(clash.match, match) && refines(clash.match, match) === refines(match, clash.match));
      }
      const ordered = orderRules(active);
      for (const facts of transfers) {
        const chosen = chooseRule(ordered, facts);
        const matching = active.filter((r) => ruleMatches(r.match, facts));
        assert.equal(chosen === undefined, matching.length === 0);
        for (const other of matching) assert.ok(refines(chosen!.match, other.match), 'the chosen rule refines every other rule that matches');
      }
    }),
    { numRuns: 1000 },
  );
});

test('conflicts: the same constraints, or crossing ones, are refused; a refinement or a disjoint rule is not', () => {
  const active = [{ id: 1, name: 'p2p', match: MOJALOOP_P2P }];
  assert.equal(conflictingRule(active, { ...MOJALOOP_P2P })?.name, 'p2p', 'the same constraints');
  assert.equal(conflictingRule(active, { scenario: 'TRANSFER' }), undefined, 'more general: the P2P rule refines it');
  assert.equal(conflictingRule(active, { scenario: 'PAYMENT' }), undefined, 'disjoint');
  const general = [{ id: 2, name: 'payer-wallet', match: { payerAccountType: 'Wallet' } }];
  assert.equal(conflictingRule(general, { payeeAccountType: 'Wallet' })?.name, 'payer-wallet', 'crossing: neither refines the other');
  assert.equal(conflictingRule(general, {})?.name, undefined, 'the currency alone is refined by everything');
});

test('transactionFacts: the transaction type and each party`s accountType extension, as Mojaloop`s fee script reads them', () => {
  const ext = (value: unknown) => ({
    extension: [
      { key: 'other', value: 'x' },
      { key: 'accountType', value },
    ],
  });
  const tx = {
    transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
    payer: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '1', fspId: 'a', extensionList: ext('Wallet') } },
    payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '2', fspId: 'b', extensionList: ext('Current') } },
  };
  assert.deepEqual(transactionFacts(tx), {
    scenario: 'TRANSFER',
    initiator: 'PAYER',
    initiatorType: 'CONSUMER',
    payerAccountType: 'Wallet',
    payeeAccountType: 'Current',
  });
  const bare = transactionFacts({ transactionType: { scenario: 7 }, payer: { partyIdInfo: { extensionList: ext(1) } }, payee: 'x' });
  assert.deepEqual(
    Object.entries(bare).filter(([, v]) => v !== undefined),
    [],
    'members of the wrong type are no facts',
  );
  for (const nothing of [undefined, null, 'text', 42, []]) assert.deepEqual(transactionFacts(nothing), {});
});
