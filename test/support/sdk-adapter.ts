/**
 * Runs the real Mojaloop SDK scheme adapter (@mojaloop/sdk-scheme-adapter@18.0.2 from npm,
 * unmodified) as a DFSP for interoperability tests. The package is installed once per machine,
 * outside the repo, by scripts/sdk-adapter-install.mjs (see docs/interop.md, "Installing the
 * adapter" and "Running the adapter" for every finding and the environment variables used).
 *
 *   const redis = await ensureRedis();
 *   const { entry } = await installSdkAdapter();          // cached: milliseconds
 *   const payer = await startSdkAdapter({ dfspId: 'payerfsp', peerEndpoint: hub.fspiopUrl,
 *                                         backendEndpoint: sim.url, redis: { ...redis, db: 1 } });
 *   // the hub calls payer.inboundUrl; the test calls payer.outboundUrl (POST /transfers, ...)
 *   await payer.stop();
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const SDK_ADAPTER_PACKAGE = '@mojaloop/sdk-scheme-adapter';
export const SDK_ADAPTER_VERSION = '18.0.2';

/** The repo root, from dist/test/support/ (compiled) or test/support/ (source). */
function repoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes('/dist/') ? join(here, '..', '..', '..') : join(here, '..', '..');
}

export const INSTALLER = join(repoRoot(), 'scripts', 'sdk-adapter-install.mjs');

/** Same rule as scripts/sdk-adapter-install.mjs. */
export function sdkAdapterInstallDir(): string {
  const root = process.env.MIZANI_SDK_ADAPTER_CACHE ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mizani');
  return join(root, `sdk-scheme-adapter-${SDK_ADAPTER_VERSION}`);
}

export function sdkAdapterEntry(dir = sdkAdapterInstallDir()): string {
  return join(dir, 'node_modules', '@mojaloop', 'sdk-scheme-adapter', 'src', 'index.js');
}

export interface InstallResult {
  dir: string;
  entry: string;
  version: string;
  /** true when the cache already held a complete install */
  cached: boolean;
  /** how long this call took */
  seconds: number;
}

/** Runs the (idempotent, cached) installer. The first install on a machine compiles grpc: minutes. */
export function installSdkAdapter(timeoutMs = 45 * 60_000): Promise<InstallResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [INSTALLER, '--json'], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${INSTALLER} failed: ${err.message}\n${stdout}\n${stderr}`));
        return;
      }
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as InstallResult);
      } catch {
        reject(new Error(`unexpected installer output:\n${stdout}\n${stderr}`));
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Redis

/** Sends PING; resolves true on +PONG. */
export function redisPing(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let data = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\r\n')) done(data.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

export interface RedisInfo {
  host: string;
  port: number;
  /** true when this call started redis-server (it keeps running, daemonized) */
  started: boolean;
}

/**
 * Makes sure a Redis answers at host:port (default 127.0.0.1 and $MIZANI_TEST_REDIS_PORT or 6379);
 * if none does, starts one:
 * `redis-server --daemonize yes --bind 127.0.0.1 --port <port> --save "" --appendonly no`.
 */
export async function ensureRedis(port = Number(process.env.MIZANI_TEST_REDIS_PORT ?? 6379), host = '127.0.0.1'): Promise<RedisInfo> {
  if (await redisPing(host, port)) return { host, port, started: false };
  await new Promise<void>((resolve, reject) => {
    execFile(
      'redis-server',
      ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
      (err, stdout, stderr) => {
        if (err) reject(new Error(`could not start redis-server on port ${port}: ${err.message}\n${stdout}${stderr}`));
        else resolve();
      },
    );
  });
  for (let i = 0; i < 50; i++) {
    if (await redisPing(host, port)) return { host, port, started: true };
    await sleep(100);
  }
  throw new Error(`redis-server was started on port ${port} but does not answer PING`);
}

/** A RESP reply: simple string, integer, bulk string (null when absent), array, or an error. */
export type RedisReply = string | number | null | RedisReply[] | { error: string };

/** Parses one RESP reply at `at`; returns undefined when more bytes are needed. */
function parseResp(buf: Buffer, at: number): { value: RedisReply; next: number } | undefined {
  const eol = buf.indexOf('\r\n', at, 'latin1');
  if (eol < 0) return undefined;
  const head = buf.toString('utf8', at + 1, eol);
  const type = String.fromCharCode(buf[at]!);
  if (type === '+') return { value: head, next: eol + 2 };
  if (type === '-') return { value: { error: head }, next: eol + 2 };
  if (type === ':') return { value: Number(head), next: eol + 2 };
  if (type === '$') {
    const n = Number(head);
    if (n < 0) return { value: null, next: eol + 2 };
    if (buf.length < eol + 2 + n + 2) return undefined;
    return { value: buf.toString('utf8', eol + 2, eol + 2 + n), next: eol + 2 + n + 2 };
  }
  if (type === '*') {
    const n = Number(head);
    if (n < 0) return { value: null, next: eol + 2 };
    const items: RedisReply[] = [];
    let next = eol + 2;
    for (let i = 0; i < n; i++) {
      const item = parseResp(buf, next);
      if (!item) return undefined;
      items.push(item.value);
      next = item.next;
    }
    return { value: items, next };
  }
  throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
}

/**
 * Runs commands in order on one fresh connection (no client library needed) and resolves with
 * their replies; an error reply is returned as `{ error }`, not thrown.
 *   await redisCommands({ port: 6379 }, [['SELECT', '3'], ['FLUSHDB']])
 */
export function redisCommands(server: { host?: string; port: number }, commands: string[][], timeoutMs = 5000): Promise<RedisReply[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host ?? '127.0.0.1', port: server.port });
    let buf = Buffer.alloc(0);
    let offset = 0;
    const replies: RedisReply[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis ${server.port}: no complete answer within ${timeoutMs} ms to ${JSON.stringify(commands)}`));
    }, timeoutMs);
    socket.on('connect', () => {
      const wire = commands.map((args) => `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')).join('');
      socket.write(wire);
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const parsed = parseResp(buf, offset);
        if (!parsed) break;
        replies.push(parsed.value);
        offset = parsed.next;
      }
      if (replies.length >= commands.length) {
        clearTimeout(timer);
        socket.end();
        resolve(replies);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** SELECT db + FLUSHDB: removes the adapter's keys (it sets no expiry on them) from that DB only. */
export async function flushRedisDb(server: { host?: string; port: number }, db: number): Promise<void> {
  const [selected, flushed] = await redisCommands(server, [['SELECT', String(db)], ['FLUSHDB']]);
  if (selected !== 'OK' || flushed !== 'OK') throw new Error(`redis ${server.port} db ${db}: FLUSHDB failed: ${JSON.stringify([selected, flushed])}`);
}

/** GET key in db; null when absent. */
export async function redisGet(server: { host?: string; port: number }, db: number, key: string): Promise<string | null> {
  const [, value] = await redisCommands(server, [
    ['SELECT', String(db)],
    ['GET', key],
  ]);
  if (value !== null && typeof value !== 'string') throw new Error(`redis GET ${key}: ${JSON.stringify(value)}`);
  return value;
}

/** SET key value in db (the adapter's cache stores every record as JSON text under its plain key). */
export async function redisSet(server: { host?: string; port: number }, db: number, key: string, value: string): Promise<void> {
  const [selected, set] = await redisCommands(server, [
    ['SELECT', String(db)],
    ['SET', key, value],
  ]);
  if (selected !== 'OK' || set !== 'OK') throw new Error(`redis ${server.port} db ${db}: SET ${key} failed: ${JSON.stringify([selected, set])}`);
}

export interface RedisMessage {
  channel: string;
  message: string;
  at: number;
}

export interface RedisSubscription {
  /** every message published on a matching channel since the subscription started, oldest first */
  messages: RedisMessage[];
  /** the first message on `channel` (already received or still to come), waiting up to timeoutMs */
  waitFor(channel: string, timeoutMs?: number): Promise<RedisMessage>;
  close(): void;
}

/**
 * PSUBSCRIBE to channel patterns on one connection of its own, and keep what is published. The
 * adapter passes every FSPIOP callback it receives to the waiting model over Redis pub/sub
 * (`txnreq_<id>`, `otp_<id>`, `bulkQuotes_<id>`, `bulkTransfer_<id>`, ...): listening there shows
 * what reached the adapter even where its model does not pick it up. Resolves once subscribed.
 */
export function redisSubscribe(server: { host?: string; port: number }, patterns: string[], timeoutMs = 5000): Promise<RedisSubscription> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host ?? '127.0.0.1', port: server.port });
    const messages: RedisMessage[] = [];
    const waiters = new Set<() => void>();
    let buf = Buffer.alloc(0);
    let confirmed = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis ${server.port}: PSUBSCRIBE ${patterns.join(' ')} not confirmed within ${timeoutMs} ms`));
    }, timeoutMs);
    const subscription: RedisSubscription = {
      messages,
      waitFor(channel, waitMs = 10_000) {
        return new Promise((found, fail) => {
          const check = () => {
            const m = messages.find((x) => x.channel === channel);
            if (!m) return false;
            waiters.delete(check);
            clearTimeout(giveUp);
            found(m);
            return true;
          };
          const giveUp = setTimeout(() => {
            waiters.delete(check);
            fail(
              new Error(
                `redis ${server.port}: nothing published on ${channel} within ${waitMs} ms (got ${messages.map((x) => x.channel).join(', ') || 'none'})`,
              ),
            );
          }, waitMs);
          if (!check()) waiters.add(check);
        });
      },
      close: () => socket.destroy(),
    };
    const onReply = (reply: RedisReply) => {
      if (!Array.isArray(reply)) return;
      if (reply[0] === 'psubscribe' && ++confirmed === patterns.length) {
        clearTimeout(timer);
        resolve(subscription);
      }
      if (reply[0] === 'pmessage' && typeof reply[2] === 'string' && typeof reply[3] === 'string') {
        messages.push({ channel: reply[2], message: reply[3], at: Date.now() });
        for (const w of [...waiters]) w();
      }
    };
    socket.on('connect', () =>
      socket.write(`*${patterns.length + 1}\r\n$10\r\nPSUBSCRIBE\r\n` + patterns.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')),
    );
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const parsed = parseResp(buf, 0);
        if (!parsed) break;
        buf = buf.subarray(parsed.next);
        onReply(parsed.value);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export interface PrivateRedis extends RedisInfo {
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a redis-server of this test's own (not daemonized, no persistence, 127.0.0.1, a free
 * port) and stops it with stop(); it is killed if the test process exits first. For adapters that
 * must not share Redis pub/sub with another adapter: channels are server-wide, DB indexes do not
 * separate them (docs/interop.md).
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    let exited = false;
    const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    };
    for (let i = 0; i < 50 && !exited; i++) {
      const failed = await Promise.race([spawnError, sleep(100).then(() => undefined)]);
      if (failed) throw new Error(`could not start redis-server: ${failed.message}`);
      if (await redisPing('127.0.0.1', port, 500)) return { host: '127.0.0.1', port, started: true, child, stop };
    }
    await stop();
    if (attempt < 3 && /in use/i.test(output)) continue;
    throw new Error(`redis-server on port ${port} did not answer PING:\n${output}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The adapter

export interface SdkAdapterTlsSide {
  enabled: boolean;
  /** CA certificate files (PEM) */
  caPaths?: string[];
  /** inbound: the server certificate; outbound: the client certificate */
  certPath?: string;
  keyPath?: string;
}

export interface SdkAdapterOptions {
  /** DFSP_ID: this DFSP's FSPIOP name (sent as FSPIOP-Source, put in partyIdInfo.fspId) */
  dfspId: string;
  /**
   * PEER_ENDPOINT: the hub's FSPIOP base URL. The adapter takes `host:port[/path]` without a scheme
   * and puts `http://` in front (`https://` when outbound TLS is on); a URL given here is converted.
   */
  peerEndpoint: string;
  /**
   * per-service overrides, same form: ALS_ENDPOINT (default: peerEndpoint; 18.0.2 needs it set for
   * POST /accounts), QUOTES_ENDPOINT, TRANSFERS_ENDPOINT (default: PEER_ENDPOINT)
   */
  alsEndpoint?: string;
  quotesEndpoint?: string;
  transfersEndpoint?: string;
  /** BACKEND_ENDPOINT: the core-banking simulator (always plain http in 18.0.2) */
  backendEndpoint: string;
  /** INBOUND_LISTEN_PORT (the hub calls it); 0 or absent: a free port */
  inboundPort?: number;
  /** OUTBOUND_LISTEN_PORT (the test calls it); 0 or absent: a free port */
  outboundPort?: number;
  /** METRICS_SERVER_LISTEN_PORT (always started; default 4004 would clash between two adapters) */
  metricsPort?: number;
  /** ENABLE_TEST_FEATURES + TEST_LISTEN_PORT: the adapter's test API (callback/request inspection) */
  enableTestFeatures?: boolean;
  testPort?: number;
  /** CACHE_URL = redis://host:port/db. Give each adapter its own db. */
  redis?: { host?: string; port?: number; db?: number };
  /** ILP_SECRET (the payee derives fulfilments from it) */
  ilpSecret?: string;
  /** CHECK_ILP (default true) */
  checkIlp?: boolean;
  /** AUTO_ACCEPT_PARTY / AUTO_ACCEPT_QUOTES (default true here) */
  autoAcceptParty?: boolean;
  autoAcceptQuotes?: boolean;
  /** EXPIRY_SECONDS: quote/transfer expiry the adapter puts in what it sends (default 60) */
  expirySeconds?: number;
  /** REQUEST_PROCESSING_TIMEOUT_SECONDS: how long outbound calls wait for callbacks (default 30) */
  requestTimeoutSeconds?: number;
  /** JWS_SIGN (default false here; the package's own default is true) */
  jwsSign?: boolean;
  /** JWS_SIGN_PUT_PARTIES (default false) */
  jwsSignPutParties?: boolean;
  /** JWS_SIGNING_KEY_PATH: PEM private key file, read at start-up */
  jwsSigningKey?: string;
  /** VALIDATE_INBOUND_JWS (default false here; the package's own default is true) */
  validateInboundJws?: boolean;
  /** VALIDATE_INBOUND_PUT_PARTIES_JWS (default false) */
  validateInboundPutPartiesJws?: boolean;
  /** JWS_VERIFICATION_KEYS_DIRECTORY: folder of `<fspId>.pem` public keys (watched for changes) */
  jwsVerificationKeysDirectory?: string;
  /** INBOUND_MUTUAL_TLS_ENABLED, IN_CA_CERT_PATH, IN_SERVER_CERT_PATH, IN_SERVER_KEY_PATH */
  inboundTls?: SdkAdapterTlsSide;
  /** OUTBOUND_MUTUAL_TLS_ENABLED, OUT_CA_CERT_PATH, OUT_CLIENT_CERT_PATH, OUT_CLIENT_KEY_PATH (to the hub) */
  outboundTls?: SdkAdapterTlsSide;
  /** RESOURCE_VERSIONS, e.g. "parties=1.1,quotes=1.1" (default: 1.0 content / 1 accept everywhere) */
  resourceVersions?: string;
  /**
   * 18.0.2 has no log-level setting: it logs everything. This only chooses what is echoed to
   * stderr: 'silent' (default; logs are kept in memory and in logFile), 'error' (lines mentioning
   * an error), 'all'. $MIZANI_SDK_ADAPTER_LOG overrides it.
   */
  logLevel?: 'silent' | 'error' | 'all';
  /** more environment variables, applied last */
  env?: Record<string, string>;
  /** path of the installed src/index.js (default: the installer's cache folder) */
  entry?: string;
  startTimeoutMs?: number;
}

export interface SdkAdapter {
  dfspId: string;
  /** http://127.0.0.1:<inbound port>: the FSPIOP API the hub calls */
  inboundUrl: string;
  /** http://127.0.0.1:<outbound port>: the DFSP-side API (POST /transfers, GET /parties/…) */
  outboundUrl: string;
  /** http://127.0.0.1:<test port> when enableTestFeatures */
  testUrl?: string;
  metricsUrl: string;
  /** the exact environment the adapter was started with */
  env: Record<string, string>;
  child: ChildProcess;
  /** the adapter's stdout/stderr lines, newest last (at most 20,000 kept; all are in logFile) */
  logs: string[];
  /** every log line; removed by stop() unless MIZANI_SDK_ADAPTER_KEEP_LOGS=1 */
  logFile: string;
  /** the last n log lines, for failure messages */
  tail(n?: number): string;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A free TCP port on all interfaces (the adapter listens on all interfaces, not 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `http://127.0.0.1:3000/x/` → `127.0.0.1:3000/x` (the adapter adds the scheme itself). */
export function toAdapterEndpoint(value: string, httpsAllowed: boolean, what: string): string {
  const m = /^(https?):\/\/(.+)$/i.exec(value);
  if (!m) return value.replace(/\/+$/, '');
  if (m[1]!.toLowerCase() === 'https' && !httpsAllowed) {
    throw new Error(`${what} ${value}: 18.0.2 uses https only when outbound (mutual) TLS is enabled; set outboundTls`);
  }
  if (m[1]!.toLowerCase() === 'http' && httpsAllowed) {
    throw new Error(`${what} ${value}: with outbound TLS enabled the adapter always calls https://`);
  }
  return m[2]!.replace(/\/+$/, '');
}

const bool = (v: boolean) => (v ? 'true' : 'false');

/** Builds the adapter's environment (every variable the helper sets; see docs/interop.md). */
export function sdkAdapterEnv(o: SdkAdapterOptions, ports: { inbound: number; outbound: number; metrics: number; test: number }): Record<string, string> {
  const outTls = o.outboundTls?.enabled ?? false;
  const redis = { host: o.redis?.host ?? '127.0.0.1', port: o.redis?.port ?? 6379, db: o.redis?.db ?? 0 };
  const env: Record<string, string> = {
    DFSP_ID: o.dfspId,
    INBOUND_LISTEN_PORT: String(ports.inbound),
    OUTBOUND_LISTEN_PORT: String(ports.outbound),
    METRICS_SERVER_LISTEN_PORT: String(ports.metrics),
    ENABLE_TEST_FEATURES: bool(o.enableTestFeatures ?? false),
    PEER_ENDPOINT: toAdapterEndpoint(o.peerEndpoint, outTls, 'peerEndpoint'),
    BACKEND_ENDPOINT: toAdapterEndpoint(o.backendEndpoint, false, 'backendEndpoint'),
    CACHE_URL: `redis://${redis.host}:${redis.port}/${redis.db}`,
    ILP_SECRET: o.ilpSecret ?? `mizani-interop-${o.dfspId}`,
    CHECK_ILP: bool(o.checkIlp ?? true),
    AUTO_ACCEPT_PARTY: bool(o.autoAcceptParty ?? true),
    AUTO_ACCEPT_QUOTES: bool(o.autoAcceptQuotes ?? true),
    EXPIRY_SECONDS: String(o.expirySeconds ?? 60),
    REQUEST_PROCESSING_TIMEOUT_SECONDS: String(o.requestTimeoutSeconds ?? 30),
    JWS_SIGN: bool(o.jwsSign ?? false),
    JWS_SIGN_PUT_PARTIES: bool(o.jwsSignPutParties ?? false),
    VALIDATE_INBOUND_JWS: bool(o.validateInboundJws ?? false),
    VALIDATE_INBOUND_PUT_PARTIES_JWS: bool(o.validateInboundPutPartiesJws ?? false),
    INBOUND_MUTUAL_TLS_ENABLED: bool(o.inboundTls?.enabled ?? false),
    OUTBOUND_MUTUAL_TLS_ENABLED: bool(outTls),
    // one JSON object per line (the default, 2, pretty-prints over many lines)
    LOG_INDENT: '0',
    PM4ML_ENABLED: 'false',
    ENABLE_OAUTH_TOKEN_ENDPOINT: 'false',
  };
  if (o.enableTestFeatures) env.TEST_LISTEN_PORT = String(ports.test);
  // 18.0.2's AccountsModel (outbound POST /accounts → POST /participants) uses ALS_ENDPOINT only,
  // with no fall-back to PEER_ENDPOINT ("getaddrinfo ENOTFOUND undefined"): always set it.
  env.ALS_ENDPOINT = toAdapterEndpoint(o.alsEndpoint ?? o.peerEndpoint, outTls, 'alsEndpoint');
  if (o.quotesEndpoint) env.QUOTES_ENDPOINT = toAdapterEndpoint(o.quotesEndpoint, outTls, 'quotesEndpoint');
  if (o.transfersEndpoint) env.TRANSFERS_ENDPOINT = toAdapterEndpoint(o.transfersEndpoint, outTls, 'transfersEndpoint');
  if (o.jwsSigningKey) env.JWS_SIGNING_KEY_PATH = o.jwsSigningKey;
  if (o.jwsVerificationKeysDirectory) env.JWS_VERIFICATION_KEYS_DIRECTORY = o.jwsVerificationKeysDirectory;
  if (o.validateInboundJws && !o.jwsVerificationKeysDirectory) {
    // 18.0.2 would start, with no keys, and refuse every signed request with 400/3105
    throw new Error('validateInboundJws needs jwsVerificationKeysDirectory (a folder of <fspId>.pem public keys)');
  }
  if ((o.jwsSign || o.jwsSignPutParties) && !o.jwsSigningKey) throw new Error('jwsSign needs jwsSigningKey (a PEM private key file path)');
  const tlsFiles = (side: SdkAdapterTlsSide | undefined, ca: string, cert: string, key: string) => {
    if (!side?.enabled) return;
    if (!side.caPaths?.length || !side.certPath || !side.keyPath) throw new Error(`TLS needs caPaths, certPath and keyPath (${ca}, ${cert}, ${key})`);
    env[ca] = side.caPaths.join(',');
    env[cert] = side.certPath;
    env[key] = side.keyPath;
  };
  tlsFiles(o.inboundTls, 'IN_CA_CERT_PATH', 'IN_SERVER_CERT_PATH', 'IN_SERVER_KEY_PATH');
  tlsFiles(o.outboundTls, 'OUT_CA_CERT_PATH', 'OUT_CLIENT_CERT_PATH', 'OUT_CLIENT_KEY_PATH');
  // 18.0.2's format check (/(\w+)=(\d+).(\d+)([^;:|],*)/) wants a character after the last
  // version: a single "transfers=1.1" is refused at start-up, "transfers=1.1," is fine.
  if (o.resourceVersions) env.RESOURCE_VERSIONS = o.resourceVersions.replace(/\s/g, '').replace(/,?$/, ',');
  return { ...env, ...(o.env ?? {}) };
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}

/** true when something accepts TCP connections on 127.0.0.1:port */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => done(false), 1000);
    function done(ok: boolean) {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    }
    socket.on('connect', () => done(true));
    socket.on('error', () => done(false));
  });
}

const MAX_LOG_LINES = 20_000;

/** Adapter processes still running; killed when this process exits, so none is ever left behind. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

async function startOnce(o: SdkAdapterOptions, entry: string): Promise<SdkAdapter> {
  const ports = {
    inbound: o.inboundPort || (await freePort()),
    outbound: o.outboundPort || (await freePort()),
    metrics: o.metricsPort || (await freePort()),
    test: o.enableTestFeatures ? o.testPort || (await freePort()) : 0,
  };
  const env = sdkAdapterEnv(o, ports);
  // The adapter calls dotenv, which reads ./.env: run it in an empty folder of its own.
  const workDir = mkdtempSync(join(tmpdir(), `sdk-adapter-${o.dfspId}-`));
  const logFile = join(workDir, 'adapter.log');
  const logStream: WriteStream = createWriteStream(logFile);
  const echo = (process.env.MIZANI_SDK_ADAPTER_LOG as SdkAdapterOptions['logLevel']) ?? o.logLevel ?? 'silent';
  const child = spawn(process.execPath, [entry], {
    cwd: workDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? workDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const logs: string[] = [];
  const onLine = (prefix: string) => (line: string) => {
    const text = prefix + line;
    logs.push(text);
    if (logs.length > MAX_LOG_LINES) logs.splice(0, logs.length - MAX_LOG_LINES);
    logStream.write(text + '\n');
    if (echo === 'all' || (echo === 'error' && /error|err"/i.test(line))) process.stderr.write(`[${o.dfspId}] ${text}\n`);
  };
  createInterface({ input: child.stdout! }).on('line', onLine(''));
  createInterface({ input: child.stderr! }).on('line', onLine('stderr: '));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => logStream.end());
  const tail = (n = 40) => logs.slice(-n).join('\n');

  const adapter: SdkAdapter = {
    dfspId: o.dfspId,
    inboundUrl: `${o.inboundTls?.enabled ? 'https' : 'http'}://127.0.0.1:${ports.inbound}`,
    outboundUrl: `http://127.0.0.1:${ports.outbound}`,
    testUrl: o.enableTestFeatures ? `http://127.0.0.1:${ports.test}` : undefined,
    metricsUrl: `http://127.0.0.1:${ports.metrics}`,
    env,
    child,
    logs,
    logFile,
    tail,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM'); // the adapter closes its servers and exits 0
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      // the working folder holds only adapter.log; keep it with MIZANI_SDK_ADAPTER_KEEP_LOGS=1
      await new Promise<void>((r) => (logStream.writableFinished ? r() : logStream.once('finish', () => r())));
      if (process.env.MIZANI_SDK_ADAPTER_KEEP_LOGS !== '1') rmSync(workDir, { recursive: true, force: true });
      return code;
    },
  };

  const deadline = Date.now() + (o.startTimeoutMs ?? 30_000);
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  // Ready when the outbound API answers its health route (GET / → 200, empty body) and the
  // inbound port accepts connections (its GET / is a 404: the inbound request validator only
  // knows the FSPIOP paths; with mutual TLS a plain request could not get through anyway).
  for (;;) {
    if (exitCode !== undefined) {
      throw Object.assign(new Error(`SDK adapter ${o.dfspId} exited with code ${exitCode} before it was ready:\n${tail()}`), { logs });
    }
    const ok = await Promise.all([answers(`${adapter.outboundUrl}/`), accepts(ports.inbound), accepts(ports.metrics)]);
    if (ok.every(Boolean)) return adapter;
    if (Date.now() > deadline) {
      await adapter.stop();
      throw Object.assign(new Error(`SDK adapter ${o.dfspId} not ready within ${o.startTimeoutMs ?? 30_000} ms (log: ${logFile}):\n${tail()}`), { logs });
    }
    await sleep(100);
  }
}

/**
 * Starts one adapter process and waits until its inbound and outbound APIs answer. Ports left out
 * are chosen free; if one was taken meanwhile (EADDRINUSE), it retries with new ones.
 */
export async function startSdkAdapter(options: SdkAdapterOptions): Promise<SdkAdapter> {
  const entry = options.entry ?? sdkAdapterEntry();
  if (!existsSync(entry)) {
    throw new Error(`the SDK scheme adapter is not installed (${entry} missing): run node scripts/sdk-adapter-install.mjs`);
  }
  const fixedPorts = Boolean(options.inboundPort || options.outboundPort || options.metricsPort || options.testPort);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, entry);
    } catch (err) {
      const logs = (err as { logs?: string[] }).logs ?? [];
      if (attempt < 3 && !fixedPorts && logs.some((l) => l.includes('EADDRINUSE'))) continue;
      throw err;
    }
  }
}

/** One of the adapter's log lines (one JSON object each, LOG_INDENT=0), with the request it belongs to. */
export interface AdapterLogEntry {
  msg?: string;
  ctx?: { request?: { path?: string; method?: string }; [k: string]: unknown };
  [k: string]: unknown;
}

/** The adapter's log entries about requests to `path` (its inbound or outbound API), oldest first. */
export function adapterLog(adapter: SdkAdapter, path: string): AdapterLogEntry[] {
  const entries: AdapterLogEntry[] = [];
  for (const line of adapter.logs) {
    if (!line.startsWith('{') || !line.includes(path)) continue;
    try {
      const entry = JSON.parse(line) as AdapterLogEntry;
      if (entry.ctx?.request?.path === path) entries.push(entry);
    } catch {
      // not one of its JSON lines
    }
  }
  return entries;
}

/** An FSPIOP request the adapter sent (sdk-standard-components logs each one before it goes out). */
export interface AdapterSentRequest {
  method: string;
  uri: string;
  headers: Record<string, string>;
  /** the JSON body, parsed; undefined for a GET */
  body?: any;
}

/** The requests the adapter sent with `method` to a URI whose path is `path`, oldest first. */
export function adapterSent(adapter: SdkAdapter, method: 'GET' | 'POST' | 'PUT', path: string): AdapterSentRequest[] {
  const prefix = `Executing HTTP ${method}: `;
  const sent: AdapterSentRequest[] = [];
  for (const line of adapter.logs) {
    if (!line.includes(prefix) || !line.includes(path)) continue;
    let entry: AdapterLogEntry;
    try {
      entry = JSON.parse(line) as AdapterLogEntry;
    } catch {
      continue;
    }
    if (!entry.msg?.startsWith(prefix)) continue;
    const { reqOpts } = JSON.parse(entry.msg.slice(prefix.length)) as {
      reqOpts: { method: string; uri: string; headers: Record<string, string>; body?: string };
    };
    if (new URL(reqOpts.uri).pathname !== path) continue;
    sent.push({ ...reqOpts, body: typeof reqOpts.body === 'string' ? JSON.parse(reqOpts.body) : reqOpts.body });
  }
  return sent;
}

/** An answer of an adapter's outbound API (the DFSP back office side), parsed when it is JSON. */
export interface OutboundResult {
  status: number;
  body: Record<string, any>;
  ms: number;
}

/** Calls an adapter's outbound API as the DFSP's back office does (60 s limit: a payment takes its stages' time). */
export async function callOutbound(adapter: SdkAdapter, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<OutboundResult> {
  const started = Date.now();
  const res = await fetch(`${adapter.outboundUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let parsed: Record<string, any>;
  try {
    parsed = JSON.parse(text) as Record<string, any>;
  } catch {
    parsed = { unparsed: text };
  }
  return { status: res.status, body: parsed, ms: Date.now() - started };
}
