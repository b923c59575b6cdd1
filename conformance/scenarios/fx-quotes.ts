// FX agreement (/fxQuotes, /services/FXP), written from fspiop.md §2, §5, §7, §10, iso20022-mapping.md §3.5 and
// docs/fx.md "Agreement: fxQuotes and FXP discovery". FX resources are FSPIOP v2.0 only.
import assert from 'node:assert/strict';
import { ulid } from 'ulidx';
import { assertForwarded, assertHubMessage, expectStatus, expectSyncError, extensionValue, wholeErrorText } from '../lib/checks.js';
import type { SuiteContext } from '../lib/context.js';
import type { DfspSimulator, RecordedRequest } from '../lib/dfsp.js';
import { expectErrorCallback, expectSuccessCallback, waitAnswer } from '../lib/flows.js';
import { fromPacs091, isoFxTerms, newFxp, newFxRequester, newMsgId, type FspiopFxTerms, type FxDialect, type FxpSimulator } from '../lib/fxp.js';
import { isoSend } from '../lib/isojson.js';
import type { FspiopResponse } from '../lib/http.js';
import type { Scenario } from '../lib/scenario.js';
import { show } from '../lib/util.js';

interface FxParties {
  requester: DfspSimulator;
  fxp: FxpSimulator;
  isoRequester: DfspSimulator;
  isoFxp: FxpSimulator;
}

/** The suite's FX participants: an FSP and an FXP in each dialect (source: the suite currency, target: the foreign one). */
function fxParties(ctx: SuiteContext): Promise<FxParties> {
  return ctx.once('fx-quote-parties', async () => {
    const [requester, isoRequester, fxp, isoFxp] = await Promise.all([
      newFxRequester(ctx),
      newFxRequester(ctx, { dialect: 'iso20022-json/2.0', prefix: 'fxri' }),
      newFxp(ctx, { rate: '0.9' }),
      newFxp(ctx, { dialect: 'iso20022-json/2.0', rate: '1.25', prefix: 'fxpi' }),
    ]);
    return { requester, fxp, isoRequester, isoFxp };
  });
}

interface Ask {
  amountType?: 'SEND' | 'RECEIVE';
  source?: { currency: string; amount?: string };
  target?: { currency: string; amount?: string };
  expiresInMs?: number;
}

/** A conversion request from `requester` to `fxp` (ULID ids: they travel into either dialect). */
function fxRequest(ctx: SuiteContext, requester: string, fxp: string, o: Ask = {}): { conversionRequestId: string; conversionTerms: FspiopFxTerms } {
  const amountType = o.amountType ?? 'SEND';
  return {
    conversionRequestId: ulid(),
    conversionTerms: {
      conversionId: ulid(),
      determiningTransferId: ulid(),
      initiatingFsp: requester,
      counterPartyFsp: fxp,
      amountType,
      sourceAmount: o.source ?? { currency: ctx.currency, ...(amountType === 'SEND' ? { amount: '100' } : {}) },
      targetAmount: o.target ?? { currency: ctx.opts.foreignCurrency, ...(amountType === 'RECEIVE' ? { amount: '90' } : {}) },
      expiration: new Date(Date.now() + (o.expiresInMs ?? 60_000)).toISOString(),
    },
  };
}

/** POST /fxQuotes as `from` in its dialect (`iso`: the pacs.091 of the same terms). */
function postFxQuote(
  from: DfspSimulator,
  to: string,
  body: { conversionRequestId: string; conversionTerms: FspiopFxTerms },
  o: { iso?: boolean; version?: string } = {},
) {
  if (o.iso)
    return isoSend(from, {
      method: 'POST',
      path: '/fxQuotes',
      destination: to,
      body: isoFxTerms(body.conversionRequestId, body.conversionTerms, { msgId: newMsgId() }),
    });
  return from.send({ method: 'POST', path: '/fxQuotes', version: o.version ?? '2.0', destination: to, body });
}

const isFxPostFor = (id: string, dialect: FxDialect) => (r: RecordedRequest) =>
  r.method === 'POST' && r.path === '/fxQuotes' && (dialect === 'iso20022-json/2.0' ? r.body?.CdtTrfTxInf?.PmtId?.TxId : r.body?.conversionRequestId) === id;

function waitFxAnswer(
  ctx: SuiteContext,
  sim: DfspSimulator,
  id: string,
  o: { since?: number; from?: string; successOnly?: boolean; errorOnly?: boolean } = {},
) {
  return waitAnswer(ctx, sim, `/fxQuotes/${id}`, o);
}

/** A hub-authored PUT /fxQuotes/{ID}/error with `code` at `sim`, in its dialect, FX version 2.0. */
async function expectHubFxError(ctx: SuiteContext, sim: DfspSimulator, id: string, code: string, what: string, o: { since?: number; iso?: boolean } = {}) {
  const cb = await waitFxAnswer(ctx, sim, id, { since: o.since, from: ctx.hubName, errorOnly: true });
  assertHubMessage(cb, {
    hubName: ctx.hubName,
    destination: sim.name,
    method: 'PUT',
    uri: `/fxQuotes/${id}/error`,
    resource: 'fxQuotes',
    iso: o.iso ?? false,
    callbackVersion: '2.0',
  });
  if (o.iso) {
    const reason = cb.body?.TxInfAndSts?.StsRsnInf;
    assert.equal(reason?.Rsn?.Prtry, code, `${what}: pacs.002 StsRsnInf.Rsn.Prtry; body ${show(cb.bodyText)}`);
  } else {
    expectErrorCallback(cb, code, what);
  }
  return cb;
}

/** The FXP's answer reached the requester (forwarded within a dialect family); its terms. */
async function answered(
  ctx: SuiteContext,
  requester: DfspSimulator,
  fxp: FxpSimulator,
  id: string,
  since: number,
): Promise<{ cb: RecordedRequest; terms: FspiopFxTerms; condition?: string }> {
  const cb = await waitFxAnswer(ctx, requester, id, { since });
  expectSuccessCallback(cb, `FX quote ${id}`);
  if (cb.headers['content-type']?.includes('iso20022')) {
    const read = fromPacs091(cb.body);
    return { cb, terms: read.conversionTerms, ...(read.condition ? { condition: read.condition } : {}) };
  }
  return { cb, terms: cb.body.conversionTerms, condition: cb.body.condition };
}

async function happyPath(ctx: SuiteContext, amountType: 'SEND' | 'RECEIVE'): Promise<void> {
  const { requester, fxp } = await fxParties(ctx);
  const body = fxRequest(ctx, requester.name, fxp.name, { amountType });
  const id = body.conversionRequestId;
  const sinceF = fxp.sim.mark();
  const sinceR = requester.mark();
  const res = await ctx.send({
    method: 'POST',
    path: '/fxQuotes',
    version: '2.0',
    source: requester.name,
    destination: fxp.name,
    body: JSON.stringify(body),
    sign: true,
  });
  expectStatus(res, 202, 'POST /fxQuotes');
  assert.equal(res.rawBody, '', `202 to POST /fxQuotes must have no body, got ${show(res.rawBody)}`);
  const fwd = await fxp.sim.waitFor(isFxPostFor(id, 'fspiop/2.0'), ctx.T, { since: sinceF, label: `POST /fxQuotes ${id} at the FXP` });
  assertForwarded(fwd, res.request);
  const { cb, terms, condition } = await answered(ctx, requester, fxp, id, sinceR);
  assert.equal(cb.headers['fspiop-source'], fxp.name, 'the FXP answer is forwarded with FSPIOP-Source = FXP');
  assert.equal(cb.headers['fspiop-destination'], requester.name, 'and FSPIOP-Destination = requester');
  assert.equal(cb.bodyText, fxp.answers.get(id)?.bodyText, 'the FXP answer arrives byte for byte');
  const expected = fxp.termsFor(body.conversionTerms);
  if (amountType === 'SEND') {
    assert.deepEqual(terms.sourceAmount, body.conversionTerms.sourceAmount, 'SEND: the source amount stays what was asked');
    assert.deepEqual(terms.targetAmount, expected.targetAmount, "SEND: the target amount is the FXP's (its rate)");
  } else {
    assert.deepEqual(terms.targetAmount, body.conversionTerms.targetAmount, 'RECEIVE: the target amount stays what was asked');
    assert.deepEqual(terms.sourceAmount, expected.sourceAmount, "RECEIVE: the source amount is the FXP's");
  }
  assert.equal(condition, fxp.answers.get(id)?.condition, "the condition is the FXP's");
}

/** The FXP answers with `change` applied: the hub refuses with 3100 to the FXP and tells the requester. */
async function refusedAnswer(ctx: SuiteContext, change: (t: FspiopFxTerms) => void, description: RegExp, what: string): Promise<void> {
  const { requester, fxp } = await fxParties(ctx);
  const body = fxRequest(ctx, requester.name, fxp.name);
  const id = body.conversionRequestId;
  fxp.setBehaviour(id, { kind: 'answer-changed', change });
  const sinceR = requester.mark();
  const sinceF = fxp.sim.mark();
  expectStatus(await postFxQuote(requester, fxp.name, body), 202, 'POST /fxQuotes');
  const toFxp = await expectHubFxError(ctx, fxp.sim, id, '3100', `${what} (to the FXP)`, { since: sinceF });
  assert.match(String(toFxp.body?.errorInformation?.errorDescription), description, `the FXP is told why; body ${show(toFxp.bodyText)}`);
  await expectHubFxError(ctx, requester, id, '3100', `${what} (to the requester)`, { since: sinceR });
  assert.equal(
    requester.find((r) => r.path === `/fxQuotes/${id}` && r.headers['fspiop-source'] === fxp.name, sinceR).length,
    0,
    'the refused answer is not forwarded',
  );
}

/** Cross-dialect: `from` asks `to`; the hub renders each message in the receiver's dialect. */
async function crossDialect(ctx: SuiteContext, from: DfspSimulator, to: FxpSimulator, fromIso: boolean): Promise<void> {
  const body = fxRequest(ctx, from.name, to.name);
  const id = body.conversionRequestId;
  const sinceF = to.sim.mark();
  const sinceR = from.mark();
  expectStatus(await postFxQuote(from, to.name, body, { iso: fromIso }), 202, 'POST /fxQuotes');
  const fwd = await to.sim.waitFor(isFxPostFor(id, to.dialect), ctx.T, { since: sinceF, label: `POST /fxQuotes ${id} at ${to.name}` });
  assertHubMessage(fwd, {
    hubName: ctx.hubName,
    destination: to.name,
    method: 'POST',
    uri: '/fxQuotes',
    resource: 'fxQuotes',
    iso: !fromIso,
    callbackVersion: '2.0',
  });
  const asked = fromIso ? fwd.body.conversionTerms : fromPacs091(fwd.body).conversionTerms;
  assert.equal(asked.initiatingFsp, from.name, 'rendered request: initiatingFsp');
  assert.deepEqual(asked.sourceAmount, body.conversionTerms.sourceAmount, 'rendered request: sourceAmount');
  assert.equal(asked.targetAmount.currency, ctx.opts.foreignCurrency, 'rendered request: target currency');
  assert.equal(asked.targetAmount.amount, undefined, 'rendered request: no target amount (SEND)');
  const cb = await waitFxAnswer(ctx, from, id, { since: sinceR, from: ctx.hubName, successOnly: true });
  assertHubMessage(cb, {
    hubName: ctx.hubName,
    destination: from.name,
    method: 'PUT',
    uri: `/fxQuotes/${id}`,
    resource: 'fxQuotes',
    iso: fromIso,
    callbackVersion: '2.0',
  });
  const got = fromIso ? fromPacs091(cb.body) : { conversionTerms: cb.body.conversionTerms as FspiopFxTerms, condition: cb.body.condition as string };
  const sent = to.answers.get(id)!;
  assert.deepEqual(got.conversionTerms.targetAmount, sent.terms.targetAmount, "the FXP's target amount reaches the requester exactly");
  assert.equal(got.condition, sent.condition, "the FXP's condition reaches the requester");
}

export const fxQuoteScenarios: Scenario[] = [
  {
    name: 'fx-quotes: SEND — POST /fxQuotes forwarded byte for byte to the FXP, its PUT (target amount at its rate, condition) byte for byte to the requester',
    run: (ctx) => happyPath(ctx, 'SEND'),
  },
  {
    name: 'fx-quotes: RECEIVE — the FXP gives the source amount for the fixed target amount',
    run: (ctx) => happyPath(ctx, 'RECEIVE'),
  },
  {
    name: "fx-quotes: the FXP's PUT /fxQuotes/{ID}/error reaches the requester as the FXP sent it",
    run: async (ctx) => {
      const { requester, fxp } = await fxParties(ctx);
      const body = fxRequest(ctx, requester.name, fxp.name);
      const id = body.conversionRequestId;
      fxp.setBehaviour(id, { kind: 'error', code: '5100', description: 'Generic Payee rejection - no rate for this pair today' });
      const since = requester.mark();
      expectStatus(await postFxQuote(requester, fxp.name, body), 202, 'POST /fxQuotes');
      const cb = await waitFxAnswer(ctx, requester, id, { since, errorOnly: true });
      expectErrorCallback(cb, '5100', "the FXP's error");
      assert.equal(cb.headers['fspiop-source'], fxp.name, "the FXP's error is forwarded with its FSPIOP-Source");
    },
  },
  {
    name: 'fx-quotes: GET /services/FXP/{S}/{T} lists the FXPs holding both currencies, not a requester nor an FXP of another pair; GET /services/FXP lists every FXP',
    run: async (ctx) => {
      const { requester, fxp, isoFxp } = await fxParties(ctx);
      const other = await ctx.once('fxp-other-pair', () => newFxp(ctx, { target: 'XDR', rate: '0.7', prefix: 'fxpo' }));
      const pair = `/services/FXP/${ctx.currency}/${ctx.opts.foreignCurrency}`;
      let since = requester.mark();
      expectStatus(await requester.send({ method: 'GET', path: pair, version: '2.0', resource: 'services', destination: ctx.hubName }), 202, `GET ${pair}`);
      let cb = await waitAnswer(ctx, requester, pair, { since, from: ctx.hubName, successOnly: true });
      assertHubMessage(cb, { hubName: ctx.hubName, destination: requester.name, method: 'PUT', uri: pair, resource: 'services', callbackVersion: '2.0' });
      const providers = cb.body?.providers as string[];
      assert.ok(Array.isArray(providers) && providers.length <= 16, `providers list (at most 16); body ${show(cb.bodyText)}`);
      if (providers.length < 16) {
        assert.ok(providers.includes(fxp.name) && providers.includes(isoFxp.name), `both FXPs of the pair are listed; got ${show(providers)}`);
      }
      assert.ok(!providers.includes(requester.name), 'a requester (FX endpoints, one currency, no POST /fxTransfers endpoint) is no FXP');
      assert.ok(!providers.includes(other.name), `an FXP without ${ctx.opts.foreignCurrency} is not listed`);
      since = requester.mark();
      expectStatus(
        await requester.send({ method: 'GET', path: '/services/FXP', version: '2.0', resource: 'services', destination: ctx.hubName }),
        202,
        'GET /services/FXP',
      );
      cb = await waitAnswer(ctx, requester, '/services/FXP', { since, from: ctx.hubName, successOnly: true });
      const all = cb.body?.providers as string[];
      assert.ok(Array.isArray(all) && all.length >= 1 && !all.includes(requester.name), `every FXP; got ${show(cb.bodyText)}`);
      if (all.length < 16) assert.ok(all.includes(other.name), `GET /services/FXP lists ${other.name} too; got ${show(all)}`);
    },
  },
  {
    name: 'fx-quotes: GET /services/FXP/{S}/{T} for a pair no FXP converts → PUT .../error 3204 from the hub',
    run: async (ctx) => {
      const { requester } = await fxParties(ctx);
      const pair = `/services/FXP/${ctx.opts.foreignCurrency}/XXX`;
      const since = requester.mark();
      expectStatus(await requester.send({ method: 'GET', path: pair, version: '2.0', resource: 'services', destination: ctx.hubName }), 202, `GET ${pair}`);
      const cb = await waitAnswer(ctx, requester, pair, { since, from: ctx.hubName, errorOnly: true });
      expectErrorCallback(cb, '3204', 'no FXP for the pair');
      assertHubMessage(cb, {
        hubName: ctx.hubName,
        destination: requester.name,
        method: 'PUT',
        uri: `${pair}/error`,
        resource: 'services',
        callbackVersion: '2.0',
      });
    },
  },
  {
    name: 'fx-quotes: an FXP that is not a participant → 3201 to the requester',
    run: async (ctx) => {
      const { requester } = await fxParties(ctx);
      const body = fxRequest(ctx, requester.name, 'nosuchfxp');
      expectStatus(await postFxQuote(requester, 'nosuchfxp', body), 202, 'POST /fxQuotes');
      await expectHubFxError(ctx, requester, body.conversionRequestId, '3201', 'unknown FXP');
    },
  },
  {
    name: 'fx-quotes: an FXP without the target currency → 3201; counterPartyFsp other than FSPIOP-Destination → 3100; nothing forwarded',
    run: async (ctx) => {
      const { requester, fxp } = await fxParties(ctx);
      const other = await ctx.once('fxp-other-pair', () => newFxp(ctx, { target: 'XDR', rate: '0.7', prefix: 'fxpo' }));
      const sinceO = other.sim.mark();
      const missing = fxRequest(ctx, requester.name, other.name);
      expectStatus(await postFxQuote(requester, other.name, missing), 202, 'POST /fxQuotes');
      await expectHubFxError(ctx, requester, missing.conversionRequestId, '3201', `${other.name} has no ${ctx.opts.foreignCurrency} account`);
      const misrouted = fxRequest(ctx, requester.name, fxp.name);
      expectStatus(await postFxQuote(requester, other.name, misrouted), 202, 'POST /fxQuotes to another FXP than counterPartyFsp');
      await expectHubFxError(ctx, requester, misrouted.conversionRequestId, '3100', 'counterPartyFsp is not FSPIOP-Destination');
      ctx.assertNone(other.sim, (r) => r.method === 'POST' && r.path === '/fxQuotes', 'a refused conversion request', sinceO);
    },
  },
  {
    name: 'fx-quotes: FX resources are FSPIOP v2.0 only — version 1.1 → 406/3001 naming 2.0',
    run: async (ctx) => {
      const { requester, fxp } = await fxParties(ctx);
      const res = await postFxQuote(requester, fxp.name, fxRequest(ctx, requester.name, fxp.name), { version: '1.1' });
      expectSyncError(res, 406, '3001');
      const ext = (res.body as any)?.errorInformation?.extensionList?.extension as Array<{ key: string; value: string }>;
      assert.deepEqual(ext, [{ key: '2', value: '0' }], `406 names version 2.0 only; body ${show(res.rawBody)}`);
    },
  },
  {
    name: 'fx-quotes: the same request again is sent to the FXP again (its same answer forwarded); another body with the id → 3106 with originalHash',
    run: async (ctx) => {
      const { requester, fxp } = await fxParties(ctx);
      const body = fxRequest(ctx, requester.name, fxp.name);
      const id = body.conversionRequestId;
      let since = requester.mark();
      expectStatus(await postFxQuote(requester, fxp.name, body), 202, 'POST /fxQuotes');
      const first = await waitFxAnswer(ctx, requester, id, { since, successOnly: true });
      since = requester.mark();
      const sinceF = fxp.sim.mark();
      expectStatus(await postFxQuote(requester, fxp.name, body), 202, 'the same POST /fxQuotes again');
      await fxp.sim.waitFor(isFxPostFor(id, 'fspiop/2.0'), ctx.T, { since: sinceF, label: 'the resend at the FXP' });
      const again = await waitFxAnswer(ctx, requester, id, { since, successOnly: true });
      assert.equal(again.bodyText, first.bodyText, "the FXP's same answer is forwarded again");
      since = requester.mark();
      const changed = structuredClone(body);
      changed.conversionTerms.sourceAmount.amount = '101';
      expectStatus(await postFxQuote(requester, fxp.name, changed), 202, 'POST /fxQuotes, same id, another amount');
      const cb = await expectHubFxError(ctx, requester, id, '3106', 'modified FX quote request', { since });
      const hash = extensionValue(cb.body?.errorInformation, 'originalHash');
      assert.ok(hash !== undefined && hash.length > 0, `3106 carries extension originalHash; body ${show(cb.bodyText)}`);
    },
  },
  {
    name: 'fx-quotes: amounts are never rounded — a source amount with more decimals than its currency → 3100; SEND with a target amount too → 3100',
    run: async (ctx) => {
      const { requester, fxp } = await fxParties(ctx);
      const sinceF = fxp.sim.mark();
      const precise = fxRequest(ctx, requester.name, fxp.name, { source: { currency: ctx.currency, amount: '10.123' } });
      expectStatus(await postFxQuote(requester, fxp.name, precise), 202, 'POST /fxQuotes 10.123');
      const cb = await expectHubFxError(ctx, requester, precise.conversionRequestId, '3100', 'too many decimals');
      assert.match(String(cb.body?.errorInformation?.errorDescription), /decimal/, `says why; ${show(cb.bodyText)}`);
      const both = fxRequest(ctx, requester.name, fxp.name, { target: { currency: ctx.opts.foreignCurrency, amount: '90' } });
      expectStatus(await postFxQuote(requester, fxp.name, both), 202, 'POST /fxQuotes SEND with both amounts');
      await expectHubFxError(ctx, requester, both.conversionRequestId, '3100', 'SEND fixes the source amount only');
      ctx.assertNone(
        fxp.sim,
        (r) => r.method === 'POST' && (r.body?.conversionRequestId === precise.conversionRequestId || r.body?.conversionRequestId === both.conversionRequestId),
        'refused requests',
        sinceF,
      );
    },
  },
  {
    name: 'fx-quotes: an FXP answer that changes the fixed source amount → 3100 to the FXP (saying so) and to the requester, not forwarded',
    run: (ctx) =>
      refusedAnswer(
        ctx,
        (t) => {
          t.sourceAmount.amount = '99';
        },
        /may not change the terms/,
        'changed source amount',
      ),
  },
  {
    name: 'fx-quotes: an FXP answer whose target amount has more decimals than its currency → 3100, never rounded',
    run: (ctx) =>
      refusedAnswer(
        ctx,
        (t) => {
          t.targetAmount.amount = '90.001';
        },
        /decimal/,
        'target amount too precise',
      ),
  },
  {
    name: 'fx-quotes: an FXP answer with charges larger than the target amount → 3100',
    run: (ctx) =>
      refusedAnswer(
        ctx,
        (t) => {
          t.charges = [{ chargeType: 'conversion fee', targetAmount: { currency: t.targetAmount.currency, amount: '1000' } }];
        },
        /charges/,
        'charges over the amount',
      ),
  },
  {
    name: 'fx-quotes: a FSPIOP v2.0 FSP asks an ISO 20022 JSON FXP — pacs.091 rendered for the FXP, its pacs.092 rendered back as FSPIOP',
    run: async (ctx) => {
      const { requester, isoFxp } = await fxParties(ctx);
      await crossDialect(ctx, requester, isoFxp, false);
    },
  },
  {
    name: 'fx-quotes: an ISO 20022 JSON FSP asks a FSPIOP v2.0 FXP — FSPIOP rendered for the FXP, its PUT rendered back as pacs.092',
    run: async (ctx) => {
      const { isoRequester, fxp } = await fxParties(ctx);
      await crossDialect(ctx, isoRequester, fxp, true);
    },
  },
  {
    name: "fx-quotes: an FSPIOP FXP's charges have no element in pacs.092 — not dropped: 3100 naming them to the FXP and to the ISO 20022 JSON requester",
    run: async (ctx) => {
      const { isoRequester, fxp } = await fxParties(ctx);
      const body = fxRequest(ctx, isoRequester.name, fxp.name);
      const id = body.conversionRequestId;
      fxp.setBehaviour(id, { kind: 'answer', charges: [{ chargeType: 'conversion fee', targetAmount: '1' }] });
      const sinceR = isoRequester.mark();
      const sinceF = fxp.sim.mark();
      expectStatus(await postFxQuote(isoRequester, fxp.name, body, { iso: true }), 202, 'POST /fxQuotes (pacs.091)');
      const toFxp = await expectHubFxError(ctx, fxp.sim, id, '3100', 'charges the requester cannot be given (to the FXP)', { since: sinceF });
      assert.match(wholeErrorText(toFxp.body), /conversionTerms\.charges/, `names the charges; ${show(toFxp.bodyText)}`);
      await expectHubFxError(ctx, isoRequester, id, '3100', 'charges it cannot be given (to the requester)', { since: sinceR, iso: true });
      assert.equal(isoRequester.find((r) => r.path === `/fxQuotes/${id}`, sinceR).length, 0, 'no terms without their charges reach the requester');
    },
  },
  {
    name: 'fx-quotes: ISO 20022 JSON on both sides — the pacs.091 and pacs.092 are forwarded byte for byte',
    run: async (ctx) => {
      const { isoRequester, isoFxp } = await fxParties(ctx);
      const body = fxRequest(ctx, isoRequester.name, isoFxp.name);
      const id = body.conversionRequestId;
      const sinceF = isoFxp.sim.mark();
      const sinceR = isoRequester.mark();
      const res = await postFxQuote(isoRequester, isoFxp.name, body, { iso: true });
      expectStatus(res, 202, 'POST /fxQuotes (pacs.091)');
      const fwd = await isoFxp.sim.waitFor(isFxPostFor(id, 'iso20022-json/2.0'), ctx.T, { since: sinceF, label: 'pacs.091 at the FXP' });
      assertForwarded(fwd, res.request);
      const { cb, terms } = await answered(ctx, isoRequester, isoFxp, id, sinceR);
      assert.equal(cb.headers['fspiop-source'], isoFxp.name, 'forwarded, not authored');
      assert.deepEqual(terms.targetAmount, isoFxp.termsFor(body.conversionTerms).targetAmount, "the FXP's target amount");
    },
  },
  {
    name: 'fx-quotes: GET /fxQuotes/{ID} is forwarded to the FXP; asked by a participant that is not a party → 3000',
    run: async (ctx) => {
      const { requester, fxp } = await fxParties(ctx);
      const body = fxRequest(ctx, requester.name, fxp.name);
      const id = body.conversionRequestId;
      let since = requester.mark();
      expectStatus(await postFxQuote(requester, fxp.name, body), 202, 'POST /fxQuotes');
      await waitFxAnswer(ctx, requester, id, { since, successOnly: true });
      const sinceF = fxp.sim.mark();
      const res: FspiopResponse = await requester.send({ method: 'GET', path: `/fxQuotes/${id}`, version: '2.0', destination: fxp.name });
      expectStatus(res, 202, 'GET /fxQuotes/{ID}');
      const get = await fxp.sim.waitFor((r) => r.method === 'GET' && r.path === `/fxQuotes/${id}`, ctx.T, { since: sinceF, label: 'GET at the FXP' });
      assert.equal(get.headers['fspiop-source'], requester.name, 'GET forwarded with the requester as FSPIOP-Source');
      const outsider = await ctx.observer();
      since = outsider.mark();
      await registerOutsiderFx(ctx, outsider);
      expectStatus(await outsider.send({ method: 'GET', path: `/fxQuotes/${id}`, version: '2.0', destination: fxp.name }), 202, 'GET by an outsider');
      await expectHubFxError(ctx, outsider, id, '3000', 'not a party to the FX quote', { since });
    },
  },
];

/** The observer takes FX callbacks too (it is asked nothing else). */
function registerOutsiderFx(ctx: SuiteContext, sim: DfspSimulator): Promise<void> {
  return ctx.once(`fx-endpoints-${sim.name}`, () => ctx.admin.setEndpoint(sim.name, 'FSPIOP_CALLBACK_URL_FX_QUOTES', sim.baseUrl));
}
