import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FspiopError } from '../../schemas/errors.js';
import { checkFspiopHeaders, type HeaderPolicy } from '../../switch/edge/fspiop-headers.js';

const policy: HeaderPolicy = {
  supportedVersions: [
    { major: 1, minor: 0 },
    { major: 1, minor: 1 },
    { major: 2, minor: 0 },
  ],
};
const ALL_VERSIONS_EXT = [
  { key: '1', value: '0' },
  { key: '1', value: '1' },
  { key: '2', value: '0' },
];
const DATE = 'Thu, 29 Feb 2024 12:00:00 GMT';
const CT = (resource: string, version = '1.1') => `application/vnd.interoperability.${resource}+json;version=${version}`;
const ACC = (resource: string, version?: string) => `application/vnd.interoperability.${resource}+json${version === undefined ? '' : `;version=${version}`}`;

type Headers = Record<string, string | string[] | undefined>;

function headers(overrides: Headers = {}, resource = 'transfers'): Headers {
  return {
    'content-type': CT(resource),
    accept: ACC(resource, '1'),
    date: DATE,
    'fspiop-source': 'payerfsp',
    'fspiop-destination': 'payeefsp',
    ...overrides,
  };
}

function expectError(fn: () => unknown, code: string, httpStatus: number, description: string, extensions?: unknown): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FspiopError, `expected FspiopError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.httpStatus, httpStatus);
    assert.equal(err.description, description);
    if (extensions !== undefined) assert.deepEqual(err.extensions, extensions);
    else assert.equal(err.extensions, undefined);
    return true;
  });
}

const MISSING_CT = 'Missing mandatory element - Content-type is required';
const INVALID_CT = 'Malformed syntax - Invalid content-type header';
const MISSING_ACCEPT = 'Missing mandatory element - Accept is required';
const INVALID_ACCEPT = 'Malformed syntax - Invalid accept header';
const MISSING_DATE = 'Missing mandatory element - Missing required date header';
const INVALID_DATE = 'Malformed syntax - Invalid date header';
const CT_VERSION = 'Unacceptable version requested - Client supplied a protocol version which is not supported by the server';
const ACCEPT_VERSION = 'Unacceptable version requested - The Client requested an unsupported version, see extension list for supported version(s).';

test('valid POST /transfers headers are parsed', () => {
  assert.deepEqual(checkFspiopHeaders('POST', 'transfers', headers(), policy), {
    resource: 'transfers',
    dialect: 'fspiop',
    contentVersion: { major: 1, minor: 1 },
    acceptVersions: [{ major: 1 }],
    source: 'payerfsp',
    destination: 'payeefsp',
  });
});

test('valid PUT callback without Accept and without FSPIOP-Destination', () => {
  const h = headers({ accept: undefined, 'fspiop-destination': undefined, 'content-type': CT('parties', '1.0') }, 'parties');
  assert.deepEqual(checkFspiopHeaders('PUT', 'parties', h, policy), {
    resource: 'parties',
    dialect: 'fspiop',
    contentVersion: { major: 1, minor: 0 },
    source: 'payerfsp',
  });
  assert.doesNotThrow(() => checkFspiopHeaders('PATCH', 'transfers', headers({ accept: undefined }), policy));
});

test('Content-Type: optional single space around ";", version 2.0, ISO 20022 dialect', () => {
  for (const ct of [
    'application/vnd.interoperability.transfers+json; version=1.1',
    'application/vnd.interoperability.transfers+json ;version=1.1',
    'application/vnd.interoperability.transfers+json ; version=1.1',
  ]) {
    assert.equal(checkFspiopHeaders('POST', 'transfers', headers({ 'content-type': ct }), policy).contentVersion?.minor, 1, ct);
  }
  const v2 = checkFspiopHeaders(
    'POST',
    'fxTransfers',
    headers({ 'content-type': CT('fxTransfers', '2.0'), accept: ACC('fxTransfers', '2') }, 'fxTransfers'),
    policy,
  );
  assert.deepEqual([v2.dialect, v2.contentVersion], ['fspiop', { major: 2, minor: 0 }]);
  const iso = checkFspiopHeaders(
    'POST',
    'transfers',
    headers({
      'content-type': 'application/vnd.interoperability.iso20022.transfers+json;version=2.0',
      accept: 'application/vnd.interoperability.iso20022.transfers+json;version=2.0',
    }),
    policy,
  );
  assert.deepEqual([iso.dialect, iso.contentVersion, iso.acceptVersions], ['iso20022', { major: 2, minor: 0 }, [{ major: 2, minor: 0 }]]);
});

test('Content-Type missing → 400/3102 on every method', () => {
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
    expectError(() => checkFspiopHeaders(method, 'transfers', headers({ 'content-type': undefined }), policy), '3102', 400, MISSING_CT);
  }
});

test('Content-Type malformed / wrong resource → 400/3101', () => {
  for (const ct of [
    'application/json',
    'application/vnd.interoperability.transfers+json',
    'application/vnd.interoperability.transfers+json;version=1',
    'application/vnd.interoperability.transfers+json;version=1.1.0',
    'application/vnd.interoperability.transfers+json;  version=1.1',
    'application/vnd.interoperability.transfers+json;version=1.1;charset=utf-8',
    'application/vnd.interoperability.quotes+json;version=1.1',
    'application/vnd.interoperability.Transfers+json;version=1.1',
    'application/vnd.interoperability.iso20022.quotes+json;version=2.0',
    '*/*',
    '',
  ]) {
    expectError(() => checkFspiopHeaders('POST', 'transfers', headers({ 'content-type': ct }), policy), '3101', 400, INVALID_CT);
  }
});

test('Content-Type unsupported version → 406/3001 with supported versions as extensions', () => {
  for (const v of ['3.0', '1.2', '2.1', '0.9']) {
    expectError(
      () => checkFspiopHeaders('POST', 'transfers', headers({ 'content-type': CT('transfers', v) }), policy),
      '3001',
      406,
      CT_VERSION,
      ALL_VERSIONS_EXT,
    );
  }
  // policy restricted to 1.x (e.g. a scheme that does not serve 2.0)
  const v1only: HeaderPolicy = {
    supportedVersions: [
      { major: 1, minor: 0 },
      { major: 1, minor: 1 },
    ],
  };
  expectError(
    () => checkFspiopHeaders('PUT', 'transfers', headers({ 'content-type': CT('transfers', '2.0'), accept: undefined }), v1only),
    '3001',
    406,
    CT_VERSION,
    [
      { key: '1', value: '0' },
      { key: '1', value: '1' },
    ],
  );
  // the ISO 20022 dialect exists from 2.0 only
  expectError(
    () =>
      checkFspiopHeaders(
        'PUT',
        'transfers',
        headers({ 'content-type': 'application/vnd.interoperability.iso20022.transfers+json;version=1.1', accept: undefined }),
        policy,
      ),
    '3001',
    406,
    CT_VERSION,
    [{ key: '2', value: '0' }],
  );
});

test('Accept required on GET/POST/DELETE → 400/3102, optional on PUT/PATCH', () => {
  for (const method of ['GET', 'POST', 'DELETE', 'get']) {
    expectError(() => checkFspiopHeaders(method, 'transfers', headers({ accept: undefined }), policy), '3102', 400, MISSING_ACCEPT);
  }
  for (const method of ['PUT', 'PATCH']) {
    assert.equal(checkFspiopHeaders(method, 'transfers', headers({ accept: undefined }), policy).acceptVersions, undefined);
  }
});

test('Accept list: several entries, unversioned entry = any version', () => {
  const h = headers({ accept: `${ACC('transfers', '3')}, ${ACC('transfers', '1.1')},${ACC('transfers')}` });
  assert.deepEqual(checkFspiopHeaders('GET', 'transfers', h, policy).acceptVersions, [{ major: 3 }, { major: 1, minor: 1 }, {}]);
  assert.deepEqual(checkFspiopHeaders('GET', 'transfers', headers({ accept: ACC('transfers') }), policy).acceptVersions, [{}]);
  assert.deepEqual(
    checkFspiopHeaders('GET', 'transfers', headers({ accept: 'application/vnd.interoperability.transfers+json ; version=2.0' }), policy).acceptVersions,
    [{ major: 2, minor: 0 }],
  );
});

test('Accept malformed (incl. */*), wrong resource → 400/3101, also validated on PUT', () => {
  for (const accept of [
    '*/*',
    'application/json',
    ACC('quotes', '1'),
    `${ACC('transfers', '1')},`,
    `${ACC('transfers', '1')},*/*`,
    'application/vnd.interoperability.transfers+json;version=1.1.1',
    'application/vnd.interoperability.transfers+json;version=',
    'application/vnd.interoperability.transfers+json;q=0.9',
    '',
  ]) {
    for (const method of ['GET', 'PUT']) {
      expectError(() => checkFspiopHeaders(method, 'transfers', headers({ accept }), policy), '3101', 400, INVALID_ACCEPT);
    }
  }
});

test('Accept with no supported version → 406/3001 with supported versions as extensions', () => {
  for (const accept of [ACC('transfers', '3'), ACC('transfers', '1.2'), `${ACC('transfers', '3')},${ACC('transfers', '2.1')}`]) {
    expectError(() => checkFspiopHeaders('POST', 'transfers', headers({ accept }), policy), '3001', 406, ACCEPT_VERSION, ALL_VERSIONS_EXT);
  }
  expectError(
    () => checkFspiopHeaders('PUT', 'transfers', headers({ accept: ACC('transfers', '9.0') }), policy),
    '3001',
    406,
    ACCEPT_VERSION,
    ALL_VERSIONS_EXT,
  );
});

test('Date missing → 400/3102; not an IMF-fixdate or not a real date → 400/3101', () => {
  expectError(() => checkFspiopHeaders('POST', 'transfers', headers({ date: undefined }), policy), '3102', 400, MISSING_DATE);
  for (const date of [
    '2024-02-29T12:00:00.000Z',
    'Thu, 29 Feb 2024 12:00:00 UTC',
    'Thu, 29 Feb 2024 12:00:00 gmt',
    'Thursday, 29 Feb 2024 12:00:00 GMT',
    'Thu, 29 Feb 24 12:00:00 GMT',
    'Thu, 9 Feb 2024 12:00:00 GMT',
    'Thu,  29 Feb 2024 12:00:00 GMT',
    'Fri, 29 Feb 2024 12:00:00 GMT', // wrong weekday
    'Mon, 29 Feb 2100 12:00:00 GMT', // 2100 is not a leap year
    'Sat, 31 Jun 2024 12:00:00 GMT',
    'Thu, 00 Feb 2024 12:00:00 GMT',
    'Thu, 29 Feb 2024 24:00:00 GMT',
    'Thu, 29 Feb 2024 12:60:00 GMT',
    'Thu, 29 Feb 2024 12:00:60 GMT',
    'Thu, 29 feb 2024 12:00:00 GMT',
    '',
  ]) {
    expectError(() => checkFspiopHeaders('POST', 'transfers', headers({ date }), policy), '3101', 400, INVALID_DATE);
  }
  for (const date of ['Tue, 29 Feb 2000 00:00:00 GMT', 'Fri, 31 Dec 1999 23:59:59 GMT', new Date().toUTCString()]) {
    assert.doesNotThrow(() => checkFspiopHeaders('POST', 'transfers', headers({ date }), policy), date);
  }
});

test('FSPIOP-Source required (3102), 1..32 chars (3101)', () => {
  expectError(
    () => checkFspiopHeaders('POST', 'transfers', headers({ 'fspiop-source': undefined }), policy),
    '3102',
    400,
    'Missing mandatory element - FSPIOP-Source is required',
  );
  for (const source of ['', 'x'.repeat(33)]) {
    expectError(
      () => checkFspiopHeaders('POST', 'transfers', headers({ 'fspiop-source': source }), policy),
      '3101',
      400,
      'Malformed syntax - Invalid FSPIOP-Source header',
    );
  }
  assert.equal(checkFspiopHeaders('POST', 'transfers', headers({ 'fspiop-source': 'x'.repeat(32) }), policy).source, 'x'.repeat(32));
});

test('FSPIOP-Destination optional, 1..32 chars when present (3101); empty means none', () => {
  expectError(
    () =>
      checkFspiopHeaders(
        'GET',
        'parties',
        headers({ 'fspiop-destination': 'y'.repeat(33), 'content-type': CT('parties'), accept: ACC('parties', '1') }, 'parties'),
        policy,
      ),
    '3101',
    400,
    'Malformed syntax - Invalid FSPIOP-Destination header',
  );
  // Mojaloop switches add an empty FSPIOP-Destination when relaying: it means "none".
  assert.equal(
    checkFspiopHeaders('GET', 'parties', headers({ 'fspiop-destination': '', 'content-type': CT('parties'), accept: ACC('parties', '1') }, 'parties'), policy)
      .destination,
    undefined,
  );
  assert.equal(checkFspiopHeaders('POST', 'transfers', headers({ 'fspiop-destination': 'y'.repeat(32) }), policy).destination, 'y'.repeat(32));
});

test('repeated headers (arrays) → 400/3101', () => {
  const twice = (v: string) => [v, v];
  expectError(() => checkFspiopHeaders('POST', 'transfers', headers({ 'content-type': twice(CT('transfers')) }), policy), '3101', 400, INVALID_CT);
  expectError(() => checkFspiopHeaders('POST', 'transfers', headers({ accept: twice(ACC('transfers', '1')) }), policy), '3101', 400, INVALID_ACCEPT);
  expectError(() => checkFspiopHeaders('POST', 'transfers', headers({ date: twice(DATE) }), policy), '3101', 400, INVALID_DATE);
  expectError(
    () => checkFspiopHeaders('POST', 'transfers', headers({ 'fspiop-source': twice('a') }), policy),
    '3101',
    400,
    'Malformed syntax - Invalid FSPIOP-Source header',
  );
  expectError(
    () => checkFspiopHeaders('POST', 'transfers', headers({ 'fspiop-destination': twice('b') }), policy),
    '3101',
    400,
    'Malformed syntax - Invalid FSPIOP-Destination header',
  );
});

test('first failure wins, in Mojaloop order: Accept, Date, Content-Type, Source, Destination', () => {
  const bad = { accept: '*/*', date: 'x', 'content-type': 'x', 'fspiop-source': '', 'fspiop-destination': '' };
  expectError(() => checkFspiopHeaders('POST', 'transfers', headers(bad), policy), '3101', 400, INVALID_ACCEPT);
  expectError(() => checkFspiopHeaders('POST', 'transfers', headers({ ...bad, accept: undefined }), policy), '3102', 400, MISSING_ACCEPT);
  expectError(() => checkFspiopHeaders('PUT', 'transfers', headers({ ...bad, accept: undefined }), policy), '3101', 400, INVALID_DATE);
  expectError(() => checkFspiopHeaders('PUT', 'transfers', headers({ ...bad, accept: undefined, date: DATE }), policy), '3101', 400, INVALID_CT);
  expectError(
    () => checkFspiopHeaders('PUT', 'transfers', headers({ ...bad, accept: undefined, date: DATE, 'content-type': CT('transfers') }), policy),
    '3101',
    400,
    'Malformed syntax - Invalid FSPIOP-Source header',
  );
});
