// Small helpers of the conformance suite: exact decimals, sorted JSON, wire assertions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addDecimal,
  compareDecimal,
  decimalEquals,
  isDecimal,
  negateDecimal,
  normalizeDecimal,
  shiftToInteger,
  subDecimal,
} from '../../conformance/lib/decimal.js';
import { sortedStringify } from '../../conformance/lib/util.js';
import { assertErrorInformation, assertHubMessage } from '../../conformance/lib/checks.js';
import type { RecordedRequest } from '../../conformance/lib/dfsp.js';

test('decimals are compared exactly, whatever their JSON form', () => {
  assert.equal(normalizeDecimal('100.1000'), '100.1');
  assert.equal(normalizeDecimal(-0), '0');
  assert.equal(normalizeDecimal('-0.00'), '0');
  assert.equal(normalizeDecimal(1e21), '1000000000000000000000');
  assert.equal(normalizeDecimal('1.5e-3'), '0.0015');
  assert.equal(normalizeDecimal('007.50'), '7.5');
  assert.equal(addDecimal('0.1', '0.2'), '0.3');
  assert.equal(subDecimal('0', '12.34'), '-12.34');
  assert.equal(addDecimal('999999999999999999.9999', '0.0001'), '1000000000000000000');
  assert.ok(decimalEquals(12.34, '12.340'));
  assert.ok(!decimalEquals('12.34', '12.341'));
  assert.throws(() => normalizeDecimal('abc'));
  assert.throws(() => normalizeDecimal(''));
});

test('decimals: signs, comparisons and minor units (big.js underneath, only text in and out)', () => {
  assert.equal(normalizeDecimal('+5.'), '5');
  assert.equal(normalizeDecimal('.5'), '0.5');
  assert.equal(normalizeDecimal(12345678901234567890n), '12345678901234567890');
  assert.equal(normalizeDecimal(1e-7), '0.0000001');
  assert.equal(negateDecimal('0'), '0');
  assert.equal(negateDecimal('-1.50'), '1.5');
  assert.equal(compareDecimal('1.0', '1'), 0);
  assert.equal(compareDecimal('-2', '1'), -1);
  assert.equal(compareDecimal('0.10000000000000000001', '0.1'), 1);
  assert.equal(shiftToInteger('100.5', 2), '10050');
  assert.equal(shiftToInteger('7', 0), '7');
  assert.equal(shiftToInteger('0.001', 3), '1');
  assert.throws(() => shiftToInteger('1.005', 2), RangeError);
  assert.throws(() => normalizeDecimal(Number.NaN), TypeError);
  assert.ok(!isDecimal('1,5'));
  assert.ok(!isDecimal(' '));
  assert.ok(!isDecimal(null));
});

test('sortedStringify sorts keys recursively and drops undefined like JSON.stringify', () => {
  assert.equal(sortedStringify({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
});

test('error bodies: exact code, standard-message prefix, description match', () => {
  const body = { errorInformation: { errorCode: '3100', errorDescription: 'Generic validation error - invalid fulfilment' } };
  assertErrorInformation(body, '3100', 'x', { description: 'Generic validation error - invalid fulfilment' });
  assert.throws(() => assertErrorInformation(body, '3101', 'x'), /expected errorCode 3101/);
  assert.throws(
    () => assertErrorInformation({ errorInformation: { errorCode: '3100', errorDescription: 'invalid fulfilment' } }, '3100', 'x'),
    /standard message/,
  );
  assert.throws(() => assertErrorInformation(undefined, '3100', 'x'), /errorInformation/);
});

function rec(over: Partial<RecordedRequest> & { headers: Record<string, string> }): RecordedRequest {
  const body = over.body ?? { transferState: 'COMMITTED' };
  const text = JSON.stringify(body);
  return { seq: 1, method: 'PUT', path: '/transfers/t1', rawBody: Buffer.from(text), bodyText: text, receivedAt: 0, ...over, body };
}

test('hub-message checklist (§14)', () => {
  const good = {
    'fspiop-source': 'Hub',
    'fspiop-destination': 'payer',
    'content-type': 'application/vnd.interoperability.transfers+json;version=1.0',
    'fspiop-uri': '/transfers/t1',
    'fspiop-http-method': 'PUT',
    date: new Date().toUTCString(),
  };
  const exp = { hubName: 'Hub', destination: 'payer', method: 'PUT' as const, uri: '/transfers/t1', callbackVersion: '1.0' };
  assertHubMessage(rec({ headers: good }), exp);
  assert.throws(() => assertHubMessage(rec({ headers: { ...good, accept: 'application/json' } }), exp), /no accept/);
  assert.throws(() => assertHubMessage(rec({ headers: { ...good, 'fspiop-source': 'payee' } }), exp), /fspiop-source/);
  assert.throws(() => assertHubMessage(rec({ headers: { ...good, date: '2024-01-01' } }), exp), /IMF-fixdate/);
  assert.throws(() => assertHubMessage(rec({ headers: good, body: { transferId: 't1', transferState: 'COMMITTED' } }), exp), /transferId/);
  const sig = JSON.stringify({
    protectedHeader: Buffer.from(JSON.stringify({ alg: 'RS256', 'FSPIOP-Source': 'payee' })).toString('base64url'),
    signature: 'x',
  });
  assert.throws(() => assertHubMessage(rec({ headers: { ...good, 'fspiop-signature': sig } }), exp), /copied DFSP signature/);
  assertHubMessage(rec({ headers: { ...good, 'content-type': 'application/vnd.interoperability.transfers+json;version=1.1' } }), {
    ...exp,
    callbackVersion: 'any',
  });
});
