#!/usr/bin/env node
// Scale-out, measured (issue 13, docs/benchmarks.md "Scale-out"): the same signed load, in one sitting, against
//   a  1 node, in-process bus          (MIZANI_BUS=in-process, the default)
//   b  1 node, Kafka                   (MIZANI_BUS=kafka, one broker on loopback)
//   c  2 nodes, Kafka                  (one holds the ledger, the other serves the APIs; DFSPs spread over both)
//   d  2 nodes, Kafka, partitioned     (MIZANI_LEDGER_PARTITIONED: both own positions, each the partitions it is given)
// Each run: a fresh PostgreSQL database (and, for b and c, a fresh broker: scripts/kafka.mjs's), the node(s) started
// as a user starts them, the load generator in its own process (dist/conformance/load/run.js against the nodes'
// URLs, CPU from their pids, the broker's JVM apart), then everything stopped and the database dropped. Runs alternate
// a, b, c, a, b, c, ... (--repeat), so a drift of this shared machine spreads over the three; the table gives medians.
//
//   node scripts/bench-cluster.mjs                          100/s, 30 s measured after 10 s, 2 rounds
//   node scripts/bench-cluster.mjs --rate 150 --repeat 3 --duration 60
//   node scripts/bench-cluster.mjs --configs b,c --repeat 1 --duration 10 --warmup 3     a short development run
//   node scripts/bench-cluster.mjs --knee --rate 120        a knee search per configuration (×1.2, ≤ 6 steps)
//   node scripts/bench-cluster.mjs -- --workers 2           anything after -- goes to run.js
//   node scripts/bench-cluster.mjs --tabulate load-results/x,load-results/y   the table of earlier sittings, runs pooled
// --hub-env K=V (repeatable) for every node; --admission keeps admission control's CPU signals (off by default here);
// --partitions N (16) MIZANI_KAFKA_PARTITIONS. --no-build skips tsc; --out DIR (default load-results/cluster-<timestamp>): runs' folders, results.json, table.md.
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const dashdash = process.argv.indexOf('--');
const own = dashdash >= 0 ? process.argv.slice(2, dashdash) : process.argv.slice(2);
const passThrough = dashdash >= 0 ? process.argv.slice(dashdash + 1) : [];
const { values: v } = parseArgs({
  args: own,
  options: {
    rate: { type: 'string', default: '100' },
    duration: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '2' },
    configs: { type: 'string', default: 'a,b,c,d' },
    partitions: { type: 'string', default: '16' },
    dfsps: { type: 'string', default: '10' },
    knee: { type: 'boolean', default: false },
    'hub-env': { type: 'string', multiple: true, default: [] },
    admission: { type: 'boolean', default: false },
    'knee-factor': { type: 'string', default: '1.2' },
    'knee-steps': { type: 'string', default: '6' },
    'pg-url': { type: 'string', default: process.env.MIZANI_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    out: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    tabulate: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (v.help) {
  process.stdout.write(
    readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(1)
      .filter((l, k, all) => all.slice(0, k + 1).every((x) => x.startsWith('//')))
      .map((l) => l.replace(/^\/\/ ?/, ''))
      .join('\n') + '\n',
  );
  process.exit(0);
}

const CONFIGS = {
  a: { name: '1 node, in-process bus', nodes: 1, kafka: false },
  b: { name: '1 node, Kafka', nodes: 1, kafka: true },
  c: { name: '2 nodes, Kafka', nodes: 2, kafka: true },
  d: { name: '2 nodes, Kafka, partitioned owners', nodes: 2, kafka: true, partitioned: true },
};
const configs = v.configs.split(',').map((c) => c.trim());
for (const c of configs) if (!CONFIGS[c]) throw new Error(`unknown configuration ${c} (a, b, c, d)`);
// The hub's CPU signals of admission control off, as in the tests: on this shared 2-core machine CPU starvation by
// other work is not the hub's overload, and a fixed-rate comparison of CPU per payment wants no refusals (--admission
// keeps the hub's defaults).
const hubEnv = v.admission ? {} : { MIZANI_BUSY_LOOP_UTILISATION: '0', MIZANI_BUSY_LOOP_LAG_MS: '0' };
for (const kv of v['hub-env']) {
  const eq = kv.indexOf('=');
  if (eq < 1) throw new Error(`--hub-env needs KEY=VALUE, got ${kv}`);
  hubEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
}
if (v.tabulate) {
  // The table again, from the results.json of one or more earlier sittings (their runs pooled).
  const dirs = v.tabulate.split(',').map((d) => resolve(root, d.trim()));
  const pooled = dirs.flatMap((d) =>
    JSON.parse(readFileSync(join(d, 'results.json'), 'utf8')).results.map((r) => ({
      ...r,
      round: `${r.round}${dirs.length > 1 ? `/${dirs.indexOf(d) + 1}` : ''}`,
    })),
  );
  const out = resolve(root, v.out ?? dirs[0]);
  mkdirSync(out, { recursive: true });
  printTable(pooled, out);
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = resolve(root, v.out ?? `load-results/cluster-${stamp}`);
mkdirSync(outDir, { recursive: true });
function log(s) {
  process.stdout.write(`[bench-cluster] ${s}\n`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (!v['no-build']) {
  log('building (tsc)');
  const b = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) log('tsc reported errors (continuing with what was emitted)');
}
for (const f of ['dist/test/support/kafka.js', 'dist/conformance/load/hub-process.js', 'dist/conformance/load/run.js']) {
  if (!existsSync(join(root, f))) throw new Error(`${f} is missing: build first`);
}
const { startKafka } = await import(join(root, 'dist/test/support/kafka.js'));
const { startHubChild, freePort } = await import(join(root, 'dist/conformance/load/hub-process.js'));
const { createDatabase, dropDatabase, psql } = await import(join(root, 'dist/conformance/load/pg.js'));

// The hub verifies every DFSP signature and signs what it authors, as `--start-hub --sign` runs it.
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const keyFile = join(outDir, 'hub-jws-signing-key.pem');
writeFileSync(keyFile, privateKey, { mode: 0o600 });

/** The Kafka JVM: the `java` process whose command line names the broker's server.properties. */
function brokerJvmPid(dir) {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (cmd[0]?.endsWith('java') && cmd.includes(join(dir, 'server.properties'))) return Number(name);
    } catch {
      /* gone */
    }
  }
  return undefined;
}

const IDLE_MS = 10_000;
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
/** utime + stime + reaped children of a process, seconds (/proc/<pid>/stat); 0 when there is none. */
function cpuSeconds(pid) {
  if (!pid) return 0;
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS;
  } catch {
    return 0;
  }
}

async function health(adminUrl) {
  try {
    const res = await fetch(`${adminUrl}/health`);
    return await res.json();
  } catch {
    return {};
  }
}

async function until(probe, label, timeoutMs = 120_000) {
  const began = Date.now();
  while (!(await probe())) {
    if (Date.now() - began > timeoutMs) throw new Error(`${label}: not within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** pg_stat_database of `db`: transactions and rows, cumulative (the hub's database only, unlike pg_stat_wal). */
async function dbStats(db) {
  try {
    const out = await psql(
      v['pg-url'],
      `SELECT xact_commit, tup_inserted, tup_updated, tup_deleted, tup_returned + tup_fetched FROM pg_stat_database WHERE datname = '${db}'`,
    );
    const [commits, inserted, updated, deleted, read] = out.trim().split('\t').map(Number);
    return { commits, inserted, updated, deleted, read, at: Date.now() };
  } catch {
    return undefined;
  }
}

/**
 * The generator in its own process; `onGo`: with --await-go, what to do before answering "go"; `onT0(ms)`: the wall
 * time of second 0 of the (first) step, from its `t0` line.
 */
function runGenerator(args, logFile, onGo, onT0) {
  return new Promise((resolveP) => {
    const child = spawn(process.execPath, ['dist/conformance/load/run.js', ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = [];
    const onData = (chunk) => {
      const text = chunk.toString();
      process.stdout.write(text.replace(/^(?=.)/gm, '    '));
      lines.push(text);
      const t0 = /\[hub [^\]]*\] t0 (\d+(?:\.\d+)?)/.exec(text);
      if (t0 && onT0) {
        onT0(Number(t0[1]));
        onT0 = undefined;
      }
      if (onGo && text.includes('hub: provisioned; waiting for go')) {
        const go = onGo;
        onGo = undefined;
        go().then(
          () => child.stdin.write('go\n'),
          (err) => {
            log(`before "go": ${err.message}`);
            child.kill('SIGTERM');
          },
        );
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      writeFileSync(logFile, lines.join(''));
      resolveP(code);
    });
  });
}

function median(xs) {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return undefined;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function f(x, d = 2) {
  return x === undefined || x === null || !Number.isFinite(x) ? '–' : x.toFixed(d);
}

async function runOnce(key, round) {
  const c = CONFIGS[key];
  const id = `${key}${round}`;
  const dir = join(outDir, id);
  mkdirSync(dir, { recursive: true });
  const load0 = loadavg();
  log(`run ${id}: ${c.name} (load average ${load0.map((x) => x.toFixed(2)).join(' ')})`);
  let broker;
  const nodes = [];
  const dbName = `mizani_cluster_${Date.now().toString(36)}_${key}`;
  let dbCreated = false;
  const result = { config: key, name: c.name, round, loadavgStart: load0 };
  try {
    const dbUrl = await createDatabase(v['pg-url'], dbName);
    dbCreated = true;
    const env = { MIZANI_DATABASE_URL: dbUrl, MIZANI_HUB_NAME: 'Hub', MIZANI_JWS_VERIFY: 'on', MIZANI_JWS_SIGNING_KEY: keyFile, ...hubEnv };
    if (c.kafka) {
      broker = await startKafka();
      result.brokerPid = brokerJvmPid(broker.dir);
      log(`run ${id}: Kafka broker at ${broker.bootstrap} (JVM pid ${result.brokerPid ?? 'not found'}), started in ${broker.startMs} ms`);
      Object.assign(env, {
        MIZANI_BUS: 'kafka',
        MIZANI_KAFKA_BROKERS: broker.bootstrap,
        MIZANI_KAFKA_TOPIC_PREFIX: `bench-${id}`,
        MIZANI_KAFKA_PARTITIONS: v.partitions,
        ...(c.partitioned ? { MIZANI_LEDGER_PARTITIONED: 'true' } : {}),
      });
    }
    // Node 1 starts and takes the ledger: it is the owner, the others API nodes (standbys of the ledger).
    const first = await startHubChild({ env, logFile: join(dir, 'node1.log'), timeoutMs: 120_000 });
    nodes.push(first);
    await until(async () => (await health(first.adminUrl)).ledger === 'OK', 'node 1 takes the ledger');
    log(`run ${id}: node 1 at ${first.fspiopUrl} (admin ${first.adminUrl}, pid ${first.pid}) holds the ledger`);
    // What the owner node and the broker cost with no load (polling consumers, timers), so a per-payment figure at a
    // low rate can be read as fixed cost + marginal cost.
    await sleep(3000);
    const idle0 = { node: cpuSeconds(first.pid), broker: cpuSeconds(result.brokerPid), at: Date.now() };
    await sleep(IDLE_MS);
    const idleS = (Date.now() - idle0.at) / 1000;
    result.idleCores = {
      node: (cpuSeconds(first.pid) - idle0.node) / idleS,
      broker: result.brokerPid ? (cpuSeconds(result.brokerPid) - idle0.broker) / idleS : undefined,
    };
    log(
      `run ${id}: idle for ${idleS.toFixed(0)} s: node 1 ${f(result.idleCores.node * 1000, 1)} ms/s, broker ${f((result.idleCores.broker ?? NaN) * 1000, 1)} ms/s of CPU`,
    );
    // A node loads the participants (and their endpoints) when it starts and does not see those created later through
    // another node's Admin API: the others start once the generator has provisioned the DFSPs through node 1 (--await-go),
    // on ports chosen now so the generator's DFSPs can be pointed at them from the start.
    const later = [];
    for (let k = 1; k < c.nodes; k++) later.push({ k, fspiopPort: await freePort('127.0.0.1'), adminPort: await freePort('127.0.0.1') });
    const startLater = async () => {
      for (const l of later) {
        const node = await startHubChild({
          env,
          logFile: join(dir, `node${l.k + 1}.log`),
          timeoutMs: 120_000,
          fspiopPort: l.fspiopPort,
          adminPort: l.adminPort,
        });
        nodes.push(node);
        log(`run ${id}: node ${l.k + 1} at ${node.fspiopUrl} (admin ${node.adminUrl}, pid ${node.pid}) ${(await health(node.adminUrl)).ledger ?? ''}`);
      }
    };
    const args = [
      '--hub',
      [first.fspiopUrl, ...later.map((l) => `http://127.0.0.1:${l.fspiopPort}`)].join(','),
      '--admin',
      first.adminUrl,
      // The generator finds the later nodes' pids itself (the listeners of their ports) when its step starts.
      ...(later.length ? ['--await-go'] : ['--hub-pid', String(first.pid)]),
      // Every request, quotes included, goes to the node its DFSP was given (a node without the ledger records the
      // quotes it takes: ledger/quotes.ts nodeRecordWriter). `-- --quotes-hub URL` sends every quote to one node, as
      // the first sitting had to (docs/benchmarks.md "Scale-out").
      '--pg-db',
      dbName,
      '--pg-url',
      v['pg-url'],
      '--sign',
      '--dfsps',
      v.dfsps,
      '--parties',
      '100',
      '--rate',
      v.rate,
      '--duration',
      v.duration,
      '--warmup',
      v.warmup,
      '--out',
      join(dir, 'load'),
      ...(result.brokerPid ? ['--broker-pid', String(result.brokerPid)] : []),
      ...(v.knee ? ['--knee', '--knee-factor', v['knee-factor'], '--knee-steps', v['knee-steps']] : []),
      ...passThrough,
    ];
    // The database's transactions and rows over the measured window (fixed rate only): from t0 + warm-up to the end.
    const timers = [];
    const snaps = {};
    const onT0 = v.knee
      ? undefined
      : (t0) => {
          const at = (s) => Math.max(0, t0 + s * 1000 - Date.now());
          timers.push(setTimeout(async () => (snaps.start = await dbStats(dbName)), at(Number(v.warmup))));
          timers.push(setTimeout(async () => (snaps.end = await dbStats(dbName)), at(Number(v.warmup) + Number(v.duration))));
        };
    const code = await runGenerator(args, join(dir, 'generator.log'), later.length ? startLater : undefined, onT0);
    timers.forEach(clearTimeout);
    result.generatorExit = code;
    result.owner = [];
    for (const n of nodes) result.owner.push((await health(n.adminUrl)).ledger ?? 'DOWN');
    const summary = JSON.parse(readFileSync(join(dir, 'load', 'summary.json'), 'utf8'));
    const steps = summary.steps.filter((s) => s.target === 'hub');
    const kneeRate = summary.knee?.hub ?? null;
    const step = v.knee ? (steps.find((s) => s.offeredRate === kneeRate) ?? steps[0]) : steps[steps.length - 1];
    result.knee = v.knee ? kneeRate : undefined;
    result.loadavgEnd = loadavg();
    if (step) {
      const per = step.cpu.perPaymentMs;
      Object.assign(result, {
        offered: step.offeredRate,
        achieved: step.achievedRate,
        e2eP50: step.stages.endToEnd.p50,
        e2eP99: step.stages.endToEnd.p99,
        errors: step.errors.total,
        meetsBar: step.meetsLatencyBar,
        hubMs: per.hub,
        nodeMs: per.hubNodes ?? (per.hub !== undefined ? [per.hub] : []),
        pgMs: per.pg,
        brokerMs: per.broker,
        generatorMs: per.generator,
        othersCores: step.cpu.othersS !== undefined ? step.cpu.othersS / step.cpu.windowS : undefined,
        machineCores: step.cpu.machineS !== undefined ? step.cpu.machineS / step.cpu.windowS : undefined,
        steps: steps.map((s) => ({ offered: s.offeredRate, achieved: s.achievedRate, meetsBar: s.meetsLatencyBar, hubMs: s.cpu.perPaymentMs.hub })),
      });
    }
    if (snaps.start && snaps.end && step) {
      const n = step.achievedRate * step.measuredS;
      const d = (k) => (snaps.end[k] - snaps.start[k]) / n;
      result.dbPerPayment = { commits: d('commits'), inserted: d('inserted'), updated: d('updated'), deleted: d('deleted'), read: d('read') };
    }
    result.finalStates = summary.finalStates;
    result.notes = summary.notes;
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    log(`run ${id} failed: ${result.error}`);
  } finally {
    for (const n of [...nodes].reverse()) await n.stop().catch(() => undefined);
    if (broker) await broker.stop({ graceful: true }).catch(() => undefined);
    if (dbCreated) await dropDatabase(v['pg-url'], dbName).catch((err) => log(`could not drop ${dbName}: ${err.message}`));
  }
  return result;
}

let stopAsked = false;
process.on('SIGINT', () => {
  stopAsked = true;
  log('interrupted: finishing the current run (the generator stops its step), then the table');
});

const results = [];
const rounds = Math.max(1, Number(v.repeat));
for (let r = 1; r <= rounds && !stopAsked; r++) {
  for (const key of configs) {
    if (stopAsked) break;
    results.push(await runOnce(key, r));
    writeFileSync(join(outDir, 'results.json'), JSON.stringify({ options: v, passThrough, results }, null, 2));
  }
}

printTable(results, outDir);

// ---- the table ------------------------------------------------------------------------------------------------------
function printTable(results, outDir) {
  const knee = results.some((r) => r.knee !== undefined);
  const configs = Object.keys(CONFIGS).filter((key) => results.some((r) => r.config === key));
  const lines = [];
  const header = `| run | configuration | offered/s | complete/s | e2e p50 / p99 ms | hub CPU ms/payment (per node) | PostgreSQL ms/payment | broker ms/payment | idle node / broker ms/s | errors | bar | load avg (1 min) | other processes (cores of 2) |`;
  lines.push(header, '|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    if (r.error) {
      lines.push(`| ${r.config}${r.round} | ${r.name} | failed: ${r.error.split('\n')[0].slice(0, 80)} | | | | | | | | | | |`);
      continue;
    }
    const nodes = r.nodeMs && r.nodeMs.length > 1 ? ` (${r.nodeMs.map((x, k) => `${r.owner?.[k] === 'OK' ? 'owner' : 'API'} ${f(x)}`).join(', ')})` : '';
    lines.push(
      `| ${r.config}${r.round} | ${r.name} | ${f(r.offered, 0)}${r.knee !== undefined ? ` (knee ${r.knee ?? '–'})` : ''} | ${f(r.achieved, 1)} | ${f(r.e2eP50, 0)} / ${f(r.e2eP99, 0)} | ${f(r.hubMs)}${nodes} | ${f(r.pgMs)} | ${f(r.brokerMs)} | ${f((r.idleCores?.node ?? NaN) * 1000, 1)} / ${f((r.idleCores?.broker ?? NaN) * 1000, 1)} | ${r.errors ?? '–'} | ${r.meetsBar ? 'met' : 'no'} | ${f(r.loadavgStart?.[0], 1)} → ${f(r.loadavgEnd?.[0], 1)} | ${f(r.othersCores)} |`,
    );
  }
  const med = medians(results, configs, knee, lines, '**Medians per configuration, all runs**');
  const kept = results.filter((r) => r.meetsBar);
  const medKept = medians(
    kept,
    configs,
    knee,
    lines,
    '**Medians of the runs that met the latency bar** (the hub kept up: the CPU per payment is not that of a backlog)',
  );
  const table = lines.join('\n');
  writeFileSync(join(outDir, 'table.md'), table + '\n');
  writeFileSync(join(outDir, 'medians.json'), JSON.stringify({ all: med, metBar: medKept }, null, 2));
  process.stdout.write('\n' + table + '\n\n');
  log(`wrote ${join(outDir, 'table.md')} and ${join(outDir, 'medians.json')}`);
}

function medians(results, configs, knee, lines, title) {
  lines.push('', title, '');
  if (!results.length) {
    lines.push('(none)');
    return {};
  }
  lines.push(
    '| configuration | runs | complete/s | e2e p50 / p99 ms | hub CPU ms/payment | owner / API node ms/payment | PostgreSQL ms/payment | broker ms/payment | hub + broker ms/payment | idle node / broker ms/s | PostgreSQL transactions / rows written per payment |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  const med = {};
  for (const key of configs) {
    const rs = results.filter((r) => r.config === key && !r.error);
    if (!rs.length) continue;
    const m = (g) => median(rs.map(g));
    const ownerIdx = (r) => Math.max(0, r.owner?.indexOf('OK') ?? 0);
    const m1 = {
      runs: rs.length,
      achieved: m((r) => r.achieved),
      knee: knee ? m((r) => r.knee) : undefined,
      p50: m((r) => r.e2eP50),
      p99: m((r) => r.e2eP99),
      hub: m((r) => r.hubMs),
      owner: CONFIGS[key].nodes > 1 ? m((r) => r.nodeMs?.[ownerIdx(r)]) : undefined,
      api: CONFIGS[key].nodes > 1 ? m((r) => r.nodeMs?.find((_, k) => k !== ownerIdx(r))) : undefined,
      pg: m((r) => r.pgMs),
      broker: m((r) => r.brokerMs),
      hubPlusBroker: m((r) => (r.hubMs ?? NaN) + (r.brokerMs ?? 0)),
      idleNode: m((r) => r.idleCores?.node),
      commits: m((r) => r.dbPerPayment?.commits),
      written: m((r) => (r.dbPerPayment ? r.dbPerPayment.inserted + r.dbPerPayment.updated + r.dbPerPayment.deleted : undefined)),
      idleBroker: m((r) => r.idleCores?.broker),
    };
    med[key] = m1;
    lines.push(
      `| ${key}: ${CONFIGS[key].name} | ${m1.runs} | ${f(m1.achieved, 1)}${knee ? ` (knee ${f(m1.knee, 0)})` : ''} | ${f(m1.p50, 0)} / ${f(m1.p99, 0)} | ${f(m1.hub)} | ${m1.owner !== undefined ? `${f(m1.owner)} / ${f(m1.api)}` : '–'} | ${f(m1.pg)} | ${f(m1.broker)} | ${f(m1.hubPlusBroker)} | ${f(m1.idleNode * 1000, 1)} / ${f(m1.idleBroker * 1000, 1)} | ${f(m1.commits)} / ${f(m1.written, 1)} |`,
    );
  }
  if (med.a && med.b) {
    lines.push(
      '',
      `Kafka hop per payment (b − a): hub ${f(med.b.hub - med.a.hub)} ms + broker ${f(med.b.broker)} ms = ${f(med.b.hubPlusBroker - med.a.hub)} ms of CPU; PostgreSQL ${f(med.b.pg - med.a.pg)} ms.`,
    );
  }
  if (med.c && med.c.owner !== undefined) {
    lines.push(
      `2 nodes: API node ${f(med.c.api)} ms/payment (half of every request: discovery, quotes, transfers), owner ${f(med.c.owner)} ms/payment (the other half, the ledger workers and the transfer callbacks): ` +
        `edge work ≈ ${f(2 * med.c.api)} ms, owner-only work ≈ ${f(med.c.owner - med.c.api)} ms per payment.`,
    );
  }
  if (med.d && med.d.owner !== undefined) {
    lines.push(
      `2 partitioned owners: node 1 ${f(med.d.owner)} ms/payment, node 2 ${f(med.d.api)} ms/payment (both own positions; the column's owner / API is node 1 / node 2).`,
    );
  }
  return med;
}
