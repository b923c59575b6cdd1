/**
 * Settlement crash test (issue 12, "crash-safe"): `kill -9` the hub while it closes a window and while it takes a
 * settlement step, under load, restart it on the same database and show that the books still reconcile and that
 * repeating the interrupted request completes the step.
 *
 * 1. A hub process on a fresh PostgreSQL database, three DFSPs whose callback endpoints are simulators in this process
 *    (they outlive the hub): each fulfils every transfer it receives as soon as the prepare arrives. The default
 *    deferred net model requires liquidity (so every reset of a net recipient is checked against its headroom).
 * 2. Load, all along: prepares between random DFSPs through the FSPIOP API, a few at a time; the load follows the hub
 *    across its restarts. Transfers whose fulfil is lost in a crash expire (the restarted hub's sweep).
 * 3. Each iteration, under that load: the OPEN window is closed and the hub killed a random delay after the request was
 *    sent; after the restart the close is repeated (the window is CLOSED either way). A settlement of that window is
 *    created, then each of the steps PS_TRANSFERS_RECORDED, PS_TRANSFERS_RESERVED and PS_TRANSFERS_COMMITTED is
 *    requested (every account in one PUT, as the TTK does) and the hub killed a random delay later; after each restart
 *    the same PUT is repeated and must complete the step for every account. Finally the settlement is taken to SETTLED.
 *    The delay is drawn from 0-30 ms, or from 0 to twice what the same kind of request just took on that hub when that
 *    is longer (see killDuring), so that the kill falls sometimes before the step is durable, sometimes after, and
 *    sometimes between a step's resets and its record; the diagnostics count which.
 * 4. Right after each restart (before the repeat) and after each repeat, the reconciliation of
 *    test/support/settlement-reconcile.ts must find nothing, in one snapshot of the database of the running hub: the
 *    journal balances, every account's value is the sum of its journal entries, exactly one window is OPEN, every
 *    committed transfer is in exactly one window and the window flows are their sums, every settlement transfer has
 *    exactly two journal entries (applied once), nets sum to zero and equal the positions' changes in the settled
 *    windows, every position equals what its transfers and settlement transfers make it. Right after a restart an
 *    account may be one step short with its reset already in the ledger (the crash fell between the two); after the
 *    repeat the resets are exactly those the recorded states imply: after COMMITTED every position moved by −net, and
 *    HUB_MULTILATERAL_SETTLEMENT is back where it was before the settlement.
 * 5. At the end (load stopped, nothing RESERVED): the same reconciliation, and the Admin API's positions equal the
 *    database's (the last hub's memory).
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, test, type TestContext } from 'node:test';
import pg from 'pg';
import { Agent } from 'undici';
import { AdminClient, DEFAULT_SETTLEMENT_MODEL, type AdminResponse } from '../conformance/lib/admin.js';
import { FspiopClient } from '../conformance/lib/http.js';
import { randomName } from '../conformance/lib/util.js';
import { startHubProcess, type HubProcess } from './support/hub-process.js';
import { provisionScheme } from './support/cluster.js';
import { Dfsp, Load, prepares } from './support/payment-load.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { reconcileSettlement, type ReconcileOptions } from './support/settlement-reconcile.js';

const CURRENCY = 'USD';
const HUB_NAME = 'Hub';
const MODEL = DEFAULT_SETTLEMENT_MODEL.name;
const ITERATIONS = Number(process.env.MIZANI_SETTLEMENT_CRASH_ITERATIONS ?? 3);
const LOAD_WORKERS = 4;
const EXPIRES_IN_MS = 4000;
const KILL_DELAY_MAX_MS = 30;
/** Committed transfers the OPEN window must hold before it is closed under load. */
const WINDOW_MIN_TRANSFERS = 20;
const STEPS = ['PS_TRANSFERS_RECORDED', 'PS_TRANSFERS_RESERVED', 'PS_TRANSFERS_COMMITTED'] as const;
const HUB_ENV = { MIZANI_EXPIRY_SWEEP_MS: '200' };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, label: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() >= deadline) throw new Error(`${label}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------- the hub, restarted

/** The hub under test across its restarts: the current process and clients for it. */
class Hub {
  process?: HubProcess;
  fspiop?: FspiopClient;
  admin?: AdminClient;
  readonly all: HubProcess[] = [];
  private readonly clients: FspiopClient[] = [];
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 8 });

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    const hub = await startHubProcess(this.env, 60_000);
    this.all.push(hub);
    this.process = hub;
    this.fspiop = new FspiopClient(hub.fspiopUrl, { timeoutMs: 10_000 });
    this.clients.push(this.fspiop);
    this.admin = new AdminClient(hub.adminUrl, { timeoutMs: 30_000, dispatcher: this.agent });
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(): Promise<void> {
    const hub = this.process!;
    this.fspiop = undefined;
    hub.child.kill('SIGKILL');
    await hub.exited;
    assert.equal(hub.child.signalCode, 'SIGKILL', 'the hub died of the SIGKILL');
  }

  async close(): Promise<void> {
    for (const hub of this.all) await hub.stop('SIGKILL').catch(() => undefined);
    await Promise.allSettled(this.clients.map((c) => c.close()));
    await this.agent.close();
  }
}

// ---------------------------------------------------------------------------------------------- the database

/** The reconciliation in one snapshot of the running hub's database. */
async function reconcile(db: pg.Client, label: string, steps: ReconcileOptions['steps']): Promise<void> {
  await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const findings = await reconcileSettlement(db, { steps });
    assert.deepEqual(findings.slice(0, 20), [], `${label}: ${findings.length} reconciliation finding(s)`);
  } finally {
    await db.query('COMMIT');
  }
}

async function scalar(db: pg.Client, sql: string, params: unknown[] = []): Promise<string | null> {
  const r = await db.query(sql, params);
  return (r.rows[0] as Record<string, string | null> | undefined)?.v ?? null;
}

// ---------------------------------------------------------------------------------------------- the crashes

interface Run {
  t: TestContext;
  db: pg.Client;
  hub: Hub;
  tally: { closeDurable: number; closeLost: number; stepDurable: number; stepMoved: number; stepLost: number; kills: number };
}

/**
 * Sends `request` and kills the hub a random delay later, then restarts it and reconciles (an account may be one step
 * short with its reset done). The delay is drawn from 0 to twice what `warm` (the same kind of work, done just before
 * on the same hub) took, and at least from 0 to KILL_DELAY_MAX_MS: a freshly restarted hub on a busy machine takes far
 * longer than 30 ms for its first requests, and the kill must fall sometimes before, sometimes after the step is durable.
 */
async function killDuring(run: Run, label: string, warm: () => Promise<unknown>, request: () => Promise<AdminResponse>): Promise<string> {
  const warmStarted = Date.now();
  await warm();
  const delay = randomInt(Math.max(KILL_DELAY_MAX_MS, 2 * (Date.now() - warmStarted)) + 1);
  const answered = request().then(
    (r) => `answered ${r.status}`,
    (err) => `no answer: ${errorText(err)}`,
  );
  await sleep(delay);
  await run.hub.kill();
  run.tally.kills++;
  const outcome = await answered;
  await run.hub.start();
  await reconcile(run.db, `right after the kill during ${label}`, 'maybe-pending');
  return `killed ${delay} ms after sending, ${outcome}`;
}

/** Closes the OPEN window (once it holds enough) with a kill, repeats the close; returns the window, now CLOSED. */
async function closeUnderCrash(run: Run, iteration: number): Promise<number> {
  const { db, hub } = run;
  const window = Number(await scalar(db, `SELECT id AS v FROM settlement_window WHERE state = 'OPEN'`));
  await until(
    async () => Number(await scalar(db, `SELECT count(*) AS v FROM transfer WHERE window_id = $1`, [window])),
    (n) => n >= WINDOW_MIN_TRANSFERS,
    `transfers committed in window ${window}`,
  );
  const close = () => hub.admin!.call('POST', `/v2/settlementWindows/${window}`, { state: 'CLOSED', reason: `crash test ${iteration}` });
  const outcome = await killDuring(run, `the close of window ${window}`, () => hub.admin!.call('GET', '/v2/settlementWindows?state=OPEN'), close);
  const durable = (await scalar(db, `SELECT state AS v FROM settlement_window WHERE id = $1`, [window])) === 'CLOSED';
  run.tally[durable ? 'closeDurable' : 'closeLost']++;
  const again = await close();
  if (durable) assert.match(again.body?.errorInformation?.errorDescription ?? '', /is not open/, `repeated close of window ${window}: ${again.rawBody}`);
  else assert.equal(again.status, 200, `repeated close of window ${window}: ${again.rawBody}`);
  assert.equal(await scalar(db, `SELECT state AS v FROM settlement_window WHERE id = $1`, [window]), 'CLOSED', `window ${window} is CLOSED`);
  await reconcile(db, `after the repeated close of window ${window}`, 'recorded');
  run.t.diagnostic(`iteration ${iteration}: close of window ${window} ${durable ? 'was durable' : 'was lost'} (${outcome})`);
  return window;
}

/** Accounts of settlement `id`: in `step` already, all, and with their reset in the ledger. */
async function stepFigures(db: pg.Client, id: number, step: string): Promise<{ recorded: number; accounts: number; resets: number }> {
  const r = await db.query(
    `SELECT count(*) FILTER (WHERE s.state = $2) AS recorded, count(*) AS accounts,
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM transfer t WHERE t.id = s.transfer_id)) AS resets
     FROM settlement_account s WHERE s.settlement_id = $1`,
    [id, step],
  );
  const row = r.rows[0] as Record<string, string>;
  return { recorded: Number(row.recorded), accounts: Number(row.accounts), resets: Number(row.resets) };
}

const hubSettlementValue = (db: pg.Client) =>
  scalar(db, `SELECT value::text AS v FROM account WHERE ledger_account_type = 'HUB_MULTILATERAL_SETTLEMENT' AND currency = $1`, [CURRENCY]);

/** Settles `window`: each step to COMMITTED with a kill and the PUT repeated, then SETTLED. */
async function settleUnderCrash(run: Run, iteration: number, window: number): Promise<void> {
  const { db, hub } = run;
  const created = await hub.admin!.call('POST', '/v2/settlements', { settlementModel: MODEL, reason: 'crash test', settlementWindows: [{ id: window }] });
  assert.equal(created.status, 200, `POST /v2/settlements: ${created.rawBody}`);
  const id: number = created.body.id;
  const participants = created.body.participants as Array<{ id: number; accounts: Array<{ id: number; state: string }> }>;
  const put = (state: (account: number) => string) =>
    hub.admin!.call('PUT', `/v2/settlements/${id}`, {
      participants: participants.map((p) => ({ id: p.id, accounts: p.accounts.map((a) => ({ id: a.id, state: state(a.id), reason: 'crash test' })) })),
    });
  const hubBefore = await hubSettlementValue(db);
  for (const step of STEPS) {
    // Warm: every account's current state again (admin.md §4.3: only the reason is recorded), the same work but the moves.
    const current = new Map(
      (await db.query(`SELECT account_id, state FROM settlement_account WHERE settlement_id = $1`, [id])).rows.map((r) => [r.account_id, r.state]),
    );
    const before = await stepFigures(db, id, step);
    const outcome = await killDuring(
      run,
      `the step to ${step}`,
      () => put((a) => current.get(a)),
      () => put(() => step),
    );
    const after = await stepFigures(db, id, step);
    // Durable: every account recorded; moved: resets in the ledger but the step not recorded (the crash fell between).
    const kind = after.recorded === after.accounts ? 'stepDurable' : after.resets > before.resets ? 'stepMoved' : 'stepLost';
    run.tally[kind]++;
    const repeated = await put(() => step);
    assert.equal(repeated.status, 200, `repeated PUT ${step}: ${repeated.rawBody}`);
    const refused = (repeated.body.participants as typeof participants).flatMap((p) => p.accounts).filter((a) => 'errorInformation' in a);
    assert.deepEqual(refused, [], `the repeated PUT ${step} completes every account`);
    assert.equal((await hub.admin!.call('GET', `/v2/settlements/${id}`)).body?.state, step, `settlement ${id} is ${step} after the repeated PUT`);
    await reconcile(db, `after the repeated step to ${step}`, 'recorded');
    run.t.diagnostic(
      `iteration ${iteration}: settlement ${id} ${step}: at the kill ${after.recorded}/${after.accounts} accounts recorded, ` +
        `${after.resets - before.resets} resets in the ledger (${outcome})`,
    );
  }
  assert.equal(await hubSettlementValue(db), hubBefore, 'after PS_TRANSFERS_COMMITTED HUB_MULTILATERAL_SETTLEMENT is back where it was before the settlement');
  const settled = await put(() => 'SETTLED');
  assert.equal(settled.status, 200, settled.rawBody);
  assert.equal((await hub.admin!.call('GET', `/v2/settlements/${id}`)).body?.state, 'SETTLED');
}

// ---------------------------------------------------------------------------------------------- the test

let database: TestDatabase | undefined;
let db: pg.Client | undefined;
let hub: Hub | undefined;
const dfsps: Dfsp[] = [];

after(async () => {
  await hub?.close();
  await Promise.allSettled(dfsps.map((d) => d.stop()));
  await db?.end().catch(() => undefined);
  await database?.drop();
});

test(
  'kill -9 during window closes and settlement steps under load: the books reconcile, repeating the request completes it',
  { timeout: 300_000 },
  async (t) => {
    const started = Date.now();
    database = await createTestDatabase('mizani_stl_crash');
    hub = new Hub({ MIZANI_DATABASE_URL: database.url, ...HUB_ENV });
    await hub.start();
    db = new pg.Client({ connectionString: database.url });
    await db.connect();

    const names = Array.from({ length: 3 }, () => randomName('stlcrash'));
    const running = hub;
    const load = new Load(names, { workers: LOAD_WORKERS, expiresInMs: EXPIRES_IN_MS, currency: CURRENCY, pick: () => running.fspiop });
    for (const name of names)
      dfsps.push(
        await new Dfsp(
          name,
          prepares((body) => load.fulfil(body)),
        ).start(),
      );
    // The hub's accounts, then the default model with liquidity checks (provision tolerates both existing).
    await provisionScheme(hub.admin!, dfsps, { hubName: HUB_NAME, currency: CURRENCY, ndc: '1000000', fundsIn: '10000000' });
    load.start();

    const run: Run = { t, db, hub, tally: { closeDurable: 0, closeLost: 0, stepDurable: 0, stepMoved: 0, stepLost: 0, kills: 0 } };
    for (let iteration = 1; iteration <= ITERATIONS; iteration++) {
      const window = await closeUnderCrash(run, iteration);
      await settleUnderCrash(run, iteration, window);
    }

    // ---- the end: no load, nothing reserved; the books and the last hub's memory
    await load.stop();
    await until(
      async () => Number(await scalar(db!, `SELECT count(*) AS v FROM transfer WHERE state = 'RESERVED'`)),
      (n) => n === 0,
      'every RESERVED transfer ends (commit or expiry)',
      EXPIRES_IN_MS + 30_000,
    );
    await reconcile(db, 'at the end', 'recorded');
    for (const name of names) {
      const api = await hub.admin!.getPosition(name, CURRENCY);
      const stored = await scalar(
        db,
        `SELECT a.value::text AS v FROM account a JOIN participant p ON p.id = a.participant_id
       WHERE p.name = $1 AND a.currency = $2 AND a.ledger_account_type = 'POSITION'`,
        [name, CURRENCY],
      );
      assert.equal(Number(api.value), Number(stored), `the Admin API's position of ${name} = the database's`);
    }
    const committed = await scalar(db, `SELECT count(*) AS v FROM transfer WHERE kind = 'TRANSFER' AND state = 'COMMITTED'`);
    const tally = run.tally;
    t.diagnostic(
      `${tally.kills} kills in ${((Date.now() - started) / 1000).toFixed(1)} s: closes durable ${tally.closeDurable} / lost ${tally.closeLost}; ` +
        `steps durable ${tally.stepDurable} / moved but not recorded ${tally.stepMoved} / lost ${tally.stepLost}; load: ${load.counts.prepares} prepares ` +
        `(${load.counts.accepted} accepted, ${load.counts.failed} failed at the kills), ${committed} committed`,
    );
    await hub.process!.stop();
  },
);
