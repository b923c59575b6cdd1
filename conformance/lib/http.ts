// FSPIOP client used by simulated DFSPs to talk to the hub under test.
// Uses undici.request (never global fetch, which adds `Accept: */*`): exactly the headers we set are sent.
import { Agent, request, type Dispatcher } from 'undici';
import type { JwsMessage } from './jws.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** `application/vnd.interoperability.<resource>+json;version=<v>` */
export function contentTypeFor(resource: string, version: string): string {
  return `application/vnd.interoperability.${resource}+json;version=${version}`;
}

/** Accept with only the major version: `...;version=1` for '1.1'. */
export function acceptFor(resource: string, version: string): string {
  return `application/vnd.interoperability.${resource}+json;version=${version.split('.')[0]}`;
}

/** RFC 7231 IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`. */
export function imfDate(d: Date = new Date()): string {
  return d.toUTCString();
}

export const IMF_FIXDATE_RE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** First path segment: `/transfers/123/error` → `transfers`. */
export function resourceOf(path: string): string {
  return path.split('?')[0]!.split('/').filter(Boolean)[0] ?? '';
}

/**
 * A request body:
 * - `string` / `Buffer`: sent byte for byte (bad JSON, exponent numbers, whitespace variants ...);
 * - anything else (object, array, number ...): `JSON.stringify`-ed.
 */
export type Body = string | Buffer | object | undefined;

export interface SendOptions {
  method: HttpMethod;
  /** Path incl. query, starting with `/`. */
  path: string;
  /** Content-Type version (`'1.0'`, `'1.1'`, `'2.0'` ...). Default `'1.1'`. */
  version?: string;
  /** Resource for the media types; default: the first path segment. */
  resource?: string;
  /** FSPIOP-Source value (omitted when undefined). */
  source?: string;
  /** FSPIOP-Destination value (omitted when undefined). */
  destination?: string;
  body?: Body;
  /**
   * Header overrides, case-insensitive. A string replaces/adds the header; `null` removes a default header.
   * Applied last, so any default (Content-Type, Accept, Date, FSPIOP-*) can be replaced or omitted.
   */
  headers?: Record<string, string | null | undefined>;
  /**
   * Secured hub: the participant whose TLS client certificate the request is sent with. Default: FSPIOP-Source
   * (else the suite's default identity); `null`: no client certificate.
   */
  identity?: string | null;
  /** Send through this dispatcher instead (e.g. one holding a certificate of another CA). */
  dispatcher?: Dispatcher;
}

/**
 * How requests to a secured hub are sent: the dispatcher of each TLS identity (mutual TLS) and the JWS signature
 * added to every request with a body (unless the caller sets or removes `fspiop-signature` itself).
 */
export interface RequestSecurity {
  dispatcher?(identity: string | undefined): Promise<Dispatcher>;
  /** fspiop-uri, fspiop-http-method and fspiop-signature of a message signed by `signer`. */
  sign?(signer: string, m: JwsMessage): Promise<Record<string, string>>;
  /** Identity of requests that name no FSPIOP-Source. */
  defaultIdentity?(): string | undefined;
}

export interface SentRequest {
  method: HttpMethod;
  path: string;
  url: string;
  /** Header names lower-cased, exactly the set sent (undici adds only host/connection/content-length). */
  headers: Record<string, string>;
  /** Body bytes as sent. */
  body?: Buffer;
  sentAt: number;
  /** TLS client identity used (secured hub). */
  identity?: string;
}

export interface FspiopResponse {
  status: number;
  headers: Record<string, string>;
  rawBody: string;
  /** Parsed JSON body, or undefined when empty / not JSON. */
  body: any;
  request: SentRequest;
}

export function normaliseHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

export function encodeBody(body: Body): Buffer | undefined {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body), 'utf8');
}

export function tryParseJson(text: string): any {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Build the default FSPIOP header set for a request, then apply overrides. */
export function buildFspiopHeaders(opts: SendOptions): Record<string, string> {
  const resource = opts.resource ?? resourceOf(opts.path);
  const version = opts.version ?? '1.1';
  const h: Record<string, string> = {};
  h['content-type'] = contentTypeFor(resource, version);
  if (opts.method === 'GET' || opts.method === 'POST' || opts.method === 'DELETE') {
    h['accept'] = acceptFor(resource, version);
  }
  h['date'] = imfDate();
  if (opts.source !== undefined) h['fspiop-source'] = opts.source;
  if (opts.destination !== undefined) h['fspiop-destination'] = opts.destination;
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    const key = k.toLowerCase();
    if (v === null) delete h[key];
    else if (v !== undefined) h[key] = v;
  }
  return h;
}

export interface FspiopClientOptions {
  dispatcher?: Dispatcher;
  /** Per-request headers/body timeout. Default 30 s. */
  timeoutMs?: number;
  /** Secured hub: TLS identities and JWS signing. */
  security?: RequestSecurity;
}

function callerSets(headers: SendOptions['headers'], name: string): boolean {
  return Object.keys(headers ?? {}).some((k) => k.toLowerCase() === name && headers![k] !== undefined);
}

/** The request got no HTTP response (connection refused, TLS handshake refused, timeout ...). */
export class RequestFailed extends Error {
  /** Error codes of the error and its causes (e.g. `UND_ERR_SOCKET`, `ECONNRESET`, `ERR_SSL_...`). */
  readonly codes: string[];
  constructor(
    method: string,
    url: string,
    readonly original: unknown,
    readonly request: SentRequest,
  ) {
    const chain: string[] = [];
    const codes: string[] = [];
    for (let e: unknown = original, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
      const x = e as { message?: string; code?: string };
      chain.push(x.message ?? String(e));
      if (x.code) codes.push(x.code);
    }
    super(
      `${method} ${url}${request.identity ? ` (as ${request.identity})` : ''} failed: ${chain.join(' <- ')}${codes.length ? ` [${codes.join(', ')}]` : ''}`,
    );
    this.name = 'RequestFailed';
    this.codes = codes;
  }
}

export class FspiopClient {
  readonly baseUrl: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly timeoutMs: number;
  readonly security?: RequestSecurity;

  constructor(baseUrl: string, opts: FspiopClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher = opts.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connections: 64 });
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.security = opts.security;
  }

  async send(opts: SendOptions): Promise<FspiopResponse> {
    const headers = buildFspiopHeaders(opts);
    const body = encodeBody(opts.body);
    const url = this.baseUrl + opts.path;
    const security = this.security;
    const identity = opts.identity === null ? undefined : (opts.identity ?? headers['fspiop-source'] ?? security?.defaultIdentity?.());
    if (security?.sign && body !== undefined && !callerSets(opts.headers, 'fspiop-signature')) {
      const signer = headers['fspiop-source'] ?? identity;
      if (signer !== undefined) {
        Object.assign(
          headers,
          await security.sign(signer, {
            method: headers['fspiop-http-method'] ?? opts.method,
            uri: headers['fspiop-uri'] ?? opts.path,
            source: headers['fspiop-source'],
            destination: headers['fspiop-destination'],
            date: headers['date'],
            body,
          }),
        );
      }
    }
    const sent: SentRequest = {
      method: opts.method,
      path: opts.path,
      url,
      headers,
      body,
      sentAt: Date.now(),
      ...(identity !== undefined && !opts.dispatcher ? { identity } : {}),
    };
    let dispatcher = this.dispatcher;
    if (opts.dispatcher) dispatcher = opts.dispatcher;
    else if (security?.dispatcher) dispatcher = await security.dispatcher(identity);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: opts.method,
        headers,
        body: body ?? null,
        dispatcher,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (err) {
      throw new RequestFailed(opts.method, url, err, sent);
    }
    const rawBody = await res.body.text();
    return {
      status: res.statusCode,
      headers: normaliseHeaders(res.headers as Record<string, string | string[] | undefined>),
      rawBody,
      body: tryParseJson(rawBody),
      request: sent,
    };
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}
