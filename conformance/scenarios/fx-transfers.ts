// FX transfers (contract fspiop.md §10, §14; iso20022-mapping.md §3.6; docs/fx.md): payer-side conversion. The payer
// DFSP converts its source currency with an FXP (POST /fxTransfers), then sends the dependent transfer in the target
// currency, which the FXP's target position funds; both commit, or both abort, with the transfer.
import assert from 'node:assert/strict';
import { addCurrency } from '../lib/admin.js';
import { assertHubMessage, expectStatus } from '../lib/checks.js';
import type { SuiteContext } from '../lib/context.js';
import { addDecimal, normalizeDecimal, subDecimal } from '../lib/decimal.js';
import type { DfspSimulator, SimDialect } from '../lib/dfsp.js';
import {
  FxpRole,
  conversionStateOf,
  errorCodeOf,
  getFxTransfer,
  newFxTransfer,
  sendFxPrepare,
  waitFxCallback,
  type FxTransfer,
  type FxpBehaviour,
} from '../lib/fx-transfers.js';
import { ACCOUNT_STEPS, SettlementClient, netsOf, type SettlementView } from '../lib/settlement.js';
import type { Scenario } from '../lib/scenario.js';
import { show } from '../lib/util.js';

/** The target currency of the suite's conversions: one no other scenario gives a settlement model of its own. */
export const TARGET = 'KES';
export const SOURCE_AMOUNT = '10';
export const TARGET_AMOUNT = '1300';

/** An Admin API answer's status. */
function expectAdminStatus(r: { status: number; rawBody?: string }, status: number, what: string): void {
  assert.equal(r.status, status, `${what}: expected HTTP ${status}, got ${r.status} ${show(r.rawBody)}`);
}

export interface FxParties {
  payer: DfspSimulator;
  fxp: FxpRole;
  payee: DfspSimulator;
  source: string;
}

/** A payer (source currency), an FXP holding both currencies and a payee (target currency), fresh for position checks. */
export async function fxParties(
  ctx: SuiteContext,
  o: { payerDialect?: SimDialect; fxpDialect?: SimDialect; payerNdc?: string; fxpTargetNdc?: string; fxp?: FxpBehaviour } = {},
): Promise<FxParties> {
  const [payer, fxpSim, payee] = await Promise.all([
    ctx.newDfsp({ prefix: 'fxpay', version: '2.0', dialect: o.payerDialect ?? 'fspiop/2.0', ...(o.payerNdc ? { ndc: o.payerNdc } : {}) }),
    ctx.newDfsp({ prefix: 'fxp', version: '2.0', dialect: o.fxpDialect ?? 'fspiop/2.0' }),
    ctx.newDfsp({ prefix: 'fxpee', version: '2.0', currency: TARGET }),
  ]);
  await addCurrency(ctx.admin, fxpSim.name, TARGET, { hubName: ctx.hubName, ndc: o.fxpTargetNdc ?? ctx.opts.ndc, fundsIn: '0', timeoutMs: ctx.T });
  return { payer, fxp: new FxpRole(fxpSim, ctx.fulfilments, o.fxp), payee, source: ctx.currency };
}

/** The dependent transfer (not sent) and its conversion (not sent). */
export function conversion(ctx: SuiteContext, p: FxParties, o: { targetAmount?: string; transferExpiresInMs?: number; fxExpiresInMs?: number } = {}) {
  const transfer = ctx.newTransfer({
    payer: p.payer,
    payee: p.payee,
    amount: TARGET_AMOUNT,
    currency: TARGET,
    idKind: 'ulid',
    ...(o.transferExpiresInMs ? { expiresInMs: o.transferExpiresInMs } : {}),
  });
  const fx = newFxTransfer(ctx, {
    dependent: o.targetAmount ? { ...transfer, amount: o.targetAmount } : transfer,
    fxp: p.fxp.sim,
    source: { amount: SOURCE_AMOUNT, currency: p.source },
    ...(o.fxExpiresInMs ? { expiresInMs: o.fxExpiresInMs } : {}),
  });
  return { transfer, fx };
}

/**
 * Sends the conversion and waits until the payer has the FXP's fulfilment (RESERVED): forwarded as the FXP sent it
 * when both speak one dialect family, rendered by the hub (from the hub, in the payer's dialect) when not.
 */
export async function convert(ctx: SuiteContext, p: FxParties, fx: FxTransfer, iso = false): Promise<void> {
  expectStatus(await sendFxPrepare(ctx, fx, { iso }), 202, 'POST /fxTransfers');
  const family = (d: string) => d.split('/')[0];
  const rendered = family(p.payer.dialect) !== family(p.fxp.sim.dialect);
  const put = await waitFxCallback(ctx, p.payer, fx.commitRequestId, { type: 'put', from: rendered ? ctx.hubName : p.fxp.sim.name });
  assert.equal(conversionStateOf(put), 'RESERVED', `the FXP's answer reaches the payer: ${show(put.bodyText)}`);
  const body = put.body as Record<string, any>;
  assert.equal(body.fulfilment ?? body.TxInfAndSts?.ExctnConf, fx.fulfilment, 'with its fulfilment');
  if (rendered) {
    const iso = p.payer.dialect === 'iso20022-json/2.0';
    assert.match(
      put.headers['content-type'] ?? '',
      iso ? /iso20022\.fxTransfers/ : /^application\/vnd\.interoperability\.fxTransfers/,
      "in the payer's dialect",
    );
  }
}

async function positions(ctx: SuiteContext, p: FxParties) {
  return {
    payer: await ctx.position(p.payer, p.source),
    fxpSource: await ctx.position(p.fxp.sim, p.source),
    fxpTarget: await ctx.position(p.fxp.sim, TARGET),
    payee: await ctx.position(p.payee, TARGET),
  };
}

async function expectPositions(ctx: SuiteContext, p: FxParties, expected: Awaited<ReturnType<typeof positions>>, label: string): Promise<void> {
  await ctx.expectPosition(p.payer, expected.payer, `${label}: payer ${p.source}`, p.source);
  await ctx.expectPosition(p.fxp.sim, expected.fxpSource, `${label}: FXP ${p.source}`, p.source);
  await ctx.expectPosition(p.fxp.sim, expected.fxpTarget, `${label}: FXP ${TARGET}`, TARGET);
  await ctx.expectPosition(p.payee, expected.payee, `${label}: payee ${TARGET}`, TARGET);
}

/** The hub's PATCH /fxTransfers/{ID} to the FXP, §14 headers checked, with `state`. */
async function expectFxPatch(ctx: SuiteContext, p: FxParties, fx: FxTransfer, state: string): Promise<void> {
  const patch = await waitFxCallback(ctx, p.fxp.sim, fx.commitRequestId, { type: 'patch', from: ctx.hubName });
  assertHubMessage(patch, {
    hubName: ctx.hubName,
    destination: p.fxp.sim.name,
    method: 'PATCH',
    uri: `/fxTransfers/${fx.commitRequestId}`,
    resource: 'fxTransfers',
    ...ctx.hubFormatFor(p.fxp.sim, 'fxTransfers'),
  });
  assert.equal(conversionStateOf(patch), state, `PATCH to the FXP: ${show(patch.bodyText)}`);
  if (state === 'COMMITTED') {
    const body = patch.body as Record<string, any>;
    const completed = body.completedTimestamp ?? body.TxInfAndSts?.PrcgDt?.DtTm;
    assert.ok(typeof completed === 'string' && Number.isFinite(Date.parse(completed)), `PATCH COMMITTED names its completion: ${show(patch.bodyText)}`);
    assert.equal(body.fulfilment ?? body.TxInfAndSts?.ExctnConf, undefined, 'a PATCH carries no fulfilment');
  }
}

/** A hub-authored error about the conversion at `sim`, with `code`. */
async function expectFxError(ctx: SuiteContext, sim: DfspSimulator, fx: FxTransfer, code: string, description?: RegExp): Promise<void> {
  const err = await waitFxCallback(ctx, sim, fx.commitRequestId, { type: 'error', from: ctx.hubName });
  assert.equal(errorCodeOf(err), code, `error about ${fx.commitRequestId} at ${sim.name}: ${show(err.bodyText)}`);
  if (description) assert.match(err.bodyText, description, `error text at ${sim.name}`);
}

async function happyPath(ctx: SuiteContext, o: { payerDialect?: SimDialect; fxpDialect?: SimDialect; isoPrepare?: boolean } = {}): Promise<void> {
  const p = await fxParties(ctx, o);
  const before = await positions(ctx, p);
  const { transfer, fx } = conversion(ctx, p);
  await convert(ctx, p, fx, o.isoPrepare);
  // The conversion holds the payer's source position; nothing else moves until the dependent transfer commits.
  await expectPositions(ctx, p, { ...before, payer: addDecimal(before.payer, SOURCE_AMOUNT) }, 'after the conversion is fulfilled');
  expectStatus(await ctx.sendPrepare(transfer, { version: '2.0' }), 202, 'POST /transfers (dependent)');
  // An ISO 20022 JSON payer gets the FSPIOP payee's fulfil rendered by the hub.
  const from = p.payer.dialect === 'iso20022-json/2.0' ? ctx.hubName : p.payee.name;
  const put = await ctx.waitTransferCallback(p.payer, transfer.transferId, { type: 'put', from });
  assert.equal(conversionStateOf(put) ?? put.body?.transferState, 'COMMITTED', `dependent transfer committed: ${show(put.bodyText)}`);
  await expectFxPatch(ctx, p, fx, 'COMMITTED');
  await expectPositions(
    ctx,
    p,
    {
      payer: addDecimal(before.payer, SOURCE_AMOUNT),
      fxpSource: subDecimal(before.fxpSource, SOURCE_AMOUNT),
      fxpTarget: addDecimal(before.fxpTarget, TARGET_AMOUNT),
      payee: subDecimal(before.payee, TARGET_AMOUNT),
    },
    'after the dependent transfer committed',
  );
  // GET /fxTransfers, answered by the hub from its record.
  const since = p.payer.mark();
  expectStatus(await getFxTransfer(ctx, p.payer.name, fx.commitRequestId), 202, 'GET /fxTransfers/{ID}');
  const got = await waitFxCallback(ctx, p.payer, fx.commitRequestId, { type: 'put', from: ctx.hubName, since });
  assert.equal(conversionStateOf(got), 'COMMITTED', `GET answer: ${show(got.bodyText)}`);
}

/** The dependent transfer ends without a commit (`end` makes it so): both abort, the FXP gets PATCH ABORTED. */
async function dependentAborts(ctx: SuiteContext, end: 'payee-error' | 'expiry' | 'invalid-fulfilment'): Promise<void> {
  const p = await fxParties(ctx);
  const before = await positions(ctx, p);
  const { transfer, fx } = conversion(ctx, p, end === 'expiry' ? { transferExpiresInMs: 2500 } : {});
  // The payee answers a little later, so the reservation on the FXP can be seen first.
  const delayMs = 1000;
  if (end === 'payee-error')
    p.payee.setBehaviour(transfer.transferId, { kind: 'reject', errorCode: '5100', errorDescription: 'payee refuses (conformance)', delayMs });
  if (end === 'expiry') p.payee.setBehaviour(transfer.transferId, { kind: 'silent' });
  if (end === 'invalid-fulfilment') p.payee.setBehaviour(transfer.transferId, { kind: 'wrongFulfilment', delayMs });
  await convert(ctx, p, fx);
  expectStatus(await ctx.sendPrepare(transfer, { version: '2.0' }), 202, 'POST /transfers (dependent)');
  await ctx.expectPosition(p.fxp.sim, addDecimal(before.fxpTarget, TARGET_AMOUNT), "the dependent transfer reserves the FXP's target position", TARGET);
  const code = end === 'payee-error' ? '5100' : end === 'expiry' ? '3303' : '3100';
  const err = await ctx.waitTransferCallback(p.payer, transfer.transferId, { type: 'error', timeoutMs: ctx.T + 5000 });
  assert.equal(err.body?.errorInformation?.errorCode, code, `payer told why: ${show(err.bodyText)}`);
  await expectFxPatch(ctx, p, fx, 'ABORTED');
  await expectPositions(ctx, p, before, 'both released');
  const since = p.fxp.sim.mark();
  expectStatus(await getFxTransfer(ctx, p.fxp.sim.name, fx.commitRequestId), 202, 'GET /fxTransfers/{ID} by the FXP');
  const got = await waitFxCallback(ctx, p.fxp.sim, fx.commitRequestId, { type: 'put', from: ctx.hubName, since });
  assert.equal(conversionStateOf(got), 'ABORTED', `GET answer: ${show(got.bodyText)}`);
}

/** The FXP does not fulfil (`b`): the conversion aborts, the payer's source reservation is released. */
async function fxpDoesNotFulfil(ctx: SuiteContext, b: FxpBehaviour, expectAtPayer: (fx: FxTransfer, p: FxParties) => Promise<void>): Promise<void> {
  const p = await fxParties(ctx);
  const before = await positions(ctx, p);
  const { fx } = conversion(ctx, p);
  p.fxp.setBehaviour(fx.commitRequestId, b);
  expectStatus(await sendFxPrepare(ctx, fx), 202, 'POST /fxTransfers');
  await expectAtPayer(fx, p);
  await expectPositions(ctx, p, before, 'the conversion released');
}

async function duplicates(ctx: SuiteContext): Promise<void> {
  const p = await fxParties(ctx);
  const { fx } = conversion(ctx, p);
  await convert(ctx, p, fx);
  const since = p.payer.mark();
  expectStatus(await sendFxPrepare(ctx, fx), 202, 'POST /fxTransfers again, same body');
  const state = await waitFxCallback(ctx, p.payer, fx.commitRequestId, { type: 'put', from: ctx.hubName, since });
  assert.equal(conversionStateOf(state), 'RESERVED', `a resend is answered with the state: ${show(state.bodyText)}`);
  expectStatus(await sendFxPrepare(ctx, { ...fx, source: { ...fx.source, amount: '11' } }), 202, 'POST /fxTransfers again, another body');
  const err = await waitFxCallback(ctx, p.payer, fx.commitRequestId, { type: 'error', from: ctx.hubName, since });
  assert.equal(errorCodeOf(err), '3106', show(err.bodyText));
  assert.match(err.bodyText, /originalHash/, `3106 names the original's hash: ${show(err.bodyText)}`);
}

async function refusedDependent(ctx: SuiteContext, kind: 'not-fulfilled' | 'wrong-amount'): Promise<void> {
  const p = await fxParties(ctx, kind === 'not-fulfilled' ? { fxp: { kind: 'silent' } } : {});
  const before = await positions(ctx, p);
  const { transfer, fx } = conversion(ctx, p, kind === 'wrong-amount' ? { targetAmount: '1299' } : {});
  if (kind === 'not-fulfilled') {
    expectStatus(await sendFxPrepare(ctx, fx), 202, 'POST /fxTransfers');
    await p.fxp.sim.waitFor((r) => r.method === 'POST' && r.path === '/fxTransfers', ctx.T, { label: 'conversion at the FXP' });
  } else {
    await convert(ctx, p, fx);
  }
  expectStatus(await ctx.sendPrepare(transfer, { version: '2.0' }), 202, 'POST /transfers (dependent)');
  const err = await ctx.expectHubError(p.payer, transfer.transferId, '3100', {
    description: kind === 'not-fulfilled' ? /Related FX Transfer is not fulfilled/ : /target/,
  });
  assert.ok(err);
  await ctx.expectPosition(p.fxp.sim, before.fxpTarget, 'nothing reserved on the FXP', TARGET);
  await ctx.expectPosition(p.payee, before.payee, 'nothing credited', TARGET);
}

async function ndcOnFxpTarget(ctx: SuiteContext): Promise<void> {
  const p = await fxParties(ctx, { fxpTargetNdc: '1000' });
  const { transfer, fx } = conversion(ctx, p);
  await convert(ctx, p, fx);
  expectStatus(await ctx.sendPrepare(transfer, { version: '2.0' }), 202, 'POST /transfers (dependent)');
  await ctx.expectHubError(p.payer, transfer.transferId, '4200');
}

async function gets(ctx: SuiteContext): Promise<void> {
  const p = await fxParties(ctx);
  const { fx } = conversion(ctx, p);
  await convert(ctx, p, fx);
  const third = await ctx.observer();
  for (const [who, expect] of [
    [p.payer, 'RESERVED'],
    [p.fxp.sim, 'RESERVED'],
  ] as const) {
    const since = who.mark();
    expectStatus(await getFxTransfer(ctx, who.name, fx.commitRequestId), 202, `GET by ${who.name}`);
    const got = await waitFxCallback(ctx, who, fx.commitRequestId, { type: 'put', from: ctx.hubName, since });
    assert.equal(conversionStateOf(got), expect, show(got.bodyText));
  }
  expectStatus(await getFxTransfer(ctx, third.name, fx.commitRequestId), 202, 'GET by a third participant');
  await expectFxError(ctx, third, fx, '3000');
  const unknown = { ...fx, commitRequestId: fx.determiningTransferId };
  expectStatus(await getFxTransfer(ctx, p.payer.name, unknown.commitRequestId), 202, 'GET of an unknown id');
  await expectFxError(ctx, p.payer, unknown, '3208');
}

async function settlementWithFx(ctx: SuiteContext): Promise<void> {
  const s = new SettlementClient(ctx.admin);
  const p = await fxParties(ctx);
  await s.closeOpenWindow('fx-transfers: start from an empty window');
  const window = (await s.openWindow()).settlementWindowId;
  const before = await positions(ctx, p);
  const { transfer, fx } = conversion(ctx, p);
  await convert(ctx, p, fx);
  expectStatus(await ctx.sendPrepare(transfer, { version: '2.0' }), 202, 'POST /transfers (dependent)');
  await expectFxPatch(ctx, p, fx, 'COMMITTED');
  expectAdminStatus(await s.close(window, 'fx-transfers: settle'), 200, `close window ${window}`);
  const content = (await s.window(window)).content ?? [];
  for (const currency of [p.source, TARGET]) {
    assert.ok(
      content.some((c) => c.ledgerAccountType === 'POSITION' && c.currencyId === currency),
      `window content holds ${currency}: ${show(content)}`,
    );
  }
  const created = await s.create('DEFAULTDEFERREDNET', [window], 'fx-transfers: settle');
  expectAdminStatus(created, 200, 'POST /v2/settlements');
  const nets = [...netsOf(created.body as SettlementView).values()];
  for (const [amount, currency] of [
    [SOURCE_AMOUNT, p.source],
    [`-${SOURCE_AMOUNT}`, p.source],
    [TARGET_AMOUNT, TARGET],
    [`-${TARGET_AMOUNT}`, TARGET],
  ] as const) {
    assert.ok(
      nets.some((n) => n.currency === currency && n.amount === normalizeDecimal(amount)),
      `a net of ${amount} ${currency}: ${show(created.rawBody)}`,
    );
  }
  let current = created.body as SettlementView;
  for (const state of ACCOUNT_STEPS) {
    expectAdminStatus(await s.stepAll(current, state, `fx-transfers: ${state}`), 200, `settlement → ${state}`);
    current = await s.settlement(current.id);
  }
  assert.equal(current.state, 'SETTLED', show(current));
  await expectPositions(ctx, p, before, 'positions reset by the settlement, in both currencies');
}

export const fxTransferScenarios: Scenario[] = [
  {
    name: 'fx-transfers: happy path — conversion RESERVED, dependent transfer commits both, PATCH COMMITTED to the FXP, positions in two currencies',
    run: (ctx) => happyPath(ctx),
  },
  { name: 'fx-transfers: an ISO 20022 JSON FXP with an FSPIOP payer', run: (ctx) => happyPath(ctx, { fxpDialect: 'iso20022-json/2.0' }) },
  {
    name: 'fx-transfers: an ISO 20022 JSON payer (pacs.009) with an FSPIOP FXP',
    run: (ctx) => happyPath(ctx, { payerDialect: 'iso20022-json/2.0', isoPrepare: true }),
  },
  { name: 'fx-transfers: the payee refuses the dependent transfer — both abort, PATCH ABORTED to the FXP', run: (ctx) => dependentAborts(ctx, 'payee-error') },
  {
    name: 'fx-transfers: the payee fulfils the dependent transfer wrongly — both abort, PATCH ABORTED to the FXP',
    run: (ctx) => dependentAborts(ctx, 'invalid-fulfilment'),
  },
  {
    name: 'fx-transfers: the dependent transfer expires — both abort (3303), PATCH ABORTED to the FXP',
    slow: true,
    run: (ctx) => dependentAborts(ctx, 'expiry'),
  },
  {
    name: 'fx-transfers: the FXP refuses (PUT /error) — forwarded to the payer, its source reservation released',
    run: (ctx) =>
      fxpDoesNotFulfil(ctx, { kind: 'reject', errorCode: '5200', errorDescription: 'no rate' }, async (fx, p) => {
        const err = await waitFxCallback(ctx, p.payer, fx.commitRequestId, { type: 'error', from: p.fxp.sim.name });
        assert.equal(errorCodeOf(err), '5200', show(err.bodyText));
      }),
  },
  {
    name: "fx-transfers: the FXP's fulfilment is not the condition's preimage — 3100 to payer and FXP, released",
    run: (ctx) =>
      fxpDoesNotFulfil(ctx, { kind: 'wrongFulfilment' }, async (fx, p) => {
        await expectFxError(ctx, p.payer, fx, '3100', /fulfilment/);
        await expectFxError(ctx, p.fxp.sim, fx, '3100', /fulfilment/);
      }),
  },
  {
    name: 'fx-transfers: the FXP answers ABORTED — forwarded to the payer, released',
    run: (ctx) =>
      fxpDoesNotFulfil(ctx, { kind: 'aborted' }, async (fx, p) => {
        const put = await waitFxCallback(ctx, p.payer, fx.commitRequestId, { type: 'put', from: p.fxp.sim.name });
        assert.equal(conversionStateOf(put), 'ABORTED', show(put.bodyText));
      }),
  },
  {
    name: 'fx-transfers: a conversion fulfilled and never used expires — 3303 to the payer, PATCH ABORTED to the FXP',
    slow: true,
    run: async (ctx) => {
      const p = await fxParties(ctx);
      const before = await positions(ctx, p);
      const { fx } = conversion(ctx, p, { fxExpiresInMs: 2500 });
      await convert(ctx, p, fx);
      await expectFxError(ctx, p.payer, fx, '3303');
      await expectFxPatch(ctx, p, fx, 'ABORTED');
      await expectPositions(ctx, p, before, 'released at expiry');
    },
  },
  { name: 'fx-transfers: a duplicate conversion — same body: the state; another body: 3106 with originalHash', run: duplicates },
  {
    name: 'fx-transfers: a dependent transfer before its conversion is fulfilled — 3100 Related FX Transfer is not fulfilled',
    run: (ctx) => refusedDependent(ctx, 'not-fulfilled'),
  },
  { name: "fx-transfers: a dependent transfer for another amount than the conversion's target — 3100", run: (ctx) => refusedDependent(ctx, 'wrong-amount') },
  {
    name: "fx-transfers: the payer's net debit cap in the source currency — 4200 to the payer",
    run: async (ctx) => {
      const p = await fxParties(ctx, { payerNdc: '5' });
      const { fx } = conversion(ctx, p);
      expectStatus(await sendFxPrepare(ctx, fx), 202, 'POST /fxTransfers');
      await expectFxError(ctx, p.payer, fx, '4200');
      ctx.assertNone(p.fxp.sim, (r) => r.path.startsWith('/fxTransfers'), 'a refused conversion');
    },
  },
  { name: "fx-transfers: the FXP's net debit cap in the target currency — the dependent transfer gets 4200", run: ndcOnFxpTarget },
  { name: 'fx-transfers: GET /fxTransfers/{ID} — payer and FXP get the state, others 3000, unknown ids 3208', run: gets },
  {
    name: 'fx-transfers: FX resources are v2.0 only — POST /fxTransfers with version 1.1 is 406/3001',
    run: async (ctx) => {
      const p = await fxParties(ctx);
      const { fx } = conversion(ctx, p);
      const res = await ctx.send({ method: 'POST', path: '/fxTransfers', version: '1.1', source: fx.initiatingFsp, destination: fx.counterPartyFsp, body: {} });
      expectStatus(res, 406, 'POST /fxTransfers v1.1');
      assert.equal(res.body?.errorInformation?.errorCode, '3001', show(res.rawBody));
    },
  },
  {
    name: 'fx-transfers: settlement of a window with a conversion — content and nets in both currencies, positions reset',
    exclusive: true,
    run: settlementWithFx,
  },
];
