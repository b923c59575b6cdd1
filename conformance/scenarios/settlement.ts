// Settlement over the wire, as the Mojaloop testing toolkit's settlement collections drive it (admin.md §4,
// settlement.md): close the window → create a settlement → four PUTs to SETTLED, asserting states, net amounts,
// positions back to their pre-transfer values and SETTLEMENT balances unchanged until finalisation; a multilateral
// net model, a bilateral net model, two currencies in one window, continuous gross settlement (CGS), and the
// negative cases with the contract's codes and texts.
//
// Settlement moves every position in the windows it settles, so these scenarios are `exclusive`: the runner starts
// them once every other scenario has finished, one at a time.
import assert from 'node:assert/strict';
import { addCurrency, type AdminClient } from '../lib/admin.js';
import { expectStatus as expectFspiopStatus } from '../lib/checks.js';
import type { SuiteContext } from '../lib/context.js';
import { addDecimal, decimalEquals, negateDecimal, normalizeDecimal, subDecimal } from '../lib/decimal.js';
import type { DfspSimulator } from '../lib/dfsp.js';
import type { Scenario } from '../lib/scenario.js';
import { ACCOUNT_STEPS, SettlementClient, accountIn, netsOf, type SettlementView } from '../lib/settlement.js';
import { bankSettlementScenario } from './dialects.js';
import { show } from '../lib/util.js';
import type { TransactionObject } from '../lib/ilp.js';

const REASON = 'conformance';
/** A bilateral net model for a second currency, created by the scenarios if the hub has none of that name. */
const BILATERAL_CURRENCY = 'EUR';
const BILATERAL_MODEL = 'DEFERREDNETBILATERALEUR';
const CGS_CURRENCY = 'INR';
const CGS_MODEL = 'CGSINR';
const CGS_MODEL_BODY = {
  name: CGS_MODEL,
  settlementGranularity: 'GROSS',
  settlementInterchange: 'BILATERAL',
  settlementDelay: 'IMMEDIATE',
  currency: CGS_CURRENCY,
  requireLiquidityCheck: true,
  ledgerAccountType: 'POSITION',
  autoPositionReset: false,
  settlementAccountType: 'SETTLEMENT',
};
/** The testing toolkit's hub setup: interchange fees in INR settled deferred, multilateral net (settlement.md §1). */
const FEE_CURRENCY = CGS_CURRENCY;
const FEE_MODEL_BODY = {
  name: 'INTERCHANGEFEE',
  settlementGranularity: 'NET',
  settlementInterchange: 'MULTILATERAL',
  settlementDelay: 'DEFERRED',
  currency: FEE_CURRENCY,
  requireLiquidityCheck: false,
  ledgerAccountType: 'INTERCHANGE_FEE',
  autoPositionReset: true,
  settlementAccountType: 'INTERCHANGE_FEE_SETTLEMENT',
};
const FEE_RULE_PREFIX = 'conformance-p2p-wallet-';

interface Balances {
  position: string;
  settlement: string;
}

async function balances(admin: AdminClient, name: string, currency: string): Promise<Balances> {
  const accounts = await admin.getAccounts(name);
  const of = (type: string) => accounts.find((a) => a.ledgerAccountType === type && a.currency === currency);
  const position = of('POSITION');
  const settlement = of('SETTLEMENT');
  assert.ok(position && settlement, `${name} has POSITION and SETTLEMENT accounts in ${currency}: ${show(accounts)}`);
  return { position: normalizeDecimal(position.value as string | number), settlement: normalizeDecimal(settlement.value as string | number) };
}

async function positionAccountId(admin: AdminClient, name: string, currency: string): Promise<number> {
  return Number((await admin.getAccount(name, 'POSITION', currency)).id);
}

async function hubSettlementBalance(admin: AdminClient, hubName: string, currency: string): Promise<string> {
  const a = await admin.getAccount(hubName, 'HUB_MULTILATERAL_SETTLEMENT', currency);
  return normalizeDecimal(a.value as string | number);
}

/**
 * A committed transfer payer → payee (the payee fulfils, or answers RESERVED in v1.1 and the hub commits); `edit`
 * changes the transaction object the ILP packet carries.
 */
async function pay(
  ctx: SuiteContext,
  payer: DfspSimulator,
  payee: DfspSimulator,
  amount: string,
  currency: string,
  reserved = false,
  edit?: (tx: TransactionObject) => void,
): Promise<string> {
  const t = ctx.newTransfer({ payer, payee, amount, currency, ...(edit ? { editTransaction: edit } : {}) });
  if (reserved) payee.setBehaviour(t.transferId, { kind: 'reserved', version: '1.1' });
  expectFspiopStatus(await ctx.sendPrepare(t), 202, `POST /transfers ${payer.name} → ${payee.name} ${amount} ${currency}`);
  const put = await ctx.waitTransferCallback(payer, t.transferId, { type: 'put', label: `commit of ${t.transferId}` });
  assert.equal(put.body?.transferState, 'COMMITTED', `transfer ${t.transferId}: ${show(put.bodyText)}`);
  return t.transferId;
}

/** DFSPs holding `currency` (created in the suite's default currency first when it differs). */
async function dfsps(ctx: SuiteContext, n: number, currency: string, o: { fundsIn?: string; ndc?: string } = {}): Promise<DfspSimulator[]> {
  const sims = await Promise.all(Array.from({ length: n }, () => ctx.newDfsp({ prefix: 'stl', ...(o.ndc ? { ndc: o.ndc } : {}) })));
  if (currency !== ctx.currency) {
    await Promise.all(
      sims.map((s) =>
        addCurrency(ctx.admin, s.name, currency, { hubName: ctx.hubName, fundsIn: o.fundsIn ?? '100000', ndc: o.ndc ?? '1000000', timeoutMs: ctx.T }),
      ),
    );
  }
  return sims;
}

async function ensureModel(admin: AdminClient, model: Record<string, unknown>): Promise<void> {
  const r = await admin.call('POST', '/settlementModels', model);
  if (r.status === 201) return;
  assert.match(r.body?.errorInformation?.errorDescription ?? '', /already exists/i, `POST /settlementModels ${model['name']}: ${r.status} ${show(r.rawBody)}`);
}

/** Closes the current window (if it holds anything) so the next transfers land in a window of their own. */
async function freshWindow(s: SettlementClient): Promise<number> {
  await s.closeOpenWindow(`${REASON}: start from an empty window`);
  return (await s.openWindow()).settlementWindowId;
}

/** Closes `id`; the answer is the newly opened window, and the closed one is settleable at once (not PROCESSING). */
async function closeWindow(s: SettlementClient, id: number): Promise<void> {
  const r = await s.close(id, REASON);
  expectStatus(r, 200, `POST /v2/settlementWindows/${id} CLOSED`);
  assert.equal(r.body?.state, 'OPEN', `the close answers with the newly opened window: ${show(r.rawBody)}`);
  assert.notEqual(r.body?.settlementWindowId, id, 'a new window is open');
  const closed = await s.window(id);
  assert.equal(closed.state, 'CLOSED', `window ${id} is CLOSED straight after the close (settleable at once, Mojaloop #2105): ${show(closed)}`);
}

/** Walks every account of `s` through the four steps; after each the aggregate and window states are checked. */
async function settleAll(s: SettlementClient, st: SettlementView, onStep: (state: string, after: SettlementView) => Promise<void>): Promise<SettlementView> {
  const aggregate: Record<string, string> = {
    PS_TRANSFERS_RECORDED: 'PS_TRANSFERS_RECORDED',
    PS_TRANSFERS_RESERVED: 'PS_TRANSFERS_RESERVED',
    PS_TRANSFERS_COMMITTED: 'PS_TRANSFERS_COMMITTED',
    SETTLED: 'SETTLED',
  };
  let current = st;
  for (const state of ACCOUNT_STEPS) {
    const r = await s.stepAll(current, state, `${REASON}: ${state}`);
    expectStatus(r, 200, `PUT /v2/settlements/${st.id} → ${state}`);
    for (const p of (r.body?.participants ?? []) as SettlementView['participants']) {
      for (const a of p.accounts) assert.equal(a.errorInformation, undefined, `account ${a.id} → ${state}: ${show(a)}`);
    }
    current = await s.settlement(st.id);
    assert.equal(current.state, aggregate[state], `settlement ${st.id} state after ${state}: ${show(current)}`);
    for (const w of current.settlementWindows) {
      assert.equal(w.state, state === 'SETTLED' ? 'SETTLED' : 'PENDING_SETTLEMENT', `window ${w.id} after ${state}`);
    }
    await onStep(state, current);
  }
  return current;
}

// ---- multilateral net ------------------------------------------------------------------------------------------

async function multilateral(ctx: SuiteContext): Promise<void> {
  const s = new SettlementClient(ctx.admin);
  const currency = ctx.currency;
  const [a, b, c] = (await dfsps(ctx, 3, currency)) as [DfspSimulator, DfspSimulator, DfspSimulator];
  const window = await freshWindow(s);
  const before = new Map(await Promise.all([a, b, c].map(async (d) => [d.name, await balances(ctx.admin, d.name, currency)] as const)));
  const hubBefore = await hubSettlementBalance(ctx.admin, ctx.hubName, currency);
  await pay(ctx, a, b, '100', currency);
  await pay(ctx, b, c, '30', currency);
  await pay(ctx, c, a, '10', currency, true); // v1.1 RESERVED notification: the hub commits; it lands in the window too
  await closeWindow(s, window);
  const content = (await s.window(window)).content ?? [];
  assert.ok(
    content.some((x) => x.ledgerAccountType === 'POSITION' && x.currencyId === currency && x.state === 'CLOSED'),
    `window content: ${show(content)}`,
  );

  const created = await s.create('DEFAULTDEFERREDNET', [window], REASON);
  expectStatus(created, 200, 'POST /v2/settlements');
  const st = created.body as SettlementView;
  assert.equal(st.state, 'PENDING_SETTLEMENT', show(st));
  assert.deepEqual(
    st.settlementWindows.map((w) => [w.id, w.state]),
    [[window, 'PENDING_SETTLEMENT']],
  );
  const ids = {
    a: await positionAccountId(ctx.admin, a.name, currency),
    b: await positionAccountId(ctx.admin, b.name, currency),
    c: await positionAccountId(ctx.admin, c.name, currency),
  };
  const nets = netsOf(st);
  assert.deepEqual(
    [nets.get(ids.a)?.amount, nets.get(ids.b)?.amount, nets.get(ids.c)?.amount],
    ['90', '-70', '-20'],
    `net settlement amounts (positive = owes): ${show(st.participants)}`,
  );
  const total = [...nets.values()].filter((n) => n.currency === currency).reduce((sum, n) => addDecimal(sum, n.amount), '0');
  assert.ok(decimalEquals(total, '0'), `per currency the multilateral nets sum to zero, got ${total}`);

  await settleAll(s, st, async (state) => {
    for (const d of [a, b, c]) {
      const now = await balances(ctx.admin, d.name, currency);
      assert.equal(now.settlement, before.get(d.name)!.settlement, `${d.name} SETTLEMENT balance unchanged during settlement (${state})`);
    }
    if (state === 'PS_TRANSFERS_RESERVED') {
      // net recipients are reset when reserved, net senders when committed (settlement.md §3)
      for (const d of [b, c])
        assert.equal((await balances(ctx.admin, d.name, currency)).position, before.get(d.name)!.position, `${d.name} (net recipient) reset at RESERVED`);
      assert.equal(
        (await balances(ctx.admin, a.name, currency)).position,
        addDecimal(before.get(a.name)!.position, '90'),
        `${a.name} (net sender) not yet reset at RESERVED`,
      );
    }
    if (state === 'PS_TRANSFERS_COMMITTED') {
      for (const d of [a, b, c])
        assert.equal((await balances(ctx.admin, d.name, currency)).position, before.get(d.name)!.position, `${d.name} position back to its pre-transfer value`);
    }
  });
  assert.equal(await hubSettlementBalance(ctx.admin, ctx.hubName, currency), hubBefore, 'HUB_MULTILATERAL_SETTLEMENT back where it started');
  assert.equal((await s.window(window)).state, 'SETTLED');

  // Idempotent: the same step again changes nothing and says so (the account keeps SETTLED, no error).
  const again = await s.stepAll(await s.settlement(st.id), 'SETTLED', `${REASON}: again`);
  expectStatus(again, 200, 'the same PUT again');
  assert.equal((await s.settlement(st.id)).state, 'SETTLED');

  // Finalisation (finance portal): the operator records the real bank movements as funds in / funds out.
  const aSettlement = await ctx.admin.getAccount(a.name, 'SETTLEMENT', currency);
  const ref = await ctx.admin.call('POST', `/participants/${a.name}/accounts/${aSettlement.id}`, {
    transferId: cryptoRandomUuid(),
    externalReference: `settlement ${st.id}`,
    action: 'recordFundsOutPrepareReserve',
    reason: `settlement ${st.id}: net sender pays 90`,
    amount: { amount: '90', currency },
  });
  assert.ok(ref.status === 202 || ref.status === 200, `funds out reserve for the net sender: ${ref.status} ${show(ref.rawBody)}`);
}

/** An Admin/settlement API answer must have this status. */
function expectStatus(r: { status: number; rawBody?: string }, status: number, what: string): void {
  assert.equal(r.status, status, `${what}: expected HTTP ${status}, got ${r.status} ${show(r.rawBody)}`);
}

function cryptoRandomUuid(): string {
  return globalThis.crypto.randomUUID();
}

// ---- bilateral net, and two currencies in one window ------------------------------------------------------------

async function twoCurrencies(ctx: SuiteContext): Promise<void> {
  const s = new SettlementClient(ctx.admin);
  await ensureModel(ctx.admin, {
    name: BILATERAL_MODEL,
    settlementGranularity: 'NET',
    settlementInterchange: 'BILATERAL',
    settlementDelay: 'DEFERRED',
    currency: BILATERAL_CURRENCY,
    requireLiquidityCheck: false,
    ledgerAccountType: 'POSITION',
    autoPositionReset: true,
    settlementAccountType: 'SETTLEMENT',
  });
  const [a, b] = (await dfsps(ctx, 2, BILATERAL_CURRENCY)) as [DfspSimulator, DfspSimulator];
  const window = await freshWindow(s);
  const eurBefore = [await balances(ctx.admin, a.name, BILATERAL_CURRENCY), await balances(ctx.admin, b.name, BILATERAL_CURRENCY)];
  const usdBefore = [await balances(ctx.admin, a.name, ctx.currency), await balances(ctx.admin, b.name, ctx.currency)];
  await pay(ctx, a, b, '40', BILATERAL_CURRENCY);
  await pay(ctx, b, a, '15', BILATERAL_CURRENCY);
  await pay(ctx, a, b, '7', ctx.currency);
  await closeWindow(s, window);
  const content = (await s.window(window)).content ?? [];
  for (const currency of [ctx.currency, BILATERAL_CURRENCY]) {
    assert.ok(
      content.some((x) => x.ledgerAccountType === 'POSITION' && x.currencyId === currency),
      `window content has ${currency}: ${show(content)}`,
    );
  }
  // EUR under its bilateral model: the window is not SETTLED while its USD content is not.
  const eur = await s.create(BILATERAL_MODEL, [window], REASON);
  expectStatus(eur, 200, `POST /v2/settlements (${BILATERAL_MODEL})`);
  const eurNets = netsOf(eur.body as SettlementView);
  const aEur = await positionAccountId(ctx.admin, a.name, BILATERAL_CURRENCY);
  const bEur = await positionAccountId(ctx.admin, b.name, BILATERAL_CURRENCY);
  assert.deepEqual([eurNets.get(aEur)?.amount, eurNets.get(bEur)?.amount], ['25', '-25'], `EUR nets: ${show(eur.rawBody)}`);
  assert.ok(
    [...eurNets.values()].every((n) => n.currency === BILATERAL_CURRENCY),
    'a currency model settles only its currency',
  );
  const eurDone = await settleAll(s, eur.body as SettlementView, async () => undefined);
  assert.equal(eurDone.state, 'SETTLED');
  assert.notEqual((await s.window(window)).state, 'SETTLED', 'the window keeps unsettled USD content');
  // USD under the default multilateral model.
  const usd = await s.create('DEFAULTDEFERREDNET', [window], REASON);
  expectStatus(usd, 200, 'POST /v2/settlements (DEFAULTDEFERREDNET) over the same window');
  const usdNets = netsOf(usd.body as SettlementView);
  assert.ok(
    [...usdNets.values()].every((n) => n.currency === ctx.currency),
    `the default model settles what has no model of its own: ${show(usd.rawBody)}`,
  );
  await settleAll(s, usd.body as SettlementView, async () => undefined);
  assert.equal((await s.window(window)).state, 'SETTLED', 'all content settled: the window is SETTLED');
  for (const [i, d] of [a, b].entries()) {
    assert.deepEqual(await balances(ctx.admin, d.name, BILATERAL_CURRENCY), eurBefore[i], `${d.name} EUR balances back`);
    assert.deepEqual(await balances(ctx.admin, d.name, ctx.currency), usdBefore[i], `${d.name} USD balances back`);
  }
}

// ---- continuous gross settlement ---------------------------------------------------------------------------------

async function cgs(ctx: SuiteContext): Promise<void> {
  const s = new SettlementClient(ctx.admin);
  await ensureModel(ctx.admin, CGS_MODEL_BODY);
  const [a, b] = (await dfsps(ctx, 2, CGS_CURRENCY, { fundsIn: '500' })) as [DfspSimulator, DfspSimulator];
  const window = await freshWindow(s);
  const before = [await balances(ctx.admin, a.name, CGS_CURRENCY), await balances(ctx.admin, b.name, CGS_CURRENCY)];
  await pay(ctx, a, b, '120', CGS_CURRENCY);
  // settled at commit: positions back where they were, the SETTLEMENT balances moved by the amount
  const after = [await balances(ctx.admin, a.name, CGS_CURRENCY), await balances(ctx.admin, b.name, CGS_CURRENCY)];
  assert.equal(after[0]!.position, before[0]!.position, 'payer position after a CGS commit');
  assert.equal(after[1]!.position, before[1]!.position, 'payee position after a CGS commit');
  assert.equal(after[0]!.settlement, addDecimal(before[0]!.settlement, '120'), 'payer SETTLEMENT funds the transfer (less liquidity)');
  assert.equal(after[1]!.settlement, subDecimal(before[1]!.settlement, '120'), 'payee SETTLEMENT receives it');
  // prefunded: the payer's liquidity (500 − 120 = 380) does not cover 400
  const t = ctx.newTransfer({ payer: a, payee: b, amount: '400', currency: CGS_CURRENCY });
  expectFspiopStatus(await ctx.sendPrepare(t), 202, 'POST /transfers beyond the payer liquidity');
  const err = await ctx.waitTransferCallback(a, t.transferId, { type: 'error', label: 'liquidity error' });
  assert.equal(err.body?.errorInformation?.errorCode, '4001', show(err.bodyText));
  // CGS transfers are not window content, and a gross model cannot make a deferred settlement
  await pay(ctx, b, a, '1', ctx.currency); // something in the window so it can be closed
  await closeWindow(s, window);
  const content = (await s.window(window)).content ?? [];
  assert.ok(!content.some((x) => x.currencyId === CGS_CURRENCY), `no ${CGS_CURRENCY} content in the window: ${show(content)}`);
  const refused = await s.create(CGS_MODEL, [window], REASON);
  expectError(refused, 400, '3100', /Settlement can not be created for GROSS or IMMEDIATE models/);
  void negateDecimal;
}

// ---- interchange fees ------------------------------------------------------------------------------------------------

/** Both parties carry the extension `accountType=Wallet` (what Mojaloop's interchange fee script looks for). */
function wallets(tx: TransactionObject): void {
  for (const party of [tx.payer, tx.payee]) party.partyIdInfo.extensionList = { extension: [{ key: 'accountType', value: 'Wallet' }] };
}

async function feeBalance(admin: AdminClient, name: string): Promise<string> {
  return normalizeDecimal((await admin.getAccount(name, 'INTERCHANGE_FEE', FEE_CURRENCY)).value as string | number);
}

/** The active model that settles INTERCHANGE_FEE in the fee currency (its own, else a default), after making sure one exists. */
async function feeModelName(admin: AdminClient): Promise<string> {
  const made = await admin.call('POST', '/settlementModels', FEE_MODEL_BODY);
  if (made.status !== 201) {
    assert.match(
      made.body?.errorInformation?.errorDescription ?? '',
      /already exists|already covers/i,
      `POST /settlementModels: ${made.status} ${show(made.rawBody)}`,
    );
  }
  const models = (await admin.call('GET', '/settlementModels')).body as Array<{
    name: string;
    isActive: boolean;
    currency: string | null;
    ledgerAccountTypeId: string;
  }>;
  const fee = models.filter((m) => m.isActive && m.ledgerAccountTypeId === 'INTERCHANGE_FEE');
  const model = fee.find((m) => m.currency === FEE_CURRENCY) ?? fee.find((m) => m.currency === null);
  assert.ok(model, `an active INTERCHANGE_FEE settlement model for ${FEE_CURRENCY}: ${show(models)}`);
  return model.name;
}

/** Mojaloop's rule as a Mizani rule: P2P wallet-to-wallet in INR, 60 basis points (0.6 %), the payer DFSP pays. */
async function createFeeRule(admin: AdminClient): Promise<number> {
  const active = (await admin.call('GET', `/interchangeFeeRules?currency=${FEE_CURRENCY}&isActive=true`)).body as Array<{
    interchangeFeeRuleId: number;
    name: string;
  }>;
  for (const left of active.filter((r) => r.name.startsWith(FEE_RULE_PREFIX))) {
    expectStatus(
      await admin.call('PUT', `/interchangeFeeRules/${left.interchangeFeeRuleId}`, { isActive: false }),
      200,
      `deactivate ${left.name}, left by an earlier run`,
    );
  }
  const rule = {
    name: `${FEE_RULE_PREFIX}${Date.now()}`,
    currency: FEE_CURRENCY,
    match: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER', payerAccountType: 'Wallet', payeeAccountType: 'Wallet' },
    fee: { basisPoints: '60', rounding: 'HALF_EVEN' },
    paidBy: 'PAYER_FSP',
  };
  expectError(
    await admin.call('POST', '/interchangeFeeRules', { ...rule, fee: { basisPoints: 'x' } }),
    400,
    '3101',
    /basisPoints must be a non-negative decimal/,
  );
  expectError(await admin.call('POST', '/interchangeFeeRules', { ...rule, fee: {} }), 400, '3102', /basisPoints' or 'fixedAmount'/);
  expectError(await admin.call('POST', '/interchangeFeeRules', { ...rule, fee: { basisPoints: 60, fixedAmount: 1 } }), 400, '3100', /exactly one of/);
  const created = await admin.call('POST', '/interchangeFeeRules', rule);
  expectStatus(created, 201, 'POST /interchangeFeeRules');
  const view = created.body;
  assert.deepEqual(
    [
      view?.currency,
      view?.isActive,
      view?.paidBy,
      view?.ledgerAccountType,
      view?.fee?.rounding,
      view?.fee?.minorUnits,
      normalizeDecimal(view?.fee?.basisPoints),
    ],
    [FEE_CURRENCY, true, 'PAYER_FSP', 'INTERCHANGE_FEE', 'HALF_EVEN', 2, '60'],
    `the rule as created: ${show(created.rawBody)}`,
  );
  expectError(await admin.call('POST', '/interchangeFeeRules', { ...rule, name: `${rule.name}-again` }), 400, '3100', /overlaps active INR rule/);
  return view.interchangeFeeRuleId as number;
}

/**
 * settlement.md §5: a P2P wallet-to-wallet transfer owes 0.6 % (rounded half-even to the currency's minor unit) from
 * the payer DFSP to the payee DFSP, booked at commit on their INTERCHANGE_FEE accounts, window content
 * (INTERCHANGE_FEE, INR), settled under the INTERCHANGEFEE model back to zero. INR positions settle gross at commit
 * (the testing toolkit's CGS), so the window holds the fees only.
 */
async function interchangeFees(ctx: SuiteContext): Promise<void> {
  const s = new SettlementClient(ctx.admin);
  await ensureModel(ctx.admin, CGS_MODEL_BODY);
  const model = await feeModelName(ctx.admin);
  const [a, b] = (await dfsps(ctx, 2, FEE_CURRENCY, { fundsIn: '1000' })) as [DfspSimulator, DfspSimulator];
  const ruleId = await createFeeRule(ctx.admin);
  try {
    const window = await freshWindow(s);
    const before = {
      a: await feeBalance(ctx.admin, a.name),
      b: await feeBalance(ctx.admin, b.name),
      aLiquidity: (await balances(ctx.admin, a.name, FEE_CURRENCY)).settlement,
    };
    const hubBefore = await hubSettlementBalance(ctx.admin, ctx.hubName, FEE_CURRENCY);
    await pay(ctx, a, b, '100.25', FEE_CURRENCY, false, wallets); // 0.6015 → 0.60
    await pay(ctx, a, b, '7.5', FEE_CURRENCY, false, wallets); // 0.045 → 0.04: a tie, to the even cent (half-up would say 0.05)
    await pay(ctx, b, a, '50', FEE_CURRENCY, false, wallets); // 0.30, b pays
    await pay(ctx, a, b, '10', FEE_CURRENCY); // no accountType extensions: no fee
    assert.equal(await feeBalance(ctx.admin, a.name), addDecimal(before.a, '0.34'), `${a.name} INTERCHANGE_FEE: 0.60 + 0.04 − 0.30 owed`);
    assert.equal(await feeBalance(ctx.admin, b.name), subDecimal(before.b, '0.34'), `${b.name} INTERCHANGE_FEE: owed 0.34`);
    assert.equal(
      (await balances(ctx.admin, a.name, FEE_CURRENCY)).settlement,
      addDecimal(before.aLiquidity, '67.75'),
      'CGS moved the SETTLEMENT account by the transfers only (100.25 + 7.5 − 50 + 10); the fees are not liquidity',
    );

    await closeWindow(s, window);
    const content = (await s.window(window)).content ?? [];
    assert.ok(
      content.some((x) => x.ledgerAccountType === 'INTERCHANGE_FEE' && x.currencyId === FEE_CURRENCY && x.state === 'CLOSED'),
      `window content (INTERCHANGE_FEE, ${FEE_CURRENCY}): ${show(content)}`,
    );
    assert.ok(!content.some((x) => x.ledgerAccountType === 'POSITION' && x.currencyId === FEE_CURRENCY), `no POSITION content: CGS settled at commit`);
    const created = await s.create(model, [window], REASON);
    expectStatus(created, 200, `POST /v2/settlements (${model})`);
    const ids = {
      a: Number((await ctx.admin.getAccount(a.name, 'INTERCHANGE_FEE', FEE_CURRENCY)).id),
      b: Number((await ctx.admin.getAccount(b.name, 'INTERCHANGE_FEE', FEE_CURRENCY)).id),
    };
    const nets = netsOf(created.body as SettlementView);
    assert.deepEqual([nets.get(ids.a)?.amount, nets.get(ids.b)?.amount], ['0.34', '-0.34'], `interchange fee nets: ${show(created.rawBody)}`);

    await settleAll(s, created.body as SettlementView, async (state) => {
      if (state === 'PS_TRANSFERS_RESERVED') assert.equal(await feeBalance(ctx.admin, b.name), before.b, `${b.name} (net recipient) reset at RESERVED`);
      if (state === 'PS_TRANSFERS_COMMITTED') assert.equal(await feeBalance(ctx.admin, a.name), before.a, `${a.name} (net sender) reset at COMMITTED`);
    });
    assert.deepEqual([await feeBalance(ctx.admin, a.name), await feeBalance(ctx.admin, b.name)], [before.a, before.b], 'INTERCHANGE_FEE accounts back');
    assert.equal(await hubSettlementBalance(ctx.admin, ctx.hubName, FEE_CURRENCY), hubBefore, 'HUB_MULTILATERAL_SETTLEMENT back where it started');
  } finally {
    await ctx.admin.call('PUT', `/interchangeFeeRules/${ruleId}`, { isActive: false });
  }
}

// ---- negative cases ------------------------------------------------------------------------------------------------

function expectError(r: { status: number; body: any; rawBody: string }, status: number, code: string, text: RegExp): void {
  assert.equal(r.status, status, `expected ${status}/${code}, got ${r.status} ${show(r.rawBody)}`);
  assert.equal(r.body?.errorInformation?.errorCode, code, show(r.rawBody));
  assert.match(r.body?.errorInformation?.errorDescription ?? '', text, show(r.rawBody));
}

async function windowErrors(ctx: SuiteContext): Promise<void> {
  const s = new SettlementClient(ctx.admin);
  expectError(await s.windows({}), 400, '3100', /Use at least one parameter: participantId, state, fromDateTime, toDateTime, currency/);
  expectError(await s.close(2_000_000_000, REASON), 400, '3100', /Window 2000000000 does not exist/);
  const open = await freshWindow(s);
  expectError(await s.close(open, REASON), 400, '3100', new RegExp(`Window ${open} is empty`));
  const [a, b] = (await dfsps(ctx, 2, ctx.currency)) as [DfspSimulator, DfspSimulator];
  await pay(ctx, a, b, '5', ctx.currency);
  expectError(await s.create('DEFAULTDEFERREDNET', [open], REASON), 400, '3100', new RegExp(`Inapplicable windows ${open}`));
  await closeWindow(s, open);
  expectError(await s.close(open, REASON), 400, '3100', new RegExp(`Window ${open} is not open`));
  expectError(await s.create('NOSUCHMODEL', [open], REASON), 400, '3100', /Settlement model not found: NOSUCHMODEL/);
  const byState = await s.windows({ state: 'CLOSED' });
  expectStatus(byState, 200, 'GET /v2/settlementWindows?state=CLOSED');
  assert.ok(
    (byState.body as Array<{ settlementWindowId: number }>).some((w) => w.settlementWindowId === open),
    'the closed window is listed by its state',
  );
  // settle it so the next scenario starts clean
  const st = await s.create('DEFAULTDEFERREDNET', [open], REASON);
  expectStatus(st, 200, 'POST /v2/settlements');
  await settleAll(s, st.body as SettlementView, async () => undefined);
}

async function settlementErrors(ctx: SuiteContext): Promise<void> {
  const s = new SettlementClient(ctx.admin);
  const window = await freshWindow(s);
  const [a, b] = (await dfsps(ctx, 2, ctx.currency)) as [DfspSimulator, DfspSimulator];
  const before = [await balances(ctx.admin, a.name, ctx.currency), await balances(ctx.admin, b.name, ctx.currency)];
  await pay(ctx, a, b, '12', ctx.currency);
  await closeWindow(s, window);
  const created = await s.create('DEFAULTDEFERREDNET', [window], REASON);
  expectStatus(created, 200, 'POST /v2/settlements');
  const st = created.body as SettlementView;
  expectError(await ctx.admin.call('GET', '/v2/settlements/2000000000'), 400, '3100', /Settlement with ID '2000000000' not found/);
  // PUT body rules
  expectError(
    await s.put(st.id, { participants: [], state: 'ABORTED', reason: 'x' }),
    400,
    '3100',
    /No other properties are allowed when participants is provided/,
  );
  expectError(await s.put(st.id, { state: 'ABORTED' }), 400, '3102', /State and reason are mandatory/);
  // an illegal move (skipping RECORDED) is refused per account
  const aAccount = await positionAccountId(ctx.admin, a.name, ctx.currency);
  const skip = await s.stepAll(st, 'PS_TRANSFERS_RESERVED', REASON);
  expectStatus(skip, 200, 'PUT with an illegal step');
  const refusedAccount = accountIn(skip.body as SettlementView, aAccount);
  assert.equal(refusedAccount?.errorInformation?.errorCode, '3000', `per-account refusal: ${show(skip.rawBody)}`);
  assert.match(refusedAccount?.errorInformation?.errorDescription ?? '', /State change not allowed/);
  // an unknown account is refused per account too
  const unknown = await s.put(st.id, {
    participants: [{ id: st.participants[0]!.id, accounts: [{ id: 2_000_000_000, state: 'PS_TRANSFERS_RECORDED', reason: REASON }] }],
  });
  expectStatus(unknown, 200, 'PUT naming an unknown account');
  assert.match(JSON.stringify(unknown.body), /Account not found/, show(unknown.rawBody));
  // abort from RECORDED is allowed; the window goes back to ABORTED and can be settled again
  expectStatus(await s.stepAll(st, 'PS_TRANSFERS_RECORDED', REASON), 200, 'PUT RECORDED');
  const aborted = await s.put(st.id, { state: 'ABORTED', reason: `${REASON}: abort` });
  expectStatus(aborted, 200, 'PUT ABORTED from PS_TRANSFERS_RECORDED');
  assert.equal((await s.settlement(st.id)).state, 'ABORTED');
  assert.equal((await s.window(window)).state, 'ABORTED');
  const again = await s.create('DEFAULTDEFERREDNET', [window], REASON);
  expectStatus(again, 200, 'an ABORTED window can be settled again');
  const second = again.body as SettlementView;
  for (const state of ACCOUNT_STEPS.slice(0, 3)) expectStatus(await s.stepAll(second, state, REASON), 200, `PUT ${state}`);
  // abort after COMMITTED is refused
  expectError(await s.put(second.id, { state: 'ABORTED', reason: REASON }), 400, '3100', /.+/);
  expectStatus(await s.stepAll(second, 'SETTLED', REASON), 200, 'PUT SETTLED');
  assert.deepEqual(
    [await balances(ctx.admin, a.name, ctx.currency), await balances(ctx.admin, b.name, ctx.currency)],
    before,
    'balances back after the second settlement',
  );
}

export const settlementScenarios: Scenario[] = [
  {
    name: 'settlement: multilateral net — close, settle in four steps, positions reset (recipients at RESERVED, senders at COMMITTED), SETTLEMENT unchanged, idempotent, finalisation',
    exclusive: true,
    run: multilateral,
  },
  { name: 'settlement: bilateral net model for EUR and the default model for USD over one window with two currencies', exclusive: true, run: twoCurrencies },
  {
    name: 'settlement: continuous gross (IMMEDIATE/GROSS) settles at commit against prefunded SETTLEMENT accounts; not window content; no deferred settlement',
    exclusive: true,
    run: cgs,
  },
  {
    name: 'settlement: interchange fees — a rule through the Admin API, P2P wallet transfers owe 0.6 % rounded half-even at commit, window content (INTERCHANGE_FEE, INR), settled under the INTERCHANGEFEE model back to zero',
    exclusive: true,
    run: interchangeFees,
  },
  { name: 'settlement: window errors — no filter, unknown, empty, not open, open window not applicable, unknown model', exclusive: true, run: windowErrors },
  {
    name: 'settlement: settlement errors — unknown id, PUT body rules, illegal step, unknown account, abort from RECORDED and resettle, abort after COMMITTED refused',
    exclusive: true,
    run: settlementErrors,
  },
  bankSettlementScenario,
];
