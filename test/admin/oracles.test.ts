/** Admin API oracle registry module (switch/admin/routes/oracles.ts) on a real server and PostgreSQL. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { oracleRoutes } from '../../switch/admin/routes/oracles.js';
import { errorOf, startAdminApi, type AdminApi } from '../support/admin-api.js';

let api: AdminApi;
const ALS = { 'content-type': 'application/json', date: new Date().toUTCString(), accept: 'application/vnd.interoperability.participants+json;version=1.1' };
const msisdn = (value = 'http://127.0.0.1:9/oracle') => ({
  oracleIdType: 'MSISDN',
  endpoint: { value, endpointType: 'URL' },
  currency: 'USD',
  isDefault: true,
});

before(async () => {
  api = await startAdminApi('oracles', oracleRoutes);
});

after(async () => {
  await api?.close();
});

test('the ALS headers Content-Type, Date and Accept are required', async () => {
  for (const missing of ['content-type', 'date', 'accept']) {
    const headers: Record<string, string> = { ...ALS };
    delete headers[missing];
    const res = await api.call('GET', '/oracles', undefined, headers);
    assert.equal(res.status, 400);
    assert.deepEqual(errorOf(res), { errorCode: '3102', errorDescription: `Missing mandatory element - ${missing} header is required` });
  }
});

test('POST, GET, PUT, DELETE /oracles; each change reaches the directory', async () => {
  let res = await api.call('POST', '/oracles', msisdn(), ALS);
  assert.equal(res.status, 201);
  assert.equal(res.text, '');
  assert.equal(api.directory.oracles.select('MSISDN', 'USD')?.endpoint.value, 'http://127.0.0.1:9/oracle');
  res = await api.call('POST', '/oracles', { oracleIdType: 'ACCOUNT_ID', endpoint: { value: 'http://127.0.0.1:9/acc', endpointType: 'URL' } }, ALS);
  assert.equal(res.status, 201);
  res = await api.call('GET', '/oracles', undefined, ALS);
  assert.deepEqual(res.json, [
    { oracleId: 1, oracleIdType: 'MSISDN', endpoint: { value: 'http://127.0.0.1:9/oracle', endpointType: 'URL' }, currency: 'USD', isDefault: true },
    { oracleId: 2, oracleIdType: 'ACCOUNT_ID', endpoint: { value: 'http://127.0.0.1:9/acc', endpointType: 'URL' }, currency: null, isDefault: false },
  ]);
  assert.deepEqual(
    (await api.call('GET', '/oracles?type=ACCOUNT_ID', undefined, ALS)).json.map((o: any) => o.oracleId),
    [2],
  );
  assert.deepEqual(
    (await api.call('GET', '/oracles?currency=USD', undefined, ALS)).json.map((o: any) => o.oracleId),
    [1],
  );

  res = await api.call('PUT', '/oracles/1', msisdn('http://127.0.0.1:9/o2'), ALS);
  assert.equal(res.status, 204);
  assert.equal(api.directory.oracles.select('MSISDN', 'USD')?.endpoint.value, 'http://127.0.0.1:9/o2');
  res = await api.call('DELETE', '/oracles/1', undefined, ALS);
  assert.equal(res.status, 204);
  assert.equal(api.directory.oracles.select('MSISDN', 'USD'), undefined);
  res = await api.call('DELETE', '/oracles/1', undefined, ALS);
  assert.deepEqual(errorOf(res), { errorCode: '3200', errorDescription: 'Generic ID not found - oracle 1 not found' });
});

test('refusals: duplicate, id type, currency, missing endpoint, ids', async () => {
  assert.equal((await api.call('POST', '/oracles', msisdn(), ALS)).status, 201);
  let res = await api.call('POST', '/oracles', msisdn(), ALS);
  assert.equal(res.status, 500);
  assert.deepEqual(errorOf(res), {
    errorCode: '2001',
    errorDescription: 'Internal server error - an oracle for MSISDN at http://127.0.0.1:9/oracle is already registered',
  });
  res = await api.call('POST', '/oracles', { oracleIdType: 'NOPE', endpoint: { value: 'http://x', endpointType: 'URL' } }, ALS);
  assert.deepEqual(res.json.errorInformation.extensionList.extension[0], {
    key: 'detail',
    value: '/requestBody/oracleIdType must be one of MSISDN, EMAIL, PERSONAL_ID, BUSINESS, DEVICE, ACCOUNT_ID, IBAN, ALIAS',
  });
  res = await api.call('POST', '/oracles', { ...msisdn('http://x'), currency: 'ABC' }, ALS);
  assert.deepEqual(errorOf(res), { errorCode: '3100', errorDescription: 'Generic validation error - /requestBody/currency ABC is not a supported currency' });
  res = await api.call('POST', '/oracles', { oracleIdType: 'MSISDN' }, ALS);
  assert.deepEqual(errorOf(res), { errorCode: '3102', errorDescription: "Missing mandatory element - /requestBody must have required property 'endpoint'" });
  res = await api.call('POST', '/oracles', msisdn('ftp://x'), ALS);
  assert.deepEqual(errorOf(res), { errorCode: '3101', errorDescription: 'Malformed syntax - /requestBody/value must be an http or https URL' });
  res = await api.call('PUT', '/oracles/abc', msisdn(), ALS);
  assert.deepEqual(errorOf(res), { errorCode: '3101', errorDescription: 'Malformed syntax - /path/ID must be a numeric oracle id' });
  res = await api.call('PUT', '/oracles/999', msisdn('http://127.0.0.1:9/o3'), ALS);
  assert.deepEqual(errorOf(res), { errorCode: '3200', errorDescription: 'Generic ID not found - oracle 999 not found' });
});

test('other methods: 405 with Allow', async () => {
  let res = await api.call('GET', '/oracles/1', undefined, ALS);
  assert.equal(res.status, 405);
  assert.equal(res.headers['allow'], 'PUT, DELETE');
  res = await api.call('DELETE', '/oracles', undefined, ALS);
  assert.equal(res.headers['allow'], 'GET, POST');
});
