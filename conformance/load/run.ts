#!/usr/bin/env node
// Mizani load generator (open loop) — see docs/benchmarks.md.
//
//   node dist/conformance/load/run.js --start-hub --rate 300 --duration 60 --warmup 10 --dfsps 10 --sign --relay --out load-results/x
//   node dist/conformance/load/run.js --hub http://127.0.0.1:3000 --admin http://127.0.0.1:3001 --rate 100
//
// Payments start at the set rate whatever the completions (open loop). Each payment is discovery
// (GET /parties → PUT /parties), agreement (POST /quotes → PUT /quotes) and transfer (POST /transfers →
// PUT /transfers) between two simulated DFSPs. The generator reports per stage and end to end: achieved rate,
// p50/p95/p99/max, share over 1 s, errors by code; the hub's and PostgreSQL's CPU per complete payment; and
// writes summary.json and report.html. With --relay the same payments run through a bare relay too.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPair, randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, hostname, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { request } from 'undici';
import { AdminClient, ensureHubSetup, provisionDfsp } from '../lib/admin.js';
import { Histogram, summarise, type LatencySummary } from './hist.js';
import { scanLog, startHubChild, tail, type HubChild } from './hub-process.js';
import { backendPids, createDatabase, dropDatabase, PgActivitySampler, pgSettings, settleTransfers, tableStats, type TableStats } from './pg.js';
import { cpuModel, machineBusyCpu, PidSetMeter, pidListeningOn, postgresTotalCpu, readProc, rssMiB } from './procstat.js';
import { ACK_KINDS, STAGES, type FromWorker, type InitMsg, type SecStatsJson, type StepSpec, type ToWorker, type WindowStatsJson } from './protocol.js';
import { codes, fmt, renderHtml, stepTable, summaryTable, type SecPoint, type StageReport, type StepResult, type Summary } from './report.js';

// ---- options --------------------------------------------------------------------------------------------------------

interface Options {
  /** The first FSPIOP base URL of --hub (the only one for a single hub). */
  hub?: string;
  /** Every FSPIOP base URL of --hub (several: the nodes of a cluster, DFSPs spread over them). */
  hubs: string[];
  admin?: string;
  startHub: boolean;
  hubName: string;
  rate: number;
  rates?: number[];
  knee: boolean;
  kneeFactor: number;
  kneeMaxSteps: number;
  kneeMaxRate: number;
  durationS: number;
  warmupS: number;
  dfsps: number;
  parties: number;
  workers: number;
  sign: boolean;
  relay: boolean;
  relayOnly: boolean;
  overload: boolean;
  out: string;
  stageTimeoutS: number;
  expiryS: number;
  connections: number;
  currency: string;
  version: string;
  pgUrl: string;
  pgDb?: string;
  hubPid?: number;
  /** Every pid of --hub-pid: the hub's CPU is their sum, and each node's is reported too. */
  hubPids: number[];
  brokerPid?: number;
  hubEnv: Record<string, string>;
  hubNodeArgs: string[];
  keepDb: boolean;
  progressS: number;
  signThreads: number;
  signStore: 'auto' | 'memory' | 'file';
  signMemoryMb: number;
  bindHost: string;
  advertiseHost: string;
  probe: boolean;
  verifySample: number;
  workerNodeArgs: string[];
  hubSign: boolean;
  seriesHistograms: boolean;
  transferOnly: boolean;
  trace: boolean;
  /** Seconds over which a target's first step rises to its rate (undefined: half its warm-up). */
  rampS?: number;
  awaitGo: boolean;
  quotesHub?: string;
}

const HELP = `Mizani load generator (open loop)

Target (one of):
  --hub URL --admin URL        an existing hub (FSPIOP and Admin API base URLs)
  --hub URL1,URL2 --admin URL  the nodes of a cluster: DFSP j talks to node ⌊j / workers⌋ mod N (a load balancer keeping a
                               DFSP's connections on one node); --hub-pid P1,P2 sums the nodes' CPU (and reports each)
  --start-hub                  start the hub (dist/switch/cli.js) on a fresh PostgreSQL database, dropped at the end
  --relay-only                 only the bare relay baseline
Load:
  --rate N                     offered payments/s (default 100)
  --rates A,B,C                several steps, one after the other (knee = highest meeting the latency bar)
  --knee                       ramp from --rate by --knee-factor (1.5) until the latency bar fails (max --knee-steps 8,
                               --knee-max-rate 20000), one refinement step between the last pass and the first fail
  --overload                   run at 2x the given rate (overload behaviour)
  --duration S                 measured seconds per step (default 60)    --warmup S   (default 10)
  --ramp S                     a target's first step (cold hub or relay) rises linearly from 0 to its rate over its
                               first S seconds (default: half the warm-up; at most the warm-up; 0: full rate at once)
  --dfsps K                    simulated DFSPs, each payer and payee, random pairs (default 10)
  --parties P                  parties per DFSP registered in the ALS at setup (default 100)
  --workers W                  generator processes (default 1); DFSPs are split between them
  --sign                       RS256 FSPIOP-Signature on every POST/PUT (signed ahead of the window); with --start-hub
                               also MIZANI_JWS_VERIFY=on and a hub signing key (MIZANI_JWS_SIGNING_KEY; --no-hub-sign: none)
  --relay                      also run the same load through the bare relay (efficiency = hub / relay)
  --transfer-only              payments are the transfer stage only (POST /transfers → PUT /transfers: prepare and
                               fulfil), no discovery and no quote; parties are not registered
Output:
  --out DIR                    summary.json, report.html, hub.log (default load-results/<timestamp>)
  --progress S                 progress line every S seconds (default 5)
  --series-histograms          also keep each second's latency histograms in summary.json (series[].hist: discovery,
                               agreement, transfer, end to end), so any span of seconds can be merged exactly
  --trace                      one CSV line per measured transfer stage in DIR/transfers-<step>-w<worker>.csv: planned
                               start (epoch ms), then when POST /transfers was sent and answered, the payee got the
                               prepare and had the answer to its fulfil, the payer got the fulfil (ms after the start)
Tuning:
  --stage-timeout S (10)  --expiry S (60)  --connections N per DFSP (16)  --currency USD  --fspiop-version 1.1
  --pg-url URL (postgres://postgres@127.0.0.1:5432/postgres)  --pg-db NAME (existing hub's database, for CPU)
  --hub-pid PID[,PID…] (existing hub or nodes; default: the process listening on each hub port)  --hub-name Hub
  --broker-pid PID             the message broker's process (e.g. the Kafka JVM): its CPU is reported apart
  --hub-env K=V (repeatable, extra MIZANI_* for --start-hub)  --hub-node-args "--cpu-prof --cpu-prof-dir=DIR"
  --verify-sample N            receivers check the FSPIOP-Signature of 1 in N signed messages (0 = off; 1 = all)
  --worker-node-args "..."     extra node flags of the generator workers (e.g. --cpu-prof)
  --quotes-hub URL             every DFSP's quote messages (POST and PUT /quotes) go to this node (a load balancer's
                               path rule), the rest as --hub spreads them
  --await-go                   after provisioning the DFSPs, before registering their parties, print "hub: provisioned;
                               waiting for go" and wait for a line "go" on stdin (a driving script acts in between, e.g.
                               starts a cluster node that loads the participants at start-up: scripts/bench-cluster.mjs)
  --keep-db  --sign-threads N  --sign-store auto|memory|file  --sign-memory-mb 1024  --no-probe
  --bind-host 127.0.0.1  --advertise-host HOST`;

/** Every option of the CLI (node:util parseArgs); the numeric ones are checked in parseOptions. */
const OPTIONS = {
  hub: { type: 'string' },
  admin: { type: 'string' },
  'start-hub': { type: 'boolean' },
  'relay-only': { type: 'boolean' },
  'hub-name': { type: 'string' },
  rate: { type: 'string' },
  rates: { type: 'string' },
  knee: { type: 'boolean' },
  'knee-factor': { type: 'string' },
  'knee-steps': { type: 'string' },
  'knee-max-rate': { type: 'string' },
  overload: { type: 'boolean' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  dfsps: { type: 'string' },
  parties: { type: 'string' },
  workers: { type: 'string' },
  sign: { type: 'boolean' },
  relay: { type: 'boolean' },
  out: { type: 'string' },
  progress: { type: 'string' },
  'stage-timeout': { type: 'string' },
  expiry: { type: 'string' },
  connections: { type: 'string' },
  currency: { type: 'string' },
  'fspiop-version': { type: 'string' },
  'pg-url': { type: 'string' },
  'pg-db': { type: 'string' },
  'hub-pid': { type: 'string' },
  'broker-pid': { type: 'string' },
  'hub-env': { type: 'string', multiple: true },
  'hub-node-args': { type: 'string' },
  'worker-node-args': { type: 'string' },
  'keep-db': { type: 'boolean' },
  'sign-threads': { type: 'string' },
  'sign-store': { type: 'string' },
  'sign-memory-mb': { type: 'string' },
  'bind-host': { type: 'string' },
  'advertise-host': { type: 'string' },
  'no-probe': { type: 'boolean' },
  'no-hub-sign': { type: 'boolean' },
  'verify-sample': { type: 'string' },
  'series-histograms': { type: 'boolean' },
  'transfer-only': { type: 'boolean' },
  ramp: { type: 'string' },
  trace: { type: 'boolean' },
  'await-go': { type: 'boolean' },
  'quotes-hub': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** Options whose value is itself a list of node flags (`--hub-node-args "--cpu-prof …"`). */
const FLAG_VALUED = new Set(['--hub-node-args', '--worker-node-args']);

function parseOptions(argv: string[]): Options {
  // parseArgs refuses a value that starts with '-' unless it is attached with '=': attach it for the two options
  // whose values are node flags, so the documented `--hub-node-args "--cpu-prof …"` keeps working.
  const args: string[] = [];
  for (let k = 0; k < argv.length; k++) args.push(FLAG_VALUED.has(argv[k]!) && k + 1 < argv.length ? `${argv[k]}=${argv[++k]}` : argv[k]!);
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true }));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const what = /'([^']+)'/.exec(e.message)?.[1] ?? e.message;
      throw new Error(`unknown option ${what} (--help lists them)`);
    }
    throw new Error(e.message.split('\n')[0]!);
  }
  if (values.help) {
    process.stdout.write(HELP + '\n');
    process.exit(0);
  }
  const num = (name: keyof typeof OPTIONS, min: number, fallback: number, v: string | undefined = values[name] as string | undefined): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} needs a number ≥ ${min}, got ${v}`);
    return n;
  };
  const hubEnv: Record<string, string> = {};
  for (const kv of values['hub-env'] ?? []) {
    const eq = kv.indexOf('=');
    if (eq < 1) throw new Error(`--hub-env needs KEY=VALUE, got ${kv}`);
    hubEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const signStore = values['sign-store'] ?? 'auto';
  if (signStore !== 'auto' && signStore !== 'memory' && signStore !== 'file') throw new Error('--sign-store auto|memory|file');
  const nodeArgs = (v: string | undefined) => (v ?? '').split(/\s+/).filter(Boolean);
  const hubs = (values.hub ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const hubPids = (values['hub-pid'] ?? '')
    .split(',')
    .filter((x) => x.trim() !== '')
    .map((x) => Math.floor(num('hub-pid', 1, 0, x.trim())));
  const o: Options = {
    hub: hubs[0],
    hubs,
    admin: values.admin,
    startHub: values['start-hub'] ?? false,
    hubName: values['hub-name'] ?? 'Hub',
    rate: num('rate', 0.1, 100),
    ...(values.rates !== undefined ? { rates: values.rates.split(',').map((x) => num('rates', 0.1, 0, x)) } : {}),
    knee: values.knee ?? false,
    kneeFactor: num('knee-factor', 1.05, 1.5),
    kneeMaxSteps: num('knee-steps', 1, 8),
    kneeMaxRate: num('knee-max-rate', 1, 20_000),
    durationS: num('duration', 1, 60),
    warmupS: num('warmup', 0, 10),
    dfsps: Math.floor(num('dfsps', 2, 10)),
    parties: Math.floor(num('parties', 1, 100)),
    workers: Math.floor(num('workers', 1, 1)),
    sign: values.sign ?? false,
    relay: (values.relay ?? false) || (values['relay-only'] ?? false),
    relayOnly: values['relay-only'] ?? false,
    overload: values.overload ?? false,
    out: values.out ?? '',
    stageTimeoutS: num('stage-timeout', 0.1, 10),
    expiryS: num('expiry', 5, 60),
    connections: Math.floor(num('connections', 1, 16)),
    currency: values.currency ?? 'USD',
    version: values['fspiop-version'] ?? '1.1',
    pgUrl: values['pg-url'] ?? process.env.MIZANI_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    pgDb: values['pg-db'],
    ...(hubPids.length ? { hubPid: hubPids[0] } : {}),
    hubPids,
    ...(values['broker-pid'] !== undefined ? { brokerPid: Math.floor(num('broker-pid', 1, 0)) } : {}),
    hubEnv,
    hubNodeArgs: nodeArgs(values['hub-node-args']),
    keepDb: values['keep-db'] ?? false,
    progressS: num('progress', 1, 5),
    signThreads: values['sign-threads'] !== undefined ? Math.floor(num('sign-threads', 1, 0)) : 0,
    signStore,
    signMemoryMb: num('sign-memory-mb', 16, 1024),
    bindHost: values['bind-host'] ?? '127.0.0.1',
    advertiseHost: values['advertise-host'] ?? '',
    probe: !values['no-probe'],
    verifySample: Math.floor(num('verify-sample', 0, 0)),
    workerNodeArgs: nodeArgs(values['worker-node-args']),
    hubSign: !values['no-hub-sign'],
    seriesHistograms: values['series-histograms'] ?? false,
    transferOnly: values['transfer-only'] ?? false,
    trace: values.trace ?? false,
    ...(values.ramp !== undefined ? { rampS: num('ramp', 0, 0) } : {}),
    awaitGo: values['await-go'] ?? false,
    ...(values['quotes-hub'] !== undefined ? { quotesHub: values['quotes-hub'] } : {}),
  };
  if (!o.relayOnly && !o.startHub && !(o.hub && o.admin)) throw new Error('give --hub URL --admin URL, or --start-hub, or --relay-only');
  if (o.hubPids.length > 1 && o.hubPids.length !== o.hubs.length) throw new Error('--hub-pid: one pid per --hub URL');
  if (o.workers > o.dfsps / 2) throw new Error('each worker needs at least 2 DFSPs (--dfsps ≥ 2 × --workers)');
  if (!o.advertiseHost) o.advertiseHost = o.bindHost;
  if (!o.out) o.out = join('load-results', new Date().toISOString().replace(/[:.]/g, '-'));
  if (!o.signThreads) o.signThreads = Math.max(1, Math.floor(availableParallelism() / o.workers));
  return o;
}

// ---- small helpers --------------------------------------------------------------------------------------------------

const log = (s: string) => process.stdout.write(s + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hexRandom = (n: number) =>
  randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const letters = (n: number) => Array.from({ length: n }, () => LETTERS[randomInt(26)]).join('');

let interrupted = false;
let stopCurrent: (() => void) | undefined;
const children = new Set<ChildProcess>();

// ---- workers --------------------------------------------------------------------------------------------------------

class WorkerSet {
  readonly procs: ChildProcess[] = [];
  private readonly listeners = new Set<(m: FromWorker) => void>();
  private failure?: Error;

  static async spawn(inits: InitMsg[], nodeArgs: string[] = []): Promise<{ set: WorkerSet; ready: Array<Extract<FromWorker, { type: 'ready' }>> }> {
    const set = new WorkerSet();
    const path = fileURLToPath(new URL('./worker.js', import.meta.url));
    for (let k = 0; k < inits.length; k++) {
      const p = fork(path, [], { execArgv: ['--max-semi-space-size=32', ...nodeArgs], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.add(p);
      p.on('message', (m: FromWorker) => {
        if (m.type === 'fatal') set.failure = new Error(`worker ${m.worker}: ${m.error}`);
        for (const l of [...set.listeners]) l(m);
      });
      p.once('exit', (code, signal) => {
        children.delete(p);
        if (!set.closing) {
          set.failure = new Error(`generator worker exited (code ${code}, signal ${signal})`);
          for (const l of [...set.listeners]) l({ type: 'fatal', worker: -1, error: set.failure.message });
        }
      });
      set.procs.push(p);
    }
    const readyP = set.collect('ready', 60_000);
    inits.forEach((init, k) => set.procs[k]!.send(init));
    return { set, ready: await readyP };
  }

  closing = false;

  on(l: (m: FromWorker) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  broadcast(m: ToWorker): void {
    for (const p of this.procs) if (p.connected) p.send(m);
  }

  /** One message of `type` from every worker. */
  collect<T extends FromWorker['type']>(type: T, timeoutMs: number): Promise<Array<Extract<FromWorker, { type: T }>>> {
    return new Promise((resolveP, reject) => {
      const got = new Map<number, Extract<FromWorker, { type: T }>>();
      const timer = setTimeout(() => {
        off();
        reject(new Error(`workers did not answer "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.on((m) => {
        if (m.type === 'fatal') {
          clearTimeout(timer);
          off();
          reject(new Error(m.error));
          return;
        }
        if (m.type !== type) return;
        got.set(m.worker, m as Extract<FromWorker, { type: T }>);
        if (got.size === this.procs.length) {
          clearTimeout(timer);
          off();
          resolveP([...got.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]));
        }
      });
      if (this.failure) {
        clearTimeout(timer);
        off();
        reject(this.failure);
      }
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.broadcast({ type: 'exit' });
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((r) => {
            if (p.exitCode !== null || p.signalCode !== null) return r();
            const t = setTimeout(() => p.kill('SIGKILL'), 5000);
            p.once('exit', () => {
              clearTimeout(t);
              r();
            });
          }),
      ),
    );
  }
}

// ---- CPU sampling ---------------------------------------------------------------------------------------------------

interface CpuSample {
  sec: number;
  /** CPU seconds so far of the hub: the sum over its nodes when there are several. */
  hub?: number;
  /** Per node, in --hub-pid order (several nodes only). */
  hubNodes?: Array<number | undefined>;
  broker?: number;
  pg?: number;
  pgAll?: number;
  relay?: number;
  machine?: number;
  /** RSS (MiB) of the hub or the relay. */
  rss?: number;
}

type CpuKey = 'hub' | 'pg' | 'pgAll' | 'relay' | 'machine' | 'broker';

class CpuSampler {
  readonly samples = new Map<number, CpuSample>();
  private timer?: NodeJS.Timeout;
  private pgMeter?: PidSetMeter;
  private pgPids: number[] = [];
  private pidTimer?: NodeJS.Timeout;

  constructor(
    private readonly o: { hubPid?: number; hubPids?: number[]; brokerPid?: number; relayPid?: number; pgAdminUrl?: string; pgDb?: string; pgAll: boolean },
  ) {}

  async refreshPgPids(): Promise<void> {
    if (!this.o.pgAdminUrl || !this.o.pgDb) return;
    try {
      this.pgPids = await backendPids(this.o.pgAdminUrl, this.o.pgDb);
    } catch {
      /* keep the last list */
    }
  }

  async start(t0Ms: number): Promise<void> {
    if (this.o.pgDb) {
      this.pgMeter = new PidSetMeter();
      await this.refreshPgPids();
      this.pgMeter.sample(this.pgPids);
      this.pidTimer = setInterval(() => void this.refreshPgPids(), 5000);
    }
    let k = 0;
    const next = () => {
      const delay = t0Ms + k * 1000 - Date.now();
      this.timer = setTimeout(
        () => {
          this.take(k);
          k++;
          next();
        },
        Math.max(0, delay),
      );
    };
    next();
  }

  take(sec: number): void {
    const s: CpuSample = { sec };
    if (this.o.hubPids && this.o.hubPids.length > 1) {
      // A node that is gone counts as missing, not as zero: the window's figure is then undefined, not too low.
      s.hubNodes = this.o.hubPids.map((pid) => {
        const p = readProc(pid);
        return p ? p.self + p.children : undefined;
      });
      if (s.hubNodes.every((x) => x !== undefined)) s.hub = s.hubNodes.reduce((a, b) => a! + b!, 0);
      s.rss = this.o.hubPids.reduce((a, pid) => a + (rssMiB(pid) ?? 0), 0);
    } else if (this.o.hubPid) {
      const p = readProc(this.o.hubPid);
      if (p) s.hub = p.self + p.children;
      s.rss = rssMiB(this.o.hubPid);
    }
    if (this.o.brokerPid) {
      const p = readProc(this.o.brokerPid);
      if (p) s.broker = p.self + p.children;
    }
    if (this.o.relayPid) {
      const p = readProc(this.o.relayPid);
      if (p) s.relay = p.self;
      s.rss = rssMiB(this.o.relayPid);
    }
    if (this.pgMeter) s.pg = this.pgMeter.sample(this.pgPids);
    if (this.o.pgAll) s.pgAll = postgresTotalCpu();
    s.machine = machineBusyCpu();
    this.samples.set(sec, s);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.pidTimer) clearInterval(this.pidTimer);
  }

  /** CPU seconds of `key` between the samples at seconds a and b (the nearest available ≤ b). */
  between(key: CpuKey, a: number, b: number): number | undefined {
    const sa = this.samples.get(a)?.[key];
    let bb = b;
    while (bb > a && this.samples.get(bb)?.[key] === undefined) bb--;
    const sb = this.samples.get(bb)?.[key];
    return sa === undefined || sb === undefined || bb <= a ? undefined : sb - sa;
  }

  /** CPU seconds of each hub node between the samples at seconds a and b (several nodes only). */
  nodesBetween(a: number, b: number): Array<number | undefined> | undefined {
    const n = this.o.hubPids && this.o.hubPids.length > 1 ? this.o.hubPids.length : 0;
    if (!n) return undefined;
    return Array.from({ length: n }, (_, k) => {
      const sa = this.samples.get(a)?.hubNodes?.[k];
      let bb = b;
      while (bb > a && this.samples.get(bb)?.hubNodes?.[k] === undefined) bb--;
      const sb = this.samples.get(bb)?.hubNodes?.[k];
      return sa === undefined || sb === undefined || bb <= a ? undefined : sb - sa;
    });
  }
}

// ---- per-second merge -------------------------------------------------------------------------------------------

interface SecAcc {
  n: number;
  started: number;
  completed: number;
  failed: number;
  inflight: number;
  lag: Histogram;
  stages: Histogram[];
  e2e: Histogram;
  errors: Record<string, number>;
  cpuMs: number;
}

// ---- a target (hub or relay) ------------------------------------------------------------------------------------------

interface TargetCtx {
  kind: 'hub' | 'relay';
  url: string;
  workers: WorkerSet;
  signMs?: number;
  cpu: () => CpuSampler;
  relayUrl?: string;
  /** Sample pg_stat_activity of the hub's database during the window. */
  pgActivity?: { adminUrl: string; db: string };
  /** A step has run on this target: it is warm (JIT-compiled, connections open), later steps start at full rate. */
  warm?: boolean;
}

interface RunCtx {
  o: Options;
  /** Outcome of the --knee ramp per target: firstFail null = the ramp ended before the bar failed (knee is a lower bound). */
  kneeSearch: Partial<Record<'hub' | 'relay', { best: number | null; firstFail: number | null }>>;
  hubPublicKeyPem?: string;
  dfsps: Array<{ name: string; parties: string[]; ilpSecret: string; privateKeyPem?: string; publicKeyPem?: string }>;
  summary: Summary;
}

/**
 * `spread`: several FSPIOP base URLs (the nodes of a cluster). DFSP j talks to spread[⌊j / workers⌋ mod N], so that
 * each worker's DFSPs (payers and payees of its payments) are on every node, and a payment's prepare and fulfil
 * reach different nodes as often as through a load balancer.
 */
function workerInits(ctx: RunCtx, targetUrl: string, spread: string[] = []): InitMsg[] {
  const { o } = ctx;
  return Array.from({ length: o.workers }, (_, w) => ({
    type: 'init' as const,
    worker: w,
    workers: o.workers,
    dfsps: ctx.dfsps
      .map((d, j) => ({
        name: d.name,
        parties: d.parties,
        ilpSecret: d.ilpSecret,
        privateKeyPem: d.privateKeyPem,
        ...(spread.length > 1 ? { targetUrl: spread[Math.floor(j / o.workers) % spread.length] } : {}),
      }))
      .filter((_, j) => j % o.workers === w),
    targetUrl,
    ...(o.quotesHub && spread.length ? { quotesUrl: o.quotesHub } : {}),
    hubName: o.hubName,
    bindHost: o.bindHost,
    advertiseHost: o.advertiseHost,
    connections: o.connections,
    stageTimeoutMs: o.stageTimeoutS * 1000,
    version: o.version,
    currency: o.currency,
    sign: o.sign,
    signThreads: o.signThreads,
    signStore: o.signStore,
    signMemoryBytes: o.signMemoryMb * 1024 * 1024,
    tmpDir: tmpdir(),
    verifySample: o.sign ? o.verifySample : 0,
    hubPublicKeyPem: ctx.hubPublicKeyPem,
    transferOnly: o.transferOnly,
    traceFile: o.trace ? join(resolve(o.out), 'transfers-') : '',
  }));
}

async function runStep(ctx: RunCtx, t: TargetCtx, rate: number, label: string, warmupS: number, durationS: number, quiet = false): Promise<StepResult> {
  const { o } = ctx;
  const W = o.workers;
  const spec: StepSpec = {
    id: `${t.kind}-${label}`,
    nonce: hexRandom(8),
    seed: randomInt(2 ** 31),
    rate,
    warmupMs: warmupS * 1000,
    durationMs: durationS * 1000,
    expiryMs: o.expiryS * 1000,
    anchorMs: 0,
    // A cold target (its first step) gets the rate rising over part of the warm-up (docs/benchmarks.md, "Stalls").
    rampMs: t.warm || quiet ? 0 : Math.min(o.rampS ?? warmupS / 2, warmupS) * 1000,
  };
  if (!quiet) t.warm = true; // the probe (one payment) warms nothing
  const total = Math.ceil(rate * (warmupS + durationS - spec.rampMs / 2000));
  let estimateMs = 1500;
  if (o.sign && t.signMs) {
    const threads = Math.min(availableParallelism(), W * o.signThreads);
    // Margin for CPU contention; a late finish only dates the messages a little before their send (reported).
    estimateMs = ((total * 5 * (t.signMs + 0.05)) / threads) * 1.4 + 5000;
  }
  spec.anchorMs = Date.now() + estimateMs;
  if (o.sign && !quiet) log(`[${t.kind} ${label}] signing ahead ${total * 5} messages (${total} payments) — about ${fmt(estimateMs / 1000, 0)} s`);
  const progress = new Map<number, number>();
  let lastSignLog = Date.now();
  const offSign = t.workers.on((m) => {
    if (m.type !== 'signProgress') return;
    progress.set(m.worker, m.done);
    if (!quiet && Date.now() - lastSignLog > 5000) {
      lastSignLog = Date.now();
      const done = [...progress.values()].reduce((a, b) => a + b, 0);
      log(`[${t.kind} ${label}] signing ahead: ${done}/${total} payments (${fmt((done / total) * 100, 0)}%)`);
    }
  });
  const plannedP = t.workers.collect('planned', Math.max(120_000, estimateMs * 4 + 60_000));
  t.workers.broadcast({ type: 'plan', step: spec });
  const planned = await plannedP.finally(offSign);
  const t0Ms = Math.max(spec.anchorMs, Date.now() + 300);
  const dateShiftS = (t0Ms - spec.anchorMs) / 1000;
  // Second k of the step's series is [t0 + k s, t0 + k + 1 s) of wall time: a tool acting on the hub during the step
  // (scripts/bench-settlement.mjs) reads this line to place its actions among the seconds.
  if (!quiet) log(`[${t.kind} ${label}] t0 ${t0Ms} (${new Date(t0Ms).toISOString()}): second 0 of the series`);
  if (!quiet && t0Ms - Date.now() > 5000)
    log(`[${t.kind} ${label}] signed ahead; starting in ${fmt((t0Ms - Date.now()) / 1000, 0)} s (at the planned time of the messages)`);
  if (dateShiftS > o.expiryS / 2)
    log(
      `[${t.kind} ${label}] warning: signing overran its estimate by ${fmt(dateShiftS, 0)} s; quotes/transfers expire ${o.expiryS} s after their planned start`,
    );

  // per second merge
  const accs = new Map<number, SecAcc>();
  const series: SecPoint[] = [];
  const finalized = new Set<number>();
  const sampler = t.cpu();
  await sampler.start(t0Ms);
  const orchCpu0 = process.cpuUsage();
  const orchCpuAt = new Map<number, NodeJS.CpuUsage>();
  const finalize = (sec: number) => {
    const a = accs.get(sec);
    if (!a || finalized.has(sec)) return;
    finalized.add(sec);
    accs.delete(sec);
    const s0 = sampler.samples.get(sec);
    const s1 = sampler.samples.get(sec + 1);
    const cpuPct = (k: CpuKey) => (s0?.[k] !== undefined && s1?.[k] !== undefined ? (s1[k]! - s0[k]!) * 100 : undefined);
    const phase: SecPoint['phase'] = sec < warmupS ? 'warmup' : sec < warmupS + durationS ? 'measure' : 'drain';
    const q = (h: Histogram, p: number) => (h.n ? h.percentileMs(p) : null);
    series.push({
      t: sec,
      phase,
      started: a.started,
      completed: a.completed,
      failed: a.failed,
      inflight: a.inflight,
      stageCounts: a.stages.map((h) => h.n),
      p50: [...a.stages.map((h) => q(h, 50)), q(a.e2e, 50)],
      p99: [...a.stages.map((h) => q(h, 99)), q(a.e2e, 99)],
      lagP99: q(a.lag, 99),
      rssMiB: s0?.rss,
      cpu: {
        hub: cpuPct('hub'),
        pg: cpuPct('pg'),
        pgAll: cpuPct('pgAll'),
        relay: cpuPct('relay'),
        ...(s0?.broker !== undefined ? { broker: cpuPct('broker') } : {}),
        machine: cpuPct('machine'),
        generator: a.cpuMs / 10,
      },
      ...(o.seriesHistograms ? { hist: [...a.stages.map((h) => h.toJSON()), a.e2e.toJSON()] } : {}),
    });
  };
  const onSec = (m: SecStatsJson) => {
    let a = accs.get(m.sec);
    if (!a) {
      a = {
        n: 0,
        started: 0,
        completed: 0,
        failed: 0,
        inflight: 0,
        lag: new Histogram(),
        stages: [new Histogram(), new Histogram(), new Histogram()],
        e2e: new Histogram(),
        errors: {},
        cpuMs: 0,
      };
      accs.set(m.sec, a);
    }
    a.n++;
    a.started += m.started;
    a.completed += m.completed;
    a.failed += m.failed;
    a.inflight += m.inflight;
    a.lag.merge(m.lag);
    m.stages.forEach((h, k) => a!.stages[k]!.merge(h));
    a.e2e.merge(m.e2e);
    for (const [k, v] of Object.entries(m.errors)) a.errors[k] = (a.errors[k] ?? 0) + v;
    a.cpuMs += m.cpuMs;
    if (a.n >= W) setTimeout(() => finalize(m.sec), 1100); // wait for the CPU sample at sec+1
  };
  const offSec = t.workers.on((m) => {
    if (m.type === 'sec') onSec(m);
  });
  let progressTimer: NodeJS.Timeout | undefined;
  if (!quiet) {
    progressTimer = setInterval(() => {
      const recent = series.slice(-o.progressS);
      if (recent.length === 0) return;
      const sum = (f: (p: SecPoint) => number) => recent.reduce((s, p) => s + f(p), 0);
      const n = recent.length;
      const last = recent[recent.length - 1]!;
      const med = (k: number, which: 'p50' | 'p99') => {
        const v = recent.map((p) => p[which][k]).filter((x): x is number => x !== null);
        return v.length ? (which === 'p50' ? v.sort((x, y) => x - y)[Math.floor(v.length / 2)]! : Math.max(...v)) : null;
      };
      const cpuAvg = (k: 'hub' | 'pg' | 'relay' | 'broker' | 'generator') => {
        const v = recent.map((p) => p.cpu[k]).filter((x): x is number => x !== undefined);
        return v.length ? v.reduce((s, x) => s + x, 0) / v.length : undefined;
      };
      const cpuParts = (['hub', 'pg', 'relay', 'broker', 'generator'] as const)
        .map((k) => [k, cpuAvg(k)] as const)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k} ${fmt(v, 0)}%`);
      log(
        `[${t.kind} ${fmt(rate)}/s ${last.phase} ${last.t + 1}s] started ${fmt(sum((p) => p.started) / n)}/s done ${fmt(sum((p) => p.completed) / n)}/s err ${sum((p) => p.failed)}` +
          ` | p50/p99 ms disc ${fmt(med(0, 'p50'))}/${fmt(med(0, 'p99'))} quote ${fmt(med(1, 'p50'))}/${fmt(med(1, 'p99'))} xfer ${fmt(med(2, 'p50'))}/${fmt(med(2, 'p99'))} e2e ${fmt(med(3, 'p50'))}/${fmt(med(3, 'p99'))}` +
          ` | inflight ${last.inflight} lag p99 ${fmt(Math.max(...recent.map((p) => p.lagP99 ?? 0)), 1)}ms | cpu ${cpuParts.join(' ')}`,
      );
    }, o.progressS * 1000);
  }
  const pgActivity = t.pgActivity && !quiet ? new PgActivitySampler() : undefined;
  let pgTop: Array<{ wait: string; query: string; avgActive: number }> | undefined;
  let pgSamples = 0;
  const stopActivity = () => {
    if (pgActivity && !pgTop) {
      pgSamples = pgActivity.samples;
      pgTop = pgActivity.stop();
    }
  };
  let tablesAtStart: Promise<TableStats[] | undefined> | undefined;
  let tablesAtEnd: Promise<TableStats[] | undefined> | undefined;
  const snapTables = () => (pgActivity ? tableStats(t.pgActivity!.adminUrl, t.pgActivity!.db).catch(() => undefined) : undefined);
  const windowStartTimer = setTimeout(
    () => {
      orchCpuAt.set(warmupS, process.cpuUsage());
      if (pgActivity) pgActivity.start(t.pgActivity!.adminUrl, t.pgActivity!.db, 100);
      tablesAtStart = snapTables();
    },
    Math.max(0, t0Ms + warmupS * 1000 - Date.now()),
  );
  const windowEndTimer = setTimeout(
    () => {
      orchCpuAt.set(warmupS + durationS, process.cpuUsage());
      stopActivity();
      tablesAtEnd = snapTables();
    },
    Math.max(0, t0Ms + (warmupS + durationS) * 1000 - Date.now()),
  );
  const doneP = t.workers.collect('done', Math.max(0, t0Ms - Date.now()) + (warmupS + durationS) * 1000 + 3 * o.stageTimeoutS * 1000 + 120_000);
  let stoppedEarly = false;
  let stoppedAtMs = 0;
  stopCurrent = () => {
    stoppedEarly = true;
    stoppedAtMs = Date.now();
    t.workers.broadcast({ type: 'stop' });
  };
  t.workers.broadcast({ type: 'start', t0Ms });
  if (interrupted) stopCurrent();
  let dones: Array<Extract<FromWorker, { type: 'done' }>>;
  try {
    try {
      dones = await doneP;
    } catch (err) {
      if (!/did not answer/.test(String(err))) throw err;
      // Overdue: stop the step and take what the workers measured rather than losing it.
      log(`[${t.kind} ${label}] workers overdue: stopping the step`);
      const again = t.workers.collect('done', 60_000);
      stopCurrent();
      dones = await again;
    }
  } finally {
    stopCurrent = undefined;
    if (progressTimer) clearInterval(progressTimer);
    clearTimeout(windowStartTimer);
    clearTimeout(windowEndTimer);
    offSec();
  }
  stopActivity();
  if (tablesAtStart && !tablesAtEnd) tablesAtEnd = snapTables();
  const [tStart, tEnd] = await Promise.all([tablesAtStart, tablesAtEnd]);
  let tables: StepResult['pgTables'];
  if (tStart && tEnd) {
    tables = tEnd
      .map((e) => {
        const b = tStart.find((x) => x.relname === e.relname);
        return {
          table: e.relname,
          seqScans: e.seqScan - (b?.seqScan ?? 0),
          seqTuplesRead: e.seqTupRead - (b?.seqTupRead ?? 0),
          idxScans: e.idxScan - (b?.idxScan ?? 0),
          liveTuples: e.liveTup,
          deadTuples: e.deadTup,
        };
      })
      .filter((x) => x.seqScans > 0 || x.idxScans > 0)
      .sort((x, y) => y.seqTuplesRead - x.seqTuplesRead);
  }
  await sleep(1200); // last CPU sample
  sampler.stop();
  for (const sec of [...accs.keys()].sort((a, b) => a - b)) finalize(sec);
  series.sort((a, b) => a.t - b.t);
  const measuredS = stoppedEarly ? Math.max(0, Math.min(durationS, (stoppedAtMs - t0Ms) / 1000 - warmupS)) : durationS;
  const orchEnd = orchCpuAt.get(warmupS + durationS) ?? process.cpuUsage();
  const orchStart = orchCpuAt.get(warmupS) ?? orchCpu0;
  const orchCpuS = (orchEnd.user - orchStart.user + orchEnd.system - orchStart.system) / 1e6;
  return buildResult(ctx, t, {
    label,
    t0Ms,
    rate,
    warmupS,
    durationS,
    measuredS,
    windows: dones.map((d) => d.window),
    series,
    sampler,
    planned,
    dateShiftS,
    orchCpuS,
    pgActivity: pgTop ? { samples: pgSamples, top: pgTop.slice(0, 25) } : undefined,
    pgTables: tables,
  });
}

function buildResult(
  ctx: RunCtx,
  t: TargetCtx,
  a: {
    label: string;
    t0Ms: number;
    rate: number;
    warmupS: number;
    durationS: number;
    measuredS: number;
    windows: WindowStatsJson[];
    series: SecPoint[];
    sampler: CpuSampler;
    planned: Array<Extract<FromWorker, { type: 'planned' }>>;
    dateShiftS: number;
    orchCpuS: number;
    pgActivity?: StepResult['pgActivity'];
    pgTables?: StepResult['pgTables'];
  },
): StepResult {
  const { o } = ctx;
  const ws = a.windows;
  const sumOf = (f: (w: WindowStatsJson) => number) => ws.reduce((s, w) => s + f(w), 0);
  const merge = (f: (w: WindowStatsJson) => Parameters<Histogram['merge']>[0]) => {
    const h = new Histogram();
    for (const w of ws) h.merge(f(w));
    return h;
  };
  const measuredS = a.measuredS || a.durationS;
  const inWindow = a.series.filter((p) => p.t >= a.warmupS && p.t < a.warmupS + measuredS);
  const stageReport = (k: number | 'e2e'): StageReport => {
    const h = k === 'e2e' ? merge((w) => w.e2e) : merge((w) => w.stages[k]!);
    const errors: Record<string, number> = {};
    let timeouts = 0;
    for (const w of ws) {
      const list = k === 'e2e' ? w.stageErrors : [w.stageErrors[k]!];
      for (const e of list) for (const [c, n] of Object.entries(e)) errors[c] = (errors[c] ?? 0) + n;
      timeouts += k === 'e2e' ? w.stageTimeouts.reduce((x, y) => x + y, 0) : w.stageTimeouts[k]!;
    }
    const errorCount = Object.values(errors).reduce((x, y) => x + y, 0);
    const s = summarise(h);
    return {
      ...s,
      rate: inWindow.reduce((acc, p) => acc + (k === 'e2e' ? p.completed : p.stageCounts[k]!), 0) / measuredS,
      timeouts,
      errorCount,
      errors,
      shareOver1sInclTimeouts: h.n + timeouts === 0 ? 0 : (h.over1s + timeouts) / (h.n + timeouts),
    };
  };
  const byCode: Record<string, number> = {};
  for (const w of ws)
    w.stageErrors.forEach((e, k) => Object.entries(e).forEach(([c, n]) => (byCode[`${STAGES[k]}:${c}`] = (byCode[`${STAGES[k]}:${c}`] ?? 0) + n)));
  const payeeErrors: Record<string, number> = {};
  for (const w of ws) for (const [c, n] of Object.entries(w.payeeErrors)) payeeErrors[c] = (payeeErrors[c] ?? 0) + n;
  const ack: Record<string, LatencySummary> = {};
  for (const k of ACK_KINDS) ack[k] = summarise(merge((w) => w.ack[k]!));
  const lag = merge((w) => w.lag);
  const completed = sumOf((w) => w.completed);
  const planned = sumOf((w) => w.planned);
  const started = sumOf((w) => w.started);
  const failed = sumOf((w) => w.failed);
  const aborted = sumOf((w) => w.aborted);
  const throughputCount = inWindow.reduce((s, p) => s + p.completed, 0);
  const ws0 = a.warmupS;
  const ws1 = a.warmupS + Math.round(measuredS);
  const hubS = t.kind === 'hub' ? a.sampler.between('hub', ws0, ws1) : undefined;
  const hubNodesS = t.kind === 'hub' ? a.sampler.nodesBetween(ws0, ws1) : undefined;
  const brokerS = t.kind === 'hub' ? a.sampler.between('broker', ws0, ws1) : undefined;
  const pgS = t.kind === 'hub' ? a.sampler.between('pg', ws0, ws1) : undefined;
  const pgAllS = t.kind === 'hub' ? a.sampler.between('pgAll', ws0, ws1) : undefined;
  const relayS = t.kind === 'relay' ? a.sampler.between('relay', ws0, ws1) : undefined;
  const generatorS = sumOf((w) => w.cpuMsWindow) / 1000 + a.orchCpuS;
  const machineS = a.sampler.between('machine', ws0, ws1);
  const rssAt = (sec: number) => a.sampler.samples.get(sec)?.rss;
  const rss = { start: rssAt(ws0), end: rssAt(ws1) ?? rssAt(ws1 - 1), max: Math.max(0, ...[...a.sampler.samples.values()].map((x) => x.rss ?? 0)) };
  const othersS = machineS === undefined ? undefined : Math.max(0, machineS - (hubS ?? 0) - (pgAllS ?? 0) - (relayS ?? 0) - (brokerS ?? 0) - generatorS);
  const per = (s: number | undefined) => (s === undefined || throughputCount === 0 ? undefined : (s * 1000) / throughputCount);
  const lagP99 = lag.percentileMs(99);
  const lagMax = lag.maxMs();
  const eldP99 = Math.max(...ws.map((w) => w.eldP99Ms));
  const eldMax = Math.max(...ws.map((w) => w.eldMaxMs));
  // Saturated = the generator could not hold the open-loop schedule (it would silently turn closed-loop).
  const notes: string[] = [];
  if (lag.n && lagP99 > 100) notes.push(`scheduling lag p99 ${fmt(lagP99, 1)} ms > 100 ms`);
  if (lag.n && lagMax > 1000) notes.push(`scheduling lag max ${fmt(lagMax, 0)} ms > 1 s`);
  if (started < planned && aborted === 0) notes.push(`${planned - started} planned payments never started`);
  const genCores = generatorS / measuredS;
  if (genCores > 0.95 * o.workers) notes.push(`generator used ${fmt(genCores, 2)} cores with ${o.workers} worker(s)`);
  const saturated = notes.length > 0;
  if (!saturated && lag.n && lagP99 > 20) notes.push(`warning: scheduling lag p99 ${fmt(lagP99, 1)} ms (CPU contention?)`);
  const stages = { discovery: stageReport(0), agreement: stageReport(1), transfer: stageReport(2), endToEnd: stageReport('e2e') };
  const signatureFailures = sumOf((w) => w.signatureFailures);
  if (signatureFailures > 0) byCode['signature:invalid'] = signatureFailures;
  const errorsTotal = Object.values(byCode).reduce((x, y) => x + y, 0);
  const barNotes: string[] = [];
  if (stages.transfer.shareOver1sInclTimeouts >= 0.01)
    barNotes.push(`${(stages.transfer.shareOver1sInclTimeouts * 100).toFixed(2)}% of transfer stages over 1 s`);
  if (errorsTotal > 0) barNotes.push(`${errorsTotal} errors`);
  if (planned > 0 && completed < 0.99 * planned) barNotes.push(`only ${completed} of ${planned} payments completed`);
  if (throughputCount / measuredS < 0.95 * a.rate) barNotes.push(`only ${fmt(throughputCount / measuredS)} complete payments/s of ${fmt(a.rate)}/s offered`);
  if (saturated) barNotes.push('generator saturated');
  if (a.measuredS < a.durationS) barNotes.push('interrupted');
  const sign = a.planned.map((p) => p.sign).filter((s): s is NonNullable<typeof s> => !!s);
  const hubPlusPg = hubS !== undefined && pgS !== undefined ? hubS + pgS : undefined;
  const achievedRate = throughputCount / measuredS;
  const targets: StepResult['targets'] = {
    'complete payments/s ≥ 1000': { value: achievedRate, target: '≥ 1000', ok: achievedRate >= 1000 },
    'transfer stages over 1 s < 1%': { value: stages.transfer.shareOver1sInclTimeouts, target: '< 0.01', ok: stages.transfer.shareOver1sInclTimeouts < 0.01 },
    'zero errors': { value: errorsTotal, target: '0', ok: errorsTotal === 0 },
  };
  if (hubPlusPg !== undefined) {
    const v = per(hubPlusPg)!;
    targets['hub + PostgreSQL CPU ≤ 2 ms per payment'] = { value: v, target: '≤ 2', ok: v <= 2 };
  }
  return {
    target: t.kind,
    label: a.label,
    t0Ms: a.t0Ms,
    offeredRate: a.rate,
    warmupS: a.warmupS,
    durationS: a.durationS,
    measuredS,
    planned,
    started,
    completed,
    failed,
    aborted,
    achievedRate,
    completedShare: planned ? completed / planned : 0,
    stages,
    ack,
    errors: {
      total: errorsTotal,
      byCode,
      samples: ws.flatMap((w) => w.errorSamples).slice(0, 20),
      payeeErrors,
      late: sumOf((w) => w.late),
      unexpected: sumOf((w) => w.unexpected),
    },
    generator: {
      workers: o.workers,
      lagP50: lag.percentileMs(50),
      lagP99,
      lagMax,
      eventLoopP99: eldP99,
      eventLoopMax: eldMax,
      connects: sumOf((w) => w.connectsWindow),
      connectErrors: sumOf((w) => w.connectErrorsWindow),
      accepted: sumOf((w) => w.acceptedWindow),
      closes: ws.reduce<Record<string, number>>((acc, w) => {
        for (const [k, n] of Object.entries(w.closesWindow)) acc[k] = (acc[k] ?? 0) + n;
        return acc;
      }, {}),
      cpuS: generatorS,
      saturated,
      notes,
    },
    cpu: {
      windowS: measuredS,
      hubS,
      ...(hubNodesS ? { hubNodesS } : {}),
      ...(brokerS !== undefined ? { brokerS } : {}),
      pgS,
      pgAllS,
      relayS,
      generatorS,
      machineS,
      othersS,
      cores: availableParallelism(),
      rssMiB: rss,
      perPaymentMs: {
        hub: per(hubS),
        ...(hubNodesS ? { hubNodes: hubNodesS.map(per) } : {}),
        ...(brokerS !== undefined ? { broker: per(brokerS) } : {}),
        pg: per(pgS),
        hubPlusPg: per(hubPlusPg),
        pgAll: per(pgAllS),
        relay: per(relayS),
        generator: per(generatorS),
      },
    },
    signing: {
      enabled: o.sign,
      signedAhead: sign.reduce((s, x) => s + x.signatures, 0),
      signWallS: Math.max(0, ...sign.map((x) => x.wallMs / 1000)),
      signCpuS: sign.reduce((s, x) => s + x.cpuMs, 0) / 1000,
      store: [...new Set(sign.map((x) => x.store))].join(',') || '-',
      liveSigns: sumOf((w) => w.liveSigns),
      verified: sumOf((w) => w.verified),
      signatureFailures,
      dateShiftS: a.dateShiftS,
    },
    pgActivity: a.pgActivity,
    pgTables: a.pgTables,
    meetsLatencyBar: barNotes.length === 0,
    barNotes,
    targets,
    series: a.series,
  };
}

// ---- set-up of a target -------------------------------------------------------------------------------------------

/** --await-go: says so on stdout and resolves on a line "go" on stdin. */
function awaitGo(): Promise<void> {
  log('hub: provisioned; waiting for go');
  return new Promise((resolveP, reject) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() !== 'go') return;
      resolveP(); // first: close() emits 'close' at once
      lines.close();
      process.stdin.pause();
    });
    lines.once('close', () => reject(new Error('--await-go: stdin closed before "go"')));
  });
}

async function setupHubTarget(ctx: RunCtx, hubUrl: string, adminUrl: string, cpu: () => CpuSampler, pgDb?: string): Promise<TargetCtx> {
  const { o } = ctx;
  log(`hub: starting ${o.workers} generator worker(s) with ${ctx.dfsps.length} simulated DFSPs`);
  const { set, ready } = await WorkerSet.spawn(workerInits(ctx, hubUrl, o.hubs), o.workerNodeArgs);
  const servers = Object.assign({}, ...ready.map((r) => r.servers)) as Record<string, string>;
  const admin = new AdminClient(adminUrl, { timeoutMs: 60_000 });
  log(`hub: provisioning ${ctx.dfsps.length} DFSPs (accounts, limits, funds in, callback endpoints)`);
  await ensureHubSetup(admin, o.hubName, o.currency);
  const big = '1000000000000';
  for (let k = 0; k < ctx.dfsps.length; k += 5) {
    await Promise.all(
      ctx.dfsps
        .slice(k, k + 5)
        .map((d) =>
          provisionDfsp(
            admin,
            { name: d.name, currency: o.currency, ndc: big, fundsIn: big, callbackBase: servers[d.name] },
            { hubName: o.hubName, timeoutMs: 60_000 },
          ),
        ),
    );
  }
  if (o.sign) {
    const r = await admin.call('POST', `/participants/${encodeURIComponent(ctx.dfsps[0]!.name)}/jwsKeys`, { publicKey: ctx.dfsps[0]!.publicKeyPem });
    if (r.status >= 200 && r.status < 300) {
      for (const d of ctx.dfsps.slice(1))
        await admin.expect('POST', `/participants/${encodeURIComponent(d.name)}/jwsKeys`, { publicKey: d.publicKeyPem }, [200, 201, 204]);
      const probe = await probeJwsVerification(hubUrl, ctx.dfsps[0]!.name, o);
      ctx.summary.signing.hubVerifying = probe.verifying;
      ctx.summary.signing.note += `. Hub: JWS public keys registered (POST /participants/{name}/jwsKeys); ${probe.detail}`;
      log(`hub: JWS public keys registered (POST /participants/{name}/jwsKeys); ${probe.detail}`);
    } else {
      ctx.summary.signing.hubVerifying = false;
      ctx.summary.signing.note += `. Hub: POST /participants/{name}/jwsKeys → HTTP ${r.status}: no JWS key registry — the hub is NOT verifying`;
      log(`hub: POST /participants/{name}/jwsKeys → HTTP ${r.status}: the hub has no JWS key registry — messages are signed but the hub is NOT verifying them`);
    }
  }
  if (o.awaitGo) await awaitGo();
  if (!o.transferOnly) await registerAllParties(ctx, set);
  return {
    kind: 'hub',
    url: hubUrl,
    workers: set,
    signMs: avg(ready.map((r) => r.signMs)),
    cpu,
    pgActivity: pgDb ? { adminUrl: o.pgUrl, db: pgDb } : undefined,
  };
}

async function registerAllParties(ctx: RunCtx, set: WorkerSet): Promise<void> {
  log(`hub: registering ${ctx.dfsps.length * ctx.o.parties} parties in the ALS (batch POST /participants)`);
  const regP = set.collect('registered', 300_000);
  set.broadcast({ type: 'register', batchSize: 1000, timeoutMs: 120_000 });
  const reg = await regP;
  const errors = reg.flatMap((r) => r.errors);
  if (errors.length) throw new Error(`party registration failed:\n  ${errors.slice(0, 10).join('\n  ')}`);
  log(`hub: ${reg.reduce((s, r) => s + r.parties, 0)} parties registered`);
}

async function setupRelayTarget(ctx: RunCtx, outDir: string): Promise<{ t: TargetCtx; relay: ChildProcess }> {
  const { o } = ctx;
  const path = fileURLToPath(new URL('./relay.js', import.meta.url));
  const relay = spawn(process.execPath, [path, '--host', o.bindHost, '--port', '0', '--hub-name', o.hubName], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  children.add(relay);
  relay.once('exit', () => children.delete(relay));
  const url = await new Promise<string>((resolveP, reject) => {
    const timer = setTimeout(() => reject(new Error('relay did not start within 15 s')), 15_000);
    createInterface({ input: relay.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      try {
        resolveP((JSON.parse(line) as { relay: string }).relay);
      } catch (err) {
        reject(err);
      }
    });
    relay.once('exit', (code) => reject(new Error(`relay exited with ${code}`)));
  });
  log(`relay: listening at ${url} (pid ${relay.pid}); starting ${o.workers} generator worker(s)`);
  const { set, ready } = await WorkerSet.spawn(workerInits(ctx, url), o.workerNodeArgs);
  const servers = Object.assign({}, ...ready.map((r) => r.servers)) as Record<string, string>;
  const parties: Record<string, string> = {};
  for (const d of ctx.dfsps) for (const p of d.parties) parties[`MSISDN/${p}`] = d.name;
  const res = await request(`${url}/_relay/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ dfsps: servers, parties, hubName: o.hubName }),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`relay config → ${res.statusCode} ${text}`);
  void outDir;
  const cpu = () => new CpuSampler({ relayPid: relay.pid, pgAll: false });
  return { t: { kind: 'relay', url, workers: set, signMs: avg(ready.map((r) => r.signMs)), cpu, relayUrl: url }, relay };
}

/**
 * Is the hub verifying signatures? A POST /quotes from a DFSP with a registered key but a corrupted signature
 * (to an unknown destination, so nothing is forwarded): 400/3105 = verifying, 202 = not.
 */
async function probeJwsVerification(hubUrl: string, source: string, o: Options): Promise<{ verifying: boolean | null; detail: string }> {
  const body = JSON.stringify({
    amount: { amount: '1', currency: o.currency },
    amountType: 'SEND',
    payee: { partyIdInfo: { fspId: 'nosuchfsp', partyIdType: 'MSISDN', partyIdentifier: '123456789' } },
    payer: { partyIdInfo: { fspId: source, partyIdType: 'MSISDN', partyIdentifier: '987654321' } },
    quoteId: '00000000-0000-4000-8000-000000000001',
    transactionId: '00000000-0000-4000-8000-000000000002',
    transactionType: { initiator: 'PAYER', initiatorType: 'CONSUMER', scenario: 'TRANSFER' },
  });
  const date = new Date().toUTCString();
  const ph = Buffer.from(
    JSON.stringify({
      alg: 'RS256',
      'FSPIOP-URI': '/quotes',
      'FSPIOP-HTTP-Method': 'POST',
      'FSPIOP-Source': source,
      'FSPIOP-Destination': 'nosuchfsp',
      Date: date,
    }),
  ).toString('base64url');
  try {
    const res = await request(`${hubUrl}/quotes`, {
      method: 'POST',
      headers: {
        'content-type': `application/vnd.interoperability.quotes+json;version=${o.version}`,
        accept: `application/vnd.interoperability.quotes+json;version=${o.version.split('.')[0]}`,
        date,
        'fspiop-source': source,
        'fspiop-destination': 'nosuchfsp',
        'fspiop-uri': '/quotes',
        'fspiop-http-method': 'POST',
        'fspiop-signature': JSON.stringify({ protectedHeader: ph, signature: randomBytes(256).toString('base64url') }),
      },
      body,
    });
    const text = await res.body.text();
    if (res.statusCode === 400 && /"3105"/.test(text))
      return { verifying: true, detail: 'the hub verifies signatures (a corrupted signature was refused with 400/3105)' };
    if (res.statusCode === 202) return { verifying: false, detail: 'the hub is NOT verifying signatures (a corrupted signature was accepted with 202)' };
    return { verifying: null, detail: `verification unknown: a corrupted signature got HTTP ${res.statusCode} ${text.slice(0, 200)}` };
  } catch (err) {
    return { verifying: null, detail: `verification unknown: ${err instanceof Error ? err.message : String(err)}` };
  }
}

const avg = (xs: Array<number | undefined>) => {
  const v = xs.filter((x): x is number => x !== undefined);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
};

async function runTarget(ctx: RunCtx, t: TargetCtx): Promise<void> {
  const { o } = ctx;
  if (o.probe) {
    log(`[${t.kind}] probe: one payment per worker`);
    const r = await runStep(ctx, t, o.workers, 'probe', 0, 1, true);
    if (r.completed < r.planned) {
      throw new Error(
        `[${t.kind}] probe payment failed (${codes(r.errors.byCode)}):\n  ${r.errors.samples.join('\n  ') || 'no detail'}` +
          (r.errors.late || r.errors.unexpected ? `\n  late callbacks ${r.errors.late}, unexpected requests ${r.errors.unexpected}` : ''),
      );
    }
    log(`[${t.kind}] probe ok: end to end ${fmt(r.stages.endToEnd.max)} ms`);
  }
  const run = async (rate: number, label: string) => {
    log(`[${t.kind}] step ${label}: ${fmt(rate)} payments/s, warm-up ${o.warmupS} s, measured ${o.durationS} s`);
    const r = await runStep(ctx, t, rate, label, o.warmupS, o.durationS);
    if (t.relayUrl) {
      try {
        const res = await request(`${t.relayUrl}/_relay/stats`);
        r.relayStats = await res.body.json();
      } catch {
        /* optional */
      }
    }
    ctx.summary.steps.push(r);
    log('\n' + stepTable(r) + '\n');
    return r;
  };
  if (o.knee) {
    let rate = o.rate;
    let best: number | undefined;
    let failedAt: number | undefined;
    for (let k = 0; k < o.kneeMaxSteps && !interrupted && rate <= o.kneeMaxRate; k++) {
      const r = await run(rate, `knee ${k + 1}`);
      if (r.meetsLatencyBar) {
        best = rate;
        rate = Math.round(rate * o.kneeFactor);
      } else {
        failedAt = rate;
        break;
      }
    }
    if (!interrupted && best !== undefined && failedAt !== undefined) {
      const mid = Math.round((best + failedAt) / 2);
      if (mid > best && mid < failedAt) {
        const r = await run(mid, 'knee refine');
        if (r.meetsLatencyBar) best = mid;
        else failedAt = mid;
      }
    }
    ctx.kneeSearch[t.kind] = { best: best ?? null, firstFail: failedAt ?? null };
    return;
  }
  const rates = o.rates ?? [o.overload ? 2 * o.rate : o.rate];
  for (const [k, rate] of rates.entries()) {
    if (interrupted) break;
    await run(rate, o.overload && !o.rates ? `overload 2x ${fmt(o.rate)}/s` : rates.length > 1 ? `step ${k + 1}` : 'steady');
  }
}

// ---- main -----------------------------------------------------------------------------------------------------------

async function machineInfo(o: Options): Promise<Record<string, unknown>> {
  const m: Record<string, unknown> = {
    hostname: hostname(),
    nproc: availableParallelism(),
    cpuModel: cpuModel(),
    cpus: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
  };
  try {
    m.loadavg = (await import('node:os')).loadavg().map((x) => Math.round(x * 100) / 100);
    const pg = await pgSettings(o.pgUrl);
    m.postgres = { version: pg.version, ...pg.settings };
  } catch (err) {
    m.postgres = `unavailable: ${err instanceof Error ? err.message : String(err)}`;
  }
  return m;
}

async function makeDfsps(o: Options): Promise<RunCtx['dfsps']> {
  const tag = letters(4);
  const prefix = `7${String(randomInt(100_000, 999_999))}`;
  const list: RunCtx['dfsps'] = [];
  for (let j = 0; j < o.dfsps; j++) {
    const parties = Array.from({ length: o.parties }, (_, p) => `${prefix}${String(j).padStart(2, '0')}${String(p).padStart(6, '0')}`);
    list.push({ name: `ld${tag}${String(j).padStart(2, '0')}`, parties, ilpSecret: randomBytes(24).toString('base64url') });
  }
  if (o.sign) {
    await Promise.all(
      list.map(
        (d) =>
          new Promise<void>((resolveP, reject) =>
            generateKeyPair(
              'rsa',
              { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } },
              (err, pub, priv) => {
                if (err) return reject(err);
                d.publicKeyPem = pub;
                d.privateKeyPem = priv;
                resolveP();
              },
            ),
          ),
      ),
    );
  }
  return list;
}

async function main(): Promise<number> {
  let o: Options;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`load: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const outDir = resolve(o.out);
  mkdirSync(outDir, { recursive: true });
  const summary: Summary = {
    tool: 'mizani conformance/load',
    startedAt: new Date().toISOString(),
    command: ['node', ...process.argv.slice(1)].join(' '),
    machine: await machineInfo(o),
    options: { ...o, hubEnv: o.hubEnv },
    signing: {
      enabled: o.sign,
      hubVerifying: null,
      note: o.sign
        ? "RS256 FSPIOP-Signature on every POST/PUT of the payment (POST /quotes, PUT /parties, PUT /quotes, POST /transfers, PUT /transfers); all signatures are computed ahead of the measured window from pre-built messages (Date headers and timestamps are those of the planned start), so the DFSPs' signing CPU is not on the measured path"
        : 'messages are not signed (--sign not given)',
    },
    steps: [],
    knee: { hub: null, relay: null, note: '' },
    efficiency: { ratio: null, hubRate: null, relayRate: null, basis: '' },
    interrupted: false,
    notes: [],
  };
  const pgInfo = summary.machine.postgres as Record<string, string> | string;
  if (typeof pgInfo === 'object') {
    for (const k of ['fsync', 'synchronous_commit']) {
      if (pgInfo[k] !== 'on') summary.notes.push(`PostgreSQL ${k} is "${pgInfo[k]}", not "on": the run is not durable and not comparable`);
    }
  }
  const ctx: RunCtx = { o, dfsps: [], summary, kneeSearch: {} };
  let hub: HubChild | undefined;
  let dbName: string | undefined;
  let exitCode = 0;

  let sigints = 0;
  process.on('SIGINT', () => {
    sigints++;
    interrupted = true;
    summary.interrupted = true;
    if (sigints === 1) {
      log('\ninterrupted: stopping the current step (Ctrl-C again to quit at once)');
      stopCurrent?.();
    } else {
      for (const c of children) c.kill('SIGKILL');
      hub?.child.kill('SIGKILL');
      process.exit(130);
    }
  });
  process.on('SIGTERM', () => {
    interrupted = true;
    summary.interrupted = true;
    stopCurrent?.();
  });

  try {
    ctx.dfsps = await makeDfsps(o);
    if (!o.relayOnly) {
      let hubUrl = o.hub;
      let adminUrl = o.admin;
      let hubPid = o.hubPid;
      let hubPids = o.hubPids;
      let resolvePids = () => undefined as void;
      let pgDb = o.pgDb;
      if (o.startHub) {
        dbName = `mizani_load_${Date.now().toString(36)}_${hexRandom(4)}`;
        const dbUrl = await createDatabase(o.pgUrl, dbName);
        pgDb = dbName;
        const secEnv: Record<string, string> = {};
        if (o.sign) {
          secEnv.MIZANI_JWS_VERIFY = 'on';
          if (o.hubSign) {
            const kp = await new Promise<{ pub: string; priv: string }>((resolveP, reject) =>
              generateKeyPair(
                'rsa',
                { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } },
                (err, pub, priv) => (err ? reject(err) : resolveP({ pub, priv })),
              ),
            );
            const keyFile = join(outDir, 'hub-jws-signing-key.pem');
            writeFileSync(keyFile, kp.priv, { mode: 0o600 });
            secEnv.MIZANI_JWS_SIGNING_KEY = keyFile;
            ctx.hubPublicKeyPem = kp.pub;
          }
        }
        log(`hub: database ${dbName} created; starting node ${[...o.hubNodeArgs, 'dist/switch/cli.js', 'start'].join(' ')} (log: ${join(outDir, 'hub.log')})`);
        hub = await startHubChild({
          env: { MIZANI_DATABASE_URL: dbUrl, MIZANI_HUB_NAME: o.hubName, ...secEnv, ...o.hubEnv },
          nodeArgs: o.hubNodeArgs,
          logFile: join(outDir, 'hub.log'),
          host: o.bindHost,
        });
        children.add(hub.child);
        hubUrl = hub.fspiopUrl;
        adminUrl = hub.adminUrl;
        hubPid = hub.pid;
        summary.hub = {
          started: true,
          fspiop: hubUrl,
          admin: adminUrl,
          pid: hubPid,
          database: dbName,
          env: { MIZANI_DATABASE_URL: dbUrl, ...secEnv, ...o.hubEnv },
          nodeArgs: o.hubNodeArgs,
        };
        log(`hub: ready at ${hubUrl} (admin ${adminUrl}, pid ${hubPid})`);
      } else {
        const local = (url: string) => {
          const u = new URL(url);
          return ['127.0.0.1', 'localhost', '[::1]', '0.0.0.0'].includes(u.hostname) ? pidListeningOn(Number(u.port || 80)) : undefined;
        };
        // Several nodes without --hub-pid: the listeners of their ports, looked up when a step starts (a node may be
        // started after the generator: --await-go).
        resolvePids = () => {
          if (hubPids.length === o.hubs.length) return;
          const found = o.hubs.map(local);
          if (found.every((p) => p !== undefined)) {
            hubPids = found as number[];
            summary.hub!.nodes = o.hubs.map((url, k) => ({ fspiop: url, pid: hubPids[k] }));
            summary.hub!.pid = hubPids[0];
            summary.notes = summary.notes.filter((n) => !n.startsWith('hub pid unknown'));
          }
        };
        if (!hubPid) hubPid = hubPids[0] ?? (o.hubs.length > 1 ? undefined : local(hubUrl!));
        summary.hub = {
          started: false,
          fspiop: o.hubs.length > 1 ? o.hubs.join(',') : hubUrl,
          admin: adminUrl,
          pid: hubPid ?? null,
          ...(hubPids.length > 1 ? { nodes: o.hubs.map((url, k) => ({ fspiop: url, pid: hubPids[k] })) } : {}),
          ...(o.brokerPid ? { brokerPid: o.brokerPid } : {}),
          database: pgDb ?? null,
        };
        if (!hubPid || (o.hubs.length > 1 && hubPids.length !== o.hubs.length)) summary.notes.push('hub pid unknown (--hub-pid): hub CPU not measured');
        if (!pgDb) summary.notes.push('hub database unknown (--pg-db): PostgreSQL CPU reported for all postgres processes only');
      }
      const cpu = () => {
        resolvePids();
        return new CpuSampler({
          ...(o.hubs.length > 1 ? (hubPids.length === o.hubs.length ? { hubPids } : {}) : { hubPid }),
          brokerPid: o.brokerPid,
          pgAdminUrl: o.pgUrl,
          pgDb,
          pgAll: true,
        });
      };
      const t = await setupHubTarget(ctx, hubUrl!, adminUrl!, cpu, pgDb);
      try {
        await runTarget(ctx, t);
      } finally {
        await t.workers.close();
      }
      if (pgDb && !interrupted) {
        // Every transfer the hub accepted must reach a final state by its expiry (the seeds' invariant).
        log(`[hub] waiting for every accepted transfer to reach a final state (at most ${o.expiryS + 30} s)`);
        summary.finalStates = await settleTransfers(o.pgUrl, pgDb, (o.expiryS + 30) * 1000);
        const f = summary.finalStates;
        log(
          `[hub] transfers after the run: ${
            Object.entries(f.states)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ') || 'none'
          }; not final: ${f.notFinal} (after ${fmt(f.waitedS, 0)} s)`,
        );
        if (f.notFinal > 0) summary.notes.push(`${f.notFinal} transfer(s) still RECEIVED/RESERVED ${fmt(f.waitedS, 0)} s after the run`);
      }
      if (hub && hub.child.exitCode !== null) summary.notes.push(`the hub exited during the run (code ${hub.child.exitCode}); see hub.log`);
    }
    if (o.relay && !interrupted) {
      const { t, relay } = await setupRelayTarget(ctx, outDir);
      try {
        await runTarget(ctx, t);
      } finally {
        await t.workers.close();
        relay.kill('SIGTERM');
      }
    }
  } catch (err) {
    exitCode = 1;
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`load: ${msg}\n`);
    summary.notes.push(`aborted: ${msg}`);
    if (hub) process.stderr.write(`hub log tail (${hub.logFile}):\n${tail(hub.logFile)}\n`);
  } finally {
    if (hub) {
      const code = await hub.stop();
      if (code !== 0 && code !== null) summary.notes.push(`hub exit code ${code}`);
      const scan = await scanLog(hub.logFile);
      summary.hubLog = { file: hub.logFile, ...scan };
      const problems = (scan.byLevel['40'] ?? 0) + (scan.byLevel['50'] ?? 0) + (scan.byLevel['60'] ?? 0);
      if (problems)
        summary.notes.push(
          `hub logged ${scan.byLevel['40'] ?? 0} warning(s), ${(scan.byLevel['50'] ?? 0) + (scan.byLevel['60'] ?? 0)} error(s); first: ${scan.firstProblems[0]}`,
        );
    }
    if (dbName && !o.keepDb) {
      await dropDatabase(o.pgUrl, dbName).catch((err) =>
        process.stderr.write(`load: could not drop ${dbName}: ${err instanceof Error ? err.message : String(err)}\n`),
      );
    } else if (dbName) summary.notes.push(`database ${dbName} kept (--keep-db)`);
  }

  // knee and efficiency
  const kneeOf = (target: 'hub' | 'relay') => {
    const ok = summary.steps.filter((r) => r.target === target && r.meetsLatencyBar);
    return ok.length ? Math.max(...ok.map((r) => r.offeredRate)) : null;
  };
  const lowerBound = (target: 'hub' | 'relay') => o.knee && ctx.kneeSearch[target] !== undefined && ctx.kneeSearch[target]!.firstFail === null;
  const boundNotes = (['hub', 'relay'] as const)
    .filter(lowerBound)
    .map((t) => `the ${t} ramp ended (--knee-steps / --knee-max-rate) before the bar failed: its knee is a lower bound`);
  summary.knee = {
    hub: kneeOf('hub'),
    relay: kneeOf('relay'),
    hubIsLowerBound: lowerBound('hub'),
    relayIsLowerBound: lowerBound('relay'),
    note: [
      o.knee ? 'from the --knee ramp' : summary.steps.length > 1 ? 'among the rates run' : 'only one rate run: use --rates or --knee to find it',
      ...boundNotes,
    ].join('; '),
  };
  if (summary.knee.hub !== null && summary.knee.relay !== null && o.knee) {
    summary.efficiency = {
      ratio: summary.knee.hub / summary.knee.relay,
      hubRate: summary.knee.hub,
      relayRate: summary.knee.relay,
      basis: `knee rates (highest rate meeting the latency bar)${lowerBound('relay') ? '; the relay knee is a lower bound, so the ratio is an upper bound' : ''}`,
    };
  } else {
    const hubSteps = summary.steps.filter((r) => r.target === 'hub');
    const relaySteps = summary.steps.filter((r) => r.target === 'relay');
    const common = hubSteps.filter((h) => relaySteps.some((r) => r.offeredRate === h.offeredRate)).map((h) => h.offeredRate);
    if (common.length) {
      const rate = Math.max(...common);
      const h = hubSteps.find((x) => x.offeredRate === rate)!;
      const r = relaySteps.find((x) => x.offeredRate === rate)!;
      summary.efficiency = {
        ratio: r.achievedRate > 0 ? h.achievedRate / r.achievedRate : null,
        hubRate: h.achievedRate,
        relayRate: r.achievedRate,
        basis: `achieved complete payments/s at the same offered rate ${fmt(rate)}/s (a ratio near 1 only says both kept up: use --knee for capacity)`,
      };
    }
  }
  for (const r of summary.steps) {
    if (r.target !== 'hub') continue;
    if (summary.efficiency.ratio !== null)
      r.targets['efficiency hub/relay ≥ 0.5'] = { value: summary.efficiency.ratio, target: '≥ 0.5', ok: summary.efficiency.ratio >= 0.5 };
  }
  summary.finishedAt = new Date().toISOString();
  writeFileSync(join(outDir, 'summary.json'), JSON.stringify(summary, null, 2));
  writeFileSync(join(outDir, 'report.html'), renderHtml(summary));
  log('\n' + summaryTable(summary));
  for (const n of summary.notes) log(`note: ${n}`);
  log(`\nwrote ${join(outDir, 'summary.json')} and ${join(outDir, 'report.html')}`);
  return exitCode || (interrupted ? 130 : 0);
}

process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`load: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    for (const c of children) c.kill('SIGKILL');
    process.exit(1);
  },
);
