/**
 * FSPIOP -> canonical -> FSPIOP is lossless for every message the hub translates (properties over valid FSPIOP
 * v2.0 bodies, checked against the api-snippets schemas), and FSPIOP refuses amounts it cannot carry.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { validateFspiopBody } from '../../schemas/fspiop/validators.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { fspiopAmountFit } from '../../translators/fspiop/common.js';
import {
  partiesErrorFromCanonical,
  partiesErrorToCanonical,
  partiesPutFromCanonical,
  partiesPutToCanonical,
  partyRequestFromCanonical,
  partyRequestToCanonical,
} from '../../translators/fspiop/parties.js';
import { quoteRequestFromCanonical, quoteRequestToCanonical, quoteResponseFromCanonical, quoteResponseToCanonical } from '../../translators/fspiop/quotes.js';
import {
  errorFromCanonical,
  errorToCanonical,
  patchFromCanonical,
  patchToCanonical,
  prepareFromCanonical,
  prepareToCanonical,
  statusFromCanonical,
  statusToCanonical,
} from '../../translators/fspiop/transfers.js';
import * as arb from './translator-arbitraries.js';
import { isoUnits } from '../../schemas/amount.js';

const { plain } = arb;
const RUNS = Number(process.env.TRANSLATOR_RUNS ?? 300);

function valid(method: 'POST' | 'PUT' | 'PATCH', route: string, body: unknown): void {
  const issue = validateFspiopBody('2.0', method, route, body);
  assert.equal(issue, null, `generator: ${method} ${route} ${JSON.stringify(body)}: ${issue?.detail}`);
}

test('PUT /parties and its error survive FSPIOP -> acmt.024 -> FSPIOP (property)', () => {
  fc.assert(
    fc.property(arb.partyPath({}), arb.party({}, 'lookup'), arb.fspId, arb.fspId, arb.dateTime, (path, party, source, destination, at) => {
      const body = { party };
      valid('PUT', path.SubId ? '/parties/{Type}/{ID}/{SubId}' : '/parties/{Type}/{ID}', body);
      const report = partiesPutToCanonical(path, body, { source, destination }, at);
      assert.equal(report.Rpt.Vrfctn, true);
      assert.equal(report.Assgnmt.Assgnr.FinInstnId.Othr?.Id, source);
      assert.deepEqual(
        report.Rpt.UpdtdPtyAndAcctId?.Acct?.Ccys ?? null,
        party.supportedCurrencies ? [...party.supportedCurrencies] : null,
        'all supported currencies',
      );
      assert.deepEqual(plain(partiesPutFromCanonical(report)), plain(body));
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(arb.partyPath({}), arb.errorBody, arb.fspId, arb.fspId, arb.dateTime, (path, body, source, destination, at) => {
      valid('PUT', '/parties/{Type}/{ID}/error', body);
      const report = partiesErrorToCanonical(path, body, { source, destination }, at);
      assert.equal(report.Rpt.Vrfctn, false);
      assert.equal(report.Rpt.Rsn?.Cd, body.errorInformation.errorCode);
      assert.deepEqual(plain(partiesErrorFromCanonical(report)), plain(body));
    }),
    { numRuns: RUNS },
  );
});

test('GET /parties path and headers survive FSPIOP -> acmt.023 -> FSPIOP (property)', () => {
  fc.assert(
    fc.property(arb.partyPath({}), arb.fspId, fc.option(arb.fspId, { nil: undefined }), arb.dateTime, (path, source, destination, at) => {
      const headers = destination === undefined ? { source } : { source, destination };
      const request = partyRequestToCanonical(path, headers, at);
      assert.deepEqual(plain(partyRequestFromCanonical(request)), plain({ path, headers }));
    }),
    { numRuns: RUNS },
  );
});

test('POST /quotes survives FSPIOP -> pacs.081 -> FSPIOP (property)', () => {
  fc.assert(
    fc.property(arb.quoteRequest({}), arb.fspId, arb.fspId, arb.dateTime, (body, payer, payee, at) => {
      valid('POST', '/quotes', body);
      const q = quoteRequestToCanonical(body, payer, payee, at);
      assert.equal(q.CdtTrfTxInf.PmtId.TxId, body.quoteId);
      assert.equal(q.CdtTrfTxInf.DbtrAgt.FinInstnId.Othr?.Id, body.payer.partyIdInfo.fspId ?? payer);
      assert.deepEqual(plain(quoteRequestFromCanonical(q)), plain(body));
    }),
    { numRuns: RUNS },
  );
});

test('PUT /quotes/{ID} and its error survive FSPIOP -> pacs.082 / pacs.002 -> FSPIOP (property)', () => {
  fc.assert(
    fc.property(arb.correlationId({}), arb.quoteResponse({}), arb.fspId, arb.fspId, arb.dateTime, (id, body, payer, payee, at) => {
      valid('PUT', '/quotes/{ID}', body);
      const q = quoteResponseToCanonical(id, body, at, { payer, payee });
      assert.equal(q.CdtTrfTxInf.ExctnCond, body.condition);
      assert.deepEqual(plain(quoteResponseFromCanonical(q)), plain(body));
      // the old three-argument call still works
      assert.deepEqual(plain(quoteResponseFromCanonical(quoteResponseToCanonical(id, body, at))), plain(body));
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(arb.correlationId({}), arb.errorBody, arb.dateTime, (id, body, at) => {
      valid('PUT', '/quotes/{ID}/error', body);
      assert.deepEqual(plain(errorFromCanonical(errorToCanonical(id, body, at))), plain(body));
    }),
    { numRuns: RUNS },
  );
});

test('POST, PUT, PATCH /transfers and PUT /transfers/{ID}/error survive FSPIOP -> pacs.008 / pacs.002 -> FSPIOP (property)', () => {
  fc.assert(
    fc.property(arb.prepare({}), arb.dateTime, (body, at) => {
      valid('POST', '/transfers', body);
      assert.deepEqual(plain(prepareFromCanonical(prepareToCanonical(body, at))), plain(body));
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(arb.correlationId({}), arb.fulfil, arb.dateTime, (id, body, at) => {
      valid('PUT', '/transfers/{ID}', body);
      assert.deepEqual(plain(statusFromCanonical(statusToCanonical(id, body, at))), plain(body));
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(arb.correlationId({}), arb.patch, arb.dateTime, (id, body, at) => {
      valid('PATCH', '/transfers/{ID}', body);
      assert.deepEqual(plain(patchFromCanonical(patchToCanonical(id, body, at))), plain(body));
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(arb.correlationId({}), arb.errorBody, arb.dateTime, (id, body, at) => {
      valid('PUT', '/transfers/{ID}/error', body);
      assert.deepEqual(plain(errorFromCanonical(errorToCanonical(id, body, at))), plain(body));
    }),
    { numRuns: RUNS },
  );
});

test('FSPIOP refuses amounts it cannot carry exactly (5 decimals, 19 integer digits), never rounds', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const base = prepareToCanonical(
    {
      transferId: '01JBVM13SQYP507JB1DYBZVCMF',
      payerFsp: 'a',
      payeeFsp: 'b',
      amount: { currency: 'USD', amount: '1' },
      ilpPacket: 'AQ',
      condition: 'x'.repeat(43),
      expiration: at,
    },
    at,
  );
  const withUnits = (units: bigint) => ({ ...base, CdtTrfTxInf: { ...base.CdtTrfTxInf, IntrBkSttlmAmt: { currency: 'USD', units: isoUnits(units) } } });
  assert.throws(
    () => prepareFromCanonical(withUnits(123_456_78n)),
    (e: unknown) =>
      e instanceof TranslationError && e.code === '3100' && e.field === 'amount' && /123\.45678 USD has 5 decimal places, FSPIOP allows 4/.test(e.reason),
  );
  assert.throws(
    () => prepareFromCanonical(withUnits(10n ** 18n * 100_000n)),
    (e: unknown) => e instanceof TranslationError && e.code === '3100' && /19 integer digits, FSPIOP allows 18/.test(e.reason),
  );
  assert.equal(prepareFromCanonical(withUnits((10n ** 18n - 1n) * 100_000n + 99_990n)).amount.amount, '999999999999999999.9999');
  assert.deepEqual(fspiopAmountFit({ currency: 'JPY', units: isoUnits(1n) }), {
    ok: false,
    reason: 'amount 0.00001 JPY has 5 decimal places, FSPIOP allows 4',
  });
  assert.deepEqual(fspiopAmountFit({ currency: 'JPY', units: isoUnits(10n) }), { ok: true }); // minor units are the hub's rule
  assert.equal(fspiopAmountFit({ currency: 'USD', units: isoUnits(-1n) }).ok, false);
});

test('an error report without description gets the standard one; invalid codes are refused', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const m = errorToCanonical('X', { errorInformation: { errorCode: '3204', errorDescription: 'x' } }, at);
  delete m.TxInfAndSts.StsRsnInf!.AddtlInf;
  assert.deepEqual(errorFromCanonical(m), { errorInformation: { errorCode: '3204', errorDescription: 'Party not found' } });
  m.TxInfAndSts.StsRsnInf!.Rsn = { Cd: '3204' };
  assert.equal(errorFromCanonical(m).errorInformation.errorCode, '3204');
  m.TxInfAndSts.StsRsnInf!.Rsn = { Prtry: 'AC01' };
  assert.throws(() => errorFromCanonical(m), TranslationError);
});
