/**
 * FX quote records (ledger/fx-quotes.ts, migration 020) on PostgreSQL, and the rules the hub checks an FXP's answer
 * by (switch/core/agreement/fx-quote-checks.ts `checkAnswer`) against such a record: a conversion request id's first
 * record wins, the first answer wins (the same one may come again), the FXP may not change what it was asked, and
 * amounts are exact or refused.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FxQuoteRecords, type FxQuoteInsert } from '../../ledger/fx-quotes.js';
import { openDb, type Db } from '../../ledger/db.js';
import { migrate } from '../../ledger/migrate.js';
import { fxQuoteResponseToCanonical, type FspiopFxQuoteResponse } from '../../translators/fspiop/fx-quotes.js';
import { checkAnswer } from '../../switch/core/agreement/fx-quote-checks.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

let testDb: TestDatabase;
let db: Db;
let records: FxQuoteRecords;

before(async () => {
  testDb = await createTestDatabase('mizani_fx_quotes');
  db = await openDb({ url: testDb.url, dataDir: '', poolSize: 4 });
  await migrate(db);
  records = new FxQuoteRecords(db);
});

after(async () => {
  await db?.close();
  await testDb?.drop();
});

function insert(id: string, o: Partial<FxQuoteInsert> = {}): FxQuoteInsert {
  return {
    id,
    conversionId: `${id}-c`,
    determiningTransferId: `${id}-t`,
    initiating: 'payerfsp',
    fxp: 'fxp1',
    amountType: 'SEND',
    sourceCurrency: 'USD',
    targetCurrency: 'ZMW',
    sourceAmount: '100.5000',
    expiration: '2030-01-01T00:00:00.000Z',
    requestHash: `hash-${id}`,
    createdAt: new Date().toISOString(),
    ...o,
  };
}

function answer(id: string, terms: Partial<FspiopFxQuoteResponse['conversionTerms']> = {}) {
  return fxQuoteResponseToCanonical(
    id,
    {
      condition: 'GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM',
      conversionTerms: {
        conversionId: `${id}-c`,
        determiningTransferId: `${id}-t`,
        initiatingFsp: 'payerfsp',
        counterPartyFsp: 'fxp1',
        amountType: 'SEND',
        sourceAmount: { currency: 'USD', amount: '100.5' },
        targetAmount: { currency: 'ZMW', amount: '2649.18' },
        expiration: '2030-01-01T00:00:00.000Z',
        ...terms,
      },
    },
    new Date().toISOString(),
  );
}

test('the first record of a conversion request id wins; the same id again is a conflict that changes nothing', async () => {
  assert.deepEqual(await records.record(insert('x1')), { conflict: false });
  assert.deepEqual(await records.record(insert('x1', { requestHash: 'other', sourceAmount: '1.0000' })), { conflict: true });
  const found = await records.find('x1');
  assert.equal(found?.state, 'RECEIVED');
  assert.equal(found?.requestHash, 'hash-x1');
  assert.equal(found?.sourceAmount, '100.5000');
  assert.equal(found?.targetAmount, null, 'the open side is unknown until the FXP answers');
  assert.equal(found?.expiration, '2030-01-01T00:00:00.000Z');
});

test('the first answer wins and fills the open amount and the condition; the same answer again is taken, another is not', async () => {
  await records.record(insert('x2'));
  const first = { id: 'x2', state: 'ANSWERED' as const, responseHash: 'r1', sourceAmount: '100.5000', targetAmount: '2649.1800', condition: 'c' };
  assert.deepEqual(await records.answer(first), { modified: false });
  assert.deepEqual(await records.answer(first), { modified: false });
  assert.deepEqual(await records.answer({ ...first, responseHash: 'r2', targetAmount: '1.0000' }), { modified: true });
  const found = await records.find('x2');
  assert.equal(found?.state, 'ANSWERED');
  assert.equal(found?.targetAmount, '2649.1800');
  assert.equal(found?.condition, 'c');
  await records.refuse('x2', 'FX_TERMS_CHANGED');
  assert.equal((await records.find('x2'))?.state, 'ANSWERED', 'a refusal after an answer changes nothing');
});

test("checkAnswer: the FXP's terms against the record — same terms pass with both amounts as ledger text", async () => {
  await records.record(insert('x3'));
  const quote = (await records.find('x3'))!;
  assert.deepEqual(checkAnswer(answer('x3'), quote), { source: '100.5000', target: '2649.1800' });
  const charged = answer('x3', { charges: [{ chargeType: 'fee', sourceAmount: { currency: 'USD', amount: '0.5' } }] });
  assert.deepEqual(checkAnswer(charged, quote), { source: '100.5000', target: '2649.1800' });
});

test('checkAnswer: changed terms, inexact amounts and inconsistent charges are refused with their outcome', async () => {
  await records.record(insert('x4'));
  const quote = (await records.find('x4'))!;
  const outcome = (r: ReturnType<typeof checkAnswer>) => ('refusal' in r ? [r.refusal.outcome, r.refusal.detail] : ['accepted']);
  assert.equal(outcome(checkAnswer(answer('x4', { sourceAmount: { currency: 'USD', amount: '100' } }), quote))[0], 'FX_TERMS_CHANGED');
  assert.match(String(outcome(checkAnswer(answer('x4', { sourceAmount: { currency: 'USD', amount: '100' } }), quote))[1]), /sourceAmount was 100\.5 USD/);
  assert.equal(outcome(checkAnswer(answer('x4', { sourceAmount: { currency: 'EUR', amount: '100.5' } }), quote))[0], 'FX_TERMS_CHANGED');
  assert.equal(outcome(checkAnswer(answer('x4', { counterPartyFsp: 'fxp2' }), quote))[0], 'FX_TERMS_CHANGED');
  assert.equal(outcome(checkAnswer(answer('x4', { amountType: 'RECEIVE' }), quote))[0], 'FX_TERMS_CHANGED');
  assert.equal(outcome(checkAnswer(answer('x4', { targetAmount: { currency: 'ZMW', amount: '2649.181' } }), quote))[0], 'AMOUNT_TOO_PRECISE_FOR_CURRENCY');
  assert.equal(outcome(checkAnswer(answer('x4', { targetAmount: { currency: 'ZMW', amount: '0' } }), quote))[0], 'AMOUNT_NOT_POSITIVE');
  assert.equal(outcome(checkAnswer(answer('x4', { targetAmount: { currency: 'ZMW' } }), quote))[0], 'FX_TERMS_INCONSISTENT');
  const wrongCurrency = answer('x4', { charges: [{ chargeType: 'fee', targetAmount: { currency: 'USD', amount: '1' } }] });
  assert.equal(outcome(checkAnswer(wrongCurrency, quote))[0], 'FX_TERMS_INCONSISTENT');
  const tooLarge = answer('x4', {
    charges: [
      { chargeType: 'a', sourceAmount: { currency: 'USD', amount: '60' } },
      { chargeType: 'b', sourceAmount: { currency: 'USD', amount: '40.6' } },
    ],
  });
  assert.match(String(outcome(checkAnswer(tooLarge, quote))[1]), /larger than the sourceAmount/);
  const empty = answer('x4', { charges: [{ chargeType: 'none' }] });
  assert.equal(outcome(checkAnswer(empty, quote))[0], 'FX_TERMS_INCONSISTENT');
});
