/** Admin API funds in/out module (switch/admin/routes/funds.ts) on a real server and PostgreSQL. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ledgerDisplay } from '../../ledger/units.js';
import { fundsRoutes } from '../../switch/admin/routes/funds.js';
import { errorOf, seedCurrency, seedParticipant, startAdminApi, type AdminApi } from '../support/admin-api.js';

let api: AdminApi;
let settlement: number;
let position: number;
let id = 0;
const transferId = () => `00000000-0000-4000-8000-${String(++id).padStart(12, '0')}`;

before(async () => {
  api = await startAdminApi('funds', fundsRoutes);
  await seedCurrency(api, 'USD');
  await seedParticipant(api, 'payerfsp', 'USD', '1000000');
  await seedParticipant(api, 'payeefsp', 'USD', '1000000');
  settlement = api.registry.accountOf('payerfsp', 'USD', 'SETTLEMENT')!.id;
  position = api.registry.accountOf('payerfsp', 'USD', 'POSITION')!.id;
});

after(async () => {
  await api?.close();
});

const funds = (action: string, amount: string, id: string, currency = 'USD') => ({
  transferId: id,
  externalReference: 'ref',
  action,
  reason: 'r',
  amount: { amount, currency },
});
const post = (account: number | string, body: unknown, name = 'payerfsp') => api.call('POST', `/participants/${name}/accounts/${account}`, body);
const finish = (id: string, action: string) => api.call('PUT', `/participants/payerfsp/accounts/${settlement}/transfers/${id}`, { action, reason: 'r' });

async function settlementValue(): Promise<string> {
  const row = await api.db.query<{ value: string }>('SELECT value::text AS value FROM account WHERE id = $1', [settlement]);
  return row.rows[0]!.value;
}

test('recordFundsIn: 202 once durable, the same request again 202, another movement under its id 3106', async () => {
  const id = transferId();
  let res = await post(settlement, funds('recordFundsIn', '100.5', id));
  assert.equal(res.status, 202);
  assert.equal(res.text, '');
  assert.equal(await settlementValue(), '-100.5000');
  res = await post(settlement, funds('recordFundsIn', '100.5', id));
  assert.equal(res.status, 202);
  assert.equal(await settlementValue(), '-100.5000', 'the repeat moved nothing');
  res = await post(settlement, funds('recordFundsIn', '7', id));
  assert.equal(res.status, 400);
  assert.deepEqual(errorOf(res), { errorCode: '3106', errorDescription: `Modified request - transfer id ${id} was already used for a different transfer` });
});

test('funds out: reserve, commit (twice), abort of a committed one refused; reserve then abort', async () => {
  const out = transferId();
  let res = await post(settlement, funds('recordFundsOutPrepareReserve', '1000', out));
  assert.equal(res.status, 400);
  assert.equal(errorOf(res).errorCode, '4001');
  assert.match(errorOf(res).errorDescription, /^Payer FSP insufficient liquidity - funds out of 1000\.0000 exceeds the USD liquidity of payerfsp/);
  assert.equal((await post(settlement, funds('recordFundsOutPrepareReserve', '10', out))).status, 202);
  assert.equal(await settlementValue(), '-90.5000');
  assert.equal((await finish(out, 'recordFundsOutCommit')).status, 202);
  assert.equal((await finish(out, 'recordFundsOutCommit')).status, 202, 'the same request again');
  res = await finish(out, 'recordFundsOutAbort');
  assert.deepEqual(errorOf(res), {
    errorCode: '3100',
    errorDescription: `Generic validation error - transfer ${out} is not a reserved funds-out of payerfsp account ${settlement}`,
  });

  const aborted = transferId();
  assert.equal((await post(settlement, funds('recordFundsOutPrepareReserve', '5', aborted))).status, 202);
  assert.equal(await settlementValue(), '-85.5000');
  assert.equal((await finish(aborted, 'recordFundsOutAbort')).status, 202);
  assert.equal(await settlementValue(), '-90.5000');
  res = await finish(transferId(), 'recordFundsOutAbort');
  assert.equal(errorOf(res).errorCode, '3100');
  res = await api.call('PUT', `/participants/payerfsp/accounts/${settlement}/transfers/${aborted}`, { action: 'bad', reason: 'r' });
  assert.deepEqual(errorOf(res), {
    errorCode: '3101',
    errorDescription: 'Malformed syntax - /requestBody/action must be one of recordFundsOutCommit, recordFundsOutAbort',
  });
});

test('refusals: account, currency, amount, action, transfer id, participant', async () => {
  const cases: Array<[number | string, unknown, string, string, string?]> = [
    [position, funds('recordFundsIn', '7', transferId()), '3100', `Generic validation error - account ${position} is not a SETTLEMENT account`],
    [settlement, funds('recordFundsIn', '7', transferId(), 'EUR'), '3100', `Generic validation error - account ${settlement} holds USD, not EUR`],
    [settlement, funds('recordFundsIn', '0', transferId()), '3100', 'Generic validation error - /requestBody/amount/amount must be greater than 0'],
    [
      settlement,
      funds('recordFundsIn', '1.00001', transferId()),
      '3100',
      'Generic validation error - /requestBody/amount/amount must have at most 4 decimal places',
    ],
    [settlement, funds('nope', '1', transferId()), '3101', 'Malformed syntax - /requestBody/action must be one of recordFundsIn, recordFundsOutPrepareReserve'],
    ['abc', funds('recordFundsIn', '1', transferId()), '3101', 'Malformed syntax - /path/id must be a numeric account id'],
    [settlement, funds('recordFundsIn', '1', transferId()), '3100', `Generic validation error - account ${settlement} does not belong to payeefsp`, 'payeefsp'],
    [settlement, { ...funds('recordFundsIn', '1', transferId()), extra: 1 }, '3103', 'Too many elements - /requestBody/extra is not an allowed property'],
  ];
  for (const [account, body, errorCode, errorDescription, name] of cases) {
    const res = await post(account, body, name);
    assert.equal(res.status, 400);
    assert.deepEqual(errorOf(res), { errorCode, errorDescription }, JSON.stringify(body));
  }
  const res = await post(settlement, funds('recordFundsIn', '1', 'not-a-uuid'));
  assert.equal(errorOf(res).errorCode, '3101');
  await api.registry.setParticipantActive('payerfsp', false);
  try {
    assert.deepEqual(errorOf(await post(settlement, funds('recordFundsIn', '1', transferId()))), {
      errorCode: '3100',
      errorDescription: 'Generic validation error - participant payerfsp is inactive',
    });
  } finally {
    await api.registry.setParticipantActive('payerfsp', true);
  }
});

test('alone, the module answers only its methods', async () => {
  let res = await api.call('GET', `/participants/payerfsp/accounts/${settlement}`);
  assert.equal(res.status, 405);
  assert.equal(res.headers['allow'], 'POST');
  res = await api.call('GET', `/participants/payerfsp/accounts/${settlement}/transfers/${transferId()}`);
  assert.equal(res.headers['allow'], 'PUT');
});

test('each durable movement is reported once through the settlement reports port, in the ledger sign, with the value it left', async () => {
  const payee = api.registry.accountOf('payeefsp', 'USD', 'SETTLEMENT')!.id;
  const post = (body: unknown) => api.call('POST', `/participants/payeefsp/accounts/${payee}`, body);
  const finish = (id: string, action: string) => api.call('PUT', `/participants/payeefsp/accounts/${payee}/transfers/${id}`, { action, reason: 'r' });
  const mark = api.reports.movements.length;
  const inId = transferId();
  assert.equal((await post(funds('recordFundsIn', '50', inId))).status, 202);
  assert.equal((await post(funds('recordFundsIn', '50', inId))).status, 202, 'the repeat books nothing');
  const out = transferId();
  assert.equal((await post(funds('recordFundsOutPrepareReserve', '20.25', out))).status, 202);
  assert.equal((await post(funds('recordFundsOutPrepareReserve', '500', transferId()))).status, 400, 'refused: nothing booked');
  assert.equal((await finish(out, 'recordFundsOutCommit')).status, 202);
  assert.equal((await finish(out, 'recordFundsOutCommit')).status, 202, 'the repeat books nothing');
  const aborted = transferId();
  assert.equal((await post(funds('recordFundsOutPrepareReserve', '5', aborted))).status, 202);
  assert.equal((await finish(aborted, 'recordFundsOutAbort')).status, 202);

  const got = api.reports.movements.slice(mark);
  for (const m of got) {
    const { participant, currency, ledgerAccountType, accountId, settlementId, windowIds } = m;
    assert.deepEqual(
      { participant, currency, ledgerAccountType, accountId, settlementId, windowIds },
      {
        participant: 'payeefsp',
        currency: 'USD',
        ledgerAccountType: 'SETTLEMENT',
        accountId: payee,
        settlementId: undefined,
        windowIds: undefined,
      },
    );
    assert.ok(!Number.isNaN(Date.parse(m.bookedAt)), m.bookedAt);
  }
  assert.deepEqual(
    got.map((m) => [m.kind, m.transferId, ledgerDisplay(m.amount), ledgerDisplay(m.balanceAfter)]),
    [
      ['FUNDS_IN', inId, '-50', '-50'],
      ['FUNDS_OUT_RESERVE', out, '20.25', '-29.75'],
      ['FUNDS_OUT_COMMIT', out, '20.25', '-29.75'],
      ['FUNDS_OUT_RESERVE', aborted, '5', '-24.75'],
      ['FUNDS_OUT_ABORT', aborted, '-5', '-29.75'],
    ],
  );
  const row = await api.db.query<{ value: string }>('SELECT value::text AS value FROM account WHERE id = $1', [payee]);
  assert.equal(row.rows[0]!.value, '-29.7500', 'the last balance reported is the durable value');
});
