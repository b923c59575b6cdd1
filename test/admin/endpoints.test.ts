/** Admin API callback endpoints module (switch/admin/routes/endpoints.ts) on a real server and PostgreSQL. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { endpointRoutes } from '../../switch/admin/routes/endpoints.js';
import { errorOf, seedCurrency, seedParticipant, startAdminApi, type AdminApi } from '../support/admin-api.js';

let api: AdminApi;
let secured: AdminApi;

before(async () => {
  [api, secured] = await Promise.all([
    startAdminApi('endpoints', endpointRoutes),
    startAdminApi('endpoints_mtls', endpointRoutes, { requireHttpsCallbacks: true }),
  ]);
  for (const a of [api, secured]) {
    await seedCurrency(a, 'USD');
    await seedParticipant(a, 'payerfsp', 'USD');
  }
});

after(async () => {
  await Promise.all([api?.close(), secured?.close()]);
});

test('POST then GET /participants/{name}/endpoints (all, one type, an unknown type)', async () => {
  assert.deepEqual((await api.call('GET', '/participants/payerfsp/endpoints')).json, []);
  const post = (type: string, value: string) => api.call('POST', '/participants/payerfsp/endpoints', { type, value });
  let res = await post('FSPIOP_CALLBACK_URL_TRANSFER_POST', 'http://127.0.0.1:9/transfers');
  assert.equal(res.status, 201);
  assert.equal(res.text, '');
  res = await post('FSPIOP_CALLBACK_URL_TRANSFER_PUT', 'http://127.0.0.1:9/transfers/{{transferId}}');
  assert.equal(res.status, 201);
  res = await post('NET_DEBIT_CAP_ADJUSTMENT_EMAIL', 'ops@example.com');
  assert.equal(res.status, 201, 'only URL types are checked as URLs');
  assert.equal(api.participants.endpoint('payerfsp', 'FSPIOP_CALLBACK_URL_TRANSFER_POST'), 'http://127.0.0.1:9/transfers');

  res = await api.call('GET', '/participants/payerfsp/endpoints');
  assert.deepEqual(res.json, [
    { type: 'FSPIOP_CALLBACK_URL_TRANSFER_POST', value: 'http://127.0.0.1:9/transfers' },
    { type: 'FSPIOP_CALLBACK_URL_TRANSFER_PUT', value: 'http://127.0.0.1:9/transfers/{{transferId}}' },
    { type: 'NET_DEBIT_CAP_ADJUSTMENT_EMAIL', value: 'ops@example.com' },
  ]);
  res = await api.call('GET', '/participants/payerfsp/endpoints?type=FSPIOP_CALLBACK_URL_TRANSFER_POST');
  assert.deepEqual(res.json, { type: 'FSPIOP_CALLBACK_URL_TRANSFER_POST', value: 'http://127.0.0.1:9/transfers' });
  assert.deepEqual((await api.call('GET', '/participants/payerfsp/endpoints?type=NONE')).json, {});
});

test('refusals: URLs, type pattern, unknown participant', async () => {
  const cases: Array<[string, unknown, string, string]> = [
    ['payerfsp', { type: 'FSPIOP_CALLBACK_URL_QUOTES', value: 'ftp://x' }, '3101', 'Malformed syntax - /requestBody/value must be an http or https URL'],
    ['payerfsp', { type: 'FSPIOP_CALLBACK_URL_QUOTES', value: 'not a url' }, '3101', 'Malformed syntax - /requestBody/value must be an absolute http(s) URL'],
    ['payerfsp', { type: 'lower', value: 'x' }, '3101', 'Malformed syntax - /requestBody/type must match pattern "^[A-Z][A-Z0-9_]{1,99}$"'],
    ['payerfsp', { type: 'FSPIOP_CALLBACK_URL_QUOTES' }, '3102', "Missing mandatory element - /requestBody must have required property 'value'"],
    ['ghost', { type: 'FSPIOP_CALLBACK_URL_QUOTES', value: 'http://x' }, '3200', 'The requested resource could not be found.'],
  ];
  for (const [name, body, errorCode, errorDescription] of cases) {
    const res = await api.call('POST', `/participants/${name}/endpoints`, body);
    assert.equal(res.status, 400);
    assert.deepEqual(errorOf(res), { errorCode, errorDescription }, JSON.stringify(body));
  }
  assert.equal((await api.call('GET', '/participants/ghost/endpoints')).json.errorInformation.errorCode, '3200');
});

test('with mTLS on, FSPIOP callback URLs must be https', async () => {
  let res = await secured.call('POST', '/participants/payerfsp/endpoints', { type: 'FSPIOP_CALLBACK_URL_QUOTES', value: 'http://127.0.0.1:9/q' });
  assert.deepEqual(errorOf(res), {
    errorCode: '3101',
    errorDescription: 'Malformed syntax - /requestBody/value must be an https URL: the hub calls back over mutual TLS',
  });
  res = await secured.call('POST', '/participants/payerfsp/endpoints', { type: 'FSPIOP_CALLBACK_URL_QUOTES', value: 'https://127.0.0.1:9/q' });
  assert.equal(res.status, 201);
});

test('other methods: 405 with Allow', async () => {
  const res = await api.call('PUT', '/participants/payerfsp/endpoints', {});
  assert.equal(res.status, 405);
  assert.equal(res.headers['allow'], 'GET, POST');
});
