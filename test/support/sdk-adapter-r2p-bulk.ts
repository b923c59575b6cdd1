/**
 * What the request-to-pay and bulk interoperability tests need to drive the Mojaloop SDK scheme
 * adapter 18.0.2 (test/support/sdk-adapter.ts) around the parts of those flows it cannot do
 * itself; test/interop/sdk-adapter-r2p.test.ts and sdk-adapter-bulk.test.ts say which parts, and
 * why (file and line of the adapter's source).
 *
 *   - the endpoint types request to pay and bulk use (admin.md §1.3), which endpointsFor() of the
 *     conformance library does not register;
 *   - a record of one callback as the adapter's inbound API passed it on over Redis pub/sub;
 *   - the adapter's own ILP code (sdk-standard-components inside the installed package), to make
 *     the condition a payee adapter's ILP secret gives a transaction;
 *   - the adapter's requestToPayTransfer state machine put at its "quote received" stage, so that
 *     its own OTP and transfer stages run after a quote it cannot send (see seedRequestToPayTransfer).
 */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  installSdkAdapter,
  redisSet,
  redisSubscribe,
  sdkAdapterEntry,
  startPrivateRedis,
  startSdkAdapter,
  type InstallResult,
  type PrivateRedis,
  type RedisMessage,
  type RedisSubscription,
  type SdkAdapter,
  type SdkAdapterOptions,
} from './sdk-adapter.js';
import { startCoreBankingSim, type CoreBankingSim, type CoreBankingSimOptions } from './sdk-adapter-core-banking-sim.js';
import { startHubProcess, type HubProcess } from './hub-process.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { AdminClient, provision } from '../../conformance/lib/admin.js';
import { normalizeDecimal } from '../../conformance/lib/decimal.js';

/** Endpoint registrations for transaction requests, authorizations and bulk, all on one inbound API. */
export function r2pBulkEndpoints(base: string): Array<{ type: string; value: string }> {
  const b = base.replace(/\/+$/, '');
  return [
    { type: 'FSPIOP_CALLBACK_URL_TRX_REQ_SERVICE', value: b },
    { type: 'FSPIOP_CALLBACK_URL_AUTHORIZATIONS', value: b },
    { type: 'FSPIOP_CALLBACK_URL_BULK_QUOTES', value: b },
    { type: 'FSPIOP_CALLBACK_URL_BULK_TRANSFER_POST', value: `${b}/bulkTransfers` },
    { type: 'FSPIOP_CALLBACK_URL_BULK_TRANSFER_PUT', value: `${b}/bulkTransfers/{{id}}` },
    { type: 'FSPIOP_CALLBACK_URL_BULK_TRANSFER_ERROR', value: `${b}/bulkTransfers/{{id}}/error` },
  ];
}

/** Waits up to `timeoutMs` for `find` to find something (the adapters and the hub log and publish asynchronously). */
export async function eventually<T>(find: () => T | undefined, timeoutMs = 10_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One of the hub's log lines (pino JSON). */
export interface HubLogEntry {
  msg?: string;
  [k: string]: unknown;
}

/** The hub's log entries with message `msg` whose fields include `fields`, oldest first. */
export function hubLog(hub: HubProcess, msg: string, fields: Record<string, unknown> = {}): HubLogEntry[] {
  const found: HubLogEntry[] = [];
  for (const line of hub.logs) {
    if (!line.startsWith('{') || !line.includes(msg)) continue;
    try {
      const entry = JSON.parse(line) as HubLogEntry;
      if (entry.msg === msg && Object.entries(fields).every(([k, v]) => entry[k] === v)) found.push(entry);
    } catch {
      // not a JSON line
    }
  }
  return found;
}

/** A callback as the adapter's inbound handlers publish it: `{ type, data: { body, headers } }`. */
export interface PublishedCallback {
  type?: string;
  body: Record<string, any>;
  headers: Record<string, string>;
}

export function publishedCallback(m: RedisMessage): PublishedCallback {
  const parsed = JSON.parse(m.message) as { type?: string; data?: { body?: unknown; headers?: Record<string, string> } };
  const body = typeof parsed.data?.body === 'string' ? JSON.parse(parsed.data.body) : parsed.data?.body;
  return { type: parsed.type, body: (body ?? {}) as Record<string, any>, headers: parsed.data?.headers ?? {} };
}

/** The part of sdk-standard-components' Ilp class (ILP v1) the tests use. */
export interface AdapterIlp {
  /** what a payee adapter puts in its quote answer for this quote request and transfer amount */
  getQuoteResponseIlp(
    quoteRequest: { transactionId: string; quoteId: string; payee: unknown; payer: unknown; transactionType: unknown },
    quoteResponse: { transferAmount: { amount: string; currency: string }; note?: string },
  ): { fulfilment: string; ilpPacket: string; condition: string };
}

/** The installed adapter's own Ilp class with `secret` (a payee adapter's ILP_SECRET). */
export function sdkAdapterIlp(secret: string, entry = sdkAdapterEntry()): AdapterIlp {
  const load = createRequire(entry);
  const { Ilp } = load('@mojaloop/sdk-standard-components') as { Ilp: new (o: { secret: string; logger: unknown }) => AdapterIlp };
  const quiet = { log: () => undefined, push: () => quiet, error: () => undefined, isDebugEnabled: () => false, debug: () => undefined };
  return new Ilp({ secret, logger: quiet });
}

/** What the requestToPayTransfer model keeps after its quote stage (OutboundRequestToPayTransferModel, 18.0.2). */
export interface RequestToPayTransferAtQuote {
  requestToPayTransactionId: string;
  /** the transfer id, which is also the quote's transactionId (the payee adapter finds its quote by it) */
  transferId: string;
  quoteId: string;
  /** the body of the payee's PUT /quotes/{quoteId} */
  quoteResponse: Record<string, unknown>;
  /** FSPIOP-Source of that PUT: where the transfer goes */
  quoteResponseSource: string;
  from: Record<string, unknown>;
  /** the payee, with its fspId */
  to: Record<string, unknown> & { fspId: string };
  amountType: 'SEND' | 'RECEIVE';
  currency: string;
  amount: string;
  scenario: Record<string, unknown>;
  initiator: string;
  /** BUSINESS: no OTP stage; anything else: GET /authorizations first */
  initiatorType: string;
  note?: string;
}

/**
 * Writes the payer adapter's requestToPayTransfer record as its model saves it after a quote
 * (`requestToPayTransferModel_<id>`, state "quoteReceived"). The adapter's own quote stage cannot
 * run against a switch (it sends transactionType.scenario as an object); with the record in place,
 * its outbound PUT /requestToPayTransfer/{id} resumes the model at the OTP stage, which then runs
 * the adapter's own GET /authorizations, OTP acceptance and transfer.
 */
export async function seedRequestToPayTransfer(redis: { host?: string; port: number }, db: number, state: RequestToPayTransferAtQuote): Promise<void> {
  await redisSet(redis, db, `requestToPayTransferModel_${state.requestToPayTransactionId}`, JSON.stringify({ ...state, currentState: 'quoteReceived' }));
}

// ---------------------------------------------------------------------------------------------
// Two adapters on a hub

/** One DFSP of the pair: its adapter, its core-banking simulator, its own Redis and what was published there. */
export interface AdapterSide {
  name: string;
  adapter: SdkAdapter;
  sim: CoreBankingSim;
  /** a redis-server of this side's own: pub/sub channels are server-wide, so each side has one */
  redis: PrivateRedis;
  /** every message the adapter published on its Redis (its inbound callbacks, as its models receive them) */
  published: RedisSubscription;
}

export interface AdapterPairOptions {
  /** test database name prefix */
  database: string;
  currency: string;
  payer: { sim: CoreBankingSimOptions; ndc?: string; adapter?: Partial<SdkAdapterOptions> };
  payee: { sim: CoreBankingSimOptions; ndc?: string; adapter?: Partial<SdkAdapterOptions> };
  /** more hub environment */
  hubEnv?: Record<string, string>;
}

export interface AdapterPair {
  install: InstallResult;
  database: TestDatabase;
  hub: HubProcess;
  admin: AdminClient;
  /** a connection to the hub's database, for the records no API shows */
  db: pg.Client;
  payer: AdapterSide;
  payee: AdapterSide;
  timings: Record<string, number>;
  /** the hub's position of a participant in the pair's currency, as an exact decimal string */
  position(name: string): Promise<string>;
  positions(): Promise<{ payer: string; payee: string }>;
  /** the adapters' and the hub's last log lines, for failure messages */
  explain(lines?: number): string;
  stop(): Promise<void>;
}

const HUB_NAME = 'Hub';

async function startSide(role: 'payer' | 'payee', name: string, o: AdapterPairOptions['payer'], hub: HubProcess, entry: string): Promise<AdapterSide> {
  const redis = await startPrivateRedis();
  const sim = await startCoreBankingSim(o.sim).catch(async (err) => {
    await redis.stop();
    throw err;
  });
  try {
    const published = await redisSubscribe(redis, ['*']);
    const adapter = await startSdkAdapter({
      dfspId: name,
      peerEndpoint: hub.fspiopUrl,
      alsEndpoint: hub.fspiopUrl,
      backendEndpoint: sim.url,
      redis: { host: redis.host, port: redis.port, db: 0 },
      entry,
      requestTimeoutSeconds: 15,
      startTimeoutMs: 60_000,
      ...o.adapter,
    });
    return { name, adapter, sim, redis, published };
  } catch (err) {
    await sim.stop();
    await redis.stop();
    throw new Error(`the ${role} side did not start: ${(err as Error).message}`);
  }
}

/**
 * The hub (a child process on a fresh database) and two adapters, each with its own core-banking
 * simulator and Redis, provisioned through the Admin API (hub accounts, settlement model, both
 * participants in `currency`, NDC, funds in, every FSPIOP endpoint including request to pay and
 * bulk, all pointing at the adapter's inbound API). Participant names are random: tests running
 * alongside never share one.
 */
export async function startAdapterPair(o: AdapterPairOptions): Promise<AdapterPair> {
  const suffix = randomBytes(3).toString('hex');
  const timings: Record<string, number> = {};
  let t = Date.now();
  const install = await installSdkAdapter();
  timings.install = Date.now() - t;
  t = Date.now();
  const database = await createTestDatabase(o.database);
  const hub = await startHubProcess({ MIZANI_DATABASE_URL: database.url, MIZANI_EXPIRY_SWEEP_MS: '500', ...(o.hubEnv ?? {}) }).catch(async (err) => {
    await database.drop();
    throw err;
  });
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const admin = new AdminClient(hub.adminUrl);
  timings.hub = Date.now() - t;
  t = Date.now();
  const sides = await Promise.allSettled([
    startSide('payer', `payerfsp${suffix}`, o.payer, hub, install.entry),
    startSide('payee', `payeefsp${suffix}`, o.payee, hub, install.entry),
  ]);
  const stopSide = async (s: AdapterSide) => {
    s.published.close();
    await s.adapter.stop();
    await Promise.allSettled([s.sim.stop(), s.redis.stop()]);
  };
  const stopHub = async () => {
    await hub.stopWithin(10_000);
    await db.end().catch(() => undefined);
    await database.drop();
  };
  const failed = sides.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(sides.map((r) => (r.status === 'fulfilled' ? stopSide(r.value) : undefined)));
    await stopHub();
    throw failed.reason;
  }
  const [payer, payee] = sides.map((r) => (r as PromiseFulfilledResult<AdapterSide>).value) as [AdapterSide, AdapterSide];
  timings.adapters = Date.now() - t;
  t = Date.now();
  await provision(
    admin,
    [
      { name: payer.name, currency: o.currency, ndc: o.payer.ndc ?? '100000', fundsIn: '100000', callbackBase: payer.adapter.inboundUrl },
      { name: payee.name, currency: o.currency, ndc: o.payee.ndc ?? '100000', fundsIn: '100000', callbackBase: payee.adapter.inboundUrl },
    ],
    { hubName: HUB_NAME, timeoutMs: 20_000 },
  );
  for (const side of [payer, payee]) {
    for (const e of r2pBulkEndpoints(side.adapter.inboundUrl)) await admin.setEndpoint(side.name, e.type, e.value);
  }
  timings.provision = Date.now() - t;

  const position = async (name: string): Promise<string> => {
    const r = await admin.call('GET', `/participants/${encodeURIComponent(name)}/positions?currency=${o.currency}`);
    if (r.status !== 200) throw new Error(`GET /participants/${name}/positions: ${r.status} ${r.rawBody}`);
    // from the raw JSON text: an exact decimal, never through a float
    const m = /"value"\s*:\s*("?)(-?\d+(?:\.\d+)?)\1\s*[,}]/.exec(r.rawBody);
    if (!m) throw new Error(`no decimal position value in ${r.rawBody}`);
    return normalizeDecimal(m[2]!);
  };
  return {
    install,
    database,
    hub,
    admin,
    db,
    payer,
    payee,
    timings,
    position,
    positions: async () => ({ payer: await position(payer.name), payee: await position(payee.name) }),
    explain: (n = 12) =>
      `\n--- ${payer.name} log tail ---\n${payer.adapter.tail(n)}\n--- ${payee.name} log tail ---\n${payee.adapter.tail(n)}` +
      `\n--- hub log tail ---\n${hub.logs.slice(-n).join('\n')}`,
    async stop() {
      await Promise.allSettled([stopSide(payer), stopSide(payee)]);
      await stopHub();
    },
  };
}
