// A simulated DFSP: an HTTP server that records everything the hub sends it, acknowledges it at once
// (202 for POST/GET/DELETE, 200 for PUT/PATCH) and, as a payee, answers forwarded prepares per a
// behaviour chosen by the scenario.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { FspiopClient, normaliseHeaders, tryParseJson, type FspiopResponse } from './http.js';
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

/** A callback the payee simulator sent to the hub. */
export interface OutboundRecord {
  transferId: string;
  behaviour: PayeeBehaviour['kind'];
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
  return `#${r.seq} ${r.method} ${r.path} [src=${h['fspiop-source'] ?? '-'} dst=${h['fspiop-destination'] ?? '-'} ct=${h['content-type'] ?? '-'}] ${show(r.bodyText, 400)}`;
}

export class DfspSimulator {
  readonly name: string;
  readonly requests: RecordedRequest[] = [];
  readonly outbound: OutboundRecord[] = [];
  /** Internal problems (e.g. fulfilment unknown for a transfer it had to fulfil). */
  readonly problems: string[] = [];
  private readonly opts: DfspSimulatorOptions;
  private readonly behaviours = new Map<string, PayeeBehaviour>();
  private readonly handledPrepares = new Set<string>();
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
  }

  /** `http://host:port` the hub should call. */
  get baseUrl(): string {
    if (!this._baseUrl) throw new Error(`simulator ${this.name} is not started`);
    return this._baseUrl;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => this.onRequest(req, res));
    server.keepAliveTimeout = 30_000;
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const adv = this.opts.advertisedHost ?? host;
    this._baseUrl = `http://${adv.includes(':') ? `[${adv}]` : adv}:${port}`;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  setDefaultBehaviour(b: PayeeBehaviour): void {
    this.defaultBehaviour = b;
  }

  /** Behaviour for the prepare of one transfer (as payee). */
  setBehaviour(transferId: string, b: PayeeBehaviour): void {
    this.behaviours.set(transferId, b);
  }

  /** Current arrival count; pass as `since` to wait only for later requests. */
  mark(): number {
    return this.requests.length;
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
              this.outbound.map((o) => ({ transferId: o.transferId, kind: o.behaviour, status: o.response?.status, error: o.error })),
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
        seq: this.requests.length + 1,
        method: (req.method ?? '').toUpperCase(),
        path: req.url ?? '/',
        headers: normaliseHeaders(req.headers as Record<string, string | string[] | undefined>),
        rawBody,
        bodyText,
        body: tryParseJson(bodyText),
        receivedAt: Date.now(),
      };
      this.requests.push(rec);
      const status = rec.method === 'PUT' || rec.method === 'PATCH' ? 200 : 202;
      res.statusCode = status;
      res.setHeader('content-length', '0');
      res.end();
      for (const w of [...this.waiters]) {
        if (rec.seq > w.since && w.predicate(rec)) w.resolve(rec);
      }
      if (rec.method === 'POST' && /^\/transfers\/?(\?.*)?$/.test(rec.path)) this.onPrepare(rec);
    });
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
    const version = b.version ?? versionOf(prepare.headers['content-type']) ?? '1.1';
    const payer: string = typeof prepare.body?.payerFsp === 'string' ? prepare.body.payerFsp : prepare.headers['fspiop-source'] ?? '';
    const completedTimestamp = new Date().toISOString();
    let path = `/transfers/${encodeURIComponent(transferId)}`;
    let body: object;
    switch (b.kind) {
      case 'fulfil':
      case 'reserved': {
        const fulfilment = this.opts.fulfilments?.get(transferId);
        if (!fulfilment) {
          this.problems.push(`no fulfilment registered for transfer ${transferId}`);
          this.pushOutbound({ transferId, behaviour: b.kind, error: 'no fulfilment registered', at: Date.now() });
          return;
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
      this.pushOutbound({ transferId, behaviour: b.kind, response, at: Date.now() });
    } catch (err) {
      this.pushOutbound({ transferId, behaviour: b.kind, error: err instanceof Error ? err.message : String(err), at: Date.now() });
    }
  }

  private pushOutbound(o: OutboundRecord): void {
    this.outbound.push(o);
    for (const w of [...this.outboundWaiters]) if (w.predicate(o)) w.resolve(o);
  }
}
