// The conformance suite's FSPIOP JWS helper (conformance/lib/jws.ts, on jose): the contract's vectors, its own
// signatures, and the forgeries the security scenarios send. No hub needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, sign as cryptoSign } from 'node:crypto';
import {
  decodeProtectedHeader,
  generateJwsKeyPairSync,
  protectedHeaderOf,
  signatureHeaders,
  signatureValue,
  verifySignature,
} from '../../conformance/lib/jws.js';

const body = Buffer.from(
  '{"amount":{"amount":"100","currency":"USD"},"condition":"GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM","expiration":"2030-01-01T00:00:00.000Z","ilpPacket":"AYIBgQAAAAAAAAAAAA","payeeFsp":"payeefsp","payerFsp":"payerfsp","transferId":"01JBFH0S3PQTFEZ7E0R0ES7X9R"}',
);
const headers = {
  'fspiop-uri': '/transfers',
  'fspiop-http-method': 'POST',
  'fspiop-source': 'payerfsp',
  'fspiop-destination': 'payeefsp',
  date: 'Thu, 01 Jan 2026 00:00:00 GMT',
};
const rsa = createPublicKey(
  '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvC5NUa9sK09o88PiFQm8\ncKAFP0MEhugl8ag8MY/0ZAWlxJEpqECeNHRymTQ5Nk3mIcXQtUkAGvmvzk85BtvB\n0H06WpzyU/IBkGdIelr5s434cbvnCm3ByL0eneUuQY0652SGCJVVh/duJoc09NFV\noJgkWHqpoOpeDGzCqVxlaY+gGt2ksSaKRn8vGDa6G9yaen8ZhyACVjzMuB89WDxJ\ns4C13n+dtfdrm/3LbqlD6sSsBAaQOdlw/InVSZeQgcZFq2BLxaZkS/QIs6Ki5AhM\neTKY4eq90HbCKzRJ4EdjzOQiyiLZcwWoQQWxWyXnAdHg9EhxItpJbZUXqUkbEn6P\ngQIDAQAB\n-----END PUBLIC KEY-----\n',
);
const ec = createPublicKey(
  '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEpBhcrhy6FMpAbcBzizvbwGfLSNvg\nnSYP5z+KTU9GwZ3iFqT8Z8rZRS1rSOSyQP+IQvpRFFCjWB9N0jUHAP3IMQ==\n-----END PUBLIC KEY-----\n',
);
const rsSig =
  '{"protectedHeader":"eyJhbGciOiJSUzI1NiIsIkZTUElPUC1VUkkiOiIvdHJhbnNmZXJzIiwiRlNQSU9QLUhUVFAtTWV0aG9kIjoiUE9TVCIsIkZTUElPUC1Tb3VyY2UiOiJwYXllcmZzcCIsIkZTUElPUC1EZXN0aW5hdGlvbiI6InBheWVlZnNwIiwiRGF0ZSI6IlRodSwgMDEgSmFuIDIwMjYgMDA6MDA6MDAgR01UIn0","signature":"iKk26oz9vwtu6W3S9aWkzZT2HUy5sMs1izP5XQvSl5qol7yUIxWlpYQ0Yj64WxkRjWTzrNRYAwmxCxHqQGeFaresdPby4wmifhlastZCpmApJbsV7P0jLkHCHR-DQnaGT1iGjMP2JlyHaOMZOUe8l3Vk21XV3L4NxtfF5crOUqYy7yUxbO9p11x1ISSrX1BrS6eYFTGfubS-pjf7WFIaHTtTac24cDLEkonDyeszxiEsga_GJxnS1gpZey5HR6TK9MFvEa_1LwP8y4xcrZqDK7b4C6x-6D4ePcDuVc3wUuvqdtqyR4coV8hOROL3C5Uq4U0WwRhN4sfzrZTylgSGcA"}';
const esSig =
  '{"protectedHeader":"eyJhbGciOiJFUzI1NiIsIkZTUElPUC1VUkkiOiIvdHJhbnNmZXJzIiwiRlNQSU9QLUhUVFAtTWV0aG9kIjoiUE9TVCIsIkZTUElPUC1Tb3VyY2UiOiJwYXllcmZzcCIsIkZTUElPUC1EZXN0aW5hdGlvbiI6InBheWVlZnNwIiwiRGF0ZSI6IlRodSwgMDEgSmFuIDIwMjYgMDA6MDA6MDAgR01UIn0","signature":"iRau1LhiaC9JbNE17QQLpBODx09IxW0EiuCZ45zRUHZbWaQweIr1zoc9c0jgz5cOQma3Fi2LVWWxWi1FRG4agg"}';

test("the suite's JWS verifier accepts the contract vectors (security.md §4.1 RS256, §4.2 ES256) and its own signatures, and rejects changes", async () => {
  assert.equal((await verifySignature('POST', { ...headers, 'fspiop-signature': rsSig }, body, [rsa])).ok, true, '§4.1 RS256 vector');
  assert.equal((await verifySignature('POST', { ...headers, 'fspiop-signature': esSig }, body, [ec])).ok, true, '§4.2 ES256 vector');
  assert.equal((await verifySignature('POST', { ...headers, 'fspiop-signature': rsSig }, body, [ec])).ok, false, 'RS256 vector with the EC key');
  const changed = Buffer.from(body.toString().replace('"100"', '"101"'));
  assert.equal((await verifySignature('POST', { ...headers, 'fspiop-signature': rsSig }, changed, [rsa])).ok, false, 'changed body');
  assert.equal(
    (await verifySignature('POST', { ...headers, date: 'Thu, 01 Jan 2026 00:00:01 GMT', 'fspiop-signature': rsSig }, body, [rsa])).ok,
    false,
    'changed Date',
  );
  assert.equal(
    (await verifySignature('POST', { ...headers, 'fspiop-destination': 'other', 'fspiop-signature': esSig }, body, [ec])).ok,
    false,
    'changed destination',
  );
  for (const alg of ['RS256', 'ES256'] as const) {
    const keys = generateJwsKeyPairSync(alg);
    const m = { method: 'PUT', uri: '/transfers/1', source: 'a', destination: 'b', date: headers.date, body };
    const signed = { 'fspiop-source': 'a', 'fspiop-destination': 'b', date: headers.date, ...(await signatureHeaders(keys, m)) };
    assert.equal((await verifySignature('PUT', signed, body, [keys.publicKey])).ok, true, `${alg}: own signature`);
    assert.equal((await verifySignature('POST', signed, body, [keys.publicKey])).ok, false, `${alg}: other request method`);
    assert.equal((await verifySignature('PUT', signed, body, [generateJwsKeyPairSync(alg).publicKey])).ok, false, `${alg}: another key`);
  }
});

test('jose signs what the contract describes: SDK member order, detached payload, RS256 bytes = RSA-SHA256 over the signing input', async () => {
  const keys = generateJwsKeyPairSync('RS256');
  const m = { method: 'post', uri: '/transfers', source: 'payerfsp', destination: 'payeefsp', date: headers.date, body };
  const h = await signatureHeaders(keys, m);
  assert.equal(h['fspiop-http-method'], 'POST');
  const value = JSON.parse(h['fspiop-signature']!) as { protectedHeader: string; signature: string };
  assert.deepEqual(Object.keys(value), ['protectedHeader', 'signature'], 'no payload member: the payload is detached');
  assert.equal(
    Buffer.from(value.protectedHeader, 'base64url').toString(),
    '{"alg":"RS256","FSPIOP-URI":"/transfers","FSPIOP-HTTP-Method":"POST","FSPIOP-Source":"payerfsp","FSPIOP-Destination":"payeefsp","Date":"Thu, 01 Jan 2026 00:00:00 GMT"}',
  );
  // RS256 is deterministic: the contract's signing input signed by node:crypto gives the very same signature
  const input = Buffer.from(`${value.protectedHeader}.${body.toString('base64url')}`, 'latin1');
  assert.equal(cryptoSign('sha256', input, keys.privateKey).toString('base64url'), value.signature);
  assert.deepEqual(decodeProtectedHeader(h['fspiop-signature']!), protectedHeaderOf('RS256', m));
  assert.equal(decodeProtectedHeader('{"protectedHeader":"!!"}'), undefined);
  assert.equal(decodeProtectedHeader('not json'), undefined);
});

test('the forgeries of the security scenarios are refused by the verifier too', async () => {
  const keys = generateJwsKeyPairSync('RS256');
  const m = { method: 'POST', uri: '/transfers', source: 'payerfsp', destination: 'payeefsp', date: headers.date, body };
  const check = async (signature: string) => (await verifySignature('POST', { ...headers, 'fspiop-signature': signature }, body, [keys.publicKey])).ok;
  // validly signed, protected header not describing the request
  assert.equal(
    await check(await signatureValue(keys.privateKey, { ...protectedHeaderOf('RS256', m), 'FSPIOP-URI': '/quotes' }, body)),
    false,
    'other FSPIOP-URI',
  );
  const noDestination: Record<string, unknown> = { ...protectedHeaderOf('RS256', m) };
  delete noDestination['FSPIOP-Destination'];
  assert.equal(await check(await signatureValue(keys.privateKey, noDestination, body)), false, 'FSPIOP-Destination missing');
  assert.equal(await check(await signatureValue(keys.privateKey, protectedHeaderOf('RS256', m), body)), true, 'control');
  // downgrades
  const hs = await signatureValue(Buffer.from(keys.publicKeyPem, 'utf8'), protectedHeaderOf('HS256', m), body);
  assert.equal(await check(hs), false, 'HS256 keyed with the public key');
  const none = Buffer.from(JSON.stringify(protectedHeaderOf('none', m))).toString('base64url');
  assert.equal(await check(JSON.stringify({ protectedHeader: none, signature: '' })), false, 'alg none, empty signature');
  assert.equal(await check(JSON.stringify({ protectedHeader: none, signature: 'eA' })), false, 'alg none, some signature');
});
