/**
 * Transaction request records (migration 014, ledger/transaction-requests.ts) ride the ledger's group commit like
 * quote records: the first record of an id wins (a second insert, in the same batch or later, is a conflict), the
 * payer's answers update it, and a quote that names the request is linked to it and to the transfer that paid it
 * (the transfer whose id is the quote's transaction id, with its condition), read by primary key.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDb, type Db } from '../../ledger/db.js';
import { LedgerEngine } from '../../ledger/engine.js';
import { migrate } from '../../ledger/migrate.js';
import { Registry } from '../../ledger/registry.js';
import { linkedQuotes, TransactionRequestRecords } from '../../ledger/transaction-requests.js';
import { ledgerUnits as L } from '../../ledger/units.js';
import { prepareInput } from '../support/ledger-inputs.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { deferredNetModel } from '../support/settlement-models.js';

let testDb: TestDatabase;
let db: Db;

before(async () => {
  testDb = await createTestDatabase('mizani_ledger_r2p');
  db = await openDb({ url: testDb.url, dataDir: '', poolSize: 4 });
  await migrate(db);
});

after(async () => {
  await db?.close();
  await testDb?.drop();
});

async function ledger(): Promise<{ registry: Registry; engine: LedgerEngine }> {
  const registry = await Registry.load(db, 'Hub');
  await registry.createHubAccount('USD', 'HUB_RECONCILIATION');
  await registry.createHubAccount('USD', 'HUB_MULTILATERAL_SETTLEMENT');
  await registry.createSettlementModel(deferredNetModel({ requireLiquidityCheck: false }));
  for (const name of ['dfsp1', 'dfsp2']) {
    await registry.createParticipant(name, 'USD', false);
    await registry.setInitialLimit(name, 'USD', L(1_000_000_000n), '10');
  }
  const engine = new LedgerEngine(db, registry, { maxBatch: 50, assertions: 'all' });
  await engine.load();
  return { registry, engine };
}

test('a transaction request is recorded once, its answers update it, and the quote and transfer that paid it are linked to it', async () => {
  const { engine } = await ledger();
  const records = new TransactionRequestRecords(db, engine);
  const insert = { id: 'r2p-1', payee: 'dfsp2', payer: 'dfsp1', currency: 'USD', amount: '12.5000', state: 'RECEIVED', request_hash: 'h1' };
  const [first, twin] = await Promise.all([records.record(insert), records.record({ ...insert, request_hash: 'h2' })]);
  assert.deepEqual([first.conflict, twin.conflict], [false, true], 'the same id twice in one batch: the second conflicts');
  assert.equal((await records.record({ ...insert, request_hash: 'h3' })).conflict, true, 'and in a later batch');
  await records.update({ id: 'r2p-1', state: 'PENDING', answer_hash: 'a1' });
  await records.update({ id: 'r2p-1', state: 'ACCEPTED', answer_hash: 'a2', transaction_id: 'tx-1' });
  const found = await records.find('r2p-1');
  assert.deepEqual(
    { state: found?.state, requestHash: found?.requestHash, answerHash: found?.answerHash, transactionId: found?.transactionId, amount: found?.amount },
    { state: 'ACCEPTED', requestHash: 'h1', answerHash: 'a2', transactionId: 'tx-1', amount: '12.5000' },
  );
  assert.equal(await records.find('r2p-unknown'), undefined);

  const quote = { payer: 'dfsp1', payee: 'dfsp2', currency: 'USD', state: 'RECEIVED', request_hash: 'q', transaction_request_id: 'r2p-1' };
  await engine.submitRecord({ quoteInsert: { ...quote, id: 'q-1', transaction_id: 'tx-1' } });
  await engine.submitRecord({ quoteUpdate: { id: 'q-1', state: 'ANSWERED', condition: 'cond-1' } });
  await engine.submitRecord({ quoteInsert: { ...quote, id: 'q-0', transaction_id: 'tx-0', created_at: '2020-01-01T00:00:00.000Z' } });
  await engine.submitRecord({ quoteInsert: { ...quote, id: 'q-other', transaction_request_id: undefined, transaction_id: 'tx-1' } });
  const prepared = await engine.prepare({ ...prepareInput('tx-1', L(125_000n)), condition: 'cond-1' });
  assert.equal(prepared.kind, 'reserved');
  const links = await linkedQuotes(db, 'r2p-1');
  assert.deepEqual(
    links.map((q) => ({ id: q.id, state: q.state, transactionId: q.transactionId, transfer: q.transfer && { id: q.transfer.id, state: q.transfer.state } })),
    [
      { id: 'q-0', state: 'RECEIVED', transactionId: 'tx-0', transfer: null },
      { id: 'q-1', state: 'ANSWERED', transactionId: 'tx-1', transfer: { id: 'tx-1', state: 'RESERVED' } },
    ],
    'the quotes naming the request, oldest first; the transfer found by the transaction id and the condition',
  );
  await engine.submitRecord({ quoteUpdate: { id: 'q-0', state: 'ANSWERED', condition: 'another' } });
  const other = await engine.prepare({ ...prepareInput('tx-0', L(10_000n)), condition: 'not-the-quote-condition' });
  assert.equal(other.kind, 'reserved');
  assert.equal((await linkedQuotes(db, 'r2p-1'))[0]!.transfer, null, 'a transfer with another condition did not pay that quote');
  await engine.close();
});
