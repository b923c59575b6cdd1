// Payer-side and ALS helpers for discovery (/participants, /parties), agreement (/quotes) and the transfer that
// follows a quote. Written from fspiop.md §5, §7, §11, §13 and docs/discovery.md. Every helper sends as a simulated
// DFSP, in the FSPIOP version that DFSP speaks, and waits for the answer at that DFSP's simulator.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { assertErrorInformation, assertHubMessage, expectStatus, type ErrorExpectation } from './checks.js';
import { nameOf, type SuiteContext, type Transfer } from './context.js';
import { versionOf, type DfspSimulator, type RecordedRequest } from './dfsp.js';
import { imfDate, type FspiopResponse } from './http.js';
import { show } from './util.js';

export interface PartyRef {
  type: string;
  id: string;
  subId?: string;
}

const enc = encodeURIComponent;

/** `/{parties|participants}/{Type}/{ID}[/{SubId}]` */
export function partyPath(resource: 'parties' | 'participants', p: PartyRef): string {
  return `/${resource}/${enc(p.type)}/${enc(p.id)}${p.subId === undefined ? '' : `/${enc(p.subId)}`}`;
}

export function describeParty(p: PartyRef): string {
  return `${p.type}/${p.id}${p.subId === undefined ? '' : `/${p.subId}`}`;
}

/** PartyIdInfo of a party held by `fspId`. */
export function partyIdInfo(p: PartyRef, fspId?: string): Record<string, string> {
  const info: Record<string, string> = { partyIdType: p.type, partyIdentifier: p.id };
  if (p.subId !== undefined) info.partySubIdOrType = p.subId;
  if (fspId !== undefined) info.fspId = fspId;
  return info;
}

export interface Exchange {
  /** The synchronous answer to the request. */
  res: FspiopResponse;
  /** The asynchronous answer (PUT or PUT .../error) received by the requester. */
  cb: RecordedRequest;
}

const isErrorPath = (r: RecordedRequest) => r.path.split('?')[0]!.endsWith('/error');

/**
 * Wait at `sim` for `PUT {path}` or `PUT {path}/error` (after `since`), optionally only from `from`.
 * The paths are compared without query strings.
 */
export function waitAnswer(
  ctx: SuiteContext,
  sim: DfspSimulator,
  path: string,
  o: { since?: number; from?: string; label?: string; timeoutMs?: number; errorOnly?: boolean; successOnly?: boolean } = {},
): Promise<RecordedRequest> {
  const ok = new Set<string>();
  if (!o.errorOnly) ok.add(path);
  if (!o.successOnly) ok.add(`${path}/error`);
  return sim.waitFor(
    (r) => r.method === 'PUT' && ok.has(r.path.split('?')[0]!) && (o.from === undefined || r.headers['fspiop-source'] === o.from),
    o.timeoutMs ?? ctx.T,
    {
      since: o.since,
      label: o.label ?? `PUT ${path}${o.successOnly ? '' : '[/error]'}${o.from ? ` from ${o.from}` : ''}`,
      context: (r) => r.path.startsWith(path.split('/').slice(0, 2).join('/')),
    },
  );
}

/** The callback must be a success PUT (not `/error`). */
export function expectSuccessCallback(cb: RecordedRequest, what: string): void {
  assert.ok(!isErrorPath(cb), `${what}: expected a success PUT ${cb.path.replace(/\/error$/, '')}, got PUT ${cb.path} ${show(cb.bodyText, 600)}`);
}

/** The callback must be a `PUT .../error` carrying `code`. */
export function expectErrorCallback(cb: RecordedRequest, code: string, what: string, exp: ErrorExpectation = {}): void {
  assert.ok(isErrorPath(cb), `${what}: expected PUT .../error with ${code}, got PUT ${cb.path} ${show(cb.bodyText, 600)}`);
  assertErrorInformation(cb.body, code, `${what} (PUT ${cb.path} from ${cb.headers['fspiop-source'] ?? '?'})`, exp);
}

/** The message was authored by the hub per fspiop.md §14 (source = hub, destination = `to`, version, no accept ...). */
export function expectFromHub(ctx: SuiteContext, cb: RecordedRequest, to: DfspSimulator | string): void {
  const resource = cb.path.split('/').filter(Boolean)[0] ?? '';
  assertHubMessage(cb, {
    hubName: ctx.hubName,
    destination: nameOf(to),
    method: 'PUT',
    uri: cb.path.split('?')[0]!,
    resource,
    ...(typeof to === 'string' ? { callbackVersion: ctx.opts.callbackVersion } : ctx.hubFormatFor(to, resource)),
  });
}

/** The Content-Type version of a received message must be `version`. */
export function expectVersion(rec: RecordedRequest, version: string, what: string): void {
  assert.equal(
    versionOf(rec.headers['content-type']),
    version,
    `${what}: content-type version should be ${version} (the sender's), got ${JSON.stringify(rec.headers['content-type'])}`,
  );
}

// ---- ALS: /participants ---------------------------------------------------------------------------------------

export interface AlsOptions {
  /** Content-Type version; default the sender's. */
  version?: string;
  /** FSPIOP-Destination (the ALS requests need none, docs/discovery.md). */
  destination?: string;
  headers?: Record<string, string | null | undefined>;
  /** `?currency=` on GET/DELETE. */
  currency?: string;
  /** Max wait for the callback. */
  timeoutMs?: number;
}

/** Send an ALS request as `from` and wait for the hub's answer at `from`. Expects the sync 202. */
async function alsExchange(
  ctx: SuiteContext,
  from: DfspSimulator,
  method: 'GET' | 'POST' | 'DELETE',
  p: PartyRef,
  body: object | string | undefined,
  o: AlsOptions,
  what: string,
): Promise<Exchange> {
  const path = partyPath('participants', p);
  const since = from.mark();
  const res = await from.send({
    method,
    path: path + (o.currency !== undefined && method !== 'POST' ? `?currency=${enc(o.currency)}` : ''),
    version: o.version,
    destination: o.destination,
    body,
    headers: o.headers,
  });
  expectStatus(res, 202, `${what}: ${method} ${path} by ${from.name}`);
  const cb = await waitAnswer(ctx, from, path, { since, timeoutMs: o.timeoutMs, label: `hub answer to ${what} (${method} ${path})` });
  expectFromHub(ctx, cb, from);
  return { res, cb };
}

/** `POST /participants/{Type}/{ID}[/{SubId}]` `{fspId, currency}` by `owner` (fspId default: itself). */
export function registerParty(
  ctx: SuiteContext,
  owner: DfspSimulator,
  p: PartyRef,
  o: AlsOptions & { fspId?: string; omitCurrency?: boolean } = {},
): Promise<Exchange> {
  const body: Record<string, unknown> = { fspId: o.fspId ?? owner.name };
  if (!o.omitCurrency) body.currency = o.currency ?? ctx.currency;
  return alsExchange(ctx, owner, 'POST', p, body, { ...o, currency: undefined }, `registration of ${describeParty(p)}`);
}

/** Register and require success (a PUT with partyList). */
export async function registerPartyOk(ctx: SuiteContext, owner: DfspSimulator, p: PartyRef, o: AlsOptions = {}): Promise<Exchange> {
  const ex = await registerParty(ctx, owner, p, o);
  expectSuccessCallback(ex.cb, `registration of ${describeParty(p)} by ${owner.name}`);
  return ex;
}

/** `GET /participants/{Type}/{ID}[/{SubId}]` by `requester`. */
export function lookupParticipant(ctx: SuiteContext, requester: DfspSimulator, p: PartyRef, o: AlsOptions = {}): Promise<Exchange> {
  return alsExchange(ctx, requester, 'GET', p, undefined, o, `lookup of ${describeParty(p)}`);
}

/** Lookup must answer `{fspId}`. */
export async function expectOwner(ctx: SuiteContext, requester: DfspSimulator, p: PartyRef, fspId: string, o: AlsOptions = {}): Promise<RecordedRequest> {
  const { cb } = await lookupParticipant(ctx, requester, p, o);
  expectSuccessCallback(cb, `lookup of ${describeParty(p)} (expecting fspId ${fspId})`);
  assert.equal(cb.body?.fspId, fspId, `lookup of ${describeParty(p)}: fspId; body ${show(cb.bodyText)}`);
  return cb;
}

/** Lookup must answer 3204. */
export async function expectNoOwner(ctx: SuiteContext, requester: DfspSimulator, p: PartyRef, o: AlsOptions = {}): Promise<RecordedRequest> {
  const { cb } = await lookupParticipant(ctx, requester, p, o);
  expectErrorCallback(cb, '3204', `lookup of ${describeParty(p)} (expecting no entry)`);
  return cb;
}

/** `DELETE /participants/{Type}/{ID}[/{SubId}]` by `requester`. */
export function deleteParticipant(ctx: SuiteContext, requester: DfspSimulator, p: PartyRef, o: AlsOptions = {}): Promise<Exchange> {
  return alsExchange(ctx, requester, 'DELETE', p, undefined, o, `deletion of ${describeParty(p)}`);
}

/** Batch `POST /participants` `{requestId, partyList, currency}`; waits for `PUT /participants/{requestId}[/error]`. */
export async function registerBatch(
  ctx: SuiteContext,
  from: DfspSimulator,
  partyList: Array<Record<string, string>>,
  o: AlsOptions & { requestId?: string } = {},
): Promise<Exchange & { requestId: string }> {
  const requestId = o.requestId ?? randomUUID();
  const since = from.mark();
  const res = await from.send({
    method: 'POST',
    path: '/participants',
    version: o.version,
    destination: o.destination,
    body: { requestId, partyList, currency: o.currency ?? ctx.currency },
    headers: o.headers,
  });
  expectStatus(res, 202, `batch POST /participants by ${from.name}`);
  const path = `/participants/${requestId}`;
  const cb = await waitAnswer(ctx, from, path, { since, timeoutMs: o.timeoutMs, label: `hub answer to batch POST /participants (${path})` });
  expectFromHub(ctx, cb, from);
  return { res, cb, requestId };
}

// ---- parties --------------------------------------------------------------------------------------------------

export interface DiscoverOptions {
  /** FSPIOP-Destination (direct routing, no oracle). */
  destination?: string;
  version?: string;
  headers?: Record<string, string | null | undefined>;
  /** Add an RS256 FSPIOP-Signature over the empty payload (when the suite signs). */
  sign?: boolean;
  timeoutMs?: number;
}

/** `GET /parties/{Type}/{ID}[/{SubId}]` by `payer`; returns the sync answer and the PUT (or /error) the payer got. */
export async function discoverParty(ctx: SuiteContext, payer: DfspSimulator, p: PartyRef, o: DiscoverOptions = {}): Promise<Exchange> {
  const path = partyPath('parties', p);
  const since = payer.mark();
  let headers = o.headers;
  if (o.sign && ctx.signer) {
    const date = imfDate();
    const sig = await ctx.signer.sign({ method: 'GET', uri: path, source: payer.name, destination: o.destination, date, body: '' });
    headers = { date, ...sig, ...(o.headers ?? {}) };
  }
  const res = await payer.send({ method: 'GET', path, version: o.version, destination: o.destination, headers });
  expectStatus(res, 202, `GET ${path} by ${payer.name}`);
  const cb = await waitAnswer(ctx, payer, path, { since, timeoutMs: o.timeoutMs, label: `answer to GET ${path}` });
  return { res, cb };
}

/** The GET /parties forwarded to `payee` (after `since`). */
export function waitPartiesGet(ctx: SuiteContext, payee: DfspSimulator, p: PartyRef, o: { since?: number; timeoutMs?: number } = {}): Promise<RecordedRequest> {
  const path = partyPath('parties', p);
  return payee.waitFor((r) => r.method === 'GET' && r.path.split('?')[0] === path, o.timeoutMs ?? ctx.T, {
    since: o.since,
    label: `forwarded GET ${path}`,
    context: (r) => r.path.startsWith('/parties'),
  });
}

/** The simulator's own answer to a forwarded GET /parties (what it sent to the hub). */
export async function payeePartyAnswer(ctx: SuiteContext, payee: DfspSimulator, p: PartyRef): Promise<FspiopResponse> {
  const path = partyPath('parties', p);
  const out = await payee.waitForOutbound((x) => x.resource === 'parties' && x.partyPath === path, ctx.T, `answer to GET ${path}`);
  assert.ok(out.response, `${payee.name} could not send its answer to GET ${path}: ${out.error}`);
  return out.response;
}

// ---- quotes ---------------------------------------------------------------------------------------------------

export interface QuoteRequestOptions {
  payer: DfspSimulator | string;
  payee: DfspSimulator | string;
  payerParty?: PartyRef;
  payeeParty: PartyRef;
  amount?: string;
  currency?: string;
  amountType?: 'SEND' | 'RECEIVE';
  /** Request expiration = now + this (ms; negative = already expired). Omitted: no expiration. */
  expiresInMs?: number;
  quoteId?: string;
  transactionId?: string;
  note?: string;
}

/** A `POST /quotes` body (fspiop.md §7), valid for v1.1 and v2.0. */
export function newQuoteRequest(o: QuoteRequestOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {
    quoteId: o.quoteId ?? randomUUID(),
    transactionId: o.transactionId ?? randomUUID(),
    payee: { partyIdInfo: partyIdInfo(o.payeeParty, nameOf(o.payee)) },
    payer: {
      partyIdInfo: partyIdInfo(o.payerParty ?? { type: 'MSISDN', id: '44123456789' }, nameOf(o.payer)),
      name: 'Henrik Karlsson',
      personalInfo: { complexName: { firstName: 'Henrik', lastName: 'Karlsson' } },
    },
    amountType: o.amountType ?? 'SEND',
    amount: { amount: o.amount ?? '10', currency: o.currency ?? 'USD' },
    transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
  };
  if (o.note !== undefined) body.note = o.note;
  if (o.expiresInMs !== undefined) body.expiration = new Date(Date.now() + o.expiresInMs).toISOString();
  return body;
}

/** `POST /quotes` by `payer` to `destination` (a payee FSP name); expects 202. */
export async function sendQuoteRequest(
  payer: DfspSimulator,
  destination: string,
  body: Record<string, unknown> | string,
  o: { version?: string; headers?: Record<string, string | null | undefined> } = {},
): Promise<FspiopResponse> {
  const res = await payer.send({ method: 'POST', path: '/quotes', version: o.version, destination, body, headers: o.headers });
  return res;
}

/**
 * Agreement as the payer: `POST /quotes` to `destination` (expects 202), then wait for `PUT /quotes/{ID}` (or
 * `/error`) at the payer.
 */
export async function requestQuote(
  ctx: SuiteContext,
  payer: DfspSimulator,
  destination: string,
  body: Record<string, unknown>,
  o: { version?: string; headers?: Record<string, string | null | undefined>; timeoutMs?: number } = {},
): Promise<Exchange & { quoteId: string }> {
  const quoteId = String(body.quoteId);
  const since = payer.mark();
  const res = await sendQuoteRequest(payer, destination, body, o);
  expectStatus(res, 202, `POST /quotes ${quoteId} by ${payer.name}`);
  const cb = await waitQuoteAnswer(ctx, payer, quoteId, { since, timeoutMs: o.timeoutMs, label: `answer to quote ${quoteId}` });
  return { res, cb, quoteId };
}

/** Wait for the answer (PUT /quotes/{ID} or /error) at the payer. */
export function waitQuoteAnswer(
  ctx: SuiteContext,
  payer: DfspSimulator,
  quoteId: string,
  o: { since?: number; from?: string; timeoutMs?: number; errorOnly?: boolean; successOnly?: boolean; label?: string } = {},
): Promise<RecordedRequest> {
  return waitAnswer(ctx, payer, `/quotes/${quoteId}`, o);
}

/** The POST /quotes forwarded to the payee (after `since`). */
export function waitQuoteRequestAt(
  ctx: SuiteContext,
  payee: DfspSimulator,
  quoteId: string,
  o: { since?: number; timeoutMs?: number } = {},
): Promise<RecordedRequest> {
  return payee.waitFor((r) => r.method === 'POST' && r.path.split('?')[0] === '/quotes' && r.body?.quoteId === quoteId, o.timeoutMs ?? ctx.T, {
    since: o.since,
    label: `forwarded POST /quotes for ${quoteId}`,
    context: (r) => r.path.startsWith('/quotes'),
  });
}

/** The payee simulator's own answer to a quote request (what it sent to the hub). */
export async function payeeQuoteAnswer(ctx: SuiteContext, payee: DfspSimulator, quoteId: string, nth = 1): Promise<FspiopResponse> {
  const mine = (x: { resource?: string; quoteId?: string }) => x.resource === 'quotes' && x.quoteId === quoteId;
  await payee.waitForOutbound((x) => mine(x) && payee.outbound.filter(mine).length >= nth, ctx.T, `answer #${nth} to quote ${quoteId}`);
  const out = payee.outbound.filter(mine)[nth - 1]!;
  assert.ok(out.response, `${payee.name} could not send its answer to quote ${quoteId}: ${out.error}`);
  return out.response;
}

/** Quote response fields the transfer needs. */
export interface AgreedQuote {
  quoteId: string;
  transactionId: string;
  transferAmount: { amount: string; currency: string };
  expiration: string;
  ilpPacket: string;
  condition: string;
}

/** Read an accepted quote out of the PUT /quotes/{ID} the payer received. */
export function agreedQuote(request: Record<string, unknown>, cb: RecordedRequest): AgreedQuote {
  expectSuccessCallback(cb, `quote ${String(request.quoteId)}`);
  const b = cb.body ?? {};
  for (const k of ['transferAmount', 'expiration', 'ilpPacket', 'condition']) {
    assert.ok(b[k] !== undefined, `quote response for ${String(request.quoteId)} lacks ${k}: ${show(cb.bodyText)}`);
  }
  return {
    quoteId: String(request.quoteId),
    transactionId: String(request.transactionId),
    transferAmount: { amount: String(b.transferAmount.amount), currency: String(b.transferAmount.currency) },
    expiration: String(b.expiration),
    ilpPacket: String(b.ilpPacket),
    condition: String(b.condition),
  };
}

/**
 * The `POST /transfers` that follows an agreed quote: amount = transferAmount, ilpPacket and condition from the
 * quote. The payer does not know the fulfilment (`fulfilment: ''`): the payee re-derives it from the packet.
 */
export function transferFromQuote(
  payer: DfspSimulator | string,
  payee: DfspSimulator | string,
  q: AgreedQuote,
  o: { transferId?: string; expiresInMs?: number } = {},
): Transfer {
  const transferId = o.transferId ?? randomUUID();
  const payerFsp = nameOf(payer);
  const payeeFsp = nameOf(payee);
  const expiration = new Date(Math.min(Date.now() + (o.expiresInMs ?? 60_000), Date.parse(q.expiration) || Infinity)).toISOString();
  return {
    transferId,
    payerFsp,
    payeeFsp,
    amount: q.transferAmount.amount,
    currency: q.transferAmount.currency,
    expiration,
    fulfilment: '',
    condition: q.condition,
    ilpPacket: q.ilpPacket,
    body: {
      transferId,
      payerFsp,
      payeeFsp,
      amount: { amount: q.transferAmount.amount, currency: q.transferAmount.currency },
      ilpPacket: q.ilpPacket,
      condition: q.condition,
      expiration,
    },
  };
}

/**
 * Transfer as the payer, after an agreed quote: `POST /transfers` with the quote's amount, packet and condition
 * (expects 202), then wait for the payee's fulfil (`PUT /transfers/{ID}` or `/error`, any sender) at the payer.
 */
export async function transferWithQuote(
  ctx: SuiteContext,
  payer: DfspSimulator,
  payeeFsp: string,
  q: AgreedQuote,
  o: { version?: string; expiresInMs?: number; timeoutMs?: number } = {},
): Promise<Exchange & { transfer: Transfer }> {
  const transfer = transferFromQuote(payer, payeeFsp, q, { expiresInMs: o.expiresInMs });
  const since = payer.mark();
  const res = await ctx.sendPrepare(transfer, { version: o.version ?? payer.version });
  expectStatus(res, 202, `POST /transfers ${transfer.transferId} by ${payer.name}`);
  const cb = await waitAnswer(ctx, payer, `/transfers/${transfer.transferId}`, {
    since,
    timeoutMs: o.timeoutMs,
    label: `fulfil of transfer ${transfer.transferId}`,
  });
  return { res, cb, transfer };
}
