/**
 * Admin API keys module (switch/admin/routes/keys.ts): participants' JWS keys and banks' XML-signing
 * certificates, on a real server and PostgreSQL. The key rules themselves: test/security/jws.test.ts.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { after, before, test } from 'node:test';
import { keyRoutes } from '../../switch/admin/routes/keys.js';
import { createCa } from '../../switch/security/pki.js';
import { parseJwsPublicKey } from '../../switch/security/jws-keys.js';
import { errorOf, seedCurrency, seedParticipant, startAdminApi, type AdminApi } from '../support/admin-api.js';

let api: AdminApi;
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }) as string;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;

before(async () => {
  api = await startAdminApi('keys', keyRoutes);
  await seedCurrency(api, 'USD');
  await seedParticipant(api, 'payeefsp', 'USD');
  await seedParticipant(api, 'bank1', 'USD');
});

after(async () => {
  await api?.close();
});

const post = (name: string, body: unknown, collection = 'jwsKeys') => api.call('POST', `/participants/${name}/${collection}`, body);

test('POST, GET, DELETE /participants/{name}/jwsKeys: rotation through the API reaches the key store', async () => {
  let res = await post('payeefsp', { publicKey: pem(rsa), kid: 'key-rsa' });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.deepEqual(res.json, { kid: 'key-rsa', alg: 'RS256' });
  res = await post('payeefsp', { publicKey: pem(ec) });
  assert.deepEqual(res.json, { kid: parseJwsPublicKey(pem(ec)).thumbprint, alg: 'ES256' }, 'default kid: RFC 7638 thumbprint');
  assert.equal(api.jwsKeys.keysOf('payeefsp').length, 2);

  res = await post('payeefsp', { publicKey: pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey) });
  assert.deepEqual(errorOf(res), { errorCode: '3100', errorDescription: 'Generic validation error - a participant holds at most two active keys' });

  res = await api.call('GET', '/participants/payeefsp/jwsKeys');
  assert.equal(res.status, 200);
  assert.deepEqual(
    res.json.map((k: any) => [k.kid, k.alg, k.publicKey, k.revokedDate]),
    [
      ['key-rsa', 'RS256', pem(rsa), undefined],
      [res.json[1].kid, 'ES256', pem(ec), undefined],
    ],
  );
  assert.ok(!Number.isNaN(Date.parse(res.json[0].createdDate)));

  res = await api.call('DELETE', '/participants/payeefsp/jwsKeys/key-rsa');
  assert.equal(res.status, 204);
  assert.equal(res.text, '');
  assert.equal(api.jwsKeys.keysOf('payeefsp').length, 1);
  res = await api.call('GET', '/participants/payeefsp/jwsKeys');
  assert.ok(!Number.isNaN(Date.parse(res.json[0].revokedDate)), 'a revoked key stays listed, with its date');
  res = await api.call('DELETE', '/participants/payeefsp/jwsKeys/unknown-kid');
  assert.deepEqual(errorOf(res), { errorCode: '3200', errorDescription: 'Generic ID not found - JWS key unknown-kid of payeefsp not found' });
});

test('jwsKeys refusals: participant, body, key', async () => {
  for (const [method, path] of [
    ['GET', '/participants/ghost/jwsKeys'],
    ['POST', '/participants/ghost/jwsKeys'],
    ['DELETE', '/participants/ghost/jwsKeys/x'],
  ] as const) {
    const res = await api.call(method, path, method === 'POST' ? { publicKey: pem(rsa) } : undefined);
    assert.deepEqual(errorOf(res), { errorCode: '3200', errorDescription: 'The requested resource could not be found.' }, `${method} ${path}`);
  }
  const cases: Array<[unknown, string, string?]> = [
    [{}, '3102', "Missing mandatory element - /requestBody must have required property 'publicKey'"],
    [{ publicKey: pem(rsa), extra: 1 }, '3103'],
    ['{"publicKey":', '3101'],
    [{ publicKey: 42 }, '3101'],
    [{ publicKey: pem(rsa), kid: 'no/slash' }, '3101'],
    [{ publicKey: 'not a key' }, '3101'],
    [
      { publicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) },
      '3100',
      'Generic validation error - private keys are not accepted: send the public key (SPKI) or an X.509 certificate',
    ],
  ];
  for (const [body, errorCode, errorDescription] of cases) {
    const res = await post('payeefsp', body);
    assert.equal(res.status, 400);
    assert.equal(errorOf(res).errorCode, errorCode, JSON.stringify(body));
    if (errorDescription) assert.equal(errorOf(res).errorDescription, errorDescription);
  }
});

test('xmlCertificates: X.509 certificates only, kept apart from JWS keys', async () => {
  const ca = await createCa({ keyType: 'ec', commonName: 'Test CA' });
  let res = await post('bank1', { certificate: pem(ec) }, 'xmlCertificates');
  assert.deepEqual(errorOf(res), { errorCode: '3101', errorDescription: 'Malformed syntax - /requestBody/certificate must be an X.509 certificate (PEM)' });
  res = await post('bank1', { publicKey: ca.certPem }, 'xmlCertificates');
  assert.deepEqual(errorOf(res), { errorCode: '3103', errorDescription: 'Too many elements - /requestBody/publicKey is not an allowed property' });
  res = await post('bank1', { certificate: ca.certPem, kid: 'bank1-2026' }, 'xmlCertificates');
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.json, { kid: 'bank1-2026', alg: 'ES256' });
  assert.equal(api.xmlCertificates.activeKeysOf('bank1')[0]?.certificate, `${ca.certPem.trim()}\n`);
  assert.equal(api.jwsKeys.keysOf('bank1').length, 0);
  res = await api.call('GET', '/participants/bank1/xmlCertificates');
  assert.deepEqual(
    res.json.map((k: any) => k.kid),
    ['bank1-2026'],
  );
  assert.ok(res.json[0].certificate.startsWith('-----BEGIN CERTIFICATE-----'));
  assert.equal((await api.call('DELETE', '/participants/bank1/xmlCertificates/bank1-2026')).status, 204);
  assert.equal(api.xmlCertificates.keysOf('bank1').length, 0);
});

test('other methods: 405 with Allow', async () => {
  for (const collection of ['jwsKeys', 'xmlCertificates']) {
    let res = await api.call('PUT', `/participants/payeefsp/${collection}`, {});
    assert.equal(res.status, 405);
    assert.equal(res.headers['allow'], 'GET, POST');
    res = await api.call('GET', `/participants/payeefsp/${collection}/k`);
    assert.equal(res.headers['allow'], 'DELETE');
  }
});
