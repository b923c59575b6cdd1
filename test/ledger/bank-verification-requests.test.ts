/**
 * A bank's acmt.023 taken by hub process A, its answer sent by process B (two connections on one database): B finds
 * the bank's Vrfctn/Id and Assgnmt for the party path, so the acmt.024 names them (issue 14). What an answer answers:
 * every request of that bank for that path still open, else the latest; never another bank's, another path's, or one
 * older than the TTL; two processes answering at once do not both take an open request.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Db } from '../../ledger/db.js';
import { VerificationIds } from '../../switch/notify/verification-ids.js';
import { twoNodesOnOneDatabase, type TwoNodes } from '../support/postgres.js';

let nodes: TwoNodes;
let dbA: Db;
let dbB: Db;

before(async () => {
  nodes = await twoNodesOnOneDatabase('mizani_bank_verifications');
  ({ dbA, dbB } = nodes);
});

after(async () => {
  await nodes?.close();
});

const asked = (id: string, msgId = `MSG-${id}`) => ({ id, msgId, creDtTm: '2026-03-01T10:00:00+01:00' });

test('a request remembered through A is answered through B, with its ids; a repeat answer goes to it again', async () => {
  const a = new VerificationIds(dbA);
  const b = new VerificationIds(dbB);
  const path = { type: 'MSISDN', id: '2250700000001' };
  await a.rememberBankRequest('bank1', path, asked('V-1'));
  assert.deepEqual(await b.bankRequestsAnswered('bank2', path), [], "another bank's request is not answered");
  assert.deepEqual(await b.bankRequestsAnswered('bank1', { type: 'MSISDN', id: '2250700000002' }), [], 'nor another party');
  assert.deepEqual(await b.bankRequestsAnswered('bank1', { ...path, subId: 'x' }), [], 'nor the same party with a sub-id');
  assert.deepEqual(await b.bankRequestsAnswered('bank1', path), [asked('V-1')]);
  assert.deepEqual(await a.bankRequestsAnswered('bank1', path), [asked('V-1')], 'a second holder answering: the same request');
});

test('every open request of the bank for the path is answered at once, oldest first; afterwards the latest', async () => {
  const a = new VerificationIds(dbA);
  const b = new VerificationIds(dbB);
  const path = { type: 'ACCOUNT_ID', id: 'X'.repeat(120), subId: 'savings' };
  await a.rememberBankRequest('bank1', path, asked('V-2'));
  await b.rememberBankRequest('bank1', path, asked('V-3'));
  assert.deepEqual(await a.bankRequestsAnswered('bank1', path), [asked('V-2'), asked('V-3')]);
  assert.deepEqual(await b.bankRequestsAnswered('bank1', path), [asked('V-3')]);
  // The bank sends V-2 again (a resend, with a new message id): open again, answered once more.
  await b.rememberBankRequest('bank1', path, asked('V-2', 'MSG-again'));
  assert.deepEqual(await a.bankRequestsAnswered('bank1', path), [asked('V-2', 'MSG-again')]);
});

test('racing answers through A and B: each open request is taken by exactly one of them', async () => {
  const a = new VerificationIds(dbA);
  const b = new VerificationIds(dbB);
  for (let i = 0; i < 30; i++) {
    const path = { type: 'MSISDN', id: `race-${i}` };
    await a.rememberBankRequest('bank1', path, asked(`R-${i}`));
    await dbA.query(`UPDATE verification_request SET created_at = created_at - interval '1 second' WHERE vrfctn_id = $1`, [`R-${i}`]);
    await b.rememberBankRequest('bank1', path, asked(`S-${i}`));
    const [x, y] = await Promise.all([a.bankRequestsAnswered('bank1', path), b.bankRequestsAnswered('bank1', path)]);
    const opened = [x, y].find((r) => r.length === 2);
    assert.ok(opened, `race ${i}: one answer takes both open requests: ${JSON.stringify([x, y])}`);
    const other = x === opened ? y : x;
    assert.deepEqual(other, [asked(`S-${i}`)], `race ${i}: the other answers the latest`);
  }
});

test('a request refused at once is forgotten; one older than the TTL is not answered', async () => {
  const a = new VerificationIds(dbA);
  const b = new VerificationIds(dbB, 60_000);
  const path = { type: 'EMAIL', id: 'grace@example.org' };
  await a.rememberBankRequest('bank1', path, asked('V-4'));
  await a.forgetBankRequest('bank1', 'V-4');
  assert.deepEqual(await b.bankRequestsAnswered('bank1', path), []);
  await a.rememberBankRequest('bank1', path, asked('V-5'));
  await dbA.query(`UPDATE verification_request SET created_at = now() - interval '2 minutes' WHERE vrfctn_id = 'V-5'`);
  assert.deepEqual(await b.bankRequestsAnswered('bank1', path), [], 'past the TTL of B');
});

test('the cost on a bank lookup: one indexed upsert when it arrives, one locked update when it is answered', async (t) => {
  const a = new VerificationIds(dbA);
  const b = new VerificationIds(dbB);
  const n = 300;
  let remember = 0;
  let answer = 0;
  for (let i = 0; i < n; i++) {
    const path = { type: 'MSISDN', id: `cost-${i}` };
    let start = performance.now();
    await a.rememberBankRequest('bank1', path, asked(`C-${i}`));
    remember += performance.now() - start;
    start = performance.now();
    assert.equal((await b.bankRequestsAnswered('bank1', path)).length, 1);
    answer += performance.now() - start;
  }
  t.diagnostic(`verification_request: remember ${(remember / n).toFixed(3)} ms, answer ${(answer / n).toFixed(3)} ms (one after another)`);
  assert.ok(remember / n < 50 && answer / n < 50);
});
