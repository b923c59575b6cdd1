/**
 * `./mizani demo`: the hub on its embedded database with simulated participants — two wallets on FSPIOP and two banks
 * on ISO 20022 XML — a payment across every dialect pair, the window closed and settled, and what to look at next:
 * the portal, the messages of one payment in each dialect, and the commands to send a payment by hand. The simulators
 * keep answering until Ctrl-C; `--once` stops everything after printing (the test runs it so).
 *
 *   node dist/conformance/demo.js [--once] [--data-dir DIR] [--host H] [--fspiop-port N] [--admin-port N]
 *
 * It runs the hub's CLI as a child process (`node dist/switch/cli.js start`, MIZANI_PROFILE=demo, PGlite in
 * DIR/pglite, its log in DIR/hub.log) and talks to it only over the wire, as every conformance run does. The scheme is
 * set up with the Admin API open (MIZANI_ADMIN_AUTH=open, as a provisioning tool would); the hub then restarts with
 * auth and maker-checker on and the demo users (made with `mizani user add` while it is stopped: PGlite has one
 * process), and the settlement is proposed by one finance user and approved by the other.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AdminClient } from './lib/admin.js';
import { SuiteContext } from './lib/context.js';
import { DEMO_NAMES, handPaymentBody, payAcrossDialects, provisionDemo, settleOpenWindow, type DemoPayment, type DemoScheme } from './lib/demo-flows.js';
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

const USAGE = 'usage: mizani demo [--once] [--data-dir DIR] [--host HOST] [--fspiop-port N] [--admin-port N]';

class UsageError extends Error {}

function options(): Options | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        once: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        'data-dir': { type: 'string', default: process.env.MIZANI_DEMO_DIR ?? './data/demo' },
        host: { type: 'string', default: '127.0.0.1' },
        'fspiop-port': { type: 'string', default: process.env.MIZANI_FSPIOP_PORT ?? '3000' },
        'admin-port': { type: 'string', default: process.env.MIZANI_ADMIN_PORT ?? '3001' },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return 'help';
  for (const port of [values['fspiop-port']!, values['admin-port']!]) {
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new UsageError(`${port} is not a port number`);
  }
  return {
    once: values.once!,
    dataDir: resolve(values['data-dir']!),
    host: values.host!,
    fspiopPort: values['fspiop-port']!,
    adminPort: values['admin-port']!,
  };
}

/** The hub's environment: the demo profile on PGlite in the demo's folder, nothing inherited that would change it. */
function hubEnv(o: Options, auth: 'open' | 'on'): NodeJS.ProcessEnv {
  return {
    MIZANI_ADMIN_AUTH: auth,
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
function startHub(o: Options, auth: 'open' | 'on'): Promise<Hub> {
  const log = createWriteStream(resolve(o.dataDir, 'hub.log'), { flags: 'a' });
  const child = spawn(process.execPath, [CLI, 'start'], { env: hubEnv(o, auth), stdio: ['ignore', 'pipe', 'pipe'] });
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

/** The demo's logins (one password for all: it is a demo). Settlement takes two finance users under maker-checker. */
export const DEMO_PASSWORD = 'mizani-demo-password';
const DEMO_USERS: Array<{ name: string; roles: string; participant?: string; does: string }> = [
  { name: 'operator', roles: 'operator', does: 'participants, endpoints, keys, oracles' },
  { name: 'finance1', roles: 'finance', does: 'funds, limits, settlement: proposes' },
  { name: 'finance2', roles: 'finance', does: 'funds, limits, settlement: approves what finance1 proposes' },
  { name: 'auditor', roles: 'auditor', does: 'reads everything, changes nothing' },
  { name: 'walleta-user', roles: 'participant', participant: DEMO_NAMES.walletA, does: "walleta's own positions, limits, transfers" },
];

/** `mizani user add` for each demo user, the password on standard input (the hub must be stopped: PGlite). */
function addUsers(o: Options): void {
  for (const u of DEMO_USERS) {
    const args = [CLI, 'user', 'add', u.name, '--role', u.roles, ...(u.participant ? ['--participant', u.participant] : []), '--password-stdin'];
    const r = spawnSync(process.execPath, args, { env: hubEnv(o, 'on'), input: DEMO_PASSWORD, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mizani user add ${u.name} exited ${r.status}: ${r.stderr}`);
  }
}

async function tokenOf(adminUrl: string, username: string): Promise<string> {
  const res = await fetch(`${adminUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token) throw new Error(`POST /auth/token as ${username}: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

async function printMessages(adminUrl: string, token: string, payment: DemoPayment): Promise<void> {
  const res = await fetch(`${adminUrl}/transfers/${payment.transferId}`, { headers: { authorization: `Bearer ${token}` } });
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

/** What maker-checker recorded of the settlement: each change proposed by one user, executed on another's approval. */
async function printProposals(adminUrl: string, token: string): Promise<void> {
  const res = await fetch(`${adminUrl}/proposals?state=EXECUTED`, { headers: { authorization: `Bearer ${token}` } });
  const { proposals } = (await res.json()) as { proposals: Array<{ method: string; path: string; proposer: string; approver?: string }> };
  out(`Maker-checker (GET ${adminUrl}/proposals?state=EXECUTED): ${proposals.length} executed`);
  for (const p of proposals) out(`  ${p.method} ${p.path.padEnd(28)} proposed by ${p.proposer}, approved by ${p.approver ?? '?'}`);
  out();
}

const DATE = `"Date: $(date -u '+%a, %d %b %Y %H:%M:%S GMT')"`;

/**
 * The payment by hand of the README, sent once as a user would send it (with a fresh id): walleta pays walletb 5 USD
 * with the terms walletb issues for it. Its COMMITTED answer to walleta shows the README's commands work.
 */
async function payByHandOnce(ctx: SuiteContext, s: DemoScheme): Promise<string> {
  const transferId = randomUUID();
  const since = s.walletA.mark();
  const sent = await ctx.send({
    method: 'POST',
    path: '/transfers',
    version: '1.1',
    source: DEMO_NAMES.walletA,
    destination: DEMO_NAMES.walletB,
    body: JSON.stringify(handPaymentBody(transferId)),
  });
  if (sent.status !== 202) throw new Error(`the README's payment by hand was answered ${sent.status}: ${sent.rawBody}`);
  const done = await s.walletA.waitFor((r) => r.method === 'PUT' && r.path === `/transfers/${transferId}`, 20_000, { since });
  if (done.body?.transferState !== 'COMMITTED') throw new Error(`the README's payment by hand ended ${String(done.body?.transferState)}`);
  return transferId;
}

/** curl commands for a payment by hand, as in the README: a lookup, the transfer with walletb's terms, its record. */
function printByHand(hub: Hub, s: DemoScheme, checked: string): void {
  const v = (resource: string) =>
    `-H 'Content-Type: application/vnd.interoperability.${resource}+json;version=1.1' -H 'Accept: application/vnd.interoperability.${resource}+json;version=1'`;
  const terms = handPaymentBody('TRANSFER_ID');
  const body = JSON.stringify({ ...terms, transferId: '$TRANSFER_ID', expiration: '$EXPIRATION' }).replace(/"/g, '\\"');
  out(`Send a payment by hand (bash; README "Your first payment"; the simulated wallets answer until the demo stops; done once already: ${checked}):`);
  out();
  out(`# 1. walleta looks up walletb's customer ${s.customers.walletB.id}; the answer goes to walleta's simulator (202 here)`);
  out(`curl -i ${hub.fspiop}/parties/MSISDN/${s.customers.walletB.id} ${v('parties')} -H 'FSPIOP-Source: ${DEMO_NAMES.walletA}' -H ${DATE}`);
  out();
  out('# 2. walleta pays walletb 5 USD with the terms walletb issues for this payment (202, then walletb fulfils)');
  out(`TRANSFER_ID=$(node -e 'console.log(crypto.randomUUID())'); EXPIRATION=$(node -e 'console.log(new Date(Date.now() + 600000).toISOString())')`);
  out(
    `curl -i -X POST ${hub.fspiop}/transfers ${v('transfers')} -H 'FSPIOP-Source: ${DEMO_NAMES.walletA}' -H 'FSPIOP-Destination: ${DEMO_NAMES.walletB}' -H ${DATE} --data "${body}"`,
  );
  out();
  out('# 3. the transfer as the hub recorded it, with its messages (as the auditor)');
  out(
    `TOKEN=$(curl -s ${hub.admin}/auth/token -H 'Content-Type: application/json' --data '{"username":"auditor","password":"${DEMO_PASSWORD}"}' | sed 's/.*"access_token":"\\([^"]*\\)".*/\\1/')`,
  );
  out(`curl -s ${hub.admin}/transfers/$TRANSFER_ID -H "Authorization: Bearer $TOKEN"`);
  out();
}

function printSummary(o: Options, hub: Hub, payments: DemoPayment[], settled: { windowId: number; settlementId: number; state: string }): void {
  out(`Mizani demo: FSPIOP API ${hub.fspiop} (banks: POST ${hub.fspiop}/iso20022), Admin API ${hub.admin}`);
  out(`Participants: ${DEMO_NAMES.walletA}, ${DEMO_NAMES.walletB} (wallets, FSPIOP 1.1); ${DEMO_NAMES.bankA}, ${DEMO_NAMES.bankB} (banks, ISO 20022 XML); USD`);
  out();
  out('Payments:');
  for (const p of payments) out(`  COMMITTED  ${p.pair.padEnd(46)} ${p.amount.padStart(6)} USD  ${p.transferId}`);
  out();
  out(
    `Settlement: window ${settled.windowId} closed; settlement ${settled.settlementId} (DEFAULTDEFERREDNET) ${settled.state} (each step proposed by finance1, approved by finance2)`,
  );
  out();
  out(`Portal: ${hub.admin}/portal/  (Admin API auth on, maker-checker on; password of every demo login: ${DEMO_PASSWORD})`);
  for (const u of DEMO_USERS) out(`  ${u.name.padEnd(13)} ${u.roles.padEnd(12)} ${u.does}`);
  out(`Hub log: ${resolve(o.dataDir, 'hub.log')}`);
  out();
}

/** The set-up: the hub with its Admin API open, the four participants and their customers; then the hub stops. */
async function setUp(o: Options): Promise<{ ctx: SuiteContext; scheme: DemoScheme }> {
  const hub = await startHub(o, 'open');
  // The restart keeps the ports the first start was given (0: the ones it picked), so the simulators find it again.
  o.fspiopPort = new URL(hub.fspiop).port;
  o.adminPort = new URL(hub.admin).port;
  const ctx = new SuiteContext({ hubUrl: hub.fspiop, adminUrl: hub.admin, currency: 'USD', timeoutMs: 20_000 });
  try {
    return { ctx, scheme: await provisionDemo(ctx) };
  } catch (err) {
    await ctx.close();
    throw err;
  } finally {
    await hub.stop();
  }
}

/** Payments and the settlement on the hub with auth and maker-checker on; prints where to look. */
async function run(o: Options, ctx: SuiteContext, scheme: DemoScheme, hub: Hub): Promise<void> {
  const payments = await payAcrossDialects(ctx, scheme);
  // Its own connections are released when the demo exits.
  const finance = new AdminClient(hub.admin, { token: await tokenOf(hub.admin, 'finance1'), checkerToken: await tokenOf(hub.admin, 'finance2') });
  const settled = await settleOpenWindow(new SettlementClient(finance));
  const auditor = await tokenOf(hub.admin, 'auditor');
  printSummary(o, hub, payments, settled);
  await printProposals(hub.admin, auditor);
  await printMessages(hub.admin, auditor, payments[1]!);
  printByHand(hub, scheme, await payByHandOnce(ctx, scheme));
}

async function main(): Promise<number> {
  let o: Options;
  try {
    const parsed = options();
    if (parsed === 'help') {
      out(USAGE);
      out('  --once   run everything, print, stop the hub and the simulators, exit (default: keep them running until Ctrl-C)');
      return 0;
    }
    o = parsed;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`mizani demo: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  mkdirSync(o.dataDir, { recursive: true });
  // A fresh demo every run: only the demo's own database and log are removed.
  rmSync(resolve(o.dataDir, 'pglite'), { recursive: true, force: true });
  rmSync(resolve(o.dataDir, 'hub.log'), { force: true });
  const { ctx, scheme } = await setUp(o);
  let hub: Hub | undefined;
  const shutdown = async () => {
    await ctx.close();
    await hub?.stop();
  };
  try {
    addUsers(o);
    hub = await startHub(o, 'on');
    await run(o, ctx, scheme, hub);
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
