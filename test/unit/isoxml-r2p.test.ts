/**
 * Request to pay as banks speak it (docs/r2p.md): canonical pain.013 / pain.014 rendered in both profiles (.07 in
 * iso-2019, .12 in iso-2026) read back exactly through the edge's inbound pipeline (runtime XSD, libxml2), what a
 * request from FSPIOP cannot be said in the XML refused, a bank's own request read with its ids, and everything
 * rendered valid against the OFFICIAL schemas (Xerces).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Pain013 } from '../../schemas/iso/pain013.js';
import type { Pain014 } from '../../schemas/iso/pain014.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { transactionRequestToCanonical, type FspiopTransactionRequest } from '../../translators/fspiop/transaction-requests.js';
import { XML_PROFILES, type XmlProfileName } from '../../translators/isoxml/catalog.js';
import { receiveBusinessMessage } from '../../translators/isoxml/inbound.js';
import { bankRejectionOfRequest } from '../../translators/isoxml/pain014.js';
import { renderBusinessMessage, type BusinessDocument } from '../../translators/isoxml/render.js';
import { assertOfficiallyValid } from '../support/xsd-official.js';
import * as arb from './translator-arbitraries.js';

const RUNS = Number(process.env['MIZANI_ISOXML_RUNS'] ?? 20);
const HUB = 'hub';
const PROFILES: XmlProfileName[] = ['iso-2019', 'iso-2026'];
const emitted: string[] = [];
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const canonical = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)));
const header = (kind: string) => ({
  Fr: { FIId: { FinInstnId: { Othr: { Id: HUB } } } },
  To: { FIId: { FinInstnId: { Othr: { Id: 'bank1' } } } },
  BizMsgIdr: `B${kind.replace(/\./g, '')}`,
  CreDt: '2030-01-01T00:00:00.000Z',
});

/** A party whose ids fit the 2019 generation (Max35Text) and whose sub-id fits ClrSysMmbId/MmbId. */
const isoParty = arb.party({ acmt: true }).map((p) => {
  const info = { ...p.partyIdInfo };
  if (info.partySubIdOrType !== undefined && [...info.partySubIdOrType].length > 35) delete info.partySubIdOrType;
  return { ...p, partyIdInfo: info };
});

const request: fc.Arbitrary<FspiopTransactionRequest> = fc
  .record({
    transactionRequestId: fc.oneof(arb.ulid, fc.uuid({ version: 4 })),
    payee: isoParty,
    payer: isoParty.map((p) => p.partyIdInfo),
    amount: arb.money({ iso: true }),
    transactionType: fc.record({
      scenario: fc.constantFrom('PAYMENT', 'TRANSFER'),
      initiator: fc.constant('PAYEE' as const),
      initiatorType: fc.constantFrom('BUSINESS', 'CONSUMER') as fc.Arbitrary<'BUSINESS' | 'CONSUMER'>,
    }),
    note: opt(fc.string({ minLength: 1, maxLength: 128 }).filter((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(s))),
    authenticationType: opt(fc.constantFrom('OTP', 'QRCODE') as fc.Arbitrary<'OTP' | 'QRCODE'>),
    expiration: opt(arb.dateTime),
    extensionList: opt(arb.extensionList),
  })
  .map((r) => arb.compact(r) as FspiopTransactionRequest);

function roundTrip(doc: BusinessDocument, profile: XmlProfileName, expected: unknown): void {
  const xml = renderBusinessMessage(doc, { profile, hubFspId: HUB, header: header(doc.kind) });
  emitted.push(xml);
  const got = receiveBusinessMessage(xml, { hubFspId: 'bank1', certificatesOf: () => [], requireSignature: false, namesHub: () => true });
  assert.equal(got.definition.version, XML_PROFILES[profile][doc.kind as 'pain.013']);
  assert.deepEqual(canonical(got.document.message), canonical(expected));
}

test('pain.013: a request from FSPIOP renders valid XML in both profiles and reads back exactly (property)', () => {
  fc.assert(
    fc.property(request, fc.constantFrom(...PROFILES), (body, profile) => {
      const message = transactionRequestToCanonical(body, 'payeefsp', 'payerfsp', '2030-01-01T00:00:00.000Z');
      message.GrpHdr.MsgId = '01HUBMESSAGE0000000000000A';
      roundTrip({ kind: 'pain.013', message }, profile, message);
    }),
    { numRuns: RUNS },
  );
});

test('pain.014: answers and rejections render valid XML in both profiles and read back exactly (property)', () => {
  const report: fc.Arbitrary<Pain014> = fc
    .record({
      id: fc.oneof(arb.ulid, fc.uuid({ version: 4 })),
      status: fc.constantFrom('RCVD', 'PDNG', 'ACCP', 'RJCT', 'ACTC'),
      reason: opt(fc.record({ code: fc.stringMatching(/^[1-9]\d{3}$/), text: fc.stringMatching(/^[A-Za-z ]{1,200}$/) })),
      transactionId: opt(fc.oneof(arb.ulid, fc.uuid({ version: 4 }))),
      extensions: opt(arb.extensionList.map((l) => l.extension)),
    })
    .map((r) => {
      const m: Pain014 = {
        GrpHdr: { MsgId: 'R1', CreDtTm: '2030-01-01T00:00:00.000Z' },
        TxInfAndSts: { OrgnlInstrId: r.id, TxSts: r.reason ? 'RJCT' : r.status },
      };
      if (r.reason) m.TxInfAndSts.StsRsnInf = { Rsn: { Prtry: r.reason.code }, AddtlInf: r.reason.text };
      if (r.transactionId) m.TxInfAndSts.AcctSvcrRef = r.transactionId;
      if (r.extensions) m.TxInfAndSts.SplmtryData = { extensions: r.extensions };
      return m;
    });
  fc.assert(
    fc.property(report, fc.constantFrom(...PROFILES), (message, profile) => {
      roundTrip({ kind: 'pain.014', message, context: { OrgnlMsgId: 'BANKREQ1', OrgnlMsgNmId: 'pain.013.001.07' } }, profile, message);
    }),
    { numRuns: RUNS },
  );
});

test("a bank's pain.013 is read with its own ids: InstrId (a ULID) is the request id, the UETR beside it travels; a bank id FSPIOP cannot take is refused", () => {
  const base = transactionRequestToCanonical(
    {
      transactionRequestId: '01J00000000000000000000001',
      payee: { partyIdInfo: { partyIdType: 'BUSINESS', partyIdentifier: 'biller-7', fspId: 'bank1' }, name: 'City Water' },
      payer: { partyIdType: 'MSISDN', partyIdentifier: '27713803912', fspId: 'wallet1' },
      amount: { amount: '45.67', currency: 'USD' },
      transactionType: { scenario: 'PAYMENT', initiator: 'PAYEE', initiatorType: 'BUSINESS' },
    },
    'bank1',
    'wallet1',
    '2030-01-01T00:00:00.000Z',
  );
  base.GrpHdr.MsgId = 'BANKMSG1';
  const xml = renderBusinessMessage({ kind: 'pain.013', message: base }, { hubFspId: HUB, header: header('pain.013') });
  const withUetr = xml.replace('</EndToEndId>', '</EndToEndId><UETR>4f0d6e0e-5b6b-4b3a-9c2e-2b8d2f0e8a11</UETR>');
  const receive = (text: string) =>
    receiveBusinessMessage(text, { hubFspId: 'bank1', certificatesOf: () => [], requireSignature: false, namesHub: () => true });
  const got = receive(withUetr).document.message as Pain013;
  assert.equal(got.PmtInf.CdtTrfTx.PmtId.InstrId, '01J00000000000000000000001');
  assert.deepEqual(got.PmtInf.CdtTrfTx.SplmtryData?.iso, { 'PmtInf.CdtTrfTx.PmtId.UETR': '4f0d6e0e-5b6b-4b3a-9c2e-2b8d2f0e8a11' });
  const ownId = withUetr.replace('<InstrId>01J00000000000000000000001</InstrId>', '<InstrId>INV-2030-0042</InstrId>');
  const byUetr = receive(ownId).document.message as Pain013;
  assert.equal(byUetr.PmtInf.CdtTrfTx.PmtId.InstrId, '4f0d6e0e-5b6b-4b3a-9c2e-2b8d2f0e8a11', 'the UETR names the request when InstrId is the bank’s own');
  const neither = xml.replace('<InstrId>01J00000000000000000000001</InstrId>', '<InstrId>INV-2030-0042</InstrId>');
  assert.throws(() => receive(neither), /InstrId \(a ULID or UUID/);
  emitted.push(withUetr);
});

test('what the XML cannot say is refused, never dropped: an id that is neither Max35Text nor a UUID v4, a party id over 35 characters in .07', () => {
  const body: FspiopTransactionRequest = {
    transactionRequestId: '0195b2a6-3333-7000-8000-000000000001',
    payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '1' } },
    payer: { partyIdType: 'MSISDN', partyIdentifier: '2' },
    amount: { amount: '1', currency: 'USD' },
    transactionType: { scenario: 'PAYMENT', initiator: 'PAYEE', initiatorType: 'BUSINESS' },
  };
  const render = (b: FspiopTransactionRequest, profile: XmlProfileName = 'iso-2019') => {
    const m = transactionRequestToCanonical(b, 'a', 'b', '2030-01-01T00:00:00.000Z');
    m.GrpHdr.MsgId = 'M1';
    return renderBusinessMessage({ kind: 'pain.013', message: m }, { profile, hubFspId: HUB, header: header('pain.013') });
  };
  assert.throws(
    () => render(body),
    (err: unknown) => err instanceof TranslationError && /UETR/.test(err.message),
  );
  const long = { ...body, transactionRequestId: '01J00000000000000000000002', payer: { partyIdType: 'ALIAS', partyIdentifier: 'x'.repeat(40) } };
  assert.throws(() => render(long), TranslationError);
  emitted.push(render(long, 'iso-2026'));
});

test("a bank's rejection reason is worded for the FSPIOP payee: an FSPIOP code as given, an ISO reason as 4101 naming it", () => {
  assert.equal(bankRejectionOfRequest({ Rsn: { Prtry: '5100' }, AddtlInf: 'no' }).Rsn.Prtry, '5100');
  const iso = bankRejectionOfRequest({ Rsn: { Cd: 'AC04' }, AddtlInf: 'Closed account' });
  assert.equal(iso.Rsn.Prtry, '4101');
  assert.match(iso.AddtlInf ?? '', /^Payer rejected transaction request - bank reason AC04: Closed account$/);
  assert.equal(bankRejectionOfRequest(undefined).Rsn.Prtry, '4101');
});

// Registered last so that it runs after the properties have filled `emitted`.
test('every pain.013 and pain.014 rendered validates against the OFFICIAL schemas (Xerces, one JVM)', async () => {
  assert.ok(emitted.length >= RUNS * 2, `rendered ${emitted.length} messages`);
  await assertOfficiallyValid(emitted, 'request to pay message');
});
