/**
 * A stand-in for the hub, for the SDK adapter smoke test only: it records every FSPIOP request
 * the adapters send to their PEER_ENDPOINT (method, path, headers in wire order, raw body), answers
 * like a switch (202 with no body to GET/POST, 200 with no body to PUT) and, when given routes,
 * relays each request unchanged (same headers, same raw bytes) to the FSPIOP-Destination's inbound
 * API, so that a whole transfer runs between two adapters and the test can see every message.
 * GET /parties carries no FSPIOP-Destination from the adapter; the stub then asks `oracle` which
 * DFSP holds the party and adds the header, as a switch's account lookup would.
 *
 * It implements no switch rules (no validation, no ledger, no expiry, no signatures): it exists to
 * learn what the adapter sends and accepts, not to stand for the hub.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';

export interface RecordedFspiopRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** header names exactly as sent, in order */
  rawHeaderNames: string[];
  rawBody: string;
  body: unknown;
  at: number;
  /** where the stub relayed it, and what that answered */
  relayedTo?: string;
  relayStatus?: number;
  relayResponseHeaders?: IncomingHttpHeaders;
  relayResponseBody?: string;
  relayError?: string;
}

export interface PeerStubOptions {
  /** fspId → base URL of its inbound FSPIOP API; without routes nothing is relayed */
  routes?: Record<string, string>;
  /** which DFSP serves a party (for GET /parties without FSPIOP-Destination) */
  oracle?: (idType: string, idValue: string) => string | undefined;
}

export interface PeerStub {
  url: string;
  requests: RecordedFspiopRequest[];
  routes: Record<string, string>;
  waitFor(match: (r: RecordedFspiopRequest) => boolean, timeoutMs?: number): Promise<RecordedFspiopRequest>;
  stop(): Promise<void>;
}

/** Headers a switch passes on (FSPIOP API 1.1 §3.2); hop-by-hop ones are left out. */
const RELAYED = [
  'content-type',
  'accept',
  'date',
  'x-forwarded-for',
  'fspiop-source',
  'fspiop-destination',
  'fspiop-encryption',
  'fspiop-signature',
  'fspiop-uri',
  'fspiop-http-method',
];

export async function startPeerStub(options: PeerStubOptions = {}): Promise<PeerStub> {
  const requests: RecordedFspiopRequest[] = [];
  const routes = { ...(options.routes ?? {}) };
  const waiters = new Set<() => boolean>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };

  const relay = (rec: RecordedFspiopRequest, raw: Buffer) => {
    let destination = rec.headers['fspiop-destination'] as string | undefined;
    const headers: Record<string, string> = {};
    for (const name of RELAYED) {
      const v = rec.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    const parties = /^\/parties\/([^/]+)\/([^/]+)/.exec(rec.path);
    if (!destination && rec.method === 'GET' && parties) {
      destination = options.oracle?.(decodeURIComponent(parties[1]!), decodeURIComponent(parties[2]!));
      if (destination) headers['fspiop-destination'] = destination;
    }
    const base = destination ? routes[destination] : undefined;
    if (!base) {
      rec.relayError = `no route for FSPIOP-Destination ${destination ?? '(none)'}`;
      notify();
      return;
    }
    const target = new URL(rec.path, base);
    rec.relayedTo = `${destination} ${target.href}`;
    if (raw.length) headers['content-length'] = String(raw.length);
    const req = httpRequest(target, { method: rec.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        rec.relayStatus = res.statusCode;
        rec.relayResponseHeaders = res.headers;
        rec.relayResponseBody = Buffer.concat(chunks).toString('utf8');
        notify();
      });
    });
    req.on('error', (err) => {
      rec.relayError = err.message;
      notify();
    });
    req.end(raw);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const rawBody = raw.toString('utf8');
      let body: unknown;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        body = undefined;
      }
      const rec: RecordedFspiopRequest = {
        method: req.method ?? '',
        path: req.url ?? '/',
        headers: req.headers,
        rawHeaderNames: req.rawHeaders.filter((_, i) => i % 2 === 0),
        rawBody,
        body,
        at: Date.now(),
      };
      requests.push(rec);
      // Like a switch: accept at once with an empty body (the adapter rejects a non-empty one).
      res.writeHead(req.method === 'PUT' || req.method === 'PATCH' ? 200 : 202, { 'content-length': '0' });
      res.end();
      notify();
      if (Object.keys(routes).length > 0) setImmediate(() => relay(rec, raw));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    routes,
    waitFor(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = requests.find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`peer stub: no matching request within ${timeoutMs} ms; got ${requests.map((r) => `${r.method} ${r.path}`).join(', ') || 'none'}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    stop() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
