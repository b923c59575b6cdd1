// The three-phase P2P golden path — discovery, agreement, transfer — between simulated DFSPs that speak FSPIOP
// v1.1 or v2.0, and the ways it stops early. From fspiop.md §2, §5, §9, §11, §13, security.md §2 and
// docs/discovery.md, docs/transfers.md.
import assert from 'node:assert/strict';
import { assertForwarded, expectStatus } from '../lib/checks.js';
import type { SuiteContext } from '../lib/context.js';
import { addDecimal, subDecimal } from '../lib/decimal.js';
import type { DfspSimulator, QuoteBehaviour, RecordedRequest } from '../lib/dfsp.js';
import {
  agreedQuote,
  describeParty,
  discoverParty,
  expectErrorCallback,
  expectFromHub,
  expectSuccessCallback,
  expectVersion,
  newQuoteRequest,
  payeePartyAnswer,
  payeeQuoteAnswer,
  registerPartyOk,
  requestQuote,
  transferWithQuote,
  waitPartiesGet,
  waitQuoteAnswer,
  waitQuoteRequestAt,
  type PartyRef,
} from '../lib/flows.js';
import { conditionFromFulfilment } from '../lib/ilp.js';
import type { Scenario } from '../lib/scenario.js';
import { show } from '../lib/util.js';

const msisdn = (ctx: SuiteContext): PartyRef => ({ type: 'MSISDN', id: ctx.newPartyId() });

/** The payee holds `p` and registers it with the ALS (in its own version). */
async function onboardPayeeParty(ctx: SuiteContext, payee: DfspSimulator, o: { quote?: QuoteBehaviour } = {}): Promise<PartyRef> {
  const p = msisdn(ctx);
  payee.addParty({ partyIdType: p.type, partyIdentifier: p.id, firstName: 'Mary', lastName: 'Jones', quote: o.quote });
  const { res } = await registerPartyOk(ctx, payee, p);
  assert.match(
    res.request.headers['content-type'] ?? '',
    new RegExp(`version=${payee.version.replace('.', '\\.')}$`),
    'the registration is sent in the payee version',
  );
  return p;
}

/** Phase 1: GET /parties → the payee's PUT /parties at the payer. Returns the payee FSP named in the answer. */
async function discover(ctx: SuiteContext, payer: DfspSimulator, payee: DfspSimulator, p: PartyRef): Promise<string> {
  const since = payee.mark();
  const { res, cb } = await discoverParty(ctx, payer, p);
  expectSuccessCallback(cb, `discovery of ${describeParty(p)}`);
  const get = await waitPartiesGet(ctx, payee, p, { since });
  assertForwarded(get, res.request);
  expectVersion(get, payer.version, 'GET /parties forwarded to the payee');
  const answer = await payeePartyAnswer(ctx, payee, p);
  expectStatus(answer, 200, `payee PUT /parties/${describeParty(p)}`);
  assertForwarded(cb, answer.request);
  expectVersion(cb, payee.version, 'PUT /parties forwarded to the payer');
  const fspId = cb.body?.party?.partyIdInfo?.fspId;
  assert.equal(fspId, payee.name, `discovered party fspId; body ${show(cb.bodyText)}`);
  return fspId;
}

/** Phase 2: POST /quotes to the discovered FSP; returns the request and the PUT /quotes[/error] at the payer. */
async function agree(
  ctx: SuiteContext,
  payer: DfspSimulator,
  payee: DfspSimulator,
  payeeFsp: string,
  payeeParty: PartyRef,
  amount: string,
  o: { timeoutMs?: number } = {},
): Promise<{ request: Record<string, unknown>; cb: RecordedRequest; quoteId: string }> {
  const request = newQuoteRequest({ payer, payee: payeeFsp, payerParty: msisdn(ctx), payeeParty, amount, currency: ctx.currency, expiresInMs: 60_000 });
  const { res, cb, quoteId } = await requestQuote(ctx, payer, payeeFsp, request, { timeoutMs: o.timeoutMs });
  if (cb.headers['fspiop-source'] === payee.name) {
    const fwd = await waitQuoteRequestAt(ctx, payee, quoteId);
    assertForwarded(fwd, res.request);
    expectVersion(fwd, payer.version, 'POST /quotes forwarded to the payee');
    const answer = await payeeQuoteAnswer(ctx, payee, quoteId);
    expectStatus(answer, 200, `payee PUT /quotes/${quoteId}`);
    assertForwarded(cb, answer.request);
    expectVersion(cb, payee.version, 'PUT /quotes forwarded to the payer');
  }
  return { request, cb, quoteId };
}

/** Discover → agree → transfer → COMMITTED between a payer and a payee speaking the given versions. */
async function goldenPath(ctx: SuiteContext, payerVersion: string, payeeVersion: string): Promise<void> {
  const { payer, payee } = await ctx.newPair({ payerVersion, payeeVersion });
  const amount = '12.34';
  const payeeParty = await onboardPayeeParty(ctx, payee);

  const payeeFsp = await discover(ctx, payer, payee, payeeParty);
  const { request, cb } = await agree(ctx, payer, payee, payeeFsp, payeeParty, amount);
  const q = agreedQuote(request, cb);
  assert.deepEqual(q.transferAmount, { amount, currency: ctx.currency }, 'quoted transferAmount');

  const payerBefore = await ctx.position(payer);
  const payeeBefore = await ctx.position(payee);
  // the payer never learns the fulfilment: the payee re-derives it from the packet (security.md §2.3)
  const {
    res,
    cb: put,
    transfer: t,
  } = await transferWithQuote(ctx, payer, payeeFsp, q).catch((err: Error) => {
    // a payee that could not fulfil says why (e.g. the packet did not match the transfer)
    if (payee.problems.length) err.message += `\n  payee ${payee.name} problems: ${payee.problems.join('; ')}`;
    throw err;
  });
  expectSuccessCallback(put, `transfer ${t.transferId}`);
  assert.equal(put.headers['fspiop-source'], payee.name, `the fulfil must be the payee's, forwarded; ${show(put.headers)}`);
  const prep = await payee.waitFor((r) => r.method === 'POST' && r.path === '/transfers' && r.body?.transferId === t.transferId, ctx.T, {
    label: `forwarded POST /transfers for ${t.transferId}`,
    context: (r) => r.path.startsWith('/transfers'),
  });
  assertForwarded(prep, res.request);
  expectVersion(prep, payerVersion, 'POST /transfers forwarded to the payee');

  const out = await payee.waitForOutbound((o) => o.transferId === t.transferId, ctx.T, `payee fulfil of ${t.transferId}`);
  assert.ok(out.response, `payee fulfil could not be sent: ${out.error}`);
  expectStatus(out.response, 200, 'payee PUT /transfers/{id} (COMMITTED)');
  assertForwarded(put, out.response.request);
  expectVersion(put, payeeVersion, 'PUT /transfers forwarded to the payer');
  assert.equal(put.body?.transferState, 'COMMITTED', `fulfil forwarded to the payer: transferState; body ${show(put.bodyText)}`);
  assert.equal(conditionFromFulfilment(String(put.body?.fulfilment)), q.condition, 'the fulfilment the payee derived matches the quote condition');

  const conf = await ctx.expectHubCallback(payee, t.transferId, { type: 'put', label: 'commit confirmation PUT from the hub to the payee' });
  assert.equal(conf.body?.transferState, 'COMMITTED', `confirmation to the payee; body ${show(conf.bodyText)}`);

  await ctx.expectPosition(payer, addDecimal(payerBefore, amount), 'payer position after the golden path');
  await ctx.expectPosition(payee, subDecimal(payeeBefore, amount), 'payee position after the golden path');
}

const MIXES: Array<[string, string]> = [
  ['1.1', '1.1'],
  ['1.1', '2.0'],
  ['2.0', '1.1'],
  ['2.0', '2.0'],
];

export const goldenPathScenarios: Scenario[] = [
  ...MIXES.map(([payerV, payeeV]): Scenario => ({
    name: `golden path: discover → quote → transfer → COMMITTED, payer v${payerV} / payee v${payeeV}; forwards keep the sender's version; exact positions`,
    run: (ctx) => goldenPath(ctx, payerV, payeeV),
  })),
  {
    name: 'golden path: unknown party — stops at discovery with 3204 from the hub',
    run: async (ctx) => {
      const { payer } = await ctx.shared();
      const p = msisdn(ctx);
      const { cb } = await discoverParty(ctx, payer, p);
      expectErrorCallback(cb, '3204', `discovery of unknown ${describeParty(p)}`);
      expectFromHub(ctx, cb, payer);
    },
  },
  {
    name: 'golden path: payee FSP down at quote time → 1001 to the payer',
    run: async (ctx) => {
      const { payer, payee } = await ctx.newPair();
      const p = await onboardPayeeParty(ctx, payee);
      const payeeFsp = await discover(ctx, payer, payee, p);
      await payee.stop(); // its registered endpoints now refuse connections
      const { cb, quoteId } = await agree(ctx, payer, payee, payeeFsp, p, '5', { timeoutMs: 2 * ctx.T });
      expectErrorCallback(cb, '1001', `quote ${quoteId} to ${payee.name}, which is down`);
      expectFromHub(ctx, cb, payer);
    },
  },
  {
    name: 'golden path: the payee quotes an already expired quote → 3302 to payer and payee; no transfer',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const p = await onboardPayeeParty(ctx, payee, { quote: { kind: 'expired' } });
      const payeeFsp = await discover(ctx, payer, payee, p);
      const { cb, quoteId } = await agree(ctx, payer, payee, payeeFsp, p, '5');
      expectErrorCallback(cb, '3302', `expired quote ${quoteId}`);
      expectFromHub(ctx, cb, payer);
      const atPayee = await waitQuoteAnswer(ctx, payee, quoteId, { from: ctx.hubName, errorOnly: true, label: `3302 for quote ${quoteId} at the payee` });
      expectErrorCallback(atPayee, '3302', `expired quote ${quoteId} (payee)`);
    },
  },
  {
    name: 'golden path: the payee rejects the quote (5101) → forwarded to the payer; no transfer',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const p = await onboardPayeeParty(ctx, payee, { quote: { kind: 'error', errorCode: '5101', errorDescription: 'Payee rejected quote' } });
      const payeeFsp = await discover(ctx, payer, payee, p);
      const { cb, quoteId } = await agree(ctx, payer, payee, payeeFsp, p, '5');
      expectErrorCallback(cb, '5101', `rejected quote ${quoteId}`);
      assert.equal(cb.headers['fspiop-source'], payee.name, `the 5101 must be the payee's own error, forwarded; headers ${show(cb.headers)}`);
    },
  },
];
