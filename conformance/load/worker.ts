// A generator worker process: hosts a set of lean simulated DFSPs (one HTTP server each) that act as payers
// (open-loop scheduled payments: GET /parties → POST /quotes → POST /transfers, each waiting for its
// callback) and as payees (answering at once with pre-built, pre-signed messages). Payer and payee of a
// payment live in the same worker, so no state crosses processes. Nothing is recorded but histograms and
// counters: memory stays bounded however long the run.
import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { errors as joseErrors, flattenedVerify } from 'jose';
import { subscribe } from 'node:diagnostics_channel';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Pool } from 'undici';
import { Histogram } from './hist.js';
import {
  buildPayment,
  parseId,
  partyAnswerBody,
  paymentsInSpan,
  plannedOffsetMs,
  protectedHeader,
  signatureHeader,
  signRaw,
  SIG_BYTES,
  SLOT_FULFIL,
  SLOT_PARTY_ANSWER,
  SLOT_QUOTE_ANSWER,
  SLOT_QUOTE_REQUEST,
  SLOT_TRANSFER,
  type PaymentSpec,
  type PlanConfig,
} from './plan.js';
import {
  ACK_KINDS,
  STAGES,
  TRACE_COLUMNS,
  type AckKind,
  type FromWorker,
  type InitMsg,
  type SecStatsJson,
  type StepSpec,
  type ToWorker,
  type WindowStatsJson,
} from './protocol.js';
import { signAhead, SigStore } from './sigstore.js';

// ---- state ------------------------------------------------------------------------------------------------------

interface Dfsp {
  index: number;
  name: string;
  parties: string[];
  ilpSecret: string;
  key?: KeyObject;
  publicKey?: KeyObject;
  server: Server;
  baseUrl: string;
  pool: Pool;
  /** --quotes-hub: the pool quote messages go through (else `pool`). */
  quotePool?: Pool;
  /** Payer side: party path → payments waiting for PUT /parties (FIFO; identical lookups are interchangeable). */
  discQueue: Map<string, Payment[]>;
  /** Payee side: `${payer}|${path}` → payments whose lookup it will answer (gives the signed-ahead answer). */
  lookupQueue: Map<string, Payment[]>;
}

interface Payment {
  i: number;
  spec: PaymentSpec;
  payer: Dfsp;
  payee: Dfsp;
  stage: 0 | 1 | 2;
  stageStart: number;
  /** Intended start (perf clock): end to end is measured from here (no coordinated omission). */
  schedAt: number;
  measured: boolean;
  dead: boolean;
  sigs?: Buffer;
  /** Transfer-stage timestamps (perf clock) for --trace: sent, acked, payeeGot, fulfilAcked, payerGot. */
  tt?: number[];
}

class SecStats {
  started = 0;
  completed = 0;
  failed = 0;
  lag = new Histogram();
  stages = [new Histogram(), new Histogram(), new Histogram()];
  e2e = new Histogram();
  errors: Record<string, number> = {};
}

class WindowStats {
  planned = 0;
  started = 0;
  completed = 0;
  failed = 0;
  stages = [new Histogram(), new Histogram(), new Histogram()];
  stageTimeouts = [0, 0, 0];
  stageErrors: Array<Record<string, number>> = [{}, {}, {}];
  e2e = new Histogram();
  ack: Record<string, Histogram> = Object.fromEntries(ACK_KINDS.map((k) => [k, new Histogram()]));
  lag = new Histogram();
  errorSamples: string[] = [];
  liveSigns = 0;
  late = 0;
  payeeConfirmations = 0;
  payeeErrors: Record<string, number> = {};
  unexpected = 0;
  aborted = 0;
  verified = 0;
  signatureFailures = 0;
  cpuStart?: NodeJS.CpuUsage;
  cpuMsWindow = 0;
  eld = monitorEventLoopDelay({ resolution: 10 });
  connectsAtStart?: [number, number, number];
  acceptedWindow = 0;
  closesWindow: Record<string, number> = {};
  connectsWindow = 0;
  connectErrorsWindow = 0;
}

let init!: InitMsg;
let dfsps: Dfsp[] = [];
const byName = new Map<string, Dfsp>();
const ct: Record<string, string> = {};
const accept: Record<string, string> = {};

let cfg: PlanConfig | undefined;
let step: StepSpec | undefined;
let store: SigStore | undefined;
const inFlight = new Map<number, Payment>();
let win = new WindowStats();
const secs = new Map<number, SecStats>();
let t0 = 0; // perf clock
let running = false;
let stopping = false;
let next = 0;
let lastFlushedCpu = process.cpuUsage();
const secEld = monitorEventLoopDelay({ resolution: 10 });
let hubPublicKey: KeyObject | undefined;
const registrationWaiters = new Map<string, (path: string, body: string) => void>();
const timers: NodeJS.Timeout[] = [];

const send = (m: FromWorker) => process.send?.(m);

// New connections of the DFSPs' undici pools (towards the target): with keep-alive pools they should all be opened
// at the start; connections opened during the window mean sockets were closed under load.
let connects = 0;
let connectErrors = 0;
/** Connections the DFSPs' servers accepted (from the hub: its callbacks). */
let accepted = 0;
/** Why connections ended during the window: `client <reason>` (the DFSPs' pools), `server <reason>` (their servers). */
let closes: Record<string, number> = {};
const closed = (why: string) => {
  if (win.connectsAtStart) closes[why] = (closes[why] ?? 0) + 1;
};
subscribe('undici:client:connected', () => connects++);
subscribe('undici:client:connectError', () => connectErrors++);

function closeConnectCount(): void {
  if (!win.connectsAtStart) return;
  win.connectsWindow = connects - win.connectsAtStart[0];
  win.connectErrorsWindow = connectErrors - win.connectsAtStart[1];
  win.acceptedWindow = accepted - win.connectsAtStart[2];
  win.closesWindow = closes;
  closes = {};
  win.connectsAtStart = undefined;
}

let trace: WriteStream | undefined;
let traceBuf: string[] = [];
const T_ACKED = 1;
const T_PAYEE_GOT = 2;
const T_FULFIL_ACKED = 3;
const T_PAYER_GOT = 4;

/** One CSV line of the transfer stage of a measured payment (TRACE_COLUMNS), when --trace is on. */
function traceTransfer(p: Payment, outcome: string): void {
  if (!trace || !p.measured || !p.tt) return;
  const rel = (v: number) => (Number.isNaN(v) ? '' : (v - p.schedAt).toFixed(1));
  const { spec, tt } = p;
  traceBuf.push([p.i, spec.payerFsp, spec.payeeFsp, (performance.timeOrigin + p.schedAt).toFixed(1), ...tt.map(rel), outcome].join(','));
  if (traceBuf.length >= 512) flushTrace();
}

function flushTrace(): void {
  if (trace && traceBuf.length > 0) trace.write(traceBuf.join('\n') + '\n');
  traceBuf = [];
}

function secOf(now: number): SecStats {
  const s = Math.max(0, Math.floor((now - t0) / 1000));
  let st = secs.get(s);
  if (!st) secs.set(s, (st = new SecStats()));
  return st;
}

const ERROR_CODE_RE = /"errorCode"\s*:\s*"([^"]*)"/;
function errorCodeOf(body: string): string {
  const m = ERROR_CODE_RE.exec(body);
  return m ? m[1]! : '-';
}

function sample(text: string): void {
  if (win.errorSamples.length < 20) win.errorSamples.push(text.length > 600 ? text.slice(0, 600) + '…' : text);
}

// ---- outcomes -----------------------------------------------------------------------------------------------------

function fail(p: Payment, stage: number, code: string, detail?: string): void {
  if (p.dead) return;
  p.dead = true;
  inFlight.delete(p.i);
  if (stage === 2) traceTransfer(p, code);
  if (stage === 0) {
    removeFrom(p.payer.discQueue, p.spec.partyPath, p);
    removeFrom(p.payee.lookupQueue, `${p.spec.payerFsp}|${p.spec.partyPath}`, p);
  }
  const now = performance.now();
  const s = secOf(now);
  s.failed++;
  const key = `${STAGES[stage]}:${code}`;
  s.errors[key] = (s.errors[key] ?? 0) + 1;
  if (p.measured) {
    win.failed++;
    const e = win.stageErrors[stage]!;
    e[code] = (e[code] ?? 0) + 1;
    if (code === 'timeout') win.stageTimeouts[stage]!++;
    if (code !== 'timeout' || win.errorSamples.length < 3) {
      sample(`${STAGES[stage]} ${code} payment ${p.i} (${p.spec.payerFsp} → ${p.spec.payeeFsp}, transfer ${p.spec.transferId})${detail ? ': ' + detail : ''}`);
    }
  }
}

function stageDone(p: Payment, stage: number, now: number): void {
  const ms = now - p.stageStart;
  secOf(now).stages[stage]!.recordMs(ms);
  if (p.measured) win.stages[stage]!.recordMs(ms);
}

function complete(p: Payment, now: number): void {
  p.dead = true;
  inFlight.delete(p.i);
  const ms = now - p.schedAt;
  const s = secOf(now);
  s.completed++;
  s.e2e.recordMs(ms);
  if (p.measured) {
    win.completed++;
    win.e2e.recordMs(ms);
  }
}

function removeFrom(map: Map<string, Payment[]>, key: string, p: Payment): void {
  const q = map.get(key);
  if (!q) return;
  const k = q.indexOf(p);
  if (k >= 0) q.splice(k, 1);
  if (q.length === 0) map.delete(key);
}

function shiftLive(map: Map<string, Payment[]>, key: string): Payment | undefined {
  const q = map.get(key);
  if (!q) return undefined;
  let p: Payment | undefined;
  while ((p = q.shift()) !== undefined && p.dead);
  if (q.length === 0) map.delete(key);
  return p;
}

// ---- sending ------------------------------------------------------------------------------------------------------

function headersFor(
  resource: string,
  method: 'GET' | 'POST' | 'PUT',
  source: string,
  destination: string | undefined,
  date: string,
  uri: string,
  signature: string | undefined,
): Record<string, string> {
  const h: Record<string, string> = { 'content-type': ct[resource]!, date, 'fspiop-source': source };
  if (method !== 'PUT') h.accept = accept[resource]!;
  if (destination !== undefined) h['fspiop-destination'] = destination;
  if (method !== 'GET') {
    h['fspiop-uri'] = uri;
    h['fspiop-http-method'] = method;
  }
  if (signature !== undefined) h['fspiop-signature'] = signature;
  return h;
}

/** FSPIOP-Signature for slot `slot` of payment p: the signed-ahead one, else signed now (counted). */
function signatureFor(p: Payment, slot: number, method: 'POST' | 'PUT', uri: string, source: Dfsp, destination: string, body: string): string | undefined {
  if (!init.sign) return undefined;
  const ph = protectedHeader({ method, uri, source: source.name, destination, date: p.spec.date });
  if (!p.sigs && store) p.sigs = store.record(p.i);
  if (p.sigs) return signatureHeader(ph, p.sigs.subarray(slot * SIG_BYTES, (slot + 1) * SIG_BYTES));
  win.liveSigns++;
  return signatureHeader(ph, signRaw(source.key!, ph, body));
}

/** Send one message as `from`; resolves with undefined on a 2xx answer, else an error code. */
async function sendMsg(
  from: Dfsp,
  kind: AckKind,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  resource: string,
  destination: string | undefined,
  date: string,
  body: string | undefined,
  signature: string | undefined,
  measured: boolean,
): Promise<{ code: string; detail: string } | undefined> {
  const t = performance.now();
  try {
    const res = await ((resource === 'quotes' && from.quotePool) || from.pool).request({
      method,
      path,
      headers: headersFor(resource, method, from.name, destination, date, path, signature),
      body,
      headersTimeout: init.stageTimeoutMs,
      bodyTimeout: init.stageTimeoutMs,
    });
    if (res.statusCode >= 200 && res.statusCode < 300) {
      await res.body.dump();
      if (measured) win.ack[kind]!.recordMs(performance.now() - t);
      return undefined;
    }
    const text = await res.body.text();
    return { code: `${res.statusCode}/${errorCodeOf(text)}`, detail: `${kind} → HTTP ${res.statusCode} ${text}` };
  } catch (err) {
    const e = err as { code?: string; name?: string; message?: string };
    return { code: `net/${e.code ?? e.name ?? 'error'}`, detail: `${kind}: ${e.message ?? String(err)}` };
  }
}

// ---- payer ----------------------------------------------------------------------------------------------------------

function startPayment(i: number, schedAt: number, now: number): void {
  const spec = buildPayment(cfg!, i);
  const payer = dfsps[spec.payer]!;
  const payee = dfsps[spec.payee]!;
  const offset = schedAt - t0;
  const measured = offset >= step!.warmupMs && offset < step!.warmupMs + step!.durationMs;
  const p: Payment = { i, spec, payer, payee, stage: 0, stageStart: now, schedAt, measured, dead: false };
  inFlight.set(i, p);
  push(payer.discQueue, spec.partyPath, p);
  push(payee.lookupQueue, `${spec.payerFsp}|${spec.partyPath}`, p);
  const s = secOf(now);
  s.started++;
  s.lag.recordMs(now - schedAt);
  if (measured) {
    win.started++;
    win.lag.recordMs(now - schedAt);
  }
  if (init.transferOnly) return sendTransfer(p);
  void sendMsg(payer, 'GET /parties', 'GET', spec.partyPath, 'parties', undefined, spec.date, undefined, undefined, measured).then((e) => {
    if (e) fail(p, 0, e.code, e.detail);
  });
}

function push(map: Map<string, Payment[]>, key: string, p: Payment): void {
  const q = map.get(key);
  if (q) q.push(p);
  else map.set(key, [p]);
}

function sendQuoteRequest(p: Payment): void {
  p.stage = 1;
  p.stageStart = performance.now();
  const { spec } = p;
  const sig = signatureFor(p, SLOT_QUOTE_REQUEST, 'POST', '/quotes', p.payer, spec.payeeFsp, spec.quoteRequest);
  void sendMsg(p.payer, 'POST /quotes', 'POST', '/quotes', 'quotes', spec.payeeFsp, spec.date, spec.quoteRequest, sig, p.measured).then((e) => {
    if (e && p.stage === 1) fail(p, 1, e.code, e.detail);
  });
}

function sendTransfer(p: Payment): void {
  p.stage = 2;
  p.stageStart = performance.now();
  const { spec } = p;
  const sig = signatureFor(p, SLOT_TRANSFER, 'POST', '/transfers', p.payer, spec.payeeFsp, spec.transfer);
  if (trace) p.tt = [p.stageStart, NaN, NaN, NaN, NaN];
  void sendMsg(p.payer, 'POST /transfers', 'POST', '/transfers', 'transfers', spec.payeeFsp, spec.date, spec.transfer, sig, p.measured).then((e) => {
    if (p.tt) p.tt[T_ACKED] = performance.now();
    if (e && p.stage === 2) fail(p, 2, e.code, e.detail);
  });
}

function onPartiesPut(d: Dfsp, path: string, body: string): void {
  const isError = path.endsWith('/error');
  const base = isError ? path.slice(0, -6) : path;
  const p = shiftLive(d.discQueue, base);
  if (!p) {
    win.late++;
    return;
  }
  if (isError) return fail(p, 0, `cb/${errorCodeOf(body)}`, body);
  const now = performance.now();
  stageDone(p, 0, now);
  sendQuoteRequest(p);
}

function paymentOf(id: string): Payment | undefined {
  const parsed = parseId(id);
  if (!parsed || !cfg || parsed.nonce !== cfg.nonce || parsed.worker !== cfg.worker) return undefined;
  return inFlight.get(parsed.index);
}

function onQuotesPut(d: Dfsp, path: string, body: string): void {
  const isError = path.endsWith('/error');
  const id = path.slice('/quotes/'.length, isError ? -6 : undefined);
  const p = paymentOf(id);
  if (!p || p.payer !== d || p.stage !== 1) {
    win.late++;
    return;
  }
  if (isError) return fail(p, 1, `cb/${errorCodeOf(body)}`, body);
  if (!body.includes(p.spec.condition)) return fail(p, 1, 'bad-callback', `quote answer without the expected condition: ${body}`);
  stageDone(p, 1, performance.now());
  sendTransfer(p);
}

function onTransfersPut(d: Dfsp, path: string, source: string | undefined, body: string): void {
  const isError = path.endsWith('/error');
  const id = path.slice('/transfers/'.length, isError ? -6 : undefined);
  const p = paymentOf(id);
  if (p && p.payer === d && p.stage === 2) {
    if (isError) return fail(p, 2, `cb/${errorCodeOf(body)}`, body);
    if (!body.includes('"COMMITTED"')) return fail(p, 2, 'bad-callback', `fulfil callback not COMMITTED: ${body}`);
    const now = performance.now();
    stageDone(p, 2, now);
    complete(p, now);
    if (p.tt) {
      p.tt[T_PAYER_GOT] = now;
      traceTransfer(p, 'ok');
    }
    return;
  }
  if (isError) {
    const code = errorCodeOf(body);
    win.payeeErrors[code] = (win.payeeErrors[code] ?? 0) + 1;
    return;
  }
  if (source === init.hubName) win.payeeConfirmations++;
  else win.late++;
}

// ---- payee ----------------------------------------------------------------------------------------------------------

function answerAs(p: Payment, stage: number, kind: AckKind, slot: number, path: string, resource: string, body: string): void {
  const sig = signatureFor(p, slot, 'PUT', path, p.payee, p.spec.payerFsp, body);
  void sendMsg(p.payee, kind, 'PUT', path, resource, p.spec.payerFsp, p.spec.date, body, sig, p.measured).then((e) => {
    if (stage === 2 && p.tt) p.tt[T_FULFIL_ACKED] = performance.now();
    if (e && p.stage === stage) fail(p, stage, `payee ${e.code}`, e.detail);
  });
}

function onPartiesGet(d: Dfsp, path: string, source: string | undefined): void {
  const p = shiftLive(d.lookupQueue, `${source}|${path}`);
  if (p) return answerAs(p, 0, 'PUT /parties', SLOT_PARTY_ANSWER, path, 'parties', p.spec.partyAnswer);
  // A lookup we did not plan (e.g. after a timeout, or a repeated forward): answer it live.
  const m = /^\/parties\/MSISDN\/([^/?]+)$/.exec(path);
  if (!m || !source || !d.parties.includes(m[1]!)) {
    win.unexpected++;
    return;
  }
  win.late++;
  const body = partyAnswerBody(d.name, m[1]!);
  const date = new Date().toUTCString();
  let sig: string | undefined;
  if (init.sign) {
    const ph = protectedHeader({ method: 'PUT', uri: path, source: d.name, destination: source, date });
    sig = signatureHeader(ph, signRaw(d.key!, ph, body));
    win.liveSigns++;
  }
  void sendMsg(d, 'PUT /parties', 'PUT', path, 'parties', source, date, body, sig, false);
}

const QUOTE_ID_RE = /"quoteId"\s*:\s*"([^"]+)"/;
const TRANSFER_ID_RE = /"transferId"\s*:\s*"([^"]+)"/;

function onQuotesPost(d: Dfsp, body: string): void {
  const m = QUOTE_ID_RE.exec(body);
  const p = m ? paymentOf(m[1]!) : undefined;
  if (!p || p.payee !== d || p.stage !== 1) {
    win.late++;
    return;
  }
  answerAs(p, 1, 'PUT /quotes', SLOT_QUOTE_ANSWER, `/quotes/${p.spec.quoteId}`, 'quotes', p.spec.quoteAnswer);
}

function onTransfersPost(d: Dfsp, body: string): void {
  const m = TRANSFER_ID_RE.exec(body);
  const p = m ? paymentOf(m[1]!) : undefined;
  if (!p || p.payee !== d || p.stage !== 2) {
    win.late++;
    return;
  }
  if (p.tt) p.tt[T_PAYEE_GOT] = performance.now();
  answerAs(p, 2, 'PUT /transfers', SLOT_FULFIL, `/transfers/${p.spec.transferId}`, 'transfers', p.spec.fulfil);
}

// ---- the DFSP servers -----------------------------------------------------------------------------------------------

function onRequest(d: Dfsp, req: IncomingMessage, res: ServerResponse): void {
  const method = req.method ?? '';
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => {
    res.writeHead(method === 'PUT' || method === 'PATCH' ? 200 : 202, { 'content-length': '0' });
    res.end();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const source = req.headers['fspiop-source'] as string | undefined;
    const checkable = source !== init.hubName || hubPublicKey !== undefined; // the hub's key is known only with --start-hub
    if (init.verifySample > 0 && checkable && req.headers['fspiop-signature'] !== undefined && ++verifyCounter % init.verifySample === 0) {
      const w = win; // the window the message arrived in, even if the (asynchronous) check ends in the next one
      w.verified++;
      void verifyInbound(req, method, body).then((problem) => {
        if (problem) {
          w.signatureFailures++;
          sample(`signature check failed on ${method} ${path} from ${source}: ${problem}`);
        }
      });
    }
    try {
      if (method === 'PUT') {
        if (path.startsWith('/transfers/')) onTransfersPut(d, path, source, body);
        else if (path.startsWith('/quotes/')) onQuotesPut(d, path, body);
        else if (path.startsWith('/parties/')) onPartiesPut(d, path, body);
        else if (path.startsWith('/participants/')) onParticipantsPut(path, body);
        else win.unexpected++;
      } else if (method === 'POST') {
        if (path === '/quotes') onQuotesPost(d, body);
        else if (path === '/transfers') onTransfersPost(d, body);
        else win.unexpected++;
      } else if (method === 'GET' && path.startsWith('/parties/')) {
        onPartiesGet(d, path, source);
      } else if (method === 'PATCH') {
        win.payeeConfirmations++;
      } else {
        win.unexpected++;
      }
    } catch (err) {
      sample(`handler error on ${method} ${path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  });
  req.on('error', () => undefined);
}

let verifyCounter = 0;

/**
 * The SDK's inbound JWS checks (security.md §1.5) against the sender's public key, the signature itself with jose (not
 * node:crypto as the hub does: an independent check); a problem text or undefined. Only sampled messages are checked
 * (--verify-sample), so jose's extra cost (docs/decisions.md 2026-12-06) stays small.
 */
async function verifyInbound(req: IncomingMessage, method: string, body: string): Promise<string | undefined> {
  const h = req.headers;
  const one = (k: string) => (Array.isArray(h[k]) ? (h[k] as string[]).join(', ') : (h[k] as string | undefined));
  const source = one('fspiop-source');
  const senderKey = source === init.hubName ? hubPublicKey : source ? byName.get(source)?.publicKey : undefined;
  if (!senderKey) return `no public key for FSPIOP-Source ${source}`;
  let sig: { protectedHeader?: string; signature?: string };
  let ph: Record<string, string>;
  try {
    sig = JSON.parse(one('fspiop-signature')!);
    ph = JSON.parse(Buffer.from(sig.protectedHeader ?? '', 'base64url').toString('utf8'));
  } catch {
    return 'FSPIOP-Signature is not {protectedHeader, signature} JSON';
  }
  if (ph.alg !== 'RS256') return `alg ${ph.alg}`;
  if (ph['FSPIOP-URI'] !== one('fspiop-uri')) return `FSPIOP-URI ${one('fspiop-uri')} ≠ protected ${ph['FSPIOP-URI']}`;
  if (ph['FSPIOP-HTTP-Method'] !== one('fspiop-http-method') || ph['FSPIOP-HTTP-Method'] !== method)
    return `FSPIOP-HTTP-Method ${one('fspiop-http-method')} ≠ protected ${ph['FSPIOP-HTTP-Method']}`;
  if (ph['FSPIOP-Source'] !== source) return `FSPIOP-Source ≠ protected ${ph['FSPIOP-Source']}`;
  if (ph.Date !== undefined && ph.Date !== one('date')) return `Date ${one('date')} ≠ protected ${ph.Date}`;
  const dest = one('fspiop-destination');
  if ((dest !== undefined || ph['FSPIOP-Destination'] !== undefined) && dest !== ph['FSPIOP-Destination'])
    return `FSPIOP-Destination ${dest} ≠ protected ${ph['FSPIOP-Destination']}`;
  try {
    await flattenedVerify(
      { protected: sig.protectedHeader ?? '', payload: Buffer.from(body, 'utf8').toString('base64url'), signature: sig.signature ?? '' },
      senderKey,
      { algorithms: ['RS256'] },
    );
  } catch (err) {
    return err instanceof joseErrors.JWSSignatureVerificationFailed
      ? 'signature does not verify over the received body'
      : `jose refused the signature: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}

async function startDfsp(index: number, w: InitMsg['dfsps'][number]): Promise<Dfsp> {
  const d = {
    index,
    name: w.name,
    parties: w.parties,
    ilpSecret: w.ilpSecret,
    key: w.privateKeyPem ? createPrivateKey(w.privateKeyPem) : undefined,
    publicKey: w.privateKeyPem ? createPublicKey(createPrivateKey(w.privateKeyPem)) : undefined,
    discQueue: new Map(),
    lookupQueue: new Map(),
  } as unknown as Dfsp;
  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 70_000, requestTimeout: 0 }, (req, res) => onRequest(d, req, res));
  server.on('connection', (socket: Socket) => {
    accepted++;
    let why = 'by the peer';
    socket.once('timeout', () => (why = 'idle timeout'));
    socket.once('error', (err: NodeJS.ErrnoException) => (why = `error ${err.code ?? err.message}`));
    socket.once('close', () => closed(`server ${why}`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, init.bindHost, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = init.advertiseHost.includes(':') ? `[${init.advertiseHost}]` : init.advertiseHost;
  d.server = server;
  d.baseUrl = `http://${host}:${port}`;
  const target = new URL(w.targetUrl ?? init.targetUrl).origin;
  d.pool = new Pool(target, { connections: init.connections, keepAliveTimeout: 30_000, pipelining: 1 });
  d.pool.on('disconnect', (_origin: unknown, _targets: unknown, err: Error & { code?: string }) => closed(`client ${err.code ?? ''} ${err.message}`.trim()));
  if (init.quotesUrl && new URL(init.quotesUrl).origin !== target)
    d.quotePool = new Pool(new URL(init.quotesUrl).origin, { connections: init.connections, keepAliveTimeout: 30_000, pipelining: 1 });
  return d;
}

// ---- ALS registration (setup, before any measurement) ---------------------------------------------------------------

function onParticipantsPut(path: string, body: string): void {
  const id = path.slice('/participants/'.length).replace(/\/error$/, '');
  const w = registrationWaiters.get(id);
  if (w) w(path, body);
}

async function registerParties(batchSize: number, timeoutMs: number): Promise<{ parties: number; errors: string[] }> {
  const errors: string[] = [];
  let parties = 0;
  await Promise.all(
    dfsps.map(async (d) => {
      for (let k = 0; k < d.parties.length; k += batchSize) {
        const chunk = d.parties.slice(k, k + batchSize);
        const requestId = randomUUID();
        const body = JSON.stringify({
          currency: init.currency,
          partyList: chunk.map((id) => ({ fspId: d.name, partyIdType: 'MSISDN', partyIdentifier: id })),
          requestId,
        });
        const answered = new Promise<{ path: string; body: string }>((resolve, reject) => {
          const timer = setTimeout(() => {
            registrationWaiters.delete(requestId);
            reject(new Error(`${d.name}: no PUT /participants/${requestId} within ${timeoutMs} ms`));
          }, timeoutMs);
          registrationWaiters.set(requestId, (path, b) => {
            clearTimeout(timer);
            registrationWaiters.delete(requestId);
            resolve({ path, body: b });
          });
        });
        const date = new Date().toUTCString();
        let sig: string | undefined;
        if (init.sign) {
          const ph = protectedHeader({ method: 'POST', uri: '/participants', source: d.name, destination: undefined as unknown as string, date });
          sig = signatureHeader(ph, signRaw(d.key!, ph, body));
        }
        const e = await sendMsgNoDest(d, body, date, sig);
        if (e) {
          registrationWaiters.delete(requestId);
          errors.push(`${d.name}: POST /participants → ${e}`);
          return;
        }
        try {
          const cb = await answered;
          if (cb.path.endsWith('/error')) {
            errors.push(`${d.name}: PUT ${cb.path} ${cb.body.slice(0, 300)}`);
            continue;
          }
          const parsed = JSON.parse(cb.body) as { partyList?: Array<{ errorInformation?: unknown; partyId?: { partyIdentifier?: string } }> };
          for (const entry of parsed.partyList ?? []) {
            if (entry.errorInformation) errors.push(`${d.name}: party ${entry.partyId?.partyIdentifier}: ${JSON.stringify(entry.errorInformation)}`);
            else parties++;
          }
        } catch (err) {
          errors.push(err instanceof Error ? err.message : String(err));
        }
      }
    }),
  );
  return { parties, errors };
}

async function sendMsgNoDest(d: Dfsp, body: string, date: string, sig: string | undefined): Promise<string | undefined> {
  // POST /participants needs no FSPIOP-Destination (docs/discovery.md); the protected header then has none.
  const headers: Record<string, string> = {
    'content-type': ct.participants!,
    accept: accept.participants!,
    date,
    'fspiop-source': d.name,
    'fspiop-uri': '/participants',
    'fspiop-http-method': 'POST',
  };
  if (sig) headers['fspiop-signature'] = sig;
  try {
    const res = await d.pool.request({ method: 'POST', path: '/participants', headers, body, headersTimeout: 30_000, bodyTimeout: 30_000 });
    const text = await res.body.text();
    return res.statusCode >= 200 && res.statusCode < 300 ? undefined : `HTTP ${res.statusCode} ${text.slice(0, 300)}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

// ---- a step -------------------------------------------------------------------------------------------------------

async function plan(s: StepSpec): Promise<void> {
  store?.close();
  store = undefined;
  step = s;
  const count = paymentsInSpan(s.rate, s.warmupMs + s.durationMs, init.worker, init.workers, s.rampMs);
  cfg = {
    nonce: s.nonce,
    worker: init.worker,
    workers: init.workers,
    rate: s.rate,
    rampMs: s.rampMs,
    anchorMs: s.anchorMs,
    count,
    expiryMs: s.expiryMs,
    currency: init.currency,
    version: init.version,
    dfsps: init.dfsps.map((d) => ({ name: d.name, parties: d.parties, ilpSecret: d.ilpSecret })),
    seed: s.seed,
  };
  let sign: (Awaited<ReturnType<typeof signAhead>> & { store: string; bytes: number }) | undefined;
  if (init.sign && count > 0) {
    store = SigStore.create(count, { memoryBudgetBytes: init.signMemoryBytes, dir: init.tmpDir, mode: init.signStore, tag: s.nonce });
    const r = await signAhead(
      cfg,
      init.dfsps.map((d) => d.privateKeyPem!),
      store,
      init.signThreads,
      (done, total) => send({ type: 'signProgress', worker: init.worker, done, total }),
    );
    sign = { ...r, store: store.handle.kind, bytes: store.bytes };
  }
  send({ type: 'planned', worker: init.worker, count, sign });
}

function resetStep(): void {
  inFlight.clear();
  secs.clear();
  for (const d of dfsps) {
    d.discQueue.clear();
    d.lookupQueue.clear();
  }
  win.eld.disable();
  win = new WindowStats();
  next = 0;
  stopping = false;
}

function start(t0Ms: number): void {
  resetStep();
  running = true;
  t0 = t0Ms - performance.timeOrigin;
  const s = step!;
  const c = cfg!;
  win.planned = c.count === 0 ? 0 : countMeasured(c, s);
  const at = (ms: number, fn: () => void) => timers.push(setTimeout(fn, Math.max(0, t0 + ms - performance.now())));
  if (init.traceFile) {
    trace = createWriteStream(`${init.traceFile}${s.id}-w${init.worker}.csv`);
    trace.write(TRACE_COLUMNS.join(',') + '\n');
  }
  at(s.warmupMs, () => {
    win.connectsAtStart = [connects, connectErrors, accepted];
    win.cpuStart = process.cpuUsage();
    win.eld.enable();
  });
  at(s.warmupMs + s.durationMs, () => {
    closeConnectCount();
    if (win.cpuStart) {
      const u = process.cpuUsage(win.cpuStart);
      win.cpuMsWindow = (u.user + u.system) / 1000;
    }
    win.eld.disable();
  });
  lastFlushedCpu = process.cpuUsage();
  secEld.enable();
  timers.push(setInterval(flushSeconds, 250));
  timers.push(setInterval(sweepTimeouts, 200));
  timers.push(setTimeout(tick, Math.max(0, t0 - performance.now())));
}

function countMeasured(c: PlanConfig, s: StepSpec): number {
  let n = 0;
  for (let i = 0; i < c.count; i++) {
    const o = plannedOffsetMs(c, i);
    if (o >= s.warmupMs && o < s.warmupMs + s.durationMs) n++;
  }
  return n;
}

function tick(): void {
  if (!running || stopping) return;
  const c = cfg!;
  const now = performance.now();
  let budget = 256;
  while (next < c.count && budget > 0) {
    const at = t0 + plannedOffsetMs(c, next);
    if (at > now) break;
    startPayment(next, at, now);
    next++;
    budget--;
  }
  if (next >= c.count) {
    void drain(false);
    return;
  }
  if (budget === 0) {
    setImmediate(tick);
    return;
  }
  const delay = t0 + plannedOffsetMs(c, next) - performance.now();
  if (delay <= 0) setImmediate(tick);
  else setTimeout(tick, delay < 1 ? 0 : Math.floor(delay));
}

function sweepTimeouts(): void {
  const now = performance.now();
  const limit = init.stageTimeoutMs;
  for (const p of inFlight.values()) {
    if (now - p.stageStart > limit) fail(p, p.stage, 'timeout', `no ${['PUT /parties', 'PUT /quotes', 'PUT /transfers'][p.stage]} within ${limit} ms`);
  }
}

function flushSeconds(final = false): void {
  const current = Math.floor((performance.now() - t0) / 1000);
  const keys = [...secs.keys()].sort((a, b) => a - b);
  for (const sec of keys) {
    if (!final && sec >= current) break;
    const st = secs.get(sec)!;
    secs.delete(sec);
    const u = process.cpuUsage(lastFlushedCpu);
    lastFlushedCpu = process.cpuUsage();
    const eldMax = secEld.max / 1e6;
    secEld.reset();
    const msg: SecStatsJson = {
      sec,
      started: st.started,
      completed: st.completed,
      failed: st.failed,
      inflight: inFlight.size,
      lag: st.lag.toJSON(),
      stages: st.stages.map((h) => h.toJSON()),
      e2e: st.e2e.toJSON(),
      errors: st.errors,
      cpuMs: (u.user + u.system) / 1000,
      eldMaxMs: Number.isFinite(eldMax) ? eldMax : 0,
    };
    send({ type: 'sec', worker: init.worker, ...msg });
  }
}

let draining = false;
async function drain(abort: boolean): Promise<void> {
  if (draining) return;
  draining = true;
  const limit = performance.now() + (abort ? 3000 : 3 * init.stageTimeoutMs + 2000);
  while (inFlight.size > 0 && performance.now() < limit) await new Promise((r) => setTimeout(r, 100));
  for (const p of [...inFlight.values()]) {
    if (abort) {
      p.dead = true;
      inFlight.delete(p.i);
      if (p.measured) win.aborted++;
    } else fail(p, p.stage, 'timeout');
  }
  if (abort && cfg) {
    // Payments of the window that were never started.
    win.aborted += Math.max(0, win.planned - win.started);
  }
  running = false;
  for (const t of timers.splice(0)) clearTimeout(t);
  flushSeconds(true);
  secEld.disable();
  closeConnectCount();
  if (win.cpuStart && win.cpuMsWindow === 0) {
    const u = process.cpuUsage(win.cpuStart);
    win.cpuMsWindow = (u.user + u.system) / 1000;
  }
  const window: WindowStatsJson = {
    planned: win.planned,
    started: win.started,
    completed: win.completed,
    failed: win.failed,
    stages: win.stages.map((h) => h.toJSON()),
    stageTimeouts: win.stageTimeouts,
    stageErrors: win.stageErrors,
    e2e: win.e2e.toJSON(),
    ack: Object.fromEntries(Object.entries(win.ack).map(([k, h]) => [k, h.toJSON()])),
    lag: win.lag.toJSON(),
    errorSamples: win.errorSamples,
    liveSigns: win.liveSigns,
    late: win.late,
    payeeConfirmations: win.payeeConfirmations,
    payeeErrors: win.payeeErrors,
    unexpected: win.unexpected,
    aborted: win.aborted,
    verified: win.verified,
    signatureFailures: win.signatureFailures,
    cpuMsWindow: win.cpuMsWindow,
    eldP99Ms: win.eld.count > 0 ? win.eld.percentile(99) / 1e6 : 0,
    eldMaxMs: win.eld.count > 0 ? win.eld.max / 1e6 : 0,
    connectsWindow: win.connectsWindow,
    connectErrorsWindow: win.connectErrorsWindow,
    acceptedWindow: win.acceptedWindow,
    closesWindow: win.closesWindow,
  };
  flushTrace();
  trace?.end();
  trace = undefined;
  draining = false;
  send({ type: 'done', worker: init.worker, window });
}

// ---- control ------------------------------------------------------------------------------------------------------

async function shutdown(): Promise<void> {
  running = false;
  for (const t of timers.splice(0)) clearTimeout(t);
  store?.close();
  await Promise.all(
    dfsps.map(async (d) => {
      await d.pool.close().catch(() => undefined);
      await d.quotePool?.close().catch(() => undefined);
      await new Promise<void>((r) => {
        d.server.close(() => r());
        d.server.closeAllConnections();
      });
    }),
  );
}

process.on('message', (m: ToWorker) => {
  void (async () => {
    try {
      switch (m.type) {
        case 'init': {
          init = m;
          if (m.hubPublicKeyPem) hubPublicKey = createPublicKey(m.hubPublicKeyPem);
          for (const r of ['parties', 'quotes', 'transfers', 'participants']) {
            ct[r] = `application/vnd.interoperability.${r}+json;version=${m.version}`;
            accept[r] = `application/vnd.interoperability.${r}+json;version=${m.version.split('.')[0]}`;
          }
          dfsps = await Promise.all(m.dfsps.map((d, k) => startDfsp(k, d)));
          for (const d of dfsps) byName.set(d.name, d);
          let signMs: number | undefined;
          if (m.sign && dfsps[0]?.key) {
            const t = performance.now();
            for (let k = 0; k < 50; k++) signRaw(dfsps[0].key, 'eyJhbGciOiJSUzI1NiJ9', 'x'.repeat(700));
            signMs = (performance.now() - t) / 50;
          }
          send({ type: 'ready', worker: m.worker, servers: Object.fromEntries(dfsps.map((d) => [d.name, d.baseUrl])), signMs });
          break;
        }
        case 'register': {
          const r = await registerParties(m.batchSize, m.timeoutMs);
          send({ type: 'registered', worker: init.worker, ...r });
          break;
        }
        case 'plan':
          await plan(m.step);
          break;
        case 'start':
          start(m.t0Ms);
          break;
        case 'stop':
          stopping = true;
          if (running) void drain(true);
          break;
        case 'exit':
          await shutdown();
          process.exit(0);
      }
    } catch (err) {
      send({ type: 'fatal', worker: init?.worker ?? -1, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  })();
});

process.on('disconnect', () => {
  void shutdown().finally(() => process.exit(0));
});
process.on('SIGINT', () => undefined); // the orchestrator decides when to stop (Ctrl-C reaches the whole group)
