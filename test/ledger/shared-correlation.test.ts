/**
 * What one hub process learns from a message and another needs for the next one, at store level, two processes on one
 * database: a bank's BizMsgIdr seen through A is a duplicate through B; an acmt.023 Vrfctn/Id issued by A is resolved
 * by B when the bank's acmt.024 reaches it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Db } from '../../ledger/db.js';
import { SeenMessageIds } from '../../switch/edge/message-ids.js';
import { VerificationIds } from '../../switch/notify/verification-ids.js';
import { twoNodesOnOneDatabase, type TwoNodes } from '../support/postgres.js';

let nodes: TwoNodes;
let dbA: Db;
let dbB: Db;

before(async () => {
  nodes = await twoNodesOnOneDatabase('mizani_correlation');
  ({ dbA, dbB } = nodes);
});

after(async () => {
  await nodes?.close();
});

test('a BizMsgIdr received through A is a duplicate through B, per sender, until its retention ends', async () => {
  const a = new SeenMessageIds(dbA);
  const b = new SeenMessageIds(dbB);
  assert.equal(await a.firstTime('bank1', 'MSG-1'), true);
  assert.equal(await b.firstTime('bank1', 'MSG-1'), false, 'the resend to node B');
  assert.equal(await a.firstTime('bank1', 'MSG-1'), false, 'and to node A again');
  assert.equal(await b.firstTime('bank2', 'MSG-1'), true, 'another sender may use the same id');
  // Past the retention the id is new again (whether or not it was purged yet).
  await dbA.query(`UPDATE message_seen SET seen_at = now() - interval '2 days' WHERE id = 'MSG-1' AND sender = 'bank1'`);
  assert.equal(await b.firstTime('bank1', 'MSG-1'), true);
  assert.equal(await a.firstTime('bank1', 'MSG-1'), false);
});

test('racing resends through A and B: exactly one is new', async () => {
  const a = new SeenMessageIds(dbA);
  const b = new SeenMessageIds(dbB);
  for (let i = 0; i < 50; i++) {
    const outcomes = await Promise.all([a.firstTime('bank1', `RACE-${i}`), b.firstTime('bank1', `RACE-${i}`)]);
    assert.equal(outcomes.filter(Boolean).length, 1, `RACE-${i}`);
  }
});

test('the cost of the duplicate check on the hot path: one indexed insert per bank message', async (t) => {
  const a = new SeenMessageIds(dbA);
  await a.firstTime('bank1', 'warm-up');
  const n = 2000;
  let start = performance.now();
  for (let i = 0; i < n; i++) await a.firstTime('bank1', `SEQ-${i}`);
  const sequentialMs = (performance.now() - start) / n;
  start = performance.now();
  await Promise.all(Array.from({ length: n }, (_, i) => a.firstTime('bank1', `PAR-${i}`)));
  const perSecond = n / ((performance.now() - start) / 1000);
  t.diagnostic(`message_seen insert: ${sequentialMs.toFixed(3)} ms each one after another; ${Math.round(perSecond)}/s with 4 connections`);
  assert.ok(sequentialMs < 50);
});

test('an acmt.023 Vrfctn/Id issued by A is resolved by B', async () => {
  const a = new VerificationIds(dbA);
  const b = new VerificationIds(dbB);
  const long = { type: 'ACCOUNT_ID', id: 'X'.repeat(100), subId: 'savings' };
  const id = await a.idFor(long);
  assert.ok(id.length <= 35 && !id.includes('/'));
  assert.deepEqual(await b.pathOf(id), long);
  const short = { type: 'MSISDN', id: '2250700000001' };
  assert.equal(await a.idFor(short), 'MSISDN/2250700000001', 'a path that fits is sent as is');
  assert.deepEqual(await b.pathOf('MSISDN/2250700000001'), short);
  const noSub = { type: 'ACCOUNT_ID', id: 'Y'.repeat(100) };
  assert.deepEqual(await b.pathOf(await a.idFor(noSub)), noSub);
});
