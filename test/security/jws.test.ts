/**
 * FSPIOP JWS: the contract's test vectors (security.md §4.1, §4.2), every verification failure
 * mode, the signer, the signing pool and the key store (PostgreSQL); its Admin API routes: test/admin/keys.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHmac, createPublicKey, generateKeyPairSync, verify as cryptoVerify, webcrypto, type KeyObject } from 'node:crypto';
import { FspiopError } from '../../schemas/errors.js';
import { JwsSigningPool, signFspiopMessage, signingAlgFor, verifyFspiopSignature, type VerifyInput } from '../../switch/security/jws.js';
import { JwsKeyStore, parseJwsPublicKey } from '../../switch/security/jws-keys.js';
import { openDb, type Db } from '../../ledger/db.js';
import { migrate } from '../../ledger/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

// ------------------------------------------------------------------------- contract vectors

const RS256_PEM = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvC5NUa9sK09o88PiFQm8
cKAFP0MEhugl8ag8MY/0ZAWlxJEpqECeNHRymTQ5Nk3mIcXQtUkAGvmvzk85BtvB
0H06WpzyU/IBkGdIelr5s434cbvnCm3ByL0eneUuQY0652SGCJVVh/duJoc09NFV
oJgkWHqpoOpeDGzCqVxlaY+gGt2ksSaKRn8vGDa6G9yaen8ZhyACVjzMuB89WDxJ
s4C13n+dtfdrm/3LbqlD6sSsBAaQOdlw/InVSZeQgcZFq2BLxaZkS/QIs6Ki5AhM
eTKY4eq90HbCKzRJ4EdjzOQiyiLZcwWoQQWxWyXnAdHg9EhxItpJbZUXqUkbEn6P
gQIDAQAB
-----END PUBLIC KEY-----
`;
const ES256_PEM = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEpBhcrhy6FMpAbcBzizvbwGfLSNvg
nSYP5z+KTU9GwZ3iFqT8Z8rZRS1rSOSyQP+IQvpRFFCjWB9N0jUHAP3IMQ==
-----END PUBLIC KEY-----
`;
const BODY = Buffer.from(
  '{"amount":{"amount":"100","currency":"USD"},"condition":"GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM","expiration":"2030-01-01T00:00:00.000Z","ilpPacket":"AYIBgQAAAAAAAAAAAA","payeeFsp":"payeefsp","payerFsp":"payerfsp","transferId":"01JBFH0S3PQTFEZ7E0R0ES7X9R"}',
  'utf8',
);
const BODY_B64 =
  'eyJhbW91bnQiOnsiYW1vdW50IjoiMTAwIiwiY3VycmVuY3kiOiJVU0QifSwiY29uZGl0aW9uIjoiR1J6TGFUUDdESjl0NFAtYV9CQTBXQTl3enpsc3VnZjAwLVRuNmtFU0FmTSIsImV4cGlyYXRpb24iOiIyMDMwLTAxLTAxVDAwOjAwOjAwLjAwMFoiLCJpbHBQYWNrZXQiOiJBWUlCZ1FBQUFBQUFBQUFBQUEiLCJwYXllZUZzcCI6InBheWVlZnNwIiwicGF5ZXJGc3AiOiJwYXllcmZzcCIsInRyYW5zZmVySWQiOiIwMUpCRkgwUzNQUVRGRVo3RTBSMEVTN1g5UiJ9';
const DATE = 'Thu, 01 Jan 2026 00:00:00 GMT';
const RS256_PROTECTED =
  'eyJhbGciOiJSUzI1NiIsIkZTUElPUC1VUkkiOiIvdHJhbnNmZXJzIiwiRlNQSU9QLUhUVFAtTWV0aG9kIjoiUE9TVCIsIkZTUElPUC1Tb3VyY2UiOiJwYXllcmZzcCIsIkZTUElPUC1EZXN0aW5hdGlvbiI6InBheWVlZnNwIiwiRGF0ZSI6IlRodSwgMDEgSmFuIDIwMjYgMDA6MDA6MDAgR01UIn0';
const RS256_SIGNATURE_HEADER = `{"protectedHeader":"${RS256_PROTECTED}","signature":"iKk26oz9vwtu6W3S9aWkzZT2HUy5sMs1izP5XQvSl5qol7yUIxWlpYQ0Yj64WxkRjWTzrNRYAwmxCxHqQGeFaresdPby4wmifhlastZCpmApJbsV7P0jLkHCHR-DQnaGT1iGjMP2JlyHaOMZOUe8l3Vk21XV3L4NxtfF5crOUqYy7yUxbO9p11x1ISSrX1BrS6eYFTGfubS-pjf7WFIaHTtTac24cDLEkonDyeszxiEsga_GJxnS1gpZey5HR6TK9MFvEa_1LwP8y4xcrZqDK7b4C6x-6D4ePcDuVc3wUuvqdtqyR4coV8hOROL3C5Uq4U0WwRhN4sfzrZTylgSGcA"}`;
const ES256_SIGNATURE_HEADER =
  '{"protectedHeader":"eyJhbGciOiJFUzI1NiIsIkZTUElPUC1VUkkiOiIvdHJhbnNmZXJzIiwiRlNQSU9QLUhUVFAtTWV0aG9kIjoiUE9TVCIsIkZTUElPUC1Tb3VyY2UiOiJwYXllcmZzcCIsIkZTUElPUC1EZXN0aW5hdGlvbiI6InBheWVlZnNwIiwiRGF0ZSI6IlRodSwgMDEgSmFuIDIwMjYgMDA6MDA6MDAgR01UIn0","signature":"iRau1LhiaC9JbNE17QQLpBODx09IxW0EiuCZ45zRUHZbWaQweIr1zoc9c0jgz5cOQma3Fi2LVWWxWi1FRG4agg"}';
const DECODED_PROTECTED =
  '{"alg":"RS256","FSPIOP-URI":"/transfers","FSPIOP-HTTP-Method":"POST","FSPIOP-Source":"payerfsp","FSPIOP-Destination":"payeefsp","Date":"Thu, 01 Jan 2026 00:00:00 GMT"}';

const vectorRsaKey = createPublicKey(RS256_PEM);
const vectorEcKey = createPublicKey(ES256_PEM);

/** The §4.1 request headers (lower-case names, as node delivers them). */
function vectorHeaders(signature: string, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/vnd.interoperability.transfers+json;version=1.1',
    date: DATE,
    'fspiop-source': 'payerfsp',
    'fspiop-destination': 'payeefsp',
    'fspiop-uri': '/transfers',
    'fspiop-http-method': 'POST',
    'fspiop-signature': signature,
    ...overrides,
  };
  for (const [k, v] of Object.entries(headers)) if (v === undefined) delete headers[k];
  return headers;
}

function reasonOf(input: VerifyInput): string {
  try {
    verifyFspiopSignature(input);
  } catch (err) {
    assert.ok(err instanceof FspiopError, `expected FspiopError, got ${String(err)}`);
    assert.equal(err.code, '3105');
    assert.equal(err.httpStatus, 400);
    assert.ok(err.description.startsWith('Invalid signature - '), err.description);
    assert.ok(err.description.length <= 128);
    return err.description.slice('Invalid signature - '.length);
  }
  assert.fail('verification was expected to fail');
}

describe('contract vectors', () => {
  test('§4.1 body bytes encode to the stated payload, protected header decodes as stated', () => {
    assert.equal(BODY.toString('base64url'), BODY_B64);
    // The contract text says "300 chars"; the stated string (and the body's encoding) has 348.
    assert.equal(BODY_B64.length, 348);
    assert.equal(Buffer.from(RS256_PROTECTED, 'base64url').toString('utf8'), DECODED_PROTECTED);
  });

  test('§4.1 RS256 vector verifies', () => {
    verifyFspiopSignature({ method: 'POST', headers: vectorHeaders(RS256_SIGNATURE_HEADER), body: BODY, keys: [vectorRsaKey] });
  });

  test('§4.2 ES256 vector (raw r||s) verifies', () => {
    verifyFspiopSignature({ method: 'POST', headers: vectorHeaders(ES256_SIGNATURE_HEADER), body: BODY, keys: [vectorEcKey] });
  });

  test('either vector verifies when the participant holds both keys (rotation)', () => {
    for (const sig of [RS256_SIGNATURE_HEADER, ES256_SIGNATURE_HEADER]) {
      verifyFspiopSignature({ method: 'POST', headers: vectorHeaders(sig), body: BODY, keys: [vectorRsaKey, vectorEcKey] });
      verifyFspiopSignature({ method: 'POST', headers: vectorHeaders(sig), body: BODY, keys: [vectorEcKey, vectorRsaKey] });
    }
  });

  test('an empty FSPIOP-Destination header counts as absent (what Mojaloop adds when forwarding)', () => {
    const payer = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const sig = signFspiopMessage({ method: 'POST', uri: '/quotes', source: 'payerfsp', date: DATE, body: BODY, key: payer.privateKey, alg: 'RS256' });
    const headers = vectorHeaders(sig, { 'fspiop-uri': '/quotes', 'fspiop-destination': '' });
    verifyFspiopSignature({ method: 'POST', headers, body: BODY, keys: [payer.publicKey] });
  });
});

// ------------------------------------------------------------------------- failure modes

describe('verification failures: 3105 with a precise reason', () => {
  const payer = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const payee = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ok = (
    sig = RS256_SIGNATURE_HEADER,
    overrides: Record<string, string | undefined> = {},
    keys: KeyObject[] = [vectorRsaKey],
    method = 'POST',
    body = BODY,
  ): VerifyInput => ({
    method,
    headers: vectorHeaders(sig, overrides),
    body,
    keys,
  });
  const withProtected = (header: Record<string, unknown>, signature = 'AAAA') =>
    JSON.stringify({ protectedHeader: Buffer.from(JSON.stringify(header)).toString('base64url'), signature });
  const reasons = new Map<string, string>();
  const expect = (mode: string, input: VerifyInput, pattern: RegExp) => {
    const reason = reasonOf(input);
    assert.match(reason, pattern, `${mode}: ${reason}`);
    reasons.set(mode, reason);
  };

  test('signature header missing or malformed', () => {
    expect('missing', ok(undefined, { 'fspiop-signature': undefined }), /^FSPIOP-Signature header is missing$/);
    expect('not JSON', ok('eyJhbGciOi.abc'), /^FSPIOP-Signature header is malformed: not JSON$/);
    expect('not an object', ok('["a","b"]'), /malformed: not a JSON object/);
    expect('no signature member', ok(JSON.stringify({ protectedHeader: RS256_PROTECTED })), /malformed: signature must be a string/);
    expect('protectedHeader not a string', ok(JSON.stringify({ protectedHeader: 1, signature: 'AA' })), /malformed: protectedHeader must be a string/);
    expect(
      'extra member',
      ok(JSON.stringify({ protectedHeader: RS256_PROTECTED, signature: 'AA', payload: BODY_B64 })),
      /malformed: unexpected member payload/,
    );
    expect(
      'not base64url',
      ok(JSON.stringify({ protectedHeader: `${RS256_PROTECTED}==`, signature: 'AA' })),
      /malformed: protectedHeader is not 1..32768 base64url chars/,
    );
    expect('empty signature', ok(JSON.stringify({ protectedHeader: RS256_PROTECTED, signature: '' })), /malformed: signature is not 1..512 base64url chars/);
    const twice = ok();
    twice.headers['fspiop-signature'] = [RS256_SIGNATURE_HEADER, RS256_SIGNATURE_HEADER];
    expect('repeated header', twice, /^FSPIOP-Signature header appears more than once$/);
  });

  test('required headers missing', () => {
    expect('no source', ok(undefined, { 'fspiop-source': undefined }), /^FSPIOP-Source header is missing$/);
    expect('no uri', ok(undefined, { 'fspiop-uri': undefined }), /^FSPIOP-URI header is missing$/);
    expect('no method', ok(undefined, { 'fspiop-http-method': undefined }), /^FSPIOP-HTTP-Method header is missing$/);
    expect('no body', ok(undefined, {}, [vectorRsaKey], 'POST', Buffer.alloc(0)), /^a signed POST request must have a body$/);
    expect('no key', ok(undefined, {}, []), /^no public key is registered for payerfsp$/);
  });

  test('protected header unreadable', () => {
    expect(
      'protected not JSON',
      ok(JSON.stringify({ protectedHeader: Buffer.from('{alg').toString('base64url'), signature: 'AA' })),
      /^protected header is not base64url-encoded UTF-8 JSON$/,
    );
    expect(
      'protected not an object',
      ok(JSON.stringify({ protectedHeader: Buffer.from('"RS256"').toString('base64url'), signature: 'AA' })),
      /^protected header is not a JSON object$/,
    );
    expect('protected 4n+1', ok(JSON.stringify({ protectedHeader: 'eyJhb', signature: 'AA' })), /^protected header is not valid base64url$/);
  });

  test('wrong key, tampered body, tampered protected header, signature of another participant', () => {
    expect('wrong key', ok(undefined, {}, [payer.publicKey]), /^signature does not verify with the key of payerfsp$/);
    const tampered = Buffer.from(BODY);
    tampered[tampered.indexOf('100')] = '2'.charCodeAt(0); // amount 100 -> 200, one byte
    expect('tampered body', ok(undefined, {}, [vectorRsaKey], 'POST', tampered), /^signature does not verify/);
    // Same members (all header checks pass), different bytes: the signature no longer covers it.
    const reordered = JSON.parse(DECODED_PROTECTED) as Record<string, string>;
    const tamperedHeader = JSON.stringify({
      protectedHeader: Buffer.from(JSON.stringify({ ...reordered, kid: 'x' })).toString('base64url'),
      signature: (JSON.parse(RS256_SIGNATURE_HEADER) as { signature: string }).signature,
    });
    expect('tampered protected header', ok(tamperedHeader), /^signature does not verify/);
    // payee signs a message claiming to come from payer: checked with payer's keys, it fails.
    const forged = signFspiopMessage({
      method: 'POST',
      uri: '/transfers',
      source: 'payerfsp',
      destination: 'payeefsp',
      date: DATE,
      body: BODY,
      key: payee.privateKey,
      alg: 'RS256',
    });
    expect('another participant (forged source)', ok(forged, {}, [payer.publicKey]), /^signature does not verify with the key of payerfsp$/);
    // payee's own valid signature (source payeefsp) sent under FSPIOP-Source payerfsp.
    const own = signFspiopMessage({
      method: 'POST',
      uri: '/transfers',
      source: 'payeefsp',
      destination: 'payeefsp',
      date: DATE,
      body: BODY,
      key: payee.privateKey,
      alg: 'RS256',
    });
    expect('another participant (own source)', ok(own, {}, [payer.publicKey]), /^FSPIOP-Source header payerfsp does not match protected payeefsp$/);
    // two keys, neither right
    expect('two wrong keys', ok(undefined, {}, [payer.publicKey, payee.publicKey]), /^signature does not verify with the keys of payerfsp$/);
  });

  test('protected members must equal the headers', () => {
    expect(
      'uri mismatch',
      ok(undefined, { 'fspiop-uri': '/transfers/01JBFH0S3PQTFEZ7E0R0ES7X9R' }),
      /^FSPIOP-URI header \/transfers\/01JBF\.\.\.EZ7E0R0ES7X9R does not match protected \/transfers$/,
    );
    expect('uri case', ok(undefined, { 'fspiop-uri': '/Transfers' }), /^FSPIOP-URI header \/Transfers does not match/);
    expect(
      'method mismatch',
      ok(undefined, { 'fspiop-http-method': 'PUT' }, [vectorRsaKey], 'PUT'),
      /^FSPIOP-HTTP-Method header PUT does not match protected POST$/,
    );
    expect('method not the request method', ok(undefined, {}, [vectorRsaKey], 'PUT'), /^FSPIOP-HTTP-Method header POST is not the request method PUT$/);
    expect('source mismatch', ok(undefined, { 'fspiop-source': 'otherfsp' }), /^FSPIOP-Source header otherfsp does not match protected payerfsp$/);
    expect(
      'destination mismatch',
      ok(undefined, { 'fspiop-destination': 'otherfsp' }),
      /^FSPIOP-Destination header otherfsp does not match protected payeefsp$/,
    );
    expect(
      'destination header missing',
      ok(undefined, { 'fspiop-destination': undefined }),
      /^protected header has FSPIOP-Destination but the header is missing$/,
    );
    const noDestination = signFspiopMessage({
      method: 'POST',
      uri: '/transfers',
      source: 'payerfsp',
      date: DATE,
      body: BODY,
      key: payer.privateKey,
      alg: 'RS256',
    });
    expect('destination not protected', ok(noDestination, {}, [payer.publicKey]), /^FSPIOP-Destination header is not in the protected header$/);
    expect('date mismatch', ok(undefined, { date: 'Thu, 01 Jan 2026 00:00:01 GMT' }), /^Date header Thu, 01 Jan 2026 00:00:01 GMT does not match protected/);
    expect('date missing', ok(undefined, { date: undefined }), /^protected header has Date but the Date header is missing$/);
    const header = JSON.parse(DECODED_PROTECTED) as Record<string, unknown>;
    expect('protected uri missing', ok(withProtected({ ...header, 'FSPIOP-URI': undefined })), /^protected header has no FSPIOP-URI$/);
    expect('protected method missing', ok(withProtected({ ...header, 'FSPIOP-HTTP-Method': undefined })), /^protected header has no FSPIOP-HTTP-Method$/);
    expect('protected source missing', ok(withProtected({ ...header, 'FSPIOP-Source': undefined })), /^protected header has no FSPIOP-Source$/);
    expect('protected source not a string', ok(withProtected({ ...header, 'FSPIOP-Source': ['payerfsp'] })), /^protected FSPIOP-Source is not a string$/);
  });

  test('algorithms: none, HMAC, unknown, missing, mismatching the key', () => {
    const header = JSON.parse(DECODED_PROTECTED) as Record<string, unknown>;
    expect('alg none', ok(withProtected({ ...header, alg: 'none' })), /^alg none is not allowed$/);
    // Classic key-confusion attack: HMAC keyed with the public key PEM.
    const ph = Buffer.from(JSON.stringify({ ...header, alg: 'HS256' })).toString('base64url');
    const mac = createHmac('sha256', RS256_PEM).update(`${ph}.${BODY_B64}`).digest('base64url');
    expect('alg HS256', ok(JSON.stringify({ protectedHeader: ph, signature: mac })), /^alg HS256 \(HMAC\) is not allowed$/);
    expect('alg PS256', ok(withProtected({ ...header, alg: 'PS256' })), /^alg PS256 is not supported/);
    expect('alg missing', ok(withProtected({ ...header, alg: undefined })), /^protected header has no alg$/);
    expect('crit', ok(withProtected({ ...header, crit: ['b64'], b64: false })), /^protected crit is not supported$/);
    // ES256 header, participant holds only RSA keys.
    expect('alg/key mismatch', ok(ES256_SIGNATURE_HEADER, {}, [vectorRsaKey]), /^alg ES256 does not fit the RSA-2048 key of payerfsp$/);
    const es = JSON.parse(ES256_SIGNATURE_HEADER) as { protectedHeader: string; signature: string };
    const der = JSON.stringify({ protectedHeader: es.protectedHeader, signature: Buffer.alloc(70, 1).toString('base64url') });
    expect('ES256 DER-sized signature', ok(der, {}, [vectorEcKey]), /^ES256 signature must be 64 bytes \(r\|\|s\), got 70$/);
    expect('ES256 wrong EC key', ok(ES256_SIGNATURE_HEADER, {}, [ec.publicKey]), /^signature does not verify with the key of payerfsp$/);
  });

  test('each distinguishable failure has its own reason', () => {
    // Wrong key, tampered body/header and a forged signature are cryptographically the same failure.
    const same = new Set(['wrong key', 'tampered body', 'tampered protected header', 'another participant (forged source)', 'ES256 wrong EC key']);
    const distinct = [...reasons].filter(([mode]) => !same.has(mode)).map(([, reason]) => reason);
    assert.equal(new Set(distinct).size, distinct.length, distinct.join('\n'));
    assert.ok(reasons.size >= 40, `${reasons.size} failure modes exercised`);
  });
});

// ------------------------------------------------------------------------- signing

describe('signFspiopMessage', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const request = { method: 'POST', uri: '/transfers', source: 'payerfsp', destination: 'payeefsp', date: DATE, body: BODY };

  test('the §4.1 request signed with our own RSA key: SDK structure, same protected header, deterministic', () => {
    const value = signFspiopMessage({ ...request, key: rsa.privateKey, alg: 'RS256' });
    assert.match(value, /^\{"protectedHeader":"[A-Za-z0-9_-]+","signature":"[A-Za-z0-9_-]+"\}$/);
    const parsed = JSON.parse(value) as { protectedHeader: string; signature: string };
    assert.deepEqual(Object.keys(parsed), ['protectedHeader', 'signature']);
    assert.equal(parsed.protectedHeader, RS256_PROTECTED, 'byte-identical to the SDK protected header');
    assert.equal(Buffer.from(parsed.protectedHeader, 'base64url').toString('utf8'), DECODED_PROTECTED);
    assert.equal(Buffer.from(parsed.signature, 'base64url').length, 256);
    assert.equal(signFspiopMessage({ ...request, key: rsa.privateKey, alg: 'RS256' }), value, 'RS256 is deterministic');
    // Our verifier and an independent RSA-SHA256 check both accept it.
    verifyFspiopSignature({ method: 'POST', headers: vectorHeaders(value), body: BODY, keys: [rsa.publicKey] });
    const input = Buffer.from(`${parsed.protectedHeader}.${BODY_B64}`, 'ascii');
    assert.equal(cryptoVerify('RSA-SHA256', input, rsa.publicKey, Buffer.from(parsed.signature, 'base64url')), true);
  });

  test('ES256: raw r||s signature, verifies both ways', () => {
    const value = signFspiopMessage({ ...request, body: BODY.toString('utf8'), key: ec.privateKey, alg: 'ES256' });
    const parsed = JSON.parse(value) as { protectedHeader: string; signature: string };
    assert.equal(JSON.parse(Buffer.from(parsed.protectedHeader, 'base64url').toString()).alg, 'ES256');
    const sig = Buffer.from(parsed.signature, 'base64url');
    assert.equal(sig.length, 64);
    verifyFspiopSignature({ method: 'POST', headers: vectorHeaders(value), body: BODY, keys: [ec.publicKey] });
    const input = Buffer.from(`${parsed.protectedHeader}.${BODY_B64}`, 'ascii');
    assert.equal(cryptoVerify('sha256', input, { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, sig), true);
  });

  test('member order and optional members: hub callback without destination', () => {
    const value = signFspiopMessage({
      method: 'put',
      uri: '/transfers/01JBFH0S3PQTFEZ7E0R0ES7X9R/error',
      source: 'Hub',
      date: DATE,
      body: '{"errorInformation":{"errorCode":"3100","errorDescription":"x"}}',
      key: rsa.privateKey,
      alg: 'RS256',
    });
    const header = Buffer.from((JSON.parse(value) as { protectedHeader: string }).protectedHeader, 'base64url').toString();
    assert.equal(
      header,
      `{"alg":"RS256","FSPIOP-URI":"/transfers/01JBFH0S3PQTFEZ7E0R0ES7X9R/error","FSPIOP-HTTP-Method":"PUT","FSPIOP-Source":"Hub","Date":"${DATE}"}`,
    );
  });

  test('refuses keys that do not fit', () => {
    assert.throws(() => signFspiopMessage({ ...request, key: rsa.privateKey, alg: 'ES256' }), /alg ES256 does not fit the RSA-2048 signing key \(use RS256\)/);
    assert.throws(() => signFspiopMessage({ ...request, key: ec.privateKey, alg: 'RS256' }), /use ES256/);
    assert.throws(() => signFspiopMessage({ ...request, key: rsa.publicKey, alg: 'RS256' }), /needs a private key/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    assert.throws(() => signFspiopMessage({ ...request, key: small.privateKey, alg: 'RS256' }), /RSA-1024; at least 2048 bits/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    assert.throws(() => signingAlgFor(p384.privateKey), /curve secp384r1; only P-256/);
  });
});

describe('JwsSigningPool', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsa2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const message = (i: number) => ({
    method: 'PUT',
    uri: `/transfers/${i}`,
    source: 'Hub',
    destination: 'payerfsp',
    date: DATE,
    body: `{"transferState":"COMMITTED","n":${i}}`,
  });
  const headersFor = (i: number, sig: string) =>
    vectorHeaders(sig, { 'fspiop-source': 'Hub', 'fspiop-destination': 'payerfsp', 'fspiop-uri': `/transfers/${i}`, 'fspiop-http-method': 'PUT' });

  test('two workers sign many messages concurrently, with several keys; results equal in-thread signing', async () => {
    const pool = new JwsSigningPool({ size: 2 });
    try {
      const jobs = Array.from({ length: 60 }, (_, i) => {
        const kind = i % 3;
        const key = kind === 0 ? rsa.privateKey : kind === 1 ? rsa2.privateKey : ec.privateKey;
        const alg = kind === 2 ? ('ES256' as const) : ('RS256' as const);
        return pool.sign({ ...message(i), key, alg }).then((sig) => ({ i, kind, sig }));
      });
      assert.ok(pool.pending > 0);
      const results = await Promise.all(jobs);
      assert.equal(pool.pending, 0);
      for (const { i, kind, sig } of results) {
        const pub = kind === 0 ? rsa.publicKey : kind === 1 ? rsa2.publicKey : ec.publicKey;
        verifyFspiopSignature({ method: 'PUT', headers: headersFor(i, sig), body: Buffer.from(message(i).body), keys: [pub] });
        if (kind !== 2) assert.equal(sig, signFspiopMessage({ ...message(i), key: kind === 0 ? rsa.privateKey : rsa2.privateKey, alg: 'RS256' }));
      }
    } finally {
      await pool.close();
    }
    await assert.rejects(pool.sign({ ...message(0), key: rsa.privateKey, alg: 'RS256' }), /closed/);
  });

  test('JWS_SIGN_JOBS_MAX: past the bound a message is signed in the calling thread; the queue never grows past it, nothing is dropped', async () => {
    const pool = new JwsSigningPool({ size: 1, jobsMax: 3 });
    try {
      let most = 0;
      const jobs = Array.from({ length: 10 }, (_, i) => {
        const job = pool.sign({ ...message(i), key: rsa.privateKey, alg: 'RS256' });
        most = Math.max(most, pool.pending);
        return job;
      });
      assert.equal(most, 3, 'the workers never hold more than the bound');
      assert.equal(pool.signedInThread, 7);
      const signatures = await Promise.all(jobs);
      for (const [i, sig] of signatures.entries())
        assert.equal(sig, signFspiopMessage({ ...message(i), key: rsa.privateKey, alg: 'RS256' }), `message ${i} signed`);
    } finally {
      await pool.close();
    }
  });

  test('errors are rejections; size 0 signs in-thread', async () => {
    const pool = new JwsSigningPool({ size: 1 });
    try {
      await assert.rejects(pool.sign({ ...message(1), key: rsa.publicKey, alg: 'RS256' }), /needs a private key/);
      await assert.rejects(pool.sign({ ...message(1), key: ec.privateKey, alg: 'RS256' }), /does not fit/);
      assert.equal(
        await pool.sign({ ...message(1), key: rsa.privateKey, alg: 'RS256' }),
        signFspiopMessage({ ...message(1), key: rsa.privateKey, alg: 'RS256' }),
      );
    } finally {
      await pool.close();
    }
    const inline = new JwsSigningPool({ size: 0 });
    const sig = await inline.sign({ ...message(2), key: ec.privateKey, alg: 'ES256' });
    verifyFspiopSignature({ method: 'PUT', headers: headersFor(2, sig), body: Buffer.from(message(2).body), keys: [ec.publicKey] });
    await assert.rejects(inline.sign({ ...message(2), key: ec.publicKey, alg: 'ES256' }), /needs a private key/);
    await inline.close();
    assert.throws(() => new JwsSigningPool({ size: -1 }), /0\.\.64/);
  });
});

// ------------------------------------------------------------------------- key store and routes

function pem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }) as string;
}

async function selfSignedCertificate(notAfter: Date): Promise<{ pem: string; publicKey: KeyObject }> {
  x509.cryptoProvider.set(webcrypto as never);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=payerfsp',
    notBefore: new Date(notAfter.getTime() - 2 * 86400_000),
    notAfter,
    signingAlgorithm: alg,
    keys: keys as never,
  });
  const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  return { pem: cert.toString('pem'), publicKey: createPublicKey({ key: spki, format: 'der', type: 'spki' }) };
}

function reject(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FspiopError, String(err));
    assert.equal(err.code, code, err.description);
    assert.match(err.description, pattern);
    return true;
  });
}

async function rejectAsync(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof FspiopError, String(err));
    assert.equal(err.code, code, err.description);
    assert.match(err.description, pattern);
    return true;
  });
}

describe('JwsKeyStore (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: Db;
  let store: JwsKeyStore;
  const keyA = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyB = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyC = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const signed = (key: KeyObject, alg: 'RS256' | 'ES256', source = 'payerfsp') => {
    const sig = signFspiopMessage({ method: 'POST', uri: '/transfers', source, destination: 'payeefsp', date: DATE, body: BODY, key, alg });
    return { method: 'POST', headers: vectorHeaders(sig, { 'fspiop-source': source }), body: BODY };
  };

  before(async () => {
    database = await createTestDatabase('mizani_jws');
    db = await openDb({ url: database.url, dataDir: '', poolSize: 4 });
    await migrate(db);
    store = new JwsKeyStore(db);
    await store.load();
  });

  after(async () => {
    await db?.close();
    await database?.drop();
  });

  test('key validation: private keys, weak RSA, other curves and types, garbage, certificates', async () => {
    const rsaPrivate = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    reject(() => parseJwsPublicKey(rsaPrivate.export({ type: 'pkcs8', format: 'pem' }) as string), '3100', /private keys are not accepted/);
    reject(() => parseJwsPublicKey(rsaPrivate.export({ type: 'pkcs1', format: 'pem' }) as string), '3100', /private keys are not accepted/);
    const ecPrivate = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }) as string;
    reject(
      () => parseJwsPublicKey(`-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n${ecPrivate}`),
      '3100',
      /private keys are not accepted/,
    );
    reject(
      () => parseJwsPublicKey(pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey)),
      '3100',
      /RSA key of 1024 bits: at least 2048 bits are required/,
    );
    reject(
      () => parseJwsPublicKey(pem(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey)),
      '3100',
      /EC curve secp384r1 is not supported: only P-256/,
    );
    reject(() => parseJwsPublicKey(pem(generateKeyPairSync('ed25519').publicKey)), '3100', /key type ed25519 is not supported/);
    reject(() => parseJwsPublicKey(pem(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey)), '3100', /RSA-PSS keys are not supported/);
    reject(() => parseJwsPublicKey('hello'), '3101', /publicKey is not a PEM block/);
    reject(() => parseJwsPublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'), '3101', /PUBLIC KEY PEM does not decode to a public key/);
    reject(() => parseJwsPublicKey('-----BEGIN PUBLIC KEY-----\n#!$%\n-----END PUBLIC KEY-----\n'), '3101', /PEM is not base64/);
    reject(() => parseJwsPublicKey('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), '3101', /does not decode to an X\.509 certificate/);
    reject(() => parseJwsPublicKey('-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n'), '3101', /PEM type FOO is not supported/);
    reject(() => parseJwsPublicKey(RS256_PEM + ES256_PEM), '3100', /exactly one PEM block, found 2/);

    const rsaParsed = parseJwsPublicKey(RS256_PEM);
    assert.equal(rsaParsed.alg, 'RS256');
    assert.equal(rsaParsed.publicKey, RS256_PEM);
    assert.equal(parseJwsPublicKey(ES256_PEM).alg, 'ES256');
    // PKCS#1 RSA public key: accepted, normalised to SPKI.
    assert.equal(parseJwsPublicKey(vectorRsaKey.export({ type: 'pkcs1', format: 'pem' }) as string).publicKey, RS256_PEM);

    const cert = await selfSignedCertificate(new Date(Date.now() + 365 * 86400_000));
    const fromCert = parseJwsPublicKey(cert.pem);
    assert.equal(fromCert.alg, 'ES256');
    assert.equal(fromCert.publicKey, pem(cert.publicKey));
    assert.ok(fromCert.certificate?.startsWith('-----BEGIN CERTIFICATE-----'));
    const expired = await selfSignedCertificate(new Date(Date.now() - 86400_000));
    reject(() => parseJwsPublicKey(expired.pem), '3100', /certificate expired on/);
  });

  test('rotation: two active keys both verify, a third is refused, after revocation only the new one verifies', async () => {
    const a = await store.add('payerfsp', pem(keyA.publicKey));
    assert.equal(a.alg, 'RS256');
    assert.match(a.kid, /^[A-Za-z0-9_-]{43}$/, 'default kid: RFC 7638 thumbprint');
    assert.equal(store.keysOf('payerfsp').length, 1);
    verifyFspiopSignature({ ...signed(keyA.privateKey, 'RS256'), keys: store.keysOf('payerfsp') });
    assert.equal(store.keysOf('payeefsp').length, 0);

    const b = await store.add('payerfsp', pem(keyB.publicKey), 'key-2026');
    assert.deepEqual(b, { kid: 'key-2026', alg: 'ES256' });
    assert.equal(store.keysOf('payerfsp').length, 2);
    verifyFspiopSignature({ ...signed(keyA.privateKey, 'RS256'), keys: store.keysOf('payerfsp') });
    verifyFspiopSignature({ ...signed(keyB.privateKey, 'ES256'), keys: store.keysOf('payerfsp') });

    await rejectAsync(store.add('payerfsp', pem(keyC.publicKey)), '3100', /a participant holds at most two active keys$/);
    await rejectAsync(store.add('payerfsp', pem(keyB.publicKey), 'other'), '3100', /this public key is already active for payerfsp as kid key-2026/);
    await rejectAsync(store.add('payerfsp', pem(keyC.publicKey), 'key-2026'), '3100', /kid key-2026 is already used by payerfsp/);
    await rejectAsync(store.add('payerfsp', pem(keyC.publicKey), 'bad kid!'), '3101', /kid must be/);

    await store.revoke('payerfsp', a.kid);
    assert.equal(store.keysOf('payerfsp').length, 1);
    assert.equal(reasonOf({ ...signed(keyA.privateKey, 'RS256'), keys: store.keysOf('payerfsp') }), 'alg RS256 does not fit the EC prime256v1 key of payerfsp');
    verifyFspiopSignature({ ...signed(keyB.privateKey, 'ES256'), keys: store.keysOf('payerfsp') });
    await store.revoke('payerfsp', a.kid); // idempotent
    await rejectAsync(store.revoke('payerfsp', 'nope'), '3200', /JWS key nope of payerfsp not found/);
    await rejectAsync(store.add('payerfsp', pem(keyC.publicKey), a.kid), '3100', /already used by payerfsp \(revoked\)$/);

    // The freed place takes the next key; a fresh store loads the same active keys from the database.
    const c = await store.add('payerfsp', pem(keyC.publicKey), 'key-2027');
    assert.equal(c.alg, 'RS256');
    const reloaded = new JwsKeyStore(db);
    await reloaded.load();
    assert.deepEqual(
      reloaded.activeKeysOf('payerfsp').map((k) => k.kid),
      ['key-2026', 'key-2027'],
    );
    verifyFspiopSignature({ ...signed(keyC.privateKey, 'RS256'), keys: reloaded.keysOf('payerfsp') });
    assert.equal(reasonOf({ ...signed(keyA.privateKey, 'RS256'), keys: reloaded.keysOf('payerfsp') }), 'signature does not verify with the keys of payerfsp');

    const list = await store.list('payerfsp');
    assert.deepEqual(
      list.map((k) => [k.kid, k.alg, k.revokedDate !== undefined]),
      [
        [a.kid, 'RS256', true],
        ['key-2026', 'ES256', false],
        ['key-2027', 'RS256', false],
      ],
    );
    assert.equal(list[0]!.publicKey, pem(keyA.publicKey));
  });

  test('concurrent additions never exceed two active keys', async () => {
    const keys = Array.from({ length: 5 }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
    const results = await Promise.allSettled(keys.map((k) => store.add('Hub', pem(k))));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
    for (const r of results) if (r.status === 'rejected') assert.match((r.reason as FspiopError).description, /at most two active keys/);
    const active = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM participant_jws_key WHERE participant = 'Hub' AND revoked_at IS NULL");
    assert.equal(active.rows[0]!.n, '2');
    assert.equal(store.keysOf('Hub').length, 2);
  });
});
