/**
 * Outbound HTTP to participants: one keep-alive connection pool per origin, bounded retries with
 * backoff on network errors and 5xx answers, a timeout per attempt. Delivery never throws into the
 * caller: the outcome is returned, logged and counted.
 *
 * Nothing is ever dropped here: a request waits for a connection of its origin's pool (undici's queue) for as long as
 * it takes. What bounds that queue is upstream: `pendingFor` counts each participant's requests waiting or in
 * flight, and admission control refuses new work with a participant once that count reaches
 * MIZANI_CALLBACKS_PENDING_MAX (switch/edge/admission.ts), so only the callbacks of work already accepted add to it.
 */
import { Pool, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { annotate, injectTraceContext, SpanKind, traced, tracingOn } from '../observability/tracing.js';

export interface OutboundRequest {
  /** The participant it is for: counted in `pendingFor` while it waits or is in flight. */
  to?: string;
  url: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'GET' | 'DELETE';
  headers: Record<string, string>;
  body?: Buffer | string;
}

export interface DeliveryOutcome {
  ok: boolean;
  status?: number;
  /** A 4xx answer's FSPIOP errorInformation.errorCode, when its body carried one (a proxy's hub refusing a DFSP it does not know: 3201). */
  errorCode?: string;
  attempts: number;
  error?: string;
}

export interface DeliveryOptions {
  retries: number;
  timeoutMs: number;
  connectionsPerOrigin: number;
  /** Extra connect options for TLS origins (client certificate, CA). */
  /** TLS connect options for https origins (client certificate, CA, CRL, prebuilt secure context). */
  tls?: Record<string, unknown>;
}

export interface DeliveryObserver {
  (outcome: DeliveryOutcome, request: OutboundRequest, seconds: number): void;
}

const RETRY_BASE_MS = 50;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

const ERROR_BODY_MAX = 8192;

/** The FSPIOP error code of a refusal's body (read up to 8 KiB), if it has one. */
async function errorCodeOf(body: Dispatcher.ResponseData['body']): Promise<string | undefined> {
  let text = '';
  for await (const chunk of body) {
    if (text.length < ERROR_BODY_MAX) text += (chunk as Buffer).toString('utf8');
  }
  try {
    const code = (JSON.parse(text) as { errorInformation?: { errorCode?: unknown } }).errorInformation?.errorCode;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

export class Delivery {
  private readonly pools = new Map<string, Pool>();
  /** Requests waiting or in flight, per participant (`OutboundRequest.to`). */
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly options: DeliveryOptions,
    private readonly log: Logger,
    private readonly observe: DeliveryObserver = () => undefined,
  ) {}

  /** Requests to `participant` waiting for a connection or in flight. */
  pendingFor(participant: string): number {
    return this.pending.get(participant) ?? 0;
  }

  /** Delivers `request`; with tracing on, in a client span whose `traceparent` the request carries (docs/tracing.md). */
  send(request: OutboundRequest): Promise<DeliveryOutcome> {
    if (!tracingOn()) return this.deliver(request);
    const attributes = {
      'http.request.method': request.method,
      'url.full': request.url,
      ...(request.to !== undefined ? { 'mizani.participant': request.to } : {}),
    };
    return traced(
      `callback ${request.method}`,
      attributes,
      async () => {
        const headers = { ...request.headers };
        injectTraceContext(headers);
        const outcome = await this.deliver({ ...request, headers });
        annotate(
          { 'mizani.callback.attempts': outcome.attempts, ...(outcome.status !== undefined ? { 'http.response.status_code': outcome.status } : {}) },
          outcome.ok ? undefined : (outcome.error ?? 'not delivered'),
        );
        return outcome;
      },
      SpanKind.CLIENT,
    );
  }

  private async deliver(request: OutboundRequest): Promise<DeliveryOutcome> {
    const started = process.hrtime.bigint();
    if (request.to !== undefined) this.pending.set(request.to, this.pendingFor(request.to) + 1);
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      const outcome = { ok: false, attempts: 0, error: `invalid callback URL ${request.url}` };
      this.finish(outcome, request, started);
      return outcome;
    }
    // A header value the HTTP client refuses must never reach it: undici keeps the connection slot of
    // such a request, and enough of them would silence every callback to that participant.
    const bad = Object.entries(request.headers).find(([, value]) => !HEADER_VALUE.test(value));
    if (bad) {
      const outcome = { ok: false, attempts: 0, error: `header ${bad[0]} has a value that cannot be sent` };
      this.finish(outcome, request, started);
      return outcome;
    }
    const pool = this.pool(url);
    let lastError = '';
    let status: number | undefined;
    const maxAttempts = this.options.retries + 1;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        const response = await pool.request({
          path: url.pathname + url.search,
          method: request.method as Dispatcher.HttpMethod,
          headers: request.headers,
          body: request.body,
          headersTimeout: this.options.timeoutMs,
          bodyTimeout: this.options.timeoutMs,
        });
        status = response.statusCode;
        const errorCode = status >= 400 && status < 500 ? await errorCodeOf(response.body) : (await response.body.dump(), undefined);
        if (status < 500) {
          const outcome = {
            ok: status < 300,
            status,
            attempts: attempt,
            error: status < 300 ? undefined : `HTTP ${status}`,
            ...(errorCode !== undefined ? { errorCode } : {}),
          };
          this.finish(outcome, request, started);
          return outcome;
        }
        lastError = `HTTP ${status}`;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
        status = undefined;
      }
      if (attempt < maxAttempts) await new Promise((r) => setTimeout(r, RETRY_BASE_MS * 4 ** (attempt - 1)));
    }
    const outcome = { ok: false, status, attempts: maxAttempts, error: lastError };
    this.finish(outcome, request, started);
    return outcome;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => undefined)));
    this.pools.clear();
  }

  private pool(url: URL): Pool {
    let pool = this.pools.get(url.origin);
    if (!pool) {
      pool = new Pool(url.origin, {
        connections: this.options.connectionsPerOrigin,
        keepAliveTimeout: 30_000,
        connect: url.protocol === 'https:' ? { ...this.options.tls, rejectUnauthorized: true } : undefined,
      });
      this.pools.set(url.origin, pool);
    }
    return pool;
  }

  private finish(outcome: DeliveryOutcome, request: OutboundRequest, started: bigint): void {
    if (request.to !== undefined) {
      const left = this.pendingFor(request.to) - 1;
      if (left > 0) this.pending.set(request.to, left);
      else this.pending.delete(request.to);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.observe(outcome, request, seconds);
    if (!outcome.ok) {
      this.log.warn(
        { url: request.url, method: request.method, status: outcome.status, attempts: outcome.attempts, error: outcome.error },
        'callback delivery failed',
      );
    }
  }
}
