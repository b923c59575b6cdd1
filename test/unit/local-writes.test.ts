/**
 * ledger/changes.ts without a database: a reload never undoes a store's own change that reached memory while it read
 * (LocalWrites), and a store's reloads run one at a time, notices arriving meanwhile coalesced (ChangeFeed), a full
 * reload at every (re)connection of the listening session.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChangeFeed, CHANGED_CHANNEL, LocalWrites } from '../../ledger/changes.js';
import type { Db } from '../../ledger/db.js';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test('LocalWrites: a reload whose read overlapped a change to memory reads again before applying', async () => {
  const local = new LocalWrites();
  let memory = 'old';
  const reads = [deferred<string>(), deferred<string>()];
  let n = 0;
  const reloading = local.reload(
    () => reads[n++]!.promise,
    (value) => (memory = value),
  );
  // The store's own change lands in memory while the reload's first read (of the state before it) is out.
  memory = 'mine';
  local.wrote();
  reads[0]!.resolve('old');
  await new Promise((r) => setImmediate(r));
  assert.equal(memory, 'mine', 'the stale read is not applied');
  assert.equal(n, 2, 'it reads again');
  reads[1]!.resolve('mine');
  await reloading;
  assert.equal(memory, 'mine');
});

test('ChangeFeed: one reload at a time per store, notices meanwhile coalesced, a full reload on every (re)connection', async () => {
  let notify!: (payload: string) => void;
  let gap!: () => void;
  const db = {
    listen: async (channel: string, onNotice: (payload: string) => void, onGap: () => void) => {
      assert.equal(channel, CHANGED_CHANNEL);
      notify = onNotice;
      gap = onGap;
      onGap();
      return async () => undefined;
    },
  } as unknown as Db;
  const calls: Array<string | undefined> = [];
  let running = 0;
  let release = deferred<void>();
  const feed = new ChangeFeed(db).on('participant_jws_key', async (detail) => {
    running++;
    assert.equal(running, 1, 'never two at once');
    calls.push(detail);
    await release.promise;
    running--;
  });
  const started = feed.start();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(calls, [undefined], 'the first connection reloads everything');
  release.resolve();
  await started;
  release = deferred();
  notify('participant_jws_key:dfsp1');
  notify('participant_jws_key:dfsp2');
  notify('participant_jws_key:dfsp3');
  notify('registry'); // no handler: ignored
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(calls, [undefined, 'dfsp1']);
  release.resolve();
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(calls, [undefined, 'dfsp1', 'dfsp2', 'dfsp3'], 'the details queued meanwhile, in order');
  gap();
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(calls.at(-1), undefined, 'a reconnection reloads everything');
  await feed.stop();
});
