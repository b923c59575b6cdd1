/**
 * FSPIOP bulk transfers <-> canonical (translators/fspiop/bulk-transfers.ts): POST and PUT /bulkTransfers survive
 * FSPIOP -> canonical -> FSPIOP (properties over bodies valid against the v1.1 and v2.0 schemas), every line is the
 * single transfer's translation, what an ISO sender says that FSPIOP has no field for travels in the extension lists
 * and comes back, and what FSPIOP cannot carry (an inexact amount, two payees, no bulk quote) is refused, never bent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isoUnits, parseAmount } from '../../schemas/amount.js';
import { validateFspiopBody } from '../../schemas/fspiop/validators.js';
import type { BulkPacs002, BulkPacs008 } from '../../schemas/iso/bulk-transfers.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import type { InboundMessage } from '../../switch/core/outbox.js';
import { bulkErrorOf, bulkPrepareOf, bulkStatusOf } from '../../switch/edge/canonical.js';
import {
  bulkPrepareFromCanonical,
  bulkPrepareToCanonical,
  bulkStatusFromCanonical,
  bulkStatusToCanonical,
  type FspiopBulkTransferPrepare,
  type FspiopBulkTransferStatus,
  type FspiopIndividualTransfer,
  type FspiopIndividualTransferResult,
} from '../../translators/fspiop/bulk-transfers.js';
import { prepareToCanonical } from '../../translators/fspiop/transfers.js';
import * as arb from './translator-arbitraries.js';

const { plain, compact } = arb;
/** `plain` for canonical messages: amounts hold bigints. */
const canonical = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_key, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)));
const RUNS = Number(process.env.TRANSLATOR_RUNS ?? 200);
const AT = '2026-03-02T10:00:00.000Z';
/** A ULID (FSPIOP CorrelationId) named by a short tag, for readable fixtures. */
const id = (tag: string) => `01JQ${tag.replace(/[^0-9A-Z]/g, '').padStart(22, '0')}`;

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const base64url = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('base64url'));

const individualTransfer: fc.Arbitrary<FspiopIndividualTransfer> = fc
  .record({
    transferId: arb.correlationId({}),
    transferAmount: arb.money({}),
    ilpPacket: base64url(120),
    condition: base64url(32),
    extensionList: opt(arb.extensionList),
  })
  .map(compact);

const bulkPrepare: fc.Arbitrary<FspiopBulkTransferPrepare> = fc
  .record({
    bulkTransferId: arb.correlationId({}),
    bulkQuoteId: arb.correlationId({}),
    payerFsp: arb.fspId,
    payeeFsp: arb.fspId,
    individualTransfers: fc.uniqueArray(individualTransfer, { minLength: 1, maxLength: 12, selector: (t) => t.transferId }),
    expiration: arb.dateTime,
    extensionList: opt(arb.extensionList),
  })
  .map(compact);

const result: fc.Arbitrary<FspiopIndividualTransferResult> = fc
  .record({
    transferId: arb.correlationId({}),
    fulfilment: opt(base64url(32)),
    errorInformation: opt(arb.errorBody.map((b) => b.errorInformation)),
    extensionList: opt(arb.extensionList),
  })
  .map(compact);

const bulkStatus: fc.Arbitrary<FspiopBulkTransferStatus> = fc
  .record({
    completedTimestamp: opt(arb.dateTime),
    // An empty list and none say the same (BulkPacs002 holds a list): the renderer writes none.
    individualTransferResults: opt(fc.array(result, { minLength: 1, maxLength: 12 })),
    bulkTransferState: fc.constantFrom('RECEIVED', 'PENDING', 'ACCEPTED', 'PROCESSING', 'COMPLETED', 'REJECTED') as fc.Arbitrary<
      FspiopBulkTransferStatus['bulkTransferState']
    >,
    extensionList: opt(arb.extensionList),
  })
  .map(compact);

function valid(method: 'POST' | 'PUT', route: string, body: unknown): void {
  for (const version of ['1.1', '2.0'] as const) {
    const issue = validateFspiopBody(version, method, route, body);
    assert.equal(issue, null, `generator (${version}): ${method} ${route} ${JSON.stringify(body)}: ${issue?.detail}`);
  }
}

test('POST /bulkTransfers survives FSPIOP -> BulkPacs008 -> FSPIOP, each line the single transfer it is (property)', () => {
  fc.assert(
    fc.property(bulkPrepare, arb.dateTime, (body, at) => {
      valid('POST', '/bulkTransfers', body);
      const bulk = bulkPrepareToCanonical(body, at);
      assert.equal(bulk.GrpHdr.MsgId, body.bulkTransferId);
      assert.equal(bulk.GrpHdr.NbOfTxs, String(body.individualTransfers.length));
      assert.equal(bulk.GrpHdr.PmtInstrXpryDtTm, body.expiration);
      assert.equal(bulk.SplmtryData?.bulkQuoteId, body.bulkQuoteId);
      body.individualTransfers.forEach((t, i) => {
        const single = prepareToCanonical(
          { ...t, amount: t.transferAmount, payerFsp: body.payerFsp, payeeFsp: body.payeeFsp, expiration: body.expiration } as never,
          at,
        );
        assert.deepEqual(bulk.CdtTrfTxInf[i], single.CdtTrfTxInf, `line ${i}`);
      });
      const back = bulkPrepareFromCanonical(bulk);
      valid('POST', '/bulkTransfers', back);
      assert.deepEqual(plain(back), plain(body));
    }),
    { numRuns: RUNS },
  );
});

test('PUT /bulkTransfers/{ID} survives FSPIOP -> BulkPacs002 -> FSPIOP; fulfilments commit and errors refuse their lines (property)', () => {
  fc.assert(
    fc.property(arb.correlationId({}), bulkStatus, arb.dateTime, (id, body, at) => {
      valid('PUT', '/bulkTransfers/{ID}', body);
      const status = bulkStatusToCanonical(id, body, at);
      assert.equal(status.OrgnlGrpInfAndSts.OrgnlMsgId, id);
      assert.equal(status.OrgnlGrpInfAndSts.BulkTransferState, body.bulkTransferState);
      (body.individualTransferResults ?? []).forEach((r, i) => {
        const line = status.TxInfAndSts[i]!;
        assert.equal(line.OrgnlTxId, r.transferId);
        assert.equal(line.TxSts, r.errorInformation ? 'RJCT' : r.fulfilment ? 'ACSC' : undefined);
        assert.equal(line.StsRsnInf?.Rsn.Prtry, r.errorInformation?.errorCode);
      });
      const back = bulkStatusFromCanonical(status);
      valid('PUT', '/bulkTransfers/{ID}', back);
      assert.equal((back as unknown as Record<string, unknown>).bulkTransferId, undefined, 'a PUT body never names its resource');
      assert.deepEqual(plain(back), plain(body));
    }),
    { numRuns: RUNS },
  );
});

test('the group status: ACCP, PART or RJCT once a bulk is COMPLETED, RJCT when REJECTED, none before', () => {
  const ok = { transferId: 'a', fulfilment: 'f'.repeat(43) };
  const failed = { transferId: 'b', errorInformation: { errorCode: '4001', errorDescription: 'Payer FSP insufficient liquidity' } };
  const group = (bulkTransferState: FspiopBulkTransferStatus['bulkTransferState'], results: FspiopIndividualTransferResult[]) =>
    bulkStatusToCanonical('B', { bulkTransferState, individualTransferResults: results }, AT).OrgnlGrpInfAndSts.GrpSts;
  assert.equal(group('COMPLETED', [ok, ok]), 'ACCP');
  assert.equal(group('COMPLETED', [ok, failed]), 'PART');
  assert.equal(group('COMPLETED', [failed]), 'RJCT');
  assert.equal(group('REJECTED', []), 'RJCT');
  assert.equal(group('PROCESSING', [ok]), undefined);
});

/** A bulk as an ISO sender's (a bank's) pacs.008 gives it: data FSPIOP has no field for. */
function isoBulk(): BulkPacs008 {
  const line = (txId: string, amount: string) => {
    const tx = prepareToCanonical(
      {
        transferId: txId,
        payerFsp: 'bank-a',
        payeeFsp: 'wallet',
        amount: { currency: 'USD', amount },
        ilpPacket: 'AQ',
        condition: 'c'.repeat(43),
        expiration: AT,
      },
      AT,
    ).CdtTrfTxInf;
    return { ...tx, PmtId: { ...tx.PmtId, EndToEndId: `E2E-${txId.slice(-4)}` }, RmtInf: { Ustrd: [`salary ${txId.slice(-4)}`] }, ChrgBr: 'SLEV' as const };
  };
  return {
    GrpHdr: { MsgId: id('B1'), CreDtTm: AT, NbOfTxs: '2', SttlmInf: { SttlmMtd: 'INDA' }, PmtInstrXpryDtTm: '2026-03-02T11:00:00.000Z' },
    CdtTrfTxInf: [line(id('T1'), '10.5'), line(id('T2'), '0.0001')],
    SplmtryData: { bulkQuoteId: id('BQ1'), extensions: [{ key: 'payroll', value: 'March' }] },
  };
}

test("an ISO sender's bulk survives canonical -> FSPIOP -> canonical: the group's settlement method and each line's ISO data carried", () => {
  const bulk = isoBulk();
  const body = bulkPrepareFromCanonical(bulk);
  valid('POST', '/bulkTransfers', body);
  assert.deepEqual(body.extensionList?.extension, [
    { key: 'payroll', value: 'March' },
    { key: 'iso:SttlmMtd', value: '"INDA"' },
  ]);
  assert.ok(body.individualTransfers.every((t) => t.extensionList?.extension.some((e) => e.key === 'iso:RmtInf')));
  assert.ok(
    body.individualTransfers.every((t) => !t.extensionList?.extension.some((e) => e.key === 'iso:SttlmMtd')),
    'not repeated per line',
  );
  assert.deepEqual(canonical(bulkPrepareToCanonical(body, AT)), canonical(bulk));
});

test('statuses FSPIOP fields do not imply (a bank accepting without fulfilment, rejecting without reason, PART, a group reason) and line amounts come back', () => {
  const status: BulkPacs002 = {
    GrpHdr: { MsgId: 'B', CreDtTm: AT },
    OrgnlGrpInfAndSts: { OrgnlMsgId: 'B', BulkTransferState: 'PROCESSING', GrpSts: 'PART', StsRsnInf: { Rsn: { Cd: 'AM05' }, AddtlInf: 'Duplication' } },
    PrcgDt: { DtTm: AT },
    TxInfAndSts: [
      { OrgnlTxId: id('T1'), TxSts: 'ACSC', IntrBkSttlmAmt: parseAmount('10.5', 'USD') },
      { OrgnlTxId: id('T2'), TxSts: 'RJCT' },
      { OrgnlTxId: id('T3'), StsRsnInf: { Rsn: { Prtry: '5105' }, AddtlInf: 'Payee transaction limit reached' } },
      { OrgnlTxId: id('T4'), TxSts: 'ACSC', ExctnConf: 'f'.repeat(43), SplmtryData: { extensions: [{ key: 'k', value: 'v' }] } },
    ],
  };
  const body = bulkStatusFromCanonical(status);
  valid('PUT', '/bulkTransfers/{ID}', body);
  assert.deepEqual(body.extensionList?.extension, [
    { key: 'iso:GrpSts', value: '"PART"' },
    { key: 'iso:StsRsnInf', value: '{"Rsn":{"Cd":"AM05"},"AddtlInf":"Duplication"}' },
  ]);
  assert.deepEqual(body.individualTransferResults?.[3], {
    transferId: id('T4'),
    fulfilment: 'f'.repeat(43),
    extensionList: { extension: [{ key: 'k', value: 'v' }] },
  });
  const back = bulkStatusToCanonical('B', body, AT);
  assert.deepEqual(canonical(back), canonical(status));
});

test('refused, never bent: an amount FSPIOP cannot carry, two payee FSPs, no bulk quote, an ISO error code, an unknown carried item', () => {
  const tooPrecise = isoBulk();
  tooPrecise.CdtTrfTxInf[1]!.IntrBkSttlmAmt = { currency: 'USD', units: isoUnits(123_456_78n) };
  assert.throws(
    () => bulkPrepareFromCanonical(tooPrecise),
    (e: unknown) =>
      e instanceof TranslationError &&
      e.code === '3100' &&
      e.field === 'individualTransfers[1].transferAmount' &&
      /123\.45678 USD has 5 decimal places, FSPIOP allows 4/.test(e.reason),
  );
  const twoPayees = isoBulk();
  twoPayees.CdtTrfTxInf[1]!.CdtrAgt = { FinInstnId: { Othr: { Id: 'other-wallet' } } };
  assert.throws(
    () => bulkPrepareFromCanonical(twoPayees),
    (e: unknown) => e instanceof TranslationError && e.field === 'individualTransfers[1]' && /one payee FSP \(wallet\)/.test(e.reason),
  );
  const noQuote = isoBulk();
  delete noQuote.SplmtryData!.bulkQuoteId;
  assert.throws(
    () => bulkPrepareFromCanonical(noQuote),
    (e: unknown) => e instanceof TranslationError && e.code === '3102' && e.field === 'bulkQuoteId',
  );
  const isoCode: BulkPacs002 = {
    GrpHdr: { MsgId: 'B', CreDtTm: AT },
    OrgnlGrpInfAndSts: { OrgnlMsgId: 'B', BulkTransferState: 'COMPLETED' },
    TxInfAndSts: [{ OrgnlTxId: id('T1'), TxSts: 'RJCT', StsRsnInf: { Rsn: { Cd: 'AC01' } } }],
  };
  assert.throws(
    () => bulkStatusFromCanonical(isoCode),
    (e: unknown) => e instanceof TranslationError && e.field === 'individualTransferResults[0].errorInformation.errorCode',
  );
  const body = bulkPrepareFromCanonical(isoBulk());
  const bad = {
    ...body,
    individualTransfers: body.individualTransfers.map((t, i) => (i === 1 ? { ...t, transferAmount: { currency: 'USD', amount: '1e3' } } : t)),
  };
  assert.throws(
    () => bulkPrepareToCanonical(bad, AT),
    (e: unknown) => e instanceof TranslationError && e.field === 'individualTransfers[1].transferAmount',
  );
  const unknown = { ...body, extensionList: { extension: [{ key: 'iso:Nonsense', value: '1' }] } };
  assert.throws(
    () => bulkPrepareToCanonical(unknown, AT),
    (e: unknown) => e instanceof TranslationError && /iso:Nonsense/.test(e.field),
  );
  const perLine = structuredClone(body);
  perLine.individualTransfers[0]!.extensionList = { extension: [{ key: 'iso:SttlmMtd', value: '"INGA"' }] };
  assert.throws(
    () => bulkPrepareToCanonical(perLine, AT),
    (e: unknown) => e instanceof TranslationError && e.field === 'individualTransfers[0].extensionList (iso:SttlmMtd)',
  );
});

test('a bulk of 1,000 transfers translates both ways exactly', () => {
  const body: FspiopBulkTransferPrepare = {
    bulkTransferId: '01JQ0000000000000000000000',
    bulkQuoteId: '01JQ0000000000000000000001',
    payerFsp: 'employer-bank',
    payeeFsp: 'wallet',
    expiration: '2026-03-02T11:00:00.000Z',
    individualTransfers: Array.from({ length: 1000 }, (_, i) => ({
      transferId: `01JQ${String(i).padStart(22, '0')}`,
      transferAmount: { currency: 'XOF', amount: `${1000 + i}` },
      ilpPacket: 'AYIBgQAAAAAAAAAAAA',
      condition: 'GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM',
    })),
  };
  valid('POST', '/bulkTransfers', body);
  const bulk = bulkPrepareToCanonical(body, AT);
  assert.equal(bulk.GrpHdr.NbOfTxs, '1000');
  assert.equal(bulk.CdtTrfTxInf[999]!.IntrBkSttlmAmt.units, isoUnits(1999n * 100_000n));
  assert.deepEqual(bulkPrepareFromCanonical(bulk), body);
});

test('the edge entry points read bulks as FSPIOP whatever media type labelled them (no ISO 20022 JSON bulk exists)', () => {
  const body = bulkPrepareFromCanonical(isoBulk());
  const inbound = (dialect: InboundMessage['dialect']): InboundMessage => ({
    source: 'bank-a',
    destination: 'wallet',
    dialect,
    version: { major: 2, minor: 0 },
    headers: {},
    raw: Buffer.from(JSON.stringify(body)),
    hash: 'h',
    receivedAt: AT,
  });
  for (const dialect of ['fspiop', 'iso20022-json'] as const) {
    assert.deepEqual(bulkPrepareOf(inbound(dialect), body), bulkPrepareToCanonical(body, AT));
    const put = { bulkTransferState: 'COMPLETED' as const, individualTransferResults: [{ transferId: id('T1'), fulfilment: 'f'.repeat(43) }] };
    assert.deepEqual(bulkStatusOf(id('B1'), inbound(dialect), put), bulkStatusToCanonical(id('B1'), put, AT));
    const error = bulkErrorOf(id('B1'), inbound(dialect), { errorInformation: { errorCode: '3100', errorDescription: 'Generic validation error' } });
    assert.deepEqual(error.TxInfAndSts.StsRsnInf, { Rsn: { Prtry: '3100' }, AddtlInf: 'Generic validation error' });
  }
});
