/** Admin API settlement models and ledger account types module (switch/admin/routes/settlement-models.ts). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { settlementModelRoutes } from '../../switch/admin/routes/settlement-models.js';
import { errorOf, startAdminApi, type AdminApi } from '../support/admin-api.js';

let api: AdminApi;

before(async () => {
  api = await startAdminApi('settlement_models', settlementModelRoutes);
});

after(async () => {
  await api?.close();
});

const MODEL = {
  name: 'DEFAULTDEFERREDNET',
  settlementGranularity: 'NET',
  settlementInterchange: 'MULTILATERAL',
  settlementDelay: 'DEFERRED',
  requireLiquidityCheck: true,
  ledgerAccountType: 'POSITION',
  autoPositionReset: true,
  settlementAccountType: 'SETTLEMENT',
};

test('POST, GET, PUT /settlementModels', async () => {
  let res = await api.call('POST', '/settlementModels', MODEL);
  assert.equal(res.status, 201);
  assert.equal(res.text, '');
  res = await api.call('POST', '/settlementModels', {
    ...MODEL,
    name: 'CGS',
    settlementGranularity: 'GROSS',
    settlementInterchange: 'BILATERAL',
    settlementDelay: 'IMMEDIATE',
    currency: 'USD',
    autoPositionReset: false,
  });
  assert.equal(res.status, 201);
  const view = {
    settlementModelId: 1,
    name: 'DEFAULTDEFERREDNET',
    isActive: true,
    settlementGranularity: 'NET',
    settlementInterchange: 'MULTILATERAL',
    settlementDelay: 'DEFERRED',
    currency: null,
    requireLiquidityCheck: true,
    ledgerAccountTypeId: 'POSITION',
    settlementAccountTypeId: 'SETTLEMENT',
    autoPositionReset: true,
  };
  res = await api.call('GET', '/settlementModels');
  assert.equal(res.status, 200);
  assert.deepEqual(
    res.json.map((m: any) => m.name),
    ['DEFAULTDEFERREDNET', 'CGS'],
  );
  assert.deepEqual(res.json[0], view);
  assert.deepEqual((await api.call('GET', '/settlementModels/DEFAULTDEFERREDNET')).json, view);
  res = await api.call('PUT', '/settlementModels/CGS', { isActive: 0 });
  assert.equal(res.status, 200);
  assert.equal(res.json.isActive, false);
  assert.equal(api.registry.settlementModel('CGS')!.isActive, false);
});

test('settlement model refusals', async () => {
  let res = await api.call('POST', '/settlementModels', MODEL);
  assert.deepEqual(errorOf(res), { errorCode: '3000', errorDescription: 'Settlement Model already exists' });
  res = await api.call('POST', '/settlementModels', { ...MODEL, name: 'BAD', settlementDelay: 'IMMEDIATE' });
  assert.equal(res.status, 400);
  assert.equal(errorOf(res).errorDescription, 'Generic client error');
  // A detail longer than FSPIOP's 128 characters travels whole, in consecutive `detail` extensions.
  const detail = res.json.errorInformation.extensionList.extension
    .map((e: { key: string; value: string }) => (assert.equal(e.key, 'detail'), e.value))
    .join('');
  assert.equal(
    detail,
    'Invalid settlement model: IMMEDIATE/NET/MULTILATERAL is not one of IMMEDIATE/GROSS/BILATERAL, DEFERRED/GROSS/BILATERAL, DEFERRED/NET/BILATERAL, DEFERRED/NET/MULTILATERAL',
  );
  res = await api.call('POST', '/settlementModels', { ...MODEL, name: 'X2', extra: 1 });
  assert.deepEqual(errorOf(res), { errorCode: '3103', errorDescription: 'Too many elements - /requestBody/extra is not an allowed property' });
  res = await api.call('POST', '/settlementModels', { ...MODEL, name: 'X2', requireLiquidityCheck: 'yes' });
  assert.deepEqual(errorOf(res), { errorCode: '3101', errorDescription: 'Malformed syntax - /requestBody/requireLiquidityCheck must be a boolean' });
  res = await api.call('GET', '/settlementModels/NOPE');
  assert.deepEqual(errorOf(res), { errorCode: '3100', errorDescription: 'Generic validation error - Settlement model NOPE not found' });
});

test('GET, POST /ledgerAccountTypes', async () => {
  let res = await api.call('GET', '/ledgerAccountTypes');
  assert.equal(res.status, 200);
  assert.ok(res.json.some((t: any) => t.name === 'POSITION' && t.isSettleable === true));
  const type = { name: 'EXTRA_TYPE', description: 'x', isActive: true, isSettleable: false };
  res = await api.call('POST', '/ledgerAccountTypes', type);
  assert.equal(res.status, 201);
  assert.ok((await api.call('GET', '/ledgerAccountTypes')).json.some((t: any) => t.name === 'EXTRA_TYPE'));
  assert.equal(api.registry.hasAccountType('EXTRA_TYPE'), true);
  res = await api.call('POST', '/ledgerAccountTypes', type);
  assert.deepEqual(errorOf(res), { errorCode: '3000', errorDescription: 'Ledger account type already exists' });
});

test('other methods: 405 with Allow', async () => {
  for (const [method, path, allow] of [
    ['DELETE', '/settlementModels/CGS', 'GET, PUT'],
    ['PUT', '/settlementModels', 'GET, POST'],
    ['DELETE', '/ledgerAccountTypes', 'GET, POST'],
  ]) {
    const res = await api.call(method!, path!);
    assert.equal(res.status, 405);
    assert.equal(res.headers['allow'], allow);
  }
});
