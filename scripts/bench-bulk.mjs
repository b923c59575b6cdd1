#!/usr/bin/env node
// Issue 14's bulk speed proof (docs/benchmarks.md, "Bulk transfers"): one bulk of N lines (default 1,000) costs the
// hub less CPU per line than N single transfers, and completes, the payee answering at once, in under 2 seconds.
//
//   node scripts/bench-bulk.mjs [--lines 1000] [--repeat 5] [--concurrency 50] [--no-build] [--pg-url URL]
//
// One private PostgreSQL database and one hub process (dist/switch/cli.js start, the embedded bus, JWS and ILP
// checks as the hub's defaults), two DFSPs whose callback servers live in this process: the payee answers every
// prepare at once with its fulfilment (PUT /transfers/{ID}, or one PUT /bulkTransfers/{ID} for the whole bulk), the
// payer only takes the hub's callbacks. Each repetition runs, in turn:
//   singles: N POST /transfers, at most --concurrency open at a time, until the payer has every PUT /transfers;
//   bulk:    one POST /bulkTransfers of N lines, until the payer has the PUT /bulkTransfers report.
// Measured per run: hub CPU (utime + stime of the hub process, /proc) and PostgreSQL CPU (every postgres process)
// from the first request to the last callback, and the wall time. Printed: medians over the repetitions, per line, and
// the bulk / singles ratio. A benchmark, not a test: it prints figures and MET / MISSED per target, and exits 0 unless
// it could not measure.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { request } from 'undici';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;

const { values } = parseArgs({
  options: {
    lines: { type: 'string' },
    repeat: { type: 'string' },
    concurrency: { type: 'string' },
    'no-build': { type: 'boolean' },
    'pg-url': { type: 'string' },
    currency: { type: 'string' },
  },
  strict: true,
});
const LINES = Number(values.lines ?? 1000);
const REPEAT = Number(values.repeat ?? 5);
const CONCURRENCY = Number(values.concurrency ?? 50);
const CURRENCY = values.currency ?? 'USD';
const PG_URL = values['pg-url'] ?? process.env.MIZANI_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

if (!values['no-build'])
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });

const { startHubChild } = await import(dist('conformance/load/hub-process.js'));
const { readProc, postgresTotalCpu } = await import(dist('conformance/load/procstat.js'));
const { createDatabase, dropDatabase } = await import(dist('conformance/load/pg.js'));
const { AdminClient, provisionDfsp, ensureHubSetup } = await import(dist('conformance/lib/admin.js'));
const { buildIlpPacket, generateFulfilment, toMinorUnits, transactionObject } = await import(dist('conformance/lib/ilp.js'));

const HUB = 'Hub';
const fulfilments = new Map();
const waiters = new Map();

function mediaType(resource) {
  return `application/vnd.interoperability.${resource}+json;version=1.1`;
}

function headers(resource, source, destination) {
  return {
    'content-type': mediaType(resource),
    accept: `application/vnd.interoperability.${resource}+json;version=1`,
    date: new Date().toUTCString(),
    'fspiop-source': source,
    'fspiop-destination': destination,
  };
}

async function send(base, method, path, resource, source, destination, body) {
  const res = await request(`${base}${path}`, { method, headers: headers(resource, source, destination), body: JSON.stringify(body) });
  await res.body.dump();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: HTTP ${res.statusCode}`);
}

/** A callback server: `answer` is called for each request after it is acknowledged. */
function callbackServer(answer) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      res.statusCode = req.method === 'POST' ? 202 : 200;
      res.end();
      const text = Buffer.concat(chunks).toString('utf8');
      answer(req.method, req.url, text ? JSON.parse(text) : undefined);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function line(payer, payee, expiration) {
  const transferId = randomUUID();
  const amount = '1.25';
  const { fulfilment, condition } = generateFulfilment();
  const transaction = transactionObject({
    quoteId: randomUUID(),
    transactionId: randomUUID(),
    payerFsp: payer,
    payeeFsp: payee,
    amount,
    currency: CURRENCY,
    expiration,
  });
  const ilpPacket = buildIlpPacket({
    amount,
    currency: CURRENCY,
    amountMinorUnits: toMinorUnits(amount, CURRENCY),
    condition,
    expiresAt: expiration,
    transaction,
  });
  fulfilments.set(transferId, fulfilment);
  return { transferId, amount: { amount, currency: CURRENCY }, ilpPacket, condition };
}

function waitFor(id) {
  return new Promise((resolve) => waiters.set(id, resolve));
}

function cpuNow(pid) {
  return { hub: readProc(pid)?.self ?? NaN, pg: postgresTotalCpu(), at: performance.now() };
}

function since(start, pid) {
  const end = cpuNow(pid);
  return { hubS: end.hub - start.hub, pgS: end.pg - start.pg, ms: end.at - start.at };
}

async function singles(fspiop, pid, payer, payee) {
  const expiration = new Date(Date.now() + 120_000).toISOString();
  const bodies = Array.from({ length: LINES }, () => line(payer, payee, expiration));
  const start = cpuNow(pid);
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const t = bodies[next++];
      const done = waitFor(t.transferId);
      await send(fspiop, 'POST', '/transfers', 'transfers', payer, payee, {
        transferId: t.transferId,
        payerFsp: payer,
        payeeFsp: payee,
        amount: t.amount,
        ilpPacket: t.ilpPacket,
        condition: t.condition,
        expiration,
      });
      await done;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return since(start, pid);
}

async function bulk(fspiop, pid, payer, payee) {
  const expiration = new Date(Date.now() + 120_000).toISOString();
  const bulkTransferId = randomUUID();
  const individualTransfers = Array.from({ length: LINES }, () => {
    const t = line(payer, payee, expiration);
    return { transferId: t.transferId, transferAmount: t.amount, ilpPacket: t.ilpPacket, condition: t.condition };
  });
  const done = waitFor(bulkTransferId);
  const start = cpuNow(pid);
  await send(fspiop, 'POST', '/bulkTransfers', 'bulkTransfers', payer, payee, {
    bulkTransferId,
    bulkQuoteId: randomUUID(),
    payerFsp: payer,
    payeeFsp: payee,
    individualTransfers,
    expiration,
  });
  const report = await done;
  const measured = since(start, pid);
  const committed = report.individualTransferResults.filter((r) => r.fulfilment).length;
  if (committed !== LINES) throw new Error(`bulk ${bulkTransferId}: ${committed} of ${LINES} lines committed`);
  return measured;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x, d = 3) => x.toFixed(d);

async function main() {
  const dbName = `mizani_bench_bulk_${process.pid}`;
  const dbUrl = await createDatabase(PG_URL, dbName);
  const logDir = mkdtempSync(join(tmpdir(), 'mizani-bench-bulk-'));
  const hub = await startHubChild({ env: { MIZANI_DATABASE_URL: dbUrl, MIZANI_LOG_LEVEL: 'warn' }, logFile: join(logDir, 'hub.log') });
  let fspiopUrl = hub.fspiopUrl;
  try {
    const payee = `bbpayee${process.pid}`;
    const payer = `bbpayer${process.pid}`;
    const payeeServer = await callbackServer((method, url, body) => {
      if (method === 'POST' && url === '/transfers') {
        void send(fspiopUrl, 'PUT', `/transfers/${body.transferId}`, 'transfers', payee, payer, {
          fulfilment: fulfilments.get(body.transferId),
          completedTimestamp: new Date().toISOString(),
          transferState: 'COMMITTED',
        });
      } else if (method === 'POST' && url === '/bulkTransfers') {
        void send(fspiopUrl, 'PUT', `/bulkTransfers/${body.bulkTransferId}`, 'bulkTransfers', payee, payer, {
          completedTimestamp: new Date().toISOString(),
          individualTransferResults: body.individualTransfers.map((t) => ({ transferId: t.transferId, fulfilment: fulfilments.get(t.transferId) })),
          bulkTransferState: 'COMPLETED',
        });
      }
    });
    const payerServer = await callbackServer((method, url, body) => {
      const m = /^\/(transfers|bulkTransfers)\/([^/]+)$/.exec(url ?? '');
      if (method === 'PUT' && m) waiters.get(m[2])?.(body);
    });
    const admin = new AdminClient(hub.adminUrl);
    await ensureHubSetup(admin, HUB, CURRENCY);
    const base = (s) => `http://127.0.0.1:${s.address().port}`;
    await provisionDfsp(admin, { name: payer, currency: CURRENCY, ndc: '100000000', fundsIn: '100000000', callbackBase: base(payerServer) }, { hubName: HUB });
    await provisionDfsp(admin, { name: payee, currency: CURRENCY, callbackBase: base(payeeServer) }, { hubName: HUB });
    await singles(fspiopUrl, hub.pid, payer, payee); // warm-up: JIT, pools, prepared statements
    await bulk(fspiopUrl, hub.pid, payer, payee);
    const runs = { singles: [], bulk: [] };
    for (let i = 0; i < REPEAT; i++) {
      runs.singles.push(await singles(fspiopUrl, hub.pid, payer, payee));
      runs.bulk.push(await bulk(fspiopUrl, hub.pid, payer, payee));
      console.log(
        `run ${i + 1}: singles hub ${fmt(runs.singles[i].hubS)} s, pg ${fmt(runs.singles[i].pgS)} s, ${fmt(runs.singles[i].ms, 0)} ms; ` +
          `bulk hub ${fmt(runs.bulk[i].hubS)} s, pg ${fmt(runs.bulk[i].pgS)} s, ${fmt(runs.bulk[i].ms, 0)} ms`,
      );
    }
    const per = (kind, field) => (median(runs[kind].map((r) => r[field])) * 1000) / LINES;
    console.log(`\n${LINES} lines, medians of ${REPEAT} runs (ms of CPU per line; wall ms per run)`);
    console.log('| | hub CPU / line | PostgreSQL CPU / line | wall |');
    console.log('|---|---|---|---|');
    for (const kind of ['singles', 'bulk']) {
      console.log(
        `| ${kind === 'bulk' ? `one bulk of ${LINES}` : `${LINES} single transfers`} | ${fmt(per(kind, 'hubS'))} | ${fmt(per(kind, 'pgS'))} | ${fmt(median(runs[kind].map((r) => r.ms)), 0)} |`,
      );
    }
    const ratio = per('bulk', 'hubS') / per('singles', 'hubS');
    const wall = median(runs.bulk.map((r) => r.ms));
    console.log(`\nhub CPU per line, bulk / singles: ${fmt(ratio, 2)} — ${ratio < 1 ? 'MET' : 'MISSED'} (target < 1)`);
    console.log(`bulk of ${LINES} completed in ${fmt(wall, 0)} ms (median) — ${wall < 2000 ? 'MET' : 'MISSED'} (target < 2,000 ms)`);
    payeeServer.close();
    payerServer.close();
  } finally {
    await hub.stop();
    fspiopUrl = '';
    await dropDatabase(PG_URL, dbName).catch(() => undefined);
  }
}

await main();
