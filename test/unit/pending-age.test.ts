/**
 * PendingAge: the age of the oldest unanswered command, the ledger signal admission control reads on a hub node that
 * does not hold the ledger (switch/bus/pending-age.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InProcessBus, topic } from '../../switch/bus/bus.js';
import { PendingAge } from '../../switch/bus/pending-age.js';

test('the oldest unanswered command sets the age; answered (or failed), it no longer counts', async () => {
  const inner = new InProcessBus();
  const answers: Array<() => void> = [];
  const slow = topic<string, string>('slow');
  const failing = topic<string, string>('failing');
  inner.subscribe(slow, (c) => new Promise((resolve) => answers.push(() => resolve(c))));
  inner.subscribe(failing, () => Promise.reject(new Error('refused')));
  const bus = new PendingAge(inner);
  assert.equal(bus.oldestMs(), 0);
  const first = bus.request(slow, 'k', 'one');
  await new Promise((r) => setTimeout(r, 30));
  const second = bus.request(slow, 'k', 'two');
  assert.ok(bus.oldestMs() >= 25, `oldest ${bus.oldestMs()} ms`);
  assert.equal(bus.pending, 2);
  answers[0]!();
  assert.equal(await first, 'one');
  assert.ok(bus.oldestMs() < 25, 'the second is younger');
  answers[1]!();
  await second;
  await assert.rejects(bus.request(failing, 'k', 'x'), /refused/);
  assert.equal(bus.oldestMs(), 0);
});
