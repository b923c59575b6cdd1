/**
 * The hub as a lifecycle of parts (switch/hub.ts, switch/lifecycle.ts) on PostgreSQL: a start-up that
 * fails half-way (a migration that conflicts, a port already taken) rejects with that error and leaves
 * no listening socket, no database session, no advisory lock and no handle in the process; a normal
 * start and stop releases everything, in reverse start order.
 *
 * Failed start-ups run in a child process (test/support/lifecycle-child.ts) that never calls
 * process.exit: it must end by itself once its short linger timer has fired.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../switch/config.js';
import { startHub } from '../switch/hub.js';
import type { LifecycleEvent } from '../switch/lifecycle.js';
import { createTestDatabase, PG_ADMIN_URL, type TestDatabase } from './support/postgres.js';

const CHILD = fileURLToPath(new URL('./support/lifecycle-child.js', import.meta.url));
const LINGER_MS = 1500;
/** Parts that hold something and are stopped, in start order (TLS and XML signing are off here). */
const STOPPED_PARTS = [
  'database',
  'ledger writer',
  'JWS signer workers',
  'callback delivery',
  'party directory',
  'change notices from other hub processes',
  'admission control',
  'FSPIOP API',
  'proposal expiry',
  'Admin API',
  'ledger ownership',
];

let dir: string;
let keyFile: string;
let observer: pg.Client;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mizani-lifecycle-'));
  keyFile = join(dir, 'jws.key');
  // A signing key makes the hub start its signer worker thread: one more thing a failed start must release.
  await writeFile(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  observer = new pg.Client({ connectionString: PG_ADMIN_URL });
  await observer.connect();
});

after(async () => {
  await observer?.end();
  await rm(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function occupy(port: number): Promise<Server> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Sessions on the database and advisory locks in it, once the hub's sessions have had up to 3 s to end. */
async function held(database: TestDatabase): Promise<{ sessions: number; advisoryLocks: number }> {
  let state = { sessions: -1, advisoryLocks: -1 };
  for (let waited = 0; waited <= 3000; waited += 100) {
    const sessions = await observer.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [database.name]);
    const locks = await observer.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = $1",
      [database.name],
    );
    state = { sessions: sessions.rows[0]!.n, advisoryLocks: locks.rows[0]!.n };
    if (state.sessions === 0 && state.advisoryLocks === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return state;
}

function hubEnv(database: TestDatabase, fspiopPort: number, adminPort: number): Record<string, string> {
  return {
    MIZANI_DATABASE_URL: database.url,
    MIZANI_HOST: '127.0.0.1',
    MIZANI_FSPIOP_PORT: String(fspiopPort),
    MIZANI_ADMIN_PORT: String(adminPort),
    MIZANI_JWS_SIGNING_KEY: keyFile,
    MIZANI_JWS_SIGN_WORKERS: '1',
    MIZANI_EXPIRY_SWEEP_MS: '200',
  };
}

interface ChildReport {
  failed?: string;
  code?: string;
  stopped?: boolean;
  parts: string[];
  before: string[];
  after: string[];
}

/** Runs the child; resolves with its report (while it lingers) and a promise of its exit. */
async function runChild(env: Record<string, string>): Promise<{ report: ChildReport; exit: Promise<{ code: number | null; ms: number }> }> {
  const child = spawn(process.execPath, [CHILD], {
    env: { PATH: process.env.PATH ?? '', LINGER_MS: String(LINGER_MS), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const exit = new Promise<{ code: number | null; ms: number }>((resolve) => child.once('exit', (code) => resolve({ code, ms: Date.now() - reported })));
  let reported = Date.now();
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  void exit.then(() => clearTimeout(killer));
  const report = await new Promise<ChildReport>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const parsed = JSON.parse(line) as ChildReport & { started?: boolean };
      if (parsed.started) return;
      reported = Date.now();
      resolve(parsed);
    });
    void exit.then(({ code }) => reject(new Error(`the child exited (${code}) without a report:\n${stderr.join('\n')}`)));
  });
  return { report, exit };
}

/** Resources the hub left in the process: what the child holds now and did not hold before the start. */
function leftOver(report: ChildReport): string[] {
  const remaining = [...report.after];
  for (const r of report.before) {
    const i = remaining.indexOf(r);
    if (i >= 0) remaining.splice(i, 1);
  }
  return remaining;
}

/** The parts the lifecycle stopped after the failure, in the order it stopped them. */
function stoppedOrder(parts: string[]): string[] {
  return parts.filter((p) => p.startsWith('stopped ')).map((p) => p.slice('stopped '.length));
}

async function assertReleased(
  database: TestDatabase,
  ports: number[],
  report: ChildReport,
  exit: Promise<{ code: number | null; ms: number }>,
  expectedCode: number,
): Promise<void> {
  assert.deepEqual(await held(database), { sessions: 0, advisoryLocks: 0 }, 'no database session and no advisory lock is left');
  for (const port of ports) assert.equal(await listening(port), false, `nothing listens on ${port}`);
  assert.deepEqual(leftOver(report), [], 'no handle left in the process');
  const { code, ms } = await exit;
  assert.equal(code, expectedCode);
  assert.ok(ms < LINGER_MS + 5000, `the process ended by itself ${ms} ms after its report`);
}

test('a migration that conflicts: the start rejects with its error and releases everything', { timeout: 60_000 }, async () => {
  const database = await createTestDatabase('mizani_lifecycle_migration');
  try {
    // A database another application already uses: migration 001 cannot create its participant table.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('CREATE TABLE participant (id int)');
    await client.end();
    const [fspiopPort, adminPort] = [await freePort(), await freePort()];
    const { report, exit } = await runChild(hubEnv(database, fspiopPort, adminPort));
    assert.equal(report.failed, 'relation "participant" already exists');
    assert.equal(report.code, '42P07');
    assert.ok(report.parts.includes('start-failed migrations'), report.parts.join('\n'));
    assert.deepEqual(stoppedOrder(report.parts), ['database']);
    await assertReleased(database, [fspiopPort, adminPort], report, exit, 3);
  } finally {
    await database.drop();
  }
});

for (const taken of ['FSPIOP', 'Admin'] as const) {
  test(`the ${taken} port already taken: the start rejects with EADDRINUSE and releases everything`, { timeout: 60_000 }, async () => {
    const database = await createTestDatabase('mizani_lifecycle_port');
    const [fspiopPort, adminPort] = [await freePort(), await freePort()];
    const blocker = await occupy(taken === 'FSPIOP' ? fspiopPort : adminPort);
    try {
      const { report, exit } = await runChild(hubEnv(database, fspiopPort, adminPort));
      assert.equal(report.code, 'EADDRINUSE', report.failed);
      assert.ok(report.parts.includes(`start-failed ${taken} API listening`), report.parts.join('\n'));
      // Everything started before the failing part, newest first (the ledger writer held the advisory lock).
      const started = STOPPED_PARTS.filter((p) => p !== 'ledger ownership');
      assert.deepEqual(stoppedOrder(report.parts), [...started].reverse());
      await assertReleased(database, [taken === 'FSPIOP' ? adminPort : fspiopPort], report, exit, 3);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
      await database.drop();
    }
  });
}

test('start then stop: everything released, in reverse start order; stop is idempotent', { timeout: 60_000 }, async () => {
  const database = await createTestDatabase('mizani_lifecycle_stop');
  try {
    const [fspiopPort, adminPort] = [await freePort(), await freePort()];
    const events: LifecycleEvent[] = [];
    const baseline = process.getActiveResourcesInfo();
    const hub = await startHub(loadConfig(hubEnv(database, fspiopPort, adminPort)), pino({ level: 'silent' }), { observe: (e) => events.push(e) });
    assert.equal(await listening(fspiopPort), true);
    assert.equal(await listening(adminPort), true);
    const lock = await observer.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = $1",
      [database.name],
    );
    assert.equal(lock.rows[0]!.n, 1, 'the ledger writer holds its lock while the hub runs');

    await Promise.all([hub.stop(), hub.stop()]);
    await hub.stop();
    const started = events.filter((e) => e.event === 'started').map((e) => e.part);
    const stopped = events.filter((e) => e.event === 'stopped').map((e) => e.part);
    assert.deepEqual(
      started.filter((p) => STOPPED_PARTS.includes(p)),
      STOPPED_PARTS,
      'start order',
    );
    assert.deepEqual(stopped, [...STOPPED_PARTS].reverse(), 'each part stopped once, in reverse order');
    assert.equal(events.filter((e) => e.event === 'stop-failed' || e.event === 'stop-timed-out').length, 0);

    assert.deepEqual(await held(database), { sessions: 0, advisoryLocks: 0 });
    assert.equal(await listening(fspiopPort), false);
    assert.equal(await listening(adminPort), false);
    assert.deepEqual(await settledResources(baseline), [], 'no handle left in this process');
  } finally {
    await database.drop();
  }
});

test('start then stop in a process of its own: it ends by itself', { timeout: 60_000 }, async () => {
  const database = await createTestDatabase('mizani_lifecycle_exit');
  try {
    const [fspiopPort, adminPort] = [await freePort(), await freePort()];
    const { report, exit } = await runChild(hubEnv(database, fspiopPort, adminPort));
    assert.equal(report.stopped, true, report.failed);
    assert.deepEqual(stoppedOrder(report.parts), [...STOPPED_PARTS].reverse());
    await assertReleased(database, [fspiopPort, adminPort], report, exit, 0);
  } finally {
    await database.drop();
  }
});

/** Resources this process holds beyond `baseline`, after closing sockets have had a moment to go. */
async function settledResources(baseline: string[]): Promise<string[]> {
  let extra: string[] = [];
  for (let i = 0; i < 20; i++) {
    extra = leftOver({ before: baseline, after: process.getActiveResourcesInfo(), parts: [] });
    if (extra.length === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return extra;
}
