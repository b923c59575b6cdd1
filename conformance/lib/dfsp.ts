// A simulated DFSP: an HTTP server that records everything the hub sends it, acknowledges it at once
// (202 for POST/GET/DELETE, 200 for PUT/PATCH) and, as a payee, answers what the hub forwards per a
// behaviour chosen by the scenario: party lookups (GET /parties), quote requests (POST /quotes, with an
// ILP v4 packet and condition per security.md §2.2) and prepares (POST /transfers; the fulfilment is taken
// from the suite's registry or re-derived from the packet per §2.3, so no state is shared with the payer).
import { closeServer, listenOn } from './listen.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { FspiopClient, normaliseHeaders, tryParseJson, type FspiopResponse, type SendOptions } from './http.js';
import { fulfilmentFromPacket, quoteIlp, type QuoteRequestLike } from './ilp.js';
import { b64url, show } from './util.js';

export interface RecordedRequest {
  /** 1-based arrival number within this simulator. */
  seq: number;
  method: string;
  /** Path including any query string, as received. */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  rawBody: Buffer;
  bodyText: string;
  /** Parsed JSON body, undefined when empty or not JSON. */
  body: any;
  receivedAt: number;
  /** HTTPS simulators: subject CN of the client certificate the caller presented (verified against the scheme CA). */
  tlsPeer?: string;
  /** Secured runs: the check of the message's FSPIOP-Signature (messages with a body). */
  signature?: ReceivedSignature;
}

/** Outcome of checking the signature of a received message. */
export interface ReceivedSignature {
  ok: boolean;
  /** Whose key it was checked against (the hub, or the FSPIOP-Source). */
  signer: string;
  /** Failure reason, or the alg used. */
  detail: string;
}

export type PayeeBehaviour =
  /** PUT /transfers/{id} {fulfilment, completedTimestamp, transferState:'COMMITTED'} */
  | { kind: 'fulfil'; version?: string; notBefore?: number; delayMs?: number }
  /** Same with transferState RESERVED (asks for a PATCH commit notification; needs version ≥ 1.1). */
  | { kind: 'reserved'; version?: string; notBefore?: number; delayMs?: number }
  /** PUT /transfers/{id}/error {errorInformation:{errorCode, errorDescription}} */
  | { kind: 'reject'; errorCode: string; errorDescription?: string; version?: string; notBefore?: number; delayMs?: number }
  /** No answer at all. */
  | { kind: 'silent' }
  /** COMMITTED with a random 32-byte fulfilment that does not match the condition. */
  | { kind: 'wrongFulfilment'; version?: string; notBefore?: number; delayMs?: number }
  /** COMMITTED without a fulfilment. */
  | { kind: 'committedWithoutFulfilment'; version?: string; notBefore?: number; delayMs?: number };

/** How a GET /parties for a registered party is answered. */
export type PartyLookupBehaviour =
  /** PUT /parties/{Type}/{ID}[/{SubId}] {party} */
  | { kind: 'answer'; delayMs?: number; version?: string }
  /** PUT /parties/.../error {errorInformation} */
  | { kind: 'error'; errorCode: string; errorDescription?: string; delayMs?: number; version?: string }
  /** No answer at all. */
  | { kind: 'silent' };

/** How a POST /quotes is answered (as payee). */
export type QuoteBehaviour =
  /**
   * PUT /quotes/{ID} {transferAmount, expiration (now + expiresInMs), ilpPacket, condition}, with payeeFspFee and
   * payeeFspCommission when given (amounts in the quote's currency, e.g. "0" as the SDK's default backend sends).
   */
  | { kind: 'answer'; delayMs?: number; expiresInMs?: number; version?: string; fee?: string; commission?: string }
  /** Same, with an expiration already in the past (default 60 s ago). */
  | { kind: 'expired'; delayMs?: number; expiredForMs?: number; version?: string }
  /** PUT /quotes/{ID}/error {errorInformation}. */
  | { kind: 'error'; errorCode: string; errorDescription?: string; delayMs?: number; version?: string }
  /** No answer at all. */
  | { kind: 'silent' };

/** A party this DFSP holds (answers GET /parties for it). */
export interface SimParty {
  partyIdType: string;
  partyIdentifier: string;
  partySubIdOrType?: string;
  /** Party.name; default `firstName lastName`. */
  name?: string;
  firstName?: string;
  middleName?: string;
  lastName?: string;
  /** YYYY-MM-DD */
  dateOfBirth?: string;
  merchantClassificationCode?: string;
  /** Default: answer. */
  lookup?: PartyLookupBehaviour;
  /** Behaviour for quotes whose payee is this party (a per-quote behaviour wins). */
  quote?: QuoteBehaviour;
}

/** A quote answer this payee sent (kept so a repeated request gets the very same answer). */
export interface QuoteAnswer {
  quoteId: string;
  transactionId?: string;
  /** Path of the PUT (`/quotes/{ID}` or `/quotes/{ID}/error`). */
  path: string;
  /** Exact body bytes sent. */
  bodyText: string;
  version: string;
  /** The request it answers (raw text). */
  requestText: string;
  ilpPacket?: string;
  condition?: string;
  fulfilment?: string;
}

/** A callback the simulator sent to the hub on its own (payee answers). */
export interface OutboundRecord {
  /** Resource of the answer. Default (older records) `transfers`. */
  resource?: 'transfers' | 'parties' | 'quotes';
  /** transferId for prepares answered. */
  transferId?: string;
  /** quoteId for quote answers. */
  quoteId?: string;
  /** Path of the GET /parties answered (without query). */
  partyPath?: string;
  behaviour: string;
  /** Present when the hub answered. */
  response?: FspiopResponse;
  /** Present when the callback could not be sent. */
  error?: string;
  at: number;
}

export interface DfspSimulatorOptions {
  name: string;
  /** Client towards the hub; needed for payee behaviour. */
  hub?: FspiopClient;
  /** transferId → fulfilment, shared with whoever created the transfer (the payer side of the suite). */
  fulfilments?: Map<string, string>;
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** Host name put in callback URLs (when the hub reaches us by another name). Default = host. */
  advertisedHost?: string;
  /** Port. Default 0 (ephemeral). */
  port?: number;
  /** Behaviour for prepares without a per-transfer behaviour. Default fulfil. */
  defaultBehaviour?: PayeeBehaviour;
  /**
   * FSPIOP version this DFSP speaks: the Content-Type version of everything it sends (Accept: the major).
   * Unset: '1.1' for requests, and answers to prepares mirror the prepare's version.
   */
  version?: string;
  /** Secret for the ILP fulfilments of its quotes (security.md §2.3). Default: 32 random bytes. */
  ilpSecret?: string;
  /** Quote validity. Default 60 s. */
  quoteExpiryMs?: number;
  /** Answer to GET /parties for a party it does not hold. Default: error 3204. */
  unknownParty?: PartyLookupBehaviour;
  /** Behaviour for quotes without a per-quote or per-party behaviour. Default answer. */
  defaultQuoteBehaviour?: QuoteBehaviour;
  /**
   * Serve HTTPS with this certificate, and require a client certificate from `ca` (the hub's). Default: plain HTTP.
   */
  tls?: { cert: string; key: string; ca: string };
  /**
   * Checks the signature of each received message (stored in `RecordedRequest.signature`). The check is
   * asynchronous (jose); messages are still recorded, answered and handled in the order they arrived.
   */
  verify?: (rec: RecordedRequest) => Promise<ReceivedSignature | undefined>;
  /**
   * The dialect the participant is registered with (docs/iso20022.md): what the hub renders for it, and what the
   * audit expects of hub-authored messages. Default `fspiop/1.1`.
   */
  dialect?: SimDialect;
  /**
   * Own handling of each received message, after it is recorded and acknowledged (e.g. a payee speaking Mojaloop's
   * ISO 20022 JSON): return true to skip the built-in FSPIOP payee behaviour.
   */
  handle?: (rec: RecordedRequest) => boolean;
}

/** Dialects a simulated DFSP can be registered with. */
export type SimDialect = 'fspiop/1.1' | 'fspiop/2.0' | 'iso20022-json/2.0';

export const partyKey = (type: string, id: string, subId?: string): string => `${type}/${id}/${subId ?? ''}`;

/** `/parties/{Type}/{ID}[/{SubId}]` (query stripped, segments decoded) → parts; undefined for other paths. */
export function parsePartiesPath(path: string): { type: string; id: string; subId?: string; path: string } | undefined {
  const p = path.split('?')[0]!;
  const m = /^\/parties\/([^/]+)\/([^/]+)(?:\/([^/]+))?\/?$/.exec(p);
  if (!m) return undefined;
  if (m[3] === 'error') return undefined;
  try {
    return { type: decodeURIComponent(m[1]!), id: decodeURIComponent(m[2]!), subId: m[3] === undefined ? undefined : decodeURIComponent(m[3]), path: p };
  } catch {
    return undefined;
  }
}

/** The `{party}` body of PUT /parties for `p` held by `fspId` (fspiop.md §7). */
export function partyBody(p: SimParty, fspId: string): { party: Record<string, unknown> } {
  const partyIdInfo: Record<string, unknown> = { partyIdType: p.partyIdType, partyIdentifier: p.partyIdentifier };
  if (p.partySubIdOrType !== undefined) partyIdInfo.partySubIdOrType = p.partySubIdOrType;
  partyIdInfo.fspId = fspId;
  const firstName = p.firstName ?? 'Mary';
  const lastName = p.lastName ?? 'Jones';
  const complexName: Record<string, string> = { firstName };
  if (p.middleName !== undefined) complexName.middleName = p.middleName;
  complexName.lastName = lastName;
  const personalInfo: Record<string, unknown> = { complexName };
  if (p.dateOfBirth !== undefined) personalInfo.dateOfBirth = p.dateOfBirth;
  const party: Record<string, unknown> = { partyIdInfo };
  if (p.merchantClassificationCode !== undefined) party.merchantClassificationCode = p.merchantClassificationCode;
  party.name = p.name ?? [firstName, p.middleName, lastName].filter(Boolean).join(' ');
  party.personalInfo = personalInfo;
  return { party };
}

interface Waiter {
  predicate: (r: RecordedRequest) => boolean;
  since: number;
  resolve: (r: RecordedRequest) => void;
}

export interface WaitOptions {
  /** Only consider requests with seq > since (see mark()). Default 0 (all). */
  since?: number;
  /** Human description of what is awaited, for the failure message. */
  label?: string;
  /** Which received requests to list in the failure message. Default: all (last 20). */
  context?: (r: RecordedRequest) => boolean;
}

const VERSION_RE = /version\s*=\s*(\d+(?:\.\d+)?)/i;

export function versionOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const m = VERSION_RE.exec(contentType);
  return m ? m[1] : undefined;
}

/** `/transfers/{id}[/error]` → id (for the transfers resource). */
export function transferIdOfPath(path: string): string | undefined {
  const m = /^\/transfers\/([^/?]+)/.exec(path);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

export function summarise(r: RecordedRequest): string {
  const h = r.headers;
  const sig = r.signature && !r.signature.ok ? ` [BAD SIGNATURE (${r.signature.signer}): ${r.signature.detail}]` : '';
  return `#${r.seq} ${r.method} ${r.path} [src=${h['fspiop-source'] ?? '-'} dst=${h['fspiop-destination'] ?? '-'} ct=${h['content-type'] ?? '-'}]${sig} ${show(r.bodyText, 400)}`;
}

export class DfspSimulator {
  readonly name: string;
  readonly requests: RecordedRequest[] = [];
  /** Requests whose body has been read (recorded, or waiting for their signature check): the next seq. */
  private arrived = 0;
  /** The recording of the last arrived request: the next one is recorded after it (arrival order). */
  private recording: Promise<void> = Promise.resolve();
  readonly outbound: OutboundRecord[] = [];
  /** Internal problems (e.g. fulfilment unknown for a transfer it had to fulfil). */
  readonly problems: string[] = [];
  private readonly opts: DfspSimulatorOptions;
  private readonly behaviours = new Map<string, PayeeBehaviour>();
  private readonly handledPrepares = new Set<string>();
  private readonly parties = new Map<string, SimParty>();
  private readonly quoteBehaviours = new Map<string, QuoteBehaviour>();
  /** quoteId → the answer sent (a repeated request gets the same bytes again). */
  readonly quoteAnswers = new Map<string, QuoteAnswer>();
  private readonly ilpSecret: string;
  private readonly waiters = new Set<Waiter>();
  private readonly outboundWaiters = new Set<{ predicate: (o: OutboundRecord) => boolean; resolve: (o: OutboundRecord) => void }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server?: Server;
  private _baseUrl?: string;
  private defaultBehaviour: PayeeBehaviour;

  constructor(opts: DfspSimulatorOptions) {
    this.name = opts.name;
    this.opts = opts;
    this.defaultBehaviour = opts.defaultBehaviour ?? { kind: 'fulfil' };
    this.ilpSecret = opts.ilpSecret ?? b64url(randomBytes(32));
  }

  /** FSPIOP version of the messages this DFSP sends. */
  get version(): string {
    return this.opts.version ?? '1.1';
  }

  /** The dialect the participant is registered with. */
  get dialect(): SimDialect {
    return this.opts.dialect ?? 'fspiop/1.1';
  }

  /** Install (or replace) the own handling of received messages (see DfspSimulatorOptions.handle). */
  setHandler(handle: ((rec: RecordedRequest) => boolean) | undefined): void {
    this.opts.handle = handle;
  }

  /** The handler set now (to chain roles: an FXP that answers both fxQuotes and fxTransfers). */
  get handler(): ((rec: RecordedRequest) => boolean) | undefined {
    return this.opts.handle;
  }

  /** Whether a version was configured (otherwise prepare answers mirror the prepare's version). */
  get hasConfiguredVersion(): boolean {
    return this.opts.version !== undefined;
  }

  /** `http://host:port` the hub should call. */
  get baseUrl(): string {
    if (!this._baseUrl) throw new Error(`simulator ${this.name} is not started`);
    return this._baseUrl;
  }

  async start(): Promise<this> {
    const tls = this.opts.tls;
    const handler = (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res);
    const server: Server = tls
      ? createHttpsServer({ cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, handler)
      : createServer(handler);
    server.keepAliveTimeout = 30_000;
    this._baseUrl = await listenOn(server, { host: this.opts.host, port: this.opts.port, advertisedHost: this.opts.advertisedHost, https: Boolean(tls) });
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  setDefaultBehaviour(b: PayeeBehaviour): void {
    this.defaultBehaviour = b;
  }

  /** Behaviour for the prepare of one transfer (as payee). */
  setBehaviour(transferId: string, b: PayeeBehaviour): void {
    this.behaviours.set(transferId, b);
  }

  // ---- parties and quotes (payee role) -------------------------------------------------------------------------

  /** Hold a party: GET /parties for it is answered per `p.lookup` (default: PUT /parties with the party). */
  addParty(p: SimParty): SimParty {
    this.parties.set(partyKey(p.partyIdType, p.partyIdentifier, p.partySubIdOrType), p);
    return p;
  }

  removeParty(type: string, id: string, subId?: string): void {
    this.parties.delete(partyKey(type, id, subId));
  }

  getParty(type: string, id: string, subId?: string): SimParty | undefined {
    return this.parties.get(partyKey(type, id, subId));
  }

  /** Behaviour for the quote request with this quoteId (wins over the payee party's and the default). */
  setQuoteBehaviour(quoteId: string, b: QuoteBehaviour): void {
    this.quoteBehaviours.set(quoteId, b);
  }

  setDefaultQuoteBehaviour(b: QuoteBehaviour): void {
    this.opts.defaultQuoteBehaviour = b;
  }

  /**
   * Send any FSPIOP request to the hub as this DFSP: FSPIOP-Source = this name and the configured version
   * unless overridden.
   */
  send(o: Omit<SendOptions, 'source'> & { source?: string }): Promise<FspiopResponse> {
    const hub = this.opts.hub;
    if (!hub) return Promise.reject(new Error(`simulator ${this.name} has no hub client`));
    return hub.send({ ...o, version: o.version ?? this.version, source: o.source ?? this.name });
  }

  /**
   * Current arrival count; pass as `since` to wait only for later requests. A request that arrived before the mark
   * counts as earlier even while its signature is still being checked.
   */
  mark(): number {
    return this.arrived;
  }

  /** Recorded requests matching `predicate` (optionally only after `since`). */
  find(predicate: (r: RecordedRequest) => boolean, since = 0): RecordedRequest[] {
    return this.requests.filter((r) => r.seq > since && predicate(r));
  }

  /** Resolve with the first request (already received or future) matching `predicate`; reject after `timeoutMs`. */
  waitFor(predicate: (r: RecordedRequest) => boolean, timeoutMs: number, opts: WaitOptions = {}): Promise<RecordedRequest> {
    const since = opts.since ?? 0;
    const existing = this.requests.find((r) => r.seq > since && predicate(r));
    if (existing) return Promise.resolve(existing);
    const callSite = new Error('waitFor'); // keeps the caller's stack for the timeout error
    return new Promise<RecordedRequest>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        since,
        resolve: (r) => {
          clearTimeout(timer);
          this.timers.delete(timer);
          this.waiters.delete(waiter);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.waiters.delete(waiter);
        const err = new Error(this.timeoutMessage(timeoutMs, opts));
        err.stack = `Error: ${err.message}\n${(callSite.stack ?? '').split('\n').slice(1).join('\n')}`;
        reject(err);
      }, timeoutMs);
      this.timers.add(timer);
      this.waiters.add(waiter);
    });
  }

  /** Wait for `count` distinct matching requests. */
  async waitForCount(predicate: (r: RecordedRequest) => boolean, count: number, timeoutMs: number, opts: WaitOptions = {}): Promise<RecordedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    let since = opts.since ?? 0;
    const found: RecordedRequest[] = [];
    while (found.length < count) {
      const r = await this.waitFor(predicate, Math.max(1, deadline - Date.now()), {
        ...opts,
        since,
        label: `${opts.label ?? 'request'} (${found.length + 1} of ${count})`,
      });
      found.push(r);
      since = r.seq;
    }
    return found;
  }

  /** Resolve with the first outbound (payee) callback matching `predicate`. */
  waitForOutbound(predicate: (o: OutboundRecord) => boolean, timeoutMs: number, label = 'outbound callback'): Promise<OutboundRecord> {
    const existing = this.outbound.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise<OutboundRecord>((resolve, reject) => {
      const w = {
        predicate,
        resolve: (o: OutboundRecord) => {
          clearTimeout(timer);
          this.timers.delete(timer);
          this.outboundWaiters.delete(w);
          resolve(o);
        },
      };
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.outboundWaiters.delete(w);
        reject(
          new Error(
            `${this.name}: no ${label} within ${timeoutMs} ms; sent so far: ${show(
              this.outbound.map((o) => ({
                resource: o.resource ?? 'transfers',
                id: o.transferId ?? o.quoteId ?? o.partyPath,
                kind: o.behaviour,
                status: o.response?.status,
                error: o.error,
              })),
            )}; problems: ${show(this.problems)}`,
          ),
        );
      }, timeoutMs);
      this.timers.add(timer);
      this.outboundWaiters.add(w);
    });
  }

  /** Recent received requests (optionally filtered) as text, for failure messages. */
  describeRequests(filter?: (r: RecordedRequest) => boolean, max = 20): string {
    const list = filter ? this.requests.filter(filter) : this.requests;
    if (list.length === 0) return '(none)';
    const shown = list.slice(-max);
    return (list.length > shown.length ? `…${list.length - shown.length} earlier\n` : '') + shown.map(summarise).join('\n');
  }

  private timeoutMessage(timeoutMs: number, opts: WaitOptions): string {
    const label = opts.label ?? 'matching request';
    const problems = this.problems.length ? `\n  simulator problems: ${this.problems.join('; ')}` : '';
    return `${this.name}: no ${label} within ${timeoutMs} ms. Received${opts.context ? ' (relevant)' : ''}:\n  ${this.describeRequests(opts.context).replace(/\n/g, '\n  ')}${problems}`;
  }

  // ---- inbound -------------------------------------------------------------------------------------------------

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => {
      /* a broken request is simply not recorded */
    });
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const bodyText = rawBody.toString('utf8');
      const rec: RecordedRequest = {
        seq: ++this.arrived,
        method: (req.method ?? '').toUpperCase(),
        path: req.url ?? '/',
        headers: normaliseHeaders(req.headers as Record<string, string | string[] | undefined>),
        rawBody,
        bodyText,
        body: tryParseJson(bodyText),
        receivedAt: Date.now(),
      };
      const socket = req.socket as TLSSocket;
      if (socket.encrypted) {
        const cn = socket.getPeerCertificate()?.subject?.CN;
        if (cn !== undefined) rec.tlsPeer = Array.isArray(cn) ? cn.join(',') : cn;
      }
      const verify = this.opts.verify;
      if (!verify) {
        this.record(rec, res);
        return;
      }
      const checked = Promise.resolve()
        .then(() => verify(rec))
        .then(
          (signature) => {
            rec.signature = signature;
          },
          (err: unknown) => {
            rec.signature = { ok: false, signer: '?', detail: `verification threw: ${err instanceof Error ? err.message : String(err)}` };
          },
        );
      this.recording = this.recording
        .then(() => checked)
        .then(() => this.record(rec, res))
        .catch((err: unknown) => {
          this.problems.push(`recording ${rec.method} ${rec.path}: ${err instanceof Error ? err.message : String(err)}`);
        });
    });
  }

  /** Records an arrived request, answers it, wakes its waiters and plays the simulator's part. */
  private record(rec: RecordedRequest, res: ServerResponse): void {
    this.requests.push(rec);
    const status = rec.method === 'PUT' || rec.method === 'PATCH' ? 200 : 202;
    res.statusCode = status;
    res.setHeader('content-length', '0');
    res.end();
    for (const w of [...this.waiters]) {
      if (rec.seq > w.since && w.predicate(rec)) w.resolve(rec);
    }
    if (this.opts.handle) {
      let handled = false;
      try {
        handled = this.opts.handle(rec);
      } catch (err) {
        this.problems.push(`handling ${rec.method} ${rec.path}: ${err instanceof Error ? err.message : String(err)}`);
        handled = true;
      }
      if (handled) return;
    }
    if (rec.method === 'POST' && /^\/transfers\/?(\?.*)?$/.test(rec.path)) this.onPrepare(rec);
    else if (rec.method === 'GET' && rec.path.startsWith('/parties/')) this.onPartiesGet(rec);
    else if (rec.method === 'POST' && /^\/quotes\/?(\?.*)?$/.test(rec.path)) this.onQuoteRequest(rec);
  }

  /** Run `fn` after `delayMs` (or on the next turn), reporting failures as simulator problems. */
  private schedule(delayMs: number, what: string, fn: () => Promise<void>): void {
    const act = () => {
      fn().catch((err) => this.problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`));
    };
    if (delayMs > 0) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        act();
      }, delayMs);
      this.timers.add(t);
    } else {
      setImmediate(act);
    }
  }

  // ---- GET /parties --------------------------------------------------------------------------------------------

  private onPartiesGet(rec: RecordedRequest): void {
    const parsed = parsePartiesPath(rec.path);
    if (!parsed) {
      this.problems.push(`GET ${rec.path}: not a /parties/{Type}/{ID}[/{SubId}] path`);
      return;
    }
    const party = this.parties.get(partyKey(parsed.type, parsed.id, parsed.subId));
    const behaviour: PartyLookupBehaviour = party
      ? (party.lookup ?? { kind: 'answer' })
      : (this.opts.unknownParty ?? { kind: 'error', errorCode: '3204', errorDescription: 'Party not found' });
    if (behaviour.kind === 'silent') return;
    this.schedule(behaviour.delayMs ?? 0, `answering GET ${rec.path}`, () => this.answerPartiesGet(rec, parsed.path, party, behaviour));
  }

  private async answerPartiesGet(
    rec: RecordedRequest,
    path: string,
    party: SimParty | undefined,
    b: Exclude<PartyLookupBehaviour, { kind: 'silent' }>,
  ): Promise<void> {
    const requester = rec.headers['fspiop-source'] ?? '';
    let putPath = path;
    let body: object;
    if (b.kind === 'answer' && party) {
      body = partyBody(party, this.name);
    } else {
      putPath = `${path}/error`;
      const code = b.kind === 'error' ? b.errorCode : '3204';
      body = { errorInformation: { errorCode: code, errorDescription: (b.kind === 'error' && b.errorDescription) || 'Party not found' } };
    }
    await this.sendOutbound(
      { resource: 'parties', partyPath: path, behaviour: b.kind },
      {
        method: 'PUT',
        path: putPath,
        version: b.version ?? this.version,
        resource: 'parties',
        source: this.name,
        destination: requester,
        body,
        headers: { 'fspiop-uri': putPath, 'fspiop-http-method': 'PUT' },
      },
    );
  }

  // ---- POST /quotes --------------------------------------------------------------------------------------------

  private onQuoteRequest(rec: RecordedRequest): void {
    const q = rec.body;
    if (!q || typeof q !== 'object' || typeof q.quoteId !== 'string') {
      this.problems.push(`quote request #${rec.seq} without a quoteId: ${show(rec.bodyText, 200)}`);
      return;
    }
    const quoteId: string = q.quoteId;
    const payeeId = q.payee?.partyIdInfo;
    const party = payeeId ? this.parties.get(partyKey(payeeId.partyIdType, payeeId.partyIdentifier, payeeId.partySubIdOrType)) : undefined;
    const behaviour = this.quoteBehaviours.get(quoteId) ?? party?.quote ?? this.opts.defaultQuoteBehaviour ?? { kind: 'answer' };
    if (behaviour.kind === 'silent') return;
    this.schedule(behaviour.delayMs ?? 0, `answering quote ${quoteId}`, () => this.answerQuote(rec, quoteId, behaviour));
  }

  private async answerQuote(rec: RecordedRequest, quoteId: string, b: Exclude<QuoteBehaviour, { kind: 'silent' }>): Promise<void> {
    const requester = rec.headers['fspiop-source'] ?? '';
    const q = rec.body as QuoteRequestLike & { amount?: { amount?: string; currency?: string } };
    let answer = this.quoteAnswers.get(quoteId);
    if (!answer || answer.requestText !== rec.bodyText) {
      const version = b.version ?? this.version;
      const base = `/quotes/${encodeURIComponent(quoteId)}`;
      if (b.kind === 'error') {
        answer = {
          quoteId,
          transactionId: q.transactionId,
          path: `${base}/error`,
          bodyText: JSON.stringify({ errorInformation: { errorCode: b.errorCode, errorDescription: b.errorDescription ?? 'Payee rejected quote' } }),
          version,
          requestText: rec.bodyText,
        };
      } else {
        const amount = q.amount;
        if (!amount || typeof amount.amount !== 'string' || typeof amount.currency !== 'string') {
          this.problems.push(`quote ${quoteId}: request without amount {amount, currency}: ${show(rec.bodyText, 300)}`);
          return;
        }
        const offset = b.kind === 'expired' ? -(b.expiredForMs ?? 60_000) : (b.expiresInMs ?? this.opts.quoteExpiryMs ?? 60_000);
        const expiration = new Date(Date.now() + offset).toISOString();
        const transferAmount = { amount: amount.amount, currency: amount.currency };
        const ilp = quoteIlp(this.ilpSecret, q, { transferAmount, expiration });
        const charges: Record<string, unknown> = {};
        if (b.kind === 'answer' && b.fee !== undefined) charges.payeeFspFee = { amount: b.fee, currency: amount.currency };
        if (b.kind === 'answer' && b.commission !== undefined) charges.payeeFspCommission = { amount: b.commission, currency: amount.currency };
        answer = {
          quoteId,
          transactionId: q.transactionId,
          path: base,
          bodyText: JSON.stringify({ transferAmount, ...charges, expiration, ilpPacket: ilp.ilpPacket, condition: ilp.condition }),
          version,
          requestText: rec.bodyText,
          ilpPacket: ilp.ilpPacket,
          condition: ilp.condition,
          fulfilment: ilp.fulfilment,
        };
      }
      this.quoteAnswers.set(quoteId, answer);
    }
    await this.sendOutbound(
      { resource: 'quotes', quoteId, behaviour: b.kind },
      {
        method: 'PUT',
        path: answer.path,
        version: answer.version,
        resource: 'quotes',
        source: this.name,
        destination: requester,
        body: answer.bodyText,
        headers: { 'fspiop-uri': answer.path, 'fspiop-http-method': 'PUT' },
      },
    );
  }

  /** Send an answer to the hub and record it as outbound (response or error). */
  private async sendOutbound(rec: Omit<OutboundRecord, 'at'>, o: SendOptions): Promise<void> {
    const hub = this.opts.hub;
    if (!hub) {
      this.problems.push(`no hub client: cannot send ${o.method} ${o.path}`);
      this.pushOutbound({ ...rec, error: 'no hub client', at: Date.now() });
      return;
    }
    try {
      const response = await hub.send(o);
      this.pushOutbound({ ...rec, response, at: Date.now() });
    } catch (err) {
      this.pushOutbound({ ...rec, error: err instanceof Error ? err.message : String(err), at: Date.now() });
    }
  }

  /**
   * The fulfilment for a prepare that the suite did not register: re-derived from the packet with this payee's
   * secret (security.md §2.3), after checking the packet against the transfer as the SDK does.
   */
  private fulfilmentFromPrepare(prepare: RecordedRequest): { fulfilment?: string; reason?: string } {
    const body = prepare.body ?? {};
    if (typeof body.ilpPacket !== 'string') return { reason: 'the prepare has no ilpPacket' };
    let d: ReturnType<typeof fulfilmentFromPacket>;
    try {
      d = fulfilmentFromPacket(this.ilpSecret, body.ilpPacket);
    } catch (err) {
      return { reason: `ILP packet does not decode: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (d.condition !== body.condition) {
      return {
        reason: `the fulfilment derived from the packet gives condition ${d.condition}, the prepare carries ${String(body.condition)} (not a packet of this payee's quotes)`,
      };
    }
    const tx = d.transaction ?? {};
    const mismatches: string[] = [];
    const payerFsp = tx.payer?.partyIdInfo?.fspId;
    const payeeFsp = tx.payee?.partyIdInfo?.fspId;
    if (payerFsp !== undefined && payerFsp !== body.payerFsp) mismatches.push(`payerFsp ${String(body.payerFsp)} ≠ packet ${payerFsp}`);
    if (payeeFsp !== undefined && payeeFsp !== body.payeeFsp) mismatches.push(`payeeFsp ${String(body.payeeFsp)} ≠ packet ${payeeFsp}`);
    if (tx.amount?.amount !== body.amount?.amount) mismatches.push(`amount ${String(body.amount?.amount)} ≠ packet ${String(tx.amount?.amount)}`);
    if (tx.amount?.currency !== body.amount?.currency) mismatches.push(`currency ${String(body.amount?.currency)} ≠ packet ${String(tx.amount?.currency)}`);
    if (mismatches.length) return { reason: `the transfer does not match its ILP packet: ${mismatches.join(', ')}` };
    return { fulfilment: d.fulfilment };
  }

  private onPrepare(rec: RecordedRequest): void {
    const transferId: unknown = rec.body?.transferId;
    if (typeof transferId !== 'string') {
      this.problems.push(`prepare #${rec.seq} without a transferId: ${show(rec.bodyText, 200)}`);
      return;
    }
    if (this.handledPrepares.has(transferId)) return; // a repeated delivery: answer once only
    this.handledPrepares.add(transferId);
    const behaviour = this.behaviours.get(transferId) ?? this.defaultBehaviour;
    if (behaviour.kind === 'silent') return;
    const notBefore = 'notBefore' in behaviour && behaviour.notBefore !== undefined ? behaviour.notBefore : 0;
    const delay = Math.max('delayMs' in behaviour && behaviour.delayMs !== undefined ? behaviour.delayMs : 0, notBefore - Date.now(), 0);
    const act = () => {
      this.answerPrepare(rec, transferId, behaviour).catch((err) => {
        this.problems.push(`answering prepare ${transferId}: ${err instanceof Error ? err.message : String(err)}`);
      });
    };
    if (delay > 0) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        act();
      }, delay);
      this.timers.add(t);
    } else {
      setImmediate(act);
    }
  }

  private async answerPrepare(prepare: RecordedRequest, transferId: string, b: Exclude<PayeeBehaviour, { kind: 'silent' }>): Promise<void> {
    const hub = this.opts.hub;
    if (!hub) {
      this.problems.push(`no hub client: cannot answer prepare ${transferId}`);
      return;
    }
    const version = b.version ?? this.opts.version ?? versionOf(prepare.headers['content-type']) ?? '1.1';
    const payer: string = typeof prepare.body?.payerFsp === 'string' ? prepare.body.payerFsp : (prepare.headers['fspiop-source'] ?? '');
    const completedTimestamp = new Date().toISOString();
    let path = `/transfers/${encodeURIComponent(transferId)}`;
    let body: object;
    switch (b.kind) {
      case 'fulfil':
      case 'reserved': {
        let fulfilment = this.opts.fulfilments?.get(transferId);
        if (!fulfilment) {
          const derived = this.fulfilmentFromPrepare(prepare);
          if (!derived.fulfilment) {
            this.problems.push(`no fulfilment registered for transfer ${transferId}, and none derivable: ${derived.reason}`);
            this.pushOutbound({ resource: 'transfers', transferId, behaviour: b.kind, error: 'no fulfilment registered', at: Date.now() });
            return;
          }
          fulfilment = derived.fulfilment;
        }
        body = { fulfilment, completedTimestamp, transferState: b.kind === 'fulfil' ? 'COMMITTED' : 'RESERVED' };
        break;
      }
      case 'wrongFulfilment':
        body = { fulfilment: b64url(randomBytes(32)), completedTimestamp, transferState: 'COMMITTED' };
        break;
      case 'committedWithoutFulfilment':
        body = { completedTimestamp, transferState: 'COMMITTED' };
        break;
      case 'reject':
        path += '/error';
        body = { errorInformation: { errorCode: b.errorCode, errorDescription: b.errorDescription ?? 'Payee rejected the transfer' } };
        break;
    }
    try {
      const response = await hub.send({
        method: 'PUT',
        path,
        version,
        resource: 'transfers',
        source: this.name,
        destination: payer,
        body,
        headers: { 'fspiop-uri': path, 'fspiop-http-method': 'PUT' },
      });
      this.pushOutbound({ resource: 'transfers', transferId, behaviour: b.kind, response, at: Date.now() });
    } catch (err) {
      this.pushOutbound({ resource: 'transfers', transferId, behaviour: b.kind, error: err instanceof Error ? err.message : String(err), at: Date.now() });
    }
  }

  private pushOutbound(o: OutboundRecord): void {
    this.outbound.push(o);
    for (const w of [...this.outboundWaiters]) if (w.predicate(o)) w.resolve(o);
  }
}
