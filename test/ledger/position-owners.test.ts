/**
 * Position owners (migration 019): a transfer may reserve on, and credit, the POSITION of a participant that is not
 * its payer or payee — the FXP of a transfer that depends on a conversion, the proxy standing for a party of another
 * scheme. Checked against a real PostgreSQL: who moves, the net debit cap of whom, the window flow between whom, the
 * reconciliation agreeing, and a restart reloading the held states with their owners.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDb, type Db } from '../../ledger/db.js';
import { migrate } from '../../ledger/migrate.js';
import { Registry } from '../../ledger/registry.js';
import { LedgerEngine } from '../../ledger/engine.js';
import { reconcile } from '../../ledger/reconciliation.js';
import { ledgerUnits as L } from '../../ledger/units.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { deferredNetModel } from '../support/settlement-models.js';
import { prepareInput } from '../support/ledger-inputs.js';

const UNIT = 10_000n;
let testDb: TestDatabase;
let db: Db;

before(async () => {
  testDb = await createTestDatabase('mizani_position_owners');
  db = await openDb({ url: testDb.url, dataDir: '', poolSize: 4 });
});

after(async () => {
  await db?.close();
  await testDb?.drop();
});

async function world(): Promise<{ registry: Registry; engine: LedgerEngine; value: (name: string) => bigint }> {
  await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  await migrate(db);
  const registry = await Registry.load(db, 'Hub');
  await registry.createHubAccount('USD', 'HUB_RECONCILIATION');
  await registry.createHubAccount('USD', 'HUB_MULTILATERAL_SETTLEMENT');
  await registry.createSettlementModel(deferredNetModel({ requireLiquidityCheck: false }));
  for (const name of ['dfsp1', 'dfsp2', 'fxp', 'proxy']) {
    await registry.createParticipant(name, 'USD', name === 'proxy');
    await registry.setInitialLimit(name, 'USD', L(100n * UNIT), '10');
  }
  const engine = new LedgerEngine(db, registry, { maxBatch: 100, exclusiveWriter: false, assertions: 'all' });
  await engine.load();
  return { registry, engine, value: (name) => registry.accountOf(name, 'USD', 'POSITION')!.value as bigint };
}

test('a transfer reserves on its debtor, credits its creditor, and the window flow and reconciliation follow them', async () => {
  const { engine, value } = await world();
  const reserved = await engine.prepare({ ...prepareInput('owners-1', L(30n * UNIT)), debtor: 'fxp', creditor: 'proxy' });
  assert.equal(reserved.kind, 'reserved');
  assert.equal(value('fxp'), 30n * UNIT, 'the debtor holds the reservation');
  assert.equal(value('dfsp1'), 0n, 'the wire payer does not');

  // The debtor's net debit cap decides: 30 + 80 > 100.
  const refused = await engine.prepare({ ...prepareInput('owners-2', L(80n * UNIT), 'dfsp2', 'dfsp1'), debtor: 'fxp' });
  assert.equal(refused.kind, 'rejected');
  assert.equal(refused.kind === 'rejected' && refused.error.outcome, 'PAYER_LIMIT_EXCEEDED');
  // Without the headroom check (a proxy's position moved by the payee-side scheme) it is reserved.
  const unchecked = await engine.prepare({ ...prepareInput('owners-3', L(150n * UNIT), 'remote', 'dfsp2'), debtor: 'proxy', headroomCheck: false });
  assert.equal(unchecked.kind, 'reserved');
  assert.equal(value('proxy'), 150n * UNIT);

  assert.ok(reserved.kind === 'reserved');
  await engine.commit(reserved.transfer, { completedAt: new Date().toISOString() });
  assert.equal(value('fxp'), 30n * UNIT, 'the commit keeps the debtor debited');
  assert.equal(value('proxy'), 120n * UNIT, 'and credits the creditor');
  assert.equal(value('dfsp2'), 0n, 'not the wire payee');

  const flows = await db.query<{ payer: string; payee: string; amount: string }>(
    `SELECT pp.name AS payer, qp.name AS payee, f.amount::text AS amount FROM window_flow f
     JOIN account pa ON pa.id = f.payer_account_id JOIN participant pp ON pp.id = pa.participant_id
     JOIN account qa ON qa.id = f.payee_account_id JOIN participant qp ON qp.id = qa.participant_id`,
  );
  assert.deepEqual(flows.rows, [{ payer: 'fxp', payee: 'proxy', amount: '30.0000' }]);
  const record = await engine.find('owners-1');
  assert.equal(record?.debtor, 'fxp');
  assert.equal(record?.creditor, 'proxy');
  assert.equal(record?.payer, 'dfsp1');

  const checked = await reconcile(db);
  assert.deepEqual(checked.discrepancies, []);
  await engine.close();
});

test('a held state other than RESERVED is durable and a restart reloads it with its owners; the abort releases the debtor', async () => {
  const { registry, engine, value } = await world();
  const reserved = await engine.prepare({ ...prepareInput('held-1', L(10n * UNIT)), creditor: 'proxy' });
  assert.ok(reserved.kind === 'reserved');
  await engine.advance(reserved.transfer, { state: 'RESERVED_FORWARDED' });
  const stored = await engine.find('held-1');
  assert.equal(stored?.state, 'RESERVED_FORWARDED');
  await engine.close();

  const restarted = new LedgerEngine(db, registry, { maxBatch: 100, exclusiveWriter: false, assertions: 'all' });
  await restarted.load();
  const held = restarted.inFlightTransfer('held-1');
  assert.equal(held?.state, 'RESERVED_FORWARDED');
  assert.equal(held?.creditor, 'proxy');
  assert.equal(held?.debtor, 'dfsp1');
  assert.equal(value('dfsp1'), 10n * UNIT);
  await restarted.abort(held!, { state: 'EXPIRED_RESERVED', cause: '3303: Transfer expired', completedAt: new Date().toISOString() });
  assert.equal(value('dfsp1'), 0n);
  assert.equal((await restarted.find('held-1'))?.state, 'EXPIRED_RESERVED');
  await restarted.close();
});
