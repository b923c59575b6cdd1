/**
 * `./mizani demo`: the hub on its embedded database with simulated participants — two wallets on FSPIOP and two banks
 * on ISO 20022 XML — a payment across every dialect pair, the window closed and settled, and what to look at next:
 * the portal, the messages of one payment in each dialect, and the commands to send a payment by hand. The simulators
 * keep answering until Ctrl-C; `--once` stops everything after printing (the test runs it so).
 *
 *   node dist/conformance/demo.js [--once] [--data-dir DIR] [--host H] [--fspiop-port N] [--admin-port N]
 *
 * It runs the hub's CLI as a child process (`node dist/switch/cli.js start`, MIZANI_PROFILE=demo, PGlite in
 * DIR/pglite, its log in DIR/hub.log) and talks to it only over the wire, as every conformance run does.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SuiteContext } from './lib/context.js';
import { DEMO_NAMES, payAcrossDialects, provisionDemo, settleOpenWindow, type DemoPayment, type DemoScheme } from './lib/demo-flows.js';
import { SettlementClient } from './lib/settlement.js';

const CLI = fileURLToPath(new URL('../switch/cli.js', import.meta.url));
const out = (line = '') => process.stdout.write(`${line}\n`);

interface Options {
  once: boolean;
  dataDir: string;
  host: string;
  fspiopPort: string;
  adminPort: string;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      once: { type: 'boolean', default: false },
      'data-dir': { type: 'string', default: process.env.MIZANI_DEMO_DIR ?? './data/demo' },
      host: { type: 'string', default: '127.0.0.1' },
      'fspiop-port': { type: 'string', default: process.env.MIZANI_FSPIOP_PORT ?? '3000' },
      'admin-port': { type: 'string', default: process.env.MIZANI_ADMIN_PORT ?? '3001' },
    },
  });
  return {
    once: values.once!,
    dataDir: resolve(values['data-dir']!),
    host: values.host!,
    fspiopPort: values['fspiop-port']!,
    adminPort: values['admin-port']!,
  };
}

/** The hub's environment: the demo profile on PGlite in the demo's folder, nothing inherited that would change it. */
function hubEnv(o: Options): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    MIZANI_PROFILE: 'demo',
    MIZANI_DATA_DIR: resolve(o.dataDir, 'pglite'),
    MIZANI_HOST: o.host,
    MIZANI_FSPIOP_PORT: o.fspiopPort,
    MIZANI_ADMIN_PORT: o.adminPort,
    MIZANI_LOG_LEVEL: 'info',
  };
}

interface Hub {
  child: ChildProcess;
  fspiop: string;
  admin: string;
  stop(): Promise<void>;
}

/** Starts `mizani start` and waits for its start-up line (the URLs it listens on); its output goes to DIR/hub.log. */
function startHub(o: Options): Promise<Hub> {
  const log = createWriteStream(resolve(o.dataDir, 'hub.log'));
  const child = spawn(process.execPath, [CLI, 'start'], { env: hubEnv(o), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.pipe(log);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    log.end();
  };
  return new Promise((resolveHub, reject) => {
    const timer = setTimeout(() => reject(new Error(`the hub did not start within 60 s: see ${resolve(o.dataDir, 'hub.log')}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`the hub exited (${code}) while starting: see ${resolve(o.dataDir, 'hub.log')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      log.write(`${line}\n`);
      if (!line.includes('"Mizani hub started"')) return;
      clearTimeout(timer);
      const started = JSON.parse(line) as { fspiop: string; admin: string };
      resolveHub({ child, fspiop: started.fspiop, admin: started.admin, stop });
    });
  });
}

/** Whether this build of the hub has Admin API users (`mizani user`); the demo makes its logins with it. */
function hasUsers(o: Options): boolean {
  const r = spawnSync(process.execPath, [CLI, 'user', 'list'], { env: hubEnv(o), encoding: 'utf8' });
  return r.status === 0;
}

async function printMessages(adminUrl: string, payment: DemoPayment): Promise<void> {
  const res = await fetch(`${adminUrl}/transfers/${payment.transferId}`);
  const detail = (await res.json()) as {
    transfer: { state: string };
    messages: Array<{ dialect: string; direction: string; name: string; body: string | null; note?: string }>;
    messagesNote: string;
  };
  out(`Messages of the ${payment.pair} payment ${payment.transferId} (${detail.transfer.state}), from GET ${adminUrl}/transfers/${payment.transferId}:`);
  out(`(${detail.messagesNote})`);
  for (const m of detail.messages) {
    out();
    out(`--- ${m.direction} · ${m.dialect} · ${m.name}${m.note ? ` (${m.note})` : ''}`);
    out(m.body ?? '(not renderable from the record)');
  }
  out();
}

const DATE = `"Date: $(date -u '+%a, %d %b %Y %H:%M:%S GMT')"`;

/** curl commands for a payment by hand: a lookup and a transfer whose terms walletb will honour, then its record. */
function printByHand(ctx: SuiteContext, s: DemoScheme, hub: Hub): void {
  // The ILP packet and condition a payee issues in its quote answer; made here with walletb's secret so that it fulfils.
  const t = ctx.newTransfer({ payer: s.walletA, payee: s.walletB, amount: '7.5', idKind: 'ulid', expiresInMs: 24 * 3600_000 });
  const v = (resource: string) =>
    `-H 'Content-Type: application/vnd.interoperability.${resource}+json;version=1.1' -H 'Accept: application/vnd.interoperability.${resource}+json;version=1'`;
  out('Send a payment by hand (bash; the simulated wallets answer until the demo stops):');
  out();
  out(`# 1. walleta looks up walletb's customer ${s.customers.walletB.id}; the answer goes to walleta's simulator (202 here)`);
  out(`curl -i ${hub.fspiop}/parties/MSISDN/${s.customers.walletB.id} ${v('parties')} -H 'FSPIOP-Source: ${DEMO_NAMES.walletA}' -H ${DATE}`);
  out();
  out(`# 2. walleta pays walletb 7.5 USD (terms walletb issued for this transfer id; 202, then walletb fulfils)`);
  out(
    `curl -i -X POST ${hub.fspiop}/transfers ${v('transfers')} -H 'FSPIOP-Source: ${DEMO_NAMES.walletA}' -H 'FSPIOP-Destination: ${DEMO_NAMES.walletB}' -H ${DATE} --data '${JSON.stringify(t.body)}'`,
  );
  out();
  out('# 3. the transfer as the hub recorded it, with its messages');
  out(`curl -s ${hub.admin}/transfers/${t.transferId}`);
  out();
}

function printSummary(o: Options, hub: Hub, payments: DemoPayment[], settled: { windowId: number; settlementId: number; state: string }, users: boolean): void {
  out(`Mizani demo: FSPIOP API ${hub.fspiop} (banks: POST ${hub.fspiop}/iso20022), Admin API ${hub.admin}`);
  out(`Participants: ${DEMO_NAMES.walletA}, ${DEMO_NAMES.walletB} (wallets, FSPIOP 1.1); ${DEMO_NAMES.bankA}, ${DEMO_NAMES.bankB} (banks, ISO 20022 XML); USD`);
  out();
  out('Payments:');
  for (const p of payments) out(`  COMMITTED  ${p.pair.padEnd(46)} ${p.amount.padStart(6)} USD  ${p.transferId}`);
  out();
  out(`Settlement: window ${settled.windowId} closed; settlement ${settled.settlementId} (DEFAULTDEFERREDNET) ${settled.state}`);
  out();
  out(`Portal: ${hub.admin}/portal/`);
  out(users ? 'Demo logins: see above.' : 'Demo logins: none needed (this build has no Admin API users: the Admin API is open).');
  out(`Hub log: ${resolve(o.dataDir, 'hub.log')}`);
  out();
}

async function main(): Promise<number> {
  const o = options();
  mkdirSync(o.dataDir, { recursive: true });
  // A fresh demo every run: only the demo's own database and log are removed.
  rmSync(resolve(o.dataDir, 'pglite'), { recursive: true, force: true });
  const users = hasUsers(o);
  const hub = await startHub(o);
  const ctx = new SuiteContext({ hubUrl: hub.fspiop, adminUrl: hub.admin, currency: 'USD', timeoutMs: 20_000 });
  const shutdown = async () => {
    await ctx.close();
    await hub.stop();
  };
  try {
    const scheme = await provisionDemo(ctx);
    const payments = await payAcrossDialects(ctx, scheme);
    const settled = await settleOpenWindow(new SettlementClient(ctx.admin));
    printSummary(o, hub, payments, settled, users);
    await printMessages(hub.admin, payments[1]!);
    printByHand(ctx, scheme, hub);
  } catch (err) {
    await shutdown();
    throw err;
  }
  if (o.once) {
    await shutdown();
    out('Demo done (--once): hub and simulators stopped.');
    return 0;
  }
  out('The hub and the simulators keep running; Ctrl-C stops them.');
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await shutdown();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`mizani demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
