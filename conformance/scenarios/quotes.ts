// Agreement (/quotes), written from fspiop.md §5, §7, §8, §13, security.md §2.2 and docs/discovery.md "Quotes".
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { assertForwarded, expectStatus, expectSyncError, extensionValue } from '../lib/checks.js';
import type { SuiteContext } from '../lib/context.js';
import type { DfspSimulator, RecordedRequest } from '../lib/dfsp.js';
import {
  agreedQuote,
  expectErrorCallback,
  expectFromHub,
  expectSuccessCallback,
  newQuoteRequest,
  payeeQuoteAnswer,
  sendQuoteRequest,
  waitQuoteAnswer,
  waitQuoteRequestAt,
  type PartyRef,
} from '../lib/flows.js';
import { decodeIlpPacket, quoteIlp, toMinorUnits, type QuoteRequestLike } from '../lib/ilp.js';
import type { Scenario } from '../lib/scenario.js';
import { randomName, show } from '../lib/util.js';

const msisdn = (ctx: SuiteContext): PartyRef => ({ type: 'MSISDN', id: ctx.newPartyId() });

/** A participant holding the suite currency and the foreign one (no funds needed: quotes move no money). */
export function biCurrencyDfsp(ctx: SuiteContext): Promise<DfspSimulator> {
  return ctx.once('bi-currency-dfsp', async () => {
    const d = await ctx.newDfsp({ prefix: 'bic' });
    await ctx.addCurrency(d, ctx.opts.foreignCurrency);
    return d;
  });
}

/** A quote request from the shared payer to the shared payee. */
async function sharedQuote(ctx: SuiteContext, o: { amount?: string; expiresInMs?: number } = {}) {
  const { payer, payee } = await ctx.shared();
  const body = newQuoteRequest({
    payer,
    payee,
    payeeParty: msisdn(ctx),
    amount: o.amount ?? '10',
    currency: ctx.currency,
    expiresInMs: o.expiresInMs ?? 60_000,
  });
  return { payer, payee, body, quoteId: String(body.quoteId) };
}

const isQuotePostFor = (quoteId: string) => (r: RecordedRequest) => r.method === 'POST' && r.path.split('?')[0] === '/quotes' && r.body?.quoteId === quoteId;

/** Expect a hub error callback `PUT /quotes/{ID}/error` with `code` at `sim`. */
async function expectHubQuoteError(
  ctx: SuiteContext,
  sim: DfspSimulator,
  quoteId: string,
  code: string,
  what: string,
  o: { since?: number; timeoutMs?: number } = {},
): Promise<RecordedRequest> {
  const cb = await waitQuoteAnswer(ctx, sim, quoteId, {
    since: o.since,
    from: ctx.hubName,
    timeoutMs: o.timeoutMs,
    label: `PUT /quotes/${quoteId}/error ${code} from ${ctx.hubName} (${what})`,
  });
  expectErrorCallback(cb, code, what);
  expectFromHub(ctx, cb, sim);
  return cb;
}

/** A well-formed quote response body for `request`, as some payee with its own secret would build it. */
function quoteResponse(request: Record<string, unknown>, o: { expiresInMs?: number } = {}): Record<string, unknown> {
  const amount = request.amount as { amount: string; currency: string };
  const expiration = new Date(Date.now() + (o.expiresInMs ?? 60_000)).toISOString();
  const ilp = quoteIlp(randomName('secret', 16), request as QuoteRequestLike, { transferAmount: amount, expiration });
  return { transferAmount: { ...amount }, expiration, ilpPacket: ilp.ilpPacket, condition: ilp.condition };
}

function putQuote(from: DfspSimulator, to: string, quoteId: string, body: object, error = false, version?: string) {
  const path = `/quotes/${quoteId}${error ? '/error' : ''}`;
  return from.send({ method: 'PUT', path, version, destination: to, body, headers: { 'fspiop-uri': path, 'fspiop-http-method': 'PUT' } });
}

export const quoteScenarios: Scenario[] = [
  {
    name: 'quotes: happy path — POST /quotes forwarded byte for byte to the payee, its PUT forwarded byte for byte to the payer; the ILP packet matches the quote',
    run: async (ctx) => {
      const { payer, payee, body, quoteId } = await sharedQuote(ctx, { amount: '25.5' });
      const trace = randomUUID();
      const sinceP = payee.mark();
      const sinceA = payer.mark();
      const res = await ctx.send({
        method: 'POST',
        path: '/quotes',
        version: payer.version,
        source: payer.name,
        destination: payee.name,
        body: JSON.stringify(body, null, 2),
        headers: { 'x-conformance-trace': trace },
        sign: true,
      });
      expectStatus(res, 202, 'POST /quotes');
      assert.equal(res.rawBody, '', `202 to POST /quotes must have no body, got ${show(res.rawBody)}`);
      const fwd = await waitQuoteRequestAt(ctx, payee, quoteId, { since: sinceP });
      assertForwarded(fwd, res.request, { extraHeaders: ['x-conformance-trace'] });

      const answer = await payeeQuoteAnswer(ctx, payee, quoteId);
      expectStatus(answer, 200, `payee PUT /quotes/${quoteId}`);
      const cb = await waitQuoteAnswer(ctx, payer, quoteId, { since: sinceA });
      expectSuccessCallback(cb, `quote ${quoteId}`);
      assertForwarded(cb, answer.request);
      assert.equal(cb.headers['fspiop-source'], payee.name, 'forwarded PUT /quotes: FSPIOP-Source = payee');
      assert.equal(cb.headers['fspiop-destination'], payer.name, 'forwarded PUT /quotes: FSPIOP-Destination = payer');

      const q = agreedQuote(body, cb);
      assert.deepEqual(q.transferAmount, { amount: '25.5', currency: ctx.currency }, 'transferAmount');
      const packet = decodeIlpPacket(q.ilpPacket);
      assert.equal(packet.condition, q.condition, 'the packet executionCondition equals the quote condition');
      assert.equal(packet.amount, toMinorUnits('25.5', ctx.currency), 'packet amount in minor units');
      assert.equal(packet.expiresAt.toISOString(), new Date(q.expiration).toISOString(), 'packet expiresAt = quote expiration');
      const tx = packet.transaction as any;
      assert.equal(tx?.quoteId, quoteId, `packet transaction quoteId; ${show(tx)}`);
      assert.equal(tx?.transactionId, body.transactionId, `packet transaction transactionId; ${show(tx)}`);
    },
  },
  {
    name: 'quotes: payee does not hold the currency → 3201 to the payer, nothing forwarded',
    run: async (ctx) => {
      const { payee } = await ctx.shared();
      const payer = await biCurrencyDfsp(ctx);
      const body = newQuoteRequest({ payer, payee, payeeParty: msisdn(ctx), amount: '5', currency: ctx.opts.foreignCurrency });
      const quoteId = String(body.quoteId);
      expectStatus(await sendQuoteRequest(payer, payee.name, body), 202, `POST /quotes in ${ctx.opts.foreignCurrency}`);
      await expectHubQuoteError(ctx, payer, quoteId, '3201', `payee ${payee.name} has no ${ctx.opts.foreignCurrency} account`);
      ctx.assertNone(payee, isQuotePostFor(quoteId), 'a quote in a currency it does not hold');
    },
  },
  {
    name: 'quotes: payer does not hold the currency → 3202 to the payer, nothing forwarded',
    run: async (ctx) => {
      const { payer } = await ctx.shared();
      const payee = await biCurrencyDfsp(ctx);
      const body = newQuoteRequest({ payer, payee, payeeParty: msisdn(ctx), amount: '5', currency: ctx.opts.foreignCurrency });
      const quoteId = String(body.quoteId);
      expectStatus(await sendQuoteRequest(payer, payee.name, body), 202, `POST /quotes in ${ctx.opts.foreignCurrency}`);
      await expectHubQuoteError(ctx, payer, quoteId, '3202', `payer ${payer.name} has no ${ctx.opts.foreignCurrency} account`);
      ctx.assertNone(payee, isQuotePostFor(quoteId), 'a quote from a payer without the currency');
    },
  },
  {
    name: 'quotes: FSPIOP-Destination is not a participant → 3201 to the payer',
    run: async (ctx) => {
      const { payer } = await ctx.shared();
      const ghost = `ghost${randomUUID().slice(0, 8)}`;
      const body = newQuoteRequest({ payer, payee: ghost, payeeParty: msisdn(ctx), amount: '5', currency: ctx.currency });
      expectStatus(await sendQuoteRequest(payer, ghost, body), 202, 'POST /quotes to an unknown destination');
      await expectHubQuoteError(ctx, payer, String(body.quoteId), '3201', `destination ${ghost} unknown`);
    },
  },
  {
    name: 'quotes: request already expired → 3302 to the payer, nothing forwarded',
    run: async (ctx) => {
      const { payer, payee, body, quoteId } = await sharedQuote(ctx, { expiresInMs: -5_000 });
      expectStatus(await sendQuoteRequest(payer, payee.name, body), 202, 'POST /quotes with a past expiration');
      await expectHubQuoteError(ctx, payer, quoteId, '3302', 'quote request already expired');
      ctx.assertNone(payee, isQuotePostFor(quoteId), 'an expired quote request');
    },
  },
  {
    name: 'quotes: the payee answers with an already expired quote → 3302 to payer and payee',
    run: async (ctx) => {
      const { payer, payee, body, quoteId } = await sharedQuote(ctx);
      payee.setQuoteBehaviour(quoteId, { kind: 'expired' });
      expectStatus(await sendQuoteRequest(payer, payee.name, body), 202, 'POST /quotes');
      const answer = await payeeQuoteAnswer(ctx, payee, quoteId);
      expectStatus(answer, 200, `payee PUT /quotes/${quoteId} with a past expiration`);
      await expectHubQuoteError(ctx, payer, quoteId, '3302', 'payee answered with an expired quote (payer)');
      await expectHubQuoteError(ctx, payee, quoteId, '3302', 'payee answered with an expired quote (payee)');
      ctx.assertNone(payer, (r) => r.method === 'PUT' && r.path === `/quotes/${quoteId}`, 'the expired quote response');
    },
  },
  {
    name: 'quotes: the payee answers error 5101 → forwarded to the payer byte for byte',
    run: async (ctx) => {
      const { payer, payee, body, quoteId } = await sharedQuote(ctx);
      payee.setQuoteBehaviour(quoteId, { kind: 'error', errorCode: '5101', errorDescription: 'Payee rejected quote' });
      expectStatus(await sendQuoteRequest(payer, payee.name, body), 202, 'POST /quotes');
      const answer = await payeeQuoteAnswer(ctx, payee, quoteId);
      expectStatus(answer, 200, `payee PUT /quotes/${quoteId}/error`);
      const cb = await waitQuoteAnswer(ctx, payer, quoteId, { from: payee.name });
      expectErrorCallback(cb, '5101', 'payee quote error forwarded');
      assertForwarded(cb, answer.request);
    },
  },
  {
    name: 'quotes: duplicate POST /quotes with the same body → forwarded again',
    run: async (ctx) => {
      const { payer, payee, body, quoteId } = await sharedQuote(ctx);
      const raw = JSON.stringify(body);
      const since = payee.mark();
      expectStatus(await sendQuoteRequest(payer, payee.name, raw), 202, 'POST /quotes');
      await waitQuoteAnswer(ctx, payer, quoteId, { from: payee.name, successOnly: true });
      const again = await sendQuoteRequest(payer, payee.name, raw);
      expectStatus(again, 202, 'the same POST /quotes again');
      const both = await payee.waitForCount(isQuotePostFor(quoteId), 2, ctx.T, { since, label: `POST /quotes ${quoteId}` });
      assertForwarded(both[1]!, again.request);
      ctx.assertNone(
        payer,
        (r) => r.path === `/quotes/${quoteId}/error` && r.headers['fspiop-source'] === ctx.hubName,
        'an error for a resent identical quote request',
      );
    },
  },
  {
    name: 'quotes: duplicate quoteId with a different body → 3106 to the payer with extension originalHash, not forwarded',
    run: async (ctx) => {
      const { payer, payee, body, quoteId } = await sharedQuote(ctx);
      payee.setQuoteBehaviour(quoteId, { kind: 'silent' });
      const since = payee.mark();
      expectStatus(await sendQuoteRequest(payer, payee.name, body), 202, 'POST /quotes');
      await waitQuoteRequestAt(ctx, payee, quoteId, { since });
      const changed = { ...body, amount: { amount: '11', currency: ctx.currency } };
      expectStatus(await sendQuoteRequest(payer, payee.name, changed), 202, 'POST /quotes with the same quoteId and another amount');
      const cb = await expectHubQuoteError(ctx, payer, quoteId, '3106', 'modified quote request');
      const hash = extensionValue(cb.body?.errorInformation, 'originalHash');
      assert.ok(hash !== undefined && hash.length > 0, `3106 must carry extension originalHash; body ${show(cb.bodyText)}`);
      assert.equal(payee.find(isQuotePostFor(quoteId), since).length, 1, 'the modified request must not be forwarded');
    },
  },
  {
    name: 'quotes: PUT /quotes/{ID} from a participant that is not the payee → 3100 to the sender only; the payee can still answer',
    run: async (ctx) => {
      const { payer, payee, body, quoteId } = await sharedQuote(ctx);
      const intruder = await ctx.observer();
      payee.setQuoteBehaviour(quoteId, { kind: 'silent' });
      const since = payee.mark();
      expectStatus(await sendQuoteRequest(payer, payee.name, body), 202, 'POST /quotes');
      await waitQuoteRequestAt(ctx, payee, quoteId, { since });
      const sinceI = intruder.mark();
      const res = await putQuote(intruder, payer.name, quoteId, quoteResponse(body));
      expectStatus(res, 200, `PUT /quotes/${quoteId} by ${intruder.name} (sync)`);
      await expectHubQuoteError(ctx, intruder, quoteId, '3100', 'quote response from a non-payee', { since: sinceI });
      // the real payee answers afterwards and is forwarded
      const ok = await putQuote(payee, payer.name, quoteId, quoteResponse(body));
      expectStatus(ok, 200, `PUT /quotes/${quoteId} by the payee`);
      const cb = await waitQuoteAnswer(ctx, payer, quoteId, { from: payee.name });
      expectSuccessCallback(cb, 'the real payee answer after an intruder');
      assertForwarded(cb, ok.request);
      ctx.assertNone(payer, (r) => r.path.startsWith(`/quotes/${quoteId}`) && r.headers['fspiop-source'] === intruder.name, "the intruder's quote response");
      ctx.assertNone(payer, (r) => r.path === `/quotes/${quoteId}/error` && r.headers['fspiop-source'] === ctx.hubName, 'an error caused by the intruder');
    },
  },
  {
    name: 'quotes: PUT /quotes/{ID} for an unknown quote → 3205 to the sender',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const body = newQuoteRequest({ payer, payee, payeeParty: msisdn(ctx), amount: '3', currency: ctx.currency });
      const quoteId = String(body.quoteId);
      const since = payee.mark();
      const res = await putQuote(payee, payer.name, quoteId, quoteResponse(body));
      expectStatus(res, 200, `PUT /quotes/${quoteId} (unknown quote)`);
      await expectHubQuoteError(ctx, payee, quoteId, '3205', 'response to an unknown quote', { since });
      ctx.assertNone(payer, (r) => r.path.startsWith(`/quotes/${quoteId}`), 'a response to an unknown quote');
    },
  },
  {
    name: 'quotes: a different second answer from the payee → 3106 to the payee, not forwarded',
    run: async (ctx) => {
      const { payer, payee, body, quoteId } = await sharedQuote(ctx);
      expectStatus(await sendQuoteRequest(payer, payee.name, body), 202, 'POST /quotes');
      await waitQuoteAnswer(ctx, payer, quoteId, { from: payee.name, successOnly: true });
      const since = payee.mark();
      const sinceA = payer.mark();
      const res = await putQuote(payee, payer.name, quoteId, quoteResponse(body, { expiresInMs: 120_000 }));
      expectStatus(res, 200, `second, different PUT /quotes/${quoteId}`);
      await expectHubQuoteError(ctx, payee, quoteId, '3106', 'a different answer to the same quote', { since });
      assert.equal(
        payer.find((r) => r.path === `/quotes/${quoteId}` && r.headers['fspiop-source'] === payee.name, sinceA).length,
        0,
        'the different answer must not be forwarded',
      );
    },
  },
  {
    name: 'quotes: PUT /quotes/{ID}/error with an invalid error code → sync 400/3100',
    run: async (ctx) => {
      const { payer, payee, body, quoteId } = await sharedQuote(ctx);
      payee.setQuoteBehaviour(quoteId, { kind: 'silent' });
      const since = payee.mark();
      expectStatus(await sendQuoteRequest(payer, payee.name, body), 202, 'POST /quotes');
      await waitQuoteRequestAt(ctx, payee, quoteId, { since });
      const res = await putQuote(payee, payer.name, quoteId, { errorInformation: { errorCode: '9999', errorDescription: 'not a real code' } }, true);
      expectSyncError(res, 400, '3100', { standardPrefix: false });
    },
  },
  {
    name: 'quotes: GET /quotes/{ID} is forwarded to the payee',
    run: async (ctx) => {
      const { payer, payee, body, quoteId } = await sharedQuote(ctx);
      expectStatus(await sendQuoteRequest(payer, payee.name, body), 202, 'POST /quotes');
      await waitQuoteAnswer(ctx, payer, quoteId, { from: payee.name, successOnly: true });
      const since = payee.mark();
      const res = await payer.send({ method: 'GET', path: `/quotes/${quoteId}`, destination: payee.name });
      expectStatus(res, 202, `GET /quotes/${quoteId}`);
      const fwd = await payee.waitFor((r) => r.method === 'GET' && r.path.split('?')[0] === `/quotes/${quoteId}`, ctx.T, {
        since,
        label: `forwarded GET /quotes/${quoteId}`,
        context: (r) => r.path.startsWith('/quotes'),
      });
      assertForwarded(fwd, res.request);
    },
  },
];
