/**
 * Ledger invariants, checked as properties against a real PostgreSQL (one fresh database for this
 * file; the public schema is rebuilt for every property run so that runs are independent and
 * fast-check can shrink a failure).
 *
 *  1. the journal balances to zero per currency (and per movement), and every account's cached
 *     value equals the sum of its journal entries;
 *  2. position = opening + reserved/committed paid - committed received (from the transfer table);
 *  3. no position ever exceeds its net debit cap, and the headroom race is decided exactly;
 *  4. a restart rebuilds the same balances and the same in-flight transfers;
 *  5. a prepare (or funds-in) whose id is already recorded is a duplicate and moves nothing;
 *  6. the journal is immutable;
 *  7. a failed group commit leaves nothing behind and the engine recovers.
 *
 * All amounts are compared exactly: numeric values are selected as text and parsed to bigint.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { openDb, type Db } from '../../ledger/db.js';
import { migrate } from '../../ledger/migrate.js';
import { Registry, type Account } from '../../ledger/registry.js';
import { LedgerEngine, type InFlight, type PrepareOutcome } from '../../ledger/engine.js';
import { GroupCommitter, LedgerUnavailableError } from '../../ledger/group-commit.js';
import { ledgerText, ledgerUnits as L, parseLedger } from '../../ledger/units.js';
import { fspiopErrorOf } from '../../translators/fspiop/outcomes.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { deferredNetModel } from '../support/settlement-models.js';

/** The engine's refusals of a prepare (FSPIOP 4001 and 4200 on the wire). */
const LIQUIDITY = 'PAYER_FSP_INSUFFICIENT_LIQUIDITY';
const LIMIT = 'PAYER_LIMIT_EXCEEDED';

const USD = 10_000n; // one currency unit in ledger units (10^-4)
const CURRENCIES = ['USD', 'EUR'] as const;
const HUB = 'Hub';

let testDb: TestDatabase;
let db: Db;

before(async () => {
  testDb = await createTestDatabase('mizani_ledger_inv');
  db = await openDb({ url: testDb.url, dataDir: '', poolSize: 4 });
});

after(async () => {
  await db?.close();
  await testDb?.drop();
});

// ------------------------------------------------------------------------------------------ setup

interface World {
  registry: Registry;
  engine: LedgerEngine;
  dfsps: string[];
  currencies: string[];
  liquidity: boolean;
  batchSizes: number[];
}

interface WorldOptions {
  dfsps: number;
  currencies: number;
  liquidity: boolean;
  /** Net debit cap per (dfsp, currency), in ledger units; cycled when shorter. */
  caps: bigint[];
}

/** Drops everything and migrates again: each property run starts from an empty ledger. */
async function resetSchema(): Promise<void> {
  await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  await migrate(db);
}

function newEngine(registry: Registry, batchSizes: number[] = [], hooks: { onRecovering?: () => void; onRecovered?: () => void } = {}): LedgerEngine {
  // Several engines share one database on purpose here (restart, interference); the writer lock
  // that keeps production hubs exclusive has its own test below.
  return new LedgerEngine(
    db,
    registry,
    { maxBatch: 500, exclusiveWriter: false, assertions: 'all' },
    { ...hooks, observeBatch: (size) => batchSizes.push(size) },
  );
}

async function buildWorld(options: WorldOptions): Promise<World> {
  await resetSchema();
  const registry = await Registry.load(db, HUB);
  const currencies = CURRENCIES.slice(0, options.currencies);
  for (const currency of currencies) {
    await registry.createHubAccount(currency, 'HUB_RECONCILIATION');
    await registry.createHubAccount(currency, 'HUB_MULTILATERAL_SETTLEMENT');
  }
  await registry.createSettlementModel(deferredNetModel({ requireLiquidityCheck: options.liquidity }));
  const dfsps = Array.from({ length: options.dfsps }, (_, i) => `dfsp${i + 1}`);
  let k = 0;
  for (const name of dfsps) {
    for (const currency of currencies) {
      await registry.createParticipant(name, currency, false);
      await registry.setInitialLimit(name, currency, L(options.caps[k++ % options.caps.length]!), '10');
    }
  }
  const batchSizes: number[] = [];
  const engine = newEngine(registry, batchSizes);
  await engine.load();
  return { registry, engine, dfsps, currencies, liquidity: options.liquidity, batchSizes };
}

let idCounter = 0;
function nextId(prefix: string): string {
  return `${prefix}-${(++idCounter).toString(36)}-${Date.now().toString(36)}`;
}

function position(registry: Registry, name: string, currency: string): Account {
  return registry.accountOf(name, currency, 'POSITION')!;
}

function settlement(registry: Registry, name: string, currency: string): Account {
  return registry.accountOf(name, currency, 'SETTLEMENT')!;
}

function prepareInput(payer: string, payee: string, currency: string, amount: bigint, id = nextId('tr'), expired = false) {
  const expiresAt = expired ? Date.now() - 60_000 : Date.now() + 3_600_000;
  return {
    id,
    payer,
    payee,
    currency,
    amount: L(amount),
    condition: 'GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM',
    expiration: new Date(expiresAt).toISOString(),
    expiresAt,
    prepareHash: `hash-${id}`,
    receivedAt: new Date().toISOString(),
  };
}

/** Every in-flight transfer nobody is finishing (funds-out ones have no expiry: +Infinity). */
function inFlight(engine: LedgerEngine): InFlight[] {
  return engine.expired(Number.POSITIVE_INFINITY);
}

// ------------------------------------------------------------------------------- durable checks

async function dbAccountValues(): Promise<Map<number, bigint>> {
  const rows = await db.query<{ id: number; value: string }>('SELECT id, value::text AS value FROM account ORDER BY id');
  return new Map(rows.rows.map((r) => [r.id, parseLedger(r.value)]));
}

async function dbReserved(): Promise<Map<string, { amount: bigint; payer: string; payee: string; kind: string; currency: string }>> {
  const rows = await db.query<{ id: string; amount: string; payer: string; payee: string; kind: string; currency: string }>(
    `SELECT id, amount::text AS amount, payer, payee, kind, currency FROM transfer WHERE state = 'RESERVED'`,
  );
  return new Map(rows.rows.map((r) => [r.id, { amount: parseLedger(r.amount), payer: r.payer, payee: r.payee, kind: r.kind, currency: r.currency }]));
}

/** Invariants 1, 2 and 3 on what PostgreSQL holds; plus memory == database when `registry` is given. */
async function checkDurableInvariants(registry?: Registry, engine?: LedgerEngine): Promise<void> {
  // 1a. the journal balances to zero per currency ...
  const perCurrency = await db.query<{ currency: string; total: string }>(
    `SELECT a.currency, sum(j.amount)::text AS total FROM journal_entry j JOIN account a ON a.id = j.account_id GROUP BY a.currency`,
  );
  for (const row of perCurrency.rows) assert.equal(parseLedger(row.total), 0n, `journal of ${row.currency} sums to ${row.total}`);
  // ... and so does every single movement (a transfer's event, within one currency).
  const unbalanced = await db.query<{ transfer_id: string; event: string; total: string }>(
    `SELECT j.transfer_id, j.event, sum(j.amount)::text AS total FROM journal_entry j JOIN account a ON a.id = j.account_id
     GROUP BY j.transfer_id, j.event, a.currency HAVING sum(j.amount) <> 0`,
  );
  assert.deepEqual(unbalanced.rows, [], 'every movement is a balanced pair');

  // 1b. each account's cached value is the sum of its journal entries.
  const cache = await db.query<{ id: number; value: string; journal: string }>(
    `SELECT a.id, a.value::text AS value, coalesce(sum(j.amount), 0)::text AS journal
     FROM account a LEFT JOIN journal_entry j ON j.account_id = a.id GROUP BY a.id ORDER BY a.id`,
  );
  for (const row of cache.rows) {
    assert.equal(parseLedger(row.value), parseLedger(row.journal), `account ${row.id}: cached ${row.value} vs journal ${row.journal}`);
  }

  // 2. every balance recomputed independently from the transfer table.
  const expected = await db.query<{ id: number; type: string; owner: string; value: string; expected: string }>(
    `SELECT a.id, a.ledger_account_type AS type, p.name AS owner, a.value::text AS value, (CASE a.ledger_account_type
       WHEN 'POSITION' THEN
           coalesce((SELECT sum(j.amount) FROM journal_entry j WHERE j.account_id = a.id AND j.event = 'OPENING'), 0)
         + coalesce((SELECT sum(t.amount) FROM transfer t WHERE t.kind = 'TRANSFER' AND t.payer = p.name
                       AND t.currency = a.currency AND t.state IN ('RESERVED', 'COMMITTED')), 0)
         - coalesce((SELECT sum(t.amount) FROM transfer t WHERE t.kind = 'TRANSFER' AND t.payee = p.name
                       AND t.currency = a.currency AND t.state = 'COMMITTED'), 0)
       WHEN 'SETTLEMENT' THEN
         - coalesce((SELECT sum(t.amount) FROM transfer t WHERE t.kind = 'FUNDS_IN' AND t.payer = p.name
                       AND t.currency = a.currency AND t.state = 'COMMITTED'), 0)
         + coalesce((SELECT sum(t.amount) FROM transfer t WHERE t.kind = 'FUNDS_OUT' AND t.payee = p.name
                       AND t.currency = a.currency AND t.state IN ('RESERVED', 'COMMITTED')), 0)
       WHEN 'HUB_CLEARING' THEN
         - coalesce((SELECT sum(t.amount) FROM transfer t WHERE t.currency = a.currency AND t.state = 'RESERVED'), 0)
       WHEN 'HUB_RECONCILIATION' THEN
           coalesce((SELECT sum(t.amount) FROM transfer t WHERE t.kind = 'FUNDS_IN' AND t.currency = a.currency
                       AND t.state = 'COMMITTED'), 0)
         - coalesce((SELECT sum(t.amount) FROM transfer t WHERE t.kind = 'FUNDS_OUT' AND t.currency = a.currency
                       AND t.state = 'COMMITTED'), 0)
       WHEN 'HUB_MULTILATERAL_SETTLEMENT' THEN
         - coalesce((SELECT sum(j.amount) FROM journal_entry j JOIN account pa ON pa.id = j.account_id
                     WHERE j.event = 'OPENING' AND pa.ledger_account_type = 'POSITION' AND pa.currency = a.currency), 0)
       ELSE a.value END)::text AS expected
     FROM account a JOIN participant p ON p.id = a.participant_id ORDER BY a.id`,
  );
  for (const row of expected.rows) {
    assert.equal(
      parseLedger(row.value),
      parseLedger(row.expected),
      `${row.type} of ${row.owner} (account ${row.id}) is ${row.value}, the transfers say ${row.expected}`,
    );
  }

  // 3. no durable position above its net debit cap.
  const over = await db.query(
    `SELECT a.id, a.value::text AS value, l.value::text AS cap FROM account a JOIN participant_limit l ON l.account_id = a.id
     WHERE a.value > l.value`,
  );
  assert.deepEqual(over.rows, [], 'a durable position exceeds its net debit cap');

  if (registry) {
    const values = await dbAccountValues();
    for (const [id, value] of values) {
      assert.equal(registry.account(id)?.value, value, `account ${id}: memory ${registry.account(id)?.value} vs database ${value}`);
    }
    assert.equal(registry.allAccounts().length, values.size);
    checkMemoryCaps(registry);
  }
  if (engine) {
    const reserved = await dbReserved();
    const live = inFlight(engine);
    assert.equal(engine.inFlightCount, live.length, 'nothing is half-finished');
    assert.deepEqual(new Set(live.map((t) => t.id)), new Set(reserved.keys()), 'in-flight transfers == RESERVED rows');
    for (const t of live) assert.equal(t.amount, reserved.get(t.id)!.amount);
  }
}

function checkMemoryCaps(registry: Registry): void {
  for (const account of registry.allAccounts()) {
    if (account.type !== 'POSITION') continue;
    const limit = registry.limit(account.id);
    assert.ok(limit, `position ${account.id} has a limit`);
    assert.ok(account.value <= limit.value, `${account.participantName} ${account.currency} position ${account.value} > cap ${limit.value}`);
  }
}

/** Memory balances of every account, keyed by id. */
function memoryValues(registry: Registry): Map<number, bigint> {
  return new Map(registry.allAccounts().map((a) => [a.id, a.value]));
}

// ------------------------------------------------------------------------------ random operations

type Op =
  | { t: 'prepare'; payer: number; payeeOffset: number; cur: number; amount: bigint; expired: boolean }
  /** A prepare of exactly the payer's remaining headroom plus `delta` units (the edge of the cap or cover). */
  | { t: 'prepareEdge'; payer: number; payeeOffset: number; cur: number; delta: bigint }
  | { t: 'commit'; pick: number }
  | { t: 'abort'; pick: number }
  | { t: 'expire' }
  | { t: 'fundsIn'; p: number; cur: number; amount: bigint }
  | { t: 'fundsOutReserve'; p: number; cur: number; amount: bigint }
  | { t: 'fundsOutCommit'; pick: number }
  | { t: 'fundsOutAbort'; pick: number }
  | { t: 'opening'; p: number; cur: number; amount: bigint };

const units = (min: bigint, max: bigint) => fc.bigInt({ min, max });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant('prepare' as const),
      payer: fc.nat(3),
      payeeOffset: fc.nat(2),
      cur: fc.nat(1),
      amount: units(1n, 300n * USD),
      expired: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('prepareEdge' as const),
      payer: fc.nat(3),
      payeeOffset: fc.nat(2),
      cur: fc.nat(1),
      delta: fc.constantFrom(-1n, 0n, 1n),
    }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('commit' as const), pick: fc.nat(50) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('abort' as const), pick: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'expire' as const }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('fundsIn' as const), p: fc.nat(3), cur: fc.nat(1), amount: units(1n, 500n * USD) }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('fundsOutReserve' as const), p: fc.nat(3), cur: fc.nat(1), amount: units(1n, 400n * USD) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('fundsOutCommit' as const), pick: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('fundsOutAbort' as const), pick: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('opening' as const), p: fc.nat(3), cur: fc.nat(1), amount: units(-300n * USD, 300n * USD) }) },
);

const capArb = fc.oneof(fc.constant(0n), units(1n, 100n * USD), units(100n * USD, 2_000n * USD), fc.constant(1_000_000n * USD));

const worldArb = fc.record({
  dfsps: fc.integer({ min: 3, max: 4 }),
  currencies: fc.integer({ min: 1, max: 2 }),
  liquidity: fc.boolean(),
  caps: fc.array(capArb, { minLength: 8, maxLength: 8 }),
  deposits: fc.array(units(0n, 2_000n * USD), { minLength: 8, maxLength: 8 }),
});

const burstsArb = fc.array(fc.array(opArb, { minLength: 1, maxLength: 16 }), { minLength: 1, maxLength: 10 });

interface Tally {
  [outcome: string]: number;
}
const tally: Tally = {};
const count = (key: string) => void (tally[key] = (tally[key] ?? 0) + 1);

/**
 * Starts one operation: everything up to the engine call runs synchronously, so the expected outcome
 * computed here from the in-memory balances is exactly what the engine decides on.
 */
function start(world: World, op: Op, claimed: Set<string>, snapshot: InFlight[]): Promise<void> {
  const { registry, engine, dfsps, currencies } = world;
  const n = dfsps.length;
  const pick = (kind: 'TRANSFER' | 'FUNDS_OUT', index: number): InFlight | undefined => {
    const candidates = snapshot.filter((t) => t.kind === kind && !claimed.has(t.id) && !t.finishing);
    if (candidates.length === 0) return undefined;
    const chosen = candidates[index % candidates.length]!;
    claimed.add(chosen.id);
    return chosen;
  };
  const completedAt = new Date().toISOString();
  switch (op.t) {
    case 'prepare':
    case 'prepareEdge': {
      const payer = dfsps[op.payer % n]!;
      const payee = dfsps[(op.payer + 1 + (op.payeeOffset % (n - 1))) % n]!;
      const currency = currencies[op.cur % currencies.length]!;
      const pos = position(registry, payer, currency);
      const cover = -settlement(registry, payer, currency).value;
      const cap = registry.limit(pos.id)!.value;
      let amount: bigint;
      if (op.t === 'prepare') {
        amount = op.amount;
      } else {
        const headroom = world.liquidity && cover < cap ? cover - pos.value : cap - pos.value;
        amount = headroom + op.delta > 0n ? headroom + op.delta : 1n;
      }
      const expected = world.liquidity && cover - pos.value < amount ? LIQUIDITY : cap - pos.value < amount ? LIMIT : 'reserved';
      const expired = op.t === 'prepare' && op.expired;
      return engine.prepare(prepareInput(payer, payee, currency, amount, nextId('tr'), expired)).then((out) => {
        assert.equal(out.kind === 'rejected' ? out.error.outcome : out.kind, expected, `prepare of ${amount} by ${payer}`);
        count(`${op.t}:${expected}`);
      });
    }
    case 'commit': {
      const t = pick('TRANSFER', op.pick);
      if (!t) return Promise.resolve();
      count('commit');
      return engine.commit(t, { fulfilment: 'fulfilment', fulfilHash: `fulfil-${t.id}`, completedAt });
    }
    case 'abort': {
      const t = pick('TRANSFER', op.pick);
      if (!t) return Promise.resolve();
      count('abort');
      return engine.abort(t, { state: 'ABORTED_ERROR', cause: '5100: payee error', completedAt, errorHash: `error-${t.id}` });
    }
    case 'expire': {
      const due = engine.expired(Date.now()).filter((t) => t.kind === 'TRANSFER' && !claimed.has(t.id));
      for (const t of due) claimed.add(t.id);
      count(`expire:${due.length > 0}`);
      return Promise.all(due.map((t) => engine.abort(t, { state: 'EXPIRED_RESERVED', cause: '3303: Transfer expired', completedAt }))).then(() => undefined);
    }
    case 'fundsIn': {
      const name = dfsps[op.p % n]!;
      const currency = currencies[op.cur % currencies.length]!;
      count('fundsIn');
      return engine.fundsIn(name, currency, L(op.amount), nextId('fin'), 'ref').then((r) => assert.equal(r.conflict, false));
    }
    case 'fundsOutReserve': {
      const name = dfsps[op.p % n]!;
      const currency = currencies[op.cur % currencies.length]!;
      const after = settlement(registry, name, currency).value + op.amount;
      const position = registry.accountOf(name, currency, 'POSITION')!.value;
      // Beyond the funds deposited, or (liquidity-checked currencies) uncovering the current position.
      const refuse = after > 0n || (registry.requiresLiquidityCheck(currency) && -after < position);
      return engine.fundsOutReserve(name, currency, L(op.amount), nextId('fout'), 'ref').then((r) => {
        assert.equal(r.conflict, false);
        assert.equal(r.refused !== undefined, refuse, `funds out of ${op.amount} by ${name}`);
        count(`fundsOut:${refuse ? 'refused' : 'reserved'}`);
      });
    }
    case 'fundsOutCommit': {
      const t = pick('FUNDS_OUT', op.pick);
      if (!t) return Promise.resolve();
      count('fundsOutCommit');
      return engine.fundsOutCommit(t);
    }
    case 'fundsOutAbort': {
      const t = pick('FUNDS_OUT', op.pick);
      if (!t) return Promise.resolve();
      count('fundsOutAbort');
      return engine.fundsOutAbort(t, 'changed my mind');
    }
    case 'opening': {
      const pos = position(registry, dfsps[op.p % n]!, currencies[op.cur % currencies.length]!);
      // An opening position is an admin act, not a prepare: only post one the cap can carry.
      if (op.amount > 0n && pos.value + op.amount > registry.limit(pos.id)!.value) return Promise.resolve();
      count('opening');
      return engine.openingPosition(pos, L(op.amount));
    }
  }
}

async function runBurst(world: World, ops: Op[]): Promise<void> {
  const snapshot = inFlight(world.engine);
  const claimed = new Set<string>();
  const started = ops.map((op) => start(world, op, claimed, snapshot));
  // Everything has been decided (synchronously) but little is durable yet: memory must respect the caps.
  checkMemoryCaps(world.registry);
  const results = await Promise.allSettled(started);
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) throw (failure as PromiseRejectedResult).reason;
}

// ------------------------------------------------------------------------------------ the tests

test('random concurrent bursts keep the journal balanced, positions exact, caps respected; restart rebuilds it; duplicates move nothing', async () => {
  const started = Date.now();
  let runs = 0;
  const allBatchSizes: number[] = [];
  await fc.assert(
    fc.asyncProperty(worldArb, burstsArb, fc.nat(1000), async (options, bursts, dupSeed) => {
      runs++;
      const world = await buildWorld(options);
      // Liquidity first (concurrently), so the liquidity-checked worlds do not only reject.
      await Promise.all(
        world.dfsps.flatMap((name, i) =>
          world.currencies.map((currency, c) => world.engine.fundsIn(name, currency, L(options.deposits[(i * 2 + c) % 8]! + 1n), nextId('fin'), 'seed')),
        ),
      );
      await checkDurableInvariants(world.registry, world.engine);
      for (const burst of bursts) {
        await runBurst(world, burst);
        await checkDurableInvariants(world.registry, world.engine);
      }
      allBatchSizes.push(...world.batchSizes);

      // 4. A fresh registry and engine over the same database see exactly what the first one holds.
      const registry2 = await Registry.load(db, HUB);
      const engine2 = newEngine(registry2);
      await engine2.load();
      assert.deepEqual(memoryValues(registry2), memoryValues(world.registry), 'reloaded balances');
      const describe = (t: InFlight) =>
        [t.id, t.kind, t.payer, t.payee, t.currency, t.amount, t.expiresAt, t.debitAccount.id, t.creditAccount.id, t.condition, t.prepareHash].join('|');
      assert.deepEqual(inFlight(engine2).map(describe).sort(), inFlight(world.engine).map(describe).sort(), 'reloaded in-flight transfers');
      await checkDurableInvariants(registry2, engine2);

      // 5. Prepares and funds-in whose id is recorded (and not in flight, so not in memory) are duplicates.
      const finished = await db.query<{ id: string; kind: string; payer: string; payee: string; currency: string; amount: string; state: string }>(
        `SELECT id, kind, payer, payee, currency, amount::text AS amount, state FROM transfer WHERE state <> 'RESERVED' ORDER BY id`,
      );
      if (finished.rows.length > 0) {
        const before = await dbAccountValues();
        const memBefore = memoryValues(registry2);
        const picks = [0, 1, 2].map((k) => finished.rows[(dupSeed + k * 7) % finished.rows.length]!);
        const outcomes = await Promise.all(
          picks.map((row, k) =>
            row.kind === 'FUNDS_IN'
              ? engine2.fundsIn(row.payer, row.currency, parseLedger(row.amount), row.id, 'again').then((r) => (r.conflict ? 'duplicate' : 'applied'))
              : engine2
                  .prepare(
                    prepareInput(
                      row.kind === 'TRANSFER' ? row.payer : world.dfsps[0]!,
                      row.kind === 'TRANSFER' ? row.payee : world.dfsps[1]!,
                      row.currency,
                      // once the same amount, once one far above any cap (the rejection path), once a tiny one
                      [parseLedger(row.amount) || 1n, 10n ** 12n * USD, 1n][k]!,
                      row.id,
                    ),
                  )
                  .then((o) => o.kind),
          ),
        );
        assert.deepEqual(outcomes, ['duplicate', 'duplicate', 'duplicate']);
        assert.deepEqual(await dbAccountValues(), before, 'duplicates changed a durable balance');
        assert.deepEqual(memoryValues(registry2), memBefore, 'duplicates changed a balance in memory');
        const after = await db.query<{ id: string; state: string; amount: string }>(
          `SELECT id, state, amount::text AS amount FROM transfer WHERE id = ANY($1::text[]) ORDER BY id`,
          [picks.map((p) => p.id)],
        );
        for (const row of after.rows) {
          const original = finished.rows.find((r) => r.id === row.id)!;
          assert.deepEqual([row.state, row.amount], [original.state, original.amount], `transfer ${row.id} was rewritten`);
        }
        count('duplicates-checked');
      }

      // The second engine can finish everything the first left in flight; then nothing is reserved.
      let k = 0;
      await Promise.all(
        inFlight(engine2).map((t) => {
          const completedAt = new Date().toISOString();
          if (t.kind === 'FUNDS_OUT') return k++ % 2 ? engine2.fundsOutCommit(t) : engine2.fundsOutAbort(t, 'drain');
          return k++ % 2 ? engine2.commit(t, { completedAt }) : engine2.abort(t, { state: 'ABORTED_ERROR', cause: 'drain', completedAt });
        }),
      );
      await checkDurableInvariants(registry2, engine2);
      assert.equal(engine2.inFlightCount, 0);
      const clearing = await db.query<{ value: string }>(`SELECT value::text AS value FROM account WHERE ledger_account_type = 'HUB_CLEARING'`);
      for (const row of clearing.rows) assert.equal(parseLedger(row.value), 0n, 'clearing is empty once nothing is in flight');
    }),
    { numRuns: 80 },
  );
  const seconds = (Date.now() - started) / 1000;
  console.log(`invariants property: ${runs} runs in ${seconds.toFixed(1)} s; outcomes ${JSON.stringify(tally)}; largest batch ${Math.max(...allBatchSizes)}`);
  // The generator really exercised the interesting paths, and group commit really batched.
  for (const key of [
    'prepare:reserved',
    `prepare:${LIMIT}`,
    `prepare:${LIQUIDITY}`,
    'prepareEdge:reserved',
    `prepareEdge:${LIMIT}`,
    `prepareEdge:${LIQUIDITY}`,
    'commit',
    'abort',
    'expire:true',
    'fundsOut:reserved',
    'fundsOut:refused',
    'fundsOutCommit',
    'fundsOutAbort',
    'opening',
    'duplicates-checked',
  ]) {
    assert.ok((tally[key] ?? 0) > 0, `no ${key} in ${runs} runs`);
  }
  assert.ok(
    allBatchSizes.some((size) => size >= 5),
    'group commits batched several writes',
  );
});

/** The exact decision sequence: in call order, each prepare is reserved iff it still fits. */
function greedy(amounts: bigint[], start: bigint, cap: bigint, cover: bigint | undefined): Array<'reserved' | typeof LIQUIDITY | typeof LIMIT> {
  let pos = start;
  return amounts.map((amount) => {
    if (cover !== undefined && cover - pos < amount) return LIQUIDITY;
    if (cap - pos < amount) return LIMIT;
    pos += amount;
    return 'reserved';
  });
}

let registryOfLastRace: Registry | undefined;

async function headroomRace(liquidity: boolean, amounts: bigint[], cap: bigint, opening: bigint, deposit: bigint): Promise<void> {
  const world = await buildWorld({ dfsps: 3, currencies: 1, liquidity, caps: [cap, 1_000_000n * USD, 1_000_000n * USD] });
  const { engine, registry } = world;
  registryOfLastRace = registry;
  await engine.fundsIn('dfsp1', 'USD', L(deposit), nextId('fin'), 'seed');
  await engine.openingPosition(position(registry, 'dfsp1', 'USD'), L(opening));
  const pos = position(registry, 'dfsp1', 'USD');
  const start = pos.value;
  const expected = greedy(amounts, start, cap, liquidity ? deposit : undefined);

  const outcomes: PrepareOutcome[] = await Promise.all(
    amounts.map((amount, i) => engine.prepare(prepareInput('dfsp1', i % 2 ? 'dfsp2' : 'dfsp3', 'USD', amount))),
  );
  const got = outcomes.map((o) => (o.kind === 'rejected' ? o.error.outcome : o.kind));
  assert.deepEqual(got, expected);
  const reservedSum = amounts.filter((_, i) => got[i] === 'reserved').reduce((a, b) => a + b, 0n);
  const limit = liquidity ? (cap < deposit ? cap : deposit) : cap;
  assert.ok(start + reservedSum <= limit, 'reserved ones fit');
  for (const [i, o] of outcomes.entries()) {
    if (o.kind === 'rejected') {
      // Nothing else fitted at that moment: the rejection was not spurious.
      assert.ok(
        amounts[i]! >
          limit -
            start -
            amounts
              .slice(0, i)
              .filter((_, j) => got[j] === 'reserved')
              .reduce((a, b) => a + b, 0n),
      );
    }
  }
  assert.equal(pos.value, start + reservedSum, 'memory position = opening + reserved');
  const durable = await db.query<{ value: string; reserved: string; rejected: string; causes: string[] }>(
    `SELECT (SELECT value::text FROM account WHERE id = $1) AS value,
            (SELECT coalesce(sum(amount), 0)::text FROM transfer WHERE payer = 'dfsp1' AND state = 'RESERVED') AS reserved,
            (SELECT count(*)::text FROM transfer WHERE payer = 'dfsp1' AND state = 'ABORTED_REJECTED') AS rejected,
            (SELECT coalesce(array_agg(DISTINCT cause), '{}') FROM transfer WHERE state = 'ABORTED_REJECTED') AS causes`,
    [pos.id],
  );
  const row = durable.rows[0]!;
  assert.equal(parseLedger(row.value), start + reservedSum, 'durable position = opening + reserved');
  assert.equal(parseLedger(row.reserved), reservedSum);
  assert.equal(Number(row.rejected), got.filter((g) => g !== 'reserved').length);
  const codes = new Set(got.filter((g) => g !== 'reserved'));
  // The stored cause names the outcome; each dialect words it when it is read (4001 / 4200 in FSPIOP).
  assert.deepEqual(new Set(row.causes), codes);
  if (amounts.length >= 100) assert.ok(Math.max(...world.batchSizes) >= 50, `200 prepares went through few batches (${world.batchSizes.join(',')})`);
  await checkDurableInvariants(registry, engine);
}

test('200 concurrent prepares racing for the last headroom under the net debit cap: exactly the fitting ones reserve, the rest get 4200', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(units(1n, 5n * USD), { minLength: 200, maxLength: 200 }), units(0n, 50n * USD), async (amounts, headroom) => {
      const cap = 1_000n * USD;
      await headroomRace(false, amounts, cap, cap - headroom, 0n);
    }),
    { numRuns: 4 },
  );
  // Some got through, some did not: the race really happened at the edge.
  assert.ok((await db.query(`SELECT 1 FROM transfer WHERE state = 'ABORTED_REJECTED'`)).rows.length > 0);
  // The exact edge, to the unit: headroom + 1 is refused, headroom itself fits, then nothing does.
  const headroom = 12_3457n;
  const edge = [headroom + 1n, headroom, 1n, ...Array.from({ length: 197 }, (_, i) => BigInt(1 + (i % 3)))];
  await headroomRace(false, edge, 1_000n * USD, 1_000n * USD - headroom, 0n);
  assert.equal(position(registryOfLastRace!, 'dfsp1', 'USD').value, 1_000n * USD, 'the cap is reached exactly');
});

test('liquidity-cover variant: with requireLiquidityCheck, prepares beyond the funds deposited get 4001', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(units(1n, 5n * USD), { minLength: 200, maxLength: 200 }), units(1n, 100n * USD), async (amounts, deposit) => {
      // Cap far above the deposit: the liquidity cover is what binds.
      await headroomRace(true, amounts, 10_000n * USD, 0n, deposit);
    }),
    { numRuns: 3 },
  );
  // The exact edge of the cover, to the unit.
  const cover = 33_3333n;
  await headroomRace(true, [cover + 1n, cover, 1n, 1n], 10_000n * USD, 0n, cover);
  assert.equal(position(registryOfLastRace!, 'dfsp1', 'USD').value, cover);
  // And a world where the cap binds before the cover does: 4200 even with liquidity checking on.
  await headroomRace(
    true,
    Array.from({ length: 200 }, (_, i) => BigInt(i + 1) * 1234n),
    20n * USD,
    0n,
    1_000n * USD,
  );
  // Without liquidity checking, an empty settlement account does not stop a prepare under the cap.
  const world = await buildWorld({ dfsps: 2, currencies: 1, liquidity: false, caps: [100n * USD] });
  const out = await world.engine.prepare(prepareInput('dfsp1', 'dfsp2', 'USD', 50n * USD));
  assert.equal(out.kind, 'reserved');
});

test('restart: a second engine over the same database rebuilds the balances and in-flight transfers, and carries on', async () => {
  const world = await buildWorld({ dfsps: 3, currencies: 2, liquidity: true, caps: [500n * USD] });
  const { engine, registry } = world;
  await Promise.all(world.dfsps.flatMap((d) => world.currencies.map((c) => engine.fundsIn(d, c, L(300n * USD), nextId('fin'), 'seed'))));
  await engine.openingPosition(position(registry, 'dfsp3', 'EUR'), L(-7_5000n));
  const prepared = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      engine.prepare(prepareInput(`dfsp${(i % 3) + 1}`, `dfsp${((i + 1) % 3) + 1}`, i % 2 ? 'USD' : 'EUR', BigInt(1 + i) * 1_2345n, nextId('tr'), i % 5 === 0)),
    ),
  );
  const reserved = prepared.flatMap((o) => (o.kind === 'reserved' ? [o.transfer] : []));
  await Promise.all(reserved.slice(0, 10).map((t) => engine.commit(t, { completedAt: new Date().toISOString() })));
  await engine.fundsOutReserve('dfsp2', 'USD', L(40n * USD), 'fout-keep', 'ref');
  await checkDurableInvariants(registry, engine);

  const registry2 = await Registry.load(db, HUB);
  const engine2 = newEngine(registry2);
  await engine2.load();
  assert.deepEqual(memoryValues(registry2), memoryValues(registry));
  assert.equal(engine2.inFlightCount, engine.inFlightCount);
  for (const t of inFlight(engine)) {
    const u = engine2.inFlightTransfer(t.id)!;
    assert.ok(u, `${t.id} reloaded`);
    assert.deepEqual(
      [u.kind, u.payer, u.payee, u.currency, u.amount, u.expiresAt, u.debitAccount.id, u.creditAccount.id, u.finishing],
      [t.kind, t.payer, t.payee, t.currency, t.amount, t.expiresAt, t.debitAccount.id, t.creditAccount.id, false],
    );
  }
  // The reloaded engine expires what was due and finishes the rest.
  const due = engine2.expired(Date.now()).filter((t) => t.kind === 'TRANSFER');
  assert.ok(due.length > 0);
  await Promise.all(due.map((t) => engine2.abort(t, { state: 'EXPIRED_RESERVED', cause: '3303', completedAt: new Date().toISOString() })));
  await engine2.fundsOutCommit(engine2.inFlightTransfer('fout-keep')!);
  await checkDurableInvariants(registry2, engine2);
});

test('duplicate prepare after a restart (id in the database, not in memory) answers duplicate and moves nothing', async () => {
  const world = await buildWorld({ dfsps: 2, currencies: 1, liquidity: false, caps: [100n * USD] });
  const { engine } = world;
  const committed = await engine.prepare(prepareInput('dfsp1', 'dfsp2', 'USD', 10n * USD, 'dup-committed'));
  assert.equal(committed.kind, 'reserved');
  await engine.commit((committed as { transfer: InFlight }).transfer, { completedAt: new Date().toISOString() });
  const rejected = await engine.prepare(prepareInput('dfsp1', 'dfsp2', 'USD', 1_000n * USD, 'dup-rejected'));
  assert.equal(rejected.kind, 'rejected');
  await engine.fundsIn('dfsp1', 'USD', L(5n * USD), 'dup-funds-in', 'ref');
  const outReserve = await engine.fundsOutReserve('dfsp1', 'USD', L(1n * USD), 'dup-funds-out', 'ref');
  assert.deepEqual(outReserve, { conflict: false });
  await engine.fundsOutAbort(engine.inFlightTransfer('dup-funds-out')!, 'no');

  const registry2 = await Registry.load(db, HUB);
  const engine2 = newEngine(registry2);
  await engine2.load();
  const before = await dbAccountValues();
  const journalBefore = (await db.query('SELECT id FROM journal_entry')).rows.length;
  const outcomes = await Promise.all([
    // same body, a body that would fit, a body that would be rejected by the cap
    engine2.prepare(prepareInput('dfsp1', 'dfsp2', 'USD', 10n * USD, 'dup-committed')),
    engine2.prepare(prepareInput('dfsp1', 'dfsp2', 'USD', 1n * USD, 'dup-rejected')),
    engine2.prepare(prepareInput('dfsp1', 'dfsp2', 'USD', 1_000n * USD, 'dup-committed')),
    engine2.prepare(prepareInput('dfsp2', 'dfsp1', 'USD', 1n, 'dup-funds-in')),
  ]);
  assert.deepEqual(outcomes, [{ kind: 'duplicate' }, { kind: 'duplicate' }, { kind: 'duplicate' }, { kind: 'duplicate' }]);
  assert.deepEqual(await engine2.fundsIn('dfsp1', 'USD', L(5n * USD), 'dup-funds-in', 'ref'), { conflict: true });
  assert.deepEqual(await engine2.fundsOutReserve('dfsp1', 'USD', L(1n * USD), 'dup-funds-out', 'ref'), { conflict: true });
  assert.equal(engine2.inFlightCount, 0);
  assert.deepEqual(await dbAccountValues(), before);
  assert.deepEqual(memoryValues(registry2), before);
  assert.equal((await db.query('SELECT id FROM journal_entry')).rows.length, journalBefore);
  const states = await db.query<{ id: string; state: string; amount: string }>(`SELECT id, state, amount::text AS amount FROM transfer ORDER BY id`);
  assert.deepEqual(
    states.rows.map((r) => `${r.id}:${r.state}:${r.amount}`),
    ['dup-committed:COMMITTED:10.0000', 'dup-funds-in:COMMITTED:5.0000', 'dup-funds-out:ABORTED_ERROR:1.0000', 'dup-rejected:ABORTED_REJECTED:1000.0000'],
  );
  await checkDurableInvariants(registry2, engine2);
});

test('duplicate ids submitted in the same tick (same group commit) are applied once', async () => {
  const world = await buildWorld({ dfsps: 2, currencies: 1, liquidity: false, caps: [100n * USD] });
  const { engine, registry } = world;
  // Two admin requests for the same funds-in arriving together (a client retry racing the original).
  const results = await Promise.all([
    engine.fundsIn('dfsp1', 'USD', L(7n * USD), 'same-tick-funds-in', 'ref'),
    engine.fundsIn('dfsp1', 'USD', L(7n * USD), 'same-tick-funds-in', 'ref'),
  ]);
  assert.deepEqual(results.map((r) => r.conflict).sort(), [false, true], 'one applied, one duplicate');
  assert.equal(settlement(registry, 'dfsp1', 'USD').value, -7n * USD, 'memory: funds in once');
  const journal = await db.query(`SELECT 1 FROM journal_entry WHERE transfer_id = 'same-tick-funds-in'`);
  assert.equal(journal.rows.length, 2, 'one balanced pair in the journal');

  // Two prepares with one id in the same tick (the engine used without the switch's own guard).
  const prepares = await Promise.all([
    engine.prepare(prepareInput('dfsp1', 'dfsp2', 'USD', 3n * USD, 'same-tick-prepare')),
    engine.prepare(prepareInput('dfsp1', 'dfsp2', 'USD', 4n * USD, 'same-tick-prepare')),
    engine.prepare(prepareInput('dfsp1', 'dfsp2', 'USD', 1_000n * USD, 'same-tick-prepare')),
  ]);
  assert.deepEqual(
    prepares.map((p) => p.kind),
    ['reserved', 'duplicate', 'duplicate'],
  );
  assert.equal(position(registry, 'dfsp1', 'USD').value, 3n * USD);
  assert.equal(engine.inFlightTransfer('same-tick-prepare')?.amount, 3n * USD);
  await checkDurableInvariants(registry, engine);

  // The group committer itself: two writes inserting one id in one batch -> one applied, one conflict.
  const committer = new GroupCommitter({ writer: () => db, batchWritesMax: 100, onFailure: (err) => assert.fail(err) });
  const reconciliation = registry.hubAccount('USD', 'HUB_RECONCILIATION')!;
  const settle = settlement(registry, 'dfsp2', 'USD');
  const write = (amount: bigint) =>
    committer.submit({
      insert: { id: 'same-batch', kind: 'FUNDS_IN', payer: 'dfsp2', payee: HUB, currency: 'USD', amount: ledgerText(L(amount)), state: 'COMMITTED' },
      entries: [
        { transfer_id: 'same-batch', account: settle, amount: L(-amount), event: 'FUNDS_IN', with_insert: true },
        { transfer_id: 'same-batch', account: reconciliation, amount: L(amount), event: 'FUNDS_IN', with_insert: true },
      ],
    });
  const written = await Promise.all([write(2n * USD), write(5n * USD), write(2n * USD)]);
  assert.deepEqual(written, [{ conflict: false }, { conflict: true }, { conflict: true }]);
  const rows = await db.query<{ amount: string }>(`SELECT amount::text AS amount FROM journal_entry WHERE transfer_id = 'same-batch' ORDER BY id`);
  assert.deepEqual(
    rows.rows.map((r) => r.amount),
    ['-2.0000', '2.0000'],
  );
  // (this committer bypassed the engine's memory: reload before comparing memory with the database)
  await engine.load();
  await checkDurableInvariants(engine.registry, engine);
});

test('a duplicate funds-in never lends liquidity cover to a concurrent prepare', async () => {
  const world = await buildWorld({ dfsps: 2, currencies: 1, liquidity: true, caps: [10_000n * USD] });
  const { engine, registry } = world;
  await engine.fundsIn('dfsp1', 'USD', L(100n * USD), 'cover-1', 'ref');
  // The same funds-in again (a retry) and a prepare in the same tick: the retry adds no liquidity.
  const [again, prepared] = await Promise.all([
    engine.fundsIn('dfsp1', 'USD', L(1_000n * USD), 'cover-1', 'ref'),
    engine.prepare(prepareInput('dfsp1', 'dfsp2', 'USD', 500n * USD)),
  ]);
  assert.equal(again.conflict, true);
  assert.deepEqual(prepared.kind === 'rejected' ? prepared.error.outcome : prepared.kind, LIQUIDITY, 'prepare beyond the real cover of 100 must be refused');
  const pos = position(registry, 'dfsp1', 'USD').value;
  const cover = -settlement(registry, 'dfsp1', 'USD').value;
  assert.ok(pos <= cover, `position ${pos} exceeds the liquidity cover ${cover}`);
  await checkDurableInvariants(registry, engine);
});

test('a prepare reusing the id of a transfer in flight is a duplicate and leaves the original in flight', async () => {
  const world = await buildWorld({ dfsps: 2, currencies: 1, liquidity: false, caps: [100n * USD] });
  const { engine, registry } = world;
  const first = await engine.prepare(prepareInput('dfsp1', 'dfsp2', 'USD', 10n * USD, 'live-1'));
  assert.equal(first.kind, 'reserved');
  const again = await engine.prepare(prepareInput('dfsp1', 'dfsp2', 'USD', 10n * USD, 'live-1'));
  assert.equal(again.kind, 'duplicate');
  assert.ok(engine.inFlightTransfer('live-1'), 'the original must stay committable/expirable');
  assert.equal(position(registry, 'dfsp1', 'USD').value, 10n * USD);
  await checkDurableInvariants(registry, engine);
});

test('the journal is immutable: UPDATE and DELETE fail', async () => {
  const world = await buildWorld({ dfsps: 2, currencies: 1, liquidity: false, caps: [100n * USD] });
  await world.engine.fundsIn('dfsp1', 'USD', L(5n * USD), 'imm-1', 'ref');
  const before = await db.query<{ id: string; amount: string }>('SELECT id::text, amount::text FROM journal_entry ORDER BY id');
  assert.equal(before.rows.length, 2);
  await assert.rejects(db.query('UPDATE journal_entry SET amount = amount + 1'), /journal entries are immutable/);
  await assert.rejects(db.query(`UPDATE journal_entry SET event = 'X' WHERE transfer_id = 'imm-1'`), /journal entries are immutable/);
  await assert.rejects(db.query('DELETE FROM journal_entry'), /journal entries are immutable/);
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.query(`DELETE FROM journal_entry WHERE id = $1`, [before.rows[0]!.id]);
    }),
    /journal entries are immutable/,
  );
  const afterRows = await db.query<{ id: string; amount: string }>('SELECT id::text, amount::text FROM journal_entry ORDER BY id');
  assert.deepEqual(afterRows.rows, before.rows);
  await checkDurableInvariants(world.registry, world.engine);
});

test('TRUNCATE on journal_entry is refused too', async () => {
  await buildWorld({ dfsps: 2, currencies: 1, liquidity: false, caps: [100n * USD] });
  await assert.rejects(db.query('TRUNCATE journal_entry'));
});

/** Resolves when the engine has rebuilt itself after a failed batch. */
function recoveryProbe(): { hooks: { onRecovering: () => void; onRecovered: () => void }; events: string[]; recovered: Promise<void> } {
  const events: string[] = [];
  let done!: () => void;
  const recovered = new Promise<void>((r) => (done = r));
  return {
    events,
    recovered,
    hooks: {
      onRecovering: () => void events.push('recovering'),
      onRecovered: () => {
        events.push('recovered');
        done();
      },
    },
  };
}

interface JournalSnapshot {
  values: Map<number, bigint>;
  transfers: string[];
  journal: number;
}

async function snapshot(): Promise<JournalSnapshot> {
  const transfers = await db.query<{ line: string }>(`SELECT id || ':' || state || ':' || coalesce(amount::text, '') AS line FROM transfer ORDER BY id`);
  const journal = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM journal_entry');
  return { values: await dbAccountValues(), transfers: transfers.rows.map((r) => r.line), journal: Number(journal.rows[0]!.n) };
}

/** Builds a world with a few durable in-flight transfers, run by an engine with the probe's hooks. */
async function worldForFailure() {
  await buildWorld({ dfsps: 3, currencies: 1, liquidity: false, caps: [1_000n * USD] });
  const probe = recoveryProbe();
  const registry = await Registry.load(db, HUB);
  const engine = newEngine(registry, [], probe.hooks);
  await engine.load();
  const reserved: InFlight[] = [];
  for (let i = 0; i < 6; i++) {
    const out = await engine.prepare(prepareInput('dfsp1', 'dfsp2', 'USD', BigInt(i + 1) * USD, `ok-${i}`));
    assert.equal(out.kind, 'reserved');
    reserved.push((out as { transfer: InFlight }).transfer);
  }
  await engine.fundsIn('dfsp2', 'USD', L(50n * USD), 'ok-fin', 'ref');
  await engine.fundsOutReserve('dfsp2', 'USD', L(10n * USD), 'ok-fout', 'ref');
  return { registry, engine, probe, reserved };
}

/** Issues a burst of every kind of write in one tick, plus `poison`; all of it must fail together. */
async function failingBurst(registry: Registry, engine: LedgerEngine, reserved: InFlight[], poison: () => Promise<unknown>) {
  const before = await snapshot();
  const completedAt = new Date().toISOString();
  const ops: Array<Promise<unknown>> = [
    engine.prepare(prepareInput('dfsp1', 'dfsp3', 'USD', 3n * USD, 'batch-new-1')),
    engine.prepare(prepareInput('dfsp3', 'dfsp1', 'USD', 4n * USD, 'batch-new-2')),
    engine.prepare(prepareInput('dfsp1', 'dfsp3', 'USD', 100_000n * USD, 'batch-rejected')),
    engine.commit(reserved[1]!, { completedAt }),
    engine.abort(reserved[2]!, { state: 'ABORTED_ERROR', cause: 'x', completedAt }),
    engine.fundsIn('dfsp3', 'USD', L(9n * USD), 'batch-fin', 'ref'),
    engine.fundsOutReserve('dfsp2', 'USD', L(1n * USD), 'batch-fout', 'ref'),
    engine.fundsOutCommit(engine.inFlightTransfer('ok-fout')!),
    engine.openingPosition(position(registry, 'dfsp3', 'USD'), L(-2n * USD)),
    poison(),
  ];
  const results = await Promise.allSettled(ops);
  // available is already false when the failures are delivered
  assert.equal(engine.available, false, 'the engine says it is recovering');
  for (const [i, r] of results.entries()) {
    assert.equal(r.status, 'rejected', `write ${i} of the failed batch did not fail`);
    const reason = (r as PromiseRejectedResult).reason;
    assert.ok(reason instanceof LedgerUnavailableError, String(reason));
    // A domain outcome: callers answer 2003 / HTTP 503 (retry later), as docs/decisions.md says, not 2001.
    assert.equal(reason.outcome, 'LEDGER_UNAVAILABLE');
  }
  await assert.rejects(engine.prepare(prepareInput('dfsp1', 'dfsp2', 'USD', 1n)), (err) => {
    assert.ok(err instanceof LedgerUnavailableError);
    const wire = fspiopErrorOf(err);
    assert.deepEqual([wire.code, wire.httpStatus], ['2003', 503]);
    return true;
  });
  return { before };
}

async function assertRecovered(registry: Registry, engine: LedgerEngine, probe: ReturnType<typeof recoveryProbe>, { before }: { before: JournalSnapshot }) {
  await probe.recovered;
  assert.deepEqual(probe.events, ['recovering', 'recovered']);
  assert.equal(engine.available, true);
  // Nothing of the failed batch reached the database.
  const after = await snapshot();
  assert.deepEqual(after, before, 'the failed batch left something behind');
  const leftovers = await db.query(`SELECT transfer_id FROM journal_entry WHERE transfer_id LIKE 'batch-%' OR transfer_id LIKE 'poison%'`);
  assert.deepEqual(leftovers.rows, []);
  // Memory was rebuilt from the database: the optimistic moves of the failed batch are gone.
  assert.deepEqual(memoryValues(registry), before.values);
  await checkDurableInvariants(registry, engine);
  // And the engine works again, with fresh objects.
  const live = engine.inFlightTransfer('ok-1')!;
  await engine.commit(live, { completedAt: new Date().toISOString() });
  const out = await engine.prepare(prepareInput('dfsp1', 'dfsp3', 'USD', 3n * USD, 'after-recovery'));
  assert.equal(out.kind, 'reserved');
  await checkDurableInvariants(registry, engine);
}

test('a failed batch (trigger raises) leaves no half-written state and the engine recovers', async () => {
  const { registry, engine, probe, reserved } = await worldForFailure();
  await db.exec(`
    CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.id LIKE 'poison%' THEN RAISE EXCEPTION 'poisoned transfer %', NEW.id; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_poison BEFORE INSERT ON transfer FOR EACH ROW EXECUTE FUNCTION test_poison();`);
  const before = await failingBurst(registry, engine, reserved, () => engine.prepare(prepareInput('dfsp2', 'dfsp1', 'USD', 1n * USD, 'poison-1')));
  await assertRecovered(registry, engine, probe, before);
  await db.exec('DROP TRIGGER test_poison ON transfer; DROP FUNCTION test_poison();');
});

test('a failed batch (a second writer finished a transfer first: wrong from_state) leaves nothing and the engine recovers', async () => {
  const { registry, engine, probe, reserved } = await worldForFailure();
  // Another engine over the same database commits ok-0 behind the first engine's back.
  const registryB = await Registry.load(db, HUB);
  const engineB = newEngine(registryB);
  await engineB.load();
  await engineB.commit(engineB.inFlightTransfer('ok-0')!, { completedAt: new Date().toISOString() });
  const before = await failingBurst(registry, engine, reserved, () =>
    // The first engine still believes ok-0 is RESERVED: its commit expects from_state RESERVED.
    engine.abort(reserved[0]!, { state: 'ABORTED_ERROR', cause: 'late', completedAt: new Date().toISOString() }),
  );
  await assertRecovered(registry, engine, probe, before);
  // After the reload the first engine agrees with the second writer: ok-0 is no longer in flight.
  assert.equal(engine.inFlightTransfer('ok-0'), undefined);
  assert.equal((await engine.find('ok-0'))?.state, 'COMMITTED');
});

test('only one engine writes the ledger: a second one waits for the writer lock until the first closes', async () => {
  await buildWorld({ dfsps: 2, currencies: 1, liquidity: false, caps: [100n * USD] });
  const first = new LedgerEngine(db, await Registry.load(db, HUB), { maxBatch: 10 });
  await first.load();
  const secondRegistry = await Registry.load(db, HUB);
  let waited = 0;
  const second = new LedgerEngine(db, secondRegistry, { maxBatch: 10 }, { onWaitingForWriterLock: (ms) => (waited = ms) });
  let loaded = false;
  const loading = second.load().then(() => (loaded = true));
  await new Promise((r) => setTimeout(r, 5600));
  assert.equal(loaded, false, 'the second engine must not load while the first holds the lock');
  assert.ok(waited >= 5000, 'the second engine reports that it is waiting');
  await first.close();
  await loading;
  assert.equal(loaded, true);
  await second.close();
});
