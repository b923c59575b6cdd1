/**
 * Interchange fees (docs/interchange-fees.md): the Admin API's rules module (switch/admin/routes/interchange-fees.ts)
 * on a real PostgreSQL, and what a rule does in the ledger: a fee decided at prepare and booked at commit in the
 * commit's own write (deferred net and continuous gross), the window content it makes, and its settlement under an
 * INTERCHANGE_FEE model back to zero through the settlement service and the bus; a restart keeps a decided fee.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LedgerEngine, type InFlight } from '../../ledger/engine.js';
import { INTERCHANGE_FEE, type TransactionFacts } from '../../ledger/interchange-fees.js';
import type { SettlementRecord } from '../../ledger/settlement.js';
import { ledgerPlus, ledgerText, parseLedger } from '../../ledger/units.js';
import { interchangeFeeRoutes } from '../../switch/admin/routes/interchange-fees.js';
import { errorOf, seedCurrency, seedParticipant, startAdminApi, type AdminApi } from '../support/admin-api.js';

let api: AdminApi;

before(async () => {
  api = await startAdminApi('interchange_fees', interchangeFeeRoutes);
  for (const currency of ['INR', 'EUR']) await seedCurrency(api, currency);
});

after(async () => {
  await api?.close();
});

const P2P_WALLETS = { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER', payerAccountType: 'Wallet', payeeAccountType: 'Wallet' };
const RULE = { name: 'p2p-wallet-inr', currency: 'INR', match: P2P_WALLETS, fee: { basisPoints: 60, rounding: 'HALF_EVEN' }, paidBy: 'PAYER_FSP' };

function feeModel(name: string, currency: string | null) {
  return {
    name,
    settlementGranularity: 'NET',
    settlementInterchange: 'MULTILATERAL',
    settlementDelay: 'DEFERRED',
    currency,
    requireLiquidityCheck: false,
    ledgerAccountType: INTERCHANGE_FEE,
    autoPositionReset: true,
    settlementAccountType: 'INTERCHANGE_FEE_SETTLEMENT',
  };
}

function value(name: string, currency: string, type: string): string {
  const account = api.registry.accountOf(name, currency, type);
  assert.ok(account, `${name} has a ${currency} ${type} account`);
  return ledgerText(account.value);
}

test('rules: create with its checks, list, get, deactivate and activate again', async () => {
  await seedParticipant(api, 'early', 'INR', '1000'); // before any interchange fee model: no INTERCHANGE_FEE account
  assert.equal(api.registry.accountOf('early', 'INR', INTERCHANGE_FEE), undefined);
  let res = await api.call('POST', '/interchangeFeeRules', RULE);
  assert.equal(res.status, 400);
  assert.deepEqual(errorOf(res), {
    errorCode: '3100',
    errorDescription: 'No active deferred net settlement model settles INTERCHANGE_FEE in INR: create one before its fee rules',
  });

  await api.registry.createSettlementModel(feeModel('INTERCHANGEFEE', 'INR'));
  await seedParticipant(api, 'late', 'INR', '1000'); // after: the model's account types come with the participant
  assert.ok(api.registry.accountOf('late', 'INR', INTERCHANGE_FEE));
  assert.ok(api.registry.accountOf('late', 'INR', 'POSITION'), 'the default model still governs POSITION in INR');

  res = await api.call('POST', '/interchangeFeeRules', RULE);
  assert.equal(res.status, 201, res.text);
  const { createdDate, changedDate, ...view } = res.json;
  assert.ok(Date.parse(createdDate) > 0 && Date.parse(changedDate) > 0);
  assert.deepEqual(view, {
    interchangeFeeRuleId: 1,
    name: 'p2p-wallet-inr',
    currency: 'INR',
    isActive: true,
    match: P2P_WALLETS,
    fee: { basisPoints: 60, rounding: 'HALF_EVEN', minorUnits: 2 },
    paidBy: 'PAYER_FSP',
    ledgerAccountType: INTERCHANGE_FEE,
  });
  assert.ok(api.registry.accountOf('early', 'INR', INTERCHANGE_FEE)?.isActive, 'an earlier participant got its INTERCHANGE_FEE account with the rule');

  // A more general rule (every INR TRANSFER, a fixed fee the payee DFSP pays): the P2P rule refines it.
  res = await api.call('POST', '/interchangeFeeRules', {
    name: 'transfer-inr',
    currency: 'INR',
    match: { scenario: 'TRANSFER' },
    fee: { fixedAmount: '0.10' },
    paidBy: 'PAYEE_FSP',
  });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.json.fee, { fixedAmount: 0.1 });

  // Refusals that need the rules in place.
  res = await api.call('POST', '/interchangeFeeRules', RULE);
  assert.deepEqual(errorOf(res), { errorCode: '3100', errorDescription: 'Interchange fee rule p2p-wallet-inr already exists' });
  res = await api.call('POST', '/interchangeFeeRules', { ...RULE, name: 'same-match' });
  assert.deepEqual(errorOf(res), {
    errorCode: '3100',
    errorDescription: 'The rule overlaps active INR rule p2p-wallet-inr: some transfers match both, neither is more specific',
  });
  res = await api.call('POST', '/interchangeFeeRules', { ...RULE, name: 'crossing', match: { payerAccountType: 'Wallet' } });
  assert.match(errorOf(res).errorDescription, /^The rule overlaps active INR rule transfer-inr:/);

  // Lists and reads.
  res = await api.call('GET', '/interchangeFeeRules');
  assert.deepEqual(
    res.json.map((r: any) => r.name),
    ['p2p-wallet-inr', 'transfer-inr'],
  );
  assert.deepEqual((await api.call('GET', '/interchangeFeeRules?currency=EUR')).json, []);
  assert.equal((await api.call('GET', '/interchangeFeeRules/1')).json.name, 'p2p-wallet-inr');
  res = await api.call('GET', '/interchangeFeeRules/99');
  assert.deepEqual(errorOf(res), { errorCode: '3100', errorDescription: 'Generic validation error - Interchange fee rule 99 not found' });

  // Deactivate, and activate again (checked like a new rule).
  res = await api.call('PUT', '/interchangeFeeRules/2', { isActive: false });
  assert.equal(res.status, 200);
  assert.equal(res.json.isActive, false);
  assert.deepEqual(
    (await api.call('GET', '/interchangeFeeRules?isActive=false')).json.map((r: any) => r.name),
    ['transfer-inr'],
  );
  res = await api.call('POST', '/interchangeFeeRules', { ...RULE, name: 'crossing', match: { payerAccountType: 'Wallet' }, fee: { fixedAmount: 1 } });
  assert.equal(res.status, 201, 'no conflict with an inactive rule');
  res = await api.call('PUT', '/interchangeFeeRules/2', { isActive: true });
  assert.match(errorOf(res).errorDescription, /^The rule overlaps active INR rule crossing:/);
  assert.equal((await api.call('PUT', '/interchangeFeeRules/3', { isActive: false })).status, 200);
  assert.equal((await api.call('PUT', '/interchangeFeeRules/2', { isActive: true })).json.isActive, true);
  assert.equal((await api.call('DELETE', '/interchangeFeeRules/2')).status, 405);
});

test('rules: validation errors carry 3102 (missing), 3101 (malformed), 3103 (unexpected), 3100 (not acceptable)', async () => {
  const cases: Array<[string, unknown, string, string]> = [
    ['missing name', { ...RULE, name: undefined }, '3102', "/requestBody must have required property 'name'"],
    ['bad name', { ...RULE, name: ' x' }, '3101', '/requestBody/name must match pattern'],
    ['unknown currency', { ...RULE, currency: 'ABC' }, '3101', '/requestBody/currency ABC is not a supported ISO 4217 currency'],
    ['missing fee', { ...RULE, fee: undefined }, '3102', "/requestBody must have required property 'fee'"],
    ['empty fee', { ...RULE, fee: {} }, '3102', "/requestBody/fee must have required property 'basisPoints' or 'fixedAmount'"],
    ['both amounts', { ...RULE, fee: { basisPoints: 60, fixedAmount: 1 } }, '3100', '/requestBody/fee must have exactly one of basisPoints and fixedAmount'],
    ['zero rate', { ...RULE, fee: { basisPoints: 0 } }, '3100', '/requestBody/fee/basisPoints must be greater than 0'],
    ['3 decimals of a basis point', { ...RULE, fee: { basisPoints: '1.234' } }, '3100', '/requestBody/fee/basisPoints must have at most 2 decimal places'],
    ['above 100 %', { ...RULE, fee: { basisPoints: 10000.01 } }, '3100', '/requestBody/fee/basisPoints must be at most 10000 (100 %)'],
    ['rate not a number', { ...RULE, fee: { basisPoints: 'sixty' } }, '3101', '/requestBody/fee/basisPoints must be a non-negative decimal number'],
    [
      'float exponent',
      JSON.stringify({ ...RULE, fee: { basisPoints: 0 } }).replace('"basisPoints":0', '"basisPoints":6e1'),
      '3101',
      '/requestBody/fee/basisPoints must be a non-negative decimal number without exponent',
    ],
    ['fixed beyond the minor unit', { ...RULE, fee: { fixedAmount: '1.005' } }, '3100', '/requestBody/fee/fixedAmount must have at most 2 decimal places'],
    ['another rounding', { ...RULE, fee: { basisPoints: 60, rounding: 'HALF_UP' } }, '3101', '/requestBody/fee/rounding must be one of HALF_EVEN'],
    ['unexpected fee member', { ...RULE, fee: { basisPoints: 60, cap: 5 } }, '3103', '/requestBody/fee/cap is not an allowed property'],
    ['who pays', { ...RULE, paidBy: 'HUB' }, '3101', '/requestBody/paidBy must be one of PAYER_FSP, PAYEE_FSP'],
    [
      'unknown scenario',
      { ...RULE, match: { scenario: 'GIFT' } },
      '3101',
      '/requestBody/match/scenario must be one of DEPOSIT, WITHDRAWAL, TRANSFER, PAYMENT, REFUND',
    ],
    ['empty account type', { ...RULE, match: { payeeAccountType: '' } }, '3100', '/requestBody/match/payeeAccountType must be at least 1 characters'],
    ['unexpected match member', { ...RULE, match: { subScenario: 'X' } }, '3103', '/requestBody/match/subScenario is not an allowed property'],
    ['unexpected member', { ...RULE, priority: 1 }, '3103', '/requestBody/priority is not an allowed property'],
  ];
  for (const [what, body, code, text] of cases) {
    const res = await api.call('POST', '/interchangeFeeRules', body);
    assert.equal(res.status, 400, `${what}: ${res.text}`);
    assert.equal(errorOf(res).errorCode, code, `${what}: ${res.text}`);
    assert.ok(errorOf(res).errorDescription.includes(text), `${what}: ${errorOf(res).errorDescription}`);
  }
  let res = await api.call('GET', '/interchangeFeeRules?isActive=yes');
  assert.deepEqual(errorOf(res), { errorCode: '3101', errorDescription: 'Malformed syntax - /query/isActive must be true or false' });
  res = await api.call('GET', '/interchangeFeeRules/x1');
  assert.equal(errorOf(res).errorCode, '3101');
  res = await api.call('PUT', '/interchangeFeeRules/1', {});
  assert.equal(errorOf(res).errorCode, '3102');
});

test('rules: two overlapping rules posted at once — one is created, the other refused (changes are serialised)', async () => {
  const body = (name: string) => ({ name, currency: 'INR', match: { scenario: 'REFUND' }, fee: { fixedAmount: 1 }, paidBy: 'PAYEE_FSP' });
  const answers = await Promise.all([api.call('POST', '/interchangeFeeRules', body('refund-1')), api.call('POST', '/interchangeFeeRules', body('refund-2'))]);
  assert.deepEqual(answers.map((a) => a.status).sort(), [201, 400]);
  assert.match(errorOf(answers.find((a) => a.status === 400)!).errorDescription, /^The rule overlaps active INR rule refund-/);
  const created = answers.find((a) => a.status === 201)!.json.interchangeFeeRuleId;
  assert.equal((await api.call('PUT', `/interchangeFeeRules/${created}`, { isActive: false })).status, 200);
});

// ------------------------------------------------------------------------------------------------ the ledger

let seq = 0;

/** A transfer prepared with the fee the rules decide for these facts, then committed, through the engine. */
async function transfer(engine: LedgerEngine, payer: string, payee: string, amount: string, currency: string, facts: TransactionFacts): Promise<string> {
  const id = `fee-transfer-${++seq}`;
  const decision = api.interchangeFees.decide(payer, payee, currency, parseLedger(amount), facts);
  const outcome = await engine.prepare({
    id,
    payer,
    payee,
    currency,
    amount: parseLedger(amount),
    condition: 'c',
    expiration: new Date(Date.now() + 60_000).toISOString(),
    expiresAt: Date.now() + 60_000,
    prepareHash: `h-${id}`,
    receivedAt: new Date().toISOString(),
    fee: decision?.kind === 'charge' ? decision.charge : undefined,
  });
  assert.equal(outcome.kind, 'reserved', `prepare ${id}`);
  await engine.commit((outcome as { transfer: InFlight }).transfer, { completedAt: new Date().toISOString() });
  return id;
}

async function feeEntries(id: string): Promise<string[]> {
  const rows = await api.db.query<{ account_id: number; amount: string }>(
    `SELECT account_id, amount::text AS amount FROM journal_entry WHERE transfer_id = $1 AND event = 'INTERCHANGE_FEE' ORDER BY id`,
    [id],
  );
  return rows.rows.map((r) => `${api.registry.account(r.account_id)!.participantName}:${r.amount}`);
}

/** Walks every account of a settlement through the four steps; `onStep` sees each state. */
async function settle(st: SettlementRecord, onStep: (state: string) => void = () => undefined): Promise<SettlementRecord> {
  for (const state of ['PS_TRANSFERS_RECORDED', 'PS_TRANSFERS_RESERVED', 'PS_TRANSFERS_COMMITTED', 'SETTLED']) {
    const { results } = await api.settlement.updateAccounts(
      st.id,
      st.accounts.map((a) => ({ participantId: a.participantId, accountId: a.accountId, state, reason: state })),
    );
    for (const r of results) assert.equal(r.refusal, undefined, `${state}: ${JSON.stringify(r.refusal)}`);
    onStep(state);
  }
  return api.settlement.settlement(st.id);
}

test('a fee is booked at commit in the commit`s own write, lands in the window, and settles under the INTERCHANGE_FEE model to zero', async () => {
  const wallets: TransactionFacts = { ...P2P_WALLETS };
  // EUR: continuous gross settlement for positions (a commit is 4 entries, its fee 2 more), fees under a default model.
  await api.registry.createSettlementModel({
    ...feeModel('CGSEUR', 'EUR'),
    settlementGranularity: 'GROSS',
    settlementInterchange: 'BILATERAL',
    settlementDelay: 'IMMEDIATE',
    ledgerAccountType: 'POSITION',
    settlementAccountType: 'SETTLEMENT',
    requireLiquidityCheck: true,
    autoPositionReset: false,
  });
  await api.registry.createSettlementModel(feeModel('INTERCHANGEFEEDEFAULT', null));
  for (const name of ['early', 'late']) {
    await seedParticipant(api, name, 'EUR', '1000');
    for (const currency of ['EUR', 'INR']) await api.engine.fundsIn(name, currency, parseLedger('5000'), `funds-${name}-${currency}`, 'test');
  }
  const eurRule = await api.call('POST', '/interchangeFeeRules', { ...RULE, name: 'p2p-wallet-eur', currency: 'EUR', fee: { basisPoints: '12.5' } });
  assert.equal(eurRule.status, 201, eurRule.text);

  await api.settlement.closeWindow(api.engine.openWindowId, 'start clean').catch(() => undefined);
  const window = api.engine.openWindowId;
  const hubBefore = { INR: value('Hub', 'INR', 'HUB_MULTILATERAL_SETTLEMENT'), EUR: value('Hub', 'EUR', 'HUB_MULTILATERAL_SETTLEMENT') };
  const eurSettlementBefore = value('early', 'EUR', 'SETTLEMENT');

  const t1 = await transfer(api.engine, 'early', 'late', '100.25', 'INR', wallets); // 0.6015 -> 0.60, early pays
  const t2 = await transfer(api.engine, 'early', 'late', '7.50', 'INR', wallets); // 0.045 -> 0.04 (half-even)
  const t3 = await transfer(api.engine, 'late', 'early', '50', 'INR', { ...wallets, payeeAccountType: 'Current' }); // transfer-inr: 0.10, payee early pays
  const t4 = await transfer(api.engine, 'early', 'late', '0.75', 'INR', wallets); // 0.0045 -> 0: no fee
  const t5 = await transfer(api.engine, 'early', 'late', '10', 'INR', { scenario: 'PAYMENT' }); // no rule
  const t6 = await transfer(api.engine, 'early', 'late', '100', 'EUR', wallets); // CGS: 0.125 -> 0.12, early pays
  assert.deepEqual(await feeEntries(t1), ['early:0.6000', 'late:-0.6000']);
  assert.deepEqual(await feeEntries(t2), ['early:0.0400', 'late:-0.0400']);
  assert.deepEqual(await feeEntries(t3), ['early:0.1000', 'late:-0.1000']);
  assert.deepEqual([await feeEntries(t4), await feeEntries(t5)], [[], []]);
  assert.deepEqual(await feeEntries(t6), ['early:0.1200', 'late:-0.1200']);
  const cgsEntries = await api.db.query('SELECT 1 FROM journal_entry WHERE transfer_id = $1', [t6]);
  assert.equal(cgsEntries.rows.length, 2 + 6, 'the CGS commit: 2 prepare entries, then 4 of its own and 2 of the fee in one write');
  const row = await api.db.query<{ fee_rule_id: number; fee_amount: string; window_id: number }>(
    'SELECT fee_rule_id, fee_amount::text AS fee_amount, window_id FROM transfer WHERE id = $1',
    [t6],
  );
  assert.deepEqual(row.rows[0], { fee_rule_id: eurRule.json.interchangeFeeRuleId, fee_amount: '0.1200', window_id: window });
  assert.equal(value('early', 'INR', INTERCHANGE_FEE), '0.7400');
  assert.equal(value('late', 'INR', INTERCHANGE_FEE), '-0.7400');
  assert.equal(value('early', 'EUR', INTERCHANGE_FEE), '0.1200');
  assert.equal(
    value('early', 'EUR', 'SETTLEMENT'),
    ledgerText(ledgerPlus(parseLedger(eurSettlementBefore), parseLedger('100'))),
    'CGS: the SETTLEMENT account funded the transfer; the fee is not taken from it',
  );

  await api.settlement.closeWindow(window, 'fees');
  const content = (await api.settlement.window(window))!.content.map((c) => `${c.ledgerAccountType}/${c.currency}`).sort();
  assert.deepEqual(content, ['INTERCHANGE_FEE/EUR', 'INTERCHANGE_FEE/INR', 'POSITION/INR'], 'no POSITION/EUR: CGS settled at commit');

  // INR fees under their own model: early owes 0.74 net, late is owed it.
  const inr = await api.settlement.create('INTERCHANGEFEE', 'fees', [window]);
  const nets = (st: SettlementRecord) =>
    st.accounts.map((a) => `${api.registry.account(a.accountId)!.participantName}/${api.registry.account(a.accountId)!.type}:${ledgerText(a.net)}`).sort();
  assert.deepEqual(nets(inr), ['early/INTERCHANGE_FEE:0.7400', 'late/INTERCHANGE_FEE:-0.7400']);
  const inrDone = await settle(inr, (state) => {
    if (state === 'PS_TRANSFERS_RESERVED') {
      assert.equal(value('late', 'INR', INTERCHANGE_FEE), '0.0000', 'the net recipient is reset at RESERVED');
      assert.equal(value('early', 'INR', INTERCHANGE_FEE), '0.7400', 'the net sender not yet');
    }
  });
  assert.equal(inrDone.state, 'SETTLED');
  assert.equal(value('early', 'INR', INTERCHANGE_FEE), '0.0000');
  assert.equal(value('late', 'INR', INTERCHANGE_FEE), '0.0000');
  assert.equal(value('Hub', 'INR', 'HUB_MULTILATERAL_SETTLEMENT'), hubBefore.INR, 'the hub account is back where it started');
  const booked = api.reports.movements
    .filter((m) => m.settlementId === inr.id)
    .map((m) => `${m.participant}/${m.ledgerAccountType}:${m.kind}:${ledgerText(m.amount)}`);
  assert.deepEqual(booked, ['late/INTERCHANGE_FEE:SETTLEMENT_NET_RECIPIENT:0.7400', 'early/INTERCHANGE_FEE:SETTLEMENT_NET_SENDER:-0.7400']);

  // EUR fees under the default fee model (INR has a model of its own: not settled again); then INR positions.
  const eur = await api.settlement.create('INTERCHANGEFEEDEFAULT', 'fees', [window]);
  assert.deepEqual(nets(eur), ['early/INTERCHANGE_FEE:0.1200', 'late/INTERCHANGE_FEE:-0.1200']);
  await settle(eur);
  assert.equal(value('early', 'EUR', INTERCHANGE_FEE), '0.0000');
  assert.equal(value('Hub', 'EUR', 'HUB_MULTILATERAL_SETTLEMENT'), hubBefore.EUR);
  assert.notEqual((await api.settlement.window(window))!.state, 'SETTLED', 'POSITION/INR is not settled yet');
  await settle(await api.settlement.create('DEFAULTDEFERREDNET', 'positions', [window]));
  assert.equal((await api.settlement.window(window))!.state, 'SETTLED');
});

test('a restart keeps the fee a reserved transfer owes, and its commit books it', async () => {
  const id = `fee-restart-${++seq}`;
  const decision = api.interchangeFees.decide('early', 'late', 'INR', parseLedger('1000'), { ...P2P_WALLETS });
  assert.equal(decision?.kind, 'charge');
  const prepared = await api.engine.prepare({
    id,
    payer: 'early',
    payee: 'late',
    currency: 'INR',
    amount: parseLedger('1000'),
    condition: 'c',
    expiration: new Date(Date.now() + 60_000).toISOString(),
    expiresAt: Date.now() + 60_000,
    prepareHash: 'h',
    receivedAt: new Date().toISOString(),
    fee: decision?.kind === 'charge' ? decision.charge : undefined,
  });
  assert.equal(prepared.kind, 'reserved');
  assert.equal(value('early', 'INR', INTERCHANGE_FEE), '0.0000', 'nothing is booked at prepare');
  await api.engine.close();
  const restarted = new LedgerEngine(api.db, api.registry, { maxBatch: 100, assertions: 'all' });
  await restarted.load();
  try {
    const live = restarted.inFlightTransfer(id)!;
    assert.equal(live.fee?.amount, parseLedger('6'));
    assert.equal(live.fee?.from.participantName, 'early');
    assert.equal(live.fee?.to, api.registry.accountOf('late', 'INR', INTERCHANGE_FEE), 'the reloaded registry`s account');
    await restarted.commit(live, { completedAt: new Date().toISOString() });
    assert.equal(value('early', 'INR', INTERCHANGE_FEE), '6.0000');
    assert.equal(value('late', 'INR', INTERCHANGE_FEE), '-6.0000');
  } finally {
    await restarted.close();
  }
});

test('no fee between a DFSP and itself; a DFSP without an INTERCHANGE_FEE account makes the fee skipped, with the reason', async () => {
  assert.equal(api.interchangeFees.decide('early', 'early', 'INR', parseLedger('1000'), { ...P2P_WALLETS }), undefined);
  assert.equal(api.interchangeFees.decide('early', 'late', 'USD', parseLedger('1000'), { ...P2P_WALLETS }), undefined, 'no rule in USD');
  // A participant that joined EUR while no model settled interchange fees there has no such account.
  await api.registry.setSettlementModelActive('INTERCHANGEFEEDEFAULT', false);
  await seedParticipant(api, 'nofee', 'EUR');
  await api.registry.setSettlementModelActive('INTERCHANGEFEEDEFAULT', true);
  const decision = api.interchangeFees.decide('early', 'nofee', 'EUR', parseLedger('1000'), { ...P2P_WALLETS });
  const eurRule = api.interchangeFees.rules({ currency: 'EUR' })[0]!;
  assert.deepEqual(decision, { kind: 'skipped', ruleId: eurRule.id, reason: 'nofee has no INTERCHANGE_FEE account in EUR' });
});
