/**
 * FSPIOP bulk quotes <-> the canonical bulk agreement (translators/fspiop/bulk-quotes.ts): lossless both ways over
 * valid FSPIOP v2.0 bodies (checked against the api-snippets schemas), each individual quote the very canonical
 * QuoteRequest its single POST /quotes gives, and refusals that name the line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { validateFspiopBody } from '../../schemas/fspiop/validators.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import {
  bulkQuoteRequestFromCanonical,
  bulkQuoteRequestToCanonical,
  bulkQuoteResponseFromCanonical,
  bulkQuoteResponseToCanonical,
  type FspiopBulkQuoteRequest,
  type FspiopBulkQuoteResponse,
  type FspiopIndividualQuoteResult,
} from '../../translators/fspiop/bulk-quotes.js';
import { quoteRequestToCanonical, quoteResponseToCanonical } from '../../translators/fspiop/quotes.js';
import * as arb from './translator-arbitraries.js';

const { plain, compact } = arb;
const RUNS = Number(process.env.TRANSLATOR_RUNS ?? 200);

function valid(method: 'POST' | 'PUT', route: string, body: unknown): void {
  const issue = validateFspiopBody('2.0', method, route, body);
  assert.equal(issue, null, `generator: ${method} ${route} ${JSON.stringify(body)}: ${issue?.detail}`);
}

/** A POST /bulkQuotes: the payer, geoCode and expiration of the first generated quote, the lines of them all. */
const bulkRequest: fc.Arbitrary<FspiopBulkQuoteRequest> = fc
  .tuple(arb.correlationId({}), fc.array(arb.quoteRequest({}), { minLength: 1, maxLength: 5 }), fc.option(arb.extensionList, { nil: undefined }))
  .map(([bulkQuoteId, quotes, extensionList]) => {
    const first = quotes[0]!;
    return compact({
      bulkQuoteId,
      payer: first.payer,
      geoCode: first.geoCode,
      expiration: first.expiration,
      individualQuotes: quotes.map((q) =>
        compact({
          quoteId: q.quoteId,
          transactionId: q.transactionId,
          payee: q.payee,
          amountType: q.amountType,
          amount: q.amount,
          fees: q.fees,
          transactionType: q.transactionType,
          note: q.note,
          extensionList: q.extensionList,
        }),
      ),
      extensionList,
    });
  });

const result: fc.Arbitrary<FspiopIndividualQuoteResult> = fc
  .tuple(
    arb.correlationId({}),
    fc.option(arb.party({}), { nil: undefined }),
    fc.option(arb.quoteResponse({}), { nil: undefined }),
    fc.option(arb.errorBody, { nil: undefined }),
  )
  .filter(([, , terms, error]) => terms !== undefined || error !== undefined)
  .map(([quoteId, payee, terms, error]) =>
    compact({
      quoteId,
      payee,
      transferAmount: terms?.transferAmount,
      payeeReceiveAmount: terms?.payeeReceiveAmount,
      payeeFspFee: terms?.payeeFspFee,
      payeeFspCommission: terms?.payeeFspCommission,
      ilpPacket: terms?.ilpPacket,
      condition: terms?.condition,
      errorInformation: error?.errorInformation,
      extensionList: terms?.extensionList,
    }),
  );

const bulkResponse: fc.Arbitrary<FspiopBulkQuoteResponse> = fc
  .record({
    individualQuoteResults: fc.option(fc.array(result, { maxLength: 5 }), { nil: undefined }),
    expiration: arb.dateTime,
    extensionList: fc.option(arb.extensionList, { nil: undefined }),
  })
  .map(compact);

test('POST /bulkQuotes survives FSPIOP -> canonical -> FSPIOP, each line the canonical quote request of its POST /quotes (property)', () => {
  fc.assert(
    fc.property(bulkRequest, arb.fspId, arb.fspId, arb.dateTime, (body, payer, payee, at) => {
      valid('POST', '/bulkQuotes', body);
      const bulk = bulkQuoteRequestToCanonical(body, payer, payee, at);
      assert.equal(bulk.GrpHdr.MsgId, body.bulkQuoteId);
      assert.equal(bulk.GrpHdr.NbOfTxs, body.individualQuotes.length);
      body.individualQuotes.forEach((line, i) => {
        const single = compact({ ...line, payer: body.payer, expiration: body.expiration });
        assert.deepEqual(bulk.Quotes[i], quoteRequestToCanonical(single, payer, payee, at), `line ${i}`);
      });
      assert.deepEqual(plain(bulkQuoteRequestFromCanonical(bulk)), plain(body));
    }),
    { numRuns: RUNS },
  );
});

test('PUT /bulkQuotes/{ID} survives FSPIOP -> canonical -> FSPIOP, terms as single quote responses (property)', () => {
  fc.assert(
    fc.property(arb.correlationId({}), bulkResponse, arb.fspId, arb.fspId, arb.dateTime, (id, body, payer, payee, at) => {
      valid('PUT', '/bulkQuotes/{ID}', body);
      const answer = bulkQuoteResponseToCanonical(id, body, at, { payer, payee });
      (body.individualQuoteResults ?? []).forEach((r, i) => {
        const got = answer.Results![i]!;
        assert.equal(got.QuoteId, r.quoteId);
        assert.equal(got.Terms !== undefined, r.transferAmount !== undefined, `line ${i}: terms`);
        assert.equal(got.Error?.TxInfAndSts.StsRsnInf?.Rsn.Prtry, r.errorInformation?.errorCode, `line ${i}: error code`);
        if (got.Terms) {
          const single = compact({
            transferAmount: r.transferAmount!,
            payeeReceiveAmount: r.payeeReceiveAmount,
            payeeFspFee: r.payeeFspFee,
            payeeFspCommission: r.payeeFspCommission,
            expiration: body.expiration,
            ilpPacket: r.ilpPacket!,
            condition: r.condition!,
            extensionList: r.extensionList,
          });
          assert.deepEqual(got.Terms, quoteResponseToCanonical(r.quoteId, single, at, { payer, payee }), `line ${i}: terms`);
        }
      });
      assert.deepEqual(plain(bulkQuoteResponseFromCanonical(answer)), plain(body));
    }),
    { numRuns: RUNS },
  );
});

function sampleRequest(): FspiopBulkQuoteRequest {
  const line = (n: number) => ({
    quoteId: `0000000${n}-0000-4000-8000-000000000000`,
    transactionId: `0000000${n}-0000-4000-8000-000000000001`,
    payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: `2567000000${n}` } },
    amountType: 'SEND' as const,
    amount: { currency: 'USD', amount: `${n}.5` },
    transactionType: { scenario: 'TRANSFER', initiator: 'PAYER' as const, initiatorType: 'CONSUMER' as const },
  });
  return {
    bulkQuoteId: '0000000a-0000-4000-8000-000000000000',
    payer: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '25670000099', fspId: 'payerfsp' } },
    expiration: '2030-01-01T00:00:00.000Z',
    individualQuotes: [line(1), line(2), line(3)],
  };
}

const refusal = (field: RegExp, code: string) => (err: unknown) =>
  err instanceof TranslationError && field.test(err.field) && err.code === code ? true : assert.fail(`unexpected ${String(err)}`);

test('a line a single quote translator refuses is named by its position', () => {
  const body = sampleRequest();
  body.individualQuotes[1]!.extensionList = { extension: [{ key: 'iso:Unknown', value: '1' }] };
  assert.throws(() => bulkQuoteRequestToCanonical(body, 'payerfsp', 'payeefsp', '2029-01-01T00:00:00.000Z'), refusal(/^individualQuotes\[1\]\./, '3100'));
});

test('canonical bulks FSPIOP cannot say are refused, never rewritten: two payers, a line with its own expiration', () => {
  const at = '2029-01-01T00:00:00.000Z';
  const twoPayers = bulkQuoteRequestToCanonical(sampleRequest(), 'payerfsp', 'payeefsp', at);
  twoPayers.Quotes[2]!.CdtTrfTxInf.Dbtr.Nm = 'someone else';
  assert.throws(() => bulkQuoteRequestFromCanonical(twoPayers), refusal(/^individualQuotes\[2\]\.payer$/, '3100'));
  const ownExpiry = bulkQuoteRequestToCanonical(sampleRequest(), 'payerfsp', 'payeefsp', at);
  ownExpiry.Quotes[0]!.GrpHdr.PmtInstrXpryDtTm = '2031-01-01T00:00:00.000Z';
  assert.throws(() => bulkQuoteRequestFromCanonical(ownExpiry), refusal(/^individualQuotes\[0\]\.expiration$/, '3100'));
});

test('an individual result with part of the terms, or with nothing, is refused (3102), not half taken', () => {
  const put = (r: Partial<FspiopIndividualQuoteResult>) => ({
    expiration: '2030-01-01T00:00:00.000Z',
    individualQuoteResults: [{ quoteId: '00000001-0000-4000-8000-000000000000', ...r }],
  });
  const money = { currency: 'USD', amount: '1' };
  const at = '2029-01-01T00:00:00.000Z';
  assert.throws(() => bulkQuoteResponseToCanonical('x', put({ transferAmount: money, condition: 'c'.repeat(43) }), at), refusal(/ilpPacket$/, '3102'));
  assert.throws(() => bulkQuoteResponseToCanonical('x', put({ payeeFspFee: money }), at), refusal(/transferAmount$/, '3102'));
  assert.throws(() => bulkQuoteResponseToCanonical('x', put({}), at), refusal(/^individualQuoteResults\[0\]$/, '3102'));
});
