/**
 * Admin changes whose rule spans many records (one active settlement model per scope and ledger account type; no two
 * overlapping fee rules), taken by two hub processes on one database. Each process's memory learns of the other's
 * change only by a notice after it commits, so the rule is kept by the database: a constraint (models) or a check
 * under a transaction lock (fee rules). Here the two processes have no change feed at all: each knows nothing of the
 * other's changes but what the database tells it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Db } from '../../ledger/db.js';
import { INTERCHANGE_FEE, InterchangeFees, type NewFeeRule } from '../../ledger/interchange-fees.js';
import { Registry } from '../../ledger/registry.js';
import { ledgerUnits } from '../../ledger/units.js';
import { isDomainError } from '../../schemas/outcomes.js';
import { twoNodesOnOneDatabase, type TwoNodes } from '../support/postgres.js';
import { deferredNetModel } from '../support/settlement-models.js';

let nodes: TwoNodes;
let dbA: Db;
let dbB: Db;

before(async () => {
  nodes = await twoNodesOnOneDatabase('mizani_admin_races');
  ({ dbA, dbB } = nodes);
});

after(async () => {
  await nodes?.close();
});

const model = (name: string, currency: string | null, ledgerAccountType = 'POSITION') =>
  deferredNetModel({
    name,
    currency,
    requireLiquidityCheck: false,
    ledgerAccountType,
    settlementAccountType: ledgerAccountType === INTERCHANGE_FEE ? 'INTERCHANGE_FEE_SETTLEMENT' : 'SETTLEMENT',
  });

/** The outcome name of a refusal, or 'ok'. */
async function outcome(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'ok';
  } catch (err) {
    if (isDomainError(err)) return err.message;
    throw err;
  }
}

test('settlement models: two nodes creating a model for one scope at once, exactly one succeeds; the other is told which covers it', async () => {
  const a = await Registry.load(dbA, 'Hub');
  const b = await Registry.load(dbB, 'Hub');
  for (const [i, currency] of ['USD', 'EUR', 'GBP', 'KES', 'TZS', null].entries()) {
    const outcomes = await Promise.all([
      outcome(a.createSettlementModel(model(`A${i}`, currency))),
      outcome(b.createSettlementModel(model(`B${i}`, currency))),
    ]);
    const won = outcomes.indexOf('ok');
    assert.equal(outcomes.filter((o) => o === 'ok').length, 1, `${currency ?? 'all currencies'}: ${outcomes.join(' / ')}`);
    const scope = currency ?? 'all currencies';
    assert.equal(outcomes[1 - won], `SETTLEMENT_MODEL_OVERLAPS: Settlement model ${won === 0 ? 'A' : 'B'}${i} already covers POSITION for ${scope}`);
  }
  const active = await dbA.query<{ n: string }>('SELECT count(*)::text AS n FROM settlement_model WHERE is_active');
  assert.equal(active.rows[0]!.n, '6');
});

test('settlement models: activating a model again is refused when another node has meanwhile covered its scope', async () => {
  const a = await Registry.load(dbA, 'Hub');
  await a.createSettlementModel(model('RWF-1', 'RWF'));
  await a.setSettlementModelActive('RWF-1', false);
  const b = await Registry.load(dbB, 'Hub');
  await b.createSettlementModel(model('RWF-2', 'RWF'));
  // A has not heard of RWF-2.
  assert.equal(await outcome(a.setSettlementModelActive('RWF-1', true)), 'SETTLEMENT_MODEL_OVERLAPS: Settlement model RWF-2 already covers POSITION for RWF');
  assert.equal(a.settlementModel('RWF-1')!.isActive, false, 'the refused activation left the model inactive');
  // A name another node took is refused as a duplicate, not as an unexpected database error.
  assert.equal(await outcome(a.createSettlementModel(model('RWF-2', 'UGX'))), 'SETTLEMENT_MODEL_EXISTS: Settlement Model already exists');
});

const rule = (name: string, scenario?: string): NewFeeRule => ({
  name,
  currency: 'INR',
  match: scenario ? { scenario } : {},
  fee: { kind: 'fixed', amount: ledgerUnits(1n) },
  paidBy: 'PAYER_FSP',
});

test('fee rules: overlapping rules created through two nodes, at once or one after the other, never both stand', async () => {
  const a = await Registry.load(dbA, 'Hub');
  await a.createSettlementModel(model('INR-FEES', 'INR', INTERCHANGE_FEE));
  const b = await Registry.load(dbB, 'Hub');
  const feesA = await InterchangeFees.load(dbA, a);
  const feesB = await InterchangeFees.load(dbB, b);
  // One after the other: B has not heard of A's rule.
  assert.equal(await outcome(feesA.create(rule('transfer-a', 'TRANSFER'))), 'ok');
  assert.equal(
    await outcome(feesB.create(rule('transfer-b', 'TRANSFER'))),
    'INTERCHANGE_FEE_RULE_OVERLAPS: The rule overlaps active INR rule transfer-a: some transfers match both, neither is more specific',
  );
  assert.equal(await outcome(feesB.create(rule('transfer-a', 'PAYMENT'))), 'INTERCHANGE_FEE_RULE_EXISTS: Interchange fee rule transfer-a already exists');
  // At once, many times: exactly one of each pair stands.
  for (let i = 0; i < 10; i++) {
    const scenario = `SCENARIO_${i}`;
    const outcomes = await Promise.all([outcome(feesA.create(rule(`a-${i}`, scenario))), outcome(feesB.create(rule(`b-${i}`, scenario)))]);
    assert.equal(outcomes.filter((o) => o === 'ok').length, 1, `${scenario}: ${outcomes.join(' / ')}`);
    assert.match(
      outcomes.find((o) => o !== 'ok')!,
      /^INTERCHANGE_FEE_RULE_OVERLAPS: The rule overlaps active INR rule [ab]-\d+:/,
    );
  }
  // Activation is checked the same way: A deactivates its rule, B covers the scenario, A may not activate it again.
  const first = feesA.rules({ isActive: true }).find((r) => r.name === 'transfer-a')!;
  await feesA.setActive(first.id, false);
  await feesB.reload();
  assert.equal(await outcome(feesB.create(rule('transfer-b', 'TRANSFER'))), 'ok');
  assert.equal(
    await outcome(feesA.setActive(first.id, true)),
    'INTERCHANGE_FEE_RULE_OVERLAPS: The rule overlaps active INR rule transfer-b: some transfers match both, neither is more specific',
  );
  const standing = await dbA.query<{ scenario: string; n: string }>(
    'SELECT scenario, count(*)::text AS n FROM interchange_fee_rule WHERE is_active GROUP BY scenario HAVING count(*) > 1',
  );
  assert.deepEqual(standing.rows, [], 'no scenario has two active rules');
});
