/**
 * A bank's pacs.008 with many transactions outlives a hub restart (docs/bulk.md, "Banks"): the group, its payments and
 * the transactions' statuses are in PostgreSQL, not in the hub's memory.
 *
 * A bank sends three transactions to one wallet. The wallet answers the first at once (committed before the crash),
 * holds the quote of the second and the fulfil of the third (its transfer RESERVED) for several seconds. The hub is
 * killed (SIGKILL) while they are held and started again on the same database and ports; the wallet's late answers
 * reach the new hub, which carries the second payment into its transfer, commits the third, and sends the bank ONE
 * pacs.002 with every transaction accepted. Positions are checked per transaction, and no pacs.002 about a single
 * transaction reaches the bank.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { ulid } from 'ulidx';
import { SuiteContext } from '../conformance/lib/context.js';
import { addDecimal, subDecimal } from '../conformance/lib/decimal.js';
import { registerPartyOk } from '../conformance/lib/flows.js';
import { readGroupStatus } from '../conformance/lib/isoxml-bulk.js';
import { pollUntil } from '../conformance/lib/util.js';
import { startHubProcess, type HubProcess } from './support/hub-process.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

/** How long the wallet holds its answers: the crash and the restart happen meanwhile. */
const HELD_MS = 14_000;

let database: TestDatabase;
let hub: HubProcess;
let ctx: SuiteContext;
let db: pg.Client;

function hubEnv(ports?: { fspiop: string; admin: string }): Record<string, string> {
  return {
    MIZANI_DATABASE_URL: database.url,
    MIZANI_EXPIRY_SWEEP_MS: '200',
    ...(ports ? { MIZANI_FSPIOP_PORT: ports.fspiop, MIZANI_ADMIN_PORT: ports.admin } : {}),
  };
}

before(async () => {
  database = await createTestDatabase('mizani_bank_group_restart');
  hub = await startHubProcess(hubEnv());
  ctx = new SuiteContext({ hubUrl: hub.fspiopUrl, adminUrl: hub.adminUrl, sign: false, timeoutMs: 20_000 });
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
});

after(async () => {
  await db?.end().catch(() => undefined);
  await ctx?.close();
  await hub?.stop();
  await database?.drop();
});

async function lineStatus(paymentId: string): Promise<string | null | undefined> {
  const rows = await db.query<{ status: string | null }>('SELECT status FROM bank_group_line WHERE payment_id = $1 AND own', [paymentId]);
  return rows.rows[0]?.status;
}

test('a bank payment group outlives a SIGKILL of the hub: answers reaching the restarted hub complete it, one pacs.002', { timeout: 120_000 }, async () => {
  const bank = await ctx.newBank({ prefix: 'bkr' });
  const wallet = await ctx.newDfsp({ prefix: 'wal' });
  const parties = [0, 1, 2].map(() => ({ type: 'MSISDN', id: ctx.newPartyId() }));
  const [now, heldQuote, heldFulfil] = parties as [(typeof parties)[0], (typeof parties)[0], (typeof parties)[0]];
  wallet.addParty({ partyIdType: now.type, partyIdentifier: now.id, firstName: 'Ada', lastName: 'One' });
  wallet.addParty({
    partyIdType: heldQuote.type,
    partyIdentifier: heldQuote.id,
    firstName: 'Ada',
    lastName: 'Two',
    quote: { kind: 'answer', delayMs: HELD_MS },
  });
  wallet.addParty({ partyIdType: heldFulfil.type, partyIdentifier: heldFulfil.id, firstName: 'Ada', lastName: 'Three' });
  for (const p of parties) await registerPartyOk(ctx, wallet, p);
  const ids = [ulid(), ulid(), ulid()];
  wallet.setBehaviour(ids[2]!, { kind: 'fulfil', delayMs: HELD_MS });
  const [bankBefore, walletBefore] = await Promise.all([ctx.position(bank.name), ctx.position(wallet)]);
  const debtor = { type: 'MSISDN', id: ctx.newPartyId(), name: 'Alan Turing' };
  const msgId = `RST-${ulid()}`;
  const sent = await bank.payMany({
    msgId,
    transactions: parties.map((creditor, i) => ({ txId: ids[i], amount: `${i + 1}`, debtor, creditorAgent: null, creditor })),
  });
  assert.equal(sent.status, 202, `the bank's message: ${sent.body}`);

  // Before the crash: the first committed, the second's quote and the third's transfer held by the wallet.
  await pollUntil(
    () => lineStatus(ids[0]!),
    (s) => s === 'ACSC',
    { timeoutMs: 20_000, intervalMs: 100, label: 'the first transaction committed' },
  );
  await wallet.waitFor((r) => r.method === 'POST' && r.path === '/transfers' && r.body?.transferId === ids[2], 20_000, { label: 'the third reserved' });
  await wallet.waitFor((r) => r.method === 'POST' && r.path === '/quotes' && r.body?.transactionId === ids[1], 20_000, { label: 'the second quoting' });
  assert.deepEqual([await lineStatus(ids[1]!), await lineStatus(ids[2]!)], [null, null], 'the second and third are open at the crash');
  assert.equal(bank.find((m) => m.kind === 'pacs.002').length, 0, 'nothing sent the bank before the crash');

  const ports = { fspiop: new URL(hub.fspiopUrl).port, admin: new URL(hub.adminUrl).port };
  hub.child.kill('SIGKILL');
  await hub.exited;
  hub = await startHubProcess(hubEnv(ports));

  const m = await bank.waitFor((x) => x.kind === 'pacs.002', HELD_MS + 20_000, { label: "the group's pacs.002 from the restarted hub" });
  const view = readGroupStatus(m.message!);
  assert.equal(view.originalMsgId, msgId, 'the pacs.002 is about the group');
  assert.equal(view.groupStatus, 'ACCP', `every transaction accepted across the restart: ${JSON.stringify(view)}`);
  assert.deepEqual(
    view.transactions.map((t) => [t.id, t.status]),
    ids.map((id) => [id, 'ACSC']),
  );
  await ctx.expectPosition(bank.name, addDecimal(bankBefore, '6'), 'bank position: 1 + 2 + 3');
  await ctx.expectPosition(wallet, subDecimal(walletBefore, '6'), 'wallet position');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(bank.find((x) => x.kind === 'pacs.002').length, 1, `one pacs.002 for the group, none per transaction: ${bank.describe()}`);
});
