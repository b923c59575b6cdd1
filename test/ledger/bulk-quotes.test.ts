/**
 * Bulk quote records (ledger/bulk-quotes.ts, migration 015) on PostgreSQL: a bulk and its lines are written together
 * or not at all, a bulk quote id's first record wins, the first answer wins (the same one may come again), and the
 * lines keep what a later bulk transfer is tied to (amounts asked and agreed, conditions).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BulkQuoteRecords, type BulkQuoteInsert } from '../../ledger/bulk-quotes.js';
import { openDb, type Db } from '../../ledger/db.js';
import { migrate } from '../../ledger/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

let testDb: TestDatabase;
let db: Db;
let records: BulkQuoteRecords;

before(async () => {
  testDb = await createTestDatabase('mizani_bulk_quotes');
  db = await openDb({ url: testDb.url, dataDir: '', poolSize: 4 });
  await migrate(db);
  records = new BulkQuoteRecords(db);
});

after(async () => {
  await db?.close();
  await testDb?.drop();
});

function bulk(id: string, lines: number): BulkQuoteInsert {
  return {
    id,
    payer: 'payerfsp',
    payee: 'payeefsp',
    expiration: '2030-01-01T00:00:00.000Z',
    requestHash: `hash-${id}`,
    createdAt: new Date().toISOString(),
    lines: Array.from({ length: lines }, (_, i) => ({ quoteId: `${id}-q${i}`, transactionId: `${id}-t${i}`, currency: 'USD', amount: `${i}.1234` })),
  };
}

test('a bulk and its 1,000 lines are recorded in one write; the same id again is a conflict that changes nothing', async () => {
  assert.deepEqual(await records.record(bulk('b1', 1000)), { conflict: false });
  const again = bulk('b1', 2);
  again.requestHash = 'another';
  assert.deepEqual(await records.record(again), { conflict: true });
  const found = await records.find('b1');
  assert.equal(found?.state, 'RECEIVED');
  assert.equal(found?.lineCount, 1000);
  assert.equal(found?.requestHash, 'hash-b1');
  assert.equal(found?.expiration, '2030-01-01T00:00:00.000Z');
  const lines = await records.lines('b1');
  assert.equal(lines.length, 1000);
  assert.deepEqual([lines[7]!.line, lines[7]!.quoteId, lines[7]!.transactionId, lines[7]!.amount], [7, 'b1-q7', 'b1-t7', '7.1234']);
});

test('a bulk whose lines cannot be written leaves no bulk behind', async () => {
  const broken = bulk('b2', 3);
  broken.lines[2]!.currency = 'TOOLONG'; // char(3)
  await assert.rejects(records.record(broken));
  assert.equal(await records.find('b2'), undefined);
  assert.deepEqual(await records.record(bulk('b2', 3)), { conflict: false });
});

test('the first answer is kept with its lines; the same answer again is taken, another one is a modification', async () => {
  await records.record(bulk('b3', 3));
  const answer = {
    id: 'b3',
    state: 'ANSWERED' as const,
    responseHash: 'r1',
    responseExpiration: '2030-01-01T00:00:00.000Z',
    lines: [
      { line: 0, transferAmount: '1.5', transferCurrency: 'USD', condition: 'c0' },
      { line: 2, errorCode: '5101' },
    ],
  };
  assert.deepEqual(await records.answer(answer), { modified: false });
  assert.deepEqual(await records.answer(answer), { modified: false });
  assert.deepEqual(await records.answer({ ...answer, responseHash: 'r2', lines: [{ line: 1, condition: 'other' }] }), { modified: true });
  const found = await records.find('b3');
  assert.equal(found?.state, 'ANSWERED');
  assert.equal(found?.responseHash, 'r1');
  const lines = await records.lines('b3');
  assert.deepEqual(
    lines.map((l) => [l.transferAmount, l.transferCurrency, l.condition, l.errorCode]),
    [
      ['1.5000', 'USD', 'c0', null],
      [null, null, null, null],
      [null, null, null, '5101'],
    ],
  );
  await records.refuse('b3', 'QUOTE_EXPIRED');
  assert.equal((await records.find('b3'))?.state, 'ANSWERED', 'a refusal does not overwrite an answer');
});

test('terms the hub issued are kept whole and read back as they were written', async () => {
  await records.record(bulk('b4', 1));
  const text = JSON.stringify({ GrpHdr: { MsgId: 'b4' }, Results: [{ QuoteId: 'b4-q0' }] });
  await records.answer({ id: 'b4', state: 'ANSWERED', responseHash: 'h', hubAnswer: text });
  assert.deepEqual(JSON.parse((await records.find('b4'))!.hubAnswer!), JSON.parse(text));
});
