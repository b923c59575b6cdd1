/**
 * The Kafka bus (switch/bus/kafka-bus.ts) against a real Apache Kafka broker (test/support/kafka.ts, KRaft, started
 * here): request and reply across two bus instances ("nodes"), the ordering contract of bus.ts under concurrency
 * (same key: handlers start in publish order, and none waits for the one before it to finish), offsets committed
 * only up to what finished, handler failures as the same domain outcomes, no answer as LEDGER_UNAVAILABLE, and
 * the request/reply latency on this machine.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { topic } from '../switch/bus/bus.js';
import { CodecError } from '../switch/bus/codec.js';
import { KafkaBus, type KafkaBusOptions, type PositionStore } from '../switch/bus/kafka-bus.js';
import { domainFailures } from '../switch/core/bus-failures.js';
import { DomainError } from '../schemas/outcomes.js';
import { startKafka, type KafkaBroker } from './support/kafka.js';

let broker: KafkaBroker;
const buses: KafkaBus[] = [];
const log = pino({ level: 'warn' });

before(async () => {
  broker = await startKafka();
  console.log(`# Kafka broker ${broker.bootstrap} answered ${broker.startMs} ms after start`);
});

after(async () => {
  for (const bus of buses) await bus.stop().catch(() => undefined);
  await broker?.stop();
});

const prefix = () => `t${randomBytes(4).toString('hex')}`;

function bus(options: Partial<KafkaBusOptions> & { topicPrefix: string }): KafkaBus {
  const created = new KafkaBus({
    brokers: broker.brokers,
    partitions: 4,
    requestTimeoutMs: 20_000,
    failures: domainFailures,
    log,
    commitIntervalMs: 50,
    ...options,
  });
  buses.push(created);
  return created;
}

/** A node that requests and serves (the ledger's owner). */
async function serving(node: KafkaBus): Promise<void> {
  await node.start();
  await node.serve();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Step {
  seq: number;
  delayMs: number;
  units: bigint;
}
const steps = topic<Step, { seq: number; doubled: bigint }>('test.steps');

test('request and reply across two nodes; per key, handlers start in publish order and run together', { timeout: 120_000 }, async () => {
  const topicPrefix = prefix();
  const worker = bus({ topicPrefix, nodeId: 'worker' });
  const seen = new Map<string, number[]>();
  let running = 0;
  let maxRunning = 0;
  worker.subscribe(steps, async (command, key) => {
    // The synchronous part: what the contract orders.
    const list = seen.get(key) ?? [];
    list.push(command.seq);
    seen.set(key, list);
    maxRunning = Math.max(maxRunning, ++running);
    await sleep(command.delayMs);
    running--;
    return { seq: command.seq, doubled: command.units * 2n };
  });
  const requester = bus({ topicPrefix, nodeId: 'requester' });
  await Promise.all([serving(worker), requester.start()]);

  const keys = ['dfspA', 'dfspB', 'dfspC', 'dfspD', 'dfspE', 'dfspF'];
  const count = 600;
  const began = Date.now();
  const replies = await Promise.all(
    Array.from({ length: count }, (_, seq) => {
      const key = keys[seq % keys.length]!;
      // Later commands are quicker: finishing out of order must not reorder the starts.
      const units = 10n ** 25n + BigInt(seq);
      return requester.request(steps, key, { seq, delayMs: seq % 7 === 0 ? 40 : 5, units });
    }),
  );
  const ms = Date.now() - began;
  replies.forEach((reply, seq) => assert.deepEqual(reply, { seq, doubled: (10n ** 25n + BigInt(seq)) * 2n }));
  for (const key of keys) {
    const order = seen.get(key)!;
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      `${key}: handlers started in publish order`,
    );
    assert.equal(order.length, count / keys.length);
  }
  assert.ok(maxRunning > keys.length, `handlers of one partition ran together (at most ${maxRunning} at once)`);
  console.log(`# ${count} requests over 6 keys, 4 partitions: ${ms} ms; at most ${maxRunning} handlers running at once`);
  assert.equal(requester.pending, 0);
});

test('the commands of one key on different bus topics start in publish order (one commands topic, one partition per key)', { timeout: 60_000 }, async () => {
  const topicPrefix = prefix();
  const other = topic<Step, { seq: number; doubled: bigint }>('test.other');
  const worker = bus({ topicPrefix, nodeId: 'worker' });
  const started: string[] = [];
  const handler = (name: string) => async (command: Step, key: string) => {
    started.push(`${key}:${name}:${command.seq}`);
    await sleep(command.delayMs);
    return { seq: command.seq, doubled: 0n };
  };
  worker.subscribe(steps, handler('steps'));
  worker.subscribe(other, handler('other'));
  const requester = bus({ topicPrefix, nodeId: 'requester' });
  await Promise.all([serving(worker), requester.start()]);
  // Published in this order by one node (its publisher keeps the order): the order a participant's commands have.
  const published: string[] = [];
  const replies: Array<Promise<unknown>> = [];
  for (let seq = 0; seq < 40; seq++) {
    const key = seq % 3 === 0 ? 'dfspB' : 'dfspA';
    const name = seq % 2 === 0 ? 'steps' : 'other';
    published.push(`${key}:${name}:${seq}`);
    replies.push(requester.request(name === 'steps' ? steps : other, key, { seq, delayMs: (40 - seq) % 5, units: 0n }));
  }
  await Promise.all(replies);
  for (const key of ['dfspA', 'dfspB']) {
    const mine = (list: string[]) => list.filter((s) => s.startsWith(`${key}:`));
    assert.deepEqual(mine(started), mine(published), `${key}: commands of both bus topics started in publish order`);
  }
  await Promise.all([worker.stop(), requester.stop()]);
});

test('offsets are committed only up to the last message whose handler finished', { timeout: 60_000 }, async () => {
  const topicPrefix = prefix();
  const worker = bus({ topicPrefix, partitions: 1 });
  const gates = new Map<number, () => void>();
  worker.subscribe(steps, async (command) => {
    if (command.delayMs < 0) await new Promise<void>((open) => gates.set(command.seq, open));
    return { seq: command.seq, doubled: 0n };
  });
  await serving(worker);
  const admin = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const committed = async () => {
    const [offsets] = await admin.fetchOffsets({ groupId: `${topicPrefix}.workers`, topics: [`${topicPrefix}.commands`] });
    return Number(offsets!.partitions[0]!.offset);
  };
  try {
    const first = await Promise.all([0, 1].map((seq) => worker.request(steps, 'k', { seq, delayMs: 0, units: 0n })));
    assert.equal(first.length, 2);
    await waitFor(async () => (await committed()) === 2, 'offsets 0 and 1 committed');
    // Offset 2 is held; 3 and 4 finish after it started.
    const held = worker.request(steps, 'k', { seq: 2, delayMs: -1, units: 0n });
    const later = Promise.all([3, 4].map((seq) => worker.request(steps, 'k', { seq, delayMs: 0, units: 0n })));
    await later;
    await sleep(400);
    assert.equal(await committed(), 2, 'nothing past the unfinished handler is committed');
    gates.get(2)!();
    await held;
    await waitFor(async () => (await committed()) === 5, 'all five committed once the held one finished');
  } finally {
    await admin.disconnect();
  }
});

test('a handler failure comes back as the same DomainError; an unforeseen one as UNEXPECTED_FAILURE; big commands pass', { timeout: 60_000 }, async () => {
  const topicPrefix = prefix();
  const failing = topic<{ how: string; bytes?: Buffer }, unknown>('test.failing');
  const worker = bus({ topicPrefix });
  worker.subscribe(failing, async ({ how, bytes }) => {
    if (how === 'domain') throw new DomainError('PAYER_LIMIT_EXCEEDED', 'position 12.5 + 100 exceeds the cap 50', { cap: '50' });
    if (how === 'sync') throw new DomainError('SOURCE_IS_NOT_PAYER');
    if (how === 'type') throw new TypeError('x is not a function');
    if (how === 'date') return { at: new Date(0) };
    if (how === 'big') return { length: bytes!.length, last: bytes![bytes!.length - 1] };
    return { units: -(2n ** 70n), bytes: Buffer.from('ok'), nothing: undefined };
  });
  const requester = bus({ topicPrefix });
  await Promise.all([serving(worker), requester.start()]);

  await assert.rejects(requester.request(failing, 'k', { how: 'domain' }), (err: unknown) => {
    assert.ok(err instanceof DomainError);
    assert.equal(err.outcome, 'PAYER_LIMIT_EXCEEDED');
    assert.equal(err.detail, 'position 12.5 + 100 exceeds the cap 50');
    assert.deepEqual({ ...err.data }, { cap: '50' });
    return true;
  });
  await assert.rejects(
    requester.request(failing, 'k', { how: 'sync' }),
    (err: DomainError) => err.outcome === 'SOURCE_IS_NOT_PAYER' && err.detail === undefined,
  );
  await assert.rejects(requester.request(failing, 'k', { how: 'type' }), (err: DomainError) => err.outcome === 'UNEXPECTED_FAILURE');
  await assert.rejects(requester.request(failing, 'k', { how: 'date' }), (err: DomainError) => err.outcome === 'UNEXPECTED_FAILURE');
  assert.deepEqual(await requester.request(failing, 'k', { how: 'ok' }), { units: -(2n ** 70n), bytes: Buffer.from('ok'), nothing: undefined });
  await assert.rejects(requester.request(failing, 'k', { how: new Date() as unknown as string }), CodecError, 'a command it cannot carry is refused');
  const body = Buffer.alloc(5 * 1024 * 1024, 7);
  assert.deepEqual(
    await requester.request(failing, 'k', { how: 'big', bytes: body }),
    { length: body.length, last: 7 },
    "a 5 MiB body (past Kafka's 1 MB default)",
  );
});

test('no answer in time is LEDGER_UNAVAILABLE; a command published while no worker runs is applied once one starts', { timeout: 90_000 }, async () => {
  const topicPrefix = prefix();
  const impatient = bus({ topicPrefix, requestTimeoutMs: 500 });
  await impatient.start();
  const began = Date.now();
  await assert.rejects(impatient.request(steps, 'k', { seq: 1, delayMs: 0, units: 1n }), (err: DomainError) => err.outcome === 'LEDGER_UNAVAILABLE');
  assert.ok(Date.now() - began < 5000);

  const patient = bus({ topicPrefix, requestTimeoutMs: 30_000 });
  await patient.start();
  const applied: number[] = [];
  const answer = patient.request(steps, 'k', { seq: 2, delayMs: 0, units: 2n });
  await sleep(500);
  const worker = bus({ topicPrefix });
  worker.subscribe(steps, async (command) => {
    applied.push(command.seq);
    return { seq: command.seq, doubled: command.units * 2n };
  });
  await serving(worker);
  assert.deepEqual(await answer, { seq: 2, doubled: 4n });
  assert.deepEqual(applied, [1, 2], 'the timed-out command is applied too (its requester was told it may be), before the next one');
});

test('request/reply latency and throughput on this machine', { timeout: 120_000 }, async () => {
  const topicPrefix = prefix();
  const worker = bus({ topicPrefix, partitions: 8 });
  worker.subscribe(steps, async (command) => ({ seq: command.seq, doubled: command.units }));
  const requester = bus({ topicPrefix });
  await Promise.all([serving(worker), requester.start()]);
  for (let seq = 0; seq < 50; seq++) await requester.request(steps, `k${seq % 8}`, { seq, delayMs: 0, units: 1n }); // warm-up
  const latencies: number[] = [];
  for (let seq = 0; seq < 300; seq++) {
    const began = performance.now();
    await requester.request(steps, `k${seq % 8}`, { seq, delayMs: 0, units: 1n });
    latencies.push(performance.now() - began);
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2);
  console.log(`# one request at a time (300): median ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms`);
  const count = 5000;
  const inFlight = 200;
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const seq = next++;
        await requester.request(steps, `dfsp${seq % 50}`, { seq, delayMs: 0, units: 1n });
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  console.log(`# ${count} requests, ${inFlight} in flight: ${(count / seconds).toFixed(0)} requests/s (${seconds.toFixed(2)} s)`);
});

async function waitFor(check: () => Promise<boolean>, what: string, withinMs = 10_000): Promise<void> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(100);
  }
  assert.fail(`not within ${withinMs} ms: ${what}`);
}

test('serve and unserve: a node that leaves the workers group finishes what it started and another takes over', { timeout: 120_000 }, async () => {
  const topicPrefix = prefix();
  const handledBy: Array<[string, number]> = [];
  const nodeOf = (name: string) => {
    const node = bus({ topicPrefix, nodeId: name, partitions: 2, sessionTimeoutMs: 6000 });
    node.subscribe(steps, async (command) => {
      handledBy.push([name, command.seq]);
      await sleep(command.delayMs);
      return { seq: command.seq, doubled: command.units * 2n };
    });
    return node;
  };
  const first = nodeOf('first');
  const second = nodeOf('second');
  const requester = bus({ topicPrefix, nodeId: 'requester' });
  await Promise.all([serving(first), second.start(), requester.start()]);

  const slow = requester.request(steps, 'k', { seq: 1, delayMs: 300, units: 1n });
  await waitFor(async () => handledBy.length === 1, 'the first node started the slow command');
  const leaving = Date.now();
  await first.unserve();
  assert.ok(Date.now() - leaving >= 200, 'unserve waited for the started handler');
  assert.deepEqual(await slow, { seq: 1, doubled: 2n });
  await second.serve();
  const after = await Promise.all([2, 3, 4].map((seq) => requester.request(steps, `k${seq}`, { seq, delayMs: 0, units: 1n })));
  assert.equal(after.length, 3);
  assert.deepEqual(
    handledBy.filter(([, seq]) => seq > 1).map(([name]) => name),
    ['second', 'second', 'second'],
    'only the serving node handles commands',
  );
  assert.equal(handledBy.filter(([, seq]) => seq === 1).length, 1, 'the finished command was committed: not handled again by the new worker');
});

test('with a position store, a node resumes each partition at the recorded position, and records before it commits', { timeout: 90_000 }, async () => {
  const topicPrefix = prefix();
  const recorded = new Map<string, string>();
  const records: string[] = [];
  const positions: PositionStore = {
    async record(group, list) {
      for (const p of list) recorded.set(`${group}|${p.topic}|${p.partition}`, p.nextOffset);
      records.push(list.map((p) => p.nextOffset).join(','));
    },
    async read(group) {
      return [...recorded]
        .filter(([k]) => k.startsWith(`${group}|`))
        .map(([k, nextOffset]) => ({ topic: k.split('|')[1]!, partition: Number(k.split('|')[2]), nextOffset }));
    },
  };
  const requester = bus({ topicPrefix, partitions: 1, requestTimeoutMs: 60_000 });
  await requester.start();
  // Five commands wait in the topic; the ledger says the first three were applied before a hand-over.
  const answers = [0, 1, 2, 3, 4].map((seq) => requester.request(steps, 'k', { seq, delayMs: 0, units: 1n }).catch(() => 'unanswered'));
  await sleep(500);
  recorded.set(`${topicPrefix}.workers|${topicPrefix}.commands|0`, '3');
  const handled: number[] = [];
  const worker = bus({ topicPrefix, partitions: 1, positions });
  worker.subscribe(steps, async (command) => {
    handled.push(command.seq);
    return { seq: command.seq, doubled: 0n };
  });
  await serving(worker);
  assert.deepEqual(await Promise.all(answers.slice(3)), [
    { seq: 3, doubled: 0n },
    { seq: 4, doubled: 0n },
  ]);
  assert.deepEqual(handled, [3, 4], 'commands before the recorded position are not run again');
  await waitFor(async () => recorded.get(`${topicPrefix}.workers|${topicPrefix}.commands|0`) === '5', 'the new position is recorded');
  const admin = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await waitFor(async () => {
      const [offsets] = await admin.fetchOffsets({ groupId: `${topicPrefix}.workers`, topics: [`${topicPrefix}.commands`] });
      return offsets!.partitions[0]!.offset === '5';
    }, 'and then committed to Kafka');
  } finally {
    await admin.disconnect();
  }
  await requester.stop();
});
