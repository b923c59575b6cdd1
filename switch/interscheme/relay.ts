/**
 * The proxy relay (docs/interscheme.md, "The relay"): one process that is a proxy participant in each of two schemes
 * and carries every FSPIOP request one hub sends it on to the other hub. Each side listens where its hub's callbacks
 * for the proxy participant are registered (every FSPIOP_CALLBACK_URL_* of the proxy points at it) and speaks to the
 * other hub as that scheme's proxy participant: its client certificate, and `FSPIOP-Proxy: <its name there>`.
 * FSPIOP-Source, FSPIOP-Destination, FSPIOP-Signature, every other end-to-end header and the body bytes pass
 * untouched, so the end DFSPs' signatures verify across the two schemes.
 *
 * The relay answers the sending hub with the receiving hub's own answer (status and body): a hub's 202/200 promises
 * the message is durable there, and its synchronous refusal (e.g. 3201, a DFSP it does not know) reaches the sending
 * hub, which heals its route. It keeps nothing: no state survives a request.
 *
 * Trust: with TLS, a side accepts only its own hub's client certificate (identity = the hub's name), so no
 * participant of one scheme can make the relay speak as the proxy in the other.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Pool, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { clientTlsOptions, loadTlsMaterial, participantOfCertificate, serverTlsOptions, type TlsPaths } from '../security/tls.js';

/** One scheme the relay is a proxy participant of. */
export interface RelaySide {
  /** The proxy participant's name in this scheme (FSPIOP-Proxy of what the relay sends this scheme's hub). */
  proxyName: string;
  /** The hub's FSPIOP base URL. */
  hubUrl: string;
  /** The hub's name: with TLS, the identity its client certificate must carry to be relayed. */
  hubName: string;
  /** Where this scheme's hub calls the proxy: `host:port` (port 0: any). */
  listen: string;
  /** This scheme's PKI: the proxy's certificate (server for the hub's calls, client towards the hub) and the CA. */
  tls?: TlsPaths;
}

export interface RelayConfig {
  sides: [RelaySide, RelaySide];
  /** Timeout of one relayed request. Default 10 s. */
  timeoutMs?: number;
}

export interface RunningRelay {
  /** Base URL each side listens on (what the proxy's endpoints in that scheme point at), by proxy name. */
  urls: Record<string, string>;
  stop(): Promise<void>;
}

// Hop-by-hop headers and those the HTTP client sets again; FSPIOP-Proxy is the relay's to set.
const NOT_RELAYED = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'expect',
  'fspiop-proxy',
]);

interface Outbound {
  side: RelaySide;
  pool: Pool;
}

export async function startRelay(config: RelayConfig, log: Logger): Promise<RunningRelay> {
  if (config.sides.length !== 2) throw new Error('a relay joins exactly two schemes');
  const timeoutMs = config.timeoutMs ?? 10_000;
  const materials = await Promise.all(config.sides.map((side) => (side.tls ? loadTlsMaterial(side.tls) : undefined)));
  const outbound: Outbound[] = config.sides.map((side, i) => {
    const material = materials[i];
    return {
      side,
      pool: new Pool(new URL(side.hubUrl).origin, {
        connections: 16,
        keepAliveTimeout: 30_000,
        ...(material ? { connect: clientTlsOptions(material) } : {}),
      }),
    };
  });
  const servers: Server[] = [];
  const urls: Record<string, string> = {};
  try {
    for (const [i, side] of config.sides.entries()) {
      const material = materials[i];
      const to = outbound[1 - i]!;
      const handler = (req: IncomingMessage, res: ServerResponse) => void relayOne(req, res, side, to, material !== undefined, timeoutMs, log);
      const server = material ? createHttpsServer(serverTlsOptions(material, { requireClientCert: true }), handler) : createHttpServer(handler);
      const [host, port] = splitListen(side.listen);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      servers.push(server);
      const address = server.address() as AddressInfo;
      urls[side.proxyName] = `${material ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    }
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await Promise.all(outbound.map((o) => o.pool.close()));
    throw err;
  }
  return {
    urls,
    async stop() {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise((resolve) => {
              s.close(resolve);
              s.closeAllConnections();
            }),
        ),
      );
      await Promise.all(outbound.map((o) => o.pool.close().catch(() => undefined)));
    },
  };
}

function splitListen(listen: string): [string, number] {
  const at = listen.lastIndexOf(':');
  if (at < 0) throw new Error(`listen "${listen}" must be host:port`);
  const port = Number(listen.slice(at + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`listen "${listen}": invalid port`);
  return [listen.slice(0, at).replace(/^\[|\]$/g, ''), port];
}

async function relayOne(req: IncomingMessage, res: ServerResponse, from: RelaySide, to: Outbound, tls: boolean, timeoutMs: number, log: Logger) {
  const entry = { from: from.proxyName, to: to.side.proxyName, method: req.method, path: req.url, source: req.headers['fspiop-source'] };
  try {
    if (tls && participantOfCertificate(req.socket as TLSSocket) !== from.hubName) {
      log.warn(entry, 'relay refused: the caller is not the hub of this scheme');
      return answer(res, 403, {
        errorInformation: { errorCode: '3100', errorDescription: `Generic validation error - only ${from.hubName} may use this relay` },
      });
    }
    const body = await readBody(req);
    if (hubToHubError(req, from, to.side)) {
      // One hub's error about the other hub's own message: relaying it would have the other answer it with an error
      // again, endlessly. The hubs' answers to each other are states (PUT /transfers/{ID}), never errors about errors.
      log.info(entry, 'not relayed: an error from one hub to the other');
      res.statusCode = 200;
      res.setHeader('content-length', '0');
      return res.end();
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || NOT_RELAYED.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    headers['fspiop-proxy'] = to.side.proxyName;
    const response = await to.pool.request({
      path: req.url ?? '/',
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      headers,
      body: body.length > 0 ? body : undefined,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = Buffer.from(await response.body.arrayBuffer());
    log.info({ ...entry, status: response.statusCode }, 'relayed');
    res.statusCode = response.statusCode;
    const type = response.headers['content-type'];
    if (typeof type === 'string') res.setHeader('content-type', type);
    res.setHeader('content-length', String(text.length));
    res.end(text);
  } catch (err) {
    log.warn({ ...entry, err: err instanceof Error ? err.message : String(err) }, 'relay could not reach the other hub');
    // A 5xx: the sending hub retries, then treats the destination as unreachable.
    answer(res, 502, {
      errorInformation: { errorCode: '1001', errorDescription: `Destination communication error - ${to.side.hubName} could not be reached` },
    });
  }
}

function hubToHubError(req: IncomingMessage, from: RelaySide, to: RelaySide): boolean {
  return req.headers['fspiop-source'] === from.hubName && req.headers['fspiop-destination'] === to.hubName && /\/error(\?|$)/.test(req.url ?? '');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', String(Buffer.byteLength(text)));
  res.end(text);
}
