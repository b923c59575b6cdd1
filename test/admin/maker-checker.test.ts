/**
 * Maker-checker on a real hub (switch/admin/maker-checker.ts, docs/operations.md "Maker-checker"): a guarded call
 * makes a proposal; only a second user with the route's role makes it take effect; rejections carry a reason;
 * proposals expire; concurrent proposals and decisions cannot do a change twice or half.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { SuiteContext } from '../../conformance/lib/context.js';
import { startAuthHub, type AuthHub } from '../support/operators.js';

const TTL_S = 4;
let scheme: AuthHub;
let accountId: number;

async function settlementBalance(): Promise<string> {
  const accounts = await scheme.call('fin1', 'GET', '/participants/payerfsp/accounts');
  return accounts.body.find((a: { id: number }) => a.id === accountId).value;
}

function fundsIn(amount: string) {
  return {
    transferId: randomUUID(),
    externalReference: 'bank statement 42',
    action: 'recordFundsIn',
    reason: 'pre-funding',
    amount: { amount, currency: 'USD' },
  };
}

function fundsOut(amount: string) {
  return {
    transferId: randomUUID(),
    externalReference: 'payout',
    action: 'recordFundsOutPrepareReserve',
    reason: 'withdrawal',
    amount: { amount, currency: 'USD' },
  };
}

before(async () => {
  scheme = await startAuthHub('checker', { MIZANI_PROPOSAL_TTL_S: String(TTL_S) });
  await scheme.setUpCurrency('USD');
  assert.equal((await scheme.call('ops1', 'POST', '/participants', { name: 'payerfsp', currency: 'USD' })).status, 201);
  const limits = await scheme.twoEyes('fin1', 'fin2', 'POST', '/participants/payerfsp/initialPositionAndLimits', {
    currency: 'USD',
    limit: { type: 'NET_DEBIT_CAP', value: 1000 },
    initialPosition: 0,
  });
  assert.equal(limits.status, 201, JSON.stringify(limits.body));
  const accounts = await scheme.call('fin1', 'GET', '/participants/payerfsp/accounts');
  accountId = accounts.body.find((a: { ledgerAccountType: string }) => a.ledgerAccountType === 'SETTLEMENT').id;
});

after(async () => {
  await scheme?.stop();
});

test('funds in takes effect only when a second finance user approves it; the proposal records who, when and what', async () => {
  const before = await settlementBalance();
  const body = fundsIn('500');
  const asked = await scheme.call('fin1', 'POST', `/participants/payerfsp/accounts/${accountId}`, body);
  assert.equal(asked.status, 202);
  const { proposal } = asked.body;
  assert.equal(proposal.state, 'PENDING');
  assert.equal(proposal.action, 'funds');
  assert.equal(proposal.proposer, 'fin1');
  assert.equal(asked.headers.get('location'), `/proposals/${proposal.id}`);
  assert.equal(await settlementBalance(), before, 'nothing moved yet');

  const self = await scheme.call('fin1', 'POST', `/proposals/${proposal.id}/approve`);
  assert.equal(self.status, 403);
  assert.match(self.body.errorInformation.errorDescription, /cannot also approve/);
  assert.equal((await scheme.call('ops1', 'POST', `/proposals/${proposal.id}/approve`)).status, 403, 'an operator does not approve funds');
  assert.equal((await scheme.call('aud1', 'POST', `/proposals/${proposal.id}/approve`)).status, 403, 'an auditor decides nothing');
  assert.equal(await settlementBalance(), before);

  const approved = await scheme.call('fin2', 'POST', `/proposals/${proposal.id}/approve`);
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.equal(approved.body.state, 'EXECUTED');
  assert.equal(approved.body.approver, 'fin2');
  assert.equal(approved.body.result.status, 202);
  assert.equal(Number(await settlementBalance()), Number(before) - 500, 'the SETTLEMENT account is credited (Mojaloop sign: negative is funds held)');

  const kept = await scheme.call('aud1', 'GET', `/proposals/${proposal.id}`);
  assert.deepEqual(kept.body.body, body, 'the exact request is kept');
  assert.equal(kept.body.method, 'POST');
  assert.equal(kept.body.path, `/participants/payerfsp/accounts/${accountId}`);
  assert.ok(Date.parse(kept.body.proposedAt) <= Date.parse(kept.body.decidedAt));
  const again = await scheme.call('admin1', 'POST', `/proposals/${proposal.id}/approve`);
  assert.equal(again.status, 409, 'a proposal is executed once');
});

test('a rejection needs a reason, is kept with it, and changes nothing', async () => {
  const asked = await scheme.call('fin1', 'PUT', '/participants/payerfsp/limits', { currency: 'USD', limit: { type: 'NET_DEBIT_CAP', value: 5000 } });
  assert.equal(asked.status, 202);
  const id = asked.body.proposal.id;
  const noReason = await scheme.call('fin2', 'POST', `/proposals/${id}/reject`, {});
  assert.equal(noReason.status, 400);
  assert.equal(noReason.body.errorInformation.errorCode, '3102');
  const rejected = await scheme.call('fin2', 'POST', `/proposals/${id}/reject`, { reason: 'no credit committee decision for this raise' });
  assert.equal(rejected.status, 200);
  assert.equal(rejected.body.state, 'REJECTED');
  assert.equal(rejected.body.reason, 'no credit committee decision for this raise');
  assert.equal(rejected.body.approver, 'fin2');
  const limits = await scheme.call('fin1', 'GET', '/participants/payerfsp/limits');
  assert.equal(Number(limits.body[0].limit.value), 1000, 'the limit is unchanged');
  assert.equal((await scheme.call('admin1', 'POST', `/proposals/${id}/approve`)).status, 409, 'a rejected proposal cannot be approved');
  const listed = await scheme.call('aud1', 'GET', '/proposals?state=REJECTED');
  assert.ok(listed.body.proposals.some((p: { id: string }) => p.id === id));
});

test('a proposal expires unapproved', async () => {
  const before = await settlementBalance();
  const asked = await scheme.call('fin1', 'POST', `/participants/payerfsp/accounts/${accountId}`, fundsIn('1'));
  assert.equal(asked.status, 202);
  await new Promise((r) => setTimeout(r, TTL_S * 1000 + 500));
  const late = await scheme.call('fin2', 'POST', `/proposals/${asked.body.proposal.id}/approve`);
  assert.equal(late.status, 409);
  assert.match(late.body.errorInformation.errorDescription, /EXPIRED/);
  assert.equal((await scheme.call('fin2', 'GET', `/proposals/${asked.body.proposal.id}`)).body.state, 'EXPIRED');
  assert.equal(await settlementBalance(), before);
});

test('concurrent proposals and decisions: one pending change per resource, one decision per proposal, the ledger decides at execution', async () => {
  // One pending change of a value at a time.
  const first = await scheme.call('fin1', 'PUT', '/participants/payerfsp/limits', { currency: 'USD', limit: { type: 'NET_DEBIT_CAP', value: 2000 } });
  assert.equal(first.status, 202);
  const second = await scheme.call('fin2', 'PUT', '/participants/payerfsp/limits', { currency: 'USD', limit: { type: 'NET_DEBIT_CAP', value: 3000 } });
  assert.equal(second.status, 400);
  assert.equal(second.body.errorInformation.errorCode, '3100');
  assert.match(second.body.errorInformation.errorDescription, new RegExp(first.body.proposal.id));

  // Two approvers at once: exactly one decision.
  const decisions = await Promise.all(['fin2', 'admin1'].map((u) => scheme.call(u, 'POST', `/proposals/${first.body.proposal.id}/approve`)));
  assert.deepEqual(decisions.map((d) => d.status).sort(), [200, 409]);
  const limits = await scheme.call('fin1', 'GET', '/participants/payerfsp/limits');
  assert.equal(Number(limits.body[0].limit.value), 2000);

  // Two withdrawals that together exceed the funds, proposed side by side and approved at once: the ledger takes one.
  const balance = -Number(await settlementBalance());
  const part = String(Math.floor((balance * 2) / 3));
  const a = await scheme.call('fin1', 'POST', `/participants/payerfsp/accounts/${accountId}`, fundsOut(part));
  const b = await scheme.call('fin1', 'POST', `/participants/payerfsp/accounts/${accountId}`, fundsOut(part));
  assert.equal(a.status, 202);
  assert.equal(b.status, 202);
  const done = await Promise.all([
    scheme.call('fin2', 'POST', `/proposals/${a.body.proposal.id}/approve`),
    scheme.call('admin2', 'POST', `/proposals/${b.body.proposal.id}/approve`),
  ]);
  assert.deepEqual(
    done.map((d) => d.status),
    [200, 200],
  );
  assert.deepEqual(done.map((d) => d.body.state).sort(), ['EXECUTED', 'FAILED']);
  const failed = done.find((d) => d.body.state === 'FAILED')!;
  assert.equal(failed.body.result.body.errorInformation.errorCode, '4001', 'the second withdrawal finds the funds reserved');
});

test('settlement through two users: the window closes only when a second finance user approves', async () => {
  // A payment in the window, by participants that an administrator provisioned with a second one approving.
  const ctx = new SuiteContext({
    hubUrl: scheme.hub.fspiopUrl,
    adminUrl: scheme.hub.adminUrl,
    adminToken: scheme.tokens.get('admin1'),
    adminCheckerToken: scheme.tokens.get('admin2'),
    sign: false,
    timeoutMs: 10_000,
  });
  try {
    const { payer, payee } = await ctx.newPair();
    const transfer = ctx.newTransfer({ payer, payee, amount: '12.5' });
    const since = payer.mark();
    assert.equal((await ctx.sendPrepare(transfer)).status, 202);
    const done = await payer.waitFor((r) => r.method === 'PUT' && r.path === `/transfers/${transfer.transferId}`, 10_000, { since });
    assert.equal(done.body?.transferState, 'COMMITTED');
  } finally {
    await ctx.close();
  }
  const open = await scheme.call('fin1', 'GET', '/v2/settlementWindows?state=OPEN');
  const id = open.body[0].settlementWindowId;
  const asked = await scheme.call('fin1', 'POST', `/v2/settlementWindows/${id}`, { state: 'CLOSED', reason: 'end of day' });
  assert.equal(asked.status, 202);
  assert.equal(asked.body.proposal.action, 'settlement');
  assert.equal((await scheme.call('fin1', 'GET', `/v2/settlementWindows/${id}`)).body.state, 'OPEN');
  const approved = await scheme.call('fin2', 'POST', `/proposals/${asked.body.proposal.id}/approve`);
  assert.equal(approved.body.state, 'EXECUTED', JSON.stringify(approved.body));
  assert.equal((await scheme.call('fin1', 'GET', `/v2/settlementWindows/${id}`)).body.state, 'CLOSED');
});

test('bad decisions are refused precisely', async () => {
  assert.equal((await scheme.call('fin2', 'POST', '/proposals/not-an-id/approve')).body.errorInformation.errorCode, '3101');
  assert.equal((await scheme.call('fin2', 'POST', '/proposals/01JD0000000000000000000000/approve')).status, 404);
  assert.equal((await scheme.call('aud1', 'GET', '/proposals?state=WHATEVER')).body.errorInformation.errorCode, '3101');
});
