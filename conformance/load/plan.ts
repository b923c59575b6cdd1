// The deterministic payment plan of one generator worker for one step: payment `i` → payer, payee, parties,
// ids, planned time, and the exact bytes of every message of its three phases. Deterministic so that
// (a) signer threads can sign the messages ahead of the measured window and the sender later sends the very
//     same bytes, and (b) a payee can rebuild the answer for any id it is asked about.
// Bodies are written with their keys already in sorted order, so JSON.stringify gives the canonical
// (safe-stable-stringify) form the Mojaloop SDK signs and verifies (security.md §1.3).
import { sign as rsaSign, type KeyObject } from 'node:crypto';
import { quoteIlp } from '../lib/ilp.js';

export interface PlanDfsp {
  name: string;
  /** Party identifiers (MSISDN) this DFSP holds. */
  parties: string[];
  /** Secret of its ILP fulfilments (security.md §2.3). */
  ilpSecret: string;
}

export interface PlanConfig {
  /** 8 hex digits, unique per step and worker set: makes every id of the step unique on the hub. */
  nonce: string;
  worker: number;
  workers: number;
  /** Total offered rate of all workers, payments/s. */
  rate: number;
  /** The rate rises linearly from 0 to `rate` over the first rampMs of the step (0: full rate from the start). */
  rampMs: number;
  /** Epoch ms the plan's timestamps (Date headers, expirations) are computed from. */
  anchorMs: number;
  /** Payments of this worker in this step. */
  count: number;
  /** Validity of quote requests, quotes and transfers, ms after the planned start. */
  expiryMs: number;
  currency: string;
  /** FSPIOP version of everything the simulated DFSPs send. */
  version: string;
  dfsps: PlanDfsp[];
  seed: number;
}

/**
 * Payments of worker `w` (of `W`) whose planned start offset (ms) is below `spanMs` at `rate`/s in total, the rate
 * rising linearly from 0 over the first `rampMs` (payments planned by then: rate × ramp / 2).
 */
export function paymentsInSpan(rate: number, spanMs: number, w: number, W: number, rampMs = 0): number {
  const planned = spanMs <= rampMs ? (rate * spanMs * spanMs) / (2000 * rampMs) : (rate * (spanMs - rampMs / 2)) / 1000;
  const total = Math.ceil(planned - 1e-9); // global indices g < total
  return Math.max(0, Math.ceil((total - w) / W));
}

/** Planned start offset (ms after t0) of payment i of worker w (the inverse of paymentsInSpan). */
export function plannedOffsetMs(cfg: Pick<PlanConfig, 'rate' | 'rampMs' | 'worker' | 'workers'>, i: number): number {
  const g = i * cfg.workers + cfg.worker;
  const inRamp = (cfg.rate * cfg.rampMs) / 2000; // payments planned during the ramp
  if (g < inRamp) return Math.sqrt((2000 * cfg.rampMs * g) / cfg.rate);
  return cfg.rampMs / 2 + (g * 1000) / cfg.rate;
}

// ---- ids --------------------------------------------------------------------------------------------------------

export const KIND_QUOTE = 1;
export const KIND_TRANSACTION = 2;
export const KIND_TRANSFER = 3;

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** UUID-v4-shaped id carrying nonce, worker, kind and payment index: `nnnnnnnn-wwww-4k00-8000-iiiiiiiiiiii`. */
export function makeId(nonce: string, worker: number, kind: number, i: number): string {
  return `${nonce}-${hex(worker, 4)}-4${kind.toString(16)}00-8000-${hex(i, 12)}`;
}

const ID_RE = /^([0-9a-f]{8})-([0-9a-f]{4})-4([0-9a-f])00-8000-([0-9a-f]{12})$/;

export interface ParsedId {
  nonce: string;
  worker: number;
  kind: number;
  index: number;
}

export function parseId(id: string): ParsedId | undefined {
  const m = ID_RE.exec(id);
  if (!m) return undefined;
  return { nonce: m[1]!, worker: parseInt(m[2]!, 16), kind: parseInt(m[3]!, 16), index: parseInt(m[4]!, 16) };
}

// ---- pseudo-random choices ------------------------------------------------------------------------------------

/** 32-bit mix (splitmix-like) of seed and i. */
export function mix(seed: number, i: number, salt: number): number {
  let x = (seed ^ Math.imul(i + 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt, 0xc2b2ae35)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

// ---- messages ---------------------------------------------------------------------------------------------------

export interface PaymentSpec {
  i: number;
  payer: number; // index into cfg.dfsps
  payee: number;
  payerFsp: string;
  payeeFsp: string;
  payerParty: string;
  payeeParty: string;
  /** Planned start, epoch ms (anchor-based). */
  plannedMs: number;
  /** Date header of all its messages (IMF-fixdate of the planned start). */
  date: string;
  amount: string;
  quoteId: string;
  transactionId: string;
  transferId: string;
  /** `/parties/MSISDN/{payeeParty}` */
  partyPath: string;
  quoteRequest: string;
  partyAnswer: string;
  quoteAnswer: string;
  transfer: string;
  fulfil: string;
  condition: string;
}

/** Signed messages of a payment, in signature-slot order. */
export const SIGNED = ['POST /quotes', 'PUT /parties', 'PUT /quotes', 'POST /transfers', 'PUT /transfers'] as const;
export const SLOT_QUOTE_REQUEST = 0;
export const SLOT_PARTY_ANSWER = 1;
export const SLOT_QUOTE_ANSWER = 2;
export const SLOT_TRANSFER = 3;
export const SLOT_FULFIL = 4;
export const SLOTS = SIGNED.length;
/** RSA-2048 signature bytes. */
export const SIG_BYTES = 256;

/** `{party}` of PUT /parties for a party of `fspId` (fspiop.md §7), keys sorted. */
export function partyAnswerBody(fspId: string, msisdn: string): string {
  return JSON.stringify({
    party: {
      name: 'Mary Jones',
      partyIdInfo: { fspId, partyIdType: 'MSISDN', partyIdentifier: msisdn },
      personalInfo: { complexName: { firstName: 'Mary', lastName: 'Jones' } },
    },
  });
}

const partyAnswerCache = new Map<string, string>();
function cachedPartyAnswer(fspId: string, msisdn: string): string {
  const key = `${fspId}|${msisdn}`;
  let s = partyAnswerCache.get(key);
  if (s === undefined) {
    s = partyAnswerBody(fspId, msisdn);
    if (partyAnswerCache.size > 200_000) partyAnswerCache.clear();
    partyAnswerCache.set(key, s);
  }
  return s;
}

/** Build payment i of the plan: who pays whom, ids, and every message body. */
export function buildPayment(cfg: PlanConfig, i: number): PaymentSpec {
  const n = cfg.dfsps.length;
  const r1 = mix(cfg.seed, i, 1);
  const payer = r1 % n;
  const payee = (payer + 1 + (mix(cfg.seed, i, 2) % (n - 1))) % n;
  const payerD = cfg.dfsps[payer]!;
  const payeeD = cfg.dfsps[payee]!;
  const payerParty = payerD.parties[mix(cfg.seed, i, 3) % payerD.parties.length]!;
  const payeeParty = payeeD.parties[mix(cfg.seed, i, 4) % payeeD.parties.length]!;
  const plannedMs = cfg.anchorMs + plannedOffsetMs(cfg, i);
  const planned = new Date(Math.floor(plannedMs));
  const date = planned.toUTCString();
  const expiration = new Date(Math.floor(plannedMs) + cfg.expiryMs).toISOString();
  const amount = String(1 + (mix(cfg.seed, i, 5) % 100));
  const quoteId = makeId(cfg.nonce, cfg.worker, KIND_QUOTE, i);
  const transactionId = makeId(cfg.nonce, cfg.worker, KIND_TRANSACTION, i);
  const transferId = makeId(cfg.nonce, cfg.worker, KIND_TRANSFER, i);
  const money = { amount, currency: cfg.currency };
  const request = {
    amount: money,
    amountType: 'SEND',
    expiration,
    payee: { partyIdInfo: { fspId: payeeD.name, partyIdType: 'MSISDN', partyIdentifier: payeeParty } },
    payer: {
      name: 'Henrik Karlsson',
      partyIdInfo: { fspId: payerD.name, partyIdType: 'MSISDN', partyIdentifier: payerParty },
      personalInfo: { complexName: { firstName: 'Henrik', lastName: 'Karlsson' } },
    },
    quoteId,
    transactionId,
    transactionType: { initiator: 'PAYER', initiatorType: 'CONSUMER', scenario: 'TRANSFER' },
  };
  const ilp = quoteIlp(payeeD.ilpSecret, request, { transferAmount: money, expiration });
  const quoteAnswer = JSON.stringify({ condition: ilp.condition, expiration, ilpPacket: ilp.ilpPacket, transferAmount: money });
  const transfer = JSON.stringify({
    amount: money,
    condition: ilp.condition,
    expiration,
    ilpPacket: ilp.ilpPacket,
    payeeFsp: payeeD.name,
    payerFsp: payerD.name,
    transferId,
  });
  const fulfil = JSON.stringify({ completedTimestamp: planned.toISOString(), fulfilment: ilp.fulfilment, transferState: 'COMMITTED' });
  return {
    i,
    payer,
    payee,
    payerFsp: payerD.name,
    payeeFsp: payeeD.name,
    payerParty,
    payeeParty,
    plannedMs,
    date,
    amount,
    quoteId,
    transactionId,
    transferId,
    partyPath: `/parties/MSISDN/${payeeParty}`,
    quoteRequest: JSON.stringify(request),
    partyAnswer: cachedPartyAnswer(payeeD.name, payeeParty),
    quoteAnswer,
    transfer,
    fulfil,
    condition: ilp.condition,
  };
}

// ---- FSPIOP JWS (security.md §1) -----------------------------------------------------------------------------

export interface SignedMessage {
  method: 'POST' | 'PUT';
  uri: string;
  source: string;
  destination: string;
  date: string;
  body: string;
}

/** The signed messages of a payment in slot order (what is signed and then sent). */
export function signedMessages(p: PaymentSpec): SignedMessage[] {
  const fwd = { source: p.payerFsp, destination: p.payeeFsp, date: p.date };
  const back = { source: p.payeeFsp, destination: p.payerFsp, date: p.date };
  return [
    { method: 'POST', uri: '/quotes', body: p.quoteRequest, ...fwd },
    { method: 'PUT', uri: p.partyPath, body: p.partyAnswer, ...back },
    { method: 'PUT', uri: `/quotes/${p.quoteId}`, body: p.quoteAnswer, ...back },
    { method: 'POST', uri: '/transfers', body: p.transfer, ...fwd },
    { method: 'PUT', uri: `/transfers/${p.transferId}`, body: p.fulfil, ...back },
  ];
}

/** BASE64URL(JSON protected header) in the SDK's member order (alg, URI, method, source, destination, date). */
export function protectedHeader(m: Omit<SignedMessage, 'body'>): string {
  return Buffer.from(
    JSON.stringify({
      alg: 'RS256',
      'FSPIOP-URI': m.uri,
      'FSPIOP-HTTP-Method': m.method,
      'FSPIOP-Source': m.source,
      'FSPIOP-Destination': m.destination,
      Date: m.date,
    }),
    'utf8',
  ).toString('base64url');
}

/**
 * Raw RS256 signature over `protectedHeader.BASE64URL(body)` (detached payload). node:crypto rather than jose (which
 * the scenarios sign with): jose measured 10-17 % more CPU per signature, generator work the hub cannot tell apart
 * (docs/decisions.md 2026-12-06, scripts/bench-handwritten.mjs).
 */
export function signRaw(key: KeyObject, ph: string, body: string): Buffer {
  return rsaSign('RSA-SHA256', Buffer.from(`${ph}.${Buffer.from(body, 'utf8').toString('base64url')}`, 'ascii'), key);
}

/** FSPIOP-Signature header value. */
export function signatureHeader(ph: string, raw: Buffer | Uint8Array): string {
  return JSON.stringify({ protectedHeader: ph, signature: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url') });
}
