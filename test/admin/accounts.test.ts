/**
 * Admin API accounts module (switch/admin/routes/accounts.ts): initial position and limits, limits,
 * positions, accounts and their activation, on a real server and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { accountRoutes } from '../../switch/admin/routes/accounts.js';
import { errorOf, seedCurrency, seedParticipant, startAdminApi, type AdminApi } from '../support/admin-api.js';
import { ledgerUnits } from '../../ledger/units.js';

let api: AdminApi;

before(async () => {
  api = await startAdminApi('accounts', accountRoutes);
  await seedCurrency(api, 'USD');
  await seedParticipant(api, 'payerfsp', 'USD');
  await seedParticipant(api, 'payeefsp', 'USD');
});

after(async () => {
  await api?.close();
});

const initial = (name: string, body: unknown) => api.call('POST', `/participants/${name}/initialPositionAndLimits`, body);

test('POST initialPositionAndLimits: 201, accounts active, once only', async () => {
  let res = await api.call('GET', '/participants/payerfsp/accounts');
  assert.deepEqual(
    res.json.map((a: any) => [a.ledgerAccountType, a.isActive]),
    [
      ['POSITION', 0],
      ['SETTLEMENT', 0],
    ],
  );
  res = await initial('payerfsp', { currency: 'USD', limit: { type: 'NET_DEBIT_CAP', value: 1000000 }, initialPosition: 0 });
  assert.equal(res.status, 201);
  assert.equal(res.text, '');
  res = await api.call('GET', '/participants/payerfsp/accounts');
  assert.deepEqual(
    res.json.map((a: any) => [a.ledgerAccountType, a.isActive]),
    [
      ['POSITION', 1],
      ['SETTLEMENT', 1],
    ],
  );
  res = await initial('payerfsp', { currency: 'USD', limit: { type: 'NET_DEBIT_CAP', value: 1000000 }, initialPosition: 0 });
  assert.equal(res.status, 500);
  assert.deepEqual(errorOf(res), { errorCode: '2001', errorDescription: 'Participant Limit or Initial Position already set' });
});

test('POST initialPositionAndLimits: refusals', async () => {
  const cases: Array<[string, unknown, string, string]> = [
    [
      'payeefsp',
      { currency: 'USD', limit: { type: 'NET_DEBIT_CAP', value: '500.12345' } },
      '3100',
      'Generic validation error - /requestBody/limit/value must have at most 4 decimal places',
    ],
    ['payeefsp', { currency: 'USD', limit: { type: 'OTHER', value: 5 } }, '3101', 'Malformed syntax - /requestBody/limit/type must be one of NET_DEBIT_CAP'],
    ['payeefsp', { currency: 'USD' }, '3102', "Missing mandatory element - /requestBody must have required property 'limit'"],
    ['ghost', { currency: 'USD', limit: { type: 'NET_DEBIT_CAP', value: 5 } }, '3200', 'The requested resource could not be found.'],
    ['payerfsp', { currency: 'EUR', limit: { type: 'NET_DEBIT_CAP', value: 5 } }, '3200', 'Participant payerfsp has no EUR position account'],
  ];
  for (const [name, body, errorCode, errorDescription] of cases) {
    const res = await initial(name, body);
    assert.equal(res.status, 400);
    assert.deepEqual(errorOf(res), { errorCode, errorDescription }, JSON.stringify(body));
  }
});

test('limits: one participant, all participants, filters, adjustment with exact numbers', async () => {
  assert.equal((await initial('payeefsp', { currency: 'USD', limit: { type: 'NET_DEBIT_CAP', value: 500.5, alarmPercentage: 20 } })).status, 201);
  let res = await api.call('GET', '/participants/payerfsp/limits');
  assert.equal(res.text, '[{"currency":"USD","limit":{"type":"NET_DEBIT_CAP","value":1000000,"alarmPercentage":10}}]');
  assert.deepEqual((await api.call('GET', '/participants/payerfsp/limits?currency=EUR')).json, []);
  assert.equal((await api.call('GET', '/participants/payerfsp/limits?type=NET_DEBIT_CAP')).json.length, 1);

  res = await api.call('PUT', '/participants/payerfsp/limits', { currency: 'USD', limit: { type: 'NET_DEBIT_CAP', value: 2500.75, alarmPercentage: 15.5 } });
  assert.equal(res.status, 200);
  assert.equal(res.text, '{"currency":"USD","limit":{"type":"NET_DEBIT_CAP","value":2500.75,"alarmPercentage":15.5}}');
  res = await api.call('PUT', '/participants/payerfsp/limits', { currency: 'EUR', limit: { type: 'NET_DEBIT_CAP', value: 1 } });
  assert.deepEqual(errorOf(res), { errorCode: '3200', errorDescription: 'Participant payerfsp has no EUR net debit cap to adjust' });

  res = await api.call('GET', '/participants/limits');
  assert.equal(
    res.text,
    '[{"name":"payerfsp","currency":"USD","limit":{"type":"NET_DEBIT_CAP","value":2500.75,"alarmPercentage":15.5}},' +
      '{"name":"payeefsp","currency":"USD","limit":{"type":"NET_DEBIT_CAP","value":500.5,"alarmPercentage":20}}]',
  );
  assert.equal((await api.call('GET', '/participants/limits?currency=USD&type=NET_DEBIT_CAP')).json.length, 2);
  assert.deepEqual((await api.call('GET', '/participants/limits?currency=EUR')).json, []);
});

test('positions and accounts show durable balances', async () => {
  const transferId = '00000000-0000-4000-8000-000000000001';
  const written = await api.engine.fundsIn('payerfsp', 'USD', ledgerUnits(1_005_000n), transferId, 'seed');
  assert.equal(written.conflict, false);
  let res = await api.call('GET', '/participants/payerfsp/positions');
  assert.equal(res.status, 200);
  assert.equal(res.json.length, 1);
  assert.equal(res.json[0].currency, 'USD');
  assert.equal(res.json[0].value, 0);
  res = await api.call('GET', '/participants/payerfsp/positions?currency=USD');
  assert.equal(res.json.currency, 'USD');
  assert.deepEqual((await api.call('GET', '/participants/payerfsp/positions?currency=EUR')).json, {});
  res = await api.call('GET', '/participants/payerfsp/accounts');
  const settlement = res.json.find((a: any) => a.ledgerAccountType === 'SETTLEMENT');
  assert.match(res.text, /"value":-100\.5,"reservedValue":0,/);
  assert.deepEqual(Object.keys(settlement), ['id', 'ledgerAccountType', 'currency', 'isActive', 'value', 'reservedValue', 'changedDate']);
  assert.equal((await api.call('GET', '/participants/ghost/accounts')).json.errorInformation.errorCode, '3200');
});

test('PUT /participants/{name}/accounts/{id}: POSITION accounts only', async () => {
  const accounts = (await api.call('GET', '/participants/payerfsp/accounts')).json;
  const position = accounts.find((a: any) => a.ledgerAccountType === 'POSITION').id;
  const settlement = accounts.find((a: any) => a.ledgerAccountType === 'SETTLEMENT').id;
  let res = await api.call('PUT', `/participants/payerfsp/accounts/${position}`, { isActive: false });
  assert.equal(res.status, 200);
  assert.equal(res.text, '');
  assert.equal(api.registry.account(position)!.isActive, false);
  res = await api.call('PUT', `/participants/payerfsp/accounts/${position}`, { isActive: 1 });
  assert.equal(api.registry.account(position)!.isActive, true);
  res = await api.call('PUT', `/participants/payerfsp/accounts/${settlement}`, { isActive: false });
  assert.equal(res.status, 500);
  assert.deepEqual(errorOf(res), { errorCode: '2001', errorDescription: 'Only position account update is permitted' });
  res = await api.call('PUT', '/participants/payerfsp/accounts/99999', { isActive: false });
  assert.deepEqual(errorOf(res), { errorCode: '2001', errorDescription: 'Account not found' });
  res = await api.call('PUT', '/participants/payerfsp/accounts/abc', { isActive: false });
  assert.deepEqual(errorOf(res), { errorCode: '3101', errorDescription: 'Malformed syntax - /path/id must be a numeric account id' });
  res = await api.call('PUT', `/participants/payerfsp/accounts/${position}`, {});
  assert.deepEqual(errorOf(res), { errorCode: '3102', errorDescription: "Missing mandatory element - /requestBody must have required property 'isActive'" });
});

test('other methods: 405 with Allow', async () => {
  const cases: Array<[string, string, string]> = [
    ['POST', '/participants/limits', 'GET'],
    ['DELETE', '/participants/payerfsp/limits', 'GET, PUT'],
    ['GET', '/participants/payerfsp/initialPositionAndLimits', 'POST'],
    ['PUT', '/participants/payerfsp/positions', 'GET'],
    ['PATCH', '/participants/payerfsp/accounts', 'GET'],
    ['GET', '/participants/payerfsp/accounts/1', 'PUT'],
  ];
  for (const [method, path, allow] of cases) {
    const res = await api.call(method, path, method === 'GET' ? undefined : {});
    assert.equal(res.status, 405, `${method} ${path}`);
    assert.equal(res.headers['allow'], allow, `${method} ${path}`);
  }
});
