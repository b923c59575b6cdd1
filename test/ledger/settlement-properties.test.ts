/**
 * Settlement without drift, by property, on a real PostgreSQL (issue 12; settlement.md §6). Each run builds a fresh
 * ledger (the public schema is rebuilt, so runs are independent and fast-check can shrink a failure) and drives, in
 * bursts: random traffic straight into the ledger engine (prepares and commits, aborts and expiries, in two deferred
 * currencies, sometimes a third under continuous gross settlement and sometimes a per-currency net model for EUR),
 * interleaved with settlement commands sent as the Admin API sends them, to the SettlementService and through the bus
 * to the SettlementWorker: window closes, settlements over random windows (applicable or not), steps of random accounts
 * (allowed or not), aborts at allowed and refused points, and interrupted steps and aborts (the request fails after some
 * of its ledger effects are durable, as a crash would leave it) that are then repeated.
 *
 * Every command's answer is predicted from the state before it; after each burst, and once more when every settlement
 * has been taken to SETTLED or ABORTED at the end of the run, PostgreSQL must show:
 *  - the journal balancing per currency and per transfer, every account's value the sum of its journal entries,
 *    memory equal to the database;
 *  - exactly one OPEN window; every committed TRANSFER of a deferred model in exactly one window, the one that was
 *    OPEN when its commit was decided; the window flows equal to the sums of those transfers per (window, payer
 *    account, payee account); each closed window's content the currencies of its flows;
 *  - per (settlement, currency) the nets summing to zero; each account's net (and gross figures) equal to its
 *    position's journal entries for the transfers of the settled windows; every account that moved there listed;
 *  - settlement state = the least advanced account state (SETTLING when some are SETTLED); content and windows
 *    following; a window SETTLED only when all its content is;
 *  - each settlement transfer applied at most once (two journal entries) and only once its step is recorded: after
 *    PS_TRANSFERS_COMMITTED every position moved by minus its net (recipients from RESERVED on), aborts reversed;
 *  - every position, SETTLEMENT, HUB_CLEARING and HUB_MULTILATERAL_SETTLEMENT balance equal to what the transfer table
 *    and the settlement records imply; at the end HUB_MULTILATERAL_SETTLEMENT back where it started;
 *  - and the crash test's SQL reconciliation (test/support/settlement-reconcile.ts) agreeing: it finds nothing.
 *
 * MIZANI_SETTLEMENT_PROPERTY_RUNS (default 20), MIZANI_PROPERTY_SEED (replay a run), MIZANI_PROPERTY_NO_SHRINK=1 (report
 * the first failure as it is). The second test replays, deterministically, the case the property found: a net
 * recipient's reset repeated after its request died must not be refused for the headroom it already took.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { openDb, type Db } from '../../ledger/db.js';
import { migrate } from '../../ledger/migrate.js';
import { Registry, type SettlementModel } from '../../ledger/registry.js';
import { LedgerEngine, type InFlight } from '../../ledger/engine.js';
import { ACCOUNT_STEPS, SettlementStore, type AccountChange, type SettlementRecord } from '../../ledger/settlement.js';
import { ledgerUnits as L, parseLedger } from '../../ledger/units.js';
import { isDomainError } from '../../schemas/outcomes.js';
import { InProcessBus, type Bus, type Handler, type Topic } from '../../switch/bus/bus.js';
import { settlementTopics } from '../../switch/core/topics.js';
import { serveSettlement } from '../../switch/core/workers/serve.js';
import { SettlementWorker } from '../../switch/core/workers/settlement.js';
import { SettlementService, type AccountRequest, type AccountResult } from '../../switch/core/settlement/service.js';
import { RecordedReports } from '../support/admin-api.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { reconcileSettlement } from '../support/settlement-reconcile.js';

const U = 10_000n; // one currency unit in ledger units
const DEFERRED_CURRENCIES = ['USD', 'EUR'] as const;
const CGS_CURRENCY = 'INR';
const HUB = 'Hub';
const NUM_RUNS = Number(process.env.MIZANI_SETTLEMENT_PROPERTY_RUNS ?? 20);
const SHRINK_LIMIT_MS = 150_000;

let testDb: TestDatabase;
let db: Db;

before(async () => {
  testDb = await createTestDatabase('mizani_settlement_prop');
  db = await openDb({ url: testDb.url, dataDir: '', poolSize: 4 });
});

after(async () => {
  await db?.close();
  await testDb?.drop();
});

// ------------------------------------------------------------------------------------------ faults

/** What a crash leaves: the request fails here; everything before is durable, nothing after happens. */
class SimulatedCrash extends Error {}

/** The store as the service uses it, able to fail the next settlement record (after the request's ledger moves). */
class FaultyStore extends SettlementStore {
  failRecord = false;

  override async recordAccountChanges(settlementId: number, changes: AccountChange[]): Promise<void> {
    this.crashIfAsked('before the account changes are recorded');
    return super.recordAccountChanges(settlementId, changes);
  }

  override async recordAbort(settlementId: number, reason: string, externalReference?: string): Promise<void> {
    this.crashIfAsked('before the abort is recorded');
    return super.recordAbort(settlementId, reason, externalReference);
  }

  private crashIfAsked(where: string): void {
    if (!this.failRecord) return;
    this.failRecord = false;
    throw new SimulatedCrash(`simulated crash ${where}`);
  }
}

/** The bus, able to fail the k-th settlement position move of a request (the earlier ones are durable). */
class FaultyBus implements Bus {
  failMoveAt?: number;

  constructor(private readonly inner: InProcessBus) {}

  subscribe<C, R>(topic: Topic<C, R>, handler: Handler<C, R>): void {
    this.inner.subscribe(topic, handler);
  }

  request<C, R>(topic: Topic<C, R>, key: string, command: C): Promise<R> {
    if (topic.name === settlementTopics.position.name && this.failMoveAt !== undefined) {
      if (this.failMoveAt === 0) {
        this.failMoveAt = undefined;
        return Promise.reject(new SimulatedCrash('simulated crash before a settlement position move'));
      }
      this.failMoveAt--;
    }
    return this.inner.request(topic, key, command);
  }

  async requestEach<C, R>(topic: Topic<C, R>, key: string, command: C): Promise<R[]> {
    return [await this.request(topic, key, command)];
  }

  send<C>(topic: Topic<C, void>, key: string, command: C): Promise<void> {
    return this.inner.send(topic, key, command);
  }

  get pending(): number {
    return this.inner.pending;
  }
}

// ------------------------------------------------------------------------------------------ world

interface WorldSpec {
  dfsps: number;
  cgs: boolean;
  eurModel: boolean;
  liquidity: boolean;
  eurLiquidity: boolean;
  caps: bigint[];
  deposits: bigint[];
  openings: bigint[];
}

interface World {
  registry: Registry;
  engine: LedgerEngine;
  service: SettlementService;
  store: FaultyStore;
  bus: FaultyBus;
  dfsps: string[];
  currencies: string[];
  /** Reserved (durably) by a prepare that did not expire, not yet claimed by a commit or an abort. */
  reserved: InFlight[];
  /** Committed transfers: the window that was OPEN when the commit was decided (null: gross settlement). */
  committedIn: Map<string, number | null>;
  /** Each window's first commit, as the number of commits started before it (see closeWindow). */
  windowFirstCommit: Map<number, number>;
  commitsStarted: number;
  /** HUB_MULTILATERAL_SETTLEMENT per currency after the opening positions. */
  hubStart: Map<string, bigint>;
  tally: Record<string, number>;
}

async function resetSchema(): Promise<void> {
  await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  await migrate(db);
}

const deferredNet = (name: string, currency: string | null, requireLiquidityCheck: boolean): Omit<SettlementModel, 'id' | 'isActive'> => ({
  name,
  settlementGranularity: 'NET',
  settlementInterchange: 'MULTILATERAL',
  settlementDelay: 'DEFERRED',
  currency,
  requireLiquidityCheck,
  ledgerAccountType: 'POSITION',
  autoPositionReset: true,
  settlementAccountType: 'SETTLEMENT',
});

async function buildWorld(spec: WorldSpec): Promise<World> {
  await resetSchema();
  const registry = await Registry.load(db, HUB);
  const currencies: string[] = [...DEFERRED_CURRENCIES, ...(spec.cgs ? [CGS_CURRENCY] : [])];
  for (const currency of currencies) {
    await registry.createHubAccount(currency, 'HUB_RECONCILIATION');
    await registry.createHubAccount(currency, 'HUB_MULTILATERAL_SETTLEMENT');
  }
  await registry.createSettlementModel(deferredNet('DEFAULTDEFERREDNET', null, spec.liquidity));
  if (spec.eurModel) await registry.createSettlementModel(deferredNet('DEFERREDNETEUR', 'EUR', spec.eurLiquidity));
  if (spec.cgs) {
    await registry.createSettlementModel({
      ...deferredNet('CGS', CGS_CURRENCY, true),
      settlementGranularity: 'GROSS',
      settlementInterchange: 'BILATERAL',
      settlementDelay: 'IMMEDIATE',
      autoPositionReset: false,
    });
  }
  const dfsps = Array.from({ length: spec.dfsps }, (_, i) => `dfsp${i + 1}`);
  let k = 0;
  const seeds: Array<{ name: string; currency: string; opening: bigint; deposit: bigint }> = [];
  for (const name of dfsps) {
    for (const currency of currencies) {
      await registry.createParticipant(name, currency, false);
      await registry.setInitialLimit(name, currency, L(spec.caps[k % spec.caps.length]!), '10');
      seeds.push({ name, currency, opening: spec.openings[k % spec.openings.length]!, deposit: spec.deposits[k % spec.deposits.length]! });
      k++;
    }
  }
  const engine = new LedgerEngine(db, registry, { maxBatch: 200, exclusiveWriter: false, assertions: 'all' });
  await engine.load();
  let n = 0;
  for (const s of seeds) {
    await engine.openingPosition(registry.accountOf(s.name, s.currency, 'POSITION')!, L(s.opening));
    if (s.deposit > 0n) await engine.fundsIn(s.name, s.currency, L(s.deposit), `seed-fin-${++n}`, 'seed');
  }
  const inner = new InProcessBus();
  const bus = new FaultyBus(inner);
  const reports = new RecordedReports();
  serveSettlement(bus, new SettlementWorker(registry, engine, reports));
  const store = new FaultyStore(db);
  const service = new SettlementService(registry, store, bus, reports);
  const hubStart = new Map(currencies.map((c) => [c, registry.hubAccount(c, 'HUB_MULTILATERAL_SETTLEMENT')!.value as bigint]));
  return {
    registry,
    engine,
    service,
    store,
    bus,
    dfsps,
    currencies,
    reserved: [],
    committedIn: new Map(),
    windowFirstCommit: new Map(),
    commitsStarted: 0,
    hubStart,
    tally: {},
  };
}

const count = (w: World, key: string) => void (w.tally[key] = (w.tally[key] ?? 0) + 1);
const isDeferred = (w: World, currency: string) => w.registry.positionModel(currency)?.settlementDelay !== 'IMMEDIATE';

let idCounter = 0;
const nextId = (prefix: string) => `${prefix}-${(++idCounter).toString(36)}-${Date.now().toString(36)}`;

// ------------------------------------------------------------------------------------------ operations

type Traffic =
  /** `then`: what the payee does once the prepare is reserved (commit at once, reject at once, or nothing yet). */
  | { t: 'prepare'; payer: number; payeeOffset: number; cur: number; amount: bigint; expired: boolean; then: 'commit' | 'abort' | 'wait' }
  | { t: 'commit'; pick: number }
  | { t: 'abort'; pick: number }
  | { t: 'expire' };

type Interrupt = { at: 'record' } | { at: 'move'; k: number } | null;

type Settle =
  | { t: 'close'; wrong: boolean }
  | { t: 'create'; model: number; windows: number[]; anyWindow: boolean }
  | {
      t: 'step';
      pick: number;
      live: boolean;
      accounts: number[] | null;
      target: 'next' | 'same' | 'skip';
      oddity: 'none' | 'unknown' | 'mismatch' | 'duplicate';
      interrupt: Interrupt;
    }
  | { t: 'abortSettlement'; pick: number; live: boolean; interrupt: Interrupt };

type Op = Traffic | Settle;

const units = (min: bigint, max: bigint) => fc.bigInt({ min, max });

const interruptArb: fc.Arbitrary<Interrupt> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant({ at: 'record' as const }) },
  { weight: 2, arbitrary: fc.record({ at: fc.constant('move' as const), k: fc.nat(1) }) },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      t: fc.constant('prepare' as const),
      payer: fc.nat(3),
      payeeOffset: fc.nat(2),
      cur: fc.nat(2),
      amount: units(1n, 100n * U),
      expired: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, fc.constant(true)),
      then: fc.oneof({ weight: 6, arbitrary: fc.constant('commit' as const) }, fc.constant('abort' as const), {
        weight: 3,
        arbitrary: fc.constant('wait' as const),
      }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('commit' as const), pick: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('abort' as const), pick: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'expire' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('close' as const), wrong: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, fc.constant(true)) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('create' as const),
      model: fc.nat(2),
      windows: fc.array(fc.nat(20), { minLength: 1, maxLength: 3 }),
      anyWindow: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, fc.constant(true)),
    }),
  },
  {
    weight: 7,
    arbitrary: fc.record({
      t: fc.constant('step' as const),
      pick: fc.nat(10),
      live: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      accounts: fc.option(fc.array(fc.nat(8), { minLength: 1, maxLength: 4 }), { freq: 2 }),
      target: fc.oneof({ weight: 8, arbitrary: fc.constant('next' as const) }, fc.constant('same' as const), fc.constant('skip' as const)),
      oddity: fc.oneof({ weight: 10, arbitrary: fc.constant('none' as const) }, fc.constantFrom('unknown' as const, 'mismatch' as const, 'duplicate' as const)),
      interrupt: interruptArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('abortSettlement' as const),
      pick: fc.nat(10),
      live: fc.boolean(),
      interrupt: interruptArb,
    }),
  },
);

const worldArb: fc.Arbitrary<WorldSpec> = fc.record({
  dfsps: fc.integer({ min: 3, max: 4 }),
  cgs: fc.boolean(),
  eurModel: fc.boolean(),
  liquidity: fc.boolean(),
  eurLiquidity: fc.boolean(),
  caps: fc.array(
    fc.oneof(
      { weight: 2, arbitrary: units(0n, 150n * U) },
      { weight: 2, arbitrary: units(150n * U, 1_000n * U) },
      { weight: 2, arbitrary: fc.constant(1_000_000n * U) },
    ),
    {
      minLength: 12,
      maxLength: 12,
    },
  ),
  deposits: fc.array(fc.oneof(fc.constant(0n), units(1n, 300n * U), { weight: 4, arbitrary: units(300n * U, 5_000n * U) }), { minLength: 12, maxLength: 12 }),
  openings: fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(0n) }, units(-100n * U, 100n * U)), { minLength: 12, maxLength: 12 }),
});

const burstsArb = fc.array(fc.array(opArb, { minLength: 6, maxLength: 20 }), { minLength: 3, maxLength: 6 });

function isTraffic(op: Op): op is Traffic {
  return op.t === 'prepare' || op.t === 'commit' || op.t === 'abort' || op.t === 'expire';
}

/** Starts a traffic operation: everything up to the engine call (the decision) happens before this returns. */
function startTraffic(w: World, op: Traffic): Promise<void> {
  const { engine, dfsps, currencies } = w;
  const n = dfsps.length;
  const completedAt = new Date().toISOString();
  const claim = (pick: number): InFlight | undefined => (w.reserved.length === 0 ? undefined : w.reserved.splice(pick % w.reserved.length, 1)[0]);
  switch (op.t) {
    case 'prepare': {
      const payer = dfsps[op.payer % n]!;
      const payee = dfsps[(op.payer + 1 + (op.payeeOffset % (n - 1))) % n]!;
      const currency = currencies[op.cur % currencies.length]!;
      const id = nextId('tr');
      const expiresAt = op.expired ? Date.now() - 60_000 : Date.now() + 3_600_000;
      const input = {
        id,
        payer,
        payee,
        currency,
        amount: L(op.amount),
        condition: 'GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM',
        expiration: new Date(expiresAt).toISOString(),
        expiresAt,
        prepareHash: `hash-${id}`,
        receivedAt: new Date().toISOString(),
      };
      return engine.prepare(input).then((out) => {
        count(w, `prepare:${out.kind === 'rejected' ? out.error.outcome : out.kind}`);
        if (out.kind !== 'reserved' || op.expired) return;
        w.reserved.push(out.transfer);
        if (op.then === 'wait') return;
        // The payee answers as soon as the prepare is durable: decided now, among whatever else runs meanwhile.
        return startTraffic(w, { t: op.then, pick: w.reserved.length - 1 });
      });
    }
    case 'commit': {
      const t = claim(op.pick);
      if (!t) return Promise.resolve();
      const window = isDeferred(w, t.currency) ? engine.openWindowId : null;
      if (window !== null && !w.windowFirstCommit.has(window)) w.windowFirstCommit.set(window, w.commitsStarted);
      w.commitsStarted++;
      w.committedIn.set(t.id, window);
      count(w, window === null ? 'commit:gross' : 'commit:deferred');
      return engine.commit(t, { fulfilment: 'fulfilment', fulfilHash: `fulfil-${t.id}`, completedAt });
    }
    case 'abort': {
      const t = claim(op.pick);
      if (!t) return Promise.resolve();
      count(w, 'abort');
      return engine.abort(t, { state: 'ABORTED_ERROR', cause: '5100: payee error', completedAt, errorHash: `error-${t.id}` });
    }
    case 'expire': {
      const due = engine.expired(Date.now()).filter((t) => t.kind === 'TRANSFER');
      count(w, `expire:${due.length}`);
      return Promise.all(due.map((t) => engine.abort(t, { state: 'EXPIRED_RESERVED', cause: '3303: Transfer expired', completedAt }))).then(() => undefined);
    }
  }
}

async function runSettle(w: World, op: Settle): Promise<void> {
  switch (op.t) {
    case 'close':
      return closeWindow(w, op.wrong);
    case 'create':
      return createSettlement(w, op);
    case 'step':
      return stepSettlement(w, op);
    case 'abortSettlement':
      return abortSettlement(w, op);
  }
}

/** A settlement operation's error as an outcome name (a DomainError), or rethrown. */
function outcomeOf(err: unknown): string {
  if (isDomainError(err)) return err.outcome;
  throw err;
}

async function closeWindow(w: World, wrong: boolean): Promise<void> {
  // As an Admin API client does it: find the OPEN window, then ask for its close.
  const commitsBefore = w.commitsStarted;
  const [open] = await w.service.windows({ state: 'OPEN' });
  assert.ok(open, 'a window is OPEN');
  const id = wrong ? Math.max(1, open.id - 1) : open.id;
  let outcome: string;
  try {
    const opened = await w.service.closeWindow(id, 'property close');
    outcome = 'closed';
    assert.equal(opened.state, 'OPEN', 'the close answers with the window now open');
    assert.ok(opened.id > id, 'a new window opened');
    assert.equal(opened.id, w.engine.openWindowId);
    const closed = await w.service.window(id);
    assert.equal(closed?.state, 'CLOSED', `window ${id} is CLOSED (settleable) as soon as the close answers`);
  } catch (err) {
    outcome = outcomeOf(err);
  }
  count(w, `close:${outcome}`);
  // Commits are decided meanwhile (payees answering): a window with a commit decided before the close was asked for is
  // closed, one with none until the close answered is empty. A first commit decided while the close ran may fall either
  // side of the ledger's decision (an empty window stays open and takes it).
  const first = w.windowFirstCommit.get(id);
  const allowed =
    id !== open.id
      ? ['SETTLEMENT_WINDOW_NOT_OPEN']
      : first === undefined
        ? ['SETTLEMENT_WINDOW_EMPTY']
        : first < commitsBefore
          ? ['closed']
          : ['closed', 'SETTLEMENT_WINDOW_EMPTY'];
  assert.ok(allowed.includes(outcome), `close of window ${id} (open: ${open.id}): ${outcome}, expected ${allowed.join(' or ')}`);
}

interface WindowRow {
  id: number;
  state: string;
}
interface ContentRow {
  window_id: number;
  currency: string;
  state: string;
}

/** The currencies a deferred model settles: its own, or (default model) every one without a model of its own. */
function scopeOf(w: World, model: SettlementModel): string[] {
  if (model.currency !== null) return [model.currency];
  const own = new Set(
    w.registry
      .settlementModels()
      .filter((m) => m.isActive && m.currency !== null && m.ledgerAccountType === model.ledgerAccountType)
      .map((m) => m.currency),
  );
  return w.currencies.filter((c) => !own.has(c));
}

async function createSettlement(w: World, op: Extract<Settle, { t: 'create' }>): Promise<void> {
  const models = w.registry.settlementModels().sort((a, b) => a.name.localeCompare(b.name));
  const model = models[op.model % models.length]!;
  const windows = (await db.query<WindowRow>('SELECT id, state FROM settlement_window ORDER BY id')).rows;
  const content = (await db.query<ContentRow>('SELECT window_id, currency, state FROM settlement_window_content')).rows;
  const candidates = op.anyWindow
    ? [...windows.map((x) => x.id), windows.length + 1]
    : windows.filter((x) => x.state === 'CLOSED' || x.state === 'ABORTED').map((x) => x.id);
  if (candidates.length === 0) return void count(w, 'create:no-window');
  const ids = op.windows.map((i) => candidates[i % candidates.length]!);
  let expected: string;
  if (model.settlementGranularity === 'GROSS' || model.settlementDelay === 'IMMEDIATE') expected = 'SETTLEMENT_MODEL_NOT_DEFERRED';
  else {
    const scope = scopeOf(w, model);
    const applicable = (id: number) =>
      ['CLOSED', 'ABORTED', 'PENDING_SETTLEMENT'].includes(windows.find((x) => x.id === id)?.state ?? '') &&
      content.some((c) => c.window_id === id && scope.includes(c.currency) && (c.state === 'CLOSED' || c.state === 'ABORTED'));
    expected = ids.every(applicable) ? 'created' : 'SETTLEMENT_WINDOWS_INAPPLICABLE';
  }
  let outcome: string;
  try {
    const st = await w.service.create(model.name, 'property settlement', ids);
    outcome = 'created';
    assert.equal(st.state, 'PENDING_SETTLEMENT');
    assert.deepEqual(st.windows.map((x) => x.id).sort(), [...new Set(ids)].sort());
    assert.ok(st.accounts.length > 0, 'a settlement over windows with content has accounts');
  } catch (err) {
    outcome = outcomeOf(err);
  }
  count(w, `create:${outcome}`);
  assert.equal(outcome, expected, `settlement of windows ${ids.join(', ')} under ${model.name}`);
}

/** The settlement an operation picks: among those still moving (when `live` and there are some), else among all. */
async function pickSettlement(w: World, pick: number, live: boolean): Promise<SettlementRecord | undefined> {
  const all = (await w.service.settlements({})).sort((a, b) => a.id - b.id);
  const moving = all.filter((s) => s.state !== 'SETTLED' && s.state !== 'ABORTED');
  const from = live && moving.length > 0 ? moving : all;
  return from.length === 0 ? undefined : from[pick % from.length];
}

const NEXT: Record<string, string> = {
  PENDING_SETTLEMENT: 'PS_TRANSFERS_RECORDED',
  PS_TRANSFERS_RECORDED: 'PS_TRANSFERS_RESERVED',
  PS_TRANSFERS_RESERVED: 'PS_TRANSFERS_COMMITTED',
  PS_TRANSFERS_COMMITTED: 'SETTLED',
  SETTLING: 'SETTLED',
  SETTLED: 'SETTLED',
  ABORTED: 'PS_TRANSFERS_RECORDED',
};

function stepRequests(st: SettlementRecord, op: Extract<Settle, { t: 'step' }>): AccountRequest[] {
  const chosen = op.accounts === null ? st.accounts : [...new Set(op.accounts.map((i) => st.accounts[i % st.accounts.length]!))];
  const stateFor = (state: string) => (op.target === 'same' ? state : op.target === 'skip' ? (NEXT[NEXT[st.state]!] ?? 'SETTLED') : NEXT[st.state]!);
  const requests = chosen.map((a) => ({ participantId: a.participantId, accountId: a.accountId, state: stateFor(a.state), reason: `step ${op.target}` }));
  const first = requests[0]!;
  if (op.oddity === 'unknown') requests.push({ ...first, accountId: 999_999 });
  if (op.oddity === 'mismatch') requests.push({ ...first, participantId: first.participantId + 1000 });
  if (op.oddity === 'duplicate') requests.push({ ...first });
  return requests;
}

/** Each request's outcome as the state machine (admin.md §4.3) and the ledger's headroom decide it, before the request. */
function predictStep(w: World, st: SettlementRecord, requests: AccountRequest[]): string[] {
  const model = w.registry.settlementModel(st.model)!;
  const seen = new Set<number>();
  return requests.map((r) => {
    const a = st.accounts.find((x) => x.accountId === r.accountId);
    if (!a) return `${r.accountId}:ACCOUNT_NOT_FOUND`;
    if (a.participantId !== r.participantId) return `${r.accountId}:PARTICIPANT_ACCOUNT_MISMATCH`;
    if (seen.has(a.accountId)) return `${r.accountId}:ACCOUNT_ALREADY_PROCESSED`;
    seen.add(a.accountId);
    if (r.state === a.state && st.state !== 'ABORTED') return `${r.accountId}:ok:${r.state}`;
    const from = ACCOUNT_STEPS.indexOf(a.state as (typeof ACCOUNT_STEPS)[number]);
    const next = from >= 0 ? ACCOUNT_STEPS[from + 1] : undefined;
    const aggregateAllows = st.state === a.state || (r.state === 'SETTLED' && st.state === 'SETTLING');
    if (next === undefined || r.state !== next || !aggregateAllows) return `${r.accountId}:STATE_CHANGE_NOT_ALLOWED`;
    if (r.state === 'PS_TRANSFERS_RESERVED' && a.net < 0n && model.requireLiquidityCheck && resetRefused(w, a.accountId, -a.net)) {
      return `${r.accountId}:RESET_REFUSED`;
    }
    return `${r.accountId}:ok:${r.state}`;
  });
}

/** Whether raising the position by `delta` would pass its net debit cap or (where required) its liquidity cover. */
function resetRefused(w: World, accountId: number, delta: bigint): boolean {
  const position = w.registry.account(accountId)!;
  const cap = w.registry.limit(accountId)?.value ?? 0n;
  if (cap - position.value < delta) return true;
  if (!w.registry.requiresLiquidityCheck(position.currency)) return false;
  const cover = -(w.registry.accountOf(position.participantName, position.currency, 'SETTLEMENT')?.value ?? 0n);
  return cover - position.value < delta;
}

function describeResults(results: AccountResult[]): string[] {
  return results.map((r) => `${r.request.accountId}:${r.refusal ? r.refusal.reason : `ok:${r.account!.state}`}`);
}

/**
 * Runs `work` with the fault `interrupt` armed; when the fault fires (the request died part way, its earlier ledger moves
 * durable), the same request is made again, as an operator repeats a request that got no answer.
 */
async function withInterrupt<T>(w: World, interrupt: Interrupt, label: string, work: () => Promise<T>): Promise<T> {
  if (interrupt?.at === 'record') w.store.failRecord = true;
  if (interrupt?.at === 'move') w.bus.failMoveAt = interrupt.k;
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof SimulatedCrash)) throw err;
    count(w, `${label}:interrupted:${interrupt!.at}`);
    return await work();
  } finally {
    w.store.failRecord = false;
    w.bus.failMoveAt = undefined;
  }
}

async function stepSettlement(w: World, op: Extract<Settle, { t: 'step' }>): Promise<void> {
  const st = await pickSettlement(w, op.pick, op.live);
  if (!st) return void count(w, 'step:no-settlement');
  const requests = stepRequests(st, op);
  const expected = predictStep(w, st, requests);
  const done = await withInterrupt(w, op.interrupt, 'step', () => w.service.updateAccounts(st.id, requests));
  // Payees' commits and aborts decided meanwhile only free headroom: a reset predicted refused may pass.
  const mayPass = new Set(expected.filter((e) => e.endsWith(':RESET_REFUSED')).map((e) => e.replace(':RESET_REFUSED', ':ok:PS_TRANSFERS_RESERVED')));
  const got = describeResults(done.results).map((e) => (mayPass.has(e) ? e.replace(':ok:PS_TRANSFERS_RESERVED', ':RESET_REFUSED') : e));
  for (const e of expected) count(w, `step:${e.replace(/^\d+:/, '').replace(/^ok:.*/, 'ok')}`);
  assert.deepEqual(
    got.sort(),
    [...expected].sort(),
    `settlement ${st.id} (${st.state}, accounts ${st.accounts.map((a) => `${a.accountId}:${a.state}:${a.net}`).join(' ')}): ` +
      `PUT ${requests.map((r) => `${r.accountId}→${r.state}`).join(', ')}${op.interrupt ? ` interrupted at ${JSON.stringify(op.interrupt)}` : ''}`,
  );
}

const ABORTABLE = new Set(['PENDING_SETTLEMENT', 'PS_TRANSFERS_RECORDED', 'PS_TRANSFERS_RESERVED']);

async function abortSettlement(w: World, op: Extract<Settle, { t: 'abortSettlement' }>): Promise<void> {
  const st = await pickSettlement(w, op.pick, op.live);
  if (!st) return void count(w, 'abort:no-settlement');
  await abortOne(w, st, op.interrupt);
}

async function abortOne(w: World, st: SettlementRecord, interrupt: Interrupt): Promise<boolean> {
  const allowed = ABORTABLE.has(st.state) && !st.accounts.some((a) => a.state === 'PS_TRANSFERS_COMMITTED' || a.state === 'SETTLED');
  let outcome: string;
  try {
    const aborted = await withInterrupt(w, interrupt, 'abort', () => w.service.abort(st.id, 'property abort'));
    outcome = 'aborted';
    assert.equal(aborted.state, 'ABORTED');
    assert.ok(
      aborted.accounts.every((a) => a.state === 'ABORTED'),
      'every account is ABORTED',
    );
  } catch (err) {
    outcome = outcomeOf(err);
  }
  count(w, `abort:${outcome}`);
  assert.equal(outcome, allowed ? 'aborted' : 'SETTLEMENT_ABORT_REFUSED', `abort of settlement ${st.id} in ${st.state}`);
  return allowed;
}

/**
 * Every settlement still moving ends: stepped to SETTLED (when `settle` says so for it, or when it is past the point of
 * abort), else aborted; one whose recipient cannot be reset (its headroom is gone) is aborted.
 */
async function finishSettlements(w: World, settle: boolean[]): Promise<void> {
  for (const [i, st] of (await w.service.settlements({})).entries()) {
    if (st.state === 'SETTLED' || st.state === 'ABORTED') continue;
    if (!settle[i % settle.length] && (await abortOne(w, st, null))) continue;
    for (let current = st; current.state !== 'SETTLED'; current = await w.service.settlement(st.id)) {
      const requests = current.accounts.map((a) => ({ participantId: a.participantId, accountId: a.accountId, state: NEXT[current.state]!, reason: 'finish' }));
      const done = await w.service.updateAccounts(current.id, requests);
      const refused = done.results.filter((r) => r.refusal);
      if (refused.length > 0 && refused.every((r) => r.refusal!.reason === 'RESET_REFUSED')) {
        count(w, 'finish:reset-refused');
        assert.ok(await abortOne(w, done.settlement, null), `settlement ${st.id} with a refused reset can be aborted`);
        break;
      }
      assert.deepEqual(
        refused.map((r) => `${r.request.accountId}: ${r.refusal!.detail}`),
        [],
        `settlement ${st.id} (${current.state}) steps on without refusals`,
      );
      assert.notEqual(done.settlement.state, current.state, `settlement ${st.id} moves on from ${current.state}`);
      if (done.settlement.state === 'SETTLED') count(w, 'finish:settled');
    }
  }
}

// ------------------------------------------------------------------------------------------ checks

const rows = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.query<T & Record<string, unknown>>(sql, params)).rows as T[];
const big = (text: string | null | undefined) => (text === null || text === undefined ? 0n : (parseLedger(text) as bigint));

/** The journal, the accounts and memory. */
async function checkJournal(w: World, label: string): Promise<void> {
  const unbalanced = await rows<{ currency: string; total: string }>(
    `SELECT a.currency, sum(j.amount)::text AS total FROM journal_entry j JOIN account a ON a.id = j.account_id
     GROUP BY a.currency HAVING sum(j.amount) <> 0`,
  );
  assert.deepEqual(unbalanced, [], `${label}: the journal balances per currency`);
  const halves = await rows<{ transfer_id: string }>(
    `SELECT j.transfer_id FROM journal_entry j JOIN account a ON a.id = j.account_id GROUP BY j.transfer_id, a.currency HAVING sum(j.amount) <> 0`,
  );
  assert.deepEqual(halves, [], `${label}: every transfer's entries balance`);
  const drift = await rows<{ id: number; value: string; journal: string }>(
    `SELECT a.id, a.value::text AS value, coalesce(sum(j.amount), 0)::text AS journal
     FROM account a LEFT JOIN journal_entry j ON j.account_id = a.id GROUP BY a.id HAVING a.value <> coalesce(sum(j.amount), 0)`,
  );
  assert.deepEqual(drift, [], `${label}: every account's value is the sum of its journal entries`);
  for (const a of await rows<{ id: number; value: string }>('SELECT id, value::text AS value FROM account')) {
    assert.equal(w.registry.account(a.id)?.value, big(a.value), `${label}: account ${a.id} in memory = database`);
  }
}

/** Windows, the transfers in them, their flows and content. */
async function checkWindows(w: World, label: string): Promise<void> {
  const open = await rows<{ id: number }>(`SELECT id FROM settlement_window WHERE state = 'OPEN'`);
  assert.deepEqual(
    open.map((r) => r.id),
    [w.engine.openWindowId],
    `${label}: exactly one OPEN window, the engine's`,
  );
  const transfers = await rows<{ id: string; state: string; currency: string; window_id: number | null }>(
    `SELECT id, state, currency, window_id FROM transfer WHERE kind = 'TRANSFER'`,
  );
  for (const t of transfers) {
    const expected = t.state === 'COMMITTED' ? w.committedIn.get(t.id) : null;
    assert.notEqual(expected, undefined, `${label}: ${t.id} committed without the test deciding it`);
    assert.equal(t.window_id, expected, `${label}: ${t.state} ${t.currency} transfer ${t.id} is in window ${t.window_id}, expected ${expected}`);
  }
  const fromTransfers = await rows<{ key: string }>(
    `SELECT t.window_id || '|' || pa.id || '|' || pe.id || '|' || sum(t.amount)::text || '|' || count(*) AS key
     FROM transfer t
     JOIN participant pp ON pp.name = t.payer JOIN account pa ON pa.participant_id = pp.id AND pa.currency = t.currency AND pa.ledger_account_type = 'POSITION'
     JOIN participant pq ON pq.name = t.payee JOIN account pe ON pe.participant_id = pq.id AND pe.currency = t.currency AND pe.ledger_account_type = 'POSITION'
     WHERE t.kind = 'TRANSFER' AND t.state = 'COMMITTED' AND t.window_id IS NOT NULL
     GROUP BY t.window_id, pa.id, pe.id ORDER BY 1`,
  );
  const flows = await rows<{ key: string }>(
    `SELECT window_id || '|' || payer_account_id || '|' || payee_account_id || '|' || amount::text || '|' || transfers AS key FROM window_flow ORDER BY 1`,
  );
  assert.deepEqual(
    flows.map((r) => r.key),
    fromTransfers.map((r) => r.key),
    `${label}: window flows = the committed transfers per (window, payer, payee)`,
  );
  const content = await rows<{ window_id: number; got: string | null; expected: string | null; state: string }>(
    `SELECT w.id AS window_id, w.state,
       (SELECT string_agg(c.ledger_account_type || ' ' || c.currency, ',' ORDER BY c.currency) FROM settlement_window_content c WHERE c.window_id = w.id) AS got,
       (SELECT string_agg(DISTINCT 'POSITION ' || a.currency, ',') FROM window_flow f JOIN account a ON a.id = f.payer_account_id WHERE f.window_id = w.id) AS expected
     FROM settlement_window w`,
  );
  for (const c of content) {
    assert.equal(c.got, c.state === 'OPEN' ? null : c.expected, `${label}: content of ${c.state} window ${c.window_id}`);
  }
}

interface AccountFigures {
  net: string;
  sent: string;
  received: string;
  n_sent: string;
  n_received: string;
}

/** Each settlement: nets, their source in the journal, states, and its settlement transfers. */
async function checkSettlements(w: World, label: string): Promise<void> {
  for (const st of await w.service.settlements({})) {
    const model = w.registry.settlementModel(st.model)!;
    const sums = new Map<string, bigint>();
    for (const a of st.accounts) sums.set(a.currency, (sums.get(a.currency) ?? 0n) + a.net);
    for (const [currency, sum] of sums) assert.equal(sum, 0n, `${label}: settlement ${st.id} ${currency} nets sum to zero`);
    const figures = await rows<AccountFigures & { account_id: number }>(
      `SELECT j.account_id, sum(j.amount)::text AS net, sum(greatest(j.amount, 0))::text AS sent, sum(greatest(-j.amount, 0))::text AS received,
              count(*) FILTER (WHERE j.amount > 0) AS n_sent, count(*) FILTER (WHERE j.amount < 0) AS n_received
       FROM journal_entry j JOIN transfer t ON t.id = j.transfer_id JOIN account a ON a.id = j.account_id
       WHERE t.kind = 'TRANSFER' AND t.window_id = ANY ($1::integer[]) AND a.ledger_account_type = 'POSITION' AND a.currency = ANY ($2::text[])
       GROUP BY j.account_id ORDER BY j.account_id`,
      [st.windows.map((x) => x.id), scopeOf(w, model)],
    );
    assert.deepEqual(
      st.accounts.map((a) => `${a.accountId} ${a.net} ${a.grossSent} ${a.grossReceived} ${a.transfersSent} ${a.transfersReceived}`).sort(),
      figures.map((f) => `${f.account_id} ${big(f.net)} ${big(f.sent)} ${big(f.received)} ${f.n_sent} ${f.n_received}`).sort(),
      `${label}: settlement ${st.id}'s accounts = the position changes of the transfers in windows ${st.windows.map((x) => x.id).join(', ')}`,
    );
    assert.equal(st.state, aggregateOf(st), `${label}: settlement ${st.id} state follows its accounts`);
    await checkContent(st, label);
    await checkSettlementTransfers(st, label);
  }
  const windows = await rows<{ id: number; state: string; contents: string | null }>(
    `SELECT w.id, w.state, (SELECT string_agg(DISTINCT c.state, ',') FROM settlement_window_content c WHERE c.window_id = w.id) AS contents
     FROM settlement_window w`,
  );
  for (const x of windows) {
    if (x.state === 'SETTLED') assert.equal(x.contents, 'SETTLED', `${label}: window ${x.id} is SETTLED only when all its content is`);
    if (x.contents === 'SETTLED') assert.equal(x.state, 'SETTLED', `${label}: window ${x.id} with all content settled is SETTLED`);
    if (x.state === 'CLOSED') assert.equal(x.contents, 'CLOSED', `${label}: a CLOSED window ${x.id} has only CLOSED content`);
  }
  const stray = await rows<{ id: string }>(
    `SELECT t.id FROM transfer t WHERE t.kind = 'SETTLEMENT' AND NOT EXISTS (
       SELECT 1 FROM settlement_account s WHERE t.id IN (s.transfer_id, s.transfer_id || '-abort'))`,
  );
  assert.deepEqual(stray, [], `${label}: every settlement transfer belongs to a settlement account`);
}

function aggregateOf(st: SettlementRecord): string {
  const present = new Set(st.accounts.map((a) => a.state));
  if (present.size === 1 && present.has('ABORTED')) return 'ABORTED';
  const least = ACCOUNT_STEPS.find((s) => present.has(s)) ?? 'SETTLED';
  return least === 'PS_TRANSFERS_COMMITTED' && present.has('SETTLED') ? 'SETTLING' : least;
}

async function checkContent(st: SettlementRecord, label: string): Promise<void> {
  const expected = st.state === 'SETTLED' ? 'SETTLED' : st.state === 'ABORTED' ? 'ABORTED' : 'PENDING_SETTLEMENT';
  const content = await rows<{ id: number; state: string }>('SELECT id, state FROM settlement_window_content WHERE settlement_id = $1', [st.id]);
  for (const c of content) assert.equal(c.state, expected, `${label}: content ${c.id} of settlement ${st.id} (${st.state})`);
  if (st.state !== 'ABORTED') assert.ok(content.length > 0, `${label}: settlement ${st.id} holds its content`);
}

/** Whether an account's settlement transfer has moved its position (and not been reversed). */
function moved(st: SettlementRecord, a: SettlementRecord['accounts'][number]): boolean {
  if (st.state === 'ABORTED' || a.net === 0n) return false;
  if (a.state === 'PS_TRANSFERS_COMMITTED' || a.state === 'SETTLED') return true;
  return a.state === 'PS_TRANSFERS_RESERVED' && a.net < 0n;
}

async function checkSettlementTransfers(st: SettlementRecord, label: string): Promise<void> {
  const ids = st.accounts.flatMap((a) => (a.transferId ? [a.transferId, `${a.transferId}-abort`] : []));
  const entries = await rows<{ transfer_id: string; type: string; amount: string }>(
    `SELECT j.transfer_id, a.ledger_account_type AS type, j.amount::text AS amount FROM journal_entry j JOIN account a ON a.id = j.account_id
     WHERE j.transfer_id = ANY ($1::text[])`,
    [ids],
  );
  for (const a of st.accounts) {
    const main = entries.filter((e) => a.transferId !== null && e.transfer_id === a.transferId);
    const reversal = entries.filter((e) => a.transferId !== null && e.transfer_id === `${a.transferId}-abort`);
    const at = `${label}: settlement ${st.id} (${st.state}) account ${a.accountId} (${a.state}, net ${a.net})`;
    if (a.state === 'PENDING_SETTLEMENT') assert.equal(a.transferId, null, `${at} has no settlement transfer yet`);
    else if (a.state !== 'ABORTED') assert.ok(a.transferId, `${at} has its settlement transfer id from RECORDED on`);
    if (st.state === 'ABORTED') {
      assert.ok(main.length === reversal.length && (main.length === 0 || main.length === 2), `${at}: reset and reversal both or neither`);
      assert.equal(
        [...main, ...reversal].filter((e) => e.type === 'POSITION').reduce((sum, e) => sum + big(e.amount), 0n),
        0n,
        `${at}: an aborted settlement leaves the position`,
      );
      continue;
    }
    assert.equal(reversal.length, 0, `${at}: no reversal outside an abort`);
    if (!moved(st, a)) {
      assert.equal(main.length, 0, `${at}: no settlement transfer before its step`);
      continue;
    }
    assert.equal(main.length, 2, `${at}: its settlement transfer is applied exactly once`);
    assert.equal(big(main.find((e) => e.type === 'POSITION')?.amount), -a.net, `${at}: the position moved by minus the net`);
    assert.equal(big(main.find((e) => e.type === 'HUB_MULTILATERAL_SETTLEMENT')?.amount), a.net, `${at}: against HUB_MULTILATERAL_SETTLEMENT`);
  }
}

interface BalanceRow {
  id: number;
  name: string;
  type: string;
  currency: string;
  value: string;
  opening: string;
  deposits: string;
  reserved: string;
  sent: string;
  received: string;
  all_reserved: string;
}

/** Every balance from the transfer table and the settlement records alone (no journal but the openings). */
async function checkBalances(w: World, label: string): Promise<void> {
  const movedNet = new Map<number, bigint>();
  for (const st of await w.service.settlements({})) {
    for (const a of st.accounts) if (moved(st, a)) movedNet.set(a.accountId, (movedNet.get(a.accountId) ?? 0n) + a.net);
  }
  const transfers = (where: string) =>
    `coalesce((SELECT sum(t.amount) FROM transfer t WHERE t.kind = 'TRANSFER' AND t.currency = a.currency AND ${where}), 0)::text`;
  const accounts = await rows<BalanceRow>(
    `SELECT a.id, p.name, a.ledger_account_type AS type, a.currency, a.value::text AS value,
       coalesce((SELECT sum(j.amount) FROM journal_entry j WHERE j.account_id = a.id AND j.event = 'OPENING'), 0)::text AS opening,
       coalesce((SELECT sum(t.amount) FROM transfer t WHERE t.kind = 'FUNDS_IN' AND t.payer = p.name AND t.currency = a.currency), 0)::text AS deposits,
       ${transfers(`t.state = 'RESERVED' AND t.payer = p.name`)} AS reserved,
       ${transfers(`t.state = 'COMMITTED' AND t.payer = p.name`)} AS sent,
       ${transfers(`t.state = 'COMMITTED' AND t.payee = p.name`)} AS received,
       ${transfers(`t.state = 'RESERVED'`)} AS all_reserved
     FROM account a JOIN participant p ON p.id = a.participant_id`,
  );
  const hubMoved = new Map<string, bigint>();
  for (const a of accounts) {
    const at = `${label}: ${a.type} of ${a.name} in ${a.currency}`;
    const deferred = isDeferred(w, a.currency);
    const committed = big(a.sent) - big(a.received);
    if (a.type === 'POSITION') {
      const settled = movedNet.get(a.id) ?? 0n;
      hubMoved.set(a.currency, (hubMoved.get(a.currency) ?? 0n) + settled);
      const expected = big(a.opening) + big(a.reserved) + (deferred ? committed - settled : 0n);
      assert.equal(big(a.value), expected, `${at}: opening + reserved${deferred ? ' + sent − received − nets settled' : ''}`);
    } else if (a.type === 'SETTLEMENT') {
      assert.equal(
        big(a.value),
        -big(a.deposits) + (deferred ? 0n : committed),
        `${at}: −deposits${deferred ? ' (settlement leaves it)' : ' + gross settled'}`,
      );
    } else if (a.type === 'HUB_CLEARING') {
      assert.equal(big(a.value), -big(a.all_reserved), `${at}: −reserved`);
    }
  }
  for (const a of accounts.filter((x) => x.type === 'HUB_MULTILATERAL_SETTLEMENT')) {
    assert.equal(big(a.value), w.hubStart.get(a.currency)! + (hubMoved.get(a.currency) ?? 0n), `${label}: HUB_MULTILATERAL_SETTLEMENT ${a.currency}`);
  }
}

async function checkAll(w: World, label: string): Promise<void> {
  await checkJournal(w, label);
  await checkWindows(w, label);
  await checkSettlements(w, label);
  await checkBalances(w, label);
  // The crash test's reconciliation must agree (it is checked here against the exact expectations above).
  assert.deepEqual(await reconcileSettlement(db), [], `${label}: the SQL reconciliation finds nothing`);
}

// ------------------------------------------------------------------------------------------ the property

async function runBurst(w: World, burst: Op[]): Promise<void> {
  const pending: Array<Promise<void>> = [];
  try {
    for (const op of burst) {
      // Traffic is only started (its decision taken): it becomes durable while the settlement commands that follow run.
      if (isTraffic(op)) pending.push(startTraffic(w, op));
      else await runSettle(w, op);
    }
  } catch (err) {
    // The run fails with its own error, not with the traffic it left behind failing once its ledger is closed.
    await Promise.allSettled(pending);
    throw err;
  }
  await Promise.all(pending);
}

const totals: Record<string, number> = {};

test('settlement keeps no drift under random traffic, window closes, settlement steps, aborts and interrupted requests', { timeout: 300_000 }, async (t) => {
  const started = Date.now();
  const property = fc.asyncProperty(worldArb, burstsArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }), async (spec, bursts, settle) => {
    const w = await buildWorld(spec);
    try {
      for (const [i, burst] of bursts.entries()) {
        await runBurst(w, burst);
        await checkAll(w, `after burst ${i + 1}`);
      }
      await finishSettlements(w, settle);
      await checkAll(w, 'after every settlement ended');
      for (const [currency, start] of w.hubStart) {
        assert.equal(
          w.registry.hubAccount(currency, 'HUB_MULTILATERAL_SETTLEMENT')!.value,
          start,
          `HUB_MULTILATERAL_SETTLEMENT ${currency} back where it started`,
        );
      }
      for (const [k, v] of Object.entries(w.tally)) totals[k] = (totals[k] ?? 0) + v;
    } finally {
      await w.engine.close();
    }
  });
  // MIZANI_PROPERTY_NO_SHRINK=1: report the first failing run as it is (shrinking re-runs the ledger many times).
  // Shrinking re-runs the ledger many times: it stops after SHRINK_LIMIT_MS and reports the smallest failure found so far.
  const options = {
    numRuns: NUM_RUNS,
    endOnFailure: process.env.MIZANI_PROPERTY_NO_SHRINK === '1',
    interruptAfterTimeLimit: SHRINK_LIMIT_MS,
    ...(process.env.MIZANI_PROPERTY_SEED ? { seed: Number(process.env.MIZANI_PROPERTY_SEED) } : {}),
    markInterruptAsFailure: true,
  };
  await fc.assert(property, options).catch((err: Error) => {
    // The property's own assertion (fast-check keeps it as the cause) is what says what went wrong.
    if (err.cause instanceof Error) err.message += `\n${err.cause.stack ?? err.cause.message}`;
    throw err;
  });
  const shown = Object.entries(totals)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  t.diagnostic(`${NUM_RUNS} runs in ${((Date.now() - started) / 1000).toFixed(1)} s; ${shown.join(' ')}`);
  // The runs must have exercised what they claim to (fast-check's generators are random, the coverage is not left to luck).
  for (const key of [
    'close:closed',
    'create:created',
    'create:SETTLEMENT_WINDOWS_INAPPLICABLE',
    'step:ok',
    'step:STATE_CHANGE_NOT_ALLOWED',
    'abort:aborted',
    'step:interrupted:record',
    'finish:settled',
  ]) {
    assert.ok((totals[key] ?? 0) > 0, `no run exercised ${key}`);
  }
});

/**
 * A world of `caps.length / 2` DFSPs (USD and EUR caps in that order, liquidity required, 5,000 deposited each) where
 * dfsp1 paid 100 USD to each of `payeeOffsets` (0: dfsp2, 1: dfsp3), committed, the window closed and settlement 1
 * created from it.
 */
async function oneSettlement(caps: bigint[], payeeOffsets: number[]): Promise<World> {
  const w = await buildWorld({
    dfsps: caps.length / 2,
    cgs: false,
    eurModel: false,
    liquidity: true,
    eurLiquidity: false,
    caps,
    deposits: [5_000n * U],
    openings: [0n],
  });
  for (const payeeOffset of payeeOffsets) {
    await startTraffic(w, { t: 'prepare', payer: 0, payeeOffset, cur: 0, amount: 100n * U, expired: false, then: 'commit' });
  }
  await closeWindow(w, false);
  await createSettlement(w, { t: 'create', model: 0, windows: [0], anyWindow: false });
  return w;
}

/** Settlement 1's every account one step on, `interrupt` armed (withInterrupt repeats the request when it fires). */
const stepAll = (w: World, interrupt: Interrupt = null) =>
  stepSettlement(w, { t: 'step', pick: 0, live: true, accounts: null, target: 'next', oddity: 'none', interrupt });

test('a reset repeated after its request died is not refused for the headroom it already took', async () => {
  // dfsp2 may owe at most 50 and receives 100: its reset (+100, back to 0) fits once, not twice. The first RESERVED
  // request dies after the reset is durable; the operator repeats it, and it must complete.
  const w = await oneSettlement([1_000n * U, 1_000n * U, 50n * U, 50n * U], [0]);
  try {
    await stepAll(w); // RECORDED
    await stepAll(w, { at: 'record' }); // RESERVED: dies after dfsp2's reset, then repeated
    await stepAll(w, { at: 'move', k: 0 }); // COMMITTED: dies before dfsp1's reset, then repeated
    await stepAll(w); // SETTLED
    assert.equal((await w.service.settlement(1)).state, 'SETTLED');
    assert.deepEqual(
      Object.keys(w.tally)
        .filter((k) => k.includes('interrupted'))
        .sort(),
      ['step:interrupted:move', 'step:interrupted:record'],
    );
    await checkAll(w, 'after the repeated steps');
    for (const name of w.dfsps) assert.equal(w.registry.accountOf(name, 'USD', 'POSITION')!.value, 0n, `${name}'s position is back to 0`);
  } finally {
    await w.engine.close();
  }
});

test('a reset repeated while the first is still being written waits for it instead of taking the headroom twice', async () => {
  // dfsp2 and dfsp3 may each owe at most 50 and receive 100. The RESERVED request dies on dfsp2's reset while dfsp3's is
  // still being written; the operator repeats it at once: dfsp3's second reset must wait for its first, not be refused.
  const w = await oneSettlement([1_000n * U, 1_000n * U, 50n * U, 50n * U, 50n * U, 50n * U], [0, 1]);
  try {
    await stepAll(w); // RECORDED
    await stepAll(w, { at: 'move', k: 0 }); // RESERVED: dfsp2's reset dies before it is sent, dfsp3's is in flight; repeated
    assert.deepEqual(w.tally['step:interrupted:move'], 1);
    await stepAll(w); // COMMITTED
    await stepAll(w); // SETTLED
    assert.equal((await w.service.settlement(1)).state, 'SETTLED');
    await checkAll(w, 'after the repeated step');
    for (const name of w.dfsps) assert.equal(w.registry.accountOf(name, 'USD', 'POSITION')!.value, 0n, `${name}'s position is back to 0`);
  } finally {
    await w.engine.close();
  }
});

test('settlement changes taken by two hub nodes run one at a time: an abort waits for a step in progress on another node', async () => {
  // Two nodes' settlement services on one database. Node A's step to RESERVED has reset dfsp2 and is about to record it
  // when node B is asked to abort: B must wait for A (else it reverses the reset, records ABORTED, and A then records
  // RESERVED accounts in an aborted settlement), then abort from RESERVED, reversing the reset once.
  const w = await oneSettlement([1_000n * U, 1_000n * U, 1_000n * U, 1_000n * U], [0]);
  try {
    await stepAll(w); // RECORDED
    const events: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    class GatedStore extends SettlementStore {
      override async recordAccountChanges(settlementId: number, changes: AccountChange[]): Promise<void> {
        events.push('A records');
        await gate;
        return super.recordAccountChanges(settlementId, changes);
      }
    }
    class WatchedStore extends SettlementStore {
      override settlement(id: number): Promise<SettlementRecord | undefined> {
        events.push('B reads');
        return super.settlement(id);
      }
    }
    const nodeA = new SettlementService(w.registry, new GatedStore(db), w.bus, new RecordedReports());
    const nodeB = new SettlementService(w.registry, new WatchedStore(db), w.bus, new RecordedReports());
    const st = await w.service.settlement(1);
    const stepped = nodeA.updateAccounts(
      1,
      st.accounts.map((a) => ({ participantId: a.participantId, accountId: a.accountId, state: 'PS_TRANSFERS_RESERVED', reason: 'A' })),
    );
    while (!events.includes('A records')) await new Promise((resolve) => setTimeout(resolve, 5));
    const aborted = nodeB.abort(1, 'B');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(events, ['A records'], 'node B has not begun while node A holds the change');
    open();
    const [a, b] = await Promise.all([stepped, aborted]);
    assert.deepEqual(
      a.results.map((r) => r.refusal),
      [undefined, undefined],
    );
    assert.equal(b.state, 'ABORTED');
    assert.ok(
      b.accounts.every((x) => x.state === 'ABORTED'),
      'every account is ABORTED',
    );
    await checkAll(w, 'after the abort');
    for (const name of w.dfsps) {
      const expected = name === 'dfsp1' ? 100n * U : -100n * U;
      assert.equal(w.registry.accountOf(name, 'USD', 'POSITION')!.value, expected, `${name}'s position is its window's net again`);
    }
  } finally {
    await w.engine.close();
  }
});
