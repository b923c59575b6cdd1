/**
 * Admin API transaction requests module (switch/admin/routes/transaction-requests.ts) on a real server and PostgreSQL:
 * a request as recorded (migration 014), with every quote that named it and the transfer that paid each (the transfer
 * with the quote's transaction id, payer, payee and condition); unknown and malformed ids refused.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { transactionRequestRoutes } from '../../switch/admin/routes/transaction-requests.js';
import { errorOf, startAdminApi, type AdminApi } from '../support/admin-api.js';

let api: AdminApi;
const ID = '01J00000000000000000000R2P';

before(async () => {
  api = await startAdminApi('transaction_requests', transactionRequestRoutes);
  await api.db.query(
    `INSERT INTO transaction_request (id, payee, payer, currency, amount, state, request_hash, answer_hash, transaction_id, created_at, changed_at)
     VALUES ($1, 'merchantfsp', 'payerfsp', 'USD', 12.5, 'ACCEPTED', 'h', 'a', 'tx-1', '2030-01-01T00:00:00Z', '2030-01-01T00:00:01Z')`,
    [ID],
  );
  const quote = `INSERT INTO quote (id, payer, payee, currency, amount, state, request_hash, transaction_request_id, transaction_id, condition, created_at)
                 VALUES ($1, 'payerfsp', 'merchantfsp', 'USD', 12.5, 'ANSWERED', 'q', $2, $3, $4, $5)`;
  await api.db.query(quote, ['q-1', ID, 'tx-1', 'cond-1', '2030-01-01T00:00:02Z']);
  await api.db.query(quote, ['q-2', ID, 'tx-2', 'cond-2', '2030-01-01T00:00:03Z']);
  const transfer = `INSERT INTO transfer (id, kind, payer, payee, currency, amount, condition, state, created_at, completed_at)
                    VALUES ($1, 'TRANSFER', $2, 'merchantfsp', 'USD', 12.5, $3, $4, '2030-01-01T00:00:04Z', $5)`;
  await api.db.query(transfer, ['tx-1', 'payerfsp', 'cond-1', 'COMMITTED', '2030-01-01T00:00:05Z']);
  await api.db.query(transfer, ['tx-2', 'payerfsp', 'another-condition', 'RESERVED', null]);
});

after(async () => {
  await api?.close();
});

test('GET /transactionRequests/{ID}: the record, its quotes oldest first, and the transfer that paid each', async () => {
  const res = await api.call('GET', `/transactionRequests/${ID}`);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, {
    transactionRequestId: ID,
    payee: 'merchantfsp',
    payer: 'payerfsp',
    amount: { amount: '12.5', currency: 'USD' },
    expiration: null,
    state: 'ACCEPTED',
    errorCode: null,
    transactionId: 'tx-1',
    createdDate: '2030-01-01T00:00:00.000Z',
    changedDate: '2030-01-01T00:00:01.000Z',
    quotes: [
      {
        quoteId: 'q-1',
        state: 'ANSWERED',
        transactionId: 'tx-1',
        createdDate: '2030-01-01T00:00:02.000Z',
        transfer: {
          transferId: 'tx-1',
          state: 'COMMITTED',
          amount: '12.5',
          createdDate: '2030-01-01T00:00:04.000Z',
          completedDate: '2030-01-01T00:00:05.000Z',
        },
      },
      // tx-2 carries another condition than its quote: it did not pay that quote.
      { quoteId: 'q-2', state: 'ANSWERED', transactionId: 'tx-2', createdDate: '2030-01-01T00:00:03.000Z', transfer: null },
    ],
  });
});

test('an unknown request is 400/3206, a malformed id 400/3101', async () => {
  let res = await api.call('GET', '/transactionRequests/01J00000000000000000000XXX');
  assert.equal(res.status, 400);
  assert.equal(errorOf(res).errorCode, '3206', res.text);
  res = await api.call('GET', '/transactionRequests/not-an-id');
  assert.equal(res.status, 400);
  assert.equal(errorOf(res).errorCode, '3101', res.text);
});
