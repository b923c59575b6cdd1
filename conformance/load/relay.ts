// The bare relay baseline: a minimal FSPIOP forwarder with the hub's routing surface and the same HTTP hops
// (sync 202/200 to the sender, then the message to the destination DFSP, plus the hub's transfer confirmation
// to the payee), but no validation, no storage, no signature checks. The ratio hub rate / relay rate is the
// hub's efficiency figure.
//
// Routing: FSPIOP-Destination; POST /transfers without it → body payeeFsp; GET /parties without it → the
// party map (in memory). DFSP callback base URLs and the party map come from a tiny config API:
//   PUT /_relay/config  {"dfsps": {"<fspId>": "http://host:port"}, "parties": {"MSISDN/123": "<fspId>"}, "hubName": "Hub"}
//   GET /_relay/stats
// A DFSP's callbacks are sent to `<base URL><same path>` (the simulators' endpoint templates).
//
// CLI: node dist/conformance/load/relay.js [--host 127.0.0.1] [--port 0] [--connections 32]
//      prints one JSON line {"relay": "<url>", "pid": …} when listening.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

export interface RelayOptions {
  host?: string;
  port?: number;
  /** Keep-alive connections per DFSP origin. Default 32 (the hub's MIZANI_CALLBACK_CONNECTIONS default). */
  connections?: number;
  /** Send the payee a copy of a COMMITTED fulfil from the hub name (the hub's default behaviour). Default true. */
  confirmToPayee?: boolean;
  hubName?: string;
  timeoutMs?: number;
}

export interface RelayStats {
  received: number;
  forwarded: number;
  confirmations: number;
  unroutable: number;
  forwardErrors: Record<string, number>;
}

export interface Relay {
  url: string;
  server: Server;
  stats: RelayStats;
  configure(c: { dfsps?: Record<string, string>; parties?: Record<string, string>; hubName?: string }): void;
  stop(): Promise<void>;
}

const DROP = new Set(['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

export async function startRelay(o: RelayOptions = {}): Promise<Relay> {
  const dfsps = new Map<string, { base: string; pool: Pool }>();
  const parties = new Map<string, string>();
  let hubName = o.hubName ?? 'Hub';
  const confirm = o.confirmToPayee ?? true;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const stats: RelayStats = { received: 0, forwarded: 0, confirmations: 0, unroutable: 0, forwardErrors: {} };

  const configure: Relay['configure'] = (c) => {
    for (const [name, base] of Object.entries(c.dfsps ?? {})) {
      const old = dfsps.get(name);
      const url = new URL(base);
      if (old && old.base === url.origin) continue;
      void old?.pool.close();
      dfsps.set(name, { base: url.origin, pool: new Pool(url.origin, { connections: o.connections ?? 32, keepAliveTimeout: 30_000 }) });
    }
    for (const [k, v] of Object.entries(c.parties ?? {})) parties.set(k, v);
    if (c.hubName) hubName = c.hubName;
  };

  const forward = (dest: string, method: string, path: string, headers: Record<string, string>, body: string | undefined) => {
    const d = dfsps.get(dest);
    if (!d) {
      stats.unroutable++;
      return;
    }
    d.pool.request({ method: method as 'PUT', path, headers, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }).then(
      async (res) => {
        await res.body.dump();
        if (res.statusCode >= 300) stats.forwardErrors[`HTTP ${res.statusCode}`] = (stats.forwardErrors[`HTTP ${res.statusCode}`] ?? 0) + 1;
        else stats.forwarded++;
      },
      (err: { code?: string }) => {
        const k = err.code ?? 'error';
        stats.forwardErrors[k] = (stats.forwardErrors[k] ?? 0) + 1;
      },
    );
  };

  const onFspiop = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    stats.received++;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || DROP.has(k)) continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    let dest: string | undefined = headers['fspiop-destination'];
    if (!dest && method === 'POST' && path === '/transfers') dest = /"payeeFsp"\s*:\s*"([^"]+)"/.exec(body)?.[1];
    if (!dest && method === 'GET' && path.startsWith('/parties/')) {
      const seg = path.split('/');
      dest = parties.get(`${decodeURIComponent(seg[2] ?? '')}/${decodeURIComponent(seg[3] ?? '')}`);
      if (dest) headers['fspiop-destination'] = dest;
    }
    if (!dest || !dfsps.has(dest)) {
      stats.unroutable++;
      const b = JSON.stringify({ errorInformation: { errorCode: '3201', errorDescription: 'Destination FSP Error' } });
      res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
      res.end(b);
      return;
    }
    res.writeHead(method === 'PUT' || method === 'PATCH' ? 200 : 202, { 'content-length': '0' });
    res.end();
    if (method === 'PUT') delete headers.accept;
    headers['fspiop-http-method'] = method;
    forward(dest, method, url, headers, method === 'GET' || method === 'DELETE' ? undefined : body);
    // The hub's SEND_TRANSFER_CONFIRMATION_TO_PAYEE: the COMMITTED fulfil, from the hub, to the payee too.
    if (confirm && method === 'PUT' && path.startsWith('/transfers/') && !path.endsWith('/error') && body.includes('"COMMITTED"')) {
      const payee = headers['fspiop-source'];
      if (payee && dfsps.has(payee)) {
        const h: Record<string, string> = { ...headers, 'fspiop-source': hubName, 'fspiop-destination': payee, date: new Date().toUTCString() };
        delete h['fspiop-signature'];
        stats.confirmations++;
        forward(payee, 'PUT', url, h, body);
      }
    }
  };

  const onConfig = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const reply = (status: number, value: unknown) => {
      const b = JSON.stringify(value);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
      res.end(b);
    };
    if (req.method === 'GET' && req.url === '/_relay/stats') return reply(200, { ...stats, dfsps: dfsps.size, parties: parties.size });
    if ((req.method === 'PUT' || req.method === 'POST') && req.url === '/_relay/config') {
      try {
        configure(JSON.parse(body));
        return reply(200, { dfsps: dfsps.size, parties: parties.size });
      } catch (err) {
        return reply(400, { error: err instanceof Error ? err.message : String(err) });
      }
    }
    return reply(404, { error: 'unknown relay admin path' });
  };

  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 70_000, requestTimeout: 0 }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (req.url?.startsWith('/_relay/')) onConfig(req, res, body);
      else onFspiop(req, res, body);
    });
    req.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = (o.host ?? '127.0.0.1').includes(':') ? `[${o.host}]` : (o.host ?? '127.0.0.1');
  return {
    url: `http://${host}:${addr.port}`,
    server,
    stats,
    configure,
    async stop() {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await Promise.all([...dfsps.values()].map((d) => d.pool.close().catch(() => undefined)));
    },
  };
}

// ---- CLI ----------------------------------------------------------------------------------------------------------

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { host: { type: 'string' }, port: { type: 'string' }, connections: { type: 'string' }, 'hub-name': { type: 'string' } },
    strict: true,
  });
  const relay = await startRelay({
    host: values.host ?? '127.0.0.1',
    port: Number(values.port ?? 0),
    connections: values.connections ? Number(values.connections) : undefined,
    hubName: values['hub-name'],
  });
  process.stdout.write(JSON.stringify({ relay: relay.url, pid: process.pid }) + '\n');
  const stop = () => void relay.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
