// Request to pay: the payee's and the payer's side of /transactionRequests and /authorizations (fspiop.md §5, §7, §13,
// docs/r2p.md). Every helper sends as a simulated DFSP, in the FSPIOP version that DFSP speaks; the simulators answer
// nothing of these resources on their own, so scenarios play both sides with these helpers.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { assertHubMessage } from './checks.js';
import { nameOf, type SuiteContext } from './context.js';
import type { DfspSimulator, RecordedRequest } from './dfsp.js';
import { expectErrorCallback, partyIdInfo, waitAnswer, type PartyRef as FlowParty } from './flows.js';
import type { PartyRef } from './isoxml.js';
import type { FspiopResponse } from './http.js';
import type { BankSimulator } from './bank.js';
import { agent, amount, documentXml, el, isoNow, leaf, newMsgId, party, type Institution } from './isoxml.js';
import { show } from './util.js';

export interface TransactionRequestOptions {
  payee: DfspSimulator | string;
  payer: DfspSimulator | string;
  payeeParty?: FlowParty;
  payerParty?: FlowParty;
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

// ---- banks: pain.013 / pain.014 (docs/r2p.md) -------------------------------------------------------------------

/** The pain.013 / pain.014 versions of a bank's profile (.07 with the 2019 generation, .12 with the newest). */
export function painVersions(bank: BankSimulator): { request: string; report: string } {
  const newest = bank.version('head') === 'head.001.001.04';
  return newest ? { request: 'pain.013.001.12', report: 'pain.014.001.12' } : { request: 'pain.013.001.07', report: 'pain.014.001.07' };
}

export interface Pain013Fields {
  msgId?: string;
  /** PmtId/InstrId: the request id (a ULID: what FSPIOP payers take). */
  requestId: string;
  endToEndId?: string;
  amount: string;
  currency: string;
  debtor: PartyRef & { name?: string };
  debtorAgent: Institution;
  creditor: PartyRef & { name?: string; org?: boolean };
  creditorAgent: Institution;
  /** Purp/Prtry: the FSPIOP scenario. */
  scenario?: string;
  /** PmtInf/XpryDt/DtTm. */
  expiry?: string;
  remittance?: string[];
}

/** A biller's bank asks a payer's FSP to have its customer pay (pain.013, one transaction). */
export function pain013Xml(f: Pain013Fields, version: string): string {
  const msgId = f.msgId ?? newMsgId('R');
  const grpHdr = el('GrpHdr', leaf('MsgId', msgId), leaf('CreDtTm', isoNow()), leaf('NbOfTxs', '1'), party('InitgPty', f.creditor));
  const tx = el(
    'CdtTrfTx',
    el('PmtId', leaf('InstrId', f.requestId), leaf('EndToEndId', f.endToEndId ?? f.requestId)),
    el('Amt', amount('InstdAmt', f.amount, f.currency)),
    leaf('ChrgBr', 'SLEV'),
    agent('CdtrAgt', f.creditorAgent),
    party('Cdtr', f.creditor),
    el('Purp', leaf('Prtry', f.scenario ?? 'PAYMENT')),
    f.remittance?.length ? el('RmtInf', ...f.remittance.map((line) => leaf('Ustrd', line))) : '',
  );
  const pmtInf = el(
    'PmtInf',
    leaf('PmtInfId', msgId),
    leaf('PmtMtd', 'TRF'),
    el('ReqdExctnDt', leaf('DtTm', isoNow())),
    f.expiry ? el('XpryDt', leaf('DtTm', f.expiry)) : '',
    party('Dbtr', f.debtor),
    agent('DbtrAgt', f.debtorAgent),
    tx,
  );
  return documentXml(version, el('CdtrPmtActvtnReq', grpHdr, pmtInf));
}

export interface Pain014Fields {
  msgId?: string;
  /** The request answered: its GrpHdr/MsgId and version (OrgnlGrpInfAndSts), and its id (OrgnlInstrId). */
  originalMsgId: string;
  originalMsgNmId: string;
  requestId: string;
  /** ACCP, RJCT, PDNG, ACTC … */
  status: string;
  reason?: { prtry?: string; cd?: string };
  info?: string;
}

/** A payer's bank answers a request to pay (pain.014). */
export function pain014Xml(f: Pain014Fields, version: string): string {
  const tx = el(
    'TxInfAndSts',
    leaf('OrgnlInstrId', f.requestId),
    leaf('TxSts', f.status),
    f.reason && el('StsRsnInf', el('Rsn', f.reason.prtry !== undefined ? leaf('Prtry', f.reason.prtry) : leaf('Cd', f.reason.cd)), leaf('AddtlInf', f.info)),
  );
  return documentXml(
    version,
    el(
      'CdtrPmtActvtnReqStsRpt',
      el('GrpHdr', leaf('MsgId', f.msgId ?? newMsgId('S')), leaf('CreDtTm', isoNow()), el('InitgPty')),
      el('OrgnlGrpInfAndSts', leaf('OrgnlMsgId', f.originalMsgId), leaf('OrgnlMsgNmId', f.originalMsgNmId)),
      el('OrgnlPmtInfAndSts', leaf('OrgnlPmtInfId', f.originalMsgId), tx),
    ),
  );
}
