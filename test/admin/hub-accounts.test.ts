/** Admin API hub accounts module (switch/admin/routes/hub-accounts.ts) on a real server and PostgreSQL. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hubAccountRoutes } from '../../switch/admin/routes/hub-accounts.js';
import { errorOf, seedCurrency, seedParticipant, startAdminApi, type AdminApi } from '../support/admin-api.js';

let api: AdminApi;

before(async () => {
  api = await startAdminApi('hub_accounts', hubAccountRoutes);
});

after(async () => {
  await api?.close();
});

test('POST /participants/Hub/accounts: 201 with the hub participant, once per type and currency', async () => {
  let res = await api.call('POST', '/participants/Hub/accounts', { type: 'HUB_RECONCILIATION', currency: 'USD' });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.name, 'Hub');
  assert.deepEqual(
    res.json.accounts.map((a: any) => [a.ledgerAccountType, a.currency, a.isActive]),
    [['HUB_RECONCILIATION', 'USD', 1]],
  );
  res = await api.call('POST', '/participants/Hub/accounts', { type: 'HUB_MULTILATERAL_SETTLEMENT', currency: 'USD' });
  assert.equal(res.json.accounts.length, 2);
  assert.ok(api.registry.hubAccount('USD', 'HUB_MULTILATERAL_SETTLEMENT'));

  res = await api.call('POST', '/participants/Hub/accounts', { type: 'HUB_MULTILATERAL_SETTLEMENT', currency: 'USD' });
  assert.equal(res.status, 400);
  assert.deepEqual(errorOf(res), { errorCode: '3003', errorDescription: 'Hub account has already been registered.' });
});

test('refusals: unknown type, currency, other participants', async () => {
  await seedCurrency(api, 'USD');
  await seedParticipant(api, 'payerfsp', 'USD');
  const cases: Array<[string, unknown, string, string]> = [
    ['Hub', { type: 'NOPE', currency: 'USD' }, '3003', 'Ledger account type was not found.'],
    ['Hub', { type: 'HUB_RECONCILIATION', currency: 'XYZ' }, '3101', 'Malformed syntax - /requestBody/currency XYZ is not a supported ISO 4217 currency'],
    ['Hub', { type: 'x', currency: 'USD' }, '3101', 'Malformed syntax - /requestBody/type must match pattern "^\\w{2,30}$"'],
    ['payerfsp', { type: 'POSITION', currency: 'USD' }, '3003', 'Endpoint is reserved for creation of Hub account types only.'],
    ['ghost', { type: 'POSITION', currency: 'USD' }, '3200', 'The requested resource could not be found.'],
  ];
  for (const [name, body, errorCode, errorDescription] of cases) {
    const res = await api.call('POST', `/participants/${name}/accounts`, body);
    assert.equal(res.status, 400);
    assert.deepEqual(errorOf(res), { errorCode, errorDescription }, `${name} ${JSON.stringify(body)}`);
  }
});

test('alone, the module answers only POST on the path', async () => {
  const res = await api.call('GET', '/participants/Hub/accounts');
  assert.equal(res.status, 405);
  assert.equal(res.headers['allow'], 'POST');
});
