/**
 * Conversions and their dependent transfers in the ledger (docs/fx.md), against a real PostgreSQL: a conversion
 * (FX_TRANSFER, USD source) and the transfer it is for (EUR, reserved on the FXP's position) commit together in one
 * write, or abort together; the journal balances per currency, positions move as docs/fx.md's table says, the window
 * gets one flow per currency, reconciliation agrees; a restart reloads a fulfilled conversion, its index and its link
 * to a reserved dependent transfer, and the expiry sweep leaves a conversion alone while its dependent is reserved.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDb, type Db } from '../../ledger/db.js';
import { migrate } from '../../ledger/migrate.js';
import { Registry } from '../../ledger/registry.js';
import { LedgerEngine, type InFlight } from '../../ledger/engine.js';
import { reconcile } from '../../ledger/reconciliation.js';
import { ledgerUnits as L } from '../../ledger/units.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { deferredNetModel } from '../support/settlement-models.js';
import { prepareInput } from '../support/ledger-inputs.js';

const UNIT = 10_000n;
const SOURCE = L(10n * UNIT);
const TARGET = L(9n * UNIT);
let testDb: TestDatabase;
let db: Db;

before(async () => {
  testDb = await createTestDatabase('mizani_fx_linked');
  db = await openDb({ url: testDb.url, dataDir: '', poolSize: 4 });
});

after(async () => {
  await db?.close();
  await testDb?.drop();
});

interface World {
  registry: Registry;
  engine: LedgerEngine;
  position: (name: string, currency: string) => bigint;
}

function newEngine(registry: Registry): LedgerEngine {
  return new LedgerEngine(db, registry, { maxBatch: 100, exclusiveWriter: false, assertions: 'all' });
}

async function world(): Promise<World> {
  await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  await migrate(db);
  const registry = await Registry.load(db, 'Hub');
  for (const currency of ['USD', 'EUR']) {
    await registry.createHubAccount(currency, 'HUB_RECONCILIATION');
    await registry.createHubAccount(currency, 'HUB_MULTILATERAL_SETTLEMENT');
  }
  await registry.createSettlementModel(deferredNetModel({ requireLiquidityCheck: false }));
  for (const [name, currency] of [
    ['payer', 'USD'],
    ['fxp', 'USD'],
    ['fxp', 'EUR'],
    ['payee', 'EUR'],
  ] as const) {
    await registry.createParticipant(name, currency, false);
    await registry.setInitialLimit(name, currency, L(100n * UNIT), '10');
  }
  const engine = newEngine(registry);
  await engine.load();
  return { registry, engine, position: (name, currency) => registry.accountOf(name, currency, 'POSITION')!.value as bigint };
}

/** A conversion payer → fxp (USD) for transfer `dependentId`, fulfilled by the FXP (RECEIVED_FULFIL_DEPENDENT). */
async function fulfilledConversion(engine: LedgerEngine, id: string, dependentId: string, expiresAt = Date.now() + 3_600_000): Promise<InFlight> {
  const reserved = await engine.prepare({
    ...prepareInput(id, SOURCE, 'payer', 'fxp'),
    expiresAt,
    expiration: new Date(expiresAt).toISOString(),
    kind: 'FX_TRANSFER',
    fx: { determiningTransferId: dependentId, targetCurrency: 'EUR', targetAmount: TARGET },
  });
  assert.ok(reserved.kind === 'reserved', `conversion ${id}: ${reserved.kind}`);
  assert.equal(engine.conversionFor(dependentId), reserved.transfer, 'indexed by its determining transfer');
  await engine.advance(reserved.transfer, { state: 'RECEIVED_FULFIL_DEPENDENT', fulfilment: 'f', fulfilHash: `fulfil-${id}` });
  return reserved.transfer;
}

async function dependent(engine: LedgerEngine, id: string, conversion: InFlight): Promise<InFlight> {
  const reserved = await engine.prepare({ ...prepareInput(id, TARGET, 'payer', 'payee'), currency: 'EUR', debtor: 'fxp', conversion });
  assert.ok(reserved.kind === 'reserved', `dependent ${id}: ${reserved.kind}`);
  assert.equal(conversion.dependent, reserved.transfer, 'linked');
  return reserved.transfer;
}

async function journalPerCurrency(): Promise<Record<string, string>> {
  const rows = await db.query<{ currency: string; total: string }>(
    `SELECT a.currency, sum(j.amount)::text AS total FROM journal_entry j JOIN account a ON a.id = j.account_id GROUP BY a.currency ORDER BY a.currency`,
  );
  return Object.fromEntries(rows.rows.map((r) => [r.currency, r.total]));
}

test('the dependent transfer commits its conversion in the same write: both COMMITTED, positions in two currencies, one flow each', async () => {
  const { engine, position } = await world();
  const conversion = await fulfilledConversion(engine, 'fx-1', 'tr-1');
  const transfer = await dependent(engine, 'tr-1', conversion);
  assert.equal(position('payer', 'USD'), SOURCE);
  assert.equal(position('fxp', 'EUR'), TARGET, "the dependent transfer is reserved on the FXP's target position");

  await engine.commit(transfer, { fulfilment: 'g', completedAt: new Date().toISOString() });
  assert.equal(engine.inFlightTransfer('fx-1'), undefined, 'the conversion is final too');
  assert.equal(engine.conversionFor('tr-1'), undefined, 'and out of the index');
  assert.deepEqual([position('payer', 'USD'), position('fxp', 'USD'), position('fxp', 'EUR'), position('payee', 'EUR')], [SOURCE, -SOURCE, TARGET, -TARGET]);
  const states = await db.query<{ id: string; state: string; window_id: number | null; fulfilment: string | null }>(
    `SELECT id, state, window_id, fulfilment FROM transfer ORDER BY id`,
  );
  assert.deepEqual(
    states.rows.map((r) => [r.id, r.state, r.window_id !== null, r.fulfilment]),
    [
      ['fx-1', 'COMMITTED', true, 'f'],
      ['tr-1', 'COMMITTED', true, 'g'],
    ],
  );
  const flows = await db.query<{ payer: string; payee: string; currency: string; amount: string }>(
    `SELECT pp.name AS payer, qp.name AS payee, pa.currency, f.amount::text AS amount FROM window_flow f
     JOIN account pa ON pa.id = f.payer_account_id JOIN participant pp ON pp.id = pa.participant_id
     JOIN account qa ON qa.id = f.payee_account_id JOIN participant qp ON qp.id = qa.participant_id ORDER BY pa.currency`,
  );
  assert.deepEqual(flows.rows, [
    { payer: 'fxp', payee: 'payee', currency: 'EUR', amount: '9.0000' },
    { payer: 'payer', payee: 'fxp', currency: 'USD', amount: '10.0000' },
  ]);
  assert.deepEqual(await journalPerCurrency(), { EUR: '0.0000', USD: '0.0000' }, 'the journal balances per currency');
  assert.deepEqual((await reconcile(db)).discrepancies, []);
  await engine.close();
});

test('the dependent transfer aborts its conversion in the same write: both reservations released, same state and cause', async () => {
  const { engine, position } = await world();
  const conversion = await fulfilledConversion(engine, 'fx-2', 'tr-2');
  const transfer = await dependent(engine, 'tr-2', conversion);
  await engine.abort(transfer, { state: 'EXPIRED_RESERVED', cause: 'TRANSFER_EXPIRED', completedAt: new Date().toISOString() });
  assert.deepEqual([position('payer', 'USD'), position('fxp', 'USD'), position('fxp', 'EUR'), position('payee', 'EUR')], [0n, 0n, 0n, 0n]);
  const states = await db.query<{ id: string; state: string; cause: string }>(`SELECT id, state, cause FROM transfer ORDER BY id`);
  assert.deepEqual(states.rows, [
    { id: 'fx-2', state: 'EXPIRED_RESERVED', cause: 'TRANSFER_EXPIRED' },
    { id: 'tr-2', state: 'EXPIRED_RESERVED', cause: 'TRANSFER_EXPIRED' },
  ]);
  assert.equal(engine.inFlightCount, 0);
  assert.deepEqual(await journalPerCurrency(), { EUR: '0.0000', USD: '0.0000' });
  assert.deepEqual((await reconcile(db)).discrepancies, []);
  await engine.close();
});

test('a restart reloads a fulfilled conversion, its index and its link; the sweep leaves it alone while its dependent is reserved', async () => {
  const { registry, engine, position } = await world();
  const past = Date.now() - 1000;
  const waiting = await fulfilledConversion(engine, 'fx-3', 'tr-3', Date.now() + 60_000);
  await dependent(engine, 'tr-3', waiting);
  // A second conversion, expired and fulfilled, no dependent: the sweep finds it.
  const reserved = await engine.prepare({
    ...prepareInput('fx-4', SOURCE, 'payer', 'fxp'),
    expiresAt: past,
    expiration: new Date(past).toISOString(),
    kind: 'FX_TRANSFER',
    fx: { determiningTransferId: 'tr-4', targetCurrency: 'EUR', targetAmount: TARGET },
  });
  assert.ok(reserved.kind === 'reserved');
  await engine.close(); // as a crash would leave it: nothing in memory survives

  const restarted = newEngine(registry);
  await restarted.load();
  const conversion = restarted.conversionFor('tr-3');
  assert.equal(conversion?.id, 'fx-3');
  assert.equal(conversion?.state, 'RECEIVED_FULFIL_DEPENDENT');
  assert.deepEqual(conversion?.fx, { determiningTransferId: 'tr-3', targetCurrency: 'EUR', targetAmount: TARGET });
  const transfer = restarted.inFlightTransfer('tr-3');
  assert.equal(transfer?.conversion, conversion, 'the dependent transfer is linked again');
  assert.equal(conversion?.dependent, transfer);
  assert.equal(transfer?.debtor, 'fxp');
  assert.equal(restarted.conversionFor('tr-4')?.id, 'fx-4');
  assert.deepEqual(
    restarted
      .expired(Date.now() + 3_600_000)
      .map((t) => t.id)
      .sort(),
    ['fx-4', 'tr-3'],
    'a conversion held by its reserved dependent transfer never expires on its own',
  );
  assert.deepEqual([position('payer', 'USD'), position('fxp', 'EUR')], [2n * SOURCE, TARGET]);
  await restarted.commit(transfer!, { fulfilment: 'g', completedAt: new Date().toISOString() });
  assert.equal((await restarted.find('fx-3'))?.state, 'COMMITTED', 'after the restart the commit still takes its conversion');
  assert.deepEqual((await reconcile(db)).discrepancies, []);
  await restarted.close();
});
