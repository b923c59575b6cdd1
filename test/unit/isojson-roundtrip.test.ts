/**
 * The ISO 20022 JSON path is lossless for everything the dialect can carry (properties over valid FSPIOP v2.0
 * bodies restricted to that subset):
 *   FSPIOP -> canonical -> ISO JSON (valid per the api-snippets ISO schema) -> canonical -> FSPIOP   unchanged, and
 *   ISO JSON -> canonical -> ISO JSON                                                              unchanged
 * apart from the fresh GrpHdr/Assgnmt MsgId and CreDtTm.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { validateFspiopBody, validateIsoJsonBody } from '../../schemas/fspiop/validators.js';
import { partiesErrorFromCanonical, partiesErrorToCanonical, partiesPutFromCanonical, partiesPutToCanonical } from '../../translators/fspiop/parties.js';
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
import type { IsoJsonRenderOptions } from '../../translators/isojson/common.js';
import { isoPartyReportFromCanonical, isoPartyReportToCanonical } from '../../translators/isojson/parties.js';
import {
  isoQuoteRequestFromCanonical,
  isoQuoteRequestToCanonical,
  isoQuoteResponseFromCanonical,
  isoQuoteResponseToCanonical,
} from '../../translators/isojson/quotes.js';
import { isoStatusFromCanonical, isoStatusToCanonical, isoTransferFromCanonical, isoTransferToCanonical } from '../../translators/isojson/transfers.js';
import * as arb from './translator-arbitraries.js';

const { plain } = arb;
const RUNS = Number(process.env.TRANSLATOR_RUNS ?? 300);
const ISO: arb.Options = { iso: true };

/** Deterministic message ids and clock, different on each rendering. */
function renderOptions(): IsoJsonRenderOptions & { rendered: number } {
  const o = {
    rendered: 0,
    newMsgId: () => `01K${String(++o.rendered).padStart(23, '0')}`,
    now: () => new Date(Date.UTC(2026, 0, 1) + o.rendered * 1000).toISOString(),
  };
  return o;
}

/** An ISO JSON body without its per-rendering header values. */
function withoutHeader(body: unknown): unknown {
  const copy = plain(body) as Record<string, Record<string, unknown>>;
  for (const h of ['GrpHdr', 'Assgnmt']) {
    if (copy[h]) {
      delete copy[h].MsgId;
      delete copy[h].CreDtTm;
    }
  }
  return copy;
}

/** What the FSPIOP body says once zero-valued charges are left out (the ISO dialects write none: they say nothing). */
function withoutZeroCharges<T extends object>(body: T): T {
  const copy = plain(body) as Record<string, { amount?: string } | undefined>;
  for (const key of ['fees', 'payeeFspFee', 'payeeFspCommission']) if (copy[key]?.amount === '0') delete copy[key];
  return copy as T;
}

function fspiopValid(method: 'POST' | 'PUT' | 'PATCH', route: string, body: unknown): void {
  const issue = validateFspiopBody('2.0', method, route, body);
  assert.equal(issue, null, `generator: ${method} ${route} ${JSON.stringify(body)}: ${issue?.detail}`);
}

function isoValid(method: 'POST' | 'PUT' | 'PATCH', route: string, body: unknown): void {
  const issue = validateIsoJsonBody(method, route, body);
  assert.equal(issue, null, `ISO JSON ${method} ${route} ${JSON.stringify(body)}: ${issue?.detail}`);
}

test('PUT /parties (+ error): FSPIOP -> acmt.024 ISO JSON -> FSPIOP, and ISO JSON -> canonical -> ISO JSON (property)', () => {
  const o: arb.Options = { iso: true, acmt: true };
  fc.assert(
    fc.property(arb.partyPath(o), arb.party(o, 'lookup'), arb.fspId, arb.fspId, arb.dateTime, (path, party, source, destination, at) => {
      const body = { party };
      const route = path.SubId ? '/parties/{Type}/{ID}/{SubId}' : '/parties/{Type}/{ID}';
      fspiopValid('PUT', route, body);
      const opts = renderOptions();
      const iso = isoPartyReportFromCanonical(partiesPutToCanonical(path, body, { source, destination }, at), opts);
      isoValid('PUT', route, iso);
      const back = isoPartyReportToCanonical(path, iso);
      assert.deepEqual(plain(partiesPutFromCanonical(back)), plain(body));
      const again = isoPartyReportFromCanonical(back, opts);
      assert.notEqual(again.Assgnmt.MsgId, iso.Assgnmt.MsgId, 'a fresh MsgId per rendering');
      assert.deepEqual(withoutHeader(again), withoutHeader(iso));
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(arb.partyPath(o), arb.errorBody, arb.fspId, arb.fspId, arb.dateTime, (path, body, source, destination, at) => {
      const opts = renderOptions();
      const iso = isoPartyReportFromCanonical(partiesErrorToCanonical(path, body, { source, destination }, at), opts);
      isoValid('PUT', '/parties/{Type}/{ID}/error', iso);
      assert.equal(iso.Rpt.Vrfctn, false);
      assert.equal(iso.Rpt.Rsn?.Cd, body.errorInformation.errorCode);
      const back = isoPartyReportToCanonical(path, iso);
      assert.deepEqual(plain(partiesErrorFromCanonical(back)), plain(body));
      assert.deepEqual(withoutHeader(isoPartyReportFromCanonical(back, opts)), withoutHeader(iso));
    }),
    { numRuns: RUNS },
  );
});

test('POST /quotes: FSPIOP -> pacs.081 ISO JSON -> FSPIOP, and ISO JSON -> canonical -> ISO JSON (property)', () => {
  fc.assert(
    fc.property(arb.quoteRequest(ISO), arb.fspId, arb.fspId, arb.dateTime, (body, payer, payee, at) => {
      fspiopValid('POST', '/quotes', body);
      const opts = renderOptions();
      const iso = isoQuoteRequestFromCanonical(quoteRequestToCanonical(body, payer, payee, at), opts);
      isoValid('POST', '/quotes', iso);
      const back = isoQuoteRequestToCanonical(iso);
      assert.deepEqual(plain(quoteRequestFromCanonical(back)), withoutZeroCharges(body));
      assert.deepEqual(withoutHeader(isoQuoteRequestFromCanonical(back, opts)), withoutHeader(iso));
    }),
    { numRuns: RUNS },
  );
});

test('PUT /quotes/{ID} (+ error): FSPIOP -> pacs.082 / pacs.002 ISO JSON -> FSPIOP, and ISO -> canonical -> ISO (property)', () => {
  fc.assert(
    fc.property(arb.ulid, arb.quoteResponse(ISO), arb.fspId, arb.fspId, arb.dateTime, (id, body, payer, payee, at) => {
      fspiopValid('PUT', '/quotes/{ID}', body);
      const opts = renderOptions();
      const iso = isoQuoteResponseFromCanonical(quoteResponseToCanonical(id, body, at, { payer, payee }), opts);
      isoValid('PUT', '/quotes/{ID}', iso);
      const back = isoQuoteResponseToCanonical(id, iso);
      assert.equal(back.CdtTrfTxInf.ExctnCond, body.condition, 'condition derived from the ILP v4 packet');
      assert.deepEqual(plain(quoteResponseFromCanonical(back)), withoutZeroCharges(body));
      assert.deepEqual(withoutHeader(isoQuoteResponseFromCanonical(back, opts)), withoutHeader(iso));
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(arb.ulid, arb.errorBody, arb.dateTime, (id, body, at) => {
      const opts = renderOptions();
      const iso = isoStatusFromCanonical(errorToCanonical(id, body, at), opts);
      isoValid('PUT', '/quotes/{ID}/error', iso);
      const back = isoStatusToCanonical(id, iso);
      assert.deepEqual(plain(errorFromCanonical(back)), plain(body));
      assert.deepEqual(withoutHeader(isoStatusFromCanonical(back, opts)), withoutHeader(iso));
    }),
    { numRuns: RUNS },
  );
});

test('POST /transfers: FSPIOP -> pacs.008 ISO JSON -> FSPIOP, and ISO JSON -> canonical -> ISO JSON (property)', () => {
  fc.assert(
    fc.property(arb.prepare(ISO), arb.dateTime, (body, at) => {
      fspiopValid('POST', '/transfers', body);
      const opts = renderOptions();
      const iso = isoTransferFromCanonical(prepareToCanonical(body, at), opts);
      isoValid('POST', '/transfers', iso);
      const back = isoTransferToCanonical(iso);
      assert.equal(back.CdtTrfTxInf.ExctnCond, body.condition);
      assert.deepEqual(plain(prepareFromCanonical(back)), plain(body));
      assert.deepEqual(withoutHeader(isoTransferFromCanonical(back, opts)), withoutHeader(iso));
    }),
    { numRuns: RUNS },
  );
});

test('PUT / PATCH /transfers/{ID} and the error: FSPIOP -> pacs.002 ISO JSON -> FSPIOP, and ISO -> canonical -> ISO (property)', () => {
  fc.assert(
    fc.property(arb.ulid, arb.fulfil, arb.dateTime, (id, body, at) => {
      fspiopValid('PUT', '/transfers/{ID}', body);
      const opts = renderOptions();
      const iso = isoStatusFromCanonical(statusToCanonical(id, body, at), opts);
      isoValid('PUT', '/transfers/{ID}', iso);
      const back = isoStatusToCanonical(id, iso);
      assert.deepEqual(plain(statusFromCanonical(back)), plain(body));
      assert.deepEqual(withoutHeader(isoStatusFromCanonical(back, opts)), withoutHeader(iso));
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(arb.ulid, arb.patch, arb.dateTime, (id, body, at) => {
      fspiopValid('PATCH', '/transfers/{ID}', body);
      const iso = isoStatusFromCanonical(patchToCanonical(id, body, at), renderOptions());
      isoValid('PATCH', '/transfers/{ID}', iso);
      assert.deepEqual(plain(patchFromCanonical(isoStatusToCanonical(id, iso))), plain(body));
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(arb.ulid, arb.errorBody, arb.dateTime, (id, body, at) => {
      const iso = isoStatusFromCanonical(errorToCanonical(id, body, at), renderOptions());
      isoValid('PUT', '/transfers/{ID}/error', iso);
      assert.deepEqual(plain(errorFromCanonical(isoStatusToCanonical(id, iso))), plain(body));
    }),
    { numRuns: RUNS },
  );
});
