// ILP packet decoding and prepare checks (switch/security/ilp.ts) against the contract's vectors
// (security.md §4.3, §4.4), packets built by ilp-packet 3.1.3 (v4) and by sdk-standard-components 17.4.0 (v1,
// loaded from the installed SDK scheme adapter when present, else reproduced below).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import Long from 'long';
import { serializeIlpPrepare } from 'ilp-packet';
import { formatUnits, isoUnits, parseUnits, type IsoUnits } from '../../schemas/amount.js';
import { CURRENCIES } from '../../schemas/currency.js';
import { describeError } from '../../schemas/errors.js';
import { DomainError } from '../../schemas/outcomes.js';
import { fspiopErrorOf } from '../../translators/fspiop/outcomes.js';
import {
  acceptedIlpAmounts,
  checkPrepareAgainstPacket,
  conditionFromFulfilment,
  decodeIlpPacket,
  longFromString,
  sdkIlpDecimals,
  sdkV1LegacyIlpAmount,
  type DecodedIlp,
  type PrepareForIlpCheck,
} from '../../switch/security/ilp.js';

// ------------------------------------------------------------------------------------ contract vectors

const VECTOR_PACKET =
  'DIICqwAAAAAAACdCMjAzMDAxMDEwMDAwMDAwMDCb1QNXrckZ4VWrEca9SWwd4PjkKnMaJqo6KE1ZmTq7KQpnLm1vamFsb29wggJkZXlKaGJXOTFiblFpT25zaVlXMXZkVzUwSWpvaU1UQXdMalVpTENKamRYSnlaVzVqZVNJNklsVlRSQ0o5TENKbGVIQnBjbUYwYVc5dUlqb2lNakF6TUMwd01TMHdNVlF3TURvd01Eb3dNQzR3TURCYUlpd2ljR0Y1WldVaU9uc2ljR0Z5ZEhsSlpFbHVabThpT25zaVpuTndTV1FpT2lKd1lYbGxaV1p6Y0NJc0luQmhjblI1U1dSVWVYQmxJam9pVFZOSlUwUk9JaXdpY0dGeWRIbEpaR1Z1ZEdsbWFXVnlJam9pTWpjM01UTTRNRE01TVRJaWZYMHNJbkJoZVdWeUlqcDdJbkJoY25SNVNXUkpibVp2SWpwN0ltWnpjRWxrSWpvaWNHRjVaWEptYzNBaUxDSndZWEowZVVsa1ZIbHdaU0k2SWsxVFNWTkVUaUlzSW5CaGNuUjVTV1JsYm5ScFptbGxjaUk2SWpRME1USXpORFUyTnpnNUluMTlMQ0p4ZFc5MFpVbGtJam9pTURGS1FrWklNVmt5VmtvMVdrSTJVVFpYTTBzeVRqaEVOMEVpTENKMGNtRnVjMkZqZEdsdmJrbGtJam9pTURGS1FrWklNVmt5VmtvMVdrSTJVVFpYTTBzeVRqaEVOMElpTENKMGNtRnVjMkZqZEdsdmJsUjVjR1VpT25zaWFXNXBkR2xoZEc5eUlqb2lVRUZaUlZJaUxDSnBibWwwYVdGMGIzSlVlWEJsSWpvaVEwOU9VMVZOUlZJaUxDSnpZMlZ1WVhKcGJ5STZJbFJTUVU1VFJrVlNJbjE5';
const VECTOR_TX_JSON =
  '{"amount":{"amount":"100.5","currency":"USD"},"expiration":"2030-01-01T00:00:00.000Z","payee":{"partyIdInfo":{"fspId":"payeefsp","partyIdType":"MSISDN","partyIdentifier":"27713803912"}},"payer":{"partyIdInfo":{"fspId":"payerfsp","partyIdType":"MSISDN","partyIdentifier":"44123456789"}},"quoteId":"01JBFH1Y2VJ5ZB6Q6W3K2N8D7A","transactionId":"01JBFH1Y2VJ5ZB6Q6W3K2N8D7B","transactionType":{"initiator":"PAYER","initiatorType":"CONSUMER","scenario":"TRANSFER"}}';
const VECTOR_CONDITION = 'm9UDV63JGeFVqxHGvUlsHeD45CpzGiaqOihNWZk6uyk';
const VECTOR_FULFILMENT = 'wVEnqmG8qeW1u5Ft0IwA1t7jttDeWMgU66HRjaGwTHg';

/** The transfer that goes with the §4.4 quote (expiration: as an SDK sets it, later than the quote's). */
function vectorTransfer(overrides: Partial<PrepareForIlpCheck> = {}): PrepareForIlpCheck {
  return {
    amountUnits: parseUnits('100.5'),
    currency: 'USD',
    expiration: '2030-01-01T00:00:42.123Z',
    condition: VECTOR_CONDITION,
    payerFsp: 'payerfsp',
    payeeFsp: 'payeefsp',
    ...overrides,
  };
}

function vectorTx(): Record<string, unknown> {
  return JSON.parse(VECTOR_TX_JSON) as Record<string, unknown>;
}

// ------------------------------------------------------------------------------------ helpers

// The module raises domain outcomes; what a participant gets is their FSPIOP form (3100 "Generic validation error").
function isIlpError(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof DomainError, `expected a DomainError, got ${String(e)}`);
    assert.equal(e.outcome, 'ILP_PACKET_MALFORMED');
    const wire = fspiopErrorOf(e);
    assert.equal(wire.code, '3100');
    assert.match(wire.message, pattern);
    assert.ok(Array.from(wire.description).length <= 128);
    return true;
  };
}

function assertMalformed(packet: string, pattern: RegExp): void {
  assert.throws(() => decodeIlpPacket(packet), isIlpError(pattern));
}

function assertMismatch(packet: DecodedIlp, transfer: PrepareForIlpCheck, pattern: RegExp): void {
  const error = checkPrepareAgainstPacket(packet, transfer);
  assert.ok(error, 'expected a mismatch');
  assert.match(error.outcome, /^ILP_/);
  const wire = fspiopErrorOf(error);
  assert.equal(wire.code, '3100');
  assert.match(wire.message, pattern);
  assert.ok(Array.from(wire.description).length <= 128);
  assert.equal(wire.description, describeError('3100', error.detail));
}

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** Sorted-key compact JSON (what safe-stable-stringify gives for plain JSON values). */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${sortedJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** An ILP v4 packet as sdk-standard-components 19.x IlpV4 builds it, but with every field under the test's control. */
function v4Packet(o: { amount: string; expiresAt: Date | string; condition?: string; destination?: string; tx?: unknown; data?: Buffer }): string {
  const data = o.data ?? Buffer.from(Buffer.from(sortedJson(o.tx ?? vectorTx())).toString('base64url'), 'ascii');
  return serializeIlpPrepare({
    amount: o.amount,
    expiresAt: typeof o.expiresAt === 'string' ? new Date(o.expiresAt) : o.expiresAt,
    executionCondition: Buffer.from(o.condition ?? VECTOR_CONDITION, 'base64url'),
    destination: o.destination ?? 'g.mojaloop',
    data,
  }).toString('base64url');
}

function oerLength(n: number): Buffer {
  if (n < 128) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const varOctets = (b: Buffer): Buffer => Buffer.concat([oerLength(b.length), b]);

/** ilp-packet 2.2.0 serializeIlpPayment: type 1, envelope { uint64 amount, account, data, 0 }. */
function serializeV1(amount: bigint, account: string, data: Buffer, ext: Buffer = Buffer.from([0])): Buffer {
  const amountBytes = Buffer.alloc(8);
  amountBytes.writeBigUInt64BE(amount);
  const content = Buffer.concat([amountBytes, varOctets(Buffer.from(account, 'ascii')), varOctets(data), ext]);
  return Buffer.concat([Buffer.from([1]), varOctets(content)]);
}

// ---------------------------------------------------- sdk-standard-components 17.4.0 (adapter 18.0.2) v1 builder

interface QuoteRequest {
  transactionId: string;
  quoteId: string;
  payee: { partyIdInfo: { partyIdType: string; partyIdentifier: string; fspId?: string; partySubIdOrType?: string } };
  payer: { partyIdInfo: { partyIdType: string; partyIdentifier: string; fspId?: string } };
  transactionType: Record<string, string>;
}
interface QuoteResponse {
  transferAmount: { amount: string; currency: string };
  note?: string;
}
type V1Builder = (q: QuoteRequest, r: QuoteResponse) => { ilpPacket: string; condition: string; fulfilment: string };

const SDK_DECIMALS_FOR_TEST: Record<string, number> = { USD: 2, XOF: 0, BHD: 3, EUR: 2 };

/**
 * A faithful reproduction of sdk-standard-components 17.4.0 `Ilp.getQuoteResponseIlp` (src/lib/ilp/index.js
 * lines 38-98): transaction object in the SDK's key order, data = ASCII of base64url(JSON.stringify(tx)),
 * amount = `${Number(amount) * Math.pow(10, decimals)}` parsed by Long.fromString(…, true), account from
 * _getIlpAddress, serializeIlpPayment of ilp-packet 2.2.0, fulfilment = HMAC over the packet string.
 */
function reproducedV1Builder(secret: string): V1Builder {
  return (q, r) => {
    const tx = {
      transactionId: q.transactionId,
      quoteId: q.quoteId,
      payee: q.payee,
      payer: q.payer,
      amount: r.transferAmount,
      transactionType: q.transactionType,
      note: r.note,
    };
    const data = Buffer.from(Buffer.from(JSON.stringify(tx)).toString('base64url'));
    const decimals = SDK_DECIMALS_FOR_TEST[r.transferAmount.currency];
    if (decimals === undefined) throw new Error(`No decimal place data available for currency ${r.transferAmount.currency}`);
    const amountText = `${Number(r.transferAmount.amount) * Math.pow(10, decimals)}`;
    const amount = BigInt(Long.fromString(amountText, true).toString());
    const { fspId, partyIdType, partyIdentifier, partySubIdOrType } = q.payee.partyIdInfo;
    const account = `g.${fspId}.${partyIdType.toLowerCase()}.${partyIdentifier.toLowerCase()}` + (partySubIdOrType ? `.${partySubIdOrType.toLowerCase()}` : '');
    const ilpPacket = serializeV1(amount, account, data).toString('base64url');
    const key = Buffer.from(Buffer.from(secret).toString('base64'), 'ascii');
    const fulfilment = createHmac('sha256', key).update(Buffer.from(ilpPacket, 'ascii')).digest('base64url');
    return { ilpPacket, fulfilment, condition: conditionFromFulfilment(fulfilment)! };
  };
}

const SDK_NODE_MODULES = join(
  process.env.MIZANI_SDK_ADAPTER_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mizani'),
  'sdk-scheme-adapter-18.0.2',
  'node_modules',
);
const SDK_ILP_MODULE = join(SDK_NODE_MODULES, '@mojaloop/sdk-standard-components/src/lib/ilp/index.js');
const SDK_CURRENCY_JSON = join(SDK_NODE_MODULES, '@mojaloop/sdk-standard-components/src/lib/ilp/currency.json');

/** The real 17.4.0 builder, when the adapter is installed (node scripts/sdk-adapter-install.mjs). */
function installedV1Builder(secret: string): V1Builder | undefined {
  if (!existsSync(SDK_ILP_MODULE)) return undefined;
  const require = createRequire(import.meta.url);
  const Ilp = require(SDK_ILP_MODULE) as new (config: unknown) => { getQuoteResponseIlp: V1Builder };
  const sdk = new Ilp({ secret, logger: { isDebugEnabled: () => false, debug: () => undefined } });
  return (q, r) => sdk.getQuoteResponseIlp(q, r);
}

const SDK_SKIP = existsSync(SDK_ILP_MODULE) ? false : `SDK scheme adapter not installed at ${SDK_NODE_MODULES}`;

function quoteFor(amount: string, currency: string, o: { payeeFsp?: string; payerFsp?: string } = {}): [QuoteRequest, QuoteResponse] {
  return [
    {
      transactionId: 'b51ec534-ee48-4575-b6a9-ead2955b8069',
      quoteId: '7c23e80c-d078-4077-8263-2c047876fcf6',
      payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '27713803912', fspId: o.payeeFsp ?? 'payeefsp' } },
      payer: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '44123456789', fspId: o.payerFsp ?? 'payerfsp' } },
      transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
    },
    { transferAmount: { amount, currency }, note: 'dropped from nothing: kept by 17.x' },
  ];
}

function v1Transfer(amountUnits: IsoUnits, currency: string, overrides: Partial<PrepareForIlpCheck> = {}): PrepareForIlpCheck {
  return {
    amountUnits,
    currency,
    expiration: '2030-01-01T00:00:00.000Z',
    condition: 'not-in-a-v1-packet-so-never-compared-xxxxxxx',
    payerFsp: 'payerfsp',
    payeeFsp: 'payeefsp',
    ...overrides,
  };
}

/** Amounts with exactly the currency's decimals at most (as FSPIOP text allows), > 0. */
function amountUnitsArb(decimals: number, maxWhole = 10n ** 15n): fc.Arbitrary<IsoUnits> {
  const step = 10n ** BigInt(5 - decimals);
  return fc
    .tuple(fc.bigInt({ min: 0n, max: maxWhole }), fc.bigInt({ min: 0n, max: 10n ** BigInt(decimals) - 1n }))
    .map(([whole, fraction]) => isoUnits(whole * 100_000n + fraction * step))
    .filter((units) => units > 0n);
}

// ------------------------------------------------------------------------------------ §4.3 / §4.4

test('§4.3: conditions of known fulfilments', () => {
  const vectors: Array<[string, string]> = [
    ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'Zmh6rfhivXdsj8GLjp-OIAiXFIVu4jOzkCpZHQ1fKSU'],
    ['AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE', 'cs1uhCLEB_ttCYaQ8RMLfe1-wvf14dML2dUh8BU2N5M'],
    [VECTOR_FULFILMENT, VECTOR_CONDITION],
  ];
  for (const [fulfilment, condition] of vectors) assert.equal(conditionFromFulfilment(fulfilment), condition);
  for (const bad of ['', 'AAAA', VECTOR_FULFILMENT + 'A', VECTOR_FULFILMENT.slice(0, 42) + '+', VECTOR_FULFILMENT + '=']) {
    assert.equal(conditionFromFulfilment(bad), undefined, bad);
  }
});

test('§4.4: the quote-response packet decodes to exactly the stated fields', () => {
  const packet = decodeIlpPacket(VECTOR_PACKET);
  assert.equal(packet.version, 4);
  if (packet.version !== 4) return;
  assert.equal(packet.amount, 10050n);
  assert.equal(packet.expiresAt.toISOString(), '2030-01-01T00:00:00.000Z');
  assert.equal(packet.condition, VECTOR_CONDITION);
  assert.equal(packet.destination, 'g.mojaloop');
  assert.equal(packet.data.length, 612);
  assert.equal(packet.data.toString('ascii'), Buffer.from(VECTOR_TX_JSON).toString('base64url'));
  assert.deepEqual(packet.transaction, JSON.parse(VECTOR_TX_JSON));
  assert.equal(sortedJson(packet.transaction), VECTOR_TX_JSON);
  // byte layout: 687 bytes, the stated first 75 bytes
  const bytes = Buffer.from(VECTOR_PACKET, 'base64url');
  assert.equal(bytes.length, 687);
  assert.equal(
    bytes.subarray(0, 75).toString('hex'),
    '0c8202ab00000000000027423230333030313031303030303030303030' +
      '9bd50357adc919e155ab11c6bd496c1de0f8e42a731a26aa3a284d59993abb29' +
      '0a672e6d6f6a616c6f6f70820264',
  );
  // the fulfilment of §4.4 (HMAC rule of §2.3) hashes to the packet's condition: the fulfil check would pass
  const key = Buffer.from(Buffer.from('test-secret').toString('base64'), 'ascii');
  const fulfilment = createHmac('sha256', key)
    .update(Buffer.from(Buffer.from(VECTOR_TX_JSON).toString('base64'), 'ascii'))
    .digest('base64url');
  assert.equal(fulfilment, VECTOR_FULFILMENT);
  assert.equal(conditionFromFulfilment(fulfilment), packet.condition);
});

test('§4.4: the packet agrees with its transfer; padding and transfer expiry do not matter', () => {
  const packet = decodeIlpPacket(VECTOR_PACKET);
  assert.equal(checkPrepareAgainstPacket(packet, vectorTransfer()), undefined);
  // "100.50" and "100.5" are the same amount; the SDK sets the transfer expiry later than the quote's, but earlier
  // or equal must pass as well (the hub enforces the transfer's own expiration elsewhere)
  for (const expiration of ['2030-01-01T00:00:00.000Z', '2029-12-31T23:59:00.000Z', '2030-01-01T01:00:00.000Z', 'whatever']) {
    assert.equal(checkPrepareAgainstPacket(packet, vectorTransfer({ expiration, amountUnits: parseUnits('100.50') })), undefined);
  }
  // padding tolerated (the API pattern allows "=" / "=="): a packet of 688 bytes needs two
  const padded = v4Packet({ amount: '10050', expiresAt: '2030-01-01T00:00:00.000Z', data: Buffer.alloc(613, 0x41) });
  assert.equal(padded.length % 4, 2);
  assert.deepEqual(decodeIlpPacket(padded + '=='), decodeIlpPacket(padded));
});

// ------------------------------------------------------------------------------------ v4 mismatches

test('v4: a different transfer amount is refused with the precise figures', () => {
  const packet = decodeIlpPacket(VECTOR_PACKET);
  assertMismatch(
    packet,
    vectorTransfer({ amountUnits: parseUnits('100.6') }),
    /^Generic validation error - ILP packet amount 10050 does not match the transfer amount 100\.6 USD \(expected 10060\)$/,
  );
  // a tampered packet amount with the transaction object left alone
  const tampered = decodeIlpPacket(v4Packet({ amount: '10051', expiresAt: '2030-01-01T00:00:00.000Z' }));
  assertMismatch(tampered, vectorTransfer(), /ILP packet amount 10051 does not match the transfer amount 100\.5 USD \(expected 10050\)/);
  // no rounding: the v4 amount is exact in the currency's minor units
  assertMismatch(packet, vectorTransfer({ amountUnits: parseUnits('100.501') }), /transfer amount 100\.501 USD has more than 2 decimals: no exact ILP amount$/);
  // the currency decides the scale: 100.5 BHD is 100500
  assertMismatch(packet, vectorTransfer({ currency: 'BHD' }), /expected 100500/);
  // above the uint64 range
  assertMismatch(
    packet,
    vectorTransfer({ amountUnits: parseUnits('184467440737095516.16') }),
    /transfer amount 184467440737095516\.16 USD is beyond the ILP uint64 amount range$/,
  );
  assert.equal(
    checkPrepareAgainstPacket(
      decodeIlpPacket(v4Packet({ amount: '18446744073709551615', expiresAt: '2030-01-01T00:00:00.000Z', tx: {} })),
      vectorTransfer({ amountUnits: parseUnits('184467440737095516.15') }),
    ),
    undefined,
  );
});

test('v4: a different condition is refused', () => {
  const packet = decodeIlpPacket(VECTOR_PACKET);
  const other = 'Zmh6rfhivXdsj8GLjp-OIAiXFIVu4jOzkCpZHQ1fKSU';
  assertMismatch(packet, vectorTransfer({ condition: other }), new RegExp(`ILP packet condition ${VECTOR_CONDITION} is not the transfer's condition$`));
  // a packet carrying another condition than the transfer's
  const swapped = decodeIlpPacket(v4Packet({ amount: '10050', expiresAt: '2030-01-01T00:00:00.000Z', condition: other }));
  assertMismatch(swapped, vectorTransfer(), /ILP packet condition Zmh6rfhi/);
  // non-canonical spelling of the same bytes is not the same condition string (the fulfil check compares strings)
  assertMismatch(packet, vectorTransfer({ condition: VECTOR_CONDITION.slice(0, 42) + 'z' }), /is not the transfer's condition$/);
});

test('v4: an expiresAt that is not the quote expiration inside the packet is refused', () => {
  const tampered = decodeIlpPacket(v4Packet({ amount: '10050', expiresAt: '2030-01-01T01:00:00.000Z' }));
  assertMismatch(tampered, vectorTransfer(), /ILP packet expiresAt 2030-01-01T01:00:00\.000Z is not the quote expiration 2030-01-01T00:00:00\.000Z$/);
  // the same instant written in another zone is the same expiry
  const tx = { ...vectorTx(), expiration: '2030-01-01T02:00:00.000+02:00' };
  assert.equal(
    checkPrepareAgainstPacket(decodeIlpPacket(v4Packet({ amount: '10050', expiresAt: '2030-01-01T00:00:00.000Z', tx })), vectorTransfer()),
    undefined,
  );
  // FX transaction objects carry the expiry in conversionTerms
  const fx = { conversionRequestId: 'x', conversionTerms: { expiration: '2030-01-01T00:00:00.000Z' } };
  assertMismatch(decodeIlpPacket(v4Packet({ amount: '10050', expiresAt: '2030-01-01T00:00:01.000Z', tx: fx })), vectorTransfer(), /expiresAt/);
  // no expiration in the data (not an SDK transaction object): nothing to compare
  const bare = { ...vectorTx(), expiration: undefined };
  assert.equal(
    checkPrepareAgainstPacket(decodeIlpPacket(v4Packet({ amount: '10050', expiresAt: '2031-01-01T00:00:00.000Z', tx: bare })), vectorTransfer()),
    undefined,
  );
});

test('v4: the transaction object must agree with the transfer (amount, currency, payer, payee)', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ amount: { amount: '100.6', currency: 'USD' } }, /ILP transaction amount 100\.6 does not match the transfer amount 100\.5 USD/],
    [{ amount: { amount: '100.5', currency: 'EUR' } }, /ILP transaction currency "EUR" does not match the transfer currency USD/],
    [{ amount: { amount: '1e2', currency: 'USD' } }, /ILP transaction amount "1e2" is not a decimal amount/],
    [{ payer: { partyIdInfo: { fspId: 'mallory', partyIdType: 'MSISDN', partyIdentifier: '1' } } }, /payer fspId "mallory" does not match payerFsp payerfsp$/],
    [{ payee: { partyIdInfo: { fspId: 'mallory', partyIdType: 'MSISDN', partyIdentifier: '1' } } }, /payee fspId "mallory" does not match payeeFsp payeefsp$/],
  ];
  for (const [change, pattern] of cases) {
    const packet = decodeIlpPacket(v4Packet({ amount: '10050', expiresAt: '2030-01-01T00:00:00.000Z', tx: { ...vectorTx(), ...change } }));
    assertMismatch(packet, vectorTransfer(), pattern);
  }
  // data that is not a transaction object is opaque: only the packet fields are checked
  for (const data of [Buffer.from('PSK/1.0\nNonce: x\n'), Buffer.alloc(0), Buffer.from(Buffer.from('[1,2]').toString('base64url'))]) {
    const packet = decodeIlpPacket(v4Packet({ amount: '10050', expiresAt: '2030-01-01T00:00:00.000Z', data }));
    assert.equal(checkPrepareAgainstPacket(packet, vectorTransfer()), undefined);
  }
});

// ------------------------------------------------------------------------------------ malformed packets

test('malformed: every truncation of the vector is refused with 3100', () => {
  const bytes = Buffer.from(VECTOR_PACKET, 'base64url');
  for (let cut = 0; cut < bytes.length; cut++) {
    assertMalformed(b64url(bytes.subarray(0, cut)), cut === 0 ? /ILP packet is empty/ : /ILP packet truncated/);
  }
});

test('malformed: trailing bytes, inner extra bytes, wrong types, non-canonical lengths, bad fields', () => {
  const bytes = Buffer.from(VECTOR_PACKET, 'base64url');
  const edit = (f: (b: Buffer) => Buffer): string => b64url(f(Buffer.from(bytes)));

  assertMalformed(
    edit((b) => Buffer.concat([b, Buffer.from([0])])),
    /1 trailing bytes after the 683-byte envelope/,
  );
  assertMalformed(
    edit((b) => {
      b.writeUInt16BE(684, 2); // envelope one byte longer, one extra byte inside
      return Buffer.concat([b, Buffer.from([0x41])]);
    }),
    /1 unexpected bytes after data inside the Prepare/,
  );
  for (const [type, name] of [
    [13, /type 13 \(v4 Fulfill\)/],
    [14, /type 14 \(v4 Reject\)/],
    [0, /type 0 is neither/],
    [2, /type 2 \(v1 ILQP/],
    [255, /type 255 is neither/],
  ] as const) {
    assertMalformed(
      edit((b) => ((b[0] = type), b)),
      name,
    );
  }
  // 683 written in 3 length bytes instead of 2
  assertMalformed(
    edit((b) => Buffer.concat([Buffer.from([0x0c, 0x83, 0x00, 0x02, 0xab]), b.subarray(4)])),
    /non-canonical OER length \(683 in 3 bytes\) for envelope/,
  );
  // the 10-byte destination length written as 0x81 0x0a
  assertMalformed(
    edit((b) => {
      const inner = Buffer.concat([b.subarray(4, 61), Buffer.from([0x81, 0x0a]), b.subarray(62)]);
      return Buffer.concat([Buffer.from([0x0c, 0x82]), Buffer.from([(inner.length >> 8) & 0xff, inner.length & 0xff]), inner]);
    }),
    /non-canonical OER length \(10 in 1 bytes\) for destination/,
  );
  assertMalformed(
    edit((b) => ((b[61] = 0x80), b)),
    /invalid OER length-of-length 0 for destination at offset 61/,
  );
  assertMalformed(
    edit((b) => ((b[61] = 0x85), b)),
    /invalid OER length-of-length 5 for destination at offset 61/,
  );
  // a destination length that runs into the data field: the bytes read are no ILP address
  assertMalformed(
    edit((b) => ((b[61] = 0x7f), b)),
    /destination at offset 61 is not a valid ILP address/,
  );
  assertMalformed(
    edit((b) => ((b[61] = 0x82), (b[62] = 0x7f), (b[63] = 0xff), b)),
    /destination is 32767 bytes at offset 61, more than 1023$/,
  );
  assertMalformed(
    edit((b) => ((b[61] = 0x82), (b[62] = 0x03), (b[63] = 0xff), b)),
    /truncated: destination needs 1023 bytes at offset 64, 623 left in the envelope$/,
  );
  // expiresAt: month 13, a letter, Feb 30
  assertMalformed(
    edit((b) => (b.write('13', 16, 'ascii'), b)),
    /expiresAt 20301301000000000 is not a valid UTC timestamp/,
  );
  assertMalformed(
    edit((b) => (b.write('x', 20, 'ascii'), b)),
    /expiresAt at offset 12 is not 17 ASCII digits/,
  );
  assertMalformed(
    edit((b) => (b.write('0230', 16, 'ascii'), b)),
    /is not a valid UTC timestamp/,
  );
  // destination: unknown scheme, and a high-bit byte that ilp-packet's 'ascii' decoding would turn into 'g'
  assertMalformed(
    edit((b) => (b.write('x', 62, 'ascii'), b)),
    /destination at offset 61 is not a valid ILP address: "x\.mojaloop"/,
  );
  assertMalformed(
    edit((b) => ((b[62] = 0xe7), b)),
    /destination at offset 61 is not a valid ILP address/,
  );
  assertMalformed(
    edit((b) => (b.write(' ', 64, 'ascii'), b)),
    /not a valid ILP address/,
  );
});

test('malformed: text that is not canonical base64url', () => {
  assertMalformed('', /is empty/);
  assert.throws(() => decodeIlpPacket(42 as unknown as string), isIlpError(/ILP packet is not a string/));
  assertMalformed('DIIC+wAA', /standard base64 \(\+ or \/\): base64url is required/);
  assertMalformed('DIIC/wAA', /standard base64/);
  assertMalformed('DIIC wAA', /is not base64url text/);
  assertMalformed('DIICq', /base64url length 5 is impossible/);
  assertMalformed('DIICqw=', /padding is wrong/);
  assertMalformed('DIICqwAA==', /padding is wrong/);
  assertMalformed('DI=IC', /is not base64url text/);
  assertMalformed('DIICqx', /not canonical \(non-zero padding bits\)/);
  assertMalformed('A'.repeat(32772), /is 32772 characters, more than 32768/);
});

test('property: arbitrary bytes never crash the decoder, they decode or give 3100', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        // mostly-valid headers so the fuzzing gets past the type byte
        fc.tuple(fc.constantFrom(1, 12), fc.uint8Array({ maxLength: 300 })).map(([t, rest]) => Uint8Array.from([t, rest.length, ...rest])),
      ),
      (bytes) => {
        try {
          decodeIlpPacket(b64url(bytes));
        } catch (e) {
          assert.ok(e instanceof DomainError);
          const wire = fspiopErrorOf(e);
          assert.equal(wire.code, '3100');
          assert.match(wire.message, /^Generic validation error - ILP packet /);
        }
      },
    ),
    { numRuns: 3000 },
  );
});

// ------------------------------------------------------------------------------------ v4 round trip

const ILP_SCHEMES = ['g', 'private', 'example', 'peer', 'self', 'test', 'test1', 'test2', 'test3', 'local'];

test('property: any ILP v4 Prepare built by ilp-packet decodes back to the same fields', () => {
  const addressArb = fc
    .tuple(fc.constantFrom(...ILP_SCHEMES), fc.array(fc.stringMatching(/^[a-zA-Z0-9_~-]{1,24}$/), { minLength: 1, maxLength: 8 }))
    .map(([scheme, segments]) => [scheme, ...segments].join('.'));
  const txArb = fc.record({ quoteId: fc.string(), amount: fc.record({ amount: fc.string(), currency: fc.string() }), n: fc.integer() });
  const dataArb = fc.oneof(
    fc.uint8Array({ maxLength: 2000 }).map((a) => ({ data: Buffer.from(a), tx: undefined as unknown })),
    // up to what fits the FSPIOP limit of 32768 base64url characters (24576 bytes in all)
    fc.uint8Array({ minLength: 100, maxLength: 24000, size: 'max' }).map((a) => ({ data: Buffer.from(a), tx: undefined as unknown })),
    txArb.map((tx) => ({ data: Buffer.from(Buffer.from(JSON.stringify(tx)).toString('base64url')), tx: tx as unknown })),
  );
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.date({ min: new Date('1970-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      addressArb,
      dataArb,
      (amount, expiresAt, condition, destination, { data, tx }) => {
        const text = serializeIlpPrepare({ amount: amount.toString(), expiresAt, executionCondition: Buffer.from(condition), destination, data }).toString(
          'base64url',
        );
        const decoded = decodeIlpPacket(text);
        assert.equal(decoded.version, 4);
        if (decoded.version !== 4) return;
        assert.equal(decoded.amount, amount);
        assert.equal(decoded.expiresAt.getTime(), expiresAt.getTime());
        assert.equal(decoded.condition, b64url(condition));
        assert.equal(decoded.destination, destination);
        assert.ok(decoded.data.equals(data));
        if (tx !== undefined) assert.deepEqual(decoded.transaction, JSON.parse(JSON.stringify(tx)));
      },
    ),
    { numRuns: 300 },
  );
});

// ------------------------------------------------------------------------------------ v1 (FSPIOP 1.x SDK)

test('v1: Long.fromString and the 17.x float amounts reproduce the figures seen on the wire (docs/interop.md)', () => {
  const figures: Array<[string, number, bigint]> = [
    ['25.5', 2, 2550n],
    ['100', 0, 100n],
    ['1.1', 2, 1100000000001n],
    ['0.29', 2, 289999999996n],
    ['1.005', 2, 1009999999999n],
  ];
  for (const [amount, decimals, expected] of figures) assert.equal(sdkV1LegacyIlpAmount(parseUnits(amount), decimals), expected, amount);
  for (const text of ['0', '1', '110.00000000000001', '18446744073709551615', '18446744073709551616', '1e+21', '12.5', 'NaN', '-1', '.5', '123456789.123']) {
    const expected = text === '-1' ? (1n << 64n) - 1n : BigInt(Long.fromString(text, true).toString());
    assert.equal(longFromString(text), expected, text);
  }
  assert.equal(longFromString(''), undefined);
  assert.equal(longFromString('1-2'), undefined);
  fc.assert(
    fc.property(fc.oneof(fc.stringMatching(/^[0-9.e+]{1,30}$/), fc.double({ min: 0, max: 1e22, noNaN: true }).map(String)), (text) => {
      let expected: bigint | undefined;
      try {
        expected = BigInt(Long.fromString(text, true).toString());
      } catch {
        expected = undefined; // Long throws ("interior hyphen" of 5e-324): the SDK could not build the packet
      }
      assert.equal(longFromString(text), expected, text);
    }),
    { numRuns: 2000 },
  );
});

test('v1: the accepted amounts are the exact minor units and the SDK computations, nothing in between', () => {
  assert.deepEqual(acceptedIlpAmounts(1, parseUnits('1.1'), 'USD'), [110n, 1100000000001n]);
  assert.deepEqual(acceptedIlpAmounts(4, parseUnits('1.1'), 'USD'), [110n]);
  assert.deepEqual(acceptedIlpAmounts(1, parseUnits('25.5'), 'USD'), [2550n]);
  assert.deepEqual(acceptedIlpAmounts(1, parseUnits('100'), 'XOF'), [100n]);
  assert.deepEqual(acceptedIlpAmounts(1, parseUnits('1.001'), 'BHD'), [1001n, 10009999999999n]); // 1.001*1000 = 1000.9999999999999
  assert.deepEqual(acceptedIlpAmounts(4, parseUnits('1.001'), 'BHD'), [1001n]);
  // XTS: the SDK's table says 0 decimals, the hub's 4
  assert.deepEqual(acceptedIlpAmounts(4, parseUnits('10'), 'XTS'), [100000n, 10n]);
  assert.deepEqual(acceptedIlpAmounts(4, parseUnits('10.5'), 'XTS'), [105000n]);
  // XDR: not in the SDK table, no SDK can build the packet; the exact value only
  assert.deepEqual(acceptedIlpAmounts(1, parseUnits('1.1'), 'XDR'), [11000n]);
  assert.deepEqual(acceptedIlpAmounts(4, parseUnits('1'), 'ZZZ'), []);
});

for (const source of ['reproduced', 'installed'] as const) {
  test(`v1: packets built by sdk-standard-components 17.4.0 (${source}) pass; a tampered amount fails`, { skip: source === 'installed' && SDK_SKIP }, () => {
    const build = source === 'installed' ? installedV1Builder('mizani-interop-payeefsp')! : reproducedV1Builder('mizani-interop-payeefsp');
    for (const [currency, decimals] of [
      ['USD', 2],
      ['USD', 1],
      ['USD', 0],
      ['XOF', 0],
      ['BHD', 3],
    ] as const) {
      fc.assert(
        fc.property(amountUnitsArb(decimals), fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), (units, delta) => {
          const amount = formatUnits(units);
          const { ilpPacket } = build(...quoteFor(amount, currency));
          const packet = decodeIlpPacket(ilpPacket);
          assert.equal(packet.version, 1);
          if (packet.version !== 1) return;
          assert.equal(packet.account, 'g.payeefsp.msisdn.27713803912');
          assert.deepEqual((packet.transaction as { amount: unknown }).amount, { amount, currency });
          assert.equal(checkPrepareAgainstPacket(packet, v1Transfer(units, currency)), undefined, `${amount} ${currency}`);

          // the same packet with another amount
          const tampered = packet.amount + delta;
          fc.pre(tampered >= 0n && tampered < 1n << 64n && !acceptedIlpAmounts(1, units, currency).includes(tampered));
          const forged = decodeIlpPacket(serializeV1(tampered, packet.account, packet.data).toString('base64url'));
          const error = checkPrepareAgainstPacket(forged, v1Transfer(units, currency));
          assert.ok(error, `tampered ${tampered} for ${amount} ${currency} accepted`);
          assert.equal(error.outcome, 'ILP_AMOUNT_MISMATCH');
          assert.equal(fspiopErrorOf(error).code, '3100');
          assert.match(error.message, new RegExp(`ILP packet amount ${tampered} does not match the transfer amount ${amount.replace('.', '\\.')} ${currency}`));
        }),
        { numRuns: 150 },
      );
    }
  });
}

test('v1: the reproduction is byte-identical to the installed SDK', { skip: SDK_SKIP }, () => {
  const real = installedV1Builder('s3cr3t')!;
  const copy = reproducedV1Builder('s3cr3t');
  fc.assert(
    fc.property(fc.constantFrom(['USD', 2], ['XOF', 0], ['BHD', 3], ['EUR', 2]), fc.nat(), (pair, seed) => {
      const [currency, decimals] = pair as [string, number];
      const units = fc.sample(amountUnitsArb(decimals), { seed, numRuns: 1 })[0]!;
      const quote = quoteFor(formatUnits(units), currency);
      assert.deepEqual(copy(...quote), real(...quote));
    }),
    { numRuns: 300 },
  );
  // the figures of docs/interop.md, straight from the SDK
  for (const [amount, currency, expected] of [
    ['25.5', 'USD', 2550n],
    ['100', 'XOF', 100n],
    ['1.1', 'USD', 1100000000001n],
    ['0.29', 'USD', 289999999996n],
    ['1.005', 'USD', 1009999999999n],
  ] as const) {
    const packet = decodeIlpPacket(real(...quoteFor(amount, currency)).ilpPacket);
    assert.equal(packet.amount, expected, `${amount} ${currency}`);
    assert.equal(checkPrepareAgainstPacket(packet, v1Transfer(parseUnits(amount), currency)), undefined);
  }
});

test('SDK decimals: sdkIlpDecimals matches the installed sdk-standard-components table for every FSPIOP currency', { skip: SDK_SKIP }, () => {
  const require = createRequire(import.meta.url);
  const table = require(SDK_CURRENCY_JSON) as Record<string, number>;
  for (const code of CURRENCIES) assert.equal(sdkIlpDecimals(code), table[code], code);
});

test('v1: no condition in the packet, transaction object checked, malformed v1 refused', () => {
  const build = reproducedV1Builder('secret');
  const units = parseUnits('1.1');
  const packet = decodeIlpPacket(build(...quoteFor('1.1', 'USD')).ilpPacket);
  // any condition: a v1 packet has none (the fulfilment is checked against the transfer's condition at commit)
  assert.equal(checkPrepareAgainstPacket(packet, v1Transfer(units, 'USD', { condition: 'anything' })), undefined);
  // correct field amount but the transaction says otherwise
  assertMismatch(packet, v1Transfer(units, 'USD', { payerFsp: 'other' }), /payer fspId "payerfsp" does not match payerFsp other$/);
  assertMismatch(packet, v1Transfer(units, 'USD', { payeeFsp: 'other' }), /payee fspId "payeefsp" does not match payeeFsp other$/);
  const forgedTx = decodeIlpPacket(build(...quoteFor('11000000000.01', 'USD')).ilpPacket);
  // 11000000000.01 USD is exactly 1100000000001 cents, which is also what 17.x writes for 1.1 USD: the amount field
  // collides, the transaction object does not
  assert.equal(forgedTx.amount, 1100000000001n);
  assertMismatch(forgedTx, v1Transfer(units, 'USD'), /ILP transaction amount 11000000000\.01 does not match the transfer amount 1\.1 USD/);

  // the long-lived Mojaloop test packet (pre-RFC-15 address, PSK text as data) is well-formed v1
  const legacy = decodeIlpPacket(
    'AYIBgQAAAAAAAASwNGxldmVsb25lLmRmc3AxLm1lci45T2RTOF81MDdqUUZERmZlakgyOVc4bXFmNEpLMHlGTFGCAUBQU0svMS4wCk5vbmNlOiB1SXlweUYzY3pYSXBFdzVVc05TYWh3CkVuY3J5cHRpb246IG5vbmUKUGF5bWVudC1JZDogMTMyMzZhM2ItOGZhOC00MTYzLTg0NDctNGMzZWQzZGE5OGE3CgpDb250ZW50LUxlbmd0aDogMTM1CkNvbnRlbnQtVHlwZTogYXBwbGljYXRpb24vanNvbgpTZW5kZXItSWRlbnRpZmllcjogOTI4MDYzOTEKCiJ7XCJmZWVcIjowLFwidHJhbnNmZXJDb2RlXCI6XCJpbnZvaWNlXCIsXCJkZWJpdE5hbWVcIjpcImFsaWNlIGNvb3BlclwiLFwiY3JlZGl0TmFtZVwiOlwibWVyIGNoYW50XCIsXCJkZWJpdElkZW50aWZpZXJcIjpcIjkyODA2MzkxXCJ9IgA',
  );
  assert.equal(legacy.version, 1);
  assert.equal(legacy.amount, 1200n);
  assert.equal(legacy.version === 1 && legacy.account, 'levelone.dfsp1.mer.9OdS8_507jQFDFfejH29W8mqf4JK0yFLQ');
  assert.equal(legacy.transaction, undefined);
  assert.equal(checkPrepareAgainstPacket(legacy, v1Transfer(parseUnits('12'), 'USD')), undefined);
  assertMismatch(legacy, v1Transfer(parseUnits('123.45'), 'USD'), /ILP packet amount 1200 does not match the transfer amount 123\.45 USD \(expected 12345\)/);
  // the contract's placeholder "AYIBgQAAAAAAAAAAAA" is a truncated v1 packet
  assertMalformed('AYIBgQAAAAAAAAAAAA', /truncated: the envelope announces 385 bytes, 9 follow/);

  const data = Buffer.from('eyJhIjoxfQ');
  assertMalformed(b64url(serializeV1(1n, 'g.a.b', data, Buffer.alloc(0))), /truncated: extensibility marker/);
  assertMalformed(b64url(serializeV1(1n, 'g.a.b', data, Buffer.from([1]))), /v1 extensibility marker at offset \d+ is 1, expected 0/);
  assertMalformed(b64url(serializeV1(1n, 'g.a.b', data, Buffer.from([0, 0]))), /1 unexpected bytes after the v1 Payment fields/);
  assertMalformed(b64url(serializeV1(1n, '', data)), /account at offset 10 is not a printable-ASCII address: ""$/);
  assertMalformed(b64url(serializeV1(1n, 'g.a\n', data)), /not a printable-ASCII address/);
  assertMalformed(b64url(serializeV1(1n, 'g.' + 'a'.repeat(1022), data)), /account is 1024 bytes at offset 12, more than 1023/);
  assert.equal(decodeIlpPacket(b64url(serializeV1(1n, 'g.payeefsp.email.a@b.example', data))).transaction !== undefined, true);
});

// ------------------------------------------------------------------------------------ cost

test('cost: µs per decode + check (v4 §4.4 vector, v1 adapter-18.0.2-like packet)', (t) => {
  // as adapter 18.0.2 sends it (about 1.2 KB: parties with names, a note)
  const [q, r] = quoteFor('1.1', 'USD');
  const personalInfo = { complexName: { firstName: 'Keeya', middleName: 'Mwangi', lastName: 'Odhiambo' }, dateOfBirth: '1984-01-01' };
  Object.assign(q.payee, { name: 'Keeya Mwangi Odhiambo', personalInfo });
  Object.assign(q.payer, { name: 'Alex Johnson-Smith', personalInfo: { complexName: { firstName: 'Alex', lastName: 'Johnson-Smith' } } });
  Object.assign(q.transactionType, { subScenario: 'LOCALLY_DEFINED_SUBSCENARIO', balanceOfPayments: '123' });
  const v1 = reproducedV1Builder('secret')(q, { ...r, note: 'Rent for November, flat 4B, thank you' }).ilpPacket;
  const v1Transfer11 = v1Transfer(parseUnits('1.1'), 'USD');
  const v4Transfer = vectorTransfer();
  const measure = (packet: string, transfer: PrepareForIlpCheck): number => {
    const n = 20_000;
    for (let i = 0; i < 2_000; i++) checkPrepareAgainstPacket(decodeIlpPacket(packet), transfer);
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      if (checkPrepareAgainstPacket(decodeIlpPacket(packet), transfer)) throw new Error('unexpected mismatch');
    }
    return Number(process.hrtime.bigint() - start) / n / 1000;
  };
  const v4us = measure(VECTOR_PACKET, v4Transfer);
  const v1us = measure(v1, v1Transfer11);
  t.diagnostic(`v4 (${Buffer.from(VECTOR_PACKET, 'base64url').length} bytes): ${v4us.toFixed(2)} µs per decode+check`);
  t.diagnostic(`v1 (${Buffer.from(v1, 'base64url').length} bytes): ${v1us.toFixed(2)} µs per decode+check`);
  assert.ok(v4us < 1000 && v1us < 1000);
});
