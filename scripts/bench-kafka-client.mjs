#!/usr/bin/env node
// Which Kafka client costs the hub less CPU (issue 13, docs/decisions.md "kafkajs (2.2.x)")? A micro-benchmark of the
// bus's round trip — a command produced to `<prefix>.transfer.prepare` keyed by participant, consumed by a workers'
// group, a reply produced to the requester's reply topic and consumed there — with kafkajs (what KafkaBus uses) and
// with @platformatic/kafka, each driven the way switch/bus/kafka-bus.ts drives kafkajs:
//
//   requester process   idempotent producer (acks = all), sends batched as KafkaPublisher does (one send in flight,
//                       everything published meanwhile in the next), Java-compatible murmur2 partitioner, keys = 10
//                       participants; the reply topic (1 partition) read by a group of one; each reply settles its
//                       request by correlation id (headers as the bus's: reply-to, correlation id, deadline)
//   worker process      group `<prefix>.workers` over 16 partitions, handlers started in offset order without waiting
//                       for each other (a group-commit stand-in: the handlers' "fsync" is one 2 ms timer at a time,
//                       those that arrive meanwhile share the next), offsets committed every 100 ms up to the last
//                       message finished with all before it (dist/switch/bus/kafka-progress.js), replies through a
//                       second publisher on the same producer
//
// Commands and replies go through the bus's codec (dist/switch/bus/codec.js): a prepare-like command of ~1.5 KB and a
// reply of ~0.4 KB. Both libraries get the same processes, payloads, batching and rates; only the client differs.
//
// Each run: fresh topics on one broker (test/support/kafka.ts's: Kafka 3.9.1 KRaft on loopback, started here), the
// worker and the requester forked, idle for --idle s (idle CPU), then an open-loop offered rate (every 2 ms the
// requests that are due), --warmup s, then --duration s measured: round trips/s completed, CPU of each process
// (process.cpuUsage, in the process itself), the broker JVM's CPU (/proc/<pid>/stat), and latency from each request's
// due time to its reply (p50/p99). Runs alternate the libraries (kafkajs first in odd rounds, platformatic first in
// even ones) over --rounds rounds; the table gives medians.
//
//   npm run build && node scripts/bench-kafka-client.mjs                  500 and 1,000/s, 20 s after 5 s, 3 rounds
//   node scripts/bench-kafka-client.mjs --rates 1000 --rounds 1 --duration 5 --warmup 2 --idle 2     a quick look
//   node scripts/bench-kafka-client.mjs --out load-results/kafka-client.json                          figures as JSON
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (path) => join(root, 'dist', path);
const LIBS = { kafkajs: 'kafkajs', platformatic: '@platformatic/kafka' };
const PARTICIPANTS = Array.from({ length: 10 }, (_, i) => `dfsp-${i}`);
const REQUEST_TIMEOUT_MS = 10_000;
const CLK_TCK = 100; // /proc/<pid>/stat ticks (getconf CLK_TCK on Linux x86-64)

// ------------------------------------------------------------------------------------------------------ orchestrator

async function main() {
  const { values: v } = parseArgs({
    options: {
      rates: { type: 'string', default: '500,1000' },
      duration: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '5' },
      idle: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      libs: { type: 'string', default: 'kafkajs,platformatic' },
      partitions: { type: 'string', default: '16' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) {
    console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\nimport ')[0]);
    return;
  }
  if (!existsSync(dist('test/support/kafka.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const settings = {
    rates: v.rates.split(',').map(Number),
    duration: Number(v.duration),
    warmup: Number(v.warmup),
    idle: Number(v.idle),
    rounds: Number(v.rounds),
    libs: v.libs.split(','),
    partitions: Number(v.partitions),
  };
  for (const lib of settings.libs) if (!LIBS[lib]) throw new Error(`--libs: ${lib} is not one of ${Object.keys(LIBS).join(', ')}`);
  await samePartitions(settings.partitions);

  const { startKafka } = await import(dist('test/support/kafka.js'));
  const broker = await startKafka();
  const brokerPid = jvmPid(broker.dir);
  console.log(`broker ${broker.bootstrap} (JVM pid ${brokerPid}), versions: ${versions()}`);
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const runs = [];
  const stopAll = async () => {
    await admin.disconnect().catch(() => undefined);
    await broker.stop({ graceful: false });
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    for (let round = 1; round <= settings.rounds; round++) {
      const order = round % 2 === 1 ? settings.libs : [...settings.libs].reverse();
      for (const rate of settings.rates) {
        for (const lib of order) {
          const result = await oneRun({ lib, rate, round, settings, broker, brokerPid, admin });
          runs.push(result);
          console.log(line(result));
        }
      }
    }
  } finally {
    await stopAll();
  }
  const table = summary(runs, settings);
  console.log(`\n${table}`);
  if (v.out) writeFileSync(v.out, JSON.stringify({ settings, versions: versions(), runs }, null, 2) + '\n');
}

/** kafkajs's DefaultPartitioner and @platformatic/kafka's compatibilityPartitioner put each key on the same partition. */
async function samePartitions(partitions) {
  const { Partitioners } = await import('kafkajs');
  const { compatibilityPartitioner } = await importPlatformatic();
  const kafkajs = Partitioners.DefaultPartitioner();
  const metadata = { partitionMetadata: Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 1 })) };
  for (const key of [...PARTICIPANTS, 'hub', 'payerfsp', 'x'.repeat(40)]) {
    const a = kafkajs({ topic: 't', partitionMetadata: metadata.partitionMetadata, message: { key } });
    const b = compatibilityPartitioner({}, Buffer.from(key)) % partitions;
    if (a !== b) throw new Error(`key ${key}: kafkajs partition ${a}, @platformatic/kafka ${b}`);
  }
}

function versions() {
  const version = (modules, name) => JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')).version;
  return `kafkajs ${version(join(root, 'node_modules'), 'kafkajs')}, @platformatic/kafka ${version(PLATFORMATIC_MODULES, '@platformatic/kafka')}, node ${process.version}`;
}

/**
 * @platformatic/kafka is not one of the project's dependencies (the decision is to stay on kafkajs for now): it is
 * installed once per machine beside the other tools this project fetches, and imported from there.
 */
const PLATFORMATIC_VERSION = '2.12.1';
const PLATFORMATIC_DIR = join(homedir(), '.cache', 'mizani', `platformatic-kafka-${PLATFORMATIC_VERSION}`);
const PLATFORMATIC_MODULES = join(PLATFORMATIC_DIR, 'node_modules');

async function importPlatformatic() {
  const entry = join(PLATFORMATIC_MODULES, '@platformatic', 'kafka', 'dist', 'index.js');
  if (!existsSync(entry)) {
    console.error(`installing @platformatic/kafka@${PLATFORMATIC_VERSION} into ${PLATFORMATIC_DIR}`);
    mkdirSync(PLATFORMATIC_DIR, { recursive: true });
    execFileSync('npm', ['install', '--prefix', PLATFORMATIC_DIR, '--no-save', '--no-audit', '--no-fund', `@platformatic/kafka@${PLATFORMATIC_VERSION}`], {
      stdio: 'inherit',
    });
  }
  return import(pathToFileURL(entry).href);
}

/** The broker's JVM: the java process whose command line names the broker's folder. */
function jvmPid(dir) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('kafka.Kafka') && cmdline.includes(dir) && !cmdline.startsWith('bash')) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no broker JVM found for ${dir}`);
}

function cpuMsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK; // utime, stime (fields 14 and 15 of stat)
}

/** Busy CPU time of the whole machine so far (/proc/stat: all but idle and iowait). */
function machineBusyMs() {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / CLK_TCK;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function oneRun({ lib, rate, round, settings, broker, brokerPid, admin }) {
  const prefix = `bench-${lib}-${rate}-${round}-${randomBytes(3).toString('hex')}`;
  const commandTopic = `${prefix}.transfer.prepare`;
  const replyTopic = `${prefix}.reply.requester`;
  const configEntries = [{ name: 'max.message.bytes', value: String(16 * 1024 * 1024) }];
  await admin.createTopics({
    topics: [
      { topic: commandTopic, numPartitions: settings.partitions, configEntries },
      { topic: replyTopic, numPartitions: 1, configEntries },
    ],
    waitForLeaders: true,
  });
  const common = { lib, brokers: broker.brokers, prefix, commandTopic, replyTopic };
  const worker = await Child.start({ ...common, role: 'worker' });
  const requester = await Child.start({ ...common, role: 'requester' });
  const both = [worker, requester];
  const loadAtStart = loadavg()[0];
  try {
    // Idle: what each client costs with nothing to do (fetch polls, heartbeats).
    let brokerAt = cpuMsOf(brokerPid);
    await Promise.all(both.map((c) => c.ask({ type: 'mark' })));
    await sleep(settings.idle * 1000);
    const [workerIdle, requesterIdle] = await Promise.all(both.map((c) => c.ask({ type: 'report' })));
    const brokerIdle = cpuMsOf(brokerPid) - brokerAt;
    // Load.
    await requester.ask({ type: 'load', rate });
    await sleep(settings.warmup * 1000);
    brokerAt = cpuMsOf(brokerPid);
    const machineAt = machineBusyMs();
    await Promise.all(both.map((c) => c.ask({ type: 'mark' })));
    await sleep(settings.duration * 1000);
    const [w, r] = await Promise.all(both.map((c) => c.ask({ type: 'report' })));
    const brokerMs = cpuMsOf(brokerPid) - brokerAt;
    // The rest of the machine (other work on this shared VM), in cores: all busy CPU time less these three processes'
    // (approximate: /proc/stat counts in ticks, process.cpuUsage exactly; a few hundredths of a core either way).
    const others = (machineBusyMs() - machineAt - brokerMs - r.cpuMs - w.cpuMs) / r.wallMs;
    const halted = await requester.ask({ type: 'halt' });
    const seconds = r.wallMs / 1000;
    const perTrip = (ms) => (r.completed > 0 ? ms / r.completed : NaN);
    return {
      lib,
      rate,
      round,
      offered: r.offered / seconds,
      completed: r.completed / seconds,
      requesterMs: perTrip(r.cpuMs),
      workerMs: perTrip(w.cpuMs),
      brokerMs: perTrip(brokerMs),
      p50: r.p50,
      p99: r.p99,
      max: r.max,
      lost: halted.lost,
      rewinds: w.rewinds,
      idle: {
        requester: requesterIdle.cpuMs / (requesterIdle.wallMs / 1000),
        worker: workerIdle.cpuMs / (workerIdle.wallMs / 1000),
        broker: brokerIdle / settings.idle,
      },
      load: [loadAtStart, loadavg()[0]],
      others,
      rss: { requester: r.rssMb, worker: w.rssMb },
    };
  } finally {
    await Promise.all(both.map((c) => c.stop()));
    await admin.deleteTopics({ topics: [commandTopic, replyTopic], timeout: 5000 }).catch(() => undefined);
  }
}

class Child {
  static async start(options) {
    const child = new Child(fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    await child.reply('ready', 60_000);
    return child;
  }

  constructor(process) {
    this.process = process;
    this.exited = new Promise((resolve) => process.once('exit', resolve));
    this.waiting = new Map();
    process.on('message', (message) => {
      const waiting = this.waiting.get(message.type);
      this.waiting.delete(message.type);
      waiting?.(message);
    });
  }

  reply(type, timeoutMs = 30_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} from the child within ${timeoutMs} ms`)), timeoutMs);
      void this.exited.then((code) => reject(new Error(`the child exited (${code}) before ${type}`)));
      this.waiting.set(type, (message) => (clearTimeout(timer), resolve(message)));
    });
  }

  ask(message) {
    const answer = this.reply(message.type === 'mark' ? 'marked' : message.type === 'report' ? 'report' : message.type === 'load' ? 'loading' : 'halted');
    this.process.send(message);
    return answer;
  }

  async stop() {
    if (this.process.exitCode === null && this.process.connected) this.process.send({ type: 'stop' });
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

const fixed = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

function line(r) {
  return (
    `round ${r.round} ${r.lib.padEnd(12)} ${String(r.rate).padStart(5)}/s: ${fixed(r.completed, 1)}/s done, ms/round trip ` +
    `requester ${fixed(r.requesterMs, 3)} worker ${fixed(r.workerMs, 3)} broker ${fixed(r.brokerMs, 3)}, p50/p99 ${fixed(r.p50, 1)}/${fixed(r.p99, 1)} ms, ` +
    `lost ${r.lost}, out of order ${r.rewinds}, idle ms/s req ${fixed(r.idle.requester, 1)} wkr ${fixed(r.idle.worker, 1)} broker ${fixed(r.idle.broker, 1)}, ` +
    `load ${fixed(r.load[0], 1)}→${fixed(r.load[1], 1)}, other processes ${fixed(r.others, 2)} cores`
  );
}

function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function summary(runs, settings) {
  const rows = [
    '| client | offered/s | round trips/s | requester ms/rt | worker ms/rt | requester + worker ms/rt | broker ms/rt | p50 / p99 ms | idle ms/s (requester, worker, broker) | runs |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const rate of settings.rates) {
    for (const lib of settings.libs) {
      const mine = runs.filter((r) => r.lib === lib && r.rate === rate);
      const m = (pick) => median(mine.map(pick));
      rows.push(
        `| ${LIBS[lib]} | ${rate} | ${fixed(
          m((r) => r.completed),
          1,
        )} | ${fixed(
          m((r) => r.requesterMs),
          3,
        )} | ${fixed(
          m((r) => r.workerMs),
          3,
        )} | ` +
          `${fixed(
            m((r) => r.requesterMs + r.workerMs),
            3,
          )} | ${fixed(
            m((r) => r.brokerMs),
            3,
          )} | ${fixed(
            m((r) => r.p50),
            1,
          )} / ${fixed(
            m((r) => r.p99),
            1,
          )} | ` +
          `${fixed(
            m((r) => r.idle.requester),
            1,
          )}, ${fixed(
            m((r) => r.idle.worker),
            1,
          )}, ${fixed(
            m((r) => r.idle.broker),
            1,
          )} | ${mine.length} |`,
      );
    }
  }
  return rows.join('\n');
}

// ------------------------------------------------------------------------------------------------------ the children

async function child(options) {
  const { encode, decode } = await import(dist('switch/bus/codec.js'));
  const client = options.lib === 'kafkajs' ? await kafkajsClient(options) : await platformaticClient(options);
  const role = options.role === 'worker' ? worker(options, client, { encode, decode }) : requester(options, client, { encode, decode });
  await role.start();
  let cpuAt = process.cpuUsage();
  let wallAt = performance.now();
  process.on('message', (message) => {
    void (async () => {
      if (message.type === 'mark') {
        role.mark?.();
        cpuAt = process.cpuUsage();
        wallAt = performance.now();
        process.send({ type: 'marked' });
      } else if (message.type === 'report') {
        const cpu = process.cpuUsage(cpuAt);
        const wallMs = performance.now() - wallAt;
        process.send({ type: 'report', cpuMs: (cpu.user + cpu.system) / 1000, wallMs, rssMb: process.memoryUsage().rss / 2 ** 20, ...role.report?.() });
      } else if (message.type === 'load') {
        role.load(message.rate);
        process.send({ type: 'loading' });
      } else if (message.type === 'halt') {
        process.send({ type: 'halted', ...(await role.halt()) });
      } else if (message.type === 'stop') {
        role.stop?.();
        await client.close().catch(() => undefined);
        process.exit(0);
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready' });
}

/** Sends the way switch/bus/kafka-publisher.ts does: one send in flight, all that was published meanwhile in the next. */
class Publisher {
  constructor(send, maxBatch = 2000) {
    this.send = send;
    this.maxBatch = maxBatch;
    this.queue = [];
    this.sending = undefined;
  }

  publish(topic, message) {
    return new Promise((resolve, reject) => {
      this.queue.push({ topic, message, resolve, reject });
      this.sending ??= this.drain();
    });
  }

  async drain() {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.send(batch);
        for (const queued of batch) queued.resolve();
      } catch (err) {
        for (const queued of batch) queued.reject(err);
      }
    }
    this.sending = undefined;
  }
}

/**
 * What the roles need of a client, over kafkajs: a producer (send a batch), `consume(group, topics, onBatch)` that
 * hands over each fetched batch of one partition in offset order (messages as { partition, offset (bigint), key,
 * value, headers: string values }), `commit(offsets)`, `close()`.
 */
async function kafkajsClient({ brokers, role }) {
  const { Kafka, logLevel, Partitioners } = await import('kafkajs');
  const kafka = new Kafka({ clientId: `bench-${role}`, brokers, logLevel: logLevel.ERROR, retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 10 } });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let consumer;
  return {
    async send(batch) {
      const topics = new Map();
      for (const { topic, message } of batch) (topics.get(topic) ?? topics.set(topic, []).get(topic)).push(message);
      await producer.sendBatch({ topicMessages: [...topics].map(([topic, messages]) => ({ topic, messages })), acks: -1 });
    },
    async consume(groupId, topics, onBatch) {
      consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false, sessionTimeout: 10_000, heartbeatInterval: 2000 });
      const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          onBatch(
            batch.messages.map((m) => ({
              topic: batch.topic,
              partition: batch.partition,
              offset: BigInt(m.offset),
              key: m.key?.toString('utf8'),
              value: m.value?.toString('utf8'),
              headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, h]) => [k, (Array.isArray(h) ? h[0] : h)?.toString('utf8')])),
            })),
          );
          for (const m of batch.messages) resolveOffset(m.offset);
        },
      });
      await joined;
    },
    commit: (offsets) => consumer.commitOffsets(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) }))),
    async close() {
      await consumer?.disconnect();
      await producer.disconnect();
    },
  };
}

/** The same over @platformatic/kafka: its consumer stream emits messages one by one, in offset order per partition. */
async function platformaticClient({ brokers, role }) {
  // @platformatic/kafka 2.x declares Node >= 22.22; on Node 20 the one newer API its code calls is
  // Promise.withResolvers (ES2024, Node 22), given here as the standard defines it.
  if (!Promise.withResolvers) {
    Promise.withResolvers = function withResolvers() {
      let resolve, reject;
      const promise = new this((res, rej) => ((resolve = res), (reject = rej)));
      return { promise, resolve, reject };
    };
  }
  const { Producer, Consumer, compatibilityPartitioner, stringSerializers, stringDeserializers, ProduceAcks } = await importPlatformatic();
  const producer = new Producer({
    clientId: `bench-${role}`,
    bootstrapBrokers: brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    partitioner: compatibilityPartitioner,
    serializers: stringSerializers,
    retries: 10,
    retryDelay: 100,
  });
  let consumer;
  let stream;
  const epochs = new Map();
  return {
    async send(batch) {
      await producer.send({ messages: batch.map(({ topic, message }) => ({ topic, key: message.key, value: message.value, headers: message.headers })) });
    },
    async consume(groupId, topics, onBatch) {
      consumer = new Consumer({
        groupId,
        clientId: `bench-${role}`,
        bootstrapBrokers: brokers,
        deserializers: stringDeserializers,
        autocommit: false,
        maxWaitTime: 250,
        sessionTimeout: 10_000,
        heartbeatInterval: 2000,
        retries: 10,
        retryDelay: 100,
      });
      const joined = new Promise((resolve) => consumer.once('consumer:group:join', resolve));
      stream = await consumer.consume({ topics, mode: 'committed', fallbackMode: 'earliest', autocommit: false, maxWaitTime: 250 });
      stream.on('data', (m) => {
        epochs.set(`${m.topic}:${m.partition}`, m.leaderEpoch);
        onBatch([{ topic: m.topic, partition: m.partition, offset: m.offset, key: m.key, value: m.value, headers: Object.fromEntries(m.headers) }]);
      });
      stream.on('error', (err) => console.error(`${role}: consumer stream error`, err));
      await joined;
    },
    commit: (offsets) =>
      consumer.commit({
        offsets: offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset, leaderEpoch: epochs.get(`${topic}:${partition}`) ?? -1 })),
      }),
    async close() {
      await stream?.close();
      await consumer?.close(true);
      await producer.close();
    },
  };
}

/** The requester: offers `rate` requests/s (open loop), each settled by its reply; latency from its due time. */
function requester({ commandTopic, replyTopic, prefix }, client, { encode, decode }) {
  const waiting = new Map();
  const commands = new Publisher((batch) => client.send(batch));
  let sequence = 0;
  let latencies = [];
  let completed = 0;
  let offered = 0;
  let timer;
  const settle = (m) => {
    const id = m.headers['mizani-correlation-id'];
    const w = waiting.get(id);
    if (!w) return;
    waiting.delete(id);
    const envelope = decode(m.value);
    if (!envelope.ok) throw new Error('a failed reply');
    completed++;
    latencies.push(performance.now() - w.due);
  };
  const request = (due) => {
    const id = `${prefix}.requester.${++sequence}`;
    const key = PARTICIPANTS[sequence % PARTICIPANTS.length];
    waiting.set(id, { due });
    offered++;
    const headers = { 'mizani-reply-to': replyTopic, 'mizani-correlation-id': id, 'mizani-deadline': String(Date.now() + REQUEST_TIMEOUT_MS) };
    commands.publish(commandTopic, { key, value: encode(prepareCommand(sequence, key)), headers }).catch((err) => console.error('requester: send failed', err));
  };
  return {
    start: () => client.consume(`${prefix}.node.requester`, [replyTopic], (messages) => messages.forEach(settle)),
    load(rate) {
      const t0 = performance.now();
      let sent = 0;
      timer = setInterval(() => {
        const due = Math.floor(((performance.now() - t0) * rate) / 1000);
        for (; sent < due; sent++) request(t0 + (sent * 1000) / rate);
      }, 2);
    },
    mark() {
      latencies = [];
      completed = 0;
      offered = 0;
    },
    report() {
      const sorted = Float64Array.from(latencies).sort();
      const q = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN);
      return { completed, offered, p50: q(0.5), p99: q(0.99), max: sorted.length ? sorted[sorted.length - 1] : NaN };
    },
    async halt() {
      clearInterval(timer);
      const until = Date.now() + REQUEST_TIMEOUT_MS;
      while (waiting.size > 0 && Date.now() < until) await sleep(50);
      return { lost: waiting.size };
    },
  };
}

/** The worker: starts each command's handler in offset order, replies when it finishes, commits what finished. */
function worker({ commandTopic, prefix }, client, { encode, decode }) {
  const replies = new Publisher((batch) => client.send(batch));
  const fsync = groupCommit(2);
  const progress = new Map();
  let PartitionProgress;
  let commitTimer;
  let committing = Promise.resolve();
  let handled = 0;
  let rewinds = 0;
  let closed = false;
  const commitFinished = () => {
    committing = committing.then(async () => {
      if (closed) return;
      const due = [...progress.values()].flatMap((p) => (p.due === undefined ? [] : [{ p, offset: p.due }]));
      if (due.length === 0) return;
      await client.commit(due.map(({ p, offset }) => ({ topic: p.topic, partition: p.partition, offset })));
      for (const { p, offset } of due) p.committed = offset;
    });
    return committing.catch((err) => console.error('worker: commit failed', err));
  };
  const scheduleCommit = () => {
    if (closed) return;
    commitTimer ??= setTimeout(() => {
      commitTimer = undefined;
      void commitFinished();
    }, 100);
  };
  const startOne = (m) => {
    const key = `${m.topic}:${m.partition}`;
    let p = progress.get(key);
    if (p && !p.follows(m.offset)) rewinds++; // a partition's messages out of offset order (or sent again)
    if (!p || !p.follows(m.offset)) progress.set(key, (p = new PartitionProgress(m.topic, m.partition)));
    handled++;
    const started = p.start(m.offset);
    const command = decode(m.value);
    // The handler: its decision is taken here, synchronously; then it waits for the group commit.
    const value = { transferId: command.message.transferId, state: 'RESERVED', position: { participant: m.key, value: BigInt(m.offset) } };
    void fsync()
      .then(() =>
        replies.publish(m.headers['mizani-reply-to'], {
          value: encode({ ok: true, value: replyBody(value) }),
          headers: { 'mizani-correlation-id': m.headers['mizani-correlation-id'] },
        }),
      )
      .catch((err) => console.error('worker: reply failed', err))
      .finally(() => {
        p.finish(started);
        scheduleCommit();
      });
  };
  return {
    async start() {
      ({ PartitionProgress } = await import(dist('switch/bus/kafka-progress.js')));
      await client.consume(`${prefix}.workers`, [commandTopic], (messages) => messages.forEach(startOne));
    },
    report: () => ({ handled, rewinds }),
    stop() {
      closed = true;
      clearTimeout(commitTimer);
    },
  };
}

/** One "fsync" (a timer of `ms`) at a time; every caller that arrives while one runs waits for the next. */
function groupCommit(ms) {
  let next;
  let running = false;
  const flush = () => {
    const batch = next;
    next = undefined;
    running = true;
    setTimeout(() => {
      running = false;
      batch.resolve();
      if (next) flush();
    }, ms);
  };
  return () => {
    if (!next) {
      let resolve;
      next = { promise: new Promise((r) => (resolve = r)), resolve: () => resolve() };
    }
    const promise = next.promise;
    if (!running) flush();
    return promise;
  };
}

// -------------------------------------------------------------------------------------------------------- payloads

const ILP = randomBytes(520).toString('base64');
const BODY = randomBytes(360);

/** A prepare-like command (~1.5 KB through the codec): the FSPIOP transfer and the body as received. */
function prepareCommand(n, payer) {
  return {
    message: {
      transferId: `01J${String(n).padStart(23, '0')}`,
      payerFsp: payer,
      payeeFsp: PARTICIPANTS[(n + 3) % PARTICIPANTS.length],
      amount: { amount: '42.17', currency: 'USD' },
      ilpPacket: ILP,
      condition: 'Zx8QyXz5E2OSXzVlZy0n4vP0x2hG5dX1cOQyTqGIrVk',
      expiration: new Date(Date.now() + 60_000).toISOString(),
    },
    inbound: { source: payer, destination: PARTICIPANTS[(n + 3) % PARTICIPANTS.length], hash: 'b'.repeat(64), body: BODY, receivedAt: BigInt(Date.now()) },
  };
}

/** A reply of ~0.4 KB, as a prepare's. */
function replyBody(value) {
  return {
    ...value,
    completedTimestamp: new Date().toISOString(),
    positions: PARTICIPANTS.slice(0, 3).map((p, i) => ({ participant: p, currency: 'USD', value: BigInt(1000 + i), reserved: BigInt(i) })),
  };
}

// Last: the classes and constants above are initialised by now.
if (process.argv[2] === '--child') await child(JSON.parse(process.argv[3]));
else await main();
