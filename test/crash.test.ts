/**
 * Crash test: `kill -9` the hub while transfers are in flight, restart it on the same database and
 * show that nothing it promised is lost and that the books still balance.
 *
 * 1. A hub process on a fresh PostgreSQL database; a payer and a payee whose callback endpoints are
 *    simulators in this process (they outlive the hub).
 * 2. Load: prepares at a steady pace (expiration now + 6 s). The payee fulfils every other transfer
 *    as soon as it gets the prepare and stays silent on the rest.
 * 3. Once KILL_AFTER_202 prepares have had their 202, the crash: the test holds up the ledger's
 *    writes (a lock on `transfer`, as a stalled disk would) while prepares and fulfils keep coming,
 *    SIGKILLs the hub with a tick of prepares and some fulfils stuck mid-flight, terminates the dead
 *    hub's PostgreSQL sessions and only then releases the lock. Whatever the hub acknowledged before
 *    it was durable is therefore lost for certain, not by luck of timing (a hub altered to answer
 *    202 — or 200 — before its write fails this test on every run). Right after the crash every
 *    prepare answered 202 must be in `transfer`, every fulfil answered 200 must be COMMITTED, and
 *    journal, balances and positions must reconcile.
 * 4. Restart on the same database. The payee re-sends every fulfil it decided on, byte for byte (the
 *    retry of a payee that may not have had an answer); silent transfers are aborted by expiry.
 * 5. Once nothing is RESERVED: every transfer is final with the outcome its history allows, the
 *    journal balances, cached balances equal their journal, positions equal what the transfer table
 *    implies (database and Admin API), the restarted hub reloaded exactly the reservations left by the
 *    crash, and the new hub told the parties: 3303 to payer and payee for each expired transfer, the
 *    fulfil forwarded to the payer for each it committed, the final state to the payee for each
 *    duplicate fulfil of a transfer committed before the crash.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { after, test, type TestContext } from 'node:test';
import pg from 'pg';
import { AdminClient, provision } from '../conformance/lib/admin.js';
import { FspiopClient } from '../conformance/lib/http.js';
import { buildIlpPacket, generateFulfilment, transactionObject } from '../conformance/lib/ilp.js';
import { randomName } from '../conformance/lib/util.js';
import { startHubProcess, type HubProcess } from './support/hub-process.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

const CURRENCY = 'USD';
const HUB_NAME = 'Hub';
/** Prepares planned; the kill comes well before the last of them. */
const TRANSFERS = 400;
/** Planned duration of the load: a steady pace of PER_TICK prepares every TICK_MS. */
const LOAD_MS = 2500;
const TICK_MS = 50;
const PER_TICK = Math.ceil((TRANSFERS * TICK_MS) / LOAD_MS);
const CONCURRENCY = 16;
/** Crash once this many prepares have had their 202 (and others are in flight). */
const KILL_AFTER_202 = 150;
const EXPIRES_IN_MS = 6000;
/** How long the ledger's writes are held up before the kill (at least; at most STALL_MAX_MS). */
const STALL_MS = 150;
const STALL_MAX_MS = 3000;
const HUB_ENV = { MIZANI_EXPIRY_SWEEP_MS: '200' };

type FinalState = 'COMMITTED' | 'ABORTED_REJECTED' | 'ABORTED_ERROR' | 'EXPIRED_RESERVED' | 'INVALID';
const FINAL_STATES = new Set<string>(['COMMITTED', 'ABORTED_REJECTED', 'ABORTED_ERROR', 'EXPIRED_RESERVED', 'INVALID']);
const ABORTED_STATES = new Set<string>(['ABORTED_REJECTED', 'ABORTED_ERROR', 'EXPIRED_RESERVED']);

// ---------------------------------------------------------------------------------------------- helpers

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Exact decimal text → ledger units (10^-4), the ledger's scale. */
function units(text: string | number): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(text).trim());
  if (!m) throw new Error(`not a plain decimal: ${text}`);
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > 4) throw new Error(`more than 4 decimals: ${text}`);
  const v = BigInt(m[2]! + frac.padEnd(4, '0'));
  return m[1] ? -v : v;
}

/** An FSPIOP amount (no trailing fractional zeros): 5, 5.1, 5.07. */
function fspiopAmount(whole: number, cents: number): string {
  if (cents === 0) return String(whole);
  return `${whole}.${String(cents).padStart(2, '0').replace(/0$/, '')}`;
}

function fmt(u: bigint): string {
  const neg = u < 0n;
  const s = (neg ? -u : u).toString().padStart(5, '0');
  return `${neg ? '-' : ''}${s.slice(0, -4)}.${s.slice(-4)}`;
}

/** Poll `probe` until `done` holds; throws with `describe(last)` after `timeoutMs`. */
async function until<T>(
  probe: () => Promise<T> | T,
  done: (value: T) => boolean,
  o: { timeoutMs: number; intervalMs?: number; label: string; describe?: (value: T) => string },
): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() >= deadline) {
      throw new Error(`${o.label}: not reached within ${o.timeoutMs} ms${o.describe ? ` (last: ${o.describe(value)})` : ''}`);
    }
    await sleep(o.intervalMs ?? 100);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The interesting part of the hub's log: warnings and errors (pino levels ≥ 40) and stderr. */
function hubProblems(hub: HubProcess | undefined, max = 15): string[] {
  if (!hub) return [];
  return hub.logs.filter((l) => l.startsWith('stderr:') || /"level":\s*(4|5|6)\d/.test(l)).slice(0, max);
}

// ---------------------------------------------------------------------------------------------- simulators

interface Received {
  seq: number;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  at: number;
}

/** A DFSP's callback endpoint: records everything, answers at once (202 POST, 200 PUT/PATCH). */
class CallbackServer {
  readonly received: Received[] = [];
  onPrepare?: (body: any) => void;
  private server?: Server;
  baseUrl = '';

  constructor(readonly name: string) {}

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', () => undefined);
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        const method = (req.method ?? '').toUpperCase();
        const rec: Received = { seq: this.received.length + 1, method, path: req.url ?? '/', headers: req.headers, body, at: Date.now() };
        this.received.push(rec);
        res.statusCode = method === 'PUT' || method === 'PATCH' ? 200 : 202;
        res.setHeader('content-length', '0');
        res.end();
        if (method === 'POST' && /^\/transfers\/?$/.test(rec.path)) this.onPrepare?.(body);
      });
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** `PUT /transfers/{id}[/error]` from `source` received after `since` (a `received.length`), by transfer id. */
  callbacks(since: number, kind: 'put' | 'error', source = HUB_NAME): Map<string, Received[]> {
    const out = new Map<string, Received[]>();
    const re = kind === 'error' ? /^\/transfers\/([^/?]+)\/error$/ : /^\/transfers\/([^/?]+)$/;
    for (const r of this.received) {
      if (r.seq <= since || r.method !== 'PUT' || r.headers['fspiop-source'] !== source) continue;
      const m = re.exec(r.path);
      if (!m) continue;
      const id = decodeURIComponent(m[1]!);
      out.set(id, [...(out.get(id) ?? []), r]);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------- transfers

interface Attempt {
  hub: 1 | 2;
  sentAt: number;
  doneAt?: number;
  status?: number;
  error?: string;
}

interface Planned {
  index: number;
  id: string;
  amount: string;
  /** The payee fulfils this one as soon as it sees the prepare; otherwise it stays silent. */
  fulfil: boolean;
  fulfilment: string;
  condition: string;
  expiresAt: number;
  prepare?: Attempt;
  payeeGotPrepare: boolean;
  /** Exact bytes of the payee's fulfil: its retry re-sends the same body (a different one would be a 3106). */
  fulfilBody?: string;
  fulfils: Attempt[];
}

interface Row {
  id: string;
  state: string;
  amount: string;
  payer: string;
  payee: string;
}

// ---------------------------------------------------------------------------------------------- ledger reading

async function transferRows(db: pg.Client): Promise<Map<string, Row>> {
  const r = await db.query<Row>(`SELECT id, state, amount::text AS amount, payer, payee FROM transfer WHERE kind = 'TRANSFER'`);
  return new Map(r.rows.map((row) => [row.id, row]));
}

async function countReserved(db: pg.Client): Promise<number> {
  const r = await db.query<{ n: string }>(`SELECT count(*) AS n FROM transfer WHERE state = 'RESERVED'`);
  return Number(r.rows[0]!.n);
}

/**
 * The books, read from PostgreSQL: journal balanced per currency, every cached balance equal to its
 * journal, each transfer's journal matching its state, and positions (and the clearing account)
 * equal to what the transfer table implies. Returns the positions for comparison with the Admin API.
 */
async function reconcile(
  db: pg.Client,
  label: string,
  parties: { payer: string; payee: string },
  sent: Map<string, Planned>,
): Promise<{ payerPosition: bigint; payeePosition: bigint; committed: number; reserved: number }> {
  const unbalanced = await db.query<{ currency: string; total: string }>(
    `SELECT a.currency, sum(j.amount)::text AS total FROM journal_entry j JOIN account a ON a.id = j.account_id
     GROUP BY a.currency HAVING sum(j.amount) <> 0`,
  );
  assert.deepEqual(unbalanced.rows, [], `${label}: the journal must balance to zero per currency`);

  const drifted = await db.query<{ id: number; type: string; value: string; journal: string }>(
    `SELECT a.id, a.ledger_account_type AS type, a.value::text AS value, coalesce(sum(j.amount), 0)::text AS journal
     FROM account a LEFT JOIN journal_entry j ON j.account_id = a.id
     GROUP BY a.id HAVING a.value <> coalesce(sum(j.amount), 0)`,
  );
  assert.deepEqual(drifted.rows, [], `${label}: every account's cached value must equal the sum of its journal entries`);

  // Each transfer's journal must be exactly what its state implies: no lost half, no double commit/abort.
  const events = await db.query<{ id: string; state: string; events: string | null; net: string | null }>(
    `SELECT t.id, t.state, string_agg(j.event, ',' ORDER BY j.event) AS events, sum(j.amount)::text AS net
     FROM transfer t LEFT JOIN journal_entry j ON j.transfer_id = t.id
     WHERE t.kind = 'TRANSFER' GROUP BY t.id, t.state`,
  );
  const expectedEvents: Record<string, string | null> = {
    RESERVED: 'PREPARE,PREPARE',
    COMMITTED: 'COMMIT,COMMIT,PREPARE,PREPARE',
    EXPIRED_RESERVED: 'ABORT,ABORT,PREPARE,PREPARE',
    ABORTED_ERROR: 'ABORT,ABORT,PREPARE,PREPARE',
  };
  const wrongJournal = events.rows.filter((r) => (expectedEvents[r.state] ?? null) !== r.events || (r.net !== null && units(r.net) !== 0n));
  assert.deepEqual(wrongJournal.slice(0, 10), [], `${label}: ${wrongJournal.length} transfer(s) whose journal does not match their state`);

  const rows = await transferRows(db);
  for (const row of rows.values()) {
    const planned = sent.get(row.id);
    assert.ok(planned, `${label}: transfer ${row.id} in the database was never sent`);
    assert.equal(units(row.amount), units(planned.amount), `${label}: stored amount of ${row.id}`);
    assert.equal(row.payer, parties.payer);
    assert.equal(row.payee, parties.payee);
  }
  let committed = 0n;
  let reserved = 0n;
  let nCommitted = 0;
  let nReserved = 0;
  for (const row of rows.values()) {
    if (row.state === 'COMMITTED') {
      committed += units(row.amount);
      nCommitted++;
    } else if (row.state === 'RESERVED') {
      reserved += units(row.amount);
      nReserved++;
    }
  }
  const accounts = await db.query<{ name: string; type: string; value: string }>(
    `SELECT p.name, a.ledger_account_type AS type, a.value::text AS value FROM account a JOIN participant p ON p.id = a.participant_id
     WHERE a.currency = $1 AND (p.name = ANY ($2) AND a.ledger_account_type = 'POSITION' OR a.ledger_account_type = 'HUB_CLEARING')`,
    [CURRENCY, [parties.payer, parties.payee]],
  );
  const value = (name: string | null, type: string) => {
    const a = accounts.rows.find((r) => r.type === type && (name === null || r.name === name));
    assert.ok(a, `${label}: no ${type} account${name ? ` for ${name}` : ''}`);
    return units(a.value);
  };
  const payerPosition = value(parties.payer, 'POSITION');
  const payeePosition = value(parties.payee, 'POSITION');
  assert.equal(fmt(payerPosition), fmt(committed + reserved), `${label}: payer POSITION = Σ committed (${fmt(committed)}) + Σ reserved (${fmt(reserved)})`);
  assert.equal(fmt(payeePosition), fmt(-committed), `${label}: payee POSITION = −Σ committed (${fmt(committed)})`);
  assert.equal(fmt(value(null, 'HUB_CLEARING')), fmt(-reserved), `${label}: HUB_CLEARING = −Σ reserved`);
  return { payerPosition, payeePosition, committed: nCommitted, reserved: nReserved };
}

// ---------------------------------------------------------------------------------------------- the test

let database: TestDatabase | undefined;
let db: pg.Client | undefined;
/** Holds the lock that stalls the ledger's writes just before the kill. */
let lockConn: pg.Client | undefined;
const hubs: HubProcess[] = [];
const clients: FspiopClient[] = [];
const sims: CallbackServer[] = [];

after(async () => {
  for (const hub of hubs) await hub.stop('SIGKILL').catch(() => undefined);
  await Promise.allSettled(clients.map((c) => c.close()));
  await Promise.allSettled(sims.map((s) => s.stop()));
  await db?.end().catch(() => undefined);
  await lockConn?.end().catch(() => undefined);
  await database?.drop();
});

test('kill -9 with transfers in flight: every 202 survives, every transfer ends final, the books reconcile', { timeout: 180_000 }, async (t: TestContext) => {
  database = await createTestDatabase('mizani_crash');
  const env = { MIZANI_DATABASE_URL: database.url, ...HUB_ENV };
  const hub1 = await startHubProcess(env);
  hubs.push(hub1);

  const payerName = randomName('crashpayer');
  const payeeName = randomName('crashpayee');
  const payer = await new CallbackServer(payerName).start();
  const payee = await new CallbackServer(payeeName).start();
  sims.push(payer, payee);

  const admin1 = new AdminClient(hub1.adminUrl, { timeoutMs: 30_000 });
  await provision(
    admin1,
    [
      { name: payerName, currency: CURRENCY, ndc: '10000000', fundsIn: '100000000', callbackBase: payer.baseUrl },
      { name: payeeName, currency: CURRENCY, ndc: '10000000', fundsIn: '100000000', callbackBase: payee.baseUrl },
    ],
    { hubName: HUB_NAME, timeoutMs: 30_000 },
  );

  db = new pg.Client({ connectionString: database.url });
  await db.connect();
  lockConn = new pg.Client({ connectionString: database.url });
  await lockConn.connect();
  const pidOf = async (c: pg.Client) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const dbPid = await pidOf(db);
  const lockPid = await pidOf(lockConn);

  // ---- the plan: amounts vary so that sums are not trivially right; every other one is fulfilled
  const plan: Planned[] = Array.from({ length: TRANSFERS }, (_, i) => {
    const { fulfilment, condition } = generateFulfilment();
    return {
      index: i,
      id: randomUUID(),
      amount: fspiopAmount(1 + (i % 47), (i * 37) % 100),
      fulfil: i % 2 === 0,
      fulfilment,
      condition,
      expiresAt: 0,
      payeeGotPrepare: false,
      fulfils: [],
    };
  });
  const byId = new Map(plan.map((p) => [p.id, p]));

  let hubClient = new FspiopClient(hub1.fspiopUrl, { timeoutMs: 30_000 });
  let hubNo: 1 | 2 = 1;
  clients.push(hubClient);
  const pending = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    void p.finally(() => pending.delete(p)).catch(() => undefined);
    return p;
  };

  const sendFulfil = async (p: Planned): Promise<Attempt> => {
    const attempt: Attempt = { hub: hubNo, sentAt: Date.now() };
    p.fulfils.push(attempt);
    const path = `/transfers/${p.id}`;
    try {
      const res = await hubClient.send({
        method: 'PUT',
        path,
        version: '1.1',
        resource: 'transfers',
        source: payeeName,
        destination: payerName,
        body: p.fulfilBody!,
        headers: { 'fspiop-uri': path, 'fspiop-http-method': 'PUT' },
      });
      attempt.status = res.status;
      if (res.status !== 200) attempt.error = res.rawBody.slice(0, 300);
    } catch (err) {
      attempt.error = errorText(err);
    }
    attempt.doneAt = Date.now();
    return attempt;
  };

  // ---- the crash
  let accepted = 0;
  let killed = false;
  let killAt = 0;
  let stalledAt = 0;
  let outstandingPrepares = 0;
  let atKill = { preparesInFlight: 0, fulfilsInFlight: 0, stallMs: 0, fulfilOk: 0 };
  const slotWaiters: Array<() => void> = [];
  const preparesInFlight = () => plan.reduce((n, p) => n + (p.prepare && p.prepare.doneAt === undefined ? 1 : 0), 0);
  const fulfilsInFlight = () => plan.reduce((n, p) => n + p.fulfils.filter((f) => f.doneAt === undefined).length, 0);

  const kill = () => {
    if (killed) return;
    killed = true;
    killAt = Date.now();
    atKill = {
      preparesInFlight: preparesInFlight(),
      fulfilsInFlight: fulfilsInFlight(),
      stallMs: stalledAt ? killAt - stalledAt : 0,
      fulfilOk: plan.filter((p) => p.fulfils.some((f) => f.status === 200)).length,
    };
    hub1.child.kill('SIGKILL');
    for (const w of slotWaiters.splice(0)) w();
  };

  /**
   * The crash, begun when the payee gets a prepare it will fulfil after KILL_AFTER_202 prepares
   * have had their 202. First the ledger's writes are held up (a lock on `transfer`, as a stalled
   * disk would): a correct hub then acknowledges nothing more, while a hub that answered before its
   * write was durable would go on sending 202s and 200s. After at least STALL_MS — two ticks of
   * prepares and the payee's latest fulfils reach the hub meanwhile — and once a tick's worth of
   * prepares and at least one fulfil are stuck mid-flight, SIGKILL. The dead hub's sessions are then
   * terminated (their open transactions roll back; nobody was promised those writes) before the lock
   * is released, so anything acknowledged before it was durable is certainly lost — and noticed.
   */
  let crashing: Promise<void> | undefined;
  let markStalled!: () => void;
  const stalled = new Promise<void>((resolve) => (markStalled = resolve));
  const crash = async (): Promise<void> => {
    await lockConn!.query('BEGIN');
    await lockConn!.query('LOCK TABLE transfer IN EXCLUSIVE MODE');
    stalledAt = Date.now();
    markStalled();
    while (Date.now() - stalledAt < STALL_MAX_MS && (Date.now() - stalledAt < STALL_MS || preparesInFlight() < PER_TICK || fulfilsInFlight() < 1)) {
      await sleep(2);
    }
    kill();
    // The dead hub's sessions: every client of this database but the test's own two.
    const theirs = `FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND pid <> ALL ($2::int[])`;
    const params = [database!.name, [lockPid, dbPid]];
    await db!.query(`SELECT pg_terminate_backend(pid, 10000) ${theirs}`, params);
    await until(
      async () => Number((await db!.query<{ n: string }>(`SELECT count(*) AS n ${theirs}`, params)).rows[0]!.n),
      (n) => n === 0,
      {
        timeoutMs: 30_000,
        intervalMs: 20,
        label: "the dead hub's PostgreSQL sessions end",
        describe: (n) => `${n} session(s)`,
      },
    );
    await lockConn!.query('ROLLBACK');
  };

  // The payee: fulfil at once (decided when the prepare arrives) or stay silent.
  payee.onPrepare = (body) => {
    const p = typeof body?.transferId === 'string' ? byId.get(body.transferId) : undefined;
    if (!p || p.payeeGotPrepare) return;
    p.payeeGotPrepare = true;
    if (!p.fulfil) return;
    p.fulfilBody = JSON.stringify({ transferState: 'COMMITTED', fulfilment: p.fulfilment, completedTimestamp: new Date().toISOString() });
    if (!crashing && accepted >= KILL_AFTER_202) crashing = crash();
    // Once the crash has begun, fulfils go out as soon as the ledger is stalled, so that some
    // certainly reach the hub while its writes are held up.
    void track(crashing ? stalled.then(() => sendFulfil(p)) : sendFulfil(p));
  };

  // ---- the load
  const sendPrepare = async (p: Planned): Promise<void> => {
    const expiration = new Date(Date.now() + EXPIRES_IN_MS).toISOString();
    p.expiresAt = Date.parse(expiration);
    const ilpPacket = buildIlpPacket({
      amount: p.amount,
      currency: CURRENCY,
      condition: p.condition,
      expiresAt: expiration,
      transaction: transactionObject({
        quoteId: randomUUID(),
        transactionId: randomUUID(),
        payerFsp: payerName,
        payeeFsp: payeeName,
        amount: p.amount,
        currency: CURRENCY,
        expiration,
      }),
    });
    const body = {
      transferId: p.id,
      payerFsp: payerName,
      payeeFsp: payeeName,
      amount: { amount: p.amount, currency: CURRENCY },
      ilpPacket,
      condition: p.condition,
      expiration,
    };
    const attempt: Attempt = { hub: 1, sentAt: Date.now() };
    p.prepare = attempt;
    try {
      const res = await hubClient.send({
        method: 'POST',
        path: '/transfers',
        version: '1.1',
        source: payerName,
        destination: payeeName,
        body: JSON.stringify(body),
      });
      attempt.status = res.status;
      if (res.status !== 202) attempt.error = res.rawBody.slice(0, 300);
    } catch (err) {
      attempt.error = errorText(err);
    }
    attempt.doneAt = Date.now();
    if (attempt.status === 202) accepted++;
  };

  const loadStart = Date.now();
  for (const p of plan) {
    if (killed) break;
    const due = loadStart + Math.floor(p.index / PER_TICK) * TICK_MS;
    if (due > Date.now()) await sleep(due - Date.now());
    while (!killed && outstandingPrepares >= CONCURRENCY) await new Promise<void>((r) => slotWaiters.push(r));
    if (killed) break;
    outstandingPrepares++;
    void track(
      sendPrepare(p).finally(() => {
        outstandingPrepares--;
        slotWaiters.shift()?.();
      }),
    );
  }
  if (!crashing) {
    t.diagnostic(`the load ended with only ${accepted} 202s: crashing now`);
    crashing = crash();
  }
  await crashing;
  const loadMs = killAt - loadStart;

  let exitTimer: NodeJS.Timeout | undefined;
  const exitCode = await Promise.race([hub1.exited, new Promise<'timeout'>((resolve) => (exitTimer = setTimeout(() => resolve('timeout'), 15_000)))]);
  clearTimeout(exitTimer);
  assert.notEqual(exitCode, 'timeout', 'the killed hub did not exit');
  assert.equal(hub1.child.signalCode, 'SIGKILL', 'the hub died of the SIGKILL');
  // Every request the dead hub had (prepares, fulfils) fails or was answered before it died.
  await until(
    () => pending.size,
    (n) => n === 0,
    { timeoutMs: 30_000, label: 'requests to the dead hub settle' },
  );

  // ---- what survived the crash
  const sent = new Map(plan.filter((p) => p.prepare).map((p) => [p.id, p]));
  const prepares = [...sent.values()];
  const got202 = prepares.filter((p) => p.prepare!.status === 202);
  const otherStatus = prepares.filter((p) => p.prepare!.status !== undefined && p.prepare!.status !== 202);
  const connectionErrors = prepares.filter((p) => p.prepare!.status === undefined);
  assert.deepEqual(
    otherStatus.map((p) => `${p.id}: ${p.prepare!.status} ${p.prepare!.error}`),
    [],
    'a valid prepare to a live hub gets 202 (or, in the crash, no answer)',
  );
  assert.ok(got202.length >= KILL_AFTER_202 / 2, `only ${got202.length} prepares had a 202 before the kill`);

  const atCrash = await transferRows(db);
  const reservedAtCrash = await countReserved(db);
  const savedWithoutAnswer = connectionErrors.filter((p) => atCrash.has(p.id)).length;
  const committedWithoutAnswer = plan.filter(
    (p) => p.fulfils.length > 0 && !p.fulfils.some((f) => f.status === 200) && atCrash.get(p.id)?.state === 'COMMITTED',
  ).length;
  t.diagnostic(
    `load: ${prepares.length} prepares sent in ${loadMs} ms (of ${TRANSFERS} planned); ${got202.length} had their 202 before the kill; ` +
      `${connectionErrors.length} no answer (${savedWithoutAnswer} of them saved anyway)`,
  );
  t.diagnostic(
    `kill after a ${atKill.stallMs} ms ledger stall, with ${atKill.preparesInFlight} prepares and ${atKill.fulfilsInFlight} fulfils in flight; ` +
      `${atKill.fulfilOk} fulfils had their 200; ${committedWithoutAnswer} committed without the 200 reaching the payee`,
  );
  t.diagnostic(
    `at the crash: ${atCrash.size} transfers in the database, ${reservedAtCrash} RESERVED, ${[...atCrash.values()].filter((r) => r.state === 'COMMITTED').length} COMMITTED`,
  );
  const lost202 = got202.filter((p) => !atCrash.has(p.id));
  assert.deepEqual(
    lost202.map((p) => p.id),
    [],
    `${lost202.length} prepare(s) answered 202 are missing from the database after the crash (202 before the write was durable?)`,
  );
  const fulfilledByHub1 = plan.filter((p) => p.fulfils.some((f) => f.hub === 1 && f.status === 200));
  const lostFulfils = fulfilledByHub1.filter((p) => atCrash.get(p.id)?.state !== 'COMMITTED');
  assert.deepEqual(
    lostFulfils.map((p) => `${p.id}: ${atCrash.get(p.id)?.state ?? 'absent'}`),
    [],
    'every fulfil answered 200 before the crash is COMMITTED (200 before the commit was durable?)',
  );
  await reconcile(db, 'right after the crash', { payer: payerName, payee: payeeName }, sent);
  assert.ok(reservedAtCrash > 0, 'the kill caught reservations (the silent transfers at least)');

  // ---- restart on the same database; the simulators now talk to the new hub
  const payerMark = payer.received.length;
  const payeeMark = payee.received.length;
  const restartStart = Date.now();
  const hub2 = await startHubProcess(env, 60_000);
  hubs.push(hub2);
  const restartMs = Date.now() - restartStart;
  const readyMs = Date.now() - killAt;
  hubClient = new FspiopClient(hub2.fspiopUrl, { timeoutMs: 30_000 });
  hubNo = 2;
  clients.push(hubClient);

  const loaded = hub2.logs.map((l) => (l.includes('"ledger state loaded"') ? (JSON.parse(l) as { inFlight?: number }) : undefined)).find(Boolean);
  assert.ok(loaded, `the restarted hub logs "ledger state loaded":\n${hub2.logs.slice(0, 10).join('\n')}`);
  t.diagnostic(`restart: new hub up in ${restartMs} ms (${readyMs} ms after the kill), loaded inFlight=${loaded.inFlight}`);
  assert.equal(loaded.inFlight, reservedAtCrash, 'the restarted hub loaded exactly the reservations the crash left');

  // The payee retries every fulfil it decided on (same bytes) until the new hub answers it.
  const resend = plan.filter((p) => p.fulfilBody !== undefined);
  await Promise.all(
    resend.map(async (p) => {
      for (let i = 0; i < 10; i++) {
        const a = await sendFulfil(p);
        if (a.status === 200 || (a.status !== undefined && a.status < 500)) return;
        await sleep(200 * (i + 1));
      }
    }),
  );
  const unanswered = resend.filter((p) => !p.fulfils.some((f) => f.hub === 2 && f.status === 200));
  assert.deepEqual(
    unanswered.map((p) => `${p.id}: ${p.fulfils.map((f) => `${f.hub}:${f.status ?? f.error}`).join(' ')}`),
    [],
    'the new hub answers 200 to every re-sent fulfil',
  );

  // ---- recovery: nothing RESERVED any more (the silent ones expire)
  const lastExpiry = Math.max(...prepares.map((p) => p.expiresAt));
  await until(
    () => countReserved(db!),
    (n) => n === 0,
    {
      timeoutMs: Math.max(0, lastExpiry - Date.now()) + 30_000,
      intervalMs: 200,
      label: 'every RESERVED transfer ends (commit or expiry) after the restart',
      describe: (n) => `${n} still RESERVED; hub problems: ${hubProblems(hub2).join('\n') || 'none'}`,
    },
  );
  const recoveredMs = Date.now() - killAt;
  const final = await transferRows(db);
  const finalCounts = new Map<string, number>();
  for (const r of final.values()) finalCounts.set(r.state, (finalCounts.get(r.state) ?? 0) + 1);
  t.diagnostic(
    `after recovery (nothing RESERVED ${recoveredMs} ms after the kill): ${[...finalCounts].map(([st, n]) => `${st} ${n}`).join(', ')}; ` +
      `${resend.length} fulfils re-sent`,
  );

  // ---- every transfer is final, with the outcome its history allows
  const notFinal = [...final.values()].filter((r) => !FINAL_STATES.has(r.state));
  assert.deepEqual(
    notFinal.map((r) => `${r.id}: ${r.state}`),
    [],
    'no transfer is left RESERVED (or in any non-final state)',
  );
  const bad: string[] = [];
  for (const p of got202) {
    const state = final.get(p.id)?.state;
    if (state !== 'COMMITTED' && !ABORTED_STATES.has(state ?? '')) bad.push(`${p.id} (202): ${state ?? 'absent'}`);
  }
  for (const p of connectionErrors) {
    const state = final.get(p.id)?.state;
    if (state !== undefined && !FINAL_STATES.has(state)) bad.push(`${p.id} (no answer): ${state}`);
  }
  for (const p of prepares) {
    const state = final.get(p.id)?.state;
    if (state === undefined) continue;
    let allowed: FinalState[];
    let why: string;
    if (p.fulfils.length === 0) {
      // Silent by plan, or the hub died before the prepare reached the payee: nobody fulfils it.
      allowed = ['EXPIRED_RESERVED'];
      why = p.fulfil ? 'prepare never reached the payee' : 'payee silent';
    } else if (p.fulfils.some((f) => f.status === 200 && f.doneAt! < p.expiresAt)) {
      // A 200 seen before the expiration: the hub took the fulfil before expiry and answered once durable.
      allowed = ['COMMITTED'];
      why = 'a fulfil got 200 before the expiration';
    } else if (p.fulfils.every((f) => f.sentAt >= p.expiresAt)) {
      allowed = ['EXPIRED_RESERVED'];
      why = 'every fulfil was sent after the expiration';
    } else {
      // Sent before, answered after the expiration: the hub may have seen it on either side.
      allowed = ['COMMITTED', 'EXPIRED_RESERVED'];
      why = 'a fulfil straddled the expiration';
    }
    if (!allowed.includes(state as FinalState)) {
      bad.push(
        `${p.id}: ${state}, expected ${allowed.join('|')} (${why}; prepare ${p.prepare!.status ?? p.prepare!.error}; fulfils ${p.fulfils
          .map((f) => `hub${f.hub} ${f.status ?? f.error} sent ${f.sentAt - p.expiresAt} ms / done ${f.doneAt! - p.expiresAt} ms vs expiry`)
          .join(', ')})`,
      );
    }
  }
  assert.deepEqual(bad.slice(0, 20), [], `${bad.length} transfer(s) ended in a state their history does not allow`);

  // ---- the books after recovery: database, then the Admin API of the new hub
  const books = await reconcile(db, 'after recovery', { payer: payerName, payee: payeeName }, sent);
  assert.equal(books.reserved, 0);
  const admin2 = new AdminClient(hub2.adminUrl, { timeoutMs: 30_000 });
  const [apiPayer, apiPayee] = await Promise.all([admin2.getPosition(payerName, CURRENCY), admin2.getPosition(payeeName, CURRENCY)]);
  assert.equal(fmt(units(apiPayer.value)), fmt(books.payerPosition), 'Admin API payer position = database');
  assert.equal(fmt(units(apiPayee.value)), fmt(books.payeePosition), 'Admin API payee position = database');

  // ---- who was told, by the new hub
  const reservedThenExpired = [...final.values()].filter((r) => r.state === 'EXPIRED_RESERVED' && atCrash.get(r.id)?.state === 'RESERVED');
  const missing3303 = (sim: CallbackServer, since: number) => {
    const errors = sim.callbacks(since, 'error');
    return reservedThenExpired.filter((r) => !(errors.get(r.id) ?? []).some((c) => c.body?.errorInformation?.errorCode === '3303'));
  };
  await until(
    () => missing3303(payer, payerMark).length + missing3303(payee, payeeMark).length,
    (n) => n === 0,
    {
      timeoutMs: 30_000,
      label: '3303 from the new hub to payer and payee for every transfer that expired after the restart',
      describe: () =>
        `payer misses ${missing3303(payer, payerMark).length}, payee misses ${missing3303(payee, payeeMark).length} of ${reservedThenExpired.length}`,
    },
  );
  // Transfers the new hub committed: the payer gets the payee's fulfil forwarded.
  const committedByHub2 = [...final.values()].filter((r) => r.state === 'COMMITTED' && atCrash.get(r.id)?.state === 'RESERVED');
  const payerNotTold = () => {
    const puts = payer.callbacks(payerMark, 'put', payeeName);
    return committedByHub2.filter((r) => !(puts.get(r.id) ?? []).some((c) => c.body?.transferState === 'COMMITTED'));
  };
  await until(payerNotTold, (l) => l.length === 0, {
    timeoutMs: 30_000,
    label: 'the fulfil forwarded to the payer for each transfer the new hub committed',
    describe: (l) => `${l.length} of ${committedByHub2.length} missing`,
  });
  // A re-sent fulfil of a transfer committed before the crash is a duplicate: the payee gets the final state again.
  const committedBeforeRestart = resend.filter((p) => atCrash.get(p.id)?.state === 'COMMITTED');
  const missingFinalState = () => {
    const puts = payee.callbacks(payeeMark, 'put');
    return committedBeforeRestart.filter((p) => !(puts.get(p.id) ?? []).some((c) => c.body?.transferState === 'COMMITTED'));
  };
  await until(missingFinalState, (l) => l.length === 0, {
    timeoutMs: 30_000,
    label: 'PUT COMMITTED from the new hub to the payee for each duplicate fulfil of a committed transfer',
    describe: (l) => `${l.length} of ${committedBeforeRestart.length} missing`,
  });

  assert.equal(hub2.child.exitCode, null, 'the restarted hub is still running');
  t.diagnostic(
    `books: payer position ${fmt(books.payerPosition)}, payee ${fmt(books.payeePosition)} (database = Admin API = transfer table); ` +
      `3303 to payer and payee for ${reservedThenExpired.length} expired after the restart; ${committedByHub2.length} committed by the new hub`,
  );
  const problems = [...hubProblems(hub1, 5), ...hubProblems(hub2, 10)];
  if (problems.length) t.diagnostic(`hub warnings/errors:\n${problems.join('\n')}`);

  await hub2.stop();
});
