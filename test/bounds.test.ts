/**
 * The money path's bounds and its "retry later" answers through the real FSPIOP edge (a hub process on its own
 * PostgreSQL database; docs/decisions.md 2026-12-06, "Limits and assertions on the money path"):
 *  - the group-commit queue is full (MIZANI_GROUP_COMMIT_QUEUE_WRITES_MAX=2 and a lock that holds the batch in
 *    PostgreSQL): a new prepare is refused at once with 2005 and nothing is recorded; the fulfil of a transfer in
 *    flight is still taken and commits; the queued prepares complete once the database moves again;
 *  - the ledger is rebuilding after a failed batch (a trigger fails it, a lock holds the rebuild): prepares are
 *    answered 503 with 2003, as documented, not 500/2001; once rebuilt, prepares are taken again.
 * Admission control's own signals are switched off here, so each refusal is the bound's.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { SuiteContext } from '../conformance/lib/context.js';
import type { DfspSimulator } from '../conformance/lib/dfsp.js';
import type { FspiopResponse } from '../conformance/lib/http.js';
import { startHubProcess, type HubProcess } from './support/hub-process.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

const QUIET_ADMISSION = {
  MIZANI_BUSY_OPEN_REQUESTS: '0',
  MIZANI_BUSY_LEDGER_WAIT_MS: '0',
};

interface World {
  database: TestDatabase;
  hub: HubProcess;
  ctx: SuiteContext;
  db: pg.Client;
  payer: DfspSimulator;
  payee: DfspSimulator;
}

const worlds: World[] = [];

async function world(env: Record<string, string>): Promise<World> {
  const database = await createTestDatabase('mizani_bounds');
  const hub = await startHubProcess({ MIZANI_DATABASE_URL: database.url, ...QUIET_ADMISSION, ...env });
  const ctx = new SuiteContext({ hubUrl: hub.fspiopUrl, adminUrl: hub.adminUrl, sign: false, timeoutMs: 10_000 });
  const { payer, payee } = await ctx.newPair();
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const w = { database, hub, ctx, db, payer, payee };
  worlds.push(w);
  return w;
}

after(async () => {
  for (const w of worlds) {
    await w.db.end().catch(() => undefined);
    await w.ctx.close();
    await w.hub.stopWithin(10_000);
    await w.database.drop();
  }
});

async function recorded(w: World, id: string): Promise<number> {
  return (await w.db.query('SELECT 1 FROM transfer WHERE id = $1', [id])).rowCount ?? 0;
}

function assertAnswer(res: FspiopResponse, status: number, code: string, what: string): void {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.rawBody}`);
  assert.equal(res.body?.errorInformation?.errorCode, code, `${what}: ${res.rawBody}`);
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const value = await f();
  return [value, Date.now() - started];
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A session that holds a lock until released (the database "slows down"). */
async function holdLock(w: World, sql: string): Promise<() => Promise<void>> {
  const locker = new pg.Client({ connectionString: w.database.url });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query(sql);
  return async () => {
    await locker.query('COMMIT');
    await locker.end();
  };
}

test('group-commit queue full: a new prepare gets 2005 at once and nothing is recorded; a fulfil in flight is taken; the queue drains', async () => {
  const w = await world({ MIZANI_GROUP_COMMIT_QUEUE_WRITES_MAX: '2' });
  const { ctx, payer, payee } = w;
  const inFlight = ctx.newTransfer({ payer, payee, amount: '5' });
  payee.setBehaviour(inFlight.transferId, { kind: 'silent' });
  assert.equal((await ctx.sendPrepare(inFlight)).status, 202);
  await payee.waitFor((r) => r.method === 'POST' && r.bodyText.includes(inFlight.transferId), 10_000);

  const release = await holdLock(w, 'LOCK TABLE transfer IN SHARE MODE'); // mizani_apply waits: the batch stays in PostgreSQL
  let held = true;
  try {
    const first = ctx.newTransfer({ payer, payee, amount: '1' });
    const firstAnswer = ctx.sendPrepare(first); // the batch being committed
    await pause(300);
    const queued = [ctx.newTransfer({ payer, payee, amount: '2' }), ctx.newTransfer({ payer, payee, amount: '3' })];
    const queuedAnswers = queued.map((t) => ctx.sendPrepare(t)); // the queue: 2 writes, its bound
    await pause(300);

    const refused = ctx.newTransfer({ payer, payee, amount: '4' });
    const since = payee.mark();
    const [busy, ms] = await timed(() => ctx.sendPrepare(refused));
    assertAnswer(busy, 500, '2005', 'a prepare past the group-commit bound');
    assert.match(busy.rawBody, /Server busy/);
    assert.ok(ms < 1000, `refused in ${ms} ms, without waiting for the database`);

    // Finishing accepted work is never refused: the fulfil's commit is queued beyond the bound.
    const payerSince = payer.mark();
    const fulfil = ctx.sendTransferPut(inFlight, {
      from: payee.name,
      to: payer.name,
      body: { fulfilment: inFlight.fulfilment, completedTimestamp: new Date().toISOString(), transferState: 'COMMITTED' },
    });
    await pause(300);
    await release();
    held = false;

    assert.equal((await firstAnswer).status, 202);
    for (const answer of queuedAnswers) assert.equal((await answer).status, 202, 'the queued prepares complete');
    assert.equal((await fulfil).status, 200, 'the fulfil of a transfer in flight was taken');
    const committed = await payer.waitFor((r) => r.method === 'PUT' && r.path === `/transfers/${inFlight.transferId}`, 10_000, { since: payerSince });
    assert.equal(committed.body?.transferState, 'COMMITTED');
    assert.equal(await recorded(w, refused.transferId), 0, 'the refused prepare was not recorded');
    ctx.assertNone(payee, (r) => r.bodyText.includes(refused.transferId), 'the refused prepare reached the payee', since);
  } finally {
    if (held) await release();
  }
  // Capacity is back: the refused transfer can be sent again.
  const again = ctx.newTransfer({ payer, payee, amount: '4' });
  assert.equal((await ctx.sendPrepare(again)).status, 202);
});

test('ledger rebuilding after a failed batch: prepares are answered 503 with 2003 (not 500/2001), then taken again', async () => {
  const w = await world({});
  const { ctx, payer, payee } = w;
  await w.db.query(`
    CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.amount = 666 THEN RAISE EXCEPTION 'poisoned transfer %', NEW.id; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_poison BEFORE INSERT ON transfer FOR EACH ROW EXECUTE FUNCTION test_poison();`);
  // The rebuild reads the participants first: while this lock is held the ledger stays "recovering".
  const release = await holdLock(w, 'LOCK TABLE participant IN ACCESS EXCLUSIVE MODE');
  let held = true;
  try {
    const poison = ctx.newTransfer({ payer, payee, amount: '666' });
    assertAnswer(await ctx.sendPrepare(poison), 503, '2003', 'the prepare whose batch failed');
    const during = ctx.newTransfer({ payer, payee, amount: '7' });
    const [res, ms] = await timed(() => ctx.sendPrepare(during));
    assertAnswer(res, 503, '2003', 'a prepare while the ledger rebuilds');
    assert.match(res.rawBody, /Service currently unavailable/);
    assert.ok(ms < 1000, `answered in ${ms} ms`);
    assert.equal(await recorded(w, during.transferId), 0);
    assert.ok(!w.hub.logs.some((l) => l.includes('"unhandled error"')), 'not the unhandled-error path');
  } finally {
    if (held) await release();
    held = false;
  }
  // Rebuilt: new work is taken again.
  let answer: FspiopResponse | undefined;
  for (let i = 0; i < 50; i++) {
    answer = await ctx.sendPrepare(ctx.newTransfer({ payer, payee, amount: '8' }));
    if (answer.status === 202) break;
    await pause(100);
  }
  assert.equal(answer?.status, 202, answer?.rawBody);
});
