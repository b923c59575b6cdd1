/**
 * The bus over Apache Kafka (kafkajs): the second implementation of `Bus` (bus.ts), chosen by MIZANI_BUS=kafka.
 *
 * - Every command travels in one Kafka topic, `<prefix>.commands`, created with `partitions` partitions when missing;
 *   a header names its bus topic (e.g. `transfer.prepare`). A command is a message keyed by the bus key (the
 *   participant that owns the position) and sent to the partition of that key (partitions.ts: the position owners
 *   compute the same), so one partition holds all of that participant's commands, of every kind, in publish order.
 *   `requestEach` sends one to every partition (a window close, a scheme-wide reference change); `send` a notice. One topic rather than one per bus topic: each fetch names
 *   every partition it reads, and kafkajs's cost per fetch grows with them (13 topics × 16 partitions made encoding
 *   fetches the largest single cost of a Kafka node; docs/benchmarks.md "Scale-out").
 * - `subscribe` handlers run in one consumer group, `<prefix>.workers`. For each partition the consumer starts the
 *   handlers in offset order and does NOT wait for one to finish before starting the next: a handler takes its
 *   decisions synchronously before it first awaits (bus.ts), so decisions stay in order, and a payment does not wait
 *   behind the fsync of the one before it. Offsets are committed (every `commitIntervalMs`) only up to the last
 *   message whose handler finished with every one before it (kafka-progress.ts).
 * - `request` publishes with a correlation id, this node's reply topic (`<prefix>.reply.<node>`, one partition,
 *   deleted when the bus stops) and a deadline, and waits for the reply. A reply carries the handler's value or its
 *   failure as `failures` describes it (domain outcomes: core/bus-failures.ts). No reply within `requestTimeoutMs`,
 *   or a command the broker did not take: `failures.unanswered` (LEDGER_UNAVAILABLE: the command may still be
 *   applied; a retry is a duplicate). A reply past its deadline is not sent: nobody waits for it.
 * - Commands and replies are JSON through codec.ts, which carries bigint, Buffer and the rest exactly and refuses
 *   what it cannot carry.
 * - Sends go through a KafkaPublisher (one batch in flight: order kept, round trips shared; one for commands, one
 *   for replies) of an idempotent producer with acks from all in-sync replicas. Topics take messages up to 16 MiB.
 *
 * - `start` makes a node a requester (producer, reply consumer); `serve` makes it a worker too (it joins
 *   `<prefix>.workers`) and `unserve` leaves the group again, after its started handlers have finished. Several hub
 *   nodes share one bus: every node requests, and the node that holds the ledger serves (switch/core/workers/
 *   ownership.ts); a node that stops serving hands its partitions to the group at once, a node that dies does after
 *   `sessionTimeoutMs`.
 *
 * - With a PositionStore (the ledger), how far each partition is applied is recorded in the ledger's own group-commit
 *   transactions before it is committed to Kafka, and a node that is assigned partitions resumes them there: a crash
 *   or a hand-over re-runs only commands whose effects may not be in the ledger, and each of those is recognised by
 *   its id if it was (the workers' duplicate rules).
 *
 * - Several position owners (`assign`): every hub node serves, each owning the partitions the group gives it; after a
 *   rebalance a node lets every command it started finish before it takes its new assignment (the ledger's partition
 *   locks: ledger/engine.ts `assign`), and only then starts the next command.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type EachBatchPayload, type KafkaMessage, type LogEntry, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Bus, BusFailures, BusTracing, Handler, Topic } from './bus.js';
import { decode, encode } from './codec.js';
import { PartitionProgress } from './kafka-progress.js';
import { partitionOf } from './partitions.js';
import { KafkaPublisher } from './kafka-publisher.js';

export interface KafkaBusOptions {
  /** `host:port` of one or more brokers. */
  brokers: string[];
  /** Starts every topic and group name of this bus: one prefix per cluster of hub nodes (or per test). */
  topicPrefix: string;
  /** Partitions of each command topic this bus creates; a topic that exists keeps the partitions it has. */
  partitions: number;
  /** How long a request waits for its reply. */
  requestTimeoutMs: number;
  failures: BusFailures;
  log: Logger;
  /** This node in the reply topic's name and the client id; default `<host>-<pid>-<random>`. */
  nodeId?: string;
  /** Handlers started and not finished at which the consumer waits before starting more; default 10,000. */
  maxInFlight?: number;
  /** How often finished offsets are committed; default 100 ms. */
  commitIntervalMs?: number;
  /** How long the group waits for a silent worker before giving its partitions to another; default 10 s. */
  sessionTimeoutMs?: number;
  /**
   * Where the workers record how far each partition is applied, and read it back when partitions are assigned (the
   * ledger: its group-commit transactions). Without it only Kafka's committed offsets say where to resume.
   */
  positions?: PositionStore;
  /** Told the partitions this node serves after each rebalance of the workers' group (0 when it leaves). */
  onAssigned?: (partitions: number) => void;
  /**
   * Several position owners (MIZANI_LEDGER_PARTITIONED): after each rebalance of the workers' group, once every
   * command this node started has finished and before any other starts, the partitions of the commands topic now
   * assigned to it (none when it leaves the group). Retried until it succeeds.
   */
  assign?: (partitions: number[], current: () => boolean) => Promise<void>;
  /** Spans of publishing and handling commands; the trace crosses in the `traceparent` / `tracestate` headers. */
  tracing?: BusTracing;
}

/** How far a partition is applied: every command before `nextOffset` finished. */
export interface PartitionPosition {
  topic: string;
  partition: number;
  nextOffset: string;
}

export interface PositionStore {
  /** Resolves once the positions are durable (never ahead of the effects of the commands they cover). */
  record(consumerGroup: string, positions: PartitionPosition[]): Promise<void>;
  read(consumerGroup: string): Promise<PartitionPosition[]>;
}

const REPLY_TO = 'mizani-reply-to';
const CORRELATION = 'mizani-correlation-id';
const DEADLINE = 'mizani-deadline';
/** The bus topic of a command (all travel in `<prefix>.commands`). */
const BUS_TOPIC = 'mizani-topic';
/** A reply this long past its request's deadline is not sent (clocks of two nodes differ a little). */
const DEADLINE_SLACK_MS = 1000;
/** Longest wait, when the bus stops, for the handlers it started. */
const DRAIN_MS = 3000;
const JOIN_TIMEOUT_MS = 60_000;
/**
 * Largest message on the topics this bus creates (Kafka's default is 1 MB): a prepare carries the body as received
 * (base64) and the canonical message made of it, and an FSPIOP body may be 5 MiB (MIZANI_MAX_BODY_BYTES).
 */
const MESSAGE_MAX_BYTES = 16 * 1024 * 1024;
const TOPIC_NAME = /^[A-Za-z0-9._-]+$/;

type Envelope = { ok: true; value: unknown } | { ok: false; failure: unknown };

interface Waiting {
  topic: string;
  key: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class KafkaBus implements Bus {
  readonly nodeId: string;
  readonly replyTopic: string;
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly producer: Producer;
  /** Commands out; replies have their own, so a reply topic gone (its node stopped) fails no command with it. */
  private readonly commandsOut: KafkaPublisher;
  private readonly repliesOut: KafkaPublisher;
  private readonly replies: Consumer;
  private commands: Consumer | undefined;
  private readonly handlers = new Map<string, Handler<unknown, unknown>>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly progress = new Map<string, PartitionProgress>();
  /** Recorded positions (PositionStore) of the partitions assigned at the last join: commands before them are done. */
  private resumeAt = new Map<string, bigint>();
  private resumeReady: Promise<void> = Promise.resolve();
  private state: 'new' | 'starting' | 'started' | 'stopping' | 'stopped' = 'new';
  /** The workers' side: whether this node is in the workers' group (serve/unserve, one change at a time). */
  private serving = false;
  private servingChange: Promise<void> = Promise.resolve();
  private sequence = 0;
  private requests = 0;
  private running = 0;
  private slotFreed: (() => void) | undefined;
  private commitTimer: NodeJS.Timeout | undefined;
  private committing: Promise<void> = Promise.resolve();
  private replyTopicCreated = false;
  /** Rebalances of the workers' group seen (each GROUP_JOIN): an assignment retried is dropped when a newer one came. */
  private assignments = 0;
  /** Partitions of the commands topic (read at start: a topic that existed keeps its own count). */
  private partitionCount = 0;
  private readonly log: Logger;

  constructor(private readonly options: KafkaBusOptions) {
    if (!TOPIC_NAME.test(options.topicPrefix)) throw new Error(`topic prefix ${JSON.stringify(options.topicPrefix)} may hold only A-Z a-z 0-9 . _ -`);
    this.nodeId = (options.nodeId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`).replace(/[^A-Za-z0-9._-]/g, '_');
    this.replyTopic = `${options.topicPrefix}.reply.${this.nodeId}`;
    this.log = options.log.child({ component: 'kafka-bus', node: this.nodeId });
    this.kafka = new Kafka({
      clientId: `mizani-${this.nodeId}`,
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      logCreator: kafkaLog(this.log),
      // Back to work soon after a broker comes back: kafkajs's default backoff grows to 30 s between attempts.
      retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 10 },
    });
    this.admin = this.kafka.admin();
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    this.commandsOut = new KafkaPublisher(this.producer);
    this.repliesOut = new KafkaPublisher(this.producer);
    // A group of one (this node): after a broker restart it rejoins as soon as its old membership has timed out.
    this.replies = this.kafka.consumer({
      groupId: `${options.topicPrefix}.node.${this.nodeId}`,
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
      ...this.session(),
    });
  }

  subscribe<C, R>(topic: Topic<C, R>, handler: Handler<C, R>): void {
    if (this.state !== 'new') throw new Error(`topic ${topic.name}: subscribe before the Kafka bus starts`);
    if (this.handlers.has(topic.name)) throw new Error(`topic ${topic.name} already has a subscriber`);
    this.handlers.set(topic.name, handler as Handler<unknown, unknown>);
  }

  get pending(): number {
    return this.requests;
  }

  request<C, R>(topic: Topic<C, R>, key: string, command: C): Promise<R> {
    return this.requestTo(topic, key, command, this.partitionOf(key));
  }

  requestEach<C, R>(topic: Topic<C, R>, key: string, command: C): Promise<R[]> {
    if (this.state !== 'started') return this.request(topic, key, command).then((reply) => [reply]);
    return Promise.all(Array.from({ length: this.partitionCount }, (_, partition) => this.requestTo(topic, key, command, partition)));
  }

  async send<C>(topic: Topic<C, void>, key: string, command: C): Promise<void> {
    if (this.state !== 'started') throw new Error(`the Kafka bus is ${this.state === 'new' ? 'not started' : 'stopped'}: nothing sent on ${topic.name}`);
    const publish = (trace: Record<string, string> | undefined) =>
      this.commandsOut.publish(this.commandsTopic, {
        key,
        partition: this.partitionOf(key),
        value: encode(command),
        headers: { ...trace, [BUS_TOPIC]: topic.name },
      });
    await (this.options.tracing ? this.options.tracing.publish(topic.name, key, publish) : publish(undefined));
  }

  /** The partition of the commands topic that holds `key`'s commands (switch/bus/partitions.ts). */
  partitionOf(key: string): number {
    return partitionOf(key, Math.max(1, this.partitionCount));
  }

  private requestTo<C, R>(topic: Topic<C, R>, key: string, command: C, partition: number): Promise<R> {
    const tracing = this.options.tracing;
    if (!tracing) return this.publishRequest(topic, key, command, partition, undefined);
    return tracing.publish(topic.name, key, (trace) => this.publishRequest(topic, key, command, partition, trace));
  }

  private async publishRequest<C, R>(topic: Topic<C, R>, key: string, command: C, partition: number, trace: Record<string, string> | undefined): Promise<R> {
    if (this.state !== 'started') throw new Error(`the Kafka bus is ${this.state === 'new' ? 'not started' : 'stopped'}: no request on ${topic.name}`);
    const value = encode(command);
    const id = `${this.nodeId}.${++this.sequence}`;
    const deadline = Date.now() + this.options.requestTimeoutMs;
    this.requests++;
    try {
      return (await new Promise<unknown>((resolve, reject) => {
        const why = `no answer within ${this.options.requestTimeoutMs} ms`;
        const timer = setTimeout(() => this.unanswered(id, why), this.options.requestTimeoutMs);
        this.waiting.set(id, { topic: topic.name, key, resolve, reject, timer });
        const headers: Record<string, string> = { [BUS_TOPIC]: topic.name, [REPLY_TO]: this.replyTopic, [CORRELATION]: id, [DEADLINE]: String(deadline) };
        if (trace) Object.assign(headers, trace);
        this.commandsOut
          .publish(this.commandsTopic, { key, partition, value, headers })
          .catch((err: Error) => this.unanswered(id, `the broker did not take the command (${err.message})`));
      })) as R;
    } finally {
      this.requests--;
    }
  }

  /** Topics, producer and the reply consumer: this node can request. Resolves once the reply consumer has joined. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('a Kafka bus starts once');
    this.state = 'starting';
    try {
      await this.admin.connect();
      await this.createTopics([this.commandsTopic], this.options.partitions);
      this.partitionCount = await this.partitionsOf(this.commandsTopic);
      await this.createTopics([this.replyTopic], 1, [{ name: 'retention.ms', value: String(3_600_000) }]);
      this.replyTopicCreated = true;
      await this.producer.connect();
      await this.startReplies();
      this.state = 'started';
      this.log.info({ brokers: this.options.brokers, topics: [...this.handlers.keys()], replyTopic: this.replyTopic }, 'Kafka bus started');
    } catch (err) {
      await this.release();
      if (this.replyTopicCreated) await this.deleteReplyTopic();
      else await this.admin.disconnect();
      this.state = 'stopped';
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`the Kafka bus could not start (brokers ${this.options.brokers.join(', ')}): ${reason}`, { cause: err });
    }
  }

  /** Joins the workers' group: the subscribed handlers get the commands of the partitions assigned to this node. */
  serve(): Promise<void> {
    return this.changeServing(async () => {
      if (this.state !== 'started') throw new Error('the Kafka bus serves once started');
      if (this.serving || this.handlers.size === 0) return;
      // Serving from the first assignment on, which may come before the join has been answered.
      this.serving = true;
      try {
        await this.startCommands();
      } catch (err) {
        this.serving = false;
        throw err;
      }
    });
  }

  /** Leaves the workers' group: no new command starts, the started ones finish (bounded), their offsets are committed. */
  unserve(): Promise<void> {
    return this.changeServing(async () => {
      if (!this.serving) return;
      this.serving = false;
      const consumer = this.commands!;
      consumer.pause([{ topic: this.commandsTopic }]);
      if (this.options.assign) await this.allHandlersFinished();
      else await this.handlersFinished(DRAIN_MS);
      await this.commitFinished();
      // Position owners: the partitions' locks go now, so their next owners need not wait for this node's session.
      if (this.options.assign)
        await this.options.assign([], () => true).catch((err: unknown) => this.log.warn({ err }, 'Kafka bus: letting go of the partitions failed'));
      this.commands = undefined;
      clearTimeout(this.commitTimer);
      this.commitTimer = undefined;
      await consumer.disconnect().catch((err: unknown) => this.log.warn({ err }, 'Kafka bus: disconnecting the workers consumer failed'));
      this.progress.clear();
      this.options.onAssigned?.(0);
      this.log.info('Kafka bus: left the workers group');
    });
  }

  private changeServing(change: () => Promise<void>): Promise<void> {
    const next = this.servingChange.then(change);
    this.servingChange = next.catch(() => undefined);
    return next;
  }

  /** Stops taking commands, lets the started handlers finish (bounded), commits, and lets go of the broker. */
  async stop(): Promise<void> {
    if (this.state !== 'started') return;
    await this.unserve().catch((err: unknown) => this.log.warn({ err }, 'Kafka bus: leaving the workers group failed'));
    this.state = 'stopping';
    for (const id of [...this.waiting.keys()]) this.unanswered(id, 'the bus stopped');
    await Promise.all([this.commandsOut.flush(), this.repliesOut.flush()]);
    await this.release();
    await this.deleteReplyTopic();
    this.state = 'stopped';
    this.log.info('Kafka bus stopped');
  }

  // ------------------------------------------------------------------------------------------------ workers' side

  private async startCommands(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.workersGroup,
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
      ...this.session(),
    });
    this.commands = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      // A new generation: kafkajs resumes every partition at its committed offset; where positions are recorded in the
      // ledger, each assigned partition resumes there instead (see resume). Position owners first record how far the
      // commands they ran got (rejoined).
      if (!this.options.assign) this.progress.clear();
      this.resumeReady = this.rejoined(consumer, event.payload.memberAssignment);
      const assigned = Object.values(event.payload.memberAssignment).reduce((n, partitions) => n + partitions.length, 0);
      this.options.onAssigned?.(assigned);
      this.log.info({ partitions: assigned, topics: Object.keys(event.payload.memberAssignment).length }, 'Kafka bus: partitions assigned');
    });
    consumer.on(consumer.events.CRASH, (event) => this.log.error({ err: event.payload.error, restart: event.payload.restart }, 'Kafka bus: consumer crashed'));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.commandsTopic], fromBeginning: true });
      const joined = this.joined(consumer);
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.startBatch(payload) });
      await joined;
    } catch (err) {
      this.commands = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  /** Starts the batch's handlers in offset order, none waiting for another; waits only when too many run. */
  private async startBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (!(await this.rebalanceDone(heartbeat, () => isRunning() && !isStale()))) return;
    const key = `${batch.topic}:${batch.partition}`;
    const resumeAt = this.resumeAt.get(key) ?? -1n;
    // A fetch made before the seek back to a recorded position (Kafka's offset ahead of the ledger): dropped unresolved,
    // the next fetch starts at the position.
    if (resumeAt >= 0n && !this.progress.has(key) && batch.messages.length > 0 && BigInt(batch.messages[0]!.offset) > resumeAt) return;
    // A rebalance while this batch runs: its later messages wait for the next fetch, after the new assignment.
    const generation = this.assignments;
    for (const message of batch.messages) {
      if (!this.serving || !isRunning() || isStale() || generation !== this.assignments) return;
      if (BigInt(message.offset) < resumeAt) {
        // Applied before the last hand-over (its position is recorded in the ledger): not run again.
        resolveOffset(message.offset);
        continue;
      }
      while (this.running >= (this.options.maxInFlight ?? 10_000)) {
        await Promise.race([new Promise<void>((resolve) => (this.slotFreed = resolve)), new Promise((resolve) => setTimeout(resolve, 1000))]);
        await heartbeat();
        if (!this.serving || !isRunning() || isStale()) return;
      }
      this.startOne(batch.topic, batch.partition, message);
      resolveOffset(message.offset);
    }
  }

  /**
   * Waits until the last rebalance's work is done (a position owner's `assign` may wait for another node to let a
   * partition go), heartbeating meanwhile so that the group does not give this member up for silent. A heartbeat that
   * finds the group rebalancing throws: kafkajs rejoins, and the newer assignment supersedes the one awaited here.
   * False when the batch is no longer to be run.
   */
  private async rebalanceDone(heartbeat: () => Promise<void>, live: () => boolean): Promise<boolean> {
    for (;;) {
      const awaited = this.resumeReady;
      let done = false;
      const finished = awaited.then(() => (done = true));
      finished.catch(() => undefined); // raced below; not unhandled when this batch gives up first
      while (!done) {
        await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 1000))]);
        if (done) break;
        if (!live()) return false;
        await heartbeat();
      }
      if (awaited === this.resumeReady) return live();
    }
  }

  private startOne(kafkaTopic: string, partition: number, message: KafkaMessage): void {
    const topic = headerOf(message, BUS_TOPIC) ?? '(no topic header)';
    const handler = this.handlers.get(topic);
    const offset = BigInt(message.offset);
    const progress = this.progressOf(kafkaTopic, partition, offset);
    const started = progress.start(offset);
    this.running++;
    let outcome: Promise<unknown>;
    try {
      if (!handler) throw new Error(`no subscriber for ${topic}`);
      // The handler's synchronous part runs here, before the next message of the partition is started.
      const command = decode(message.value?.toString('utf8') ?? 'null');
      const key = message.key?.toString('utf8') ?? '';
      const tracing = this.options.tracing;
      outcome = tracing ? tracing.consume(topic, key, traceHeadersOf(message), () => handler(command, key)) : handler(command, key);
    } catch (err) {
      outcome = Promise.reject(err);
    }
    void outcome
      .then(
        (value): Envelope => ({ ok: true, value }),
        (err: unknown): Envelope => this.failureOf(err, topic),
      )
      .then((envelope) => this.reply(message, envelope))
      .finally(() => {
        this.running--;
        progress.finish(started);
        this.scheduleCommit();
        this.slotFreed?.();
      });
  }

  private progressOf(topic: string, partition: number, offset: bigint): PartitionProgress {
    const key = `${topic}:${partition}`;
    let progress = this.progress.get(key);
    if (!progress || !progress.follows(offset)) {
      if (progress) this.log.warn({ topic, partition, offset: String(offset) }, 'Kafka bus: the partition went back (a rebalance); commands may run again');
      progress = new PartitionProgress(topic, partition);
      this.progress.set(key, progress);
    }
    return progress;
  }

  private failureOf(err: unknown, topic: string): Envelope {
    const { data, expected } = this.options.failures.describe(err);
    if (!expected) this.log.error({ err, topic }, 'Kafka bus: a handler failed');
    return { ok: false, failure: data };
  }

  /** Publishes the reply on the requester's reply topic, unless nobody waits for it any more. */
  private async reply(message: KafkaMessage, envelope: Envelope): Promise<void> {
    const replyTo = headerOf(message, REPLY_TO);
    const id = headerOf(message, CORRELATION);
    const deadline = Number(headerOf(message, DEADLINE));
    if (!replyTo || !id || Date.now() > deadline + DEADLINE_SLACK_MS) return;
    let value: string;
    try {
      value = encode(envelope);
    } catch (err) {
      value = encode(this.failureOf(err, replyTo));
    }
    await this.repliesOut.publish(replyTo, { value, headers: { [CORRELATION]: id } }).catch((err: unknown) => {
      this.log.warn({ err, replyTo }, 'Kafka bus: a reply could not be sent; its requester is told there was no answer');
    });
  }

  private scheduleCommit(): void {
    if (this.commitTimer || !this.serving) return;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      void this.commitFinished();
    }, this.options.commitIntervalMs ?? 100);
  }

  /** After a rebalance: the position owners' new assignment (`assign`), then each partition where it resumes. */
  private async rejoined(consumer: Consumer, assignment: Record<string, number[]>): Promise<void> {
    const generation = ++this.assignments;
    if (this.options.assign) {
      await this.allHandlersFinished();
      await this.commitFinished(true);
      this.progress.clear();
      await this.assigned(
        [...(assignment[this.commandsTopic] ?? [])].sort((a, b) => a - b),
        generation,
      );
      // A newer rebalance took over meanwhile: its own chain resumes the partitions it assigned.
      if (generation !== this.assignments) return;
    }
    await this.resume(consumer, assignment);
  }

  /** `assign`, retried until it succeeds, this node stops serving or a newer assignment came. */
  private async assigned(partitions: number[], generation: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (!this.serving || generation !== this.assignments) return;
      try {
        await this.options.assign!(partitions, () => this.serving && generation === this.assignments);
        this.log.info({ partitions }, 'Kafka bus: this node owns these partitions');
        return;
      } catch (err) {
        if (!this.serving || generation !== this.assignments) return; // superseded: the newer chain assigns
        if (this.state !== 'started') throw err;
        this.log.error({ err, partitions, attempt }, 'Kafka bus: taking the assigned partitions failed; trying again');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
  }

  /** Every started handler has finished (no bound: a partition is not handed on while its commands still run here). */
  private async allHandlersFinished(): Promise<void> {
    const started = Date.now();
    let reported = started;
    while (this.running > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (Date.now() - reported >= 5000) {
        reported = Date.now();
        this.log.warn({ running: this.running, waitedMs: reported - started }, 'Kafka bus: waiting for commands still running before the new assignment');
      }
    }
  }

  /**
   * Reads the recorded positions of the workers' group and moves each assigned partition there: forward past what was
   * applied and recorded (startBatch also skips it, in case a fetch began at Kafka's offset), or back to it if Kafka's
   * committed offset ran ahead of the ledger (a ledger restored from its standby, say).
   */
  private async resume(consumer: Consumer, assignment: Record<string, number[]>): Promise<void> {
    const store = this.options.positions;
    if (!store) return;
    const recorded = await store.read(this.workersGroup).catch((err: unknown) => {
      this.log.error({ err }, 'Kafka bus: the recorded positions could not be read; partitions resume at Kafka offsets');
      return [];
    });
    const at = new Map(recorded.map((p) => [`${p.topic}:${p.partition}`, BigInt(p.nextOffset)]));
    this.resumeAt = new Map();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const offset = at.get(`${topic}:${partition}`);
        if (offset === undefined) continue;
        this.resumeAt.set(`${topic}:${partition}`, offset);
        consumer.seek({ topic, partition, offset: String(offset) });
      }
    }
    this.log.info({ partitions: this.resumeAt.size }, 'Kafka bus: partitions resume at the positions recorded in the ledger');
  }

  private get workersGroup(): string {
    return `${this.options.topicPrefix}.workers`;
  }

  /**
   * Records (PositionStore) then commits what finished, one commit at a time. `recordOnly` at a rebalance: the generation
   * has changed, so Kafka would refuse the commit; a partition handed on resumes at its next owner after what this
   * node applied.
   */
  private commitFinished(recordOnly = false): Promise<void> {
    this.committing = this.committing.then(async () => {
      const due = [...this.progress.values()].flatMap((p) => (p.due === undefined ? [] : [{ progress: p, offset: p.due }]));
      if (due.length === 0 || !this.commands) return;
      if (this.options.positions) {
        const positions = due.map(({ progress, offset }) => ({ topic: progress.topic, partition: progress.partition, nextOffset: String(offset) }));
        const recorded = await this.options.positions.record(this.workersGroup, positions).then(
          () => true,
          (err: unknown) => (this.log.warn({ err }, 'Kafka bus: positions not recorded now; they go with the next record'), false),
        );
        if (!recorded) return;
      }
      if (recordOnly) return;
      try {
        await this.commands.commitOffsets(
          due.map(({ progress, offset }) => ({ topic: progress.topic, partition: progress.partition, offset: String(offset) })),
        );
        for (const { progress, offset } of due) progress.committed = offset;
      } catch (err) {
        this.log.warn({ err }, 'Kafka bus: offsets not committed now (a rebalance?); they go with the next commit');
      }
    });
    return this.committing;
  }

  private async handlersFinished(withinMs: number): Promise<void> {
    const until = Date.now() + withinMs;
    while (this.running > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    if (this.running > 0) this.log.warn({ running: this.running }, 'Kafka bus: stopped with handlers still running; their commands run again');
  }

  // ------------------------------------------------------------------------------------------------ requester's side

  private async startReplies(): Promise<void> {
    await this.replies.connect();
    await this.replies.subscribe({ topics: [this.replyTopic], fromBeginning: true });
    const joined = this.joined(this.replies);
    await this.replies.run({ autoCommit: false, eachBatch: async ({ batch }) => batch.messages.forEach((message) => this.settle(message)) });
    await joined;
  }

  private settle(message: KafkaMessage): void {
    const id = headerOf(message, CORRELATION);
    const waiting = id === undefined ? undefined : this.waiting.get(id);
    if (!waiting) return; // answered after its timeout
    this.waiting.delete(id!);
    clearTimeout(waiting.timer);
    let envelope: Envelope;
    try {
      envelope = decode(message.value?.toString('utf8') ?? 'null') as Envelope;
    } catch (err) {
      return waiting.reject(this.options.failures.unanswered(waiting.topic, waiting.key, `the answer could not be read (${(err as Error).message})`));
    }
    if (envelope.ok) waiting.resolve(envelope.value);
    else waiting.reject(this.options.failures.rebuild(envelope.failure));
  }

  private unanswered(id: string, why: string): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    clearTimeout(waiting.timer);
    waiting.reject(this.options.failures.unanswered(waiting.topic, waiting.key, why));
  }

  // ------------------------------------------------------------------------------------------------ topics, clients

  /** Group session settings of both consumers: a silent member is given up after `sessionTimeoutMs`. */
  private session(): { sessionTimeout: number; heartbeatInterval: number } {
    const sessionTimeout = this.options.sessionTimeoutMs ?? 10_000;
    return { sessionTimeout, heartbeatInterval: Math.max(100, Math.min(3000, Math.floor(sessionTimeout / 5))) };
  }

  private get commandsTopic(): string {
    return `${this.options.topicPrefix}.commands`;
  }

  private async createTopics(topics: string[], numPartitions: number, extra: Array<{ name: string; value: string }> = []): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    const configEntries = [{ name: 'max.message.bytes', value: String(MESSAGE_MAX_BYTES) }, ...extra];
    if (missing.length > 0) {
      // Another node may create one of them meanwhile: fine when they all exist afterwards.
      await this.admin
        .createTopics({ topics: missing.map((topic) => ({ topic, numPartitions, configEntries })), waitForLeaders: false })
        .catch(async (err: unknown) => {
          const now = new Set(await this.admin.listTopics());
          if (missing.some((topic) => !now.has(topic))) throw err;
        });
      await this.leadersOf(missing);
    }
  }

  private async partitionsOf(topic: string): Promise<number> {
    const metadata = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const count = metadata.topics[0]?.partitions.length ?? 0;
    if (count < 1) throw new Error(`Kafka topic ${topic} has no partitions`);
    return count;
  }

  /** Waits until every partition of `topics` has a leader (a new topic's metadata takes a moment to spread). */
  private async leadersOf(topics: string[]): Promise<void> {
    const until = Date.now() + JOIN_TIMEOUT_MS;
    for (;;) {
      const ready = await this.admin.fetchTopicMetadata({ topics }).then(
        (metadata) =>
          metadata.topics.length === topics.length && metadata.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)),
        () => false,
      );
      if (ready) return;
      if (Date.now() > until) throw new Error(`Kafka topics ${topics.join(', ')} have no leader after ${JOIN_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private joined(consumer: Consumer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the Kafka bus consumer did not join its group within ${JOIN_TIMEOUT_MS} ms`)), JOIN_TIMEOUT_MS);
      const off = consumer.on(consumer.events.GROUP_JOIN, () => {
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  private async release(): Promise<void> {
    clearTimeout(this.commitTimer);
    const quietly = (what: string, p: Promise<void> | undefined) => p?.catch((err: unknown) => this.log.warn({ err }, `Kafka bus: ${what} failed`));
    await quietly('disconnecting the workers consumer', this.commands?.disconnect());
    await quietly('disconnecting the reply consumer', this.replies.disconnect());
    await quietly('disconnecting the producer', this.producer.disconnect());
  }

  private async deleteReplyTopic(): Promise<void> {
    await this.admin.deleteTopics({ topics: [this.replyTopic], timeout: 2000 }).catch((err: unknown) => {
      this.log.warn({ err, topic: this.replyTopic }, 'Kafka bus: the reply topic could not be deleted');
    });
    await this.admin.disconnect();
  }
}

/** The W3C trace context a command carries, if any. */
function traceHeadersOf(message: KafkaMessage): Record<string, string> | undefined {
  const traceparent = headerOf(message, 'traceparent');
  if (traceparent === undefined) return undefined;
  const tracestate = headerOf(message, 'tracestate');
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
}

function headerOf(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value[0] : value)?.toString('utf8');
}

/** kafkajs logs through pino, under the bus's logger. */
function kafkaLog(log: Logger) {
  return () =>
    ({ level, log: entry }: LogEntry) => {
      const { message, ...rest } = entry;
      const fields = { kafka: rest };
      // kafkajs logs every error response at ERROR, retriable ones too (a new topic's leader not known yet): what
      // fails for good is thrown, and the bus says it then.
      if (message.startsWith('Response ')) log.debug(fields, `kafkajs: ${message}`);
      else if (level <= logLevel.ERROR) log.error(fields, `kafkajs: ${message}`);
      else if (level === logLevel.WARN) log.warn(fields, `kafkajs: ${message}`);
      else log.debug(fields, `kafkajs: ${message}`);
    };
}
