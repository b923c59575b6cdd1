/**
 * The bulk transfer outbox (switch/notify/bulk-transfer-outbox.ts) as participants see it on the wire: the payer's
 * POST /bulkTransfers forwarded byte for byte or authored, reports and errors authored as FSPIOP requires, plain
 * FSPIOP for participants registered for Mojaloop's ISO 20022 JSON (which defines no bulk), refusals instead of bent
 * messages. The real FspiopNotifier renders the headers; the delivery is a recorder.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { isoUnits } from '../../schemas/amount.js';
import { validateFspiopBody } from '../../schemas/fspiop/validators.js';
import type { BulkPacs008 } from '../../schemas/iso/bulk-transfers.js';
import { DomainError } from '../../schemas/outcomes.js';
import type { InboundMessage } from '../../switch/core/outbox.js';
import type { ParticipantDirectory } from '../../switch/directory/participants.js';
import { DialectBulkTransferOutbox, reportStatus } from '../../switch/notify/bulk-transfer-outbox.js';
import type { Delivery, OutboundRequest } from '../../switch/notify/delivery.js';
import { mediaTypeFor } from '../../switch/notify/dialects.js';
import { FspiopNotifier } from '../../switch/notify/fspiop.js';
import { bulkPrepareToCanonical, type FspiopBulkTransferPrepare } from '../../translators/fspiop/bulk-transfers.js';

const HUB = 'Hub';
const AT = '2026-03-02T10:00:00.000Z';
const id = (tag: string) => `01JQ${tag.padStart(22, '0')}`;
const BULK_ID = id('1');

const payerBody: FspiopBulkTransferPrepare = {
  bulkTransferId: BULK_ID,
  bulkQuoteId: id('2'),
  payerFsp: 'payer',
  payeeFsp: 'payee',
  expiration: '2026-03-02T11:00:00.000Z',
  individualTransfers: ['10', '11', '12'].map((tag, i) => ({
    transferId: id(tag),
    transferAmount: { currency: 'USD', amount: `${i + 1}.25` },
    ilpPacket: 'AYIBgQAAAAAAAAAAAA',
    condition: 'GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM',
  })),
  extensionList: { extension: [{ key: 'batch', value: 'payroll-march' }] },
};

function fixture(payeeDialect: string) {
  const dialects: Record<string, string> = { payer: 'fspiop/1.1', payee: payeeDialect, bank: 'iso20022-xml', iso: 'iso20022-json/2.0' };
  const endpoints = (base: string) => ({
    FSPIOP_CALLBACK_URL_BULK_TRANSFER_POST: `${base}/bulkTransfers`,
    FSPIOP_CALLBACK_URL_BULK_TRANSFER_PUT: `${base}/bulkTransfers/{{id}}`,
    FSPIOP_CALLBACK_URL_BULK_TRANSFER_ERROR: `${base}/bulkTransfers/{{id}}/error`,
  });
  const registered: Record<string, Record<string, string>> = { payer: endpoints('http://payer.test'), payee: endpoints('http://payee.test') };
  const directory = {
    dialectOf: (n: string) => dialects[n] ?? 'fspiop/1.1',
    endpoint: (n: string, type: string) => registered[n]?.[type],
  } as unknown as ParticipantDirectory;
  const sent: OutboundRequest[] = [];
  const delivery = {
    send: async (r: OutboundRequest) => {
      sent.push(r);
      return { ok: true, status: 202, attempts: 1 };
    },
  } as unknown as Delivery;
  const signer = { sign: async (input: { uri: string; destination: string }) => `signed:${input.uri}:${input.destination}` };
  const notifier = new FspiopNotifier(directory, delivery, { hubName: HUB, callbackVersion: '1.0', signer }, pino({ level: 'silent' }));
  return { outbox: new DialectBulkTransferOutbox(directory, notifier, '1.0'), sent };
}

function inbound(dialect: InboundMessage['dialect'] = 'fspiop'): InboundMessage {
  const raw = Buffer.from(JSON.stringify(payerBody));
  return {
    source: 'payer',
    destination: 'payee',
    dialect,
    version: { major: 1, minor: 1 },
    headers: {
      'content-type': 'application/vnd.interoperability.bulkTransfers+json;version=1.1',
      accept: 'application/vnd.interoperability.bulkTransfers+json;version=1',
      'fspiop-source': 'payer',
      'fspiop-destination': 'payee',
      'fspiop-signature': 'payer-signature',
      date: 'Mon, 02 Mar 2026 10:00:00 GMT',
      'content-length': String(raw.length),
    },
    raw,
    hash: 'h',
    receivedAt: AT,
  };
}

const bulk = (): BulkPacs008 => bulkPrepareToCanonical(payerBody, AT);

function valid(method: 'POST' | 'PUT', route: string, body: unknown): void {
  for (const version of ['1.1', '2.0'] as const) assert.equal(validateFspiopBody(version, method, route, body), null, `${version} ${method} ${route}`);
}

test('a whole bulk from an FSPIOP payer goes to an FSPIOP or ISO JSON payee byte for byte, the payer signature intact', async () => {
  for (const dialect of ['fspiop/1.1', 'fspiop/2.0', 'iso20022-json/2.0']) {
    const f = fixture(dialect);
    const result = await f.outbox.forwardBulkPrepare('payee', bulk(), inbound(), true);
    assert.equal(result.ok, true);
    const [request] = f.sent;
    assert.equal(request?.url, 'http://payee.test/bulkTransfers');
    assert.equal(request.method, 'POST');
    assert.deepEqual(request.body, inbound().raw, 'the original bytes');
    assert.equal(request.headers['fspiop-signature'], 'payer-signature');
    assert.equal(request.headers['fspiop-source'], 'payer');
    assert.equal(request.headers['content-type'], 'application/vnd.interoperability.bulkTransfers+json;version=1.1');
    assert.equal(request.headers['content-length'], undefined, 'recomputed by the HTTP client');
  }
});

test('a bulk with lines refused is authored by the hub holding only the reserved lines; the plain FSPIOP media type for an ISO JSON payee', async () => {
  for (const [dialect, contentType, accept] of [
    ['fspiop/1.1', 'application/vnd.interoperability.bulkTransfers+json;version=1.0', 'application/vnd.interoperability.bulkTransfers+json;version=1'],
    ['iso20022-json/2.0', 'application/vnd.interoperability.bulkTransfers+json;version=2.0', 'application/vnd.interoperability.bulkTransfers+json;version=2'],
  ] as const) {
    const f = fixture(dialect);
    const reserved = bulk();
    reserved.CdtTrfTxInf.splice(1, 1);
    reserved.GrpHdr.NbOfTxs = '2';
    assert.equal((await f.outbox.forwardBulkPrepare('payee', reserved, inbound(), false)).ok, true);
    const [request] = f.sent;
    assert.equal(request?.url, 'http://payee.test/bulkTransfers');
    assert.equal(request.headers['fspiop-source'], HUB);
    assert.equal(request.headers['fspiop-destination'], 'payee');
    assert.equal(request.headers['fspiop-uri'], '/bulkTransfers');
    assert.equal(request.headers['content-type'], contentType);
    assert.equal(request.headers['accept'], accept);
    assert.equal(request.headers['fspiop-signature'], 'signed:/bulkTransfers:payee');
    const body = JSON.parse(String(request.body)) as FspiopBulkTransferPrepare;
    valid('POST', '/bulkTransfers', body);
    assert.deepEqual(
      body.individualTransfers.map((t) => t.transferId),
      [id('10'), id('12')],
    );
    assert.deepEqual(body, { ...payerBody, individualTransfers: [payerBody.individualTransfers[0], payerBody.individualTransfers[2]] });
  }
});

test('a whole bulk the payer labelled with the ISO 20022 media type is authored, not forwarded under a media type the payee does not take', async () => {
  const f = fixture('fspiop/2.0');
  await f.outbox.forwardBulkPrepare('payee', bulk(), inbound('iso20022-json'), true);
  assert.equal(f.sent[0]?.headers['fspiop-source'], HUB);
  assert.equal(f.sent[0].headers['content-type'], 'application/vnd.interoperability.bulkTransfers+json;version=2.0');
  assert.equal(
    mediaTypeFor('iso20022-json/2.0', 'transfers', '1.0'),
    'application/vnd.interoperability.iso20022.transfers+json;version=2.0',
    'others keep ISO',
  );
});

test("the hub's report: PUT /bulkTransfers/{ID} with the state, completedTimestamp, each line's fulfilment or error in FSPIOP words, no resource id", async () => {
  const f = fixture('fspiop/1.1');
  const result = await f.outbox.bulkReport('payer', BULK_ID, {
    state: 'COMPLETED',
    completedAt: '2026-03-02T10:00:01.250Z',
    lines: [
      { transferId: id('10'), fulfilment: 'UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA' },
      { transferId: id('11'), reason: new DomainError('PAYER_LIMIT_EXCEEDED', 'net debit cap 100 USD') },
      { transferId: id('12'), reason: { Rsn: { Prtry: '5105' }, AddtlInf: 'Payee transaction limit reached' } },
    ],
  });
  assert.equal(result.ok, true);
  const [request] = f.sent;
  assert.equal(request?.url, `http://payer.test/bulkTransfers/${BULK_ID}`);
  assert.equal(request.method, 'PUT');
  assert.equal(request.headers['fspiop-uri'], `/bulkTransfers/${BULK_ID}`);
  assert.equal(request.headers['fspiop-http-method'], 'PUT');
  assert.equal(request.headers['accept'], undefined, 'no Accept on a PUT');
  assert.equal(request.headers['content-type'], 'application/vnd.interoperability.bulkTransfers+json;version=1.0');
  const body = JSON.parse(String(request.body)) as Record<string, unknown>;
  valid('PUT', '/bulkTransfers/{ID}', body);
  assert.deepEqual(body, {
    bulkTransferState: 'COMPLETED',
    completedTimestamp: '2026-03-02T10:00:01.250Z',
    individualTransferResults: [
      { transferId: id('10'), fulfilment: 'UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA' },
      { transferId: id('11'), errorInformation: { errorCode: '4200', errorDescription: 'Payer limit error - net debit cap 100 USD' } },
      { transferId: id('12'), errorInformation: { errorCode: '5105', errorDescription: 'Payee transaction limit reached' } },
    ],
  });
});

test('the canonical report: group status PART/ACCP/RJCT once final, none while processing; a refused line shows no fulfilment', () => {
  const lines = [
    { transferId: 'a', fulfilment: 'f' },
    { transferId: 'b', reason: new DomainError('TRANSFER_EXPIRED'), fulfilment: 'g' },
  ];
  const completed = reportStatus('fspiop/1.1', 'B', { state: 'COMPLETED', lines });
  assert.equal(completed.OrgnlGrpInfAndSts.GrpSts, 'PART');
  assert.deepEqual(completed.TxInfAndSts[1], {
    OrgnlTxId: 'b',
    TxSts: 'RJCT',
    StsRsnInf: { Rsn: { Prtry: '3303' }, AddtlInf: 'Transfer expired' },
  });
  assert.equal(reportStatus('fspiop/1.1', 'B', { state: 'COMPLETED', lines: [lines[0]!] }).OrgnlGrpInfAndSts.GrpSts, 'ACCP');
  assert.equal(reportStatus('fspiop/1.1', 'B', { state: 'REJECTED', lines: [] }).OrgnlGrpInfAndSts.GrpSts, 'RJCT');
  const processing = reportStatus('fspiop/1.1', 'B', { state: 'PROCESSING', lines: [{ transferId: 'c' }] });
  assert.equal(processing.OrgnlGrpInfAndSts.GrpSts, undefined);
  assert.deepEqual(processing.TxInfAndSts, [{ OrgnlTxId: 'c' }]);
});

test('an error about the whole bulk: PUT /bulkTransfers/{ID}/error from the hub', async () => {
  const f = fixture('fspiop/1.1');
  await f.outbox.bulkError('payer', BULK_ID, new DomainError('MODIFIED_DUPLICATE', 'first received at 10:00'));
  const [request] = f.sent;
  assert.equal(request?.url, `http://payer.test/bulkTransfers/${BULK_ID}/error`);
  assert.equal(request.headers['fspiop-uri'], `/bulkTransfers/${BULK_ID}/error`);
  const body = JSON.parse(String(request.body)) as { errorInformation: { errorCode: string } };
  valid('PUT', '/bulkTransfers/{ID}/error', body);
  assert.equal(body.errorInformation.errorCode, '3106');
});

test('what the receiver cannot carry is refused, nothing sent; a participant without the endpoint is told apart', async () => {
  const f = fixture('fspiop/1.1');
  const inexact = bulk();
  inexact.CdtTrfTxInf[2]!.IntrBkSttlmAmt = { currency: 'USD', units: isoUnits(100_001n) };
  const refused = await f.outbox.forwardBulkPrepare('payee', inexact, inbound(), false);
  assert.equal(refused.ok, false);
  assert.equal(refused.refused?.Rsn.Prtry, '3100');
  assert.match(refused.refused?.AddtlInf ?? '', /individualTransfers\[2\]\.transferAmount: amount 1\.00001 USD has 5 decimal places/);
  assert.equal(f.sent.length, 0);
  const none = await f.outbox.bulkReport('iso', BULK_ID, { state: 'COMPLETED', lines: [] });
  assert.deepEqual(none, { ok: false, noEndpoint: true });
});
