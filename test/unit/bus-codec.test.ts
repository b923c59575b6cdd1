/**
 * The Kafka bus's codec (switch/bus/codec.ts): every value a command or reply may hold comes back exactly (bigint,
 * Buffer, undefined members, -0, NaN, objects with or without a prototype, keys that look like its tags), the
 * canonical commands of core/topics.ts among them; what it cannot carry is refused, naming where it sits; and the
 * failures a handler throws come back as the same DomainError (core/bus-failures.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CodecError, decode, encode } from '../../switch/bus/codec.js';
import { domainFailures } from '../../switch/core/bus-failures.js';
import type { PrepareCommand, SettlementPositionCommand, StatusCommand, FundsMovement } from '../../switch/core/topics.js';
import type { InboundMessage } from '../../switch/core/outbox.js';
import { ledgerUnits } from '../../ledger/units.js';
import { DomainError, OUTCOME_NAMES } from '../../schemas/outcomes.js';
import { errorToCanonical, prepareToCanonical, statusToCanonical } from '../../translators/fspiop/transfers.js';
import * as arb from './translator-arbitraries.js';

const roundTrip = (value: unknown) => decode(encode(value));

const key = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('__proto__', 'constructor', '$bigint', '$bytes', '$undefined', '$number', '$null-proto', '$', '$$', '$$bigint', '$x'),
);
const leaf = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.double(),
  fc.constantFrom(-0, NaN, Infinity, -Infinity),
  fc.bigInt(),
  fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes)),
);
const { value: carriable } = fc.letrec<{ value: unknown; array: unknown[]; object: Record<string, unknown> }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  // fast-check makes some of these without a prototype, and writes a "__proto__" key as an own property.
  object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
}));

test('every carriable value comes back exactly (property)', () => {
  fc.assert(
    fc.property(carriable, (value) => {
      assert.deepStrictEqual(roundTrip(value), value);
    }),
    { numRuns: 2000 },
  );
});

function inbound(raw: string, source: string): InboundMessage {
  const bytes = Buffer.from(raw);
  return {
    source,
    destination: 'payee',
    dialect: 'fspiop',
    version: { major: 2, minor: 0 },
    headers: { 'content-type': 'application/vnd.interoperability.transfers+json;version=2.0', 'fspiop-source': source, accept: undefined },
    raw: bytes,
    hash: bytes.toString('base64url'),
    receivedAt: '2026-01-01T00:00:00.000Z',
  };
}

test('the canonical transfer commands come back exactly (property)', () => {
  fc.assert(
    fc.property(arb.prepare({}), arb.dateTime, (body, at) => {
      const command: PrepareCommand = { message: prepareToCanonical(body, at), inbound: inbound(JSON.stringify(body), body.payerFsp) };
      assert.deepStrictEqual(roundTrip(command), command);
      assert.equal(typeof (roundTrip(command) as PrepareCommand).message.CdtTrfTxInf.IntrBkSttlmAmt.units, 'bigint');
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(arb.correlationId({}), fc.oneof(arb.fulfil, arb.errorBody), arb.dateTime, (id, body, at) => {
      const message = 'errorInformation' in body ? errorToCanonical(id, body, at) : statusToCanonical(id, body, at);
      const command: StatusCommand = { transferId: id, message, inbound: inbound(JSON.stringify(body), 'payee') };
      assert.deepStrictEqual(roundTrip(command), command);
    }),
    { numRuns: 300 },
  );
});

test('ledger units survive: funds and settlement commands, far beyond 2^53', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (units) => {
      const funds: FundsMovement = { participant: 'dfsp1', currency: 'USD', amount: ledgerUnits(units), transferId: 't', reference: 'r: why' };
      const settle: SettlementPositionCommand = {
        settlementId: 1,
        windowIds: [1, 2],
        transferId: 's',
        participant: 'dfsp1',
        currency: 'USD',
        ledgerAccountType: 'POSITION',
        positionDelta: ledgerUnits(units),
        kind: 'SETTLEMENT_NET_SENDER',
        reference: 'x',
        checkHeadroom: false,
      };
      assert.deepStrictEqual(roundTrip(funds), funds);
      assert.deepStrictEqual(roundTrip(settle), settle);
    }),
  );
});

test('what the codec cannot carry is refused, naming where it sits', () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = { back: cyclic };
  class Money {
    units = 1n;
  }
  const refused: Array<[unknown, RegExp]> = [
    [{ at: new Date(0) }, /\$\.at is an instance of Date/],
    [{ m: new Map() }, /\$\.m is an instance of Map/],
    [[new Set([1])], /\$\[0\] is an instance of Set/],
    [{ x: new Money() }, /\$\.x is an instance of Money/],
    [{ e: new DomainError('SERVER_BUSY') }, /instance of DomainError/],
    [{ bytes: new Uint8Array(2) }, /instance of Uint8Array/],
    [{ f: () => 1 }, /\$\.f is a function/],
    [{ s: Symbol('x') }, /\$\.s is a symbol/],
    [{ [Symbol('k')]: 1 }, /symbol keys/],
    [[1, , 3], /\$\[1\] is a hole/],
    [cyclic, /\$\.self\.back refers back/],
  ];
  for (const [value, message] of refused)
    assert.throws(
      () => encode(value),
      (err: Error) => err instanceof CodecError && message.test(err.message),
    );
  assert.deepEqual(roundTrip({ shared: [cyclic.a, cyclic.a] }), { shared: [1, 1] }, 'a value used twice is not a cycle');
});

test('decoding refuses forged tags and keeps "__proto__" as data', () => {
  assert.throws(() => decode('{"$bigint":"1e3"}'), CodecError);
  assert.throws(() => decode('{"$number":"1"}'), CodecError);
  assert.throws(() => decode('{"$bigint":1}'), CodecError);
  assert.throws(() => decode('{"a":{"$evil":1,"b":2}}'), /\$\.a holds the key \$evil/);
  const value = decode('{"__proto__":{"polluted":true},"$$bigint":"x"}') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.keys(value), ['__proto__', '$bigint']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('a DomainError a handler throws comes back as the same outcome, detail and data; anything else as UNEXPECTED_FAILURE', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...OUTCOME_NAMES),
      fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
      fc.option(fc.dictionary(fc.string({ minLength: 1 }), fc.string(), { minKeys: 1, maxKeys: 3 }), { nil: undefined }),
      (outcome, detail, data) => {
        const thrown = new DomainError(outcome, detail, data);
        const described = domainFailures.describe(thrown);
        assert.equal(described.expected, true);
        const rebuilt = domainFailures.rebuild(roundTrip(described.data));
        assert.ok(rebuilt instanceof DomainError);
        assert.equal(rebuilt.outcome, thrown.outcome);
        assert.equal(rebuilt.detail, thrown.detail);
        assert.deepEqual(rebuilt.data === undefined ? undefined : { ...rebuilt.data }, thrown.data === undefined ? undefined : { ...thrown.data });
        assert.equal(rebuilt.message, thrown.message);
      },
    ),
  );
  const unexpected = domainFailures.describe(new TypeError('x is not a function'));
  assert.equal(unexpected.expected, false);
  assert.equal((domainFailures.rebuild(roundTrip(unexpected.data)) as DomainError).outcome, 'UNEXPECTED_FAILURE');
  assert.equal((domainFailures.rebuild({ outcome: 'NO_SUCH_OUTCOME' }) as DomainError).outcome, 'UNEXPECTED_FAILURE');
  const silent = domainFailures.unanswered('transfer.prepare', 'dfsp1', 'no answer within 10 ms') as DomainError;
  assert.equal(silent.outcome, 'LEDGER_UNAVAILABLE');
});
