/**
 * One Admin API route module on a real HTTP server over a fresh PostgreSQL database: the module's
 * routes only (each module stands alone), with the stores and the ledger engine the hub gives it.
 * State a test needs beyond its module is seeded through the registry and the engine directly; the
 * routes themselves publish on a bus served by the liquidity worker, as in the hub.
 */
import { pino } from 'pino';
import { Agent, request } from 'undici';
import type { FastifyInstance } from 'fastify';
import { AuditLog } from '../../ledger/audit.js';
import { openDb } from '../../ledger/db.js';
import { LedgerEngine } from '../../ledger/engine.js';
import { migrate } from '../../ledger/migrate.js';
import { Registry } from '../../ledger/registry.js';
import { ParticipantDirectory } from '../../switch/directory/participants.js';
import { LEDGER_ZERO, parseLedger } from '../../ledger/units.js';
import type { AdminDeps } from '../../switch/admin/deps.js';
import type { IntradayReportRequests } from '../../switch/admin/routes/reports.js';
import { InProcessBus } from '../../switch/bus/bus.js';
import { OracleRegistry, PartyDirectory } from '../../switch/core/discovery/directory.js';
import type { BookedMovement, SettledAccountStatement, SettlementReports } from '../../switch/core/settlement/reports.js';
import { LiquidityWorker } from '../../switch/core/workers/liquidity.js';
import { serveLiquidity, serveReference, serveSettlement } from '../../switch/core/workers/serve.js';
import { ReferenceWorker } from '../../switch/core/workers/reference.js';
import { SettlementWorker } from '../../switch/core/workers/settlement.js';
import { SettlementService } from '../../switch/core/settlement/service.js';
import { SettlementStore } from '../../ledger/settlement.js';
import { InterchangeFees } from '../../ledger/interchange-fees.js';
import { registerRoutes, type Route } from '../../switch/http/route.js';
import type { AdminServerDeps } from '../../switch/admin/server.js';
import { installGuard } from '../../switch/admin/auth/guard.js';
import type { Action } from '../../switch/admin/auth/roles.js';
import { TokenService } from '../../switch/admin/auth/tokens.js';
import { MakerChecker } from '../../switch/admin/maker-checker.js';
import { OperatorStore } from '../../ledger/operators.js';
import { ProposalStore } from '../../ledger/proposals.js';
import { createServer } from '../../switch/http/server.js';
import { Metrics } from '../../switch/observability/metrics.js';
import { JwsKeyStore } from '../../switch/security/jws-keys.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { deferredNetModel } from './settlement-models.js';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON (undefined when empty). */
  json: any;
}

/** The settlement reports port as the liquidity worker calls it: every report, recorded in order. */
export class RecordedReports implements SettlementReports {
  readonly movements: BookedMovement[] = [];
  readonly statements: SettledAccountStatement[] = [];
  movementBooked(m: BookedMovement): void {
    this.movements.push(m);
  }
  statementSettled(s: SettledAccountStatement): void {
    this.statements.push(s);
  }
}

/** The intraday report requests the Admin API made, in order. */
export class RecordedIntradayRequests implements IntradayReportRequests {
  readonly requests: Array<{ participant: string; currencies: readonly string[] }> = [];
  request(participant: string, currencies: readonly string[] = []): void {
    this.requests.push({ participant, currencies });
  }
}

/** What an Admin API route module may take: the Admin API's dependencies and those notify gives the reports module. */
export type AdminApiDeps = AdminServerDeps;

export interface AdminApi extends AdminServerDeps {
  /** The ledger's writer, for seeding what a test needs beyond its module (the routes publish on `bus`). */
  engine: LedgerEngine;
  /** What the liquidity worker reported through the settlement reports port. */
  reports: RecordedReports;
  /** The intraday reports the Admin API asked for. */
  intradayReports: RecordedIntradayRequests;
  url: string;
  database: TestDatabase;
  server: FastifyInstance;
  /** A request with exactly these headers (JSON bodies get content-type application/json unless given). */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  close(): Promise<void>;
}

export async function startAdminApi(
  prefix: string,
  routes: (deps: AdminApiDeps) => Route[],
  /** `ownReference: false`: the test serves referenceTopics.sync itself (another node's stores as the ledger's). */
  options: {
    requireHttpsCallbacks?: boolean;
    health?: AdminDeps['health'];
    ownReference?: boolean;
    /** The Admin API's door as the hub installs it (switch/admin/auth/guard.ts); without it, routes are called directly. */
    auth?: { makerChecker: readonly Action[]; proposalTtlMs?: number };
  } = {},
): Promise<AdminApi> {
  const database = await createTestDatabase(`mizani_admin_${prefix}`);
  const db = await openDb({ url: database.url, dataDir: '', poolSize: 4 });
  await migrate(db);
  const registry = await Registry.load(db, 'Hub');
  const interchangeFees = await InterchangeFees.load(db, registry);
  const engine = new LedgerEngine(db, registry, { maxBatch: 100, assertions: 'all' });
  await engine.load();
  const participants = await ParticipantDirectory.load(db, registry);
  const oracles = new OracleRegistry(db);
  await oracles.load();
  const directory = new PartyDirectory(db, oracles, { hubName: 'Hub', externalCacheMs: 60_000, oracleTimeoutMs: 1000 });
  const jwsKeys = new JwsKeyStore(db);
  const xmlCertificates = new JwsKeyStore(db, { table: 'participant_xml_certificate' });
  await Promise.all([jwsKeys.load(), xmlCertificates.load()]);
  const metrics = new Metrics();
  const bus = new InProcessBus();
  const reports = new RecordedReports();
  serveLiquidity(bus, new LiquidityWorker(registry, engine, reports));
  serveSettlement(bus, new SettlementWorker(registry, engine, reports));
  if (options.ownReference !== false) serveReference(bus, new ReferenceWorker(registry, interchangeFees));
  const settlement = new SettlementService(registry, new SettlementStore(db), bus, reports);
  const intradayReports = new RecordedIntradayRequests();
  const operators = new OperatorStore(db);
  const tokens = new TokenService(operators, 'Hub', 3600);
  await tokens.start();
  const makerChecker = new MakerChecker(new ProposalStore(db), new Set(options.auth?.makerChecker ?? []), options.auth?.proposalTtlMs ?? 60_000, undefined);
  const deps: AdminApiDeps = {
    operators,
    tokens,
    makerChecker,
    authMode: options.auth ? 'on' : 'open',
    settlement,
    interchangeFees,
    intradayReports,
    db,
    registry,
    participants,
    bus,
    directory,
    jwsKeys,
    xmlCertificates,
    metrics,
    requireHttpsCallbacks: options.requireHttpsCallbacks ?? false,
    audit: new AuditLog(db),
    health:
      options.health ??
      (async () => ({ ok: engine.available, detail: { database: 'OK', ledger: engine.available ? 'OK' : 'RECOVERING', inFlight: engine.inFlightCount } })),
  };
  const server = createServer({ api: 'admin', maxBodyBytes: 65536, log: pino({ level: 'silent' }), metrics });
  if (options.auth) {
    installGuard(server, { mode: 'on', tokens, registry, makerChecker });
    makerChecker.bind(server);
  }
  registerRoutes(
    server,
    routes(deps).map((r) => ({ ...r, ...('access' in r ? { config: { access: r.access } } : {}) })),
  );
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const agent = new Agent({ connections: 4 });
  return {
    ...deps,
    intradayReports,
    engine,
    reports,
    url,
    database,
    server,
    call: (method, path, body, headers) => call(agent, url, method, path, body, headers),
    async close() {
      await agent.close();
      await server.close();
      await directory.close();
      await engine.close();
      await db.close();
      await database.drop();
    },
  };
}

async function call(agent: Agent, url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const sent = { ...headers };
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    sent['content-type'] ??= 'application/json';
  }
  const res = await request(url + path, { method: method as 'GET', headers: sent, body: payload, dispatcher: agent });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

/** The errorInformation of a refusal. */
export function errorOf(answer: Answer): { errorCode: string; errorDescription: string } {
  return answer.json?.errorInformation;
}

/** Hub accounts in a currency and a default (currency-less) deferred net settlement model, as §1.9 provisions. */
export async function seedCurrency(api: AdminApi, currency: string): Promise<void> {
  for (const type of ['HUB_RECONCILIATION', 'HUB_MULTILATERAL_SETTLEMENT']) {
    if (!api.registry.hubAccount(currency, type)) await api.registry.createHubAccount(currency, type);
  }
  if (!api.registry.settlementModel('DEFAULTDEFERREDNET')) {
    await api.registry.createSettlementModel(deferredNetModel());
  }
}

/** A participant with its accounts; with `ndc`, also its net debit cap and opening position (accounts active). */
export async function seedParticipant(api: AdminApi, name: string, currency: string, ndc?: string): Promise<void> {
  await api.participants.createParticipant(name, currency, false);
  if (ndc === undefined) return;
  const position = await api.registry.setInitialLimit(name, currency, parseLedger(ndc), '10');
  await api.engine.openingPosition(position, LEDGER_ZERO);
}
