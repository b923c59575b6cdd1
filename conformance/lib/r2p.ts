// Request to pay: the payee's and the payer's side of /transactionRequests and /authorizations (fspiop.md §5, §7, §13,
// docs/r2p.md). Every helper sends as a simulated DFSP, in the FSPIOP version that DFSP speaks; the simulators answer
// nothing of these resources on their own, so scenarios play both sides with these helpers.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { assertHubMessage } from './checks.js';
import { nameOf, type SuiteContext } from './context.js';
import type { DfspSimulator, RecordedRequest } from './dfsp.js';
import { expectErrorCallback, partyIdInfo, waitAnswer, type PartyRef } from './flows.js';
import type { FspiopResponse } from './http.js';
import { show } from './util.js';

export interface TransactionRequestOptions {
  payee: DfspSimulator | string;
  payer: DfspSimulator | string;
  payeeParty?: PartyRef;
  payerParty?: PartyRef;
  amount?: string;
  currency?: string;
  /** now + this (ms; negative = already expired). Omitted: no expiration. */
  expiresInMs?: number;
  authenticationType?: 'OTP' | 'QRCODE' | 'U2F';
  transactionRequestId?: string;
  note?: string;
}

/** A `POST /transactionRequests` body (fspiop.md §7), valid for v1.1 and v2.0: a merchant asks a customer to pay. */
export function newTransactionRequest(o: TransactionRequestOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {
    transactionRequestId: o.transactionRequestId ?? randomUUID(),
    payee: {
      partyIdInfo: partyIdInfo(o.payeeParty ?? { type: 'BUSINESS', id: 'merchant-1' }, nameOf(o.payee)),
      name: 'Corner Shop',
      merchantClassificationCode: '5411',
    },
    payer: partyIdInfo(o.payerParty ?? { type: 'MSISDN', id: '27713803912' }, nameOf(o.payer)),
    amount: { amount: o.amount ?? '12.5', currency: o.currency ?? 'USD' },
    transactionType: { scenario: 'PAYMENT', initiator: 'PAYEE', initiatorType: 'BUSINESS' },
  };
  if (o.note !== undefined) body.note = o.note;
  if (o.authenticationType !== undefined) body.authenticationType = o.authenticationType;
  if (o.expiresInMs !== undefined) body.expiration = new Date(Date.now() + o.expiresInMs).toISOString();
  return body;
}

/** `POST /transactionRequests` by `payee` to `destination` (the payer FSP). */
export function sendTransactionRequest(
  payee: DfspSimulator,
  destination: string | undefined,
  body: Record<string, unknown> | string,
  o: { version?: string; headers?: Record<string, string | null | undefined> } = {},
): Promise<FspiopResponse> {
  return payee.send({ method: 'POST', path: '/transactionRequests', version: o.version, destination, body, headers: o.headers });
}

/** The POST /transactionRequests forwarded to the payer (after `since`). */
export function waitTransactionRequestAt(
  ctx: SuiteContext,
  payer: DfspSimulator,
  id: string,
  o: { since?: number; timeoutMs?: number } = {},
): Promise<RecordedRequest> {
  return payer.waitFor(
    (r) => r.method === 'POST' && r.path.split('?')[0] === '/transactionRequests' && r.body?.transactionRequestId === id,
    o.timeoutMs ?? ctx.T,
    { since: o.since, label: `forwarded POST /transactionRequests for ${id}`, context: (r) => r.path.startsWith('/transactionRequests') },
  );
}

export const isTransactionRequestPostFor = (id: string) => (r: RecordedRequest) =>
  r.method === 'POST' && r.path.split('?')[0] === '/transactionRequests' && r.body?.transactionRequestId === id;

/** A PUT /transactionRequests/{ID}[/error] by `from` (normally the payer) to `to` (normally the payee). */
export function putTransactionRequest(
  from: DfspSimulator,
  to: string,
  id: string,
  body: object | string,
  o: { error?: boolean; version?: string; headers?: Record<string, string | null | undefined> } = {},
): Promise<FspiopResponse> {
  const path = `/transactionRequests/${id}${o.error ? '/error' : ''}`;
  return from.send({
    method: 'PUT',
    path,
    version: o.version,
    destination: to,
    body,
    headers: { 'fspiop-uri': path, 'fspiop-http-method': 'PUT', ...(o.headers ?? {}) },
  });
}

/** Wait for `PUT /transactionRequests/{ID}` (or `/error`) at `sim`. */
export function waitTransactionRequestAnswer(
  ctx: SuiteContext,
  sim: DfspSimulator,
  id: string,
  o: { since?: number; from?: string; timeoutMs?: number; errorOnly?: boolean; successOnly?: boolean; label?: string } = {},
): Promise<RecordedRequest> {
  return waitAnswer(ctx, sim, `/transactionRequests/${id}`, o);
}

/** `GET /authorizations/{ID}?{query}` by `payer` to `payee`. */
export function getAuthorization(
  payer: DfspSimulator,
  payee: string,
  id: string,
  query: string,
  o: { version?: string; headers?: Record<string, string | null | undefined> } = {},
): Promise<FspiopResponse> {
  return payer.send({ method: 'GET', path: `/authorizations/${id}${query ? `?${query}` : ''}`, version: o.version, destination: payee, headers: o.headers });
}

/** The query of a well-formed GET /authorizations (the API definition's example, in `currency`). */
export function authorizationQuery(currency: string, o: { authenticationType?: string; retriesLeft?: string; amount?: string } = {}): string {
  return new URLSearchParams({
    authenticationType: o.authenticationType ?? 'OTP',
    retriesLeft: o.retriesLeft ?? '2',
    amount: o.amount ?? '12.5',
    currency,
  }).toString();
}

/** A PUT /authorizations/{ID}[/error] by `from` (normally the payee) to `to` (normally the payer). */
export function putAuthorization(
  from: DfspSimulator,
  to: string,
  id: string,
  body: object,
  o: { error?: boolean; version?: string } = {},
): Promise<FspiopResponse> {
  const path = `/authorizations/${id}${o.error ? '/error' : ''}`;
  return from.send({ method: 'PUT', path, version: o.version, destination: to, body, headers: { 'fspiop-uri': path, 'fspiop-http-method': 'PUT' } });
}

/**
 * A hub-authored `PUT {resource}/{ID}/error` with `code` at `sim` (after `since`), checked against fspiop.md §14 with
 * the plain FSPIOP media type these resources keep in every dialect.
 */
export async function expectHubR2pError(
  ctx: SuiteContext,
  sim: DfspSimulator,
  resource: 'transactionRequests' | 'authorizations',
  id: string,
  code: string,
  what: string,
  o: { since?: number; description?: RegExp } = {},
): Promise<RecordedRequest> {
  const cb = await waitAnswer(ctx, sim, `/${resource}/${id}`, {
    since: o.since,
    from: ctx.hubName,
    label: `PUT /${resource}/${id}/error ${code} from ${ctx.hubName} (${what})`,
  });
  expectErrorCallback(cb, code, what, o.description ? { description: o.description } : {});
  assertHubMessage(cb, {
    hubName: ctx.hubName,
    destination: sim.name,
    method: 'PUT',
    uri: `/${resource}/${id}/error`,
    resource,
    ...ctx.fspiopFormatFor(sim),
  });
  return cb;
}

/** The hub's Admin API view of a transaction request (docs/r2p.md). */
export async function adminTransactionRequest(ctx: SuiteContext, id: string): Promise<any> {
  const r = await ctx.admin.call('GET', `/transactionRequests/${id}`);
  assert.equal(r.status, 200, `Admin GET /transactionRequests/${id}: expected 200, got ${r.status} ${show(r.rawBody)}`);
  return r.body;
}
