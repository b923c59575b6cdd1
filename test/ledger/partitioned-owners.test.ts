/**
 * The ledger partitioned over several owners (MIZANI_LEDGER_PARTITIONED; docs/architecture.md "Partitioned owners"),
 * at the engine: two engines on one database, each writing the participants of its partitions. A transfer is written
 * whole by its payer's owner; the payee's credit is in that owner's batch, and reaches the payee owner's memory by a
 * notice applied once (by the account row's version). A partition changes hands only through its advisory lock: the
 * next owner loads after the last write of the previous one. A window close is each owner's switch, in its own order.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Db } from '../../ledger/db.js';
import { LedgerEngine, type ForeignMove, type LedgerPartitioning } from '../../ledger/engine.js';
import { Registry } from '../../ledger/registry.js';
import { SettlementStore } from '../../ledger/settlement.js';
import { ledgerUnits as L, parseLedger } from '../../ledger/units.js';
import { twoNodesOnOneDatabase, type TwoNodes } from '../support/postgres.js';
import { deferredNetModel } from '../support/settlement-models.js';
import { prepareInput } from '../support/ledger-inputs.js';

const HUB = 'Hub';
const USD = 10_000n;

let nodes: TwoNodes;
let dbA: Db;
let dbB: Db;
const engines: LedgerEngine[] = [];

/** p0 in partition 0, p1 and p2 in partition 1. */
const partitioning: LedgerPartitioning = { partitionOf: (name) => (name === 'p0' ? 0 : 1) };

before(async () => {
  nodes = await twoNodesOnOneDatabase('mizani_partitioned');
  ({ dbA, dbB } = nodes);
  const registry = await Registry.load(dbA, HUB);
  await registry.createHubAccount('USD', 'HUB_RECONCILIATION');
  await registry.createHubAccount('USD', 'HUB_MULTILATERAL_SETTLEMENT');
  await registry.createSettlementModel(deferredNetModel({ requireLiquidityCheck: false }));
  for (const name of ['p0', 'p1', 'p2']) {
    await registry.createParticipant(name, 'USD', false);
    await registry.setInitialLimit(name, 'USD', L(100n * USD), '10');
  }
});

/** Each engine holds a writer session of its node's small pool: closed after each test. */
async function closeEngines(): Promise<void> {
  for (const engine of engines.splice(0)) await engine.close();
}

after(async () => {
  await closeEngines();
  await nodes?.close();
});

async function owner(db: Db, moves: ForeignMove[] = []): Promise<LedgerEngine> {
  const engine = new LedgerEngine(db, await Registry.load(db, HUB), { maxBatch: 100, partitioning }, { onForeignMoves: (m) => moves.push(...m) });
  engines.push(engine);
  await engine.load();
  return engine;
}

let counter = 0;
const nextId = () => `part-${++counter}-${Date.now().toString(36)}`;

async function reserveAndCommit(engine: LedgerEngine, payer: string, payee: string, units: bigint): Promise<string> {
  const prepared = await engine.prepare(prepareInput(nextId(), L(units * USD), payer, payee));
  assert.equal(prepared.kind, 'reserved');
  if (prepared.kind !== 'reserved') throw new Error('not reserved');
  await engine.commit(prepared.transfer, { completedAt: new Date().toISOString() });
  return prepared.transfer.id;
}

async function storedPosition(db: Db, name: string): Promise<bigint> {
  const rows = await db.query<{ value: string }>(
    `SELECT a.value::text AS value FROM account a JOIN participant p ON p.id = a.participant_id WHERE p.name = $1 AND a.ledger_account_type = 'POSITION'`,
    [name],
  );
  return parseLedger(rows.rows[0]!.value);
}

const memoryPosition = (engine: LedgerEngine, name: string) => engine.registry.accountOf(name, 'USD', 'POSITION')!.value;

test('the payer owner writes the whole transfer; the payee owner applies the credit once, and decides with it', async () => {
  const movesA: ForeignMove[] = [];
  const a = await owner(dbA, movesA);
  const b = await owner(dbB);
  await a.assign([0]);
  await b.assign([1]);
  assert.deepEqual([a.owns('p0'), a.owns('p1'), b.owns('p0'), b.owns('p1')], [true, false, false, true]);

  await reserveAndCommit(a, 'p0', 'p1', 60n);
  assert.equal(await storedPosition(dbA, 'p1'), -60n * USD, 'the payee credit is durable in the payer owner batch');
  const credit = movesA.find((m) => m.participant === 'p1');
  assert.ok(credit, 'the payer owner reports the credit to the payee account');
  assert.equal(credit.delta, -60n * USD);
  assert.equal(movesA.filter((m) => m.participant === 'p0').length, 0, 'its own accounts are not reported');

  // Before the notice, B decides conservatively: p1 may send 100 (its cap), not 150.
  const refused = await b.prepare(prepareInput(nextId(), L(150n * USD), 'p1', 'p2'));
  assert.equal(refused.kind, 'rejected');
  assert.equal(b.applyForeignMove(credit), 'applied');
  assert.equal(memoryPosition(b, 'p1'), -60n * USD);
  await reserveAndCommit(b, 'p1', 'p2', 150n);
  assert.equal(memoryPosition(b, 'p1'), 90n * USD);
  assert.equal(await storedPosition(dbB, 'p1'), 90n * USD, 'memory and PostgreSQL agree');

  // A notice delivered again after a reassignment (the bus re-runs commands after a hand-over) changes nothing.
  await b.assign([1]);
  assert.equal(b.applyForeignMove(credit), 'ignored');
  assert.equal(memoryPosition(b, 'p1'), 90n * USD);
  // A notice to an account this engine does not own is ignored.
  assert.equal(a.applyForeignMove({ ...credit, version: credit.version + 100n }), 'ignored');
  await closeEngines();
});

test('a partition changes hands through its lock: the next owner loads after the previous one let it go, reserved transfers included', async () => {
  const a = await owner(dbA);
  const c = await owner(dbB);
  await a.assign([0]);
  const held = await a.prepare(prepareInput(nextId(), L(5n * USD), 'p0', 'p1'));
  assert.equal(held.kind, 'reserved');
  const id = held.kind === 'reserved' ? held.transfer.id : '';
  let taken = false;
  const taking = c.assign([0]).then(() => (taken = true));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(taken, false, 'the next owner waits while the previous one holds the partition');
  assert.equal(c.available, false, 'and takes no work meanwhile');
  await a.assign([]);
  await taking;
  assert.ok(c.inFlightTransfer(id), 'the reserved transfer is in the new owner memory');
  assert.equal(a.inFlightTransfer(id), undefined, 'and no longer in the previous owner memory');
  assert.equal(memoryPosition(c, 'p0'), await storedPosition(dbB, 'p0'));
  await c.abort(c.inFlightTransfer(id)!, { state: 'ABORTED_ERROR', cause: 'test', completedAt: new Date().toISOString() });
  await closeEngines();
});

test('a window close is each owner switch in its own order; an owner that loads while a close is under way starts in the next window', async () => {
  // The earlier tests' commits are in the open window: every owner switches, and the close is recorded.
  const first = await owner(dbA);
  const used = first.openWindowId;
  assert.deepEqual(await first.closeWindowPart(used, used + 1, false), { kind: 'switched' });
  await new SettlementStore(dbA).recordClose(used, used + 1, 'test');
  const a = await owner(dbA);
  const b = await owner(dbB);
  await a.assign([0]);
  await b.assign([1]);
  const open = a.openWindowId;
  assert.deepEqual([open, b.openWindowId], [used + 1, used + 1]);
  const committed = await reserveAndCommit(a, 'p0', 'p2', 1n);
  assert.deepEqual(await b.closeWindowPart(open, open + 1, true), { kind: 'unused' }, 'an owner that did not use the window keeps it open');
  assert.equal(b.openWindowId, open);
  assert.deepEqual(await a.closeWindowPart(open, open + 1, true), { kind: 'switched' });
  assert.deepEqual(await a.closeWindowPart(open, open + 1, true), { kind: 'switched' }, 'a repeat answers as the first');
  const window = await dbA.query<{ window_id: number }>('SELECT window_id FROM transfer WHERE id = $1', [committed]);
  assert.equal(window.rows[0]!.window_id, open, 'the commit decided before the switch is in the closing window');
  const after = await reserveAndCommit(a, 'p0', 'p2', 1n);
  const later = await dbA.query<{ window_id: number }>('SELECT window_id FROM transfer WHERE id = $1', [after]);
  assert.equal(later.rows[0]!.window_id, open + 1, 'a commit after the switch is in the next window');

  // The close is marked begun; an owner that loads now (it may take a partition whose owner answered) starts in the next.
  await dbA.query('UPDATE settlement_window SET closing_opens = $2 WHERE id = $1', [open, open + 1]);
  const late = await owner(dbB);
  assert.equal(late.openWindowId, open + 1);
  assert.deepEqual(await late.closeWindowPart(open, open + 1, true), { kind: 'switched' });
  assert.deepEqual(await b.closeWindowPart(open, open + 1, false), { kind: 'switched' }, 'told to switch, an owner that did not use it switches');
  await dbA.query('UPDATE settlement_window SET closing_opens = NULL WHERE id = $1', [open]);
  await closeEngines();
});
