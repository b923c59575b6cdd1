// Request to pay (/transactionRequests, /authorizations), written from fspiop.md §5, §7, §8, §13, errors.md and
// docs/r2p.md: the hub routes by FSPIOP-Destination, refuses unknown and inactive participants, keeps the minimum of
// each request, refuses modified duplicates, and links the request to the quote and transfer that pay it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { assertForwarded, expectStatus, expectSyncError, extensionValue } from '../lib/checks.js';
import type { SuiteContext } from '../lib/context.js';
import type { DfspSimulator } from '../lib/dfsp.js';
import {
  agreedQuote,
  expectErrorCallback,
  expectSuccessCallback,
  expectVersion,
  newQuoteRequest,
  sendQuoteRequest,
  transferFromQuote,
  waitAnswer,
  waitQuoteAnswer,
} from '../lib/flows.js';
import {
  adminTransactionRequest,
  authorizationQuery,
  expectHubR2pError,
  getAuthorization,
  isTransactionRequestPostFor,
  newTransactionRequest,
  putAuthorization,
  putTransactionRequest,
  sendTransactionRequest,
  waitTransactionRequestAnswer,
  waitTransactionRequestAt,
} from '../lib/r2p.js';
import type { Scenario } from '../lib/scenario.js';
import { show } from '../lib/util.js';
import { bankScenarios } from './request-to-pay-banks.js';

const VERSIONS = ['1.1', '2.0'] as const;

/** A payee (merchant) and a payer FSP that both speak `version`, shared by the scenarios of that version. */
function pair(ctx: SuiteContext, version: string): Promise<{ payer: DfspSimulator; payee: DfspSimulator }> {
  return ctx.once(`r2p-pair-${version}`, () => ctx.newPair({ payerVersion: version, payeeVersion: version }));
}

/** A request from `payee` to `payer`, accepted by the hub (202) and forwarded to the payer. */
async function requestReachesPayer(ctx: SuiteContext, payee: DfspSimulator, payer: DfspSimulator, extra: { expiresInMs?: number } = {}) {
  const body = newTransactionRequest({ payee, payer, currency: ctx.currency, expiresInMs: extra.expiresInMs ?? 60_000 });
  const id = String(body.transactionRequestId);
  const since = payer.mark();
  expectStatus(await sendTransactionRequest(payee, payer.name, body), 202, `POST /transactionRequests ${id}`);
  const forwarded = await waitTransactionRequestAt(ctx, payer, id, { since });
  return { body, id, forwarded };
}

/** The payer's PUT, forwarded to the payee byte for byte. */
async function payerAnswers(ctx: SuiteContext, payer: DfspSimulator, payee: DfspSimulator, id: string, body: object, error = false) {
  const since = payee.mark();
  const put = await putTransactionRequest(payer, payee.name, id, body, { error });
  expectStatus(put, 200, `PUT /transactionRequests/${id}${error ? '/error' : ''} by the payer`);
  const cb = await waitTransactionRequestAnswer(ctx, payee, id, { since, from: payer.name });
  assertForwarded(cb, put.request);
  return cb;
}

function forwardBothWays(version: string): Scenario {
  return {
    name: `r2p: v${version} — POST /transactionRequests is forwarded byte for byte to the payer, the payer's PUT to the payee; the hub records the state`,
    run: async (ctx) => {
      const { payer, payee } = await pair(ctx, version);
      const body = newTransactionRequest({ payee, payer, currency: ctx.currency, expiresInMs: 60_000, note: 'Invoice 42', authenticationType: 'OTP' });
      const id = String(body.transactionRequestId);
      const since = payer.mark();
      const res = await sendTransactionRequest(payee, payer.name, JSON.stringify(body, null, 2));
      expectStatus(res, 202, 'POST /transactionRequests');
      assert.equal(res.rawBody, '', `202 to POST /transactionRequests must have no body, got ${show(res.rawBody)}`);
      const forwarded = await waitTransactionRequestAt(ctx, payer, id, { since });
      assertForwarded(forwarded, res.request);
      expectVersion(forwarded, version, 'forwarded POST /transactionRequests');
      const received = await adminTransactionRequest(ctx, id);
      assert.deepEqual(
        { state: received.state, payee: received.payee, payer: received.payer, amount: received.amount },
        { state: 'RECEIVED', payee: payee.name, payer: payer.name, amount: { amount: '12.5', currency: ctx.currency } },
        `the hub's record of ${id} before the payer answers: ${show(received)}`,
      );
      await payerAnswers(ctx, payer, payee, id, { transactionRequestState: 'PENDING' });
      const transactionId = randomUUID();
      const cb = await payerAnswers(ctx, payer, payee, id, { transactionId, transactionRequestState: 'ACCEPTED' });
      expectSuccessCallback(cb, `answer to transaction request ${id}`);
      const answered = await adminTransactionRequest(ctx, id);
      assert.equal(answered.state, 'ACCEPTED', `state after the payer accepted: ${show(answered)}`);
      assert.equal(answered.transactionId, transactionId, `the payer's transaction id is recorded: ${show(answered)}`);
    },
  };
}

function authorizationsBothWays(version: string): Scenario {
  return {
    name: `r2p: v${version} — GET /authorizations/{ID} with its query is forwarded to the payee, PUT /authorizations/{ID} and its /error to the payer`,
    run: async (ctx) => {
      const { payer, payee } = await pair(ctx, version);
      const { id } = await requestReachesPayer(ctx, payee, payer);
      const since = payee.mark();
      const query = authorizationQuery(ctx.currency, { amount: '12.5' });
      const res = await getAuthorization(payer, payee.name, id, query);
      expectStatus(res, 202, `GET /authorizations/${id}`);
      const get = await payee.waitFor((r) => r.method === 'GET' && r.path.split('?')[0] === `/authorizations/${id}`, ctx.T, {
        since,
        label: `forwarded GET /authorizations/${id}`,
      });
      assert.deepEqual(
        Object.fromEntries(new URLSearchParams(get.path.split('?')[1] ?? '')),
        Object.fromEntries(new URLSearchParams(query)),
        `the query reaches the payee: ${get.path}`,
      );
      assert.equal(get.headers['fspiop-source'], payer.name, 'forwarded GET /authorizations: FSPIOP-Source = payer');
      const sinceA = payer.mark();
      const answer = { authenticationInfo: { authentication: 'OTP', authenticationValue: '123456' }, responseType: 'ENTERED' };
      const put = await putAuthorization(payee, payer.name, id, answer);
      expectStatus(put, 200, `PUT /authorizations/${id}`);
      const cb = await waitAnswer(ctx, payer, `/authorizations/${id}`, { since: sinceA, from: payee.name, successOnly: true });
      assertForwarded(cb, put.request);
      const error = { errorInformation: { errorCode: '5300', errorDescription: 'Payee permission error' } };
      const sinceE = payer.mark();
      const putError = await putAuthorization(payee, payer.name, id, error, { error: true });
      expectStatus(putError, 200, `PUT /authorizations/${id}/error`);
      const cbError = await waitAnswer(ctx, payer, `/authorizations/${id}`, { since: sinceE, from: payee.name, errorOnly: true });
      expectErrorCallback(cbError, '5300', 'authorization error forwarded');
      assertForwarded(cbError, putError.request);
    },
  };
}

function getIsForwarded(version: string): Scenario {
  return {
    name: `r2p: v${version} — GET /transactionRequests/{ID} is forwarded to the payer, whose answer reaches the payee`,
    run: async (ctx) => {
      const { payer, payee } = await pair(ctx, version);
      const { id } = await requestReachesPayer(ctx, payee, payer);
      const since = payer.mark();
      const res = await payee.send({ method: 'GET', path: `/transactionRequests/${id}`, destination: payer.name });
      expectStatus(res, 202, `GET /transactionRequests/${id}`);
      const get = await payer.waitFor((r) => r.method === 'GET' && r.path === `/transactionRequests/${id}`, ctx.T, { since, label: `forwarded GET ${id}` });
      assertForwarded(get, res.request);
      const cb = await payerAnswers(ctx, payer, payee, id, { transactionRequestState: 'RECEIVED' });
      expectSuccessCallback(cb, `answer to GET /transactionRequests/${id}`);
    },
  };
}

const perVersion: Scenario[] = VERSIONS.flatMap((v) => [forwardBothWays(v), authorizationsBothWays(v), getIsForwarded(v)]);

export const requestToPayScenarios: Scenario[] = [
  ...perVersion,
  {
    name: 'r2p: the payer rejects with PUT /transactionRequests/{ID}/error 4101 → forwarded to the payee; the request is REJECTED with the code',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const { id } = await requestReachesPayer(ctx, payee, payer);
      const cb = await payerAnswers(
        ctx,
        payer,
        payee,
        id,
        { errorInformation: { errorCode: '4101', errorDescription: 'Payer rejected transaction request' } },
        true,
      );
      expectErrorCallback(cb, '4101', 'payer error forwarded');
      const record = await adminTransactionRequest(ctx, id);
      assert.deepEqual({ state: record.state, errorCode: record.errorCode }, { state: 'REJECTED', errorCode: '4101' }, show(record));
    },
  },
  {
    name: 'r2p: a request to a payer that is not a participant, or is inactive → 3201 to the payee',
    run: async (ctx) => {
      const { payee } = await ctx.shared();
      const ghost = `ghost${randomUUID().slice(0, 8)}`;
      const toGhost = newTransactionRequest({ payee, payer: ghost, currency: ctx.currency });
      expectStatus(await sendTransactionRequest(payee, ghost, toGhost), 202, 'POST /transactionRequests to an unknown payer');
      await expectHubR2pError(ctx, payee, 'transactionRequests', String(toGhost.transactionRequestId), '3201', `payer ${ghost} unknown`);
      const inactive = await ctx.once('r2p-inactive', async () => {
        const d = await ctx.newDfsp({ prefix: 'ina' });
        await ctx.admin.setParticipantActive(d.name, false);
        return d;
      });
      const toInactive = newTransactionRequest({ payee, payer: inactive, currency: ctx.currency });
      const id = String(toInactive.transactionRequestId);
      expectStatus(await sendTransactionRequest(payee, inactive.name, toInactive), 202, 'POST /transactionRequests to an inactive payer');
      await expectHubR2pError(ctx, payee, 'transactionRequests', id, '3201', `payer ${inactive.name} inactive`);
      ctx.assertNone(inactive, isTransactionRequestPostFor(id), 'a request while inactive');
      assert.equal((await adminTransactionRequest(ctx, id)).state, 'REJECTED', 'a refused request is REJECTED');
    },
  },
  {
    name: 'r2p: a payer without a FSPIOP_CALLBACK_URL_TRX_REQ_SERVICE endpoint → 3201 to the payee; unreachable → 1001',
    run: async (ctx) => {
      const { payee } = await ctx.shared();
      const silent = await ctx.once('r2p-no-endpoints', () => ctx.newDfsp({ prefix: 'nep', endpoints: false }));
      const body = newTransactionRequest({ payee, payer: silent, currency: ctx.currency });
      expectStatus(await sendTransactionRequest(payee, silent.name, body), 202, 'POST /transactionRequests to a payer without endpoints');
      await expectHubR2pError(ctx, payee, 'transactionRequests', String(body.transactionRequestId), '3201', 'no endpoint', {
        description: /FSPIOP_CALLBACK_URL_TRX_REQ_SERVICE/,
      });
      const down = await ctx.once('r2p-unreachable', async () => ctx.newDfsp({ prefix: 'dwn', callbackBase: await ctx.closedPortUrl() }));
      const toDown = newTransactionRequest({ payee, payer: down, currency: ctx.currency });
      expectStatus(await sendTransactionRequest(payee, down.name, toDown), 202, 'POST /transactionRequests to an unreachable payer');
      await expectHubR2pError(ctx, payee, 'transactionRequests', String(toDown.transactionRequestId), '1001', 'payer unreachable');
    },
  },
  {
    name: 'r2p: the same POST /transactionRequests again is sent to the payer again; the same id with another body → 3106 with originalHash, not forwarded',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const body = newTransactionRequest({ payee, payer, currency: ctx.currency });
      const id = String(body.transactionRequestId);
      const raw = JSON.stringify(body);
      const since = payer.mark();
      expectStatus(await sendTransactionRequest(payee, payer.name, raw), 202, 'POST /transactionRequests');
      const again = await sendTransactionRequest(payee, payer.name, raw);
      expectStatus(again, 202, 'the same POST /transactionRequests again');
      const both = await payer.waitForCount(isTransactionRequestPostFor(id), 2, ctx.T, { since, label: `POST /transactionRequests ${id}` });
      assertForwarded(both[1]!, again.request);
      const sinceE = payee.mark();
      expectStatus(await sendTransactionRequest(payee, payer.name, { ...body, amount: { amount: '99', currency: ctx.currency } }), 202, 'modified request');
      const cb = await expectHubR2pError(ctx, payee, 'transactionRequests', id, '3106', 'modified transaction request', { since: sinceE });
      const hash = extensionValue(cb.body?.errorInformation, 'originalHash');
      assert.ok(hash !== undefined && hash.length > 0, `3106 must carry extension originalHash; body ${show(cb.bodyText)}`);
      assert.equal(payer.find(isTransactionRequestPostFor(id), since).length, 2, 'the modified request must not be forwarded');
    },
  },
  {
    name: 'r2p: answers from another participant than the payer → 3100, to an unknown request → 3206; a state cannot go back; another answer after the final one → 3106',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const intruder = await ctx.observer();
      const { id } = await requestReachesPayer(ctx, payee, payer);
      const sinceI = intruder.mark();
      expectStatus(await putTransactionRequest(intruder, payee.name, id, { transactionRequestState: 'ACCEPTED' }), 200, 'PUT by a non-payer');
      await expectHubR2pError(ctx, intruder, 'transactionRequests', id, '3100', 'answer from a non-payer', { since: sinceI });
      const unknown = randomUUID();
      expectStatus(await putTransactionRequest(payer, payee.name, unknown, { transactionRequestState: 'ACCEPTED' }), 200, 'PUT for an unknown request');
      await expectHubR2pError(ctx, payer, 'transactionRequests', unknown, '3206', 'answer to an unknown request');
      await payerAnswers(ctx, payer, payee, id, { transactionRequestState: 'PENDING' });
      let since = payer.mark();
      expectStatus(await putTransactionRequest(payer, payee.name, id, { transactionRequestState: 'RECEIVED' }), 200, 'PUT going back');
      await expectHubR2pError(ctx, payer, 'transactionRequests', id, '3100', 'state going back', { since });
      const final = { transactionId: randomUUID(), transactionRequestState: 'ACCEPTED' };
      await payerAnswers(ctx, payer, payee, id, final);
      await payerAnswers(ctx, payer, payee, id, final); // the same final answer again: sent again
      since = payer.mark();
      expectStatus(await putTransactionRequest(payer, payee.name, id, { transactionRequestState: 'REJECTED' }), 200, 'another answer after the final one');
      const cb = await expectHubR2pError(ctx, payer, 'transactionRequests', id, '3106', 'answer after the final one', { since });
      assert.ok(extensionValue(cb.body?.errorInformation, 'originalHash'), `3106 carries originalHash: ${show(cb.bodyText)}`);
      assert.equal((await adminTransactionRequest(ctx, id)).state, 'ACCEPTED', 'the final state stands');
    },
  },
  {
    name: 'r2p: a request already expired → 3301 to the payee, not forwarded',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const body = newTransactionRequest({ payee, payer, currency: ctx.currency, expiresInMs: -5_000 });
      const id = String(body.transactionRequestId);
      const since = payer.mark();
      expectStatus(await sendTransactionRequest(payee, payer.name, body), 202, 'POST /transactionRequests already expired');
      await expectHubR2pError(ctx, payee, 'transactionRequests', id, '3301', 'expired request');
      ctx.assertNone(payer, isTransactionRequestPostFor(id), 'an expired request', since);
    },
  },
  {
    name: 'r2p: GET /authorizations/{ID} query errors are answered at once: missing 3102, malformed 3101, authenticationType outside the enumeration 3100',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const id = randomUUID();
      const good = { authenticationType: 'OTP', retriesLeft: '1', amount: '5', currency: ctx.currency };
      const ask = (q: Record<string, string>) => getAuthorization(payer, payee.name, id, new URLSearchParams(q).toString());
      for (const name of Object.keys(good)) {
        const { [name]: _missing, ...rest } = good as Record<string, string>;
        expectSyncError(await ask(rest), 400, '3102', { description: new RegExp(name) });
      }
      expectSyncError(await ask({ ...good, retriesLeft: 'x' }), 400, '3101');
      expectSyncError(await ask({ ...good, amount: '5.123456' }), 400, '3101');
      expectSyncError(await ask({ ...good, currency: 'usd' }), 400, '3101');
      expectSyncError(await ask({ ...good, authenticationType: 'PASSWORD' }), 400, '3100', { description: /authenticationType/ });
      const since = payer.mark();
      expectStatus(await ask(good), 202, 'a well-formed GET /authorizations for an unknown request');
      await expectHubR2pError(ctx, payer, 'authorizations', id, '3206', 'authorization of an unknown request', { since });
    },
  },
  {
    name: 'r2p: authorization messages from the wrong participant → 3100 to the sender, not forwarded',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const intruder = await ctx.observer();
      const { id } = await requestReachesPayer(ctx, payee, payer);
      const since = intruder.mark();
      const sinceP = payee.mark();
      expectStatus(await getAuthorization(intruder, payee.name, id, authorizationQuery(ctx.currency)), 202, 'GET /authorizations by a non-payer');
      await expectHubR2pError(ctx, intruder, 'authorizations', id, '3100', 'authorization asked by a non-payer', { since });
      ctx.assertNone(payee, (r) => r.path.startsWith(`/authorizations/${id}`), 'an authorization asked by a non-payer', sinceP);
      const sinceI = intruder.mark();
      expectStatus(await putAuthorization(intruder, payer.name, id, { responseType: 'ENTERED' }), 200, 'PUT /authorizations by a non-payee');
      await expectHubR2pError(ctx, intruder, 'authorizations', id, '3100', 'authorization answered by a non-payee', { since: sinceI });
    },
  },
  {
    name: 'r2p: header and version errors — version 3.0 → 406/3001, no Accept → 3102, no FSPIOP-Destination → 3102, unknown FSPIOP-Source → 3200',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const body = newTransactionRequest({ payee, payer, currency: ctx.currency });
      const ct = 'application/vnd.interoperability.transactionRequests+json;version=3.0';
      expectSyncError(await sendTransactionRequest(payee, payer.name, body, { headers: { 'content-type': ct } }), 406, '3001');
      const acceptFive = { accept: 'application/vnd.interoperability.authorizations+json;version=5' };
      expectSyncError(await getAuthorization(payer, payee.name, randomUUID(), authorizationQuery(ctx.currency), { headers: acceptFive }), 406, '3001');
      expectSyncError(await sendTransactionRequest(payee, payer.name, body, { headers: { accept: null } }), 400, '3102', { description: /Accept/ });
      expectSyncError(await sendTransactionRequest(payee, undefined, body), 400, '3102');
      const ghost = await ctx.newName('ghost'); // secured runs need a certificate naming it
      const res = await ctx.send({ method: 'POST', path: '/transactionRequests', version: '1.1', source: ghost, destination: payer.name, body });
      expectSyncError(res, 400, '3200');
      ctx.assertNone(payer, isTransactionRequestPostFor(String(body.transactionRequestId)), 'a refused request');
    },
  },
  {
    name: 'r2p: a payer registered for ISO 20022 JSON gets the request in FSPIOP and answers in FSPIOP, under either media type',
    run: async (ctx) => {
      const payee = await ctx.newDfsp({ prefix: 'mer', version: '2.0', dialect: 'fspiop/2.0' });
      const payer = await ctx.newDfsp({ prefix: 'iso', version: '2.0', dialect: 'iso20022-json/2.0' });
      const { id, forwarded } = await requestReachesPayer(ctx, payee, payer);
      assert.equal(forwarded.headers['content-type'], 'application/vnd.interoperability.transactionRequests+json;version=2.0', 'plain FSPIOP to the ISO payer');
      const since = payee.mark();
      const body = JSON.stringify({ transactionId: randomUUID(), transactionRequestState: 'ACCEPTED' });
      const isoMedia = { 'content-type': 'application/vnd.interoperability.iso20022.transactionRequests+json;version=2.0' };
      expectStatus(await putTransactionRequest(payer, payee.name, id, body, { headers: isoMedia }), 200, 'PUT with the ISO media type and an FSPIOP body');
      const cb = await waitTransactionRequestAnswer(ctx, payee, id, { since, from: payer.name });
      assert.equal(cb.bodyText, body, 'the payer’s bytes reach the payee');
      assert.equal(cb.headers['content-type'], 'application/vnd.interoperability.transactionRequests+json;version=2.0', 'under the plain media type');
      const unknown = randomUUID();
      expectStatus(await putTransactionRequest(payer, payee.name, unknown, { transactionRequestState: 'ACCEPTED' }), 200, 'PUT for an unknown request');
      await expectHubR2pError(ctx, payer, 'transactionRequests', unknown, '3206', 'hub error to an ISO 20022 JSON participant, in FSPIOP');
    },
  },
  ...bankScenarios(),
  {
    name: 'r2p: request → quote naming it → transfer: the Admin API shows the request with the quote and the committed transfer that paid it',
    run: async (ctx) => {
      const { payer, payee } = await ctx.newPair({ payerVersion: '1.1', payeeVersion: '1.1' });
      const { id, body } = await requestReachesPayer(ctx, payee, payer);
      const transactionId = randomUUID();
      await payerAnswers(ctx, payer, payee, id, { transactionId, transactionRequestState: 'ACCEPTED' });
      const quote = newQuoteRequest({
        payer,
        payee,
        payeeParty: { type: 'BUSINESS', id: 'merchant-1' },
        amount: '12.5',
        currency: ctx.currency,
        transactionId,
      });
      quote.transactionRequestId = id;
      quote.transactionType = body.transactionType;
      const quoteId = String(quote.quoteId);
      const sinceQ = payer.mark();
      expectStatus(await sendQuoteRequest(payer, payee.name, quote), 202, 'POST /quotes naming the transaction request');
      const q = agreedQuote(quote, await waitQuoteAnswer(ctx, payer, quoteId, { since: sinceQ, from: payee.name }));
      const transfer = transferFromQuote(payer, payee, q, { transferId: transactionId });
      const sinceT = payer.mark();
      expectStatus(await ctx.sendPrepare(transfer, { version: payer.version }), 202, `POST /transfers ${transactionId}`);
      expectSuccessCallback(await waitAnswer(ctx, payer, `/transfers/${transactionId}`, { since: sinceT }), `transfer ${transactionId}`);
      const view = await adminTransactionRequest(ctx, id);
      assert.equal(view.state, 'ACCEPTED', show(view));
      assert.equal(view.transactionId, transactionId, show(view));
      assert.equal(view.quotes?.length, 1, `one quote named the request: ${show(view)}`);
      const [linked] = view.quotes;
      assert.deepEqual(
        { quoteId: linked.quoteId, state: linked.state, transactionId: linked.transactionId },
        { quoteId, state: 'ANSWERED', transactionId },
        show(view),
      );
      assert.deepEqual(
        { transferId: linked.transfer?.transferId, state: linked.transfer?.state, amount: linked.transfer?.amount },
        { transferId: transactionId, state: 'COMMITTED', amount: '12.5' },
        `the transfer that paid the request: ${show(view)}`,
      );
      const unknown = await ctx.admin.call('GET', `/transactionRequests/${randomUUID()}`);
      assert.equal(unknown.status, 400, `an unknown request: ${unknown.status} ${show(unknown.rawBody)}`);
      assert.equal(unknown.body?.errorInformation?.errorCode, '3206', show(unknown.rawBody));
    },
  },
];
