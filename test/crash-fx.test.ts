/**
 * Crash test for conversions (docs/fx.md): `kill -9` the hub while a conversion waits for its dependent transfer
 * (RECEIVED_FULFIL_DEPENDENT, the dependent transfer RESERVED on the FXP's position) and while another, fulfilled and
 * never used, is about to expire. The hub restarts on the same database (same ports, so the simulators keep talking
 * to it): the payee's fulfil commits the transfer and its conversion together (PATCH COMMITTED to the FXP), the unused
 * conversion expires (3303 to the payer, PATCH ABORTED to the FXP), and positions in both currencies and the books
 * agree with that.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { openDb } from '../ledger/db.js';
import { reconcile } from '../ledger/reconciliation.js';
import { expectStatus } from '../conformance/lib/checks.js';
import { SuiteContext } from '../conformance/lib/context.js';
import { addDecimal, subDecimal } from '../conformance/lib/decimal.js';
import { conversionStateOf, errorCodeOf, waitFxCallback } from '../conformance/lib/fx-transfers.js';
import { SOURCE_AMOUNT, TARGET, TARGET_AMOUNT, conversion, convert, fxParties } from '../conformance/scenarios/fx-transfers.js';
import { startHubProcess, type HubProcess } from './support/hub-process.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

let database: TestDatabase | undefined;
const hubs: HubProcess[] = [];
let ctx: SuiteContext | undefined;

after(async () => {
  await ctx?.close();
  for (const hub of hubs) await hub.stopWithin(5000).catch(() => undefined);
  await database?.drop();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

test('kill -9 with a conversion waiting for its reserved dependent transfer: the restarted hub finishes both in one write', { timeout: 120_000 }, async () => {
  database = await createTestDatabase('mizani_crash_fx');
  const [fspiop, admin] = [await freePort(), await freePort()];
  const env = {
    MIZANI_DATABASE_URL: database.url,
    MIZANI_FSPIOP_PORT: String(fspiop),
    MIZANI_ADMIN_PORT: String(admin),
    MIZANI_EXPIRY_SWEEP_MS: '200',
  };
  const hub1 = await startHubProcess(env);
  hubs.push(hub1);
  ctx = new SuiteContext({ hubUrl: hub1.fspiopUrl, adminUrl: hub1.adminUrl, timeoutMs: 20_000 });
  const p = await fxParties(ctx);
  const before = {
    payer: await ctx.position(p.payer, p.source),
    fxpSource: await ctx.position(p.fxp.sim, p.source),
    fxpTarget: await ctx.position(p.fxp.sim, TARGET),
    payee: await ctx.position(p.payee, TARGET),
  };

  // A: fulfilled, its dependent transfer reserved on the FXP and forwarded to a payee that has not answered yet.
  const a = conversion(ctx, p);
  p.payee.setBehaviour(a.transfer.transferId, { kind: 'silent' });
  await convert(ctx, p, a.fx);
  expectStatus(await ctx.sendPrepare(a.transfer, { version: '2.0' }), 202, 'POST /transfers (dependent of A)');
  await p.payee.waitFor((r) => r.method === 'POST' && r.body?.transferId === a.transfer.transferId, ctx.T, { label: 'the dependent prepare at the payee' });
  // B: fulfilled, no dependent transfer, expiring a few seconds from now.
  const b = conversion(ctx, p, { fxExpiresInMs: 4000 });
  await convert(ctx, p, b.fx);
  await ctx.expectPosition(p.payer, addDecimal(addDecimal(before.payer, SOURCE_AMOUNT), SOURCE_AMOUNT), 'both conversions reserved', p.source);

  await hub1.stop('SIGKILL');
  const hub2 = await startHubProcess(env);
  hubs.push(hub2);
  assert.equal(hub2.fspiopUrl, hub1.fspiopUrl, 'the restarted hub listens where the simulators send');

  const since = p.fxp.sim.mark();
  const fulfil = { fulfilment: a.transfer.fulfilment, completedTimestamp: new Date().toISOString(), transferState: 'COMMITTED' };
  const res = await ctx.sendTransferPut(a.transfer, { from: p.payee.name, to: p.payer.name, body: fulfil });
  expectStatus(res, 200, "the payee's fulfil after the restart");
  const put = await ctx.waitTransferCallback(p.payer, a.transfer.transferId, { type: 'put', from: p.payee.name });
  assert.equal(put.body?.transferState, 'COMMITTED');
  const patchA = await waitFxCallback(ctx, p.fxp.sim, a.fx.commitRequestId, { type: 'patch', from: ctx.hubName, since });
  assert.equal(conversionStateOf(patchA), 'COMMITTED', 'the reloaded conversion committed with its transfer');

  const expired = await waitFxCallback(ctx, p.payer, b.fx.commitRequestId, { type: 'error', from: ctx.hubName });
  assert.equal(errorCodeOf(expired), '3303');
  const patchB = await waitFxCallback(ctx, p.fxp.sim, b.fx.commitRequestId, { type: 'patch', from: ctx.hubName });
  assert.equal(conversionStateOf(patchB), 'ABORTED', 'the reloaded unused conversion expired');

  await ctx.expectPosition(p.payer, addDecimal(before.payer, SOURCE_AMOUNT), 'payer: A final, B released', p.source);
  await ctx.expectPosition(p.fxp.sim, subDecimal(before.fxpSource, SOURCE_AMOUNT), 'FXP source credited for A', p.source);
  await ctx.expectPosition(p.fxp.sim, addDecimal(before.fxpTarget, TARGET_AMOUNT), 'FXP target funds the transfer', TARGET);
  await ctx.expectPosition(p.payee, subDecimal(before.payee, TARGET_AMOUNT), 'payee credited', TARGET);

  const db = await openDb({ url: database.url, dataDir: '', poolSize: 1 });
  try {
    const states = await db.query<{ id: string; state: string }>('SELECT id, state FROM transfer WHERE id = ANY($1::text[]) ORDER BY id', [
      [a.fx.commitRequestId, a.transfer.transferId, b.fx.commitRequestId],
    ]);
    const byId = Object.fromEntries(states.rows.map((r) => [r.id, r.state]));
    assert.deepEqual([byId[a.fx.commitRequestId], byId[a.transfer.transferId], byId[b.fx.commitRequestId]], ['COMMITTED', 'COMMITTED', 'EXPIRED_RESERVED']);
    assert.deepEqual((await reconcile(db)).discrepancies, [], 'journal, balances and positions agree');
  } finally {
    await db.close();
  }
});
