/**
 * Fault test (issue 13, "the database survives its primary"): the PostgreSQL primary is stopped under load, through the
 * real edge, and its synchronous standby promoted; the hub follows by itself and nothing it acknowledged is lost.
 *
 * 1. A PostgreSQL primary with a synchronous standby (test/support/pg-pair.ts) on private ports; a hub process (the real
 *    `mizani start`, in-process bus) given both hosts in MIZANI_DATABASE_URL, standby listed too; three DFSPs whose
 *    callback endpoints are simulators in this process.
 * 2. Load through the FSPIOP API: prepares between random DFSPs, LOAD_WORKERS at a time, expiring EXPIRES_IN_MS after they are
 *    sent. Each payee fulfils as soon as the prepare reaches it and, as a real DFSP does, sends the same fulfil again
 *    while the hub answers 5xx or not at all (until the expiry). The payer records every callback; a payer that has no
 *    final callback once the expiry has passed asks `GET /transfers/{id}`, as FSPIOP says it may.
 * 3. Mid-load, the primary's WAL sender is stopped (SIGSTOP) for HOLD_MS: from then on every commit waits for the
 *    standby, so the writes of that span are caught between the two servers for certain, not by luck of timing (as the
 *    crash test stalls the ledger before its kill). Then `pg_ctl stop -m immediate` of the primary (the held sender goes
 *    with it) and, PROMOTE_AFTER_MS after the stop (what a failover manager's detection takes, shortened),
 *    `pg_ctl promote` of the standby. Nothing is done to the hub.
 *    MIZANI_TEST_PG_SYNCHRONOUS_COMMIT=local runs the pair asynchronously: the hub is then told commits the standby
 *    never gets, and this test fails (the negative control).
 * 4. Load goes on until the hub accepts prepares again, and LOAD_AFTER_MS longer. Then, once every payment has settled:
 *    - every prepare got 202, or a deterministic refusal (503 with 2003 "retry later" or 2005 "busy"), never a 500;
 *    - nothing was acknowledged while replication was held (the commits waited for the standby);
 *    - every payment answered 202 (and every other the database holds) is final in the promoted standby's database:
 *      COMMITTED or aborted (expired), never left RESERVED or lost; every fulfil answered 200 is COMMITTED;
 *    - every payment answered 202 reached its payer's final state (the forwarded fulfil or an error callback, or the
 *      answer to the payer's GET) by its expiry plus FINAL_SLACK_MS;
 *    - no transfer is committed twice: each transfer's journal is exactly what its state implies; the settlement
 *      reconciliation (test/support/settlement-reconcile.ts) finds nothing; the Admin API's positions are the database's;
 *    - the hub is still running, logged the failover it followed, and its metrics say so.
 *    The time without service (the stop to the first prepare sent after it that got 202) is printed, with the hub's own
 *    figure; it is asserted only below a generous SERVICE_GAP_MAX_MS (a noisy machine).
 */
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { after, test, type TestContext } from 'node:test';
import pg from 'pg';
import { AdminClient, provision } from '../conformance/lib/admin.js';
import { FspiopClient } from '../conformance/lib/http.js';
import { buildIlpPacket, conditionFromFulfilment, generateFulfilment, transactionObject } from '../conformance/lib/ilp.js';
import { randomName } from '../conformance/lib/util.js';
import { startHubProcess, type HubProcess } from './support/hub-process.js';
import { Dfsp, type DfspRequest } from './support/payment-load.js';
import { startPgPair, type PgPair } from './support/pg-pair.js';
import { reconcileSettlement } from './support/settlement-reconcile.js';

const CURRENCY = 'USD';
const DATABASE = 'mizani_failover';
const DFSPS = 3;
const LOAD_WORKERS = 12;
const EXPIRES_IN_MS = 15_000;
/** Load before the stop (at least this long, and at least WARM_ACCEPTED prepares accepted). */
const WARM_MS = 3000;
const WARM_ACCEPTED = 100;
/** Replication held before the stop: the writes of this span are caught between primary and standby. */
const HOLD_MS = 400;
const PROMOTE_AFTER_MS = 1000;
/** `local` runs the pair asynchronously: the negative control, on which this test must fail. */
const SYNCHRONOUS_COMMIT = process.env.MIZANI_TEST_PG_SYNCHRONOUS_COMMIT === 'local' ? 'local' : 'on';
const LOAD_AFTER_MS = 3000;
const FINAL_SLACK_MS = 10_000;
const SERVICE_GAP_MAX_MS = 30_000;
const HUB_ENV = { MIZANI_EXPIRY_SWEEP_MS: '200', MIZANI_DB_CONNECT_TIMEOUT_MS: '2000' };

const FINAL_STATES = new Set(['COMMITTED', 'ABORTED_REJECTED', 'ABORTED_ERROR', 'EXPIRED_RESERVED', 'INVALID']);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function until<T>(probe: () => Promise<T> | T, done: (value: T) => boolean, label: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() >= deadline) throw new Error(`${label}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------- payments

interface Attempt {
  sentAt: number;
  doneAt?: number;
  status?: number;
  code?: string;
  error?: string;
}

interface Payment {
  id: string;
  payer: string;
  payee: string;
  amount: string;
  fulfilment: string;
  expiresAt: number;
  prepare: Attempt;
  /** Exact bytes of the payee's fulfil: every retry sends the same (a different body would be a modified duplicate). */
  fulfilBody?: string;
  fulfils: Attempt[];
  /** The payer's final callback: the forwarded fulfil, or an error; `viaGet` when it answered the payer's GET. */
  final?: { state: string; code?: string; at: number; viaGet: boolean };
  askedAt?: number;
}

/** Hands what a DFSP's endpoint receives to the load: prepares to its payee side, transfer callbacks to its payer side. */
function toLoad(name: string, load: Load): (request: DfspRequest) => void {
  return ({ method, path, body }) => {
    if (body === undefined) return;
    if (method === 'POST' && /^\/transfers\/?$/.test(path)) load.onPrepare(name, body);
    const m = /^\/transfers\/([^/?]+)(\/error)?$/.exec(path);
    if (method === 'PUT' && m) load.onCallback(name, decodeURIComponent(m[1]!), m[2] !== undefined, body);
  };
}

/** Prepares between random DFSPs, a few at a time; payees fulfil (and retry); payers record, and ask when not told. */
class Load {
  readonly payments = new Map<string, Payment>();
  private running = false;
  private workers: Array<Promise<void>> = [];
  private readonly followUps = new Set<Promise<void>>();
  names: string[] = [];

  constructor(private readonly client: FspiopClient) {}

  start(): void {
    this.running = true;
    this.workers = Array.from({ length: LOAD_WORKERS }, () => this.work());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  /** Every fulfil (with its retries) and every GET has finished. */
  async settled(): Promise<void> {
    while (this.followUps.size > 0) await Promise.all([...this.followUps]);
  }

  get all(): Payment[] {
    return [...this.payments.values()];
  }

  onPrepare(payee: string, body: { transferId?: unknown }): void {
    const payment = typeof body?.transferId === 'string' ? this.payments.get(body.transferId) : undefined;
    if (!payment || payment.payee !== payee || payment.fulfilBody !== undefined) return;
    payment.fulfilBody = JSON.stringify({ transferState: 'COMMITTED', fulfilment: payment.fulfilment, completedTimestamp: new Date().toISOString() });
    this.follow(this.fulfil(payment));
  }

  onCallback(to: string, id: string, error: boolean, body: any): void {
    const payment = this.payments.get(id);
    if (!payment || payment.final || to !== payment.payer) return;
    const state = error ? 'ERROR' : String(body?.transferState ?? '');
    if (state !== 'ERROR' && state !== 'COMMITTED' && state !== 'ABORTED') return;
    payment.final = { state, code: body?.errorInformation?.errorCode, at: Date.now(), viaGet: payment.askedAt !== undefined };
  }

  /** A payer told nothing final once its payment's expiry (and the sweep) has passed asks the hub. */
  askOverdue(now: number): number {
    let asked = 0;
    for (const p of this.payments.values()) {
      if (p.prepare.status !== 202 || p.final || p.askedAt !== undefined || now < p.expiresAt + 2000) continue;
      p.askedAt = now;
      asked++;
      this.follow(
        this.client
          .send({ method: 'GET', path: `/transfers/${p.id}`, version: '1.1', resource: 'transfers', source: p.payer, destination: p.payee })
          .then(() => undefined)
          .catch(() => undefined),
      );
    }
    return asked;
  }

  private follow(work: Promise<void>): void {
    this.followUps.add(work);
    void work.finally(() => this.followUps.delete(work));
  }

  /** The payee's fulfil, sent again while the hub answers 5xx or not at all, until the expiry. */
  private async fulfil(p: Payment): Promise<void> {
    const path = `/transfers/${p.id}`;
    for (;;) {
      const attempt: Attempt = { sentAt: Date.now() };
      p.fulfils.push(attempt);
      try {
        const res = await this.client.send({
          method: 'PUT',
          path,
          version: '1.1',
          resource: 'transfers',
          source: p.payee,
          destination: p.payer,
          body: p.fulfilBody,
          headers: { 'fspiop-uri': path, 'fspiop-http-method': 'PUT' },
        });
        attempt.status = res.status;
        attempt.code = res.body?.errorInformation?.errorCode;
      } catch (err) {
        attempt.error = err instanceof Error ? err.message : String(err);
      }
      attempt.doneAt = Date.now();
      if (attempt.status !== undefined && attempt.status < 500) return;
      if (Date.now() > p.expiresAt) return;
      await sleep(250);
    }
  }

  private async work(): Promise<void> {
    while (this.running) {
      const payer = this.names[randomInt(this.names.length)]!;
      const others = this.names.filter((n) => n !== payer);
      const payment = this.plan(payer, others[randomInt(others.length)]!);
      try {
        const res = await this.client.send(this.prepareRequest(payment));
        payment.prepare.status = res.status;
        payment.prepare.code = res.body?.errorInformation?.errorCode;
      } catch (err) {
        payment.prepare.error = err instanceof Error ? err.message : String(err);
      }
      payment.prepare.doneAt = Date.now();
      await sleep(payment.prepare.status === 202 ? 5 : 50);
    }
  }

  private plan(payer: string, payee: string): Payment {
    const { fulfilment } = generateFulfilment();
    const amount = `${1 + randomInt(40)}.${randomInt(100).toString().padStart(2, '0')}`.replace(/\.?0+$/, '');
    const now = Date.now();
    const payment: Payment = { id: randomUUID(), payer, payee, amount, fulfilment, expiresAt: now + EXPIRES_IN_MS, prepare: { sentAt: now }, fulfils: [] };
    this.payments.set(payment.id, payment);
    return payment;
  }

  private prepareRequest(p: Payment): Parameters<FspiopClient['send']>[0] {
    const condition = conditionFromFulfilment(p.fulfilment);
    const expiration = new Date(p.expiresAt).toISOString();
    const transaction = transactionObject({
      quoteId: randomUUID(),
      transactionId: randomUUID(),
      payerFsp: p.payer,
      payeeFsp: p.payee,
      amount: p.amount,
      currency: CURRENCY,
      expiration,
    });
    const ilpPacket = buildIlpPacket({ amount: p.amount, currency: CURRENCY, condition, expiresAt: expiration, transaction });
    const body = { transferId: p.id, payerFsp: p.payer, payeeFsp: p.payee, amount: { amount: p.amount, currency: CURRENCY }, ilpPacket, condition, expiration };
    return { method: 'POST', path: '/transfers', version: '1.1', source: p.payer, destination: p.payee, body: JSON.stringify(body) };
  }
}

/** A payment's attempts, relative to its expiry (for findings). */
function history(p: Payment): string {
  const at = (t: number | undefined) => (t === undefined ? '?' : `${t - p.expiresAt}`);
  const fulfils = p.fulfils.map((f) => `${f.status ?? f.error ?? '…'}${f.code ? ` ${f.code}` : ''} sent ${at(f.sentAt)} done ${at(f.doneAt)}`);
  return `prepare ${p.prepare.status ?? p.prepare.error} done ${at(p.prepare.doneAt)} ms vs expiry; fulfils ${fulfils.join(', ') || 'none'}`;
}

// ---------------------------------------------------------------------------------------------- the database

interface Row {
  id: string;
  state: string;
  events: string | null;
}

/** Every TRANSFER with its journal events (sorted), in one snapshot. */
async function transfers(db: pg.Client): Promise<Map<string, Row>> {
  const r = await db.query<Row>(
    `SELECT t.id, t.state, string_agg(j.event, ',' ORDER BY j.event) AS events
     FROM transfer t LEFT JOIN journal_entry j ON j.transfer_id = t.id WHERE t.kind = 'TRANSFER' GROUP BY t.id, t.state`,
  );
  return new Map(r.rows.map((row) => [row.id, row]));
}

const JOURNAL_OF: Record<string, string> = {
  COMMITTED: 'COMMIT,COMMIT,PREPARE,PREPARE',
  EXPIRED_RESERVED: 'ABORT,ABORT,PREPARE,PREPARE',
  ABORTED_ERROR: 'ABORT,ABORT,PREPARE,PREPARE',
};

async function reconcile(db: pg.Client): Promise<string[]> {
  await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    return await reconcileSettlement(db);
  } finally {
    await db.query('COMMIT');
  }
}

async function metric(adminUrl: string, name: string): Promise<string[]> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name));
}

// ---------------------------------------------------------------------------------------------- the test

let pair: PgPair | undefined;
let hub: HubProcess | undefined;
let db: pg.Client | undefined;
let client: FspiopClient | undefined;
const dfsps: Dfsp[] = [];

after(async () => {
  await hub?.stopWithin(10_000).catch(() => undefined);
  await client?.close().catch(() => undefined);
  await Promise.allSettled(dfsps.map((d) => d.stop()));
  await db?.end().catch(() => undefined);
  await pair?.stop();
});

/**
 * Load until warm; hold replication HOLD_MS (commits now wait for the standby), stop the primary, promote the standby;
 * load until served again and a little longer.
 */
async function failOverUnderLoad(t: TestContext, load: Load) {
  load.start();
  const warmFrom = Date.now();
  await until(
    () => load.all.filter((p) => p.prepare.status === 202).length,
    (n) => n >= WARM_ACCEPTED && Date.now() - warmFrom >= WARM_MS,
    'prepares accepted before the stop',
    60_000,
  );
  const walSender = await pair!.holdReplication();
  const holdAt = Date.now();
  await sleep(HOLD_MS);
  const stopAt = Date.now();
  const waiting = {
    prepares: load.all.filter((p) => p.prepare.doneAt === undefined).length,
    fulfils: load.all.filter((p) => p.fulfils.some((f) => f.doneAt === undefined)).length,
    /** Accepted (202) and not yet committed: payments in flight, whatever their next step. */
    payments: load.all.filter((p) => p.prepare.status === 202 && !p.fulfils.some((f) => f.status === 200)).length,
  };
  // Sent well after the hold, acknowledged before the stop: a commit on the primary alone (asynchronous replication).
  const ackedOnPrimaryOnly = load.all.filter(
    (p) =>
      (p.prepare.sentAt > holdAt + 100 && p.prepare.status === 202 && p.prepare.doneAt! < stopAt) ||
      p.fulfils.some((f) => f.sentAt > holdAt + 100 && f.status === 200 && f.doneAt! < stopAt),
  );
  const stopMs = await pair!.stopPrimary();
  await sleep(PROMOTE_AFTER_MS - (Date.now() - stopAt));
  const promotedAt = Date.now();
  const promoteMs = await pair!.promoteStandby();
  const back = await until(
    () => load.all.find((p) => p.prepare.sentAt > stopAt + stopMs && p.prepare.status === 202),
    (p) => p !== undefined,
    'a prepare accepted after the failover',
    SERVICE_GAP_MAX_MS + 30_000,
  );
  await sleep(LOAD_AFTER_MS);
  await load.stop();
  const lastBefore = Math.max(...load.all.filter((p) => p.prepare.status === 202 && p.prepare.doneAt! <= stopAt).map((p) => p.prepare.doneAt!));
  t.diagnostic(
    `replication held (WAL sender ${walSender} stopped) after ${holdAt - warmFrom} ms of load; primary stopped ${stopAt - holdAt} ms later with ` +
      `${waiting.prepares} prepares and ${waiting.fulfils} fulfils waiting for their commit and ${waiting.payments} accepted payments not yet ` +
      `committed; pg_ctl stop ${stopMs} ms; ` +
      `promote ${promotedAt - stopAt} ms after the stop (took ${promoteMs} ms)`,
  );
  return { stopAt, lastBefore, backAt: back!.prepare.doneAt!, waiting, ackedOnPrimaryOnly };
}

test(
  'the PostgreSQL primary stops under load and its synchronous standby is promoted: the hub follows, nothing acknowledged is lost',
  { timeout: 240_000 },
  async (t) => {
    const began = Date.now();
    pair = await startPgPair({ synchronousCommit: SYNCHRONOUS_COMMIT });
    await pair.createDatabase(DATABASE);
    hub = await startHubProcess({ MIZANI_DATABASE_URL: pair.url(DATABASE), ...HUB_ENV }, 60_000);
    client = new FspiopClient(hub.fspiopUrl, { timeoutMs: 30_000 });
    const admin = new AdminClient(hub.adminUrl, { timeoutMs: 30_000 });
    const load = new Load(client);
    load.names = Array.from({ length: DFSPS }, () => randomName('pgha'));
    for (const name of load.names) dfsps.push(await new Dfsp(name, toLoad(name, load)).start());
    await provision(
      admin,
      dfsps.map((d) => ({ name: d.name, currency: CURRENCY, ndc: '1000000', fundsIn: '10000000', callbackBase: d.baseUrl })),
      { hubName: 'Hub', timeoutMs: 30_000 },
    );
    assert.equal(await pair.standbySyncState(), 'sync', 'the standby is synchronous before the load');
    t.diagnostic(`pair, hub and DFSPs ready in ${Date.now() - began} ms`);

    const times = await failOverUnderLoad(t, load);
    assert.ok(times.waiting.prepares + times.waiting.fulfils > 0, 'the stop caught writes waiting for their commit');

    // ---- every payment settles: prepares answered, fulfils done, payers told (or asking), nothing RESERVED
    db = new pg.Client({ connectionString: pair.nodeUrl(pair.standby, DATABASE) });
    await db.connect();
    const lastExpiry = Math.max(...load.all.map((p) => p.expiresAt));
    await until(
      async () => {
        load.askOverdue(Date.now());
        const reserved = Number((await db!.query(`SELECT count(*) AS n FROM transfer WHERE state = 'RESERVED'`)).rows[0].n);
        const waiting = load.all.filter((p) => p.prepare.status === 202 && !p.final).length;
        return { reserved, waiting };
      },
      (v) => v.reserved === 0 && v.waiting === 0,
      'nothing RESERVED and every accepted payment final at its payer',
      Math.max(0, lastExpiry - Date.now()) + FINAL_SLACK_MS + 20_000,
    );
    await load.settled();

    // ---- each prepare: accepted, or refused with a deterministic "retry later"
    const all = load.all;
    const accepted = all.filter((p) => p.prepare.status === 202);
    const refused = all.filter((p) => p.prepare.status !== 202);
    // ---- in the promoted standby's database: everything acknowledged, final, committed once
    const rows = await transfers(db);
    const hubOutage = hub.logs
      .map((l) => (l.includes('"database failover followed') ? (JSON.parse(l) as { outageMs: number }).outageMs : undefined))
      .find((x) => x !== undefined);
    const committed = [...rows.values()].filter((r) => r.state === 'COMMITTED').length;
    const expired = [...rows.values()].filter((r) => r.state === 'EXPIRED_RESERVED').length;
    const viaGet = accepted.filter((p) => p.final?.viaGet).length;
    const refusedCodes = new Map<string, number>();
    for (const p of refused) refusedCodes.set(`${p.prepare.status} ${p.prepare.code}`, (refusedCodes.get(`${p.prepare.status} ${p.prepare.code}`) ?? 0) + 1);
    t.diagnostic(
      `time without service: ${times.backAt - times.stopAt} ms from the stop to the first 202 of a prepare sent after it ` +
        `(last 202 before the stop ${times.stopAt - times.lastBefore} ms before it); the hub reports ${hubOutage ?? '?'} ms without a primary`,
    );
    t.diagnostic(
      `payments: ${all.length} prepares, ${accepted.length} accepted, refused ${[...refusedCodes].map(([k, n]) => `${k} ×${n}`).join(', ') || 'none'}; ` +
        `in the database ${rows.size}: ${committed} COMMITTED, ${expired} EXPIRED_RESERVED; ${viaGet} payers learnt the final state by GET; ` +
        `${(Date.now() - began) / 1000} s in all`,
    );
    const odd = refused.filter((p) => !(p.prepare.status === 503 && ['2003', '2005'].includes(p.prepare.code ?? '')));
    assert.deepEqual(
      odd.slice(0, 10).map((p) => `${p.id}: ${p.prepare.status ?? p.prepare.error} ${p.prepare.code ?? ''}`),
      [],
      `${odd.length} prepare(s) got neither 202 nor 503 with 2003/2005`,
    );

    const findings: string[] = [];
    for (const p of accepted) {
      const row = rows.get(p.id);
      if (!row) findings.push(`${p.id}: answered 202, not in the database (${history(p)})`);
      else if (!FINAL_STATES.has(row.state)) findings.push(`${p.id}: answered 202, ${row.state} (${history(p)})`);
      // A fulfil answered 200 before the expiry was committed (the hub answers once the commit is durable); one answered
      // later may have found the transfer expired (the hub then answers 200 and tells both parties 3303).
      if (p.fulfils.some((f) => f.status === 200 && f.doneAt! < p.expiresAt) && row?.state !== 'COMMITTED') {
        findings.push(`${p.id}: fulfil answered 200 before the expiry, ${row?.state ?? 'absent'} (${history(p)})`);
      }
      if (!p.final) findings.push(`${p.id}: answered 202, its payer was never told a final state (${history(p)})`);
      else if (p.final.at > p.expiresAt + FINAL_SLACK_MS) findings.push(`${p.id}: its payer was told ${p.final.at - p.expiresAt} ms after the expiry`);
      if (p.final && (p.final.state === 'COMMITTED') !== (row?.state === 'COMMITTED')) {
        findings.push(`${p.id}: the payer was told ${p.final.state} ${p.final.code ?? ''}, the database says ${row?.state}`);
      }
    }
    for (const row of rows.values()) {
      if (!load.payments.has(row.id)) findings.push(`${row.id}: in the database, never sent`);
      if (!FINAL_STATES.has(row.state)) findings.push(`${row.id}: ${row.state} at the end`);
      const journal = JOURNAL_OF[row.state];
      if (journal !== undefined && row.events !== journal) findings.push(`${row.id}: ${row.state} with journal ${row.events}`);
    }
    for (const p of times.ackedOnPrimaryOnly) findings.push(`${p.id}: acknowledged while replication was held (${history(p)})`);
    assert.deepEqual(findings.slice(0, 20), [], `${findings.length} finding(s) about the payments`);
    const reconciliation = await reconcile(db);
    assert.deepEqual(reconciliation.slice(0, 20), [], `${reconciliation.length} reconciliation finding(s)`);
    const adminFindings: string[] = [];
    for (const name of load.names) {
      const api = await admin.getPosition(name, CURRENCY);
      const stored = await db.query(
        `SELECT a.value::text AS v FROM account a JOIN participant p ON p.id = a.participant_id
         WHERE p.name = $1 AND a.currency = $2 AND a.ledger_account_type = 'POSITION'`,
        [name, CURRENCY],
      );
      if (Number(api.value) !== Number(stored.rows[0].v)) adminFindings.push(`${name}: Admin API ${api.value}, database ${stored.rows[0].v}`);
    }
    assert.deepEqual(adminFindings, [], "the Admin API's positions are the database's");

    // ---- the hub followed by itself, and says so
    assert.equal(hub.child.exitCode, null, 'the hub is still running');
    const followed = hub.logs.map((l) => (l.includes('"database failover followed') ? (JSON.parse(l) as { outageMs: number; primary: string }) : undefined));
    const failover = followed.find(Boolean);
    assert.ok(failover, 'the hub logged the failover it followed');
    assert.equal(failover.primary, pair.standby.label);
    assert.deepEqual(await metric(hub.adminUrl, 'mizani_database_failovers_total'), ['mizani_database_failovers_total 1']);
    assert.deepEqual(
      (await metric(hub.adminUrl, 'mizani_database_primary{')).sort(),
      [`mizani_database_primary{host="${pair.primary.label}"} 0`, `mizani_database_primary{host="${pair.standby.label}"} 1`].sort(),
    );

    assert.ok(times.backAt - times.stopAt < SERVICE_GAP_MAX_MS, `service back within ${SERVICE_GAP_MAX_MS} ms`);
    await hub.stopWithin(10_000);
  },
);
