/**
 * fast-check generators of valid FSPIOP v2.0 bodies (they pass validateFspiopBody) for the translator tests.
 * `iso: true` restricts them to what the Mojaloop ISO 20022 JSON dialect must refuse otherwise: ULID ids, amounts
 * of at most 18 digits, the condition matching the ILP v4 packet. Everything else FSPIOP can say (dates of birth,
 * extensions, several charges and currencies, long names and sub-ids, ...) the dialect carries, in its elements or
 * in Mizani's supplementary data, so the FSPIOP -> ISO JSON -> FSPIOP chain must be exact on them (zero-valued
 * charges aside: they are left out).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { FspiopParty } from '../../translators/fspiop/common.js';
import type { FspiopQuoteRequest, FspiopQuoteResponse } from '../../translators/fspiop/quotes.js';
import type { FspiopErrorBody, FspiopTransferFulfil, FspiopTransferPatch, FspiopTransferPrepare } from '../../translators/fspiop/transfers.js';

export interface Options {
  iso?: boolean;
  /** acmt.024 limits (identifiers Max35Text). */
  acmt?: boolean;
}

/** JSON copy: drops undefined members and fast-check's null prototypes. */
export const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export const ulid = fc.stringMatching(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
const uuid = fc.uuid({ version: [1, 2, 3, 4, 5, 7] }).map((u) => u.toLowerCase());
export const correlationId = (o: Options) => (o.iso ? ulid : fc.oneof(ulid, uuid));
export const fspId = fc.stringMatching(/^[a-z][a-z0-9-]{0,31}$/);
export const dateTime = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const dateOnly = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const text = (min: number, max: number) =>
  fc.string({ minLength: min, maxLength: max, unit: fc.constantFrom('a', 'B', ' ', ';', '/', 'é', '中', '😀', '-', '"', '\\', 'z', '0') });
export const currency = fc.constantFrom('USD', 'EUR', 'XOF', 'BHD', 'XTS', 'MWK', 'JPY', 'KWD');

/** FSPIOP Amount text; `maxTotalDigits` (ISO) bounds integer + decimal digits. */
export function amountText(o: Options): fc.Arbitrary<string> {
  return fc.integer({ min: 0, max: 4 }).chain((decimals) => {
    const maxInt = o.iso ? 18 - decimals : 18;
    return fc
      .tuple(fc.integer({ min: 1, max: maxInt }), fc.bigInt({ min: 0n, max: 10n ** 18n }), fc.integer({ min: 1, max: 9999 }))
      .map(([digits, raw, frac]) => {
        const whole = raw % 10n ** BigInt(digits);
        if (decimals === 0) return `${whole}`;
        const f = String(frac % 10 ** decimals)
          .padStart(decimals, '0')
          .replace(/0+$/, '');
        return f ? `${whole}.${f}` : `${whole}`;
      });
  });
}

export const money = (o: Options) => fc.record({ currency, amount: amountText(o) });

const extension = fc.record({ key: text(1, 32), value: text(1, 128) });
export const extensionList = fc.record({ extension: fc.array(extension, { minLength: 1, maxLength: 16 }) });

const nameText = fc
  .string({ minLength: 1, maxLength: 30, unit: fc.constantFrom('a', 'Z', 'é', 'ß', 'Ł', ' ', '.', ',', "'", '-', '5', '_') })
  .filter((s) => s.trim().length > 0);
const partyIdType = fc.constantFrom('MSISDN', 'EMAIL', 'PERSONAL_ID', 'BUSINESS', 'DEVICE', 'ACCOUNT_ID', 'IBAN', 'ALIAS');

/** Removes the members whose value is undefined (fc.record with optional fields). */
export function compact<T extends object>(v: T): T {
  for (const k of Object.keys(v) as Array<keyof T>) if (v[k] === undefined) delete v[k];
  return v;
}

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

export function party(o: Options, _role: 'quote' | 'lookup' = 'quote'): fc.Arbitrary<FspiopParty> {
  const idMax = o.acmt ? 35 : 128;
  const complexName = fc.record({ firstName: opt(nameText), middleName: opt(nameText), lastName: opt(nameText) }).map(compact);
  const personalInfo = fc
    .record({
      complexName: opt(complexName),
      dateOfBirth: opt(dateOnly),
      kycInformation: opt(text(1, 300)),
    })
    .map(compact);
  return fc
    .record({
      partyIdInfo: fc
        .record({
          partyIdType,
          partyIdentifier: text(1, idMax),
          partySubIdOrType: opt(text(1, 128)),
          fspId: opt(fspId),
          extensionList: opt(extensionList),
        })
        .map(compact),
      merchantClassificationCode: opt(fc.stringMatching(/^\d{1,4}$/)),
      name: opt(text(1, 128)),
      personalInfo: opt(personalInfo),
      supportedCurrencies: opt(fc.array(currency, { maxLength: 16 })),
    })
    .map((p) => compact(p) as FspiopParty);
}

const geoCode = fc.record({
  latitude: fc.tuple(fc.integer({ min: -89, max: 89 }), fc.integer({ min: 0, max: 999999 })).map(([a, b]) => `${a}.${b}`),
  longitude: fc.tuple(fc.integer({ min: -179, max: 179 }), fc.integer({ min: 0, max: 999999 })).map(([a, b]) => `${a}.${b}`),
});

export function quoteRequest(o: Options): fc.Arbitrary<FspiopQuoteRequest> {
  return fc
    .record({
      quoteId: correlationId(o),
      transactionId: correlationId(o),
      transactionRequestId: opt(correlationId(o)),
      payee: party(o),
      payer: party(o),
      amountType: fc.constantFrom('SEND', 'RECEIVE') as fc.Arbitrary<'SEND' | 'RECEIVE'>,
      amount: money(o),
      fees: opt(money(o)),
      transactionType: fc
        .record({
          scenario: fc.constantFrom('DEPOSIT', 'WITHDRAWAL', 'TRANSFER', 'PAYMENT', 'REFUND'),
          subScenario: opt(fc.stringMatching(/^[A-Z_]{1,32}$/)),
          initiator: fc.constantFrom('PAYER', 'PAYEE') as fc.Arbitrary<'PAYER' | 'PAYEE'>,
          initiatorType: fc.constantFrom('CONSUMER', 'AGENT', 'BUSINESS', 'DEVICE') as fc.Arbitrary<'CONSUMER' | 'AGENT' | 'BUSINESS' | 'DEVICE'>,
          refundInfo: opt(fc.record({ originalTransactionId: correlationId(o), refundReason: opt(text(1, 128)) }).map(compact)),
          balanceOfPayments: opt(fc.stringMatching(/^[1-9]\d{2}$/)),
        })
        .map(compact),
      converter: opt(fc.constantFrom('PAYER', 'PAYEE') as fc.Arbitrary<'PAYER' | 'PAYEE'>),
      currencyConversion: opt(fc.record({ sourceAmount: money(o), targetAmount: money(o) })),
      geoCode: opt(geoCode),
      note: opt(text(1, 128)),
      expiration: opt(dateTime),
      extensionList: opt(extensionList),
    })
    .map((q) => compact(q) as FspiopQuoteRequest);
}

// ------------------------------------------------------------------------------------------------ ILP

/** An ILP v4 Prepare packet (OER) with the given condition, base64url. */
export function ilpV4Packet(condition: Buffer, amount: bigint, destination: string, data: Buffer): string {
  const lengthPrefix = (n: number) => (n < 128 ? Buffer.from([n]) : n < 256 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]));
  const amountBytes = Buffer.alloc(8);
  amountBytes.writeBigUInt64BE(amount);
  const dest = Buffer.from(destination, 'ascii');
  const content = Buffer.concat([
    amountBytes,
    Buffer.from('20991231235959999', 'ascii'),
    condition,
    lengthPrefix(dest.length),
    dest,
    lengthPrefix(data.length),
    data,
  ]);
  return Buffer.concat([Buffer.from([12]), lengthPrefix(content.length), content]).toString('base64url');
}

/** A fulfilment, its condition (SHA-256) and an ILP v4 packet carrying that condition. */
export const ilpTerms = fc
  .tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.uint8Array({ maxLength: 300 }))
  .map(([pre, amount, data]) => {
    const fulfilment = Buffer.from(pre);
    const condition = createHash('sha256').update(fulfilment).digest();
    return {
      fulfilment: fulfilment.toString('base64url'),
      condition: condition.toString('base64url'),
      ilpPacket: ilpV4Packet(condition, amount, 'g.mizani.payee', Buffer.from(data)),
    };
  });

const base64url = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('base64url'));
/** FSPIOP-valid ilpPacket + condition: unrelated (FSPIOP round trip) or matching (ISO path). */
const terms = (o: Options) => (o.iso ? ilpTerms : fc.record({ ilpPacket: base64url(120), condition: base64url(32), fulfilment: base64url(32) }));

export function quoteResponse(o: Options): fc.Arbitrary<FspiopQuoteResponse> {
  return fc
    .record({
      transferAmount: money(o),
      payeeReceiveAmount: opt(money(o)),
      fee: opt(money(o)),
      commission: opt(money(o)),
      expiration: dateTime,
      geoCode: opt(geoCode),
      terms: terms(o),
      extensionList: opt(extensionList),
    })
    .map((r) => {
      const body: FspiopQuoteResponse = {
        transferAmount: r.transferAmount,
        payeeReceiveAmount: r.payeeReceiveAmount,
        payeeFspFee: r.fee,
        payeeFspCommission: r.commission,
        expiration: r.expiration,
        geoCode: r.geoCode,
        ilpPacket: r.terms.ilpPacket,
        condition: r.terms.condition,
        extensionList: r.extensionList,
      };
      return compact(body);
    });
}

export function prepare(o: Options): fc.Arbitrary<FspiopTransferPrepare> {
  return fc
    .record({
      transferId: correlationId(o),
      payeeFsp: fspId,
      payerFsp: fspId,
      amount: money(o),
      terms: terms(o),
      expiration: dateTime,
      extensionList: opt(extensionList),
    })
    .map((p) =>
      compact({
        transferId: p.transferId,
        payeeFsp: p.payeeFsp,
        payerFsp: p.payerFsp,
        amount: p.amount,
        ilpPacket: p.terms.ilpPacket,
        condition: p.terms.condition,
        expiration: p.expiration,
        extensionList: p.extensionList,
      }),
    );
}

const transferState = fc.constantFrom('RECEIVED', 'RESERVED', 'COMMITTED', 'ABORTED') as fc.Arbitrary<FspiopTransferFulfil['transferState']>;

export const fulfil: fc.Arbitrary<FspiopTransferFulfil> = fc
  .record({ fulfilment: opt(base64url(32)), completedTimestamp: opt(dateTime), transferState, extensionList: opt(extensionList) })
  .map(compact);

export const patch: fc.Arbitrary<FspiopTransferPatch> = fc
  .record({ completedTimestamp: dateTime, transferState, extensionList: opt(extensionList) })
  .map(compact);

export const errorBody: fc.Arbitrary<FspiopErrorBody> = fc
  .record({
    errorCode: fc.stringMatching(/^[1-9]\d{3}$/),
    errorDescription: text(1, 128),
    extensionList: opt(extensionList),
  })
  .map((e) => ({ errorInformation: compact(e) }));

export const partyPath = (o: Options) =>
  fc
    .record({
      Type: partyIdType,
      ID: fc.stringMatching(o.acmt ? /^[A-Za-z0-9@.+]{1,20}$/ : /^[A-Za-z0-9@.+]{1,60}$/),
      SubId: opt(fc.stringMatching(/^[A-Za-z0-9]{1,10}$/)),
    })
    .map(compact);
