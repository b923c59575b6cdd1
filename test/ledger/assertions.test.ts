/**
 * The money path's run-time assertions (ledger/assertions.ts, engine, migration 007), each made to fail on purpose
 * against a real PostgreSQL: bad writes built through the internal API (a committer, the engine's own committer, a
 * decision with a bug patched in), a report that does not match what was sent, memory that drifted from the books,
 * and batches sent straight to mizani_apply with SQL. Each time the batch stops whole, nothing of it is durable,
 * callers hear LEDGER_UNAVAILABLE, and the engine rebuilds memory equal to the database.
 * Also the engine's bounds (GROUP_COMMIT_QUEUE_WRITES_MAX, TRANSFERS_IN_FLIGHT_MAX): new work refused with
 * SERVER_BUSY before anything moves, finishing work always taken. (Through the edge: test/bounds.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDb, type Db } from '../../ledger/db.js';
import { migrate } from '../../ledger/migrate.js';
import { Registry, type Account } from '../../ledger/registry.js';
import { LedgerEngine, type InFlight } from '../../ledger/engine.js';
import { DomainError } from '../../schemas/outcomes.js';
import { GroupCommitter, LedgerUnavailableError, type LedgerWrite } from '../../ledger/group-commit.js';
import { LedgerAssertionError, type ApplyReport } from '../../ledger/assertions.js';
import { ledgerNegated, ledgerUnits as L, parseLedger, type LedgerUnits } from '../../ledger/units.js';
import type { Queryable } from '../../ledger/db.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { deferredNetModel } from '../support/settlement-models.js';
import { prepareInput } from '../support/ledger-inputs.js';

const USD = 10_000n;
const HUB = 'Hub';

let testDb: TestDatabase;
let db: Db;

before(async () => {
  testDb = await createTestDatabase('mizani_ledger_assert');
  db = await openDb({ url: testDb.url, dataDir: '', poolSize: 4 });
});

after(async () => {
  await db?.close();
  await testDb?.drop();
});

async function freshLedger(): Promise<Registry> {
  await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  await migrate(db);
  const registry = await Registry.load(db, HUB);
  for (const currency of ['USD', 'EUR']) {
    await registry.createHubAccount(currency, 'HUB_RECONCILIATION');
    await registry.createHubAccount(currency, 'HUB_MULTILATERAL_SETTLEMENT');
  }
  await registry.createSettlementModel(deferredNetModel({ requireLiquidityCheck: false }));
  for (const name of ['dfsp1', 'dfsp2']) {
    for (const currency of ['USD', 'EUR']) {
      await registry.createParticipant(name, currency, false);
      await registry.setInitialLimit(name, currency, L(100n * USD), '10');
    }
  }
  return registry;
}

async function snapshot(): Promise<string> {
  const rows = await db.query<{ line: string }>(
    `SELECT 'a' || id || '=' || value::text AS line FROM account
     UNION ALL SELECT 't' || id || ':' || state FROM transfer
     UNION ALL SELECT 'j' || count(*) FROM journal_entry ORDER BY 1`,
  );
  return rows.rows.map((r) => r.line).join(' ');
}

async function assertMemoryIsDatabase(registry: Registry): Promise<void> {
  const rows = await db.query<{ id: number; value: string }>('SELECT id, value::text AS value FROM account');
  for (const row of rows.rows) assert.equal(registry.account(row.id)?.value, parseLedger(row.value), `account ${row.id}: memory vs database`);
}

function recovery(): { hooks: { onRecovering: (err: Error) => void; onRecovered: () => void }; causes: Error[]; recovered: Promise<void> } {
  const causes: Error[] = [];
  let done!: () => void;
  const recovered = new Promise<void>((r) => (done = r));
  return { causes, recovered, hooks: { onRecovering: (err) => void causes.push(err), onRecovered: () => done() } };
}

/** The engine's own committer: the internal API a bug in the engine would write through. */
function committerOf(engine: LedgerEngine): GroupCommitter {
  return (engine as unknown as { committer: GroupCommitter }).committer;
}

function assertUnavailableBy(reason: unknown, pattern: RegExp): void {
  assert.ok(reason instanceof LedgerUnavailableError, String(reason));
  assert.equal(reason.outcome, 'LEDGER_UNAVAILABLE');
  assert.ok(reason.cause instanceof LedgerAssertionError, `cause: ${String(reason.cause)}`);
  assert.match((reason.cause as Error).message, pattern);
}

function movement(id: string, from: Account, to: Account, amount: LedgerUnits, extra: Partial<LedgerWrite> = {}): LedgerWrite {
  return {
    entries: [
      { transfer_id: id, account: from, amount, event: 'TEST' },
      { transfer_id: id, account: to, amount: ledgerNegated(amount), event: 'TEST' },
    ],
    ...extra,
  };
}

test('before the commit: an unbalanced write, an inexact amount, too many entries, a write mixing currencies stop their whole batch; nothing reaches PostgreSQL', async () => {
  const registry = await freshLedger();
  const p1 = registry.accountOf('dfsp1', 'USD', 'POSITION')!;
  const p2 = registry.accountOf('dfsp2', 'USD', 'POSITION')!;
  const e1 = registry.accountOf('dfsp1', 'EUR', 'POSITION')!;
  const e2 = registry.accountOf('dfsp2', 'EUR', 'POSITION')!;
  const bad: Array<[string, LedgerWrite, RegExp]> = [
    [
      'unbalanced',
      {
        entries: [
          { transfer_id: 'u', account: p1, amount: L(5n), event: 'TEST' },
          { transfer_id: 'u', account: p2, amount: L(-4n), event: 'TEST' },
        ],
      },
      /entries of u sum to 1 \(10\^-4 USD\), not zero/,
    ],
    [
      'inexact',
      { entries: [{ transfer_id: 'x', account: p1, amount: 1.5 as unknown as LedgerUnits, event: 'TEST' }] },
      /entry of x has amount 1\.5, not an exact ledger amount/,
    ],
    [
      'too many',
      { entries: Array.from({ length: 8 }, (_, i) => ({ transfer_id: 'm', account: i % 2 ? p1 : p2, amount: L(i % 2 ? 1n : -1n), event: 'TEST' })) },
      /carries 8 journal entries \(at most 6\)/,
    ],
    [
      'currencies',
      {
        entries: [
          { transfer_id: 'c', account: p1, amount: L(5n), event: 'TEST' },
          { transfer_id: 'c', account: e2, amount: L(-5n), event: 'TEST' },
          { transfer_id: 'c', account: e1, amount: L(5n), event: 'TEST' },
          { transfer_id: 'c', account: p2, amount: L(-4n), event: 'TEST' },
        ],
      },
      /entries of c sum to 1 \(10\^-4 USD\), not zero/,
    ],
  ];
  for (const [what, write, pattern] of bad) {
    const failures: Error[] = [];
    const committer = new GroupCommitter({ writer: () => db, batchWritesMax: 10, onFailure: (err) => void failures.push(err) });
    const before = await snapshot();
    const results = await Promise.allSettled([
      committer.submit(movement(`good-1-${what}`, p1, p2, L(3n))),
      committer.submit(write),
      committer.submit(movement(`good-2-${what}`, p2, p1, L(2n))),
    ]);
    for (const r of results) {
      assert.equal(r.status, 'rejected', `${what}: every write of the batch fails`);
      assertUnavailableBy((r as PromiseRejectedResult).reason, pattern);
    }
    assert.equal(failures.length, 1, `${what}: the owner is told once`);
    assert.ok(failures[0] instanceof LedgerAssertionError);
    assert.equal(committer.failed, true);
    await assert.rejects(committer.submit(movement('after', p1, p2, L(1n))), LedgerUnavailableError, 'no write is taken until reset');
    assert.equal(await snapshot(), before, `${what}: nothing of the batch is durable`);
  }
});

test('through the engine: a bad write in the batch fails it with every write queued; memory is rebuilt from PostgreSQL', async () => {
  const registry = await freshLedger();
  const probe = recovery();
  const engine = new LedgerEngine(db, registry, { maxBatch: 50, assertions: 'all' }, probe.hooks);
  await engine.load();
  const kept = await engine.prepare(prepareInput('kept', L(10n * USD)));
  assert.equal(kept.kind, 'reserved');
  const before = await snapshot();
  const p1 = registry.accountOf('dfsp1', 'USD', 'POSITION')!;
  const p2 = registry.accountOf('dfsp2', 'USD', 'POSITION')!;
  const results = await Promise.allSettled([
    engine.prepare(prepareInput('same-batch-1', L(7n * USD))),
    committerOf(engine).submit({
      entries: [
        { transfer_id: 'bug', account: p1, amount: L(USD), event: 'TEST' },
        { transfer_id: 'bug', account: p2, amount: L(-2n * USD), event: 'TEST' },
      ],
    }),
    engine.prepare(prepareInput('same-batch-2', L(8n * USD), 'dfsp2', 'dfsp1')),
  ]);
  for (const r of results) assertUnavailableBy((r as PromiseRejectedResult).reason, /entries of bug sum to -10000/);
  await probe.recovered;
  assert.ok(probe.causes[0] instanceof LedgerAssertionError);
  assert.equal(await snapshot(), before, 'nothing of the failed batch is durable');
  await assertMemoryIsDatabase(registry);
  assert.equal(registry.accountOf('dfsp1', 'USD', 'POSITION')!.value, 10n * USD, 'the optimistic reservations of the failed batch are gone');
  assert.deepEqual([engine.inFlightTransfer('same-batch-1'), engine.inFlightTransfer('same-batch-2')], [undefined, undefined]);
  const again = await engine.prepare(prepareInput('after', L(USD)));
  assert.equal(again.kind, 'reserved', 'the engine works again');
  await assertMemoryIsDatabase(registry);
  await engine.close();
});

test('after a reservation the position is within its cap: a decision with a bug is stopped before anything is written', async () => {
  const registry = await freshLedger();
  const probe = recovery();
  const engine = new LedgerEngine(db, registry, { maxBatch: 50 }, probe.hooks);
  await engine.load();
  const before = await snapshot();
  // A bug in the decision: every prepare passes, whatever the headroom.
  (engine as unknown as { checkHeadroom: () => undefined }).checkHeadroom = () => undefined;
  const results = await Promise.allSettled([engine.prepare(prepareInput('within', L(60n * USD))), engine.prepare(prepareInput('beyond', L(60n * USD)))]);
  assert.equal(results[1].status, 'rejected');
  assertUnavailableBy((results[1] as PromiseRejectedResult).reason, /is 120\.0000 USD after a reservation, beyond its net debit cap 100\.0000/);
  // The first was queued in the same tick: failed with it (its reservation was in memory that can no longer be trusted).
  assert.equal(results[0].status, 'rejected');
  await probe.recovered;
  assert.equal(await snapshot(), before);
  await assertMemoryIsDatabase(registry);
  assert.equal(registry.accountOf('dfsp1', 'USD', 'POSITION')!.value, 0n);
  await engine.close();
});

test('an assertion while a batch is being committed: that batch completes, the queued writes fail, then the engine rebuilds', async () => {
  const registry = await freshLedger();
  const probe = recovery();
  const engine = new LedgerEngine(db, registry, { maxBatch: 50 }, probe.hooks);
  await engine.load();
  const locker = await db.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE transfer IN SHARE MODE'); // the first batch waits in PostgreSQL
  const first = engine.prepare(prepareInput('in-commit', L(5n * USD)));
  await new Promise((r) => setTimeout(r, 150));
  const queued = engine.prepare(prepareInput('queued', L(6n * USD)));
  await new Promise((r) => setImmediate(r));
  (engine as unknown as { checkHeadroom: () => undefined }).checkHeadroom = () => undefined;
  const beyond = engine.prepare(prepareInput('beyond', L(200n * USD)));
  await assert.rejects(beyond, (err) => (assertUnavailableBy(err, /beyond its net debit cap/), true));
  await assert.rejects(queued, LedgerUnavailableError);
  assert.equal(engine.available, true, 'recovery waits for the batch in PostgreSQL');
  await locker.query('COMMIT');
  locker.release();
  assert.equal((await first).kind, 'reserved', 'the batch being committed is durable and its caller told so');
  await probe.recovered;
  await assertMemoryIsDatabase(registry);
  assert.equal(registry.accountOf('dfsp1', 'USD', 'POSITION')!.value, 5n * USD);
  assert.ok(engine.inFlightTransfer('in-commit'));
  await engine.close();
});

test('after the commit: a report that is not what was sent fails the batch (and its callers), even though PostgreSQL applied it', async () => {
  const registry = await freshLedger();
  const p1 = registry.accountOf('dfsp1', 'USD', 'POSITION')!;
  const p2 = registry.accountOf('dfsp2', 'USD', 'POSITION')!;
  const tamperings: Array<[string, (r: ApplyReport) => void, RegExp]> = [
    ['journal', (r) => void (r.journal = Number(r.journal) - 1), /1 journal rows written for 2 expected/],
    ['conflict', (r) => void r.conflicts.push('never-sent'), /conflict on never-sent, which this batch did not insert/],
    ['updated', (r) => void (r.updated = 1), /1 transfer state changes applied for 0 sent/],
  ];
  for (const [what, tamper, pattern] of tamperings) {
    const writer: Queryable = {
      query: async (text: string, params?: unknown[], name?: string) => {
        const result = await db.query<{ report: ApplyReport }>(text, params, name);
        tamper(result.rows[0]!.report);
        return result;
      },
    } as Queryable;
    const failures: Error[] = [];
    const committer = new GroupCommitter({ writer: () => writer, batchWritesMax: 10, onFailure: (err) => void failures.push(err) });
    const r = await Promise.allSettled([committer.submit(movement(`t-${what}`, p1, p2, L(1n)))]);
    assertUnavailableBy((r[0] as PromiseRejectedResult).reason, pattern);
    assert.equal(failures.length, 1);
  }
});

test('MIZANI_LEDGER_ASSERTIONS=all: memory that drifted from the books is caught at the next batch that touches the account, and rebuilt', async () => {
  const registry = await freshLedger();
  const probe = recovery();
  const engine = new LedgerEngine(db, registry, { maxBatch: 50, assertions: 'all' }, probe.hooks);
  await engine.load();
  assert.equal((await engine.prepare(prepareInput('a', L(2n * USD)))).kind, 'reserved');
  await engine.fundsIn('dfsp1', 'USD', L(9n * USD), 'fin-1', 'ref'); // memory moves after durable: no false alarm
  const position = registry.accountOf('dfsp1', 'USD', 'POSITION')!;
  position.value = L(position.value + 1n); // a bug moved memory without a journal entry
  await assert.rejects(
    engine.prepare(prepareInput('b', L(USD))),
    (err) => (assertUnavailableBy(err, /account \d+ holds 3\.0001 in memory; durable 3\.0000/), true),
  );
  await probe.recovered;
  await assertMemoryIsDatabase(registry);
  assert.equal(position.value === registry.accountOf('dfsp1', 'USD', 'POSITION')!.value, false, 'memory was rebuilt (new account objects)');
  assert.equal(registry.accountOf('dfsp1', 'USD', 'POSITION')!.value, 3n * USD, 'b was durable; only memory was wrong');
  await engine.close();
});

// ------------------------------------------------------------------------------------------- bounds

function assertBusy(err: unknown, pattern: RegExp): true {
  assert.ok(err instanceof DomainError && err.outcome === 'SERVER_BUSY', String(err));
  assert.match(err.message, pattern);
  return true;
}

test('GROUP_COMMIT_QUEUE_WRITES_MAX: new work past the bound is refused with SERVER_BUSY before anything is reserved; finishing writes are always queued', async () => {
  const registry = await freshLedger();
  const engine = new LedgerEngine(db, registry, { maxBatch: 50, queueWritesMax: 2, assertions: 'all' });
  await engine.load();
  const live = await engine.prepare(prepareInput('live', L(USD)));
  assert.equal(live.kind, 'reserved');
  const position = () => registry.accountOf('dfsp1', 'USD', 'POSITION')!.value;
  // One tick: two writes fill the queue; every further kind of new work is refused at once.
  const accepted = [engine.prepare(prepareInput('q1', L(2n * USD))), engine.fundsIn('dfsp1', 'USD', L(USD), 'q2', 'ref')];
  assert.equal(position(), 3n * USD);
  await assert.rejects(engine.prepare(prepareInput('refused', L(4n * USD))), (err) =>
    assertBusy(err, /group-commit queue holds 2 writes \(GROUP_COMMIT_QUEUE_WRITES_MAX\)/),
  );
  await assert.rejects(engine.recordInvalid({ ...prepareInput('invalid', L(USD)), amount: null }, 'X'), (err) =>
    assertBusy(err, /GROUP_COMMIT_QUEUE_WRITES_MAX/),
  );
  await assert.rejects(engine.fundsOutReserve('dfsp1', 'USD', L(USD), 'fout', 'ref'), (err) => assertBusy(err, /GROUP_COMMIT_QUEUE_WRITES_MAX/));
  await assert.rejects(
    engine.submitRecord({ quoteInsert: { id: 'quote', payer: 'dfsp1', payee: 'dfsp2', currency: 'USD', state: 'RECEIVED', request_hash: 'h' } }),
    (err) => assertBusy(err, /GROUP_COMMIT_QUEUE_WRITES_MAX/),
  );
  assert.equal(position(), 3n * USD, 'nothing of the refused work was reserved');
  assert.equal(engine.inFlightTransfer('refused'), undefined);
  // Finishing accepted work is queued beyond the bound.
  const commit = engine.commit((live as { transfer: InFlight }).transfer, { completedAt: new Date().toISOString() });
  assert.equal(engine.queuedWrites, 3);
  await Promise.all([...accepted, commit]);
  assert.equal(await engine.find('refused'), undefined);
  assert.equal((await engine.find('live'))?.state, 'COMMITTED');
  await assertMemoryIsDatabase(registry);
  assert.equal((await engine.prepare(prepareInput('after', L(USD)))).kind, 'reserved', 'room again once the queue drained');
  await engine.close();
});

test('TRANSFERS_IN_FLIGHT_MAX: a new transfer past the bound is refused with SERVER_BUSY; one that finishes makes room', async () => {
  const registry = await freshLedger();
  const engine = new LedgerEngine(db, registry, { maxBatch: 50, inFlightTransfersMax: 2 });
  await engine.load();
  const a = await engine.prepare(prepareInput('a', L(USD)));
  await engine.prepare(prepareInput('b', L(USD)));
  await assert.rejects(engine.prepare(prepareInput('c', L(USD))), (err) => assertBusy(err, /2 transfers are in flight \(TRANSFERS_IN_FLIGHT_MAX\)/));
  await assert.rejects(engine.fundsOutReserve('dfsp1', 'USD', L(USD), 'fout', 'ref'), (err) => assertBusy(err, /TRANSFERS_IN_FLIGHT_MAX/));
  assert.equal(registry.accountOf('dfsp1', 'USD', 'POSITION')!.value, 2n * USD);
  await engine.fundsIn('dfsp1', 'USD', L(USD), 'fin', 'ref'); // not a transfer in flight: taken
  await engine.abort((a as { transfer: InFlight }).transfer, { state: 'ABORTED_ERROR', cause: 'x', completedAt: new Date().toISOString() });
  assert.equal((await engine.prepare(prepareInput('c', L(USD)))).kind, 'reserved');
  await engine.close();
});

// ------------------------------------------------------------------------------------ mizani_apply itself

async function apply(batch: unknown): Promise<ApplyReport> {
  const result = await db.query<{ report: ApplyReport }>('SELECT mizani_apply($1::jsonb) AS report', [JSON.stringify(batch)]);
  return result.rows[0]!.report;
}

function entry(transferId: string, account: Account, amount: string) {
  return { transfer_id: transferId, account_id: account.id, amount, event: 'SQL' };
}

test('mizani_apply refuses a batch whose entries do not sum to zero per currency, and one larger than its maximum', async () => {
  const registry = await freshLedger();
  const [p1, p2, e1, e2] = [
    ['dfsp1', 'USD'],
    ['dfsp2', 'USD'],
    ['dfsp1', 'EUR'],
    ['dfsp2', 'EUR'],
  ].map(([n, c]) => registry.accountOf(n!, c!, 'POSITION')!);
  const before = await snapshot();
  await assert.rejects(
    apply({ writes: 1, entries: [entry('s1', p1!, '1.0000'), entry('s1', p2!, '-0.9999')] }),
    /do not sum to zero per currency \(USD 0\.0001\)/,
  );
  // Zero overall, not per currency.
  await assert.rejects(
    apply({ writes: 1, entries: [entry('s2', p1!, '1'), entry('s2', e2!, '-1')] }),
    /do not sum to zero per currency \((EUR -1\.0000, USD 1\.0000|USD 1\.0000, EUR -1\.0000)\)/,
  );
  // Unbalanced across two writes that each look fine to nobody.
  await assert.rejects(apply({ writes: 2, entries: [entry('s3', p1!, '2'), entry('s4', p2!, '-1')] }), /do not sum to zero/);
  // Larger than the maximum the hub passes; the hub cannot lift the fixed ceiling.
  await assert.rejects(apply({ writes: 3, writes_max: 2, entries: [] }), /a batch of 3 writes exceeds the maximum of 2/);
  await assert.rejects(apply({ writes: 100_001, writes_max: 1_000_000, entries: [] }), /a batch of 100001 writes exceeds the maximum of 100000/);
  // More rows than writes (a dependent transfer and its conversion: two state changes), more than 8 entries per write;
  // without `writes`, the rows count.
  await assert.rejects(
    apply({
      writes: 1,
      entries: [],
      updates: [
        { id: 'x', from_state: 'RESERVED', state: 'COMMITTED' },
        { id: 'y', from_state: 'RESERVED', state: 'COMMITTED' },
        { id: 'z', from_state: 'RESERVED', state: 'COMMITTED' },
      ],
    }),
    /a batch of 1 writes carries 0 transfer inserts, 3 state changes/,
  );
  await assert.rejects(
    apply({ writes: 1, entries: Array.from({ length: 10 }, (_, i) => entry('s5', i % 2 ? p1! : p2!, i % 2 ? '1' : '-1')) }),
    /at most one of each but 2 state changes, 3 flows and 8 entries per write/,
  );
  await assert.rejects(
    apply({ writes_max: 1, entries: Array.from({ length: 10 }, (_, i) => entry('s6', i % 2 ? p1! : p2!, i % 2 ? '1' : '-1')) }),
    /a batch of 2 writes exceeds the maximum of 1/,
  );
  // A commit's own window flow, its interchange fee's and its conversion's: three per write, not four.
  const flow = (payee: number) => ({ window_id: 1, payer_account_id: p1!.id, payee_account_id: payee, amount: '1', transfers: 1 });
  await assert.rejects(
    apply({ writes: 1, entries: [], flows: [flow(p2!.id), flow(e1!.id), flow(e2!.id), flow(p1!.id)] }),
    /4 window flows .*3 flows and 8 entries per write/,
  );
  assert.equal(await snapshot(), before, 'nothing of a refused batch is applied');

  // A balanced batch in two currencies is applied and reported.
  const report = await apply({
    writes: 3,
    writes_max: 3,
    report_values: true,
    inserts: [{ id: 'ok-1', kind: 'TRANSFER', payer: 'dfsp1', payee: 'dfsp2', currency: 'USD', amount: '1', state: 'RESERVED' }],
    entries: [entry('ok-1', p1!, '1'), entry('ok-1', p2!, '-1'), entry('ok-2', e1!, '2.5'), entry('ok-2', e2!, '-2.5')],
  });
  assert.deepEqual(report, {
    conflicts: [],
    inserted: 1,
    updated: 0,
    journal: 4,
    quotes_inserted: 0,
    quotes_updated: 0,
    requests_inserted: 0,
    requests_updated: 0,
    windows_closed: 0,
    balances: { [p1!.id]: '1.0000', [p2!.id]: '-1.0000', [e1!.id]: '2.5000', [e2!.id]: '-2.5000' },
  });
  // The same insert again: a conflict, its entries skipped; balances only when asked for.
  const again = await apply({
    writes: 1,
    inserts: [{ id: 'ok-1', kind: 'TRANSFER', payer: 'dfsp1', payee: 'dfsp2', currency: 'USD', amount: '1', state: 'RESERVED' }],
    entries: [
      { ...entry('ok-1', p1!, '1'), with_insert: true },
      { ...entry('ok-1', p2!, '-1'), with_insert: true },
    ],
  });
  assert.deepEqual(again, {
    conflicts: ['ok-1'],
    inserted: 0,
    updated: 0,
    journal: 0,
    quotes_inserted: 0,
    quotes_updated: 0,
    requests_inserted: 0,
    requests_updated: 0,
    windows_closed: 0,
    balances: null,
  });
});

test('mizani_apply keeps the index-only plans of migration 005 (they are part of its definition now)', async () => {
  await freshLedger();
  const rows = await db.query<{ config: string[] }>(`SELECT proconfig AS config FROM pg_proc WHERE proname = 'mizani_apply'`);
  assert.equal(rows.rows.length, 1);
  assert.deepEqual([...rows.rows[0]!.config].sort(), ['enable_hashjoin=off', 'enable_mergejoin=off', 'enable_seqscan=off']);
});

test("consumer positions ride in the ledger's group-commit transactions: with the batch's writes or alone, only forward, never without the batch", async () => {
  const registry = await freshLedger();
  const probe = recovery();
  const engine = new LedgerEngine(db, registry, { maxBatch: 50, assertions: 'all' }, probe.hooks);
  await engine.load();
  const at = (nextOffset: string, partition = 0) => ({ consumerGroup: 'g.workers', topic: 'g.transfer.prepare', partition, nextOffset });
  const recorded = async () => Object.fromEntries((await engine.consumerPositions('g.workers')).map((p) => [p.partition, p.nextOffset]));

  const [prepared] = await Promise.all([engine.prepare(prepareInput('with-positions', L(USD))), engine.recordConsumerPositions([at('10'), at('7', 1)])]);
  assert.equal(prepared.kind, 'reserved');
  assert.deepEqual(await recorded(), { 0: '10', 1: '7' }, 'recorded with the prepare');
  await engine.recordConsumerPositions([at('5')]);
  assert.deepEqual(await recorded(), { 0: '10', 1: '7' }, 'an older position changes nothing');
  await engine.recordConsumerPositions([at('12'), at('11')]);
  assert.deepEqual(await recorded(), { 0: '12', 1: '7' }, 'alone; the latest of a batch wins');

  const p1 = registry.accountOf('dfsp1', 'USD', 'POSITION')!;
  const p2 = registry.accountOf('dfsp2', 'USD', 'POSITION')!;
  const results = await Promise.allSettled([
    engine.recordConsumerPositions([at('20')]),
    committerOf(engine).submit({
      entries: [
        { transfer_id: 'bug', account: p1, amount: L(USD), event: 'TEST' },
        { transfer_id: 'bug', account: p2, amount: L(-2n * USD), event: 'TEST' },
      ],
    }),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  await probe.recovered;
  assert.deepEqual(await recorded(), { 0: '12', 1: '7' }, 'a failed batch records no position');
  await engine.close();
});
