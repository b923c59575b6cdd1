/**
 * The money path's bounds and its "retry later" answers through the real FSPIOP edge (a hub process on its own
 * PostgreSQL database; docs/decisions.md 2026-12-06, "Limits and assertions on the money path"):
 *  - the group-commit queue is full (MIZANI_GROUP_COMMIT_QUEUE_WRITES_MAX=2 and a lock that holds the batch in
 *    PostgreSQL): a new prepare is refused at once with 2005 and nothing is recorded; the fulfil of a transfer in
 *    flight is still taken and commits; the queued prepares complete once the database moves again;
 *  - the ledger is rebuilding after a failed batch (a trigger fails it, a lock holds the rebuild): prepares are
 *    answered 503 with 2003, as documented, not 500/2001; once rebuilt, prepares are taken again;
 *  - follow-up work is at its bound (MIZANI_FOLLOW_UP_TASKS_MAX=2, a payee whose endpoint does not answer yet): new
 *    prepares are refused with 2005; the callbacks owed are all delivered once it answers, none dropped;
 *  - one participant's callbacks are at their bound (MIZANI_CALLBACKS_PENDING_MAX=1): new work to it is refused
 *    with 2005 while others' goes on.
 * Admission control's own signals are switched off here, so each refusal is the bound's.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
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
  // Capacity is back (once the commits of the drained prepares, whose payee fulfils them, have left the queue too).
  await takenAgain(w, payee);
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

/** A participant's callback endpoint that takes requests and answers none until released. */
async function heldEndpoint(): Promise<{ url: string; received: string[]; release(): void; close(): Promise<void> }> {
  const received: string[] = [];
  const held: ServerResponse[] = [];
  let released = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(`${req.method} ${req.url} ${body}`);
      if (released) res.writeHead(202).end();
      else held.push(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    release() {
      released = true;
      for (const res of held.splice(0)) res.writeHead(202).end();
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await pause(20);
  }
}

/** Sends prepares until one is taken (the bound has cleared). */
async function takenAgain(w: World, payee: DfspSimulator): Promise<void> {
  let answer: FspiopResponse | undefined;
  for (let i = 0; i < 100 && answer?.status !== 202; i++) {
    if (i > 0) await pause(100);
    answer = await w.ctx.sendPrepare(w.ctx.newTransfer({ payer: w.payer, payee, amount: '1' }));
  }
  assert.equal(answer?.status, 202, answer?.rawBody);
}

test('follow-up work at its bound: new prepares get 2005; every callback owed is delivered once the payee answers', async () => {
  const endpoint = await heldEndpoint();
  try {
    const w = await world({
      MIZANI_FOLLOW_UP_TASKS_MAX: '2',
      MIZANI_CALLBACKS_PENDING_MAX: '0',
      MIZANI_CALLBACK_RETRIES: '0',
      MIZANI_CALLBACK_TIMEOUT_MS: '30000',
    });
    const { ctx, payer } = w;
    const slow = await ctx.newDfsp({ callbackBase: endpoint.url });
    const accepted = [ctx.newTransfer({ payer, payee: slow, amount: '1' }), ctx.newTransfer({ payer, payee: slow, amount: '2' })];
    for (const [i, t] of accepted.entries()) {
      assert.equal((await ctx.sendPrepare(t)).status, 202, 'below the bound');
      await until(`forward ${i + 1} at the payee`, () => endpoint.received.length === i + 1); // its follow-up is still pending
    }
    const refused = ctx.newTransfer({ payer, payee: slow, amount: '3' });
    const [busy, ms] = await timed(() => ctx.sendPrepare(refused));
    assertAnswer(busy, 500, '2005', 'a prepare with 2 follow-ups pending');
    assert.ok(ms < 1000, `refused in ${ms} ms`);
    assert.equal(await recorded(w, refused.transferId), 0);
    // Also to a payee that is fine: the bound is the hub's.
    assertAnswer(await ctx.sendPrepare(ctx.newTransfer({ payer, payee: w.payee, amount: '4' })), 500, '2005', 'a prepare to another payee');

    endpoint.release();
    await takenAgain(w, w.payee);
    for (const t of accepted) {
      assert.equal(
        endpoint.received.filter((r) => r.startsWith('POST /transfers ') && r.includes(t.transferId)).length,
        1,
        `the forward of ${t.transferId} was delivered once`,
      );
    }
    assert.ok(!endpoint.received.some((r) => r.includes(refused.transferId)), 'the refused one was not forwarded');
  } finally {
    endpoint.release();
    await endpoint.close();
  }
});

test("one participant's callbacks at their bound: new work to it gets 2005, work with others goes on", async () => {
  const endpoint = await heldEndpoint();
  try {
    const w = await world({
      MIZANI_CALLBACKS_PENDING_MAX: '1',
      MIZANI_FOLLOW_UP_TASKS_MAX: '0',
      MIZANI_CALLBACK_RETRIES: '0',
      MIZANI_CALLBACK_TIMEOUT_MS: '30000',
    });
    const { ctx, payer, payee } = w;
    const slow = await ctx.newDfsp({ callbackBase: endpoint.url });
    const first = ctx.newTransfer({ payer, payee: slow, amount: '1' });
    assert.equal((await ctx.sendPrepare(first)).status, 202);
    await until('the forward at the slow payee', () => endpoint.received.length === 1);

    const refused = ctx.newTransfer({ payer, payee: slow, amount: '2' });
    const busy = await ctx.sendPrepare(refused);
    assertAnswer(busy, 500, '2005', 'a prepare to the participant whose callbacks wait');
    assert.match(busy.rawBody, new RegExp(`callbacks to ${slow.name} are waiting`));
    assert.equal(await recorded(w, refused.transferId), 0);
    const quote = await ctx.send({ method: 'POST', path: '/quotes', source: payer.name, destination: slow.name, body: { quoteId: crypto.randomUUID() } });
    assertAnswer(quote, 500, '2005', 'a quote to it');

    // Others are not held up.
    const elsewhere = ctx.newTransfer({ payer, payee, amount: '3' });
    const since = payer.mark();
    assert.equal((await ctx.sendPrepare(elsewhere)).status, 202);
    const done = await payer.waitFor((r) => r.method === 'PUT' && r.path === `/transfers/${elsewhere.transferId}`, 10_000, { since });
    assert.equal(done.body?.transferState, 'COMMITTED');

    endpoint.release();
    await takenAgain(w, slow);
    assert.equal(endpoint.received.filter((r) => r.includes(first.transferId)).length, 1, 'the held callback was delivered, once');
  } finally {
    endpoint.release();
    await endpoint.close();
  }
});
