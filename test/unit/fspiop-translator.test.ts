import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  errorFromCanonical,
  errorToCanonical,
  prepareFromCanonical,
  prepareToCanonical,
  statusFromCanonical,
  statusToCanonical,
  type FspiopTransferFulfil,
  type FspiopTransferPrepare,
} from '../../translators/fspiop/transfers.js';
import { validateFspiopBody } from '../../schemas/fspiop/validators.js';

/** fast-check records have a null prototype; compare plain JSON values. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v));

const base64url = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('base64url'));
const ulid = fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/);
const fspId = fc.stringMatching(/^[a-z][a-z0-9]{1,31}$/);
const amount = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }), fc.integer({ min: 0, max: 9999 }))
  .map(([whole, frac]) => (frac === 0 ? `${whole}` : `${whole}.${String(frac).padStart(4, '0').replace(/0+$/, '')}`));
const dateTime = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
const extensionList = fc.option(
  fc.record({
    extension: fc.array(fc.record({ key: fc.string({ minLength: 1, maxLength: 32 }), value: fc.string({ minLength: 1, maxLength: 128 }) }), {
      minLength: 1,
      maxLength: 16,
    }),
  }),
  { nil: undefined },
);

const prepare: fc.Arbitrary<FspiopTransferPrepare> = fc
  .record({
    transferId: ulid,
    payeeFsp: fspId,
    payerFsp: fspId,
    amount: fc.record({ currency: fc.constantFrom('USD', 'EUR', 'XOF', 'BHD', 'XTS'), amount }),
    ilpPacket: base64url(200),
    condition: base64url(32),
    expiration: dateTime,
    extensionList,
  })
  .map((p) => {
    if (p.extensionList === undefined) delete p.extensionList;
    return p;
  });

test('POST /transfers survives FSPIOP -> canonical pacs.008 -> FSPIOP unchanged (property)', () => {
  fc.assert(
    fc.property(prepare, dateTime, (body, receivedAt) => {
      assert.equal(validateFspiopBody('2.0', 'POST', '/transfers', body), null, 'generator produces valid bodies');
      const canonical = prepareToCanonical(body, receivedAt);
      assert.equal(canonical.CdtTrfTxInf.PmtId.TxId, body.transferId);
      assert.equal(canonical.CdtTrfTxInf.ExctnCond, body.condition);
      assert.deepEqual(plain(prepareFromCanonical(canonical)), plain(body));
    }),
    { numRuns: 500 },
  );
});

test('PUT /transfers/{ID} and its error survive the round trip (property)', () => {
  const fulfil: fc.Arbitrary<FspiopTransferFulfil> = fc
    .record({
      fulfilment: fc.option(base64url(32), { nil: undefined }),
      completedTimestamp: fc.option(dateTime, { nil: undefined }),
      transferState: fc.constantFrom('RECEIVED', 'RESERVED', 'COMMITTED', 'ABORTED') as fc.Arbitrary<FspiopTransferFulfil['transferState']>,
      extensionList,
    })
    .map((b) => {
      for (const k of Object.keys(b) as Array<keyof typeof b>) if (b[k] === undefined) delete b[k];
      return b;
    });
  fc.assert(
    fc.property(ulid, fulfil, dateTime, (id, body, at) => {
      assert.deepEqual(plain(statusFromCanonical(statusToCanonical(id, body, at))), plain(body));
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(ulid, fc.stringMatching(/^[1-5]\d{3}$/), fc.string({ minLength: 1, maxLength: 128 }), extensionList, (id, code, text, ext) => {
      const body = { errorInformation: { errorCode: code, errorDescription: text, ...(ext ? { extensionList: ext } : {}) } };
      assert.deepEqual(plain(errorFromCanonical(errorToCanonical(id, body, '2026-01-01T00:00:00.000Z'))), plain(body));
    }),
    { numRuns: 500 },
  );
});

test('transfer states map to Mojaloop ISO status codes', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const codes = (['RECEIVED', 'RESERVED', 'COMMITTED', 'ABORTED'] as const).map((s) => statusToCanonical('X', { transferState: s }, at).TxInfAndSts.TxSts);
  assert.deepEqual(codes, ['RECV', 'RESV', 'COMM', 'ABOR']);
});
