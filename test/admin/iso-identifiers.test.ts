/** Admin API ISO 20022 identifiers module (switch/admin/routes/iso-identifiers.ts) on a real server and PostgreSQL. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isoIdentifierRoutes } from '../../switch/admin/routes/iso-identifiers.js';
import { errorOf, seedCurrency, seedParticipant, startAdminApi, type AdminApi } from '../support/admin-api.js';

let api: AdminApi;

before(async () => {
  api = await startAdminApi('iso_ids', isoIdentifierRoutes);
  await seedCurrency(api, 'USD');
  await seedParticipant(api, 'bank1', 'USD');
  await seedParticipant(api, 'bank2', 'USD');
});

after(async () => {
  await api?.close();
});

const put = (name: string, body: unknown) => api.call('PUT', `/participants/${name}/isoIdentifiers`, body);

test('GET and PUT replace the whole set; the registry resolves banks by them', async () => {
  let res = await api.call('GET', '/participants/bank1/isoIdentifiers');
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, { clearingSystemMemberIds: [] });
  const ids = { bicfi: 'BANKUS33XXX', clearingSystemMemberIds: [{ clearingSystemId: 'USABA', memberId: '021000021' }] };
  res = await put('bank1', ids);
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, ids);
  assert.equal(api.participants.participantOfBic('BANKUS33XXX')?.name, 'bank1');
  assert.equal(api.participants.participantOfMember('USABA', '021000021')?.name, 'bank1');
  assert.deepEqual((await api.call('GET', '/participants/bank1/isoIdentifiers')).json, ids);
  res = await put('bank1', {});
  assert.deepEqual(res.json, { clearingSystemMemberIds: [] });
  assert.equal(api.participants.participantOfBic('BANKUS33XXX'), undefined);
  await put('bank1', ids);
});

test('refusals: taken identifiers, malformed values, unknown participant', async () => {
  let res = await put('bank2', { bicfi: 'BANKUS33XXX' });
  assert.equal(res.status, 400);
  assert.equal(errorOf(res).errorCode, '3003');
  assert.match(errorOf(res).errorDescription, /^Add Party information error - BICFI BANKUS33XXX is already registered to participant bank1/);
  res = await put('bank2', { bicfi: 'bad' });
  assert.equal(errorOf(res).errorCode, '3101');
  const twice = { clearingSystemId: 'USABA', memberId: '026009593' };
  res = await put('bank2', { clearingSystemMemberIds: [twice, twice] });
  assert.deepEqual(errorOf(res), {
    errorCode: '3100',
    errorDescription: 'Generic validation error - /requestBody/clearingSystemMemberIds lists USABA/026009593 twice',
  });
  res = await put('bank2', { other: 1 });
  assert.deepEqual(errorOf(res), { errorCode: '3103', errorDescription: 'Too many elements - /requestBody/other is not an allowed property' });
  res = await api.call('GET', '/participants/ghost/isoIdentifiers');
  assert.deepEqual(errorOf(res), { errorCode: '3200', errorDescription: 'The requested resource could not be found.' });
  res = await put('ghost', {});
  assert.equal(errorOf(res).errorCode, '3200');
});

test('other methods: 405 with Allow', async () => {
  const res = await api.call('POST', '/participants/bank1/isoIdentifiers', {});
  assert.equal(res.status, 405);
  assert.equal(res.headers['allow'], 'GET, PUT');
});
