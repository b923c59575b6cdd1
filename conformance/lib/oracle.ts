// The oracle registry admin API (admin.md §2) and a tiny external oracle implementing the hub → oracle contract
// of fspiop.md §11, so the suite can show that a type registered to an external oracle is answered from it.
import { closeServer, listenOn } from './listen.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request, type Dispatcher } from 'undici';
import type { RecordedRequest } from './dfsp.js';
import { imfDate, normaliseHeaders, tryParseJson } from './http.js';
import { show } from './util.js';

export interface OracleAdminResponse {
  status: number;
  headers: Record<string, string>;
  rawBody: string;
  body: any;
}

export interface OracleView {
  oracleId?: string | number;
  oracleIdType?: string;
  endpoint?: { value?: string; endpointType?: string };
  currency?: string;
  isDefault?: boolean;
  [k: string]: unknown;
}

export interface OracleBody {
  oracleIdType: string;
  endpoint: { value: string; endpointType: 'URL' };
  currency?: string;
  isDefault?: boolean;
}

/** Headers the oracle admin API requires (admin.md §2): Content-Type, Accept and Date; FSPIOP values of the parties media type, as the TTK sends. */
export function oracleAdminHeaders(): Record<string, string> {
  return {
    'content-type': 'application/vnd.interoperability.parties+json;version=1.1',
    accept: 'application/vnd.interoperability.parties+json;version=1',
    date: imfDate(),
  };
}

/** Client of the oracle registry on the admin port. */
export class OracleAdminClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly o: { dispatcher?: Dispatcher; timeoutMs?: number; token?: string } = {},
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** Any call; `headers` overrides (null removes a default header). */
  async call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    headers: Record<string, string | null> = {},
  ): Promise<OracleAdminResponse> {
    const h: Record<string, string> = { ...oracleAdminHeaders(), ...(this.o.token ? { authorization: `Bearer ${this.o.token}` } : {}) };
    for (const [k, v] of Object.entries(headers)) {
      if (v === null) delete h[k.toLowerCase()];
      else h[k.toLowerCase()] = v;
    }
    const payload = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body);
    const url = this.baseUrl + path;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method,
        headers: h,
        body: payload,
        dispatcher: this.o.dispatcher,
        headersTimeout: this.o.timeoutMs ?? 30_000,
        bodyTimeout: this.o.timeoutMs ?? 30_000,
      });
    } catch (err) {
      throw new Error(`oracle admin ${method} ${url} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const rawBody = await res.body.text();
    return {
      status: res.statusCode,
      headers: normaliseHeaders(res.headers as Record<string, string | string[] | undefined>),
      rawBody,
      body: tryParseJson(rawBody),
    };
  }

  /** `GET /oracles[?type=&currency=]` → the list (throws unless 200 with an array). */
  async list(q: { type?: string; currency?: string } = {}): Promise<OracleView[]> {
    const qs = new URLSearchParams();
    if (q.type) qs.set('type', q.type);
    if (q.currency) qs.set('currency', q.currency);
    const path = `/oracles${qs.size ? `?${qs}` : ''}`;
    const r = await this.call('GET', path);
    if (r.status !== 200 || !Array.isArray(r.body)) throw new Error(`GET ${path}: expected 200 with an array, got HTTP ${r.status} ${show(r.rawBody, 500)}`);
    return r.body as OracleView[];
  }

  /** The registered oracles whose endpoint URL is `endpoint`. */
  async findByEndpoint(endpoint: string, type?: string): Promise<OracleView[]> {
    return (await this.list(type ? { type } : {})).filter((o) => o.endpoint?.value === endpoint);
  }

  /** `DELETE /oracles/{id}` (no status check). */
  remove(id: string | number): Promise<OracleAdminResponse> {
    return this.call('DELETE', `/oracles/${encodeURIComponent(String(id))}`);
  }

  /** Delete every oracle whose endpoint contains `marker` (left over by an interrupted earlier run). */
  async removeStale(marker: string): Promise<number> {
    let n = 0;
    for (const o of await this.list()) {
      if (o.oracleId !== undefined && typeof o.endpoint?.value === 'string' && o.endpoint.value.includes(marker)) {
        await this.remove(o.oracleId);
        n++;
      }
    }
    return n;
  }
}

// ---- the external oracle ---------------------------------------------------------------------------------------

export interface OracleEntry {
  fspId: string;
  currency?: string;
  partySubIdOrType?: string;
}

/**
 * An external oracle (fspiop.md §11, hub → oracle):
 * `GET {base}/participants/{Type}/{ID}[?currency=&partySubIdOrType=]` → 200 `{partyList:[{fspId, currency?, partySubIdOrType?}]}`
 * (an empty list when it knows nothing); `POST {base}/participants/{Type}/{ID}` `{fspId, currency, partySubIdOrType?}` → 201;
 * `DELETE {base}/participants/{Type}/{ID}[?currency=&partySubIdOrType=]` → 204;
 * `POST {base}/participants` `{requestId, partyList}` → 201 `{partyList:[{partyId, errorInformation?}]}`.
 * `base` carries a path prefix (the marker) so leftovers of interrupted runs can be recognised.
 */
export class TestOracle {
  readonly requests: RecordedRequest[] = [];
  private readonly entries = new Map<string, OracleEntry[]>();
  private readonly waiters = new Set<{ pred: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }>();
  private server?: Server;
  private _baseUrl?: string;

  constructor(private readonly o: { host?: string; advertisedHost?: string; prefix: string }) {}

  get baseUrl(): string {
    if (!this._baseUrl) throw new Error('test oracle not started');
    return this._baseUrl;
  }

  private key(type: string, id: string): string {
    return `${type}/${id}`;
  }

  /** Seed an entry as if it had been registered earlier. */
  add(type: string, id: string, e: OracleEntry): void {
    const k = this.key(type, id);
    this.entries.set(k, [...(this.entries.get(k) ?? []), e]);
  }

  lookup(type: string, id: string): OracleEntry[] {
    return [...(this.entries.get(this.key(type, id)) ?? [])];
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => this.onRequest(req, res));
    this._baseUrl = await listenOn(server, { host: this.o.host, advertisedHost: this.o.advertisedHost, pathPrefix: this.o.prefix });
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    await closeServer(s);
  }

  find(pred: (r: RecordedRequest) => boolean): RecordedRequest[] {
    return this.requests.filter(pred);
  }

  waitFor(pred: (r: RecordedRequest) => boolean, timeoutMs: number, label: string): Promise<RecordedRequest> {
    const hit = this.requests.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (r: RecordedRequest) => {
          clearTimeout(timer);
          this.waiters.delete(w);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`external oracle: no ${label} within ${timeoutMs} ms; received:\n  ${this.describe()}`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  describe(): string {
    if (this.requests.length === 0) return '(none)';
    return this.requests
      .slice(-20)
      .map((r) => `#${r.seq} ${r.method} ${r.path} [src=${r.headers['fspiop-source'] ?? '-'}] ${show(r.bodyText, 300)}`)
      .join('\n  ');
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
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
      const { status, body } = this.handle(rec);
      const text = body === undefined ? '' : JSON.stringify(body);
      res.statusCode = status;
      if (text) res.setHeader('content-type', 'application/json');
      res.setHeader('content-length', String(Buffer.byteLength(text)));
      res.end(text);
      for (const w of [...this.waiters]) if (w.pred(rec)) w.resolve(rec);
    });
  }

  private handle(rec: RecordedRequest): { status: number; body?: unknown } {
    const url = new URL(rec.path, 'http://oracle');
    let path = url.pathname;
    if (!path.startsWith(this.o.prefix)) return { status: 404, body: { errorInformation: { errorCode: '3002', errorDescription: 'Unknown URI' } } };
    path = path.slice(this.o.prefix.length);
    const seg = path
      .split('/')
      .filter(Boolean)
      .map((x) => decodeURIComponent(x));
    if (seg[0] !== 'participants') return { status: 404, body: { errorInformation: { errorCode: '3002', errorDescription: 'Unknown URI' } } };
    const currency = url.searchParams.get('currency') ?? undefined;
    if (seg.length === 1 && rec.method === 'POST') {
      const list: any[] = Array.isArray(rec.body?.partyList) ? rec.body.partyList : [];
      const out = list.map((p) => {
        if (!p || typeof p.partyIdType !== 'string' || typeof p.partyIdentifier !== 'string' || typeof p.fspId !== 'string') {
          return { partyId: p, errorInformation: { errorCode: '3100', errorDescription: 'Generic validation error' } };
        }
        this.add(p.partyIdType, p.partyIdentifier, { fspId: p.fspId, currency: p.currency ?? rec.body?.currency, partySubIdOrType: p.partySubIdOrType });
        return { partyId: p };
      });
      return { status: 201, body: { partyList: out } };
    }
    if (seg.length < 3) return { status: 404, body: { errorInformation: { errorCode: '3002', errorDescription: 'Unknown URI' } } };
    const [, type, id, pathSubId] = seg as [string, string, string, string | undefined];
    const subId = url.searchParams.get('partySubIdOrType') ?? pathSubId ?? undefined;
    const k = this.key(type, id);
    switch (rec.method) {
      case 'GET': {
        const list = (this.entries.get(k) ?? []).filter(
          (e) => (currency === undefined || e.currency === undefined || e.currency === currency) && (subId === undefined || e.partySubIdOrType === subId),
        );
        return { status: 200, body: { partyList: list.map((e) => ({ ...e })) } };
      }
      case 'POST': {
        const b = rec.body ?? {};
        if (typeof b.fspId !== 'string')
          return { status: 400, body: { errorInformation: { errorCode: '3102', errorDescription: 'Missing mandatory element - fspId' } } };
        const entry: OracleEntry = { fspId: b.fspId };
        if (typeof b.currency === 'string') entry.currency = b.currency;
        const sub = typeof b.partySubIdOrType === 'string' ? b.partySubIdOrType : subId;
        if (sub !== undefined) entry.partySubIdOrType = sub;
        const rest = (this.entries.get(k) ?? []).filter((e) => !(e.partySubIdOrType === entry.partySubIdOrType && e.currency === entry.currency));
        this.entries.set(k, [...rest, entry]);
        return { status: 201 };
      }
      case 'PUT': {
        const b = rec.body ?? {};
        if (typeof b.fspId === 'string') this.entries.set(k, [{ fspId: b.fspId, currency: b.currency, partySubIdOrType: subId }]);
        return { status: 204 };
      }
      case 'DELETE': {
        const before = this.entries.get(k) ?? [];
        const rest = before.filter(
          (e) =>
            !((currency === undefined || e.currency === currency) && (subId === undefined ? e.partySubIdOrType === undefined : e.partySubIdOrType === subId)),
        );
        this.entries.set(k, rest);
        return { status: 204 };
      }
      default:
        return { status: 405, body: { errorInformation: { errorCode: '3000', errorDescription: 'Generic client error - Method Not Allowed' } } };
    }
  }
}
