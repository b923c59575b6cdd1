/** Admin API participants module (switch/admin/routes/participants.ts) on a real server and PostgreSQL. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { participantRoutes } from '../../switch/admin/routes/participants.js';
import { errorOf, seedCurrency, startAdminApi, type AdminApi } from '../support/admin-api.js';

let api: AdminApi;

before(async () => {
  api = await startAdminApi('participants', participantRoutes);
});

after(async () => {
  await api?.close();
});

test('POST /participants: refused until the currency has hub accounts and a settlement model', async () => {
  let res = await api.call('POST', '/participants', { name: 'early', currency: 'USD' });
  assert.equal(res.status, 400);
  assert.deepEqual(errorOf(res), { errorCode: '3003', errorDescription: 'Hub reconciliation account for the specified currency does not exist' });
  await api.registry.createHubAccount('USD', 'HUB_RECONCILIATION');
  await api.registry.createHubAccount('USD', 'HUB_MULTILATERAL_SETTLEMENT');
  res = await api.call('POST', '/participants', { name: 'early', currency: 'USD' });
  assert.deepEqual(errorOf(res), { errorCode: '6000', errorDescription: 'Unable to find a matching or default, Settlement Model' });
});

test('POST /participants: 201 with the Mojaloop participant shape, inactive POSITION and SETTLEMENT accounts', async () => {
  await seedCurrency(api, 'USD');
  const res = await api.call('POST', '/participants', { name: 'payerfsp', currency: 'USD', isProxy: '1' }, { host: 'admin.example:3001' });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  const body = res.json;
  assert.equal(body.name, 'payerfsp');
  assert.equal(body.id, 'http://admin.example:3001/participants/payerfsp');
  assert.deepEqual(body.links, { self: 'http://admin.example:3001/participants/payerfsp' });
  assert.equal(body.isActive, 1);
  assert.equal(body.isProxy, true);
  assert.equal(body.dialect, 'fspiop/1.1');
  assert.ok(!Number.isNaN(Date.parse(body.created)));
  assert.deepEqual(
    body.accounts.map((a: any) => [a.ledgerAccountType, a.currency, a.isActive]),
    [
      ['POSITION', 'USD', 0],
      ['SETTLEMENT', 'USD', 0],
    ],
  );
  assert.equal('xmlProfile' in body, false);
  assert.equal('isoIdentifiers' in body, false);
});

test('POST /participants: refusals', async () => {
  const cases: Array<[unknown, number, string, string]> = [
    [{ name: 'payerfsp', currency: 'USD' }, 400, '3000', 'Participant currency has already been registered'],
    [{ name: 'payerfsp', currency: 'EUR' }, 400, '3003', 'Hub reconciliation account for the specified currency does not exist'],
    [{ name: 'x', currency: 'USD' }, 400, '3101', 'Malformed syntax - /requestBody/name must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]{1,29}$"'],
    [{ name: 'Hub', currency: 'USD' }, 400, '3000', 'The hub participant cannot be created'],
    [{ name: 'bank1', currency: 'XYZ' }, 400, '3101', 'Malformed syntax - /requestBody/currency XYZ is not a supported ISO 4217 currency'],
    [{ name: 'p1', currency: 'USD', extra: 1 }, 400, '3103', 'Too many elements - /requestBody/extra is not an allowed property'],
    [
      { name: 'p1', currency: 'USD', dialect: 'x' },
      400,
      '3101',
      'Malformed syntax - /requestBody/dialect must be one of fspiop/1.1, fspiop/2.0, iso20022-json/2.0, iso20022-xml',
    ],
    ['{"name":', 400, '3101', 'Malformed syntax - request body is not valid JSON'],
    ['', 400, '3102', 'Missing mandatory element - /requestBody is required'],
    ['{"__proto__":{}}', 400, '3101', 'Malformed syntax - /requestBody contains the forbidden key __proto__'],
  ];
  for (const [body, status, errorCode, errorDescription] of cases) {
    const res = await api.call('POST', '/participants', body);
    assert.equal(res.status, status, JSON.stringify(body));
    assert.deepEqual(errorOf(res), { errorCode, errorDescription }, JSON.stringify(body));
  }
});

test('GET /participants (isProxy filter) and GET /participants/{name}', async () => {
  await api.call('POST', '/participants', { name: 'bank1', currency: 'USD', dialect: 'iso20022-xml' });
  let res = await api.call('GET', '/participants');
  assert.equal(res.status, 200);
  assert.deepEqual(
    res.json.map((p: any) => p.name),
    ['Hub', 'payerfsp', 'bank1'],
  );
  assert.deepEqual(
    (await api.call('GET', '/participants?isProxy=true')).json.map((p: any) => p.name),
    ['payerfsp'],
  );
  assert.deepEqual(
    (await api.call('GET', '/participants?isProxy=0')).json.map((p: any) => p.name),
    ['Hub', 'bank1'],
  );
  res = await api.call('GET', '/participants/bank1');
  assert.equal(res.status, 200);
  assert.equal(res.json.dialect, 'iso20022-xml');
  assert.equal(res.json.xmlProfile, 'iso-2019');
  res = await api.call('GET', '/participants/ghost');
  assert.equal(res.status, 400);
  assert.deepEqual(errorOf(res), { errorCode: '3200', errorDescription: 'The requested resource could not be found.' });
});

test('PUT /participants/{name}: active flag, dialect, XML profile', async () => {
  let res = await api.call('PUT', '/participants/payerfsp', { isActive: false });
  assert.equal(res.status, 200);
  assert.equal(res.json.isActive, 0);
  assert.equal(api.registry.participant('payerfsp')!.isActive, false);
  res = await api.call('PUT', '/participants/payerfsp', { isActive: 1 });
  assert.equal(res.json.isActive, 1);
  res = await api.call('PUT', '/participants/bank1', { xmlProfile: 'iso-2026' });
  assert.equal(res.json.xmlProfile, 'iso-2026');
  res = await api.call('PUT', '/participants/payerfsp', { dialect: 'fspiop/2.0' });
  assert.equal(res.json.dialect, 'fspiop/2.0');

  res = await api.call('PUT', '/participants/payerfsp', {});
  assert.deepEqual(errorOf(res), { errorCode: '3102', errorDescription: "Missing mandatory element - /requestBody must have required property 'isActive'" });
  res = await api.call('PUT', '/participants/payerfsp', { isActive: 'true' });
  assert.deepEqual(errorOf(res), { errorCode: '3101', errorDescription: 'Malformed syntax - /requestBody/isActive must be a boolean' });
  res = await api.call('PUT', '/participants/ghost', { isActive: true });
  assert.equal(errorOf(res).errorCode, '3200');
});

test('other methods: 405 with Allow', async () => {
  let res = await api.call('DELETE', '/participants');
  assert.equal(res.status, 405);
  assert.equal(res.headers['allow'], 'GET, POST');
  assert.deepEqual(errorOf(res), { errorCode: '3000', errorDescription: 'Generic client error - Method Not Allowed' });
  res = await api.call('POST', '/participants/payerfsp', {});
  assert.equal(res.status, 405);
  assert.equal(res.headers['allow'], 'GET, PUT');
});
