#!/usr/bin/env node
// Issue 12's speed proof (docs/benchmarks.md, "Settlement"): closing a settlement window that holds N committed
// transfers (default 1,000,000) and creating a deferred net settlement over it each take under 1 s, and transfers
// clearing meanwhile see no pause (transfer-stage p99 in the seconds around the close within 10 % of before).
// Mojaloop takes minutes to close a window of ~100,000 transfers (mojaloop/project#4445).
//
//   node scripts/bench-settlement.mjs [--transfers 1000000] [--repeat 3] [--rate 100] [--no-sign] [--out DIR]
//
// One private PostgreSQL database (dropped at the end unless --keep-db), then per repetition:
//   1. fill: with the hub stopped, N transfers are prepared and committed between --dfsps fill DFSPs by the ledger's
//      own write path, in this process: ledger/engine.ts LedgerEngine (the hub's single writer, taking the writer
//      lock) with a large group-commit batch (--batch). Transfer rows, journal entries, balances, window assignment
//      and window_flow are exactly what the hub writes for those transfers (only the FSPIOP messages are absent).
//   2. the hub (dist/switch/cli.js start) on that database, and the load generator (conformance/load, run.js
//      --hub/--admin) at --rate payments/s with its own --load-dfsps simulated DFSPs, signed like `bench.mjs quick`;
//   3. after --warmup + --before seconds, while the load runs: POST /v2/settlementWindows/{id} {state: CLOSED} (the
//      OPEN window: the fill's N transfers and the load's), POST /v2/settlements DEFAULTDEFERREDNET over it, then,
//      --gap seconds later, the four account steps (PUT /v2/settlements/{id}, every account, RECORDED → SETTLED);
//      every call's wall time is taken here, at the client.
// Repetition k's fill goes into the window repetition k-1 opened, so the ledger holds k × N transfers by then.
// Transfer stage = POST /transfers until the payer has PUT /transfers (conformance/load); "before" = the --before
// seconds ahead of the close, "during" = the seconds from the close's start to --around seconds after the create's
// end, merged over the repetitions from the generator's per-second histograms (--series-histograms). Also printed:
// the per-second p99 around the close, and "during" against blocks of "before" as long as it (like for like: a p99
// over 300 samples is not a p99 over 3,000).
// A benchmark, not a test: it prints figures and MET / MISSED per target, and exits 0 unless it could not measure.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;
const MODEL = 'DEFAULTDEFERREDNET';
const STEPS = ['PS_TRANSFERS_RECORDED', 'PS_TRANSFERS_RESERVED', 'PS_TRANSFERS_COMMITTED', 'SETTLED'];
const TRANSFER = 2; // conformance/load STAGES: discovery, agreement, transfer

const { values } = parseArgs({
  options: {
    transfers: { type: 'string' },
    repeat: { type: 'string' },
    dfsps: { type: 'string' },
    batch: { type: 'string' },
    rate: { type: 'string' },
    warmup: { type: 'string' },
    before: { type: 'string' },
    after: { type: 'string' },
    around: { type: 'string' },
    gap: { type: 'string' },
    'load-dfsps': { type: 'string' },
    parties: { type: 'string' },
    'no-sign': { type: 'boolean' },
    'no-steps': { type: 'boolean' },
    'fill-only': { type: 'boolean' },
    'no-build': { type: 'boolean' },
    'keep-db': { type: 'boolean' },
    'pg-url': { type: 'string' },
    currency: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (values.help) {
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8')
    .split('\n')
    .slice(1);
  const header = lines.slice(
    0,
    lines.findIndex((l) => !l.startsWith('//')),
  );
  process.stdout.write(header.map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.stdout.write(
    'Options: --transfers N (1000000) --repeat K (3) --dfsps F fill DFSPs (16) --batch B group-commit writes in the fill (10000)\n' +
      '  --rate R (100) --warmup S (10) --before S (30) --after S (30: measured seconds after the close starts) --around S (2)\n' +
      '  --gap S (3: before the account steps) --load-dfsps L (10) --parties P (100) --no-sign --no-steps --no-build --keep-db\n' +
      '  --fill-only (time the fill alone: no hub, no load, no settlement)\n' +
      '  --pg-url URL (postgres://postgres@127.0.0.1:5432/postgres) --currency USD --out DIR (load-results/settlement-<time>)\n',
  );
  process.exit(0);
}
const num = (name, fallback, min = 0) => {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} needs a number ≥ ${min}, got ${v}`);
  return n;
};
const o = {
  transfers: Math.floor(num('transfers', 1_000_000, 1)),
  repeat: Math.floor(num('repeat', 3, 1)),
  dfsps: Math.floor(num('dfsps', 16, 2)),
  batch: Math.floor(num('batch', 10_000, 1)),
  rate: num('rate', 100, 1),
  warmupS: num('warmup', 10),
  beforeS: num('before', 30, 5),
  afterS: num('after', 30, 5),
  aroundS: Math.floor(num('around', 2)),
  gapS: num('gap', 3),
  loadDfsps: Math.floor(num('load-dfsps', 10, 2)),
  parties: Math.floor(num('parties', 100, 1)),
  sign: !values['no-sign'],
  steps: !values['no-steps'],
  fillOnly: values['fill-only'] ?? false,
  keepDb: values['keep-db'] ?? false,
  pgUrl: values['pg-url'] ?? process.env.MIZANI_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  currency: values.currency ?? 'USD',
  out: resolve(values.out ?? join('load-results', `settlement-${new Date().toISOString().replace(/[:.]/g, '-')}`)),
  hubName: 'Hub',
};

if (!values['no-build']) {
  const b = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) console.error('tsc reported errors (continuing with what was emitted)');
}
const { createDatabase, dropDatabase, psql } = await import(dist('conformance/load/pg.js'));
const { startHubChild } = await import(dist('conformance/load/hub-process.js'));
const { Histogram } = await import(dist('conformance/load/hist.js'));
const { AdminClient, ensureHubSetup, provisionDfsp } = await import(dist('conformance/lib/admin.js'));
const { parseLedger } = await import(dist('ledger/units.js'));
/** Hubs started here: stopped on Ctrl-C too. */
const hubs = new Set();

const log = (s) => process.stdout.write(`${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (x, d = 1) =>
  x === undefined || x === null || Number.isNaN(x) ? '–' : x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

await main();

async function main() {
  mkdirSync(o.out, { recursive: true });
  const dbName = `mizani_stlbench_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
  const dbUrl = await createDatabase(o.pgUrl, dbName);
  process.once('SIGINT', () => {
    log('\ninterrupted: stopping the hub and dropping the database');
    void Promise.all([...hubs].map((h) => h.stop()))
      .then(() => (o.keepDb ? undefined : dropDatabase(o.pgUrl, dbName)))
      .finally(() => process.exit(130));
  });
  log(`database ${dbName}; results in ${o.out}`);
  const hubEnv = { MIZANI_DATABASE_URL: dbUrl, MIZANI_HUB_NAME: o.hubName, ...signingEnv() };
  const reps = [];
  let exitCode = 0;
  try {
    const names = await provisionFillDfsps(hubEnv);
    for (let k = 1; k <= o.repeat; k++) {
      log(`\n== repetition ${k} of ${o.repeat} ==`);
      const fill = await fillWindow(dbUrl, names);
      if (o.fillOnly) continue;
      reps.push({ k, fill, ...(await measure(k, hubEnv, dbUrl, dbName)) });
    }
  } catch (err) {
    exitCode = 1;
    process.stderr.write(`bench-settlement: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  } finally {
    if (o.keepDb) log(`database ${dbName} kept (--keep-db)`);
    else await dropDatabase(o.pgUrl, dbName).catch((err) => process.stderr.write(`could not drop ${dbName}: ${err.message}\n`));
  }
  if (reps.length > 0) report(reps);
  process.exit(exitCode);
}

/** MIZANI_JWS_VERIFY on and a hub signing key, as the load generator's --start-hub --sign sets them. */
function signingEnv() {
  if (!o.sign) return {};
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const file = join(o.out, 'hub-jws-signing-key.pem');
  writeFileSync(file, privateKey, { mode: 0o600 });
  return { MIZANI_JWS_VERIFY: 'on', MIZANI_JWS_SIGNING_KEY: file };
}

async function startHub(hubEnv, logName) {
  const hub = await startHubChild({ env: hubEnv, logFile: join(o.out, logName) });
  hubs.add(hub);
  const stop = hub.stop.bind(hub);
  hub.stop = () => stop().finally(() => hubs.delete(hub));
  return hub;
}

/** Hub accounts, the DEFAULTDEFERREDNET model and the fill DFSPs, through the Admin API as an operator would. */
async function provisionFillDfsps(hubEnv) {
  const hub = await startHub(hubEnv, 'hub-provision.log');
  try {
    const admin = new AdminClient(hub.adminUrl, { timeoutMs: 60_000 });
    await ensureHubSetup(admin, o.hubName, o.currency);
    const tag = Array.from({ length: 4 }, () => 'abcdefghijklmnopqrstuvwxyz'[randomInt(26)]).join('');
    const names = Array.from({ length: o.dfsps }, (_, j) => `fill${tag}${String(j).padStart(2, '0')}`);
    const big = '1000000000000';
    for (let k = 0; k < names.length; k += 4) {
      await Promise.all(
        names.slice(k, k + 4).map((name) => provisionDfsp(admin, { name, currency: o.currency, ndc: big, fundsIn: big }, { hubName: o.hubName })),
      );
    }
    log(`provisioned ${names.length} fill DFSPs (${names[0]} …), hub accounts and ${MODEL}`);
    return names;
  } finally {
    await hub.stop();
  }
}

// ---- the fill ---------------------------------------------------------------------------------------------------

/**
 * Prepares and commits `o.transfers` transfers between random pairs of the fill DFSPs with the hub's own ledger engine
 * (the hub is stopped: the engine takes the writer lock). Chunks of `o.batch` transfers: the prepares of a chunk go in
 * one group commit, its commits in the next, two chunks in flight so the writer is never idle.
 */
async function fillWindow(dbUrl, names) {
  const { openDb } = await import(dist('ledger/db.js'));
  const { Registry } = await import(dist('ledger/registry.js'));
  const { LedgerEngine } = await import(dist('ledger/engine.js'));
  const db = await openDb({ url: dbUrl, dataDir: '', poolSize: 2 });
  const registry = await Registry.load(db, o.hubName);
  const queue = 4 * o.batch + 10;
  const applied = { batches: 0, seconds: 0 };
  const observeBatch = (_size, seconds) => {
    applied.batches++;
    applied.seconds += seconds;
  };
  const engine = new LedgerEngine(db, registry, { maxBatch: o.batch, queueWritesMax: queue, inFlightTransfersMax: queue }, { observeBatch });
  await engine.load();
  const windowId = engine.openWindowId;
  const started = performance.now();
  let done = 0;
  let lastLog = started;
  const running = new Set();
  try {
    for (let k = 0; k < o.transfers; k += o.batch) {
      const chunk = fillChunk(engine, names, Math.min(o.batch, o.transfers - k)).then((n) => {
        done += n;
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          log(`fill: ${done.toLocaleString('en-US')} of ${o.transfers.toLocaleString('en-US')} committed (${fmt(done / ((lastLog - started) / 1000), 0)}/s)`);
        }
      });
      running.add(chunk);
      void chunk.finally(() => running.delete(chunk)).catch(() => undefined);
      if (running.size >= 2) await Promise.race(running);
    }
    await Promise.all(running);
  } finally {
    await engine.close();
    await db.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const held = await windowFacts(dbUrl, windowId, true);
  log(`fill: ${o.transfers.toLocaleString('en-US')} transfers committed into window ${windowId} in ${fmt(seconds)} s (${fmt(o.transfers / seconds, 0)}/s)`);
  log(`fill: ${applied.batches} group commits (mizani_apply) took ${fmt(applied.seconds)} s of it`);
  log(`fill: window ${windowId} holds ${held.transfers.toLocaleString('en-US')} transfers over ${held.pairs} account pairs; ledger ${held.ledger}`);
  return { windowId, transfers: o.transfers, seconds, rate: o.transfers / seconds, applySeconds: applied.seconds, batches: applied.batches, held };
}

async function fillChunk(engine, names, count) {
  const sha = (text) => createHash('sha256').update(text).digest('base64url');
  const now = Date.now();
  const expiration = new Date(now + 3_600_000).toISOString();
  const receivedAt = new Date(now).toISOString();
  const prepares = [];
  for (let i = 0; i < count; i++) {
    const p = randomInt(names.length);
    let q = randomInt(names.length - 1);
    if (q >= p) q++;
    const fulfilment = randomBytes(32).toString('base64url');
    const condition = createHash('sha256').update(Buffer.from(fulfilment, 'base64url')).digest('base64url');
    const amount = `${randomInt(1, 100)}.${String(randomInt(100)).padStart(2, '0')}`;
    const id = randomUUID();
    const body = JSON.stringify({ transferId: id, payerFsp: names[p], payeeFsp: names[q], amount: { amount, currency: o.currency }, condition, expiration });
    const input = {
      id,
      payer: names[p],
      payee: names[q],
      currency: o.currency,
      amount: parseLedger(amount),
      condition,
      expiration,
      expiresAt: now + 3_600_000,
    };
    prepares.push(
      engine.prepare({ ...input, prepareHash: sha(body), receivedAt }).then((outcome) => {
        if (outcome.kind !== 'reserved') throw new Error(`fill: prepare ${id} → ${outcome.kind} ${outcome.error?.message ?? ''}`);
        return { transfer: outcome.transfer, fulfilment };
      }),
    );
  }
  const reserved = await Promise.all(prepares);
  const completedAt = new Date().toISOString();
  await Promise.all(
    reserved.map(({ transfer, fulfilment }) =>
      engine.commit(transfer, {
        fulfilment,
        fulfilHash: sha(JSON.stringify({ transferState: 'COMMITTED', fulfilment, completedTimestamp: completedAt })),
        completedAt,
      }),
    ),
  );
  return count;
}

/**
 * What a window holds, from window_flow (an index read). With `ledger`, also the ledger's size: full counts of transfer
 * and journal_entry, so only while nothing is measured (after the fill, with the hub stopped).
 */
async function windowFacts(dbUrl, windowId, ledger = false) {
  const totals = ledger ? ', (SELECT count(*) FROM transfer), (SELECT count(*) FROM journal_entry), pg_size_pretty(pg_database_size(current_database()))' : '';
  const out = await psql(dbUrl, `SELECT coalesce(sum(transfers), 0), count(*)${totals} FROM window_flow WHERE window_id = ${Number(windowId)}`);
  const [transfers, pairs, rows, entries, size] = out.trim().split('\t');
  const facts = { transfers: Number(transfers), pairs: Number(pairs) };
  if (ledger) facts.ledger = `${Number(rows).toLocaleString('en-US')} transfers, ${Number(entries).toLocaleString('en-US')} journal entries, ${size}`;
  return facts;
}

// ---- one measured repetition ------------------------------------------------------------------------------------

async function measure(k, hubEnv, dbUrl, dbName) {
  const hub = await startHub(hubEnv, `hub-${k}.log`);
  log(`hub: ready at ${hub.fspiopUrl} (admin ${hub.adminUrl}, pid ${hub.pid})`);
  const outDir = join(o.out, `rep-${k}`);
  const durationS = o.beforeS + o.afterS;
  const args = [
    join(root, 'dist/conformance/load/run.js'),
    ...['--hub', hub.fspiopUrl, '--admin', hub.adminUrl, '--pg-db', dbName, '--pg-url', o.pgUrl, '--hub-pid', String(hub.pid)],
    ...['--rate', String(o.rate), '--warmup', String(o.warmupS), '--duration', String(durationS), '--dfsps', String(o.loadDfsps)],
    ...['--parties', String(o.parties), '--currency', o.currency, '--series-histograms', '--progress', '10', '--out', outDir],
    ...(o.sign ? ['--sign'] : []),
  ];
  log(`load: node ${args.map((a) => a.replace(root, '')).join(' ')}`);
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', (code) => r(code)));
  const t0 = new Promise((resolveT0, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      log(`  | ${line}`);
      const m = /^\[hub steady\] t0 ([\d.]+)/.exec(line);
      if (m) resolveT0(Number(m[1]));
    });
    void exited.then((code) => reject(new Error(`the load generator exited (${code}) before its step started`)));
  });
  try {
    const t0Ms = await t0;
    const actions = await settle(hub.adminUrl, dbUrl, t0Ms + (o.warmupS + o.beforeS) * 1000);
    const code = await exited;
    if (code !== 0) log(`load: run.js exited with ${code}`);
    const step = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8')).steps.find((s) => s.label === 'steady');
    if (!step) throw new Error(`no steady step in ${outDir}/summary.json`);
    return { actions, ...latencies(step, actions), step: stepFacts(step) };
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    await hub.stop();
  }
}

/** At `atMs`: close the OPEN window, create the settlement, then (after --gap) its four account steps; each call timed. */
async function settle(adminUrl, dbUrl, atMs) {
  const { SettlementClient } = await import(dist('conformance/lib/settlement.js'));
  const admin = new AdminClient(adminUrl, { timeoutMs: 600_000 });
  const s = new SettlementClient(admin);
  const open = await s.openWindow();
  await sleep(Math.max(0, atMs - Date.now()));
  const timed = async (what, call, expect = 200) => {
    const startMs = Date.now();
    const t = performance.now();
    const r = await call();
    const ms = performance.now() - t;
    if (r.status !== expect) throw new Error(`${what}: HTTP ${r.status} ${r.rawBody.slice(0, 400)}`);
    log(`settlement: ${what} ${fmt(ms)} ms`);
    return { ms, startMs, endMs: Date.now(), body: r.body };
  };
  const windowId = open.settlementWindowId;
  const close = await timed(`close window ${windowId}`, () => s.close(windowId, 'bench-settlement'));
  const create = await timed(`create settlement (${MODEL}) over window ${windowId}`, () => s.create(MODEL, [windowId], 'bench-settlement'));
  const settlement = create.body;
  const accounts = settlement.participants.reduce((n, p) => n + p.accounts.length, 0);
  const closed = await windowFacts(dbUrl, windowId);
  log(
    `settlement: ${settlement.id} over window ${windowId} (${closed.transfers.toLocaleString('en-US')} transfers, ${closed.pairs} account pairs): ${accounts} accounts`,
  );
  const steps = [];
  if (o.steps) {
    await sleep(o.gapS * 1000);
    let view = settlement;
    for (const state of STEPS) {
      const step = await timed(`PUT ${state} (${accounts} accounts)`, () => s.stepAll(view, state, 'bench-settlement'));
      steps.push({ state, ms: step.ms, startMs: step.startMs, endMs: step.endMs });
      view = { ...step.body, participants: view.participants };
    }
    const final = await s.settlement(settlement.id);
    if (final.state !== 'SETTLED') throw new Error(`settlement ${settlement.id} ended ${final.state}, not SETTLED`);
  }
  return { windowId, closed, settlementId: settlement.id, accounts, close: strip(close), create: strip(create), steps };
}

function strip({ ms, startMs, endMs }) {
  return { ms, startMs, endMs };
}

/** Transfer-stage histograms of the step's seconds: before the close, around close + create, around the steps. */
function latencies(step, actions) {
  const sec = (ms) => Math.floor((ms - step.t0Ms) / 1000);
  const closeSec = sec(actions.close.startMs);
  const range = (a, b) => merge(step.series.filter((p) => p.t >= a && p.t <= b));
  const before = range(closeSec - o.beforeS, closeSec - 1);
  const duringEnd = sec(actions.create.endMs) + o.aroundS;
  const during = range(closeSec, duringEnd);
  // A p99 over a few seconds is not a p99 over 30 s (fewer samples, fewer of the machine's bursts): the seconds before
  // are also cut in blocks as long as "during", for a like-for-like comparison.
  const span = duringEnd - closeSec + 1;
  const blocks = [];
  for (let end = closeSec - 1; end - span + 1 >= closeSec - o.beforeS; end -= span) {
    const h = range(end - span + 1, end);
    if (h.n) blocks.push(h.percentileMs(99));
  }
  const steps = actions.steps.length ? range(sec(actions.steps[0].startMs), sec(actions.steps.at(-1).endMs) + o.aroundS) : undefined;
  const measuredEnd = step.warmupS + step.measuredS;
  const late = sec(actions.create.endMs) + o.aroundS >= measuredEnd;
  // Per-second transfer p99 from 5 s before the close to 5 s after the create: a pause would show as a spike here.
  const around = step.series
    .filter((p) => p.t >= closeSec - 5 && p.t <= sec(actions.create.endMs) + 5)
    .map((p) => ({ t: p.t - closeSec, n: p.stageCounts[TRANSFER], p99: p.p99[TRANSFER] }));
  return { hist: { before, during, steps }, late, around, blocks: { span, p99: blocks }, seconds: { close: closeSec, createEnd: sec(actions.create.endMs) } };
}

function merge(points) {
  const h = new Histogram();
  for (const p of points) if (p.hist) h.merge(p.hist[TRANSFER]);
  return h;
}

function stepFacts(step) {
  const transfer = step.pgTables?.find((t) => t.table === 'transfer');
  return {
    completed: step.completed,
    achievedRate: step.achievedRate,
    errors: step.errors.total,
    byCode: step.errors.byCode,
    transferP99: step.stages.transfer.p99,
    transferSeqTuplesRead: transfer?.seqTuplesRead,
    hubCpuMs: step.cpu.perPaymentMs.hub,
    pgCpuMs: step.cpu.perPaymentMs.pg,
    othersS: step.cpu.othersS,
  };
}

// ---- the report -------------------------------------------------------------------------------------------------

function report(reps) {
  const lat = (h) => (h && h.n ? { n: h.n, p50: h.percentileMs(50), p99: h.percentileMs(99), max: h.maxMs() } : { n: 0 });
  const pooled = (key) => {
    const h = new Histogram();
    for (const r of reps) if (r.hist[key]) h.merge(r.hist[key]);
    return h;
  };
  log('\n== settlement benchmark ==');
  log(`machine: ${execFileSync('nproc').toString().trim()} cores, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  log(
    `per repetition: ${o.transfers.toLocaleString('en-US')} transfers filled between ${o.dfsps} DFSPs; load ${o.rate}/s ${o.sign ? 'signed' : 'unsigned'} between ${o.loadDfsps} more\n`,
  );
  const head = ['rep', 'window', 'transfers at close', 'pairs', 'accounts', 'ledger after the fill', 'fill s', 'fill /s', 'close ms', 'create ms'];
  const rows = [[...head, ...STEPS.map((s) => `${s} ms`)]];
  for (const r of reps) {
    const a = r.actions;
    rows.push([
      r.k,
      a.windowId,
      a.closed.transfers.toLocaleString('en-US'),
      a.closed.pairs,
      a.accounts,
      r.fill.held.ledger,
      fmt(r.fill.seconds),
      fmt(r.fill.rate, 0),
      fmt(a.close.ms),
      fmt(a.create.ms),
      ...STEPS.map((s) => fmt(a.steps.find((x) => x.state === s)?.ms)),
    ]);
  }
  const med = (f) => fmt(median(reps.map(f)));
  rows.push([
    'median',
    '',
    '',
    '',
    '',
    '',
    med((r) => r.fill.seconds),
    '',
    med((r) => r.actions.close.ms),
    med((r) => r.actions.create.ms),
    ...STEPS.map((s) => med((r) => r.actions.steps.find((x) => x.state === s)?.ms)),
  ]);
  log(table(rows));
  const lrows = [['transfer stage', 'payments', 'p50 ms', 'p99 ms', 'max ms']];
  const add = (label, l) => lrows.push([label, l.n, fmt(l.p50), fmt(l.p99), fmt(l.max)]);
  for (const r of reps) {
    add(`rep ${r.k} before (${o.beforeS} s)`, lat(r.hist.before));
    add(`rep ${r.k} during close + create (s ${r.seconds.close}–${r.seconds.createEnd + o.aroundS})`, lat(r.hist.during));
    if (r.hist.steps) add(`rep ${r.k} during the account steps`, lat(r.hist.steps));
  }
  const before = lat(pooled('before'));
  const during = lat(pooled('during'));
  add('all before', before);
  add('all during close + create', during);
  if (reps.some((r) => r.hist.steps)) add('all during the account steps', lat(pooled('steps')));
  log('\n' + table(lrows));
  log('\ntransfer p99 ms per second, second 0 = the one in which the close started (count in brackets):');
  for (const r of reps) log(`  rep ${r.k}: ${r.around.map((p) => `${p.t >= 0 ? '+' : ''}${p.t}: ${fmt(p.p99, 0)} (${p.n})`).join('  ')}`);
  log(
    '\n' +
      table([
        ['load step', 'complete/s', 'errors', 'transfer p99 ms', 'seq rows read of transfer', 'hub / PG CPU ms per payment', 'others CPU-s'],
        ...reps.map(stepRow),
      ]),
  );
  const closeMs = median(reps.map((r) => r.actions.close.ms));
  const createMs = median(reps.map((r) => r.actions.create.ms));
  const ratio = during.p99 / before.p99;
  log('\ntargets (medians of the repetitions; p99 pooled over them):');
  log(`  close a window of ${o.transfers.toLocaleString('en-US')}+ transfers < 1 s: ${fmt(closeMs)} ms — ${closeMs < 1000 ? 'MET' : 'MISSED'}`);
  log(`  create a settlement over it < 1 s: ${fmt(createMs)} ms — ${createMs < 1000 ? 'MET' : 'MISSED'}`);
  log(`  transfer p99 during / before ≤ 1.10: ${fmt(during.p99)} / ${fmt(before.p99)} ms = ${fmt(ratio, 2)} — ${ratio <= 1.1 ? 'MET' : 'MISSED'}`);
  const like = reps.map((r) => ({ k: r.k, during: lat(r.hist.during).p99, blocks: median(r.blocks.p99), n: r.blocks.p99.length, span: r.blocks.span }));
  log('  like for like, per repetition: p99 during / median p99 of the equally long blocks before');
  for (const l of like) log(`    rep ${l.k}: ${fmt(l.during)} / ${fmt(l.blocks)} ms (${l.n} blocks of ${l.span} s) = ${fmt(l.during / l.blocks, 2)}`);
  for (const r of reps) if (r.late) log(`  note: repetition ${r.k}'s close + create ended after the load's measured window`);
  const out = {
    likeForLike: like,
    options: o,
    repetitions: reps.map(({ hist, ...r }) => ({ ...r, latency: { before: lat(hist.before), during: lat(hist.during), steps: lat(hist.steps) } })),
  };
  Object.assign(out, { pooled: { before, during }, medians: { closeMs, createMs }, ratio });
  writeFileSync(join(o.out, 'settlement.json'), JSON.stringify(out, null, 2));
  log(`\nwrote ${join(o.out, 'settlement.json')}`);
}

function stepRow(r) {
  const s = r.step;
  const errors = s.errors
    ? `${s.errors} (${Object.entries(s.byCode)
        .map(([c, n]) => `${c} ${n}`)
        .join(', ')})`
    : '0';
  return [
    `rep ${r.k}`,
    fmt(s.achievedRate),
    errors,
    fmt(s.transferP99),
    s.transferSeqTuplesRead ?? '–',
    `${fmt(s.hubCpuMs, 2)} / ${fmt(s.pgCpuMs, 2)}`,
    fmt(s.othersS),
  ];
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows.map((r) => r.map((x, c) => String(x).padEnd(widths[c])).join('  ')).join('\n');
}
