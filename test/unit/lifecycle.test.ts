/** The lifecycle container (switch/lifecycle.ts): order, roll-back on a failed start, idempotent and bounded stop. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Lifecycle, StartAbortedError, type LifecycleEvent } from '../../switch/lifecycle.js';

function recorder() {
  const log: string[] = [];
  const events: LifecycleEvent[] = [];
  const part = (name: string) => [name, () => (log.push(`start ${name}`), name), () => void log.push(`stop ${name}`)] as const;
  return { log, events, part, observe: (e: LifecycleEvent) => void events.push(e) };
}

test('parts start in order and stop in reverse order; start returns what the part produced', async () => {
  const r = recorder();
  const life = new Lifecycle({ observe: r.observe });
  assert.equal(await life.start(...r.part('a')), 'a');
  await life.start('no stop', () => r.log.push('start no stop'));
  await life.start(...r.part('b'));
  await life.start(...r.part('c'));
  assert.deepEqual(life.parts, ['a', 'b', 'c']);
  await life.stop();
  assert.deepEqual(r.log, ['start a', 'start no stop', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  assert.deepEqual(life.parts, []);
  assert.deepEqual(
    r.events.filter((e) => e.event === 'stopped').map((e) => e.part),
    ['c', 'b', 'a'],
  );
});

test('a failed start stops what had started, newest first, and rethrows the same error', async () => {
  const r = recorder();
  const life = new Lifecycle({ observe: r.observe });
  await life.start(...r.part('a'));
  await life.start(...r.part('b'));
  const failure = new Error('port taken');
  await assert.rejects(
    life.start(
      'c',
      () => Promise.reject(failure),
      () => r.log.push('stop c'),
    ),
    (err) => err === failure,
  );
  assert.deepEqual(r.log, ['start a', 'start b', 'stop b', 'stop a']);
  assert.deepEqual(
    r.events.find((e) => e.event === 'start-failed'),
    { part: 'c', event: 'start-failed', error: failure },
  );
  await assert.rejects(life.start(...r.part('d')), StartAbortedError, 'nothing starts after a failed start-up');
});

test('stop is idempotent: concurrent and later calls share one stop, each part stopped once', async () => {
  const r = recorder();
  const life = new Lifecycle();
  await life.start(...r.part('a'));
  await life.start(
    'slow',
    () => 'slow',
    () => new Promise<void>((resolve) => setTimeout(() => (r.log.push('stop slow'), resolve()), 20)),
  );
  const [first, second] = [life.stop(), life.stop()];
  assert.equal(first, second);
  await Promise.all([first, second, life.stop()]);
  await life.stop();
  assert.deepEqual(r.log, ['start a', 'stop slow', 'stop a']);
});

test('stopping is bounded: a part that never stops is reported and the others stop anyway', async () => {
  const r = recorder();
  const life = new Lifecycle({ stopTimeoutMs: 50, observe: r.observe });
  await life.start(...r.part('a'));
  await life.start(
    'stuck',
    () => 'stuck',
    () => new Promise(() => undefined),
  );
  await life.start(
    'broken',
    () => 'broken',
    () => Promise.reject(new Error('cannot close')),
  );
  const began = Date.now();
  await life.stop();
  assert.ok(Date.now() - began < 1000);
  assert.deepEqual(r.log, ['start a', 'stop a']);
  assert.deepEqual(
    r.events.filter((e) => e.event.startsWith('stop') && e.event !== 'stopping').map((e) => `${e.event} ${e.part}`),
    ['stop-failed broken', 'stop-timed-out stuck', 'stopped a'],
  );
});

test('a part that finishes starting after stop() was called is stopped at once, not leaked', async () => {
  const r = recorder();
  const life = new Lifecycle();
  await life.start(...r.part('a'));
  let finish!: () => void;
  const starting = life.start(
    'late',
    () => new Promise<string>((resolve) => (finish = () => resolve('late'))),
    () => r.log.push('stop late'),
  );
  const stopping = life.stop();
  finish();
  await assert.rejects(starting, StartAbortedError);
  await stopping;
  assert.deepEqual(r.log, ['start a', 'stop a', 'stop late']);
});
