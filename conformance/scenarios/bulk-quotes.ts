// Bulk agreement (/bulkQuotes), written from fspiop.md §5, §7, §8, §13, errors.md (3209), admin.md §1.3
// (FSPIOP_CALLBACK_URL_BULK_QUOTES) and docs/bulk.md "Bulk quotes". Every scenario runs in FSPIOP v1.1 and v2.0.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ulid } from 'ulidx';
import { assertForwarded, expectStatus, extensionValue } from '../lib/checks.js';
import type { SuiteContext } from '../lib/context.js';
import type { DfspSimulator, RecordedRequest } from '../lib/dfsp.js';
import { expectErrorCallback, expectFromHub, expectSuccessCallback, transferFromQuote, waitAnswer, type AgreedQuote } from '../lib/flows.js';
import type { FspiopResponse } from '../lib/http.js';
import { conditionFromFulfilment, decodeIlpPacket, quoteIlp, toMinorUnits, type QuoteRequestLike } from '../lib/ilp.js';
import type { Scenario } from '../lib/scenario.js';
import { randomName, show } from '../lib/util.js';

type Version = '1.1' | '2.0';
type Body = Record<string, any>;

const FSPIOP_ISO_BULK = 'application/vnd.interoperability.iso20022.bulkQuotes+json;version=2.0';

/** A payer and a payee speaking `version`, registered with the matching FSPIOP dialect; shared by the scenarios. */
function pair(ctx: SuiteContext, version: Version): Promise<{ payer: DfspSimulator; payee: DfspSimulator }> {
  return ctx.once(`bulk-quote-pair-${version}`, async () => {
    const dialect = version === '2.0' ? 'fspiop/2.0' : 'fspiop/1.1';
    const [payer, payee] = await Promise.all([ctx.newDfsp({ prefix: 'bqp', version, dialect }), ctx.newDfsp({ prefix: 'bqe', version, dialect })]);
    return { payer, payee };
  });
}

/** A POST /bulkQuotes body of `lines` individual quotes, each to its own MSISDN at `payee`. */
function newBulkQuote(
  ctx: SuiteContext,
  o: { payer: string; payee: string; lines?: number; amount?: (i: number) => string; currency?: (i: number) => string; expiresInMs?: number; ulids?: boolean },
): Body {
  const id = () => (o.ulids ? ulid() : randomUUID());
  const individualQuotes = Array.from({ length: o.lines ?? 3 }, (_, i) => ({
    quoteId: id(),
    transactionId: id(),
    payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: ctx.newPartyId(), fspId: o.payee } },
    amountType: 'SEND',
    amount: { amount: o.amount?.(i) ?? `${i + 1}.5`, currency: o.currency?.(i) ?? ctx.currency },
    transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'BUSINESS' },
    note: `line ${i}`,
  }));
  return {
    bulkQuoteId: id(),
    payer: { partyIdInfo: { partyIdType: 'BUSINESS', partyIdentifier: 'payroll-1', fspId: o.payer }, name: 'Acme Payroll' },
    expiration: new Date(Date.now() + (o.expiresInMs ?? 60_000)).toISOString(),
    individualQuotes,
  };
}

function postBulk(payer: DfspSimulator, destination: string, body: Body | string, headers?: Record<string, string>): Promise<FspiopResponse> {
  return payer.send({ method: 'POST', path: '/bulkQuotes', destination, body, headers });
}

function putBulk(from: DfspSimulator, to: string, id: string, body: Body, error = false): Promise<FspiopResponse> {
  const path = `/bulkQuotes/${id}${error ? '/error' : ''}`;
  return from.send({ method: 'PUT', path, destination: to, body, headers: { 'fspiop-uri': path, 'fspiop-http-method': 'PUT' } });
}

const isBulkPost = (id: string) => (r: RecordedRequest) => r.method === 'POST' && r.path.split('?')[0] === '/bulkQuotes' && r.body?.bulkQuoteId === id;

function waitBulkAt(ctx: SuiteContext, payee: DfspSimulator, id: string, since?: number): Promise<RecordedRequest> {
  return payee.waitFor(isBulkPost(id), ctx.T, { since, label: `forwarded POST /bulkQuotes ${id}`, context: (r) => r.path.startsWith('/bulkQuotes') });
}

function waitBulkAnswer(
  ctx: SuiteContext,
  sim: DfspSimulator,
  id: string,
  o: { since?: number; from?: string; errorOnly?: boolean; successOnly?: boolean } = {},
) {
  return waitAnswer(ctx, sim, `/bulkQuotes/${id}`, { ...o, label: `PUT /bulkQuotes/${id}${o.errorOnly ? '/error' : ''} at ${sim.name}` });
}

/** A hub error `PUT /bulkQuotes/{ID}/error` with `code` at `sim`, per fspiop.md §14. */
async function expectHubBulkError(ctx: SuiteContext, sim: DfspSimulator, id: string, code: string, what: string, since?: number, description?: RegExp) {
  const cb = await waitBulkAnswer(ctx, sim, id, { since, from: ctx.hubName, errorOnly: true });
  expectErrorCallback(cb, code, what, description ? { description } : {});
  expectFromHub(ctx, cb, sim);
  return cb;
}

/** The payee's answer: terms for every line (an ILP v4 packet over the line's transaction, as for a single quote). */
function payeeTerms(request: Body, o: { expiresInMs?: number; refuse?: number } = {}): Body {
  const expiration = new Date(Date.now() + (o.expiresInMs ?? 60_000)).toISOString();
  const secret = randomName('bulk-secret', 16);
  const individualQuoteResults = (request.individualQuotes as Body[]).map((line, i) => {
    if (i === o.refuse) return { quoteId: line.quoteId, errorInformation: { errorCode: '5101', errorDescription: 'Payee rejected quote' } };
    const single = { ...line, payer: request.payer } as unknown as QuoteRequestLike;
    const ilp = quoteIlp(secret, single, { transferAmount: line.amount, expiration });
    return { quoteId: line.quoteId, transferAmount: { ...line.amount }, ilpPacket: ilp.ilpPacket, condition: ilp.condition };
  });
  return { individualQuoteResults, expiration };
}

/** Payer sends, the request reaches the payee byte for byte; returns what was sent and what arrived. */
async function forwarded(ctx: SuiteContext, payer: DfspSimulator, payee: DfspSimulator, body: Body) {
  const since = payee.mark();
  const res = await postBulk(payer, payee.name, JSON.stringify(body));
  expectStatus(res, 202, `POST /bulkQuotes ${body.bulkQuoteId}`);
  assert.equal(res.rawBody, '', 'a 202 has no body');
  const at = await waitBulkAt(ctx, payee, body.bulkQuoteId, since);
  assertForwarded(at, res.request);
  return { res, at };
}

// ---- scenarios, per version -----------------------------------------------------------------------------------

function versionScenarios(v: Version): Scenario[] {
  const name = (what: string) => `bulk quotes: v${v} — ${what}`;
  return [
    { name: name('POST forwarded byte for byte to the payee, its PUT forwarded byte for byte to the payer'), run: (ctx) => forwardAndAnswer(ctx, v) },
    { name: name('GET /bulkQuotes/{ID} forwarded to the payee'), run: (ctx) => getForwarded(ctx, v) },
    { name: name("the payee's PUT /bulkQuotes/{ID}/error forwarded to the payer"), run: (ctx) => payeeError(ctx, v) },
    {
      name: name('a line in a currency the payee does not hold → the whole bulk refused, 3201 naming individualQuotes[1]'),
      run: (ctx) => badLine(ctx, v, 'currency'),
    },
    { name: name('a line with more decimals than its currency → refused (3100), never rounded'), run: (ctx) => badLine(ctx, v, 'decimals') },
    { name: name('the same quoteId twice in one bulk → 3100 naming the second'), run: (ctx) => badLine(ctx, v, 'repeated') },
    { name: name('1,000 individual quotes forwarded and answered'), run: (ctx) => thousandLines(ctx, v) },
    { name: name('unknown and inactive destinations → 3201'), run: (ctx) => badDestinations(ctx, v) },
    { name: name('a payee without FSPIOP_CALLBACK_URL_BULK_QUOTES → 3201'), run: (ctx) => noEndpoint(ctx, v) },
    { name: name('duplicate with the same body → forwarded again; with another body → 3106 with originalHash'), run: (ctx) => duplicates(ctx, v) },
    { name: name('the payee answers with expired terms → 3302 to payer and payee'), run: (ctx) => expiredAnswer(ctx, v) },
    {
      name: name('answers from a non-payee (3100), for an unknown bulk (3209), a result for a quote not in the bulk (3205)'),
      run: (ctx) => badAnswers(ctx, v),
    },
  ];
}

async function forwardAndAnswer(ctx: SuiteContext, v: Version): Promise<void> {
  const { payer, payee } = await pair(ctx, v);
  const body = newBulkQuote(ctx, { payer: payer.name, payee: payee.name, lines: 3, ulids: v === '2.0' });
  const { at } = await forwarded(ctx, payer, payee, body);
  assert.equal(at.headers['content-type'], `application/vnd.interoperability.bulkQuotes+json;version=${v}`, 'the sender media type is kept');
  const sinceA = payer.mark();
  const answer = await putBulk(payee, payer.name, body.bulkQuoteId, payeeTerms(body, { refuse: 2 }));
  expectStatus(answer, 200, `payee PUT /bulkQuotes/${body.bulkQuoteId}`);
  const cb = await waitBulkAnswer(ctx, payer, body.bulkQuoteId, { since: sinceA });
  expectSuccessCallback(cb, 'bulk quote answer');
  assertForwarded(cb, answer.request);
  const results = cb.body?.individualQuoteResults as Body[];
  assert.equal(results.length, 3, 'three individual results');
  const packet = decodeIlpPacket(results[0]!.ilpPacket);
  assert.equal(packet.condition, results[0]!.condition, 'line 0: the packet carries the condition');
  assert.equal(packet.amount, toMinorUnits('1.5', ctx.currency), 'line 0: packet amount');
  assert.equal(results[2]!.errorInformation?.errorCode, '5101', 'line 2: the payee refused it');
}

async function getForwarded(ctx: SuiteContext, v: Version): Promise<void> {
  const { payer, payee } = await pair(ctx, v);
  const body = newBulkQuote(ctx, { payer: payer.name, payee: payee.name, lines: 2 });
  await forwarded(ctx, payer, payee, body);
  const since = payee.mark();
  const res = await payer.send({ method: 'GET', path: `/bulkQuotes/${body.bulkQuoteId}`, destination: payee.name });
  expectStatus(res, 202, 'GET /bulkQuotes/{ID}');
  const fwd = await payee.waitFor((r) => r.method === 'GET' && r.path === `/bulkQuotes/${body.bulkQuoteId}`, ctx.T, { since, label: 'forwarded GET' });
  assertForwarded(fwd, res.request);
  const intruder = await ctx.observer();
  const sinceI = intruder.mark();
  expectStatus(await intruder.send({ method: 'GET', path: `/bulkQuotes/${body.bulkQuoteId}`, destination: payee.name }), 202, 'GET by a third party');
  await expectHubBulkError(ctx, intruder, body.bulkQuoteId, '3000', 'GET by a participant that is neither payer nor payee', sinceI);
}

async function payeeError(ctx: SuiteContext, v: Version): Promise<void> {
  const { payer, payee } = await pair(ctx, v);
  const body = newBulkQuote(ctx, { payer: payer.name, payee: payee.name, lines: 2 });
  await forwarded(ctx, payer, payee, body);
  const since = payer.mark();
  const err = await putBulk(
    payee,
    payer.name,
    body.bulkQuoteId,
    { errorInformation: { errorCode: '5103', errorDescription: 'Payee FSP rejected quote' } },
    true,
  );
  expectStatus(err, 200, 'PUT /bulkQuotes/{ID}/error');
  const cb = await waitBulkAnswer(ctx, payer, body.bulkQuoteId, { since, errorOnly: true });
  expectErrorCallback(cb, '5103', "the payee's error");
  assertForwarded(cb, err.request);
}

async function badLine(ctx: SuiteContext, v: Version, kind: 'currency' | 'decimals' | 'repeated'): Promise<void> {
  const { payer, payee } = await pair(ctx, v);
  const body = newBulkQuote(ctx, {
    payer: payer.name,
    payee: payee.name,
    lines: 3,
    currency: (i) => (kind === 'currency' && i === 1 ? ctx.opts.foreignCurrency : ctx.currency),
    amount: (i) => (kind === 'decimals' && i === 1 ? (ctx.currency === 'JPY' ? '1.5' : '1.125') : `${i + 1}`),
  });
  if (kind === 'repeated') body.individualQuotes[2].quoteId = body.individualQuotes[0].quoteId;
  if (kind === 'currency') await ctx.once(`bulk-quote-foreign-${payer.name}`, () => ctx.addCurrency(payer, ctx.opts.foreignCurrency));
  const bad = kind === 'repeated' ? 2 : 1;
  const since = payer.mark();
  const sinceP = payee.mark();
  expectStatus(await postBulk(payer, payee.name, body), 202, `POST /bulkQuotes with a bad line (${kind})`);
  const cb = await expectHubBulkError(
    ctx,
    payer,
    body.bulkQuoteId,
    kind === 'currency' ? '3201' : '3100',
    `bad line (${kind})`,
    since,
    new RegExp(`individualQuotes\\[${bad}\\]`),
  );
  assert.equal(extensionValue(cb.body?.errorInformation, 'quoteId'), body.individualQuotes[bad].quoteId, `the bad line's quoteId; ${show(cb.bodyText)}`);
  ctx.assertNone(payee, isBulkPost(body.bulkQuoteId), `a bulk with a bad line (${kind})`, sinceP);
}

async function thousandLines(ctx: SuiteContext, v: Version): Promise<void> {
  const { payer, payee } = await pair(ctx, v);
  const body = newBulkQuote(ctx, { payer: payer.name, payee: payee.name, lines: 1000, amount: (i) => `${(i % 97) + 1}.25` });
  const started = Date.now();
  await forwarded(ctx, payer, payee, body);
  const since = payer.mark();
  const answer = await putBulk(payee, payer.name, body.bulkQuoteId, payeeTerms(body));
  expectStatus(answer, 200, 'PUT /bulkQuotes/{ID} with 1,000 results');
  const cb = await waitBulkAnswer(ctx, payer, body.bulkQuoteId, { since, successOnly: true });
  assertForwarded(cb, answer.request);
  assert.equal(cb.body.individualQuoteResults.length, 1000, '1,000 results');
  assert.ok(Date.now() - started < ctx.T, `a 1,000-line bulk quote took ${Date.now() - started} ms`);
}

async function badDestinations(ctx: SuiteContext, v: Version): Promise<void> {
  const { payer } = await pair(ctx, v);
  const ghost = `ghost${randomUUID().slice(0, 8)}`;
  const a = newBulkQuote(ctx, { payer: payer.name, payee: ghost });
  let since = payer.mark();
  expectStatus(await postBulk(payer, ghost, a), 202, 'POST /bulkQuotes to an unknown participant');
  await expectHubBulkError(ctx, payer, a.bulkQuoteId, '3201', `destination ${ghost} unknown`, since);
  const inactive = await ctx.once('bulk-quote-inactive', async () => {
    const d = await ctx.newDfsp({ prefix: 'ina' });
    await ctx.admin.setParticipantActive(d.name, false);
    return d;
  });
  const b = newBulkQuote(ctx, { payer: payer.name, payee: inactive.name });
  since = payer.mark();
  expectStatus(await postBulk(payer, inactive.name, b), 202, 'POST /bulkQuotes to an inactive participant');
  await expectHubBulkError(ctx, payer, b.bulkQuoteId, '3201', `destination ${inactive.name} inactive`, since);
  ctx.assertNone(inactive, isBulkPost(b.bulkQuoteId), 'a bulk quote to an inactive participant');
}

async function noEndpoint(ctx: SuiteContext, v: Version): Promise<void> {
  const { payer } = await pair(ctx, v);
  const mute = await ctx.once('bulk-quote-no-endpoint', () => ctx.newDfsp({ prefix: 'mut', endpoints: false }));
  const body = newBulkQuote(ctx, { payer: payer.name, payee: mute.name });
  const since = payer.mark();
  expectStatus(await postBulk(payer, mute.name, body), 202, 'POST /bulkQuotes to a participant without endpoints');
  await expectHubBulkError(ctx, payer, body.bulkQuoteId, '3201', 'no bulk quotes endpoint', since, /FSPIOP_CALLBACK_URL_BULK_QUOTES/);
}

async function duplicates(ctx: SuiteContext, v: Version): Promise<void> {
  const { payer, payee } = await pair(ctx, v);
  const body = newBulkQuote(ctx, { payer: payer.name, payee: payee.name, lines: 2 });
  const raw = JSON.stringify(body);
  const since = payee.mark();
  expectStatus(await postBulk(payer, payee.name, raw), 202, 'POST /bulkQuotes');
  const again = await postBulk(payer, payee.name, raw);
  expectStatus(again, 202, 'the same POST /bulkQuotes again');
  const both = await payee.waitForCount(isBulkPost(body.bulkQuoteId), 2, ctx.T, { since, label: 'the bulk quote twice' });
  assertForwarded(both[1]!, again.request);
  const sinceA = payer.mark();
  const changed = { ...body, individualQuotes: body.individualQuotes.map((l: Body) => ({ ...l, amount: { ...l.amount, amount: '77' } })) };
  expectStatus(await postBulk(payer, payee.name, changed), 202, 'the bulkQuoteId again with other amounts');
  const cb = await expectHubBulkError(ctx, payer, body.bulkQuoteId, '3106', 'modified bulk quote', sinceA);
  assert.ok(extensionValue(cb.body?.errorInformation, 'originalHash'), `3106 carries originalHash; ${show(cb.bodyText)}`);
  assert.equal(payee.find(isBulkPost(body.bulkQuoteId), since).length, 2, 'the modified request is not forwarded');
}

async function expiredAnswer(ctx: SuiteContext, v: Version): Promise<void> {
  const { payer, payee } = await pair(ctx, v);
  const body = newBulkQuote(ctx, { payer: payer.name, payee: payee.name, lines: 2 });
  await forwarded(ctx, payer, payee, body);
  const [sinceA, sinceE] = [payer.mark(), payee.mark()];
  expectStatus(await putBulk(payee, payer.name, body.bulkQuoteId, payeeTerms(body, { expiresInMs: -60_000 })), 200, 'expired terms');
  await expectHubBulkError(ctx, payer, body.bulkQuoteId, '3302', 'expired terms (payer)', sinceA);
  await expectHubBulkError(ctx, payee, body.bulkQuoteId, '3302', 'expired terms (payee)', sinceE);
  ctx.assertNone(payer, (r) => r.path === `/bulkQuotes/${body.bulkQuoteId}` && r.headers['fspiop-source'] === payee.name, 'expired terms', sinceA);
}

async function badAnswers(ctx: SuiteContext, v: Version): Promise<void> {
  const { payer, payee } = await pair(ctx, v);
  const body = newBulkQuote(ctx, { payer: payer.name, payee: payee.name, lines: 2 });
  await forwarded(ctx, payer, payee, body);
  const intruder = await ctx.observer();
  let since = intruder.mark();
  expectStatus(await putBulk(intruder, payer.name, body.bulkQuoteId, payeeTerms(body)), 200, 'PUT by a non-payee');
  await expectHubBulkError(ctx, intruder, body.bulkQuoteId, '3100', 'answer from a non-payee', since);
  const unknown = randomUUID();
  since = payee.mark();
  expectStatus(await putBulk(payee, payer.name, unknown, payeeTerms(body)), 200, 'PUT for an unknown bulk quote');
  await expectHubBulkError(ctx, payee, unknown, '3209', 'answer to an unknown bulk quote', since);
  const stray = payeeTerms(body);
  stray.individualQuoteResults[1].quoteId = randomUUID();
  const sinceA = payer.mark();
  since = payee.mark();
  expectStatus(await putBulk(payee, payer.name, body.bulkQuoteId, stray), 200, 'PUT with a result for a quote not in the bulk');
  await expectHubBulkError(ctx, payee, body.bulkQuoteId, '3205', 'a result for a quote not in the bulk', since, /individualQuoteResults\[1\]/);
  await expectHubBulkError(ctx, payer, body.bulkQuoteId, '3205', 'a result for a quote not in the bulk (payer)', sinceA);
}

// ---- across dialects ------------------------------------------------------------------------------------------

/** An ISO 20022 JSON participant pays: plain FSPIOP bodies both ways (no ISO definition of bulk quotes exists). */
async function isoJsonPayer(ctx: SuiteContext): Promise<void> {
  const payer = await ctx.newDfsp({ prefix: 'iso', version: '2.0', dialect: 'iso20022-json/2.0' });
  const { payee } = await pair(ctx, '1.1');
  const body = newBulkQuote(ctx, { payer: payer.name, payee: payee.name, lines: 2, ulids: true });
  const since = payee.mark();
  const res = await postBulk(payer, payee.name, JSON.stringify(body), { 'content-type': FSPIOP_ISO_BULK, accept: FSPIOP_ISO_BULK.replace('2.0', '2') });
  expectStatus(res, 202, 'POST /bulkQuotes under the ISO 20022 media type, FSPIOP body');
  const at = await waitBulkAt(ctx, payee, body.bulkQuoteId, since);
  assert.ok(at.rawBody.equals(res.request.body!), 'the body reaches the payee byte for byte');
  assert.equal(at.headers['content-type'], 'application/vnd.interoperability.bulkQuotes+json;version=2.0', 'labelled as the FSPIOP body it is');
  assert.equal(at.headers['fspiop-source'], payer.name, 'forwarded, not authored by the hub');
  const sinceA = payer.mark();
  const answer = await putBulk(payee, payer.name, body.bulkQuoteId, payeeTerms(body));
  expectStatus(answer, 200, "the payee's answer");
  const cb = await waitBulkAnswer(ctx, payer, body.bulkQuoteId, { since: sinceA, successOnly: true });
  assertForwarded(cb, answer.request);
  const bad = newBulkQuote(ctx, { payer: payer.name, payee: payee.name, currency: (i) => (i === 0 ? ctx.opts.foreignCurrency : ctx.currency) });
  const sinceE = payer.mark();
  expectStatus(await postBulk(payer, payee.name, bad, { 'content-type': FSPIOP_ISO_BULK }), 202, 'a bad line, ISO media type');
  const err = await expectHubBulkError(ctx, payer, bad.bulkQuoteId, '3202', 'payer without the currency of line 0', sinceE, /individualQuotes\[0\]/);
  assert.equal(err.headers['content-type'], 'application/vnd.interoperability.bulkQuotes+json;version=2.0', 'hub errors: plain FSPIOP 2.0');
}

/** A bank payee: banks do not quote, the hub issues each line's terms and holds their fulfilments. */
async function bankPayee(ctx: SuiteContext): Promise<void> {
  const bank = await ctx.newBank({ prefix: 'bqb' });
  const wallet = await ctx.newDfsp({ prefix: 'bqw', version: '2.0', dialect: 'fspiop/2.0' });
  const body = newBulkQuote(ctx, { payer: wallet.name, payee: bank.name, lines: 3, ulids: true, amount: (i) => `${10 + i}.5` });
  const since = wallet.mark();
  expectStatus(await postBulk(wallet, bank.name, body), 202, 'POST /bulkQuotes to a bank');
  const cb = await waitBulkAnswer(ctx, wallet, body.bulkQuoteId, { since, from: ctx.hubName });
  expectSuccessCallback(cb, 'terms the hub issued for the bank');
  expectFromHub(ctx, cb, wallet);
  const results = cb.body.individualQuoteResults as Body[];
  assert.equal(results.length, 3, `one result per line; ${show(cb.bodyText)}`);
  results.forEach((r, i) => {
    const line = body.individualQuotes[i];
    assert.equal(r.quoteId, line.quoteId, `line ${i}: quoteId`);
    assert.deepEqual(r.transferAmount, line.amount, `line ${i}: transferAmount = amount (the hub adds no fee)`);
    const packet = decodeIlpPacket(r.ilpPacket);
    assert.equal(packet.condition, r.condition, `line ${i}: the packet carries the condition`);
    assert.equal((packet.transaction as Body)?.quoteId, line.quoteId, `line ${i}: the packet's transaction is the line's`);
  });
  assert.equal(bank.find(() => true).length, 0, `the bank takes no part in the agreement: ${bank.describe()}`);
  const sinceG = wallet.mark();
  expectStatus(await wallet.send({ method: 'GET', path: `/bulkQuotes/${body.bulkQuoteId}`, destination: bank.name }), 202, 'GET of the bank bulk quote');
  const again = await waitBulkAnswer(ctx, wallet, body.bulkQuoteId, { since: sinceG, from: ctx.hubName, successOnly: true });
  assert.deepEqual(again.body, cb.body, 'the GET is answered with the very same terms');
  await payLineToBank(ctx, wallet, bank.name, body, results[1]!, cb.body.expiration);
}

/** One line's terms used for a transfer to the bank: the bank accepts, the hub fulfils with the fulfilment it holds. */
async function payLineToBank(ctx: SuiteContext, wallet: DfspSimulator, bank: string, body: Body, result: Body, expiration: string): Promise<void> {
  const line = body.individualQuotes[1];
  const q: AgreedQuote = {
    quoteId: line.quoteId,
    transactionId: line.transactionId,
    transferAmount: result.transferAmount,
    expiration,
    ilpPacket: result.ilpPacket,
    condition: result.condition,
  };
  const t = transferFromQuote(wallet, bank, q, { transferId: ulid() });
  expectStatus(await ctx.sendPrepare(t, { version: '2.0' }), 202, `POST /transfers on line 1's terms`);
  const put = await ctx.waitTransferCallback(wallet, t.transferId, { type: 'put', label: `PUT /transfers ${t.transferId}` });
  assert.equal(put.body?.transferState, 'COMMITTED', `the bank accepted: COMMITTED; ${show(put.bodyText)}`);
  assert.equal(conditionFromFulfilment(String(put.body?.fulfilment)), result.condition, "the hub's held fulfilment matches the line's condition");
}

export const bulkQuoteScenarios: Scenario[] = [
  ...versionScenarios('1.1'),
  ...versionScenarios('2.0'),
  { name: 'bulk quotes: an ISO 20022 JSON payer — plain FSPIOP bodies both ways, forwarded; hub errors in FSPIOP 2.0', run: isoJsonPayer },
  {
    name: 'bulk quotes: a bank payee — the hub issues every line’s terms, answers a GET with them, and fulfils a transfer on them when the bank accepts',
    run: bankPayee,
  },
];
