/**
 * Assembles and runs one hub process as a lifecycle of parts (switch/lifecycle.ts): database,
 * migrations, ledger state rebuilt from PostgreSQL, keys and signers, callback delivery, the core
 * services, the FSPIOP and Admin servers, the sweeps. `startHub` returns once both APIs listen;
 * `stop` stops the parts in reverse order. A start-up that fails half-way stops what it started and
 * rejects with the error that stopped it.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { warmFspiopValidators } from '../schemas/fspiop/validators.js';
import { AuditLog } from '../ledger/audit.js';
import { ChangeFeed } from '../ledger/changes.js';
import { openDb, type Db } from '../ledger/db.js';
import { LedgerEngine, type ForeignMove } from '../ledger/engine.js';
import { migrate } from '../ledger/migrate.js';
import { ParticipantDirectory } from './directory/participants.js';
import { nodeRecordWriter, QuoteRecords } from '../ledger/quotes.js';
import { BulkQuoteRecords } from '../ledger/bulk-quotes.js';
import { Registry } from '../ledger/registry.js';
import { parseXmlSigningCertificate, type XmlSigner } from '../translators/isoxml/signature.js';
import { runtimeSchemas, type RuntimeSchemas } from '../translators/isoxml/validate.js';
import { createAdminServer } from './admin/server.js';
import { TokenService } from './admin/auth/tokens.js';
import { MakerChecker } from './admin/maker-checker.js';
import { OperatorStore } from '../ledger/operators.js';
import { ProposalStore } from '../ledger/proposals.js';
import { AuditTrail, loadAuditKey, type AuditKey } from './audit/trail.js';
import { databaseOptions, type Config } from './config.js';
import { InProcessBus, type Bus } from './bus/bus.js';
import { KafkaBus, type PartitionPosition } from './bus/kafka-bus.js';
import { ownerTopics, type AccountsMovedNotice } from './core/topics.js';
import { PendingAge } from './bus/pending-age.js';
import { domainFailures } from './core/bus-failures.js';
import { ExpirySweep } from './core/expiry.js';
import { followUpTasksPending } from './core/identity.js';
import { LiquidityWorker } from './core/workers/liquidity.js';
import { serveWorkers } from './core/workers/serve.js';
import { ReferenceWorker } from './core/workers/reference.js';
import { SettlementWorker } from './core/workers/settlement.js';
import { LedgerOwnership, type OwnerPart } from './core/workers/ownership.js';
import { SettlementService } from './core/settlement/service.js';
import { WindowSchedule } from './core/settlement/schedule.js';
import { SettlementStore } from '../ledger/settlement.js';
import { TransferService } from './core/workers/transfers.js';
import { BulkTransferService } from './core/workers/bulk-transfers.js';
import { FxTransferService } from './core/workers/fx-transfers.js';
import { DialectFxTransferOutbox } from './notify/fx-transfer-outbox.js';
import { BulkTransferStore } from '../ledger/bulk-transfers.js';
import { DialectBulkTransferOutbox } from './notify/bulk-transfer-outbox.js';
import type { BulkTransferOutbox } from './core/outbox.js';
import { InterchangeFees } from '../ledger/interchange-fees.js';
import { QuoteService } from './core/agreement/quotes.js';
import { BulkQuoteService } from './core/agreement/bulk-quotes.js';
import { TransactionRequestService } from './core/agreement/transaction-requests.js';
import { TransactionRequestRecords } from '../ledger/transaction-requests.js';
import { DialectTransactionRequestOutbox } from './notify/request-to-pay-outbox.js';
import { DiscoveryService } from './core/discovery/accounts.js';
import { OracleRegistry, PartyDirectory } from './core/discovery/directory.js';
import { VerificationIds } from './notify/verification-ids.js';
import { BankBridge } from './core/bridge/bank-bridge.js';
import { BankBulkPayee } from './core/bridge/bank-bulk-payee.js';
import { BankGroupRecords } from './core/bridge/bank-group-records.js';
import { BankGroups } from './core/bridge/bank-groups.js';
import { GroupLinesOutbox } from './core/bridge/group-lines-outbox.js';
import { BankConversions } from './core/bridge/bank-conversions.js';
import { BankFxQuoteOutbox, BankFxTransferOutbox } from './core/bridge/bank-fx-outboxes.js';
import { HubTerms } from './core/bridge/hub-terms.js';
import { DEFAULT_SUPPORTED_VERSIONS } from './edge/fspiop-headers.js';
import { createFspiopServer } from './edge/fspiop-server.js';
import { ProxyRoutes } from './directory/proxies.js';
import { ProxyBroadcasts } from './core/discovery/proxy-broadcast.js';
import { ProxyTransfers } from './core/workers/interscheme.js';
import { FspiopTransferInquiry } from './notify/transfer-inquiry.js';
import { AdmissionControl } from './edge/admission.js';
import { EdgeSecurity } from './edge/security.js';
import { registerIsoXmlRoutes } from './edge/iso-xml.js';
import { SeenMessageIds } from './edge/message-ids.js';
import { Lifecycle, type LifecycleEvent } from './lifecycle.js';
import { DialectDiscoveryOutbox, DialectQuoteOutbox } from './notify/discovery-outbox.js';
import { DialectBulkQuoteOutbox } from './notify/bulk-quote-outbox.js';
import { DialectFxQuoteOutbox } from './notify/fx-quote-outbox.js';
import { FxQuoteService } from './core/agreement/fx-quotes.js';
import { FxpDiscovery } from './core/discovery/fxp.js';
import { FxQuoteRecords } from '../ledger/fx-quotes.js';
import { Delivery } from './notify/delivery.js';
import { FspiopNotifier, type HubSigner } from './notify/fspiop.js';
import { DialectTransferOutbox } from './notify/transfer-outbox.js';
import { XmlOutbox } from './notify/xml-outbox.js';
import { XmlBankOutbox } from './notify/bank-outbox.js';
import { SettlementNotices } from './notify/settlement-reports/fspiop.js';
import { IntradayReports } from './notify/settlement-reports/intraday.js';
import { SettlementReporter } from './notify/settlement-reports/reporter.js';
import type { SettlementReports } from './core/settlement/reports.js';
import { bridgeWording } from './notify/bridge-wording.js';
import { createLogger } from './observability/log.js';
import { databaseEvents } from './observability/database.js';
import { Metrics } from './observability/metrics.js';
import { JwsKeyStore } from './security/jws-keys.js';
import { JwsSigningPool, signingAlgFor } from './security/jws.js';
import { clientTlsOptions, loadTlsMaterial, serverTlsOptions, type TlsMaterial } from './security/tls.js';

export interface RunningHub {
  config: Config;
  log: Logger;
  db: Db;
  engine: LedgerEngine;
  transfers: TransferService;
  fspiopUrl: string;
  adminUrl: string;
  /** Stops every part in reverse start order; idempotent, bounded in time. */
  stop(): Promise<void>;
}

export interface HubOptions {
  /** Sees every part start and stop, in order (tests assert the order; the log gets them too). */
  observe?: (event: LifecycleEvent) => void;
}

/** Longest wait for one part's stop (a server finishing its requests, callbacks in flight, a pool). */
const STOP_PART_TIMEOUT_MS = 5000;

export async function startHub(config: Config, log: Logger = createLogger(config.logLevel), options: HubOptions = {}): Promise<RunningHub> {
  const lifecycle = new Lifecycle({
    stopTimeoutMs: STOP_PART_TIMEOUT_MS,
    observe: (event) => {
      logLifecycle(log, event);
      options.observe?.(event);
    },
  });
  try {
    const metrics = new Metrics();
    const ledger = await startLedger(lifecycle, config, log, metrics);
    const keys = await startKeys(lifecycle, config, log, ledger.db);
    const services = await startServices(lifecycle, config, log, metrics, ledger, keys);
    const trail = new AuditTrail(
      ledger.audit,
      keys.auditKey,
      { drainMs: config.audit.drainMs, policy: { everyEntries: config.audit.checkpointEntries, everyMs: config.audit.checkpointMs } },
      log.child({ component: 'audit' }),
    );
    const ownership = ownershipOf(config, log, metrics, ledger, { ...services, trail });
    await lifecycle.start(
      'change notices from other hub processes',
      () => followChanges(ledger, keys, services, log),
      (feed) => feed.stop(),
    );
    const urls = await startServers(lifecycle, config, log, metrics, ledger, keys, services);
    // The owner's timers run on the node that holds the ledger (exactly once in a cluster): switch/core/workers/ownership.ts.
    await lifecycle.start(
      'ledger ownership',
      () => (config.bus.kind === 'in-process' ? ownership.acquire() : ownership.acquireInBackground()),
      () => ownership.stop(),
    );
    log.info({ fspiop: urls.fspiop, admin: urls.admin, hub: config.hubName }, 'Mizani hub started');
    let stopped: Promise<void> | undefined;
    const stop = async () => {
      await lifecycle.stop();
      log.info('Mizani hub stopped');
      log.flush();
    };
    const { db, engine } = ledger;
    return { config, log, db, engine, transfers: services.transfers, fspiopUrl: urls.fspiop, adminUrl: urls.admin, stop: () => (stopped ??= stop()) };
  } catch (err) {
    // A part that failed has already stopped the others; this covers a failure between parts.
    await lifecycle.stop();
    throw err;
  }
}

function logLifecycle(log: Logger, event: LifecycleEvent): void {
  if (event.event === 'start-failed') log.error({ part: event.part, err: event.error }, 'start-up failed: stopping what had started');
  else if (event.event === 'stop-failed') log.error({ part: event.part, err: event.error }, 'a part failed to stop');
  else if (event.event === 'stop-timed-out') log.warn({ part: event.part, ms: event.ms }, 'a part did not stop in time; stopping the others');
  else log.debug({ part: event.part, ms: 'ms' in event ? Math.round(event.ms) : undefined }, `part ${event.event}`);
}

interface Ledger {
  db: Db;
  registry: Registry;
  engine: LedgerEngine;
  /** The audit log (docs/audit.md): Admin actions appended through it; money events queued by the ledger's writes. */
  audit: AuditLog;
  /** Interchange fee rules (docs/interchange-fees.md): decided at prepare, changed through the Admin API. */
  interchangeFees: InterchangeFees;
  /**
   * The node's ledger ownership once wired (startServices): the engine's recovery tells it. Partitioned, also the bus
   * (the partition of a participant, the notices of accounts another owner's batch moved) and the owner's reaction to
   * each new assignment of partitions.
   */
  owner: {
    ownership?: LedgerOwnership;
    bus?: KafkaBus;
    assigned?: (partitions: number[], current: () => boolean) => Promise<void>;
  };
}

async function startLedger(lifecycle: Lifecycle, config: Config, log: Logger, metrics: Metrics): Promise<Ledger> {
  const db = await lifecycle.start(
    'database',
    () => openDb({ ...databaseOptions(config), poolSize: config.dbPoolSize, onEvent: databaseEvents(log, metrics) }),
    (opened) => opened.close(),
  );
  log.info({ database: config.databaseUrl ? 'postgresql' : `embedded PGlite at ${config.dataDir}` }, 'database opened');
  const applied = await lifecycle.start('migrations', () => migrate(db));
  if (applied.length > 0) log.info({ applied }, 'migrations applied');
  const registry = await lifecycle.start('registry', () => Registry.load(db, config.hubName));
  const interchangeFees = await lifecycle.start('interchange fee rules', () => InterchangeFees.load(db, registry));
  const owner: Ledger['owner'] = {};
  const engine = await lifecycle.start(
    'ledger writer',
    () =>
      new LedgerEngine(
        db,
        registry,
        {
          maxBatch: config.batchMax,
          queueWritesMax: config.groupCommitQueueWritesMax,
          inFlightTransfersMax: config.transfersInFlightMax,
          assertions: config.ledgerAssertions,
          ...(config.bus.kind === 'kafka' && config.bus.partitioned
            ? { partitioning: { partitionOf: (participant: string) => owner.bus?.partitionOf(participant) ?? 0 } }
            : {}),
        },
        {
          onRecovering: (err) => log.error({ err }, 'ledger write failed: rebuilding state from the database'),
          beforeWriterRelease: async () => owner.ownership?.writerLost(),
          onRecovered: () => {
            log.warn('ledger state rebuilt; accepting transfers again');
            void owner.ownership?.writerRegained();
          },
          onWaitingForWriterLock: (waitedMs) => {
            // With Kafka a node waiting for the lock is a standby by design (switch/core/workers/ownership.ts): said once.
            if (config.bus.kind === 'kafka') {
              if (waitedMs < 10_000)
                log.info('standby: another hub node holds the ledger; this node serves the APIs and takes the ledger over when it is free');
            } else log.warn({ waitedMs }, 'waiting for the ledger writer lock: another hub process (or a dying one) is writing to this database');
          },
          observeBatch: (size, seconds) => {
            metrics.batchSize.observe(size);
            metrics.batchDuration.observe(seconds);
          },
          onForeignMoves: (moves) => sendForeignMoves(owner, moves, log),
          onWaitingForPartition: (partition, waitedMs) =>
            log.warn({ partition, waitedMs }, 'ledger: waiting for a partition another node still writes (it finishes its commands first)'),
        },
      ),
    (created) => created.close(),
  );
  if (config.bus.kind === 'in-process') {
    // One process: it takes the writer session and its advisory lock (released by the writer's stop above) before
    // its APIs listen. With Kafka, the ledger ownership part takes it in the background.
    await lifecycle.start('ledger state', () => engine.load());
    log.info({ inFlight: engine.inFlightCount }, 'ledger state loaded');
    metrics.inFlight.set(engine.inFlightCount);
  }
  return { db, registry, engine, audit: new AuditLog(db), interchangeFees, owner };
}

/**
 * Partitioned: accounts of other owners' participants that a durable batch moved, one notice per participant (keyed by
 * it, so its owner gets it). A notice lost here (the broker down, this node dying) leaves that owner's memory short of
 * a credit, which only refuses conservatively, until its next assignment reloads it.
 */
function sendForeignMoves(owner: Ledger['owner'], moves: ForeignMove[], log: Logger): void {
  const bus = owner.bus;
  if (!bus) return;
  const byParticipant = new Map<string, AccountsMovedNotice['moves']>();
  for (const move of moves) {
    const list = byParticipant.get(move.participant) ?? [];
    list.push({ accountId: move.accountId, delta: move.delta, version: move.version });
    byParticipant.set(move.participant, list);
  }
  for (const [participant, list] of byParticipant) {
    bus.send(ownerTopics.accountsMoved, participant, { moves: list }).catch((err: unknown) => {
      log.warn({ err, participant }, 'a notice of accounts moved could not be sent; their owner decides without the credit until it reloads');
    });
  }
}

/**
 * Reference data changed through another hub process's Admin API reaches this one's memory (ledger/changes.ts): each
 * store reloads on its notice, and all of them when the listening session (re)connects.
 */
async function followChanges(ledger: Ledger, keys: Keys, services: Services, log: Logger): Promise<ChangeFeed> {
  const { directory } = services;
  const feed = new ChangeFeed(ledger.db, (store, err) => log.error({ store, err }, 'reloading after a change notice failed: retrying'))
    .on('registry', () => ledger.registry.refresh())
    .on('fees', () => ledger.interchangeFees.reload())
    .on('directory', () => services.participants.refresh())
    .on('proxies', (dfsp) => services.proxies.changed(dfsp))
    .on('participant_jws_key', (name) => (name === undefined ? keys.jwsKeys.load() : keys.jwsKeys.refresh(name)))
    .on('participant_xml_certificate', (name) => (name === undefined ? keys.xmlCertificates.load() : keys.xmlCertificates.refresh(name)))
    .on('oracles', async () => {
      await directory.oracles.load();
      directory.clear();
    })
    .on('party', (detail) => directory.forget(detail));
  await feed.start();
  return feed;
}

interface Keys {
  tls?: TlsMaterial;
  jwsKeys: JwsKeyStore;
  xmlCertificates: JwsKeyStore;
  signer?: HubSigner;
  xmlSigner?: XmlSigner;
  xmlSchemas: RuntimeSchemas;
  /** Signs the audit log's checkpoints (docs/audit.md). */
  auditKey: AuditKey;
}

async function startKeys(lifecycle: Lifecycle, config: Config, log: Logger, db: Db): Promise<Keys> {
  const tls = config.tls ? await lifecycle.start('TLS material', () => loadTlsMaterial(config.tls!)) : undefined;
  for (const warning of tls?.warnings ?? []) log.warn({ warning }, 'TLS configuration');
  if (config.mtls) {
    log.info(
      { certificate: tls!.identity, notAfter: tls!.notAfter },
      'mTLS is ON: FSPIOP clients must present a scheme certificate naming their FSPIOP-Source',
    );
  } else {
    log.warn(
      { profile: config.profile },
      'mTLS is OFF: the FSPIOP API accepts plain HTTP and does not authenticate the transport (demo profile, or MIZANI_MTLS=off)',
    );
  }
  const jwsKeys = new JwsKeyStore(db);
  const xmlCertificates = new JwsKeyStore(db, { table: 'participant_xml_certificate' });
  await lifecycle.start('participant keys', () => Promise.all([jwsKeys.load(), xmlCertificates.load()]));
  if (!config.jwsVerify) log.warn({ profile: config.profile }, 'JWS verification is OFF: inbound FSPIOP-Signature headers are passed on but not checked');
  const signer = await startJwsSigner(lifecycle, config, log);
  const xmlSigner = config.xmlSigning ? await lifecycle.start('XML signing key', () => readXmlSigner(config.xmlSigning!)) : undefined;
  if (!xmlSigner) log.warn('no MIZANI_XML_SIGNING_CERT: ISO 20022 XML the hub sends banks is not signed');
  if (!config.xmlVerify) log.warn({ profile: config.profile }, 'XML signature verification is OFF: bank messages are accepted unsigned');
  const xmlSchemas = await lifecycle.start('XML schemas and FSPIOP validators', () => {
    warmFspiopValidators();
    const schemas = runtimeSchemas();
    schemas.compileAll();
    return schemas;
  });
  const auditKey = await lifecycle.start('audit checkpoint key', () => loadAuditKey(config.audit.signingKey, log));
  return { tls, jwsKeys, xmlCertificates, signer, xmlSigner, xmlSchemas, auditKey };
}

async function startJwsSigner(lifecycle: Lifecycle, config: Config, log: Logger): Promise<HubSigner | undefined> {
  if (!config.jwsSigningKey) {
    log.warn('no MIZANI_JWS_SIGNING_KEY: messages the hub authors are not signed');
    return undefined;
  }
  const key = await lifecycle.start('JWS signing key', async () => createPrivateKey(await readFile(config.jwsSigningKey!, 'utf8')));
  const alg = signingAlgFor(key);
  const pool = await lifecycle.start(
    'JWS signer workers',
    () => new JwsSigningPool({ size: config.jwsSignWorkers }),
    (p) => p.close(),
  );
  log.info({ alg, workers: config.jwsSignWorkers }, 'the hub signs the messages it authors');
  return { sign: (input) => pool.sign({ ...input, key, alg }) };
}

async function readXmlSigner(files: { cert: string; key: string }): Promise<XmlSigner> {
  return {
    privateKey: createPrivateKey(await readFile(files.key, 'utf8')),
    certificate: parseXmlSigningCertificate(await readFile(files.cert, 'utf8')),
  };
}

interface Services {
  participants: ParticipantDirectory;
  proxies: ProxyRoutes;
  delivery: Delivery;
  directory: PartyDirectory;
  transfers: TransferService;
  bus: Bus;
  expiry: ExpirySweep;
  discovery: DiscoveryService;
  quotes: QuoteService;
  bulkQuotes: BulkQuoteService;
  fxQuotes: FxQuoteService;
  fxpDiscovery: FxpDiscovery;
  transactionRequests: TransactionRequestService;
  bridge: BankBridge;
  groups: BankGroups;
  bulkPayee: BankBulkPayee;
  xmlOutbox: XmlOutbox;
  verificationIds: VerificationIds;
  settlementReports: SettlementReports;
  intradayReports: IntradayReports;
  settlement: SettlementService;
  windowSchedule: WindowSchedule;
}

/** FSPIOP messages out: forwarded or hub-authored (signed), to participants and, through their proxies, other schemes' DFSPs. */
function fspiopNotifier(
  config: Config,
  log: Logger,
  p: { participants: ParticipantDirectory; delivery: Delivery; signer: HubSigner | undefined; routes: ProxyRoutes },
): FspiopNotifier {
  return new FspiopNotifier(
    p.participants,
    p.delivery,
    { hubName: config.hubName, callbackVersion: config.callbackVersion, signer: p.signer, routes: p.routes },
    log,
  );
}

/** Who the participants are reached as, and the routes to other schemes' DFSPs through their proxies. */
async function directories(lifecycle: Lifecycle, db: Db, registry: Registry): Promise<{ participants: ParticipantDirectory; proxies: ProxyRoutes }> {
  const participants = await lifecycle.start('participant directory', () => ParticipantDirectory.load(db, registry));
  const proxies = new ProxyRoutes(db, registry);
  await lifecycle.start('inter-scheme routes', () => proxies.load());
  participants.useProxies(proxies);
  return { participants, proxies };
}

/** Inter-scheme (docs/interscheme.md): discovery broadcasts to the proxies, quotes and transfers with a remote side. */
function interschemeRoutes(
  config: Config,
  log: Logger,
  ledger: Ledger,
  proxies: ProxyRoutes,
  notifier: FspiopNotifier,
  s: { transfers: TransferService; quotes: QuoteService },
): void {
  s.transfers.useProxies(new ProxyTransfers(ledger.registry, proxies, new FspiopTransferInquiry(notifier), { expiryGraceMs: config.proxyExpiryGraceMs }, log));
  s.quotes.useProxies(proxies);
}

/** Account lookup and party routing; a lookup no oracle entry answers goes to the proxies (docs/interscheme.md). */
function discoveryService(
  config: Config,
  log: Logger,
  ledger: Ledger,
  p: {
    directory: PartyDirectory;
    participants: ParticipantDirectory;
    notifier: FspiopNotifier;
    xmlOutbox: XmlOutbox;
    verificationIds: VerificationIds;
    proxies: ProxyRoutes;
  },
): DiscoveryService {
  const outbox = new DialectDiscoveryOutbox(p.participants, p.notifier, config.callbackVersion, config.hubName, p.xmlOutbox, p.verificationIds);
  const discovery = new DiscoveryService(ledger.registry, p.directory, outbox, log);
  discovery.useProxies(p.proxies, new ProxyBroadcasts(ledger.db, config.proxyDiscoveryTimeoutMs));
  return discovery;
}

/** The bulk transfer worker, whose lines' expiry the transfer worker reports to it (docs/bulk.md). */
function bulkTransfers(ledger: Ledger, transfers: TransferService, outbox: BulkTransferOutbox, log: Logger): BulkTransferService {
  const bulks = new BulkTransferService(ledger.registry, ledger.engine, transfers, new BulkTransferStore(ledger.db), outbox, log);
  transfers.useBulkLines(bulks);
  return bulks;
}

/**
 * The FX transfer worker, whose conversions the transfer worker's dependent transfers finish (docs/fx.md). What it
 * would tell a paying bank goes to the bank bridge (docs/fx.md "Banks": `fxAgreement` connects them).
 */
function fxTransfers(
  config: Config,
  ledger: Ledger,
  transfers: TransferService,
  participants: ParticipantDirectory,
  notifier: FspiopNotifier,
  log: Logger,
  metrics: Metrics,
): { fx: FxTransferService; fxTransferOutbox: BankFxTransferOutbox } {
  const partitioned = config.bus.kind === 'kafka' && config.bus.partitioned;
  const fxTransferOutbox = new BankFxTransferOutbox(
    new DialectFxTransferOutbox(participants, notifier),
    (name) => participants.dialectOf(name) === 'iso20022-xml',
  );
  const fx = new FxTransferService(ledger.registry, ledger.engine, fxTransferOutbox, partitioned, log, metrics);
  transfers.useConversions(fx);
  return { fx, fxTransferOutbox };
}

async function startServices(lifecycle: Lifecycle, config: Config, log: Logger, metrics: Metrics, ledger: Ledger, keys: Keys): Promise<Services> {
  const { db, registry, engine } = ledger;
  const { participants, proxies } = await directories(lifecycle, db, registry);
  const delivery = await lifecycle.start(
    'callback delivery',
    () => createDelivery(config, log, metrics, keys.tls),
    (d) => d.close(),
  );
  const terms = await lifecycle.start('hub terms', () => HubTerms.load(db));
  const oracles = new OracleRegistry(db);
  await lifecycle.start('oracle registry', () => oracles.load());
  const directory = await lifecycle.start(
    'party directory',
    () => new PartyDirectory(db, oracles, { hubName: config.hubName, externalCacheMs: config.oracleCacheMs, oracleTimeoutMs: config.oracleTimeoutMs }),
    (d) => d.close(),
  );
  const notifier = fspiopNotifier(config, log, { participants, delivery, signer: keys.signer, routes: proxies });
  const xmlOutbox = new XmlOutbox(participants, delivery, config.hubName, keys.xmlSigner, log);
  const reports = reportsToParticipants(config, log, { participants, delivery, xml: xmlOutbox, signer: keys.signer, db });
  // What the lifecycle tells a bank about a transaction of its multi-transaction pacs.008 goes to the group (bankBulks).
  const transferOutbox = new GroupLinesOutbox(
    new DialectTransferOutbox(participants, notifier, config.callbackVersion, xmlOutbox),
    (name) => participants.dialectOf(name) === 'iso20022-xml',
  );
  const transfers = new TransferService(
    registry,
    engine,
    transferOutbox,
    { onUsTransfers: config.onUsTransfers, ilpCheck: config.ilpCheck, sendTransferConfirmationToPayee: config.sendTransferConfirmationToPayee },
    log,
    metrics,
    ledger.interchangeFees,
  );
  const bulks = bulkTransfers(ledger, transfers, new DialectBulkTransferOutbox(participants, notifier, config.callbackVersion, xmlOutbox), log);
  const { fx, fxTransferOutbox } = fxTransfers(config, ledger, transfers, participants, notifier, log, metrics);
  const { bus, ...settling } = await busAndSettlement(lifecycle, config, ledger, { transfers, bulks, fx }, reports.settlementReports, log, metrics);
  const expiry = new ExpirySweep(engine, bus, config.expirySweepMs, log, bulks.store);
  const verificationIds = new VerificationIds(db);
  const discovery = discoveryService(config, log, ledger, { directory, participants, notifier, xmlOutbox, verificationIds, proxies });
  const { quoteOutbox, quoteRecords, ...agreement } = agreementServices(config, log, ledger, participants, notifier, xmlOutbox);
  const banks = bankServices(
    ledger,
    { participants, directory, bus, quoteOutbox, quoteRecords, xmlOutbox, terms, bulkStore: bulks.store, transferOutbox },
    config,
    log,
  );
  agreement.quotes.useBankAgent(banks.bridge);
  interschemeRoutes(config, log, ledger, proxies, notifier, { transfers, quotes: agreement.quotes });
  return {
    participants,
    proxies,
    delivery,
    directory,
    transfers,
    bus,
    expiry,
    discovery,
    ...agreement,
    bulkQuotes: bulkQuoteService(config, log, ledger, participants, notifier, banks.bridge),
    ...fxAgreement(ledger, { participants, notifier, bus, bridge: banks.bridge, fxTransferOutbox }, log),
    ...banks,
    xmlOutbox,
    verificationIds,
    ...settling,
    ...reports,
  };
}

/**
 * The hub acting for banks (docs/iso20022.md): the bank bridge; a bank's pacs.008 with many transactions, each carried
 * by the bridge and reported with its group, and a bank's pacs.002 answering a bulk it was sent (docs/bulk.md, "Banks").
 */
function bankServices(
  ledger: Ledger,
  parts: {
    participants: ParticipantDirectory;
    directory: PartyDirectory;
    bus: Bus;
    quoteOutbox: DialectQuoteOutbox;
    quoteRecords: QuoteRecords;
    xmlOutbox: XmlOutbox;
    terms: HubTerms;
    bulkStore: BulkTransferStore;
    transferOutbox: GroupLinesOutbox;
  },
  config: Config,
  log: Logger,
): Pick<Services, 'bridge' | 'groups' | 'bulkPayee'> {
  const { db, registry, engine } = ledger;
  const { participants, directory, bus, quoteOutbox, quoteRecords, xmlOutbox, terms, bulkStore, transferOutbox } = parts;
  const bankOutbox = new XmlBankOutbox(xmlOutbox, config.hubName);
  const bridge = new BankBridge(
    db,
    registry,
    participants,
    engine,
    quoteRecords,
    directory,
    bus,
    quoteOutbox,
    bankOutbox,
    bridgeWording,
    terms,
    {
      hubName: config.hubName,
      paymentExpiryMs: config.bankPaymentExpiryMs,
      quoteExpiryMs: config.bankQuoteExpiryMs,
    },
    log,
  );
  xmlOutbox.useReferences((bank, id) => bridge.originalReference(bank, id));
  const groups = new BankGroups(
    new BankGroupRecords(db),
    registry,
    engine,
    bridge,
    bankOutbox,
    bridgeWording,
    { paymentExpiryMs: config.bankPaymentExpiryMs },
    log,
  );
  bridge.useGroups(groups);
  transferOutbox.useGroups(groups);
  return { bridge, groups, bulkPayee: new BankBulkPayee(registry, engine, bulkStore, terms, bridgeWording, bus, bridge, log) };
}

/**
 * FX agreement (docs/fx.md): conversion quotes and FXP discovery, one outbox for both; and the bank bridge's
 * conversions (docs/fx.md "Banks"), to which the FX outboxes hand what they would tell a paying bank.
 */
function fxAgreement(
  ledger: Ledger,
  parts: { participants: ParticipantDirectory; notifier: FspiopNotifier; bus: Bus; bridge: BankBridge; fxTransferOutbox: BankFxTransferOutbox },
  log: Logger,
): Pick<Services, 'fxQuotes' | 'fxpDiscovery'> {
  const { participants, notifier, bus, bridge, fxTransferOutbox } = parts;
  const outbox = new BankFxQuoteOutbox(new DialectFxQuoteOutbox(participants, notifier), (name) => participants.dialectOf(name) === 'iso20022-xml');
  const fxQuotes = new FxQuoteService(ledger.registry, new FxQuoteRecords(ledger.db), outbox, log);
  const fxpDiscovery = new FxpDiscovery(ledger.registry, participants, outbox, log);
  const conversions = new BankConversions(ledger.db, fxQuotes, fxpDiscovery, bus, bridgeWording, log);
  bridge.useConversions(conversions);
  fxTransferOutbox.useConversions(conversions);
  outbox.useConversions(conversions);
  return { fxQuotes, fxpDiscovery };
}

/** Bulk quotes (docs/bulk.md): records, outbox and service; the terms of a bank payee come from the bridge. */
function bulkQuoteService(
  config: Config,
  log: Logger,
  ledger: Ledger,
  participants: ParticipantDirectory,
  notifier: FspiopNotifier,
  bridge: BankBridge,
): BulkQuoteService {
  const outbox = new DialectBulkQuoteOutbox(participants, notifier, config.callbackVersion);
  const service = new BulkQuoteService(ledger.registry, participants, new BulkQuoteRecords(ledger.db), outbox, log);
  service.useBankAgent(bridge);
  return service;
}

/** Quotes and requests to pay; their records share one writer (ledger/quotes.ts `nodeRecordWriter`). */
function agreementServices(config: Config, log: Logger, ledger: Ledger, participants: ParticipantDirectory, notifier: FspiopNotifier, xml: XmlOutbox) {
  const { db, registry, engine } = ledger;
  const recordWriter = nodeRecordWriter(db, engine, config.batchMax);
  const quoteOutbox = new DialectQuoteOutbox(participants, notifier, config.callbackVersion);
  const quoteRecords = new QuoteRecords(db, recordWriter);
  const quotes = new QuoteService(registry, participants, quoteRecords, quoteOutbox, log);
  const requestOutbox = new DialectTransactionRequestOutbox(participants, notifier, config.callbackVersion, xml);
  const transactionRequests = new TransactionRequestService(registry, participants, new TransactionRequestRecords(db, recordWriter), requestOutbox, log);
  xml.useRequestOfQuote(async (quoteId) => (await quoteRecords.find(quoteId))?.transactionRequestId ?? undefined);
  return { quoteOutbox, quoteRecords, quotes, transactionRequests };
}

/**
 * What the node holding the ledger runs (switch/core/workers/ownership.ts): with Kafka, the workers' side of the bus
 * (in process the handlers are called directly and need no start); on every bus, the cluster's timers.
 */
function ownershipOf(
  config: Config,
  log: Logger,
  metrics: Metrics,
  ledger: Ledger,
  s: Pick<Services, 'bus' | 'expiry' | 'bridge' | 'groups' | 'windowSchedule' | 'intradayReports'> & { trail: AuditTrail },
): LedgerOwnership {
  const bus = s.bus;
  const clusterTimers: OwnerPart[] = [
    { name: 'bank payment sweep', start: () => s.bridge.startSweep(config.expirySweepMs), stop: () => s.bridge.stopSweep() },
    { name: 'bank payment group sweep', start: () => s.groups.startSweep(config.expirySweepMs), stop: () => s.groups.stopSweep() },
    { name: 'settlement window schedule', start: () => s.windowSchedule.start(config.windowCloseIntervalMs), stop: () => s.windowSchedule.stop() },
    { name: 'intraday reports to banks', start: () => s.intradayReports.start(config.intradayReportIntervalMs), stop: () => s.intradayReports.stop() },
    { name: 'audit log chaining and checkpoints', start: () => s.trail.start(), stop: () => s.trail.stop() },
  ];
  const partitioned = config.bus.kind === 'kafka' && config.bus.partitioned;
  // Partitioned, every node owns some partitions and sweeps its own payers' expiries; the cluster's timers run on the
  // owner of partition 0 (started and stopped as assignments come).
  if (partitioned) ledger.owner.assigned = clusterTimersOnPartitionZero(ledger.engine, clusterTimers, log);
  const parts: OwnerPart[] = [
    ...(bus instanceof KafkaBus ? [{ name: 'bus workers', start: () => bus.serve(), stop: () => bus.unserve() }] : []),
    { name: 'expiry sweep', start: () => s.expiry.start(), stop: () => s.expiry.stop() },
    ...(partitioned ? [] : clusterTimers),
  ];
  const ownership = new LedgerOwnership(ledger.engine, parts, log.child({ component: 'ledger-ownership' }), (state) => {
    metrics.ledgerOwner.set(state === 'OWNER' ? 1 : 0);
    if (state === 'OWNER') metrics.inFlight.set(ledger.engine.inFlightCount);
  });
  ledger.owner.ownership = ownership;
  return ownership;
}

/** Partitioned: each new assignment reaches the engine, then the cluster's timers follow partition 0. */
function clusterTimersOnPartitionZero(engine: LedgerEngine, timers: OwnerPart[], log: Logger): (partitions: number[], current: () => boolean) => Promise<void> {
  let running = false;
  const change = async (start: boolean) => {
    running = start;
    for (const timer of start ? timers : [...timers].reverse()) {
      await Promise.resolve(start ? timer.start() : timer.stop()).catch((err: unknown) =>
        log.error({ err, part: timer.name }, 'a cluster timer failed to change'),
      );
    }
    log.info({ timers: timers.map((t) => t.name) }, start ? 'this node owns partition 0: it runs the cluster timers' : 'cluster timers stopped here');
  };
  // Stopped before partition 0 is let go, started once its lock is held: never on two nodes at once.
  return async (partitions, current) => {
    const zero = partitions.includes(0);
    if (running && !zero) await change(false);
    await engine.assign(partitions, current);
    if (zero && !running) await change(true);
  };
}

/** The bus with every worker subscribed (the one door), and the settlement service that publishes on it. */
async function busAndSettlement(
  lifecycle: Lifecycle,
  config: Config,
  ledger: Ledger,
  { transfers, bulks, fx }: { transfers: TransferService; bulks: BulkTransferService; fx: FxTransferService },
  reports: SettlementReports,
  log: Logger,
  metrics: Metrics,
) {
  const { db, registry, engine } = ledger;
  const bus = createBus(config, log, metrics, engine, (partitions, current) => ledger.owner.assigned?.(partitions, current) ?? Promise.resolve());
  const partitioned = bus instanceof KafkaBus && config.bus.kind === 'kafka' && config.bus.partitioned;
  if (partitioned) {
    ledger.owner.bus = bus;
    transfers.useBus(bus);
    bulks.useBus(bus);
  }
  // With Kafka the commands may come from other nodes, whose Admin changes reach this registry by notice: the workers
  // catch up before deciding about a participant they do not know yet (serve.ts).
  serveWorkers(
    bus,
    {
      transfers,
      bulks,
      fx,
      liquidity: new LiquidityWorker(registry, engine, reports),
      settlement: new SettlementWorker(registry, engine, reports),
      reference: new ReferenceWorker(registry, ledger.interchangeFees),
    },
    bus instanceof KafkaBus ? registry : undefined,
  );
  // Its consumers have joined their groups when it has started; it stops after the servers and sweeps that publish.
  if (bus instanceof KafkaBus)
    await lifecycle.start(
      'Kafka bus',
      () => bus.start(),
      () => bus.stop(),
    );
  const settlement = new SettlementService(registry, new SettlementStore(db), bus, reports, partitioned);
  return { bus, settlement, windowSchedule: new WindowSchedule(settlement, log) };
}

/**
 * MIZANI_BUS: the in-process bus (the embedded default: one process, handlers called directly), or Kafka, whose
 * failures cross as domain outcomes (core/bus-failures.ts).
 */
function createBus(
  config: Config,
  log: Logger,
  metrics: Metrics,
  engine: LedgerEngine,
  assign: (partitions: number[], current: () => boolean) => Promise<void>,
): Bus {
  if (config.bus.kind === 'in-process') return new InProcessBus();
  const { brokers, topicPrefix, partitions, requestTimeoutMs, sessionTimeoutMs, partitioned } = config.bus;
  // The workers record how far each partition is applied in the ledger's own transactions (ledger/migrations/010).
  const positions = {
    record: (consumerGroup: string, ps: PartitionPosition[]) => engine.recordConsumerPositions(ps.map((p) => ({ consumerGroup, ...p }))),
    read: (consumerGroup: string) => engine.consumerPositions(consumerGroup),
  };
  const onAssigned = (served: number) => {
    metrics.busPartitions.set(served);
    metrics.busRebalances.inc();
  };
  return new KafkaBus({
    brokers,
    topicPrefix,
    partitions,
    requestTimeoutMs,
    sessionTimeoutMs,
    positions,
    onAssigned,
    ...(partitioned ? { assign } : {}),
    failures: domainFailures,
    log,
  });
}

/**
 * Reports to participants about their accounts, wired here and only here. `settlementReports` is the settlement
 * reports port (switch/core/settlement/reports.ts): every worker that books a movement on a participant's account
 * (funds in/out, settlement) reports it to this one instance; banks get camt.054/053 through the XML outbox, the
 * others and the operator settlement position-change notices. `intradayReports`: camt.052 on request and on schedule.
 */
function reportsToParticipants(
  config: Config,
  log: Logger,
  o: { participants: ParticipantDirectory; delivery: Delivery; xml: XmlOutbox; signer?: HubSigner; db: Db },
): { settlementReports: SettlementReports; intradayReports: IntradayReports } {
  const notices = new SettlementNotices(o.participants, o.delivery, { hubName: config.hubName, signer: o.signer }, log);
  return {
    settlementReports: new SettlementReporter(o.participants, o.xml, notices, config.hubName, log),
    intradayReports: new IntradayReports(o.participants, o.db, o.xml, config.hubName, log),
  };
}

function createDelivery(config: Config, log: Logger, metrics: Metrics, tls: TlsMaterial | undefined): Delivery {
  return new Delivery(
    {
      retries: config.callbackRetries,
      timeoutMs: config.callbackTimeoutMs,
      connectionsPerOrigin: config.callbackConnections,
      tls: tls ? (clientTlsOptions(tls) as unknown as Record<string, unknown>) : undefined,
    },
    log,
    (outcome, _request, seconds) => {
      metrics.callbacks.inc({ result: outcome.ok ? 'delivered' : 'failed' });
      metrics.callbackDuration.observe(seconds);
    },
  );
}

async function startServers(
  lifecycle: Lifecycle,
  config: Config,
  log: Logger,
  metrics: Metrics,
  ledger: Ledger,
  keys: Keys,
  services: Services,
): Promise<{ fspiop: string; admin: string }> {
  const { db, registry, engine } = ledger;
  const health = healthCheck(ledger);
  // The FSPIOP edge publishes through it: how long its oldest command waits is a ledger signal (admission).
  const edgeBus = new PendingAge(services.bus);
  const admission = await lifecycle.start(
    'admission control',
    () => createAdmission(config, log, metrics, engine, services.delivery, edgeBus),
    (a) => a.close(),
  );
  const serverOptions = { maxBodyBytes: config.maxBodyBytes, log, metrics };
  const fspiop = await lifecycle.start(
    'FSPIOP API',
    () => createFspiopApi(config, log, { ...serverOptions, admission }, registry, keys, { ...services, bus: edgeBus }, health, db),
    (server) => server.close(),
  );
  const operatorSide = await startOperatorSide(lifecycle, config, log, db, ledger.audit);
  const admin = await lifecycle.start(
    'Admin API',
    () =>
      createAdminServer(
        { ...serverOptions, api: 'admin' },
        {
          db,
          registry,
          participants: services.participants,
          bus: services.bus,
          metrics,
          health,
          directory: services.directory,
          jwsKeys: keys.jwsKeys,
          xmlCertificates: keys.xmlCertificates,
          requireHttpsCallbacks: config.mtls,
          intradayReports: services.intradayReports,
          settlement: services.settlement,
          interchangeFees: ledger.interchangeFees,
          audit: ledger.audit,
          auditKeys: keys.auditKey.source === 'configured' ? [keys.auditKey.publicKey] : undefined,
          ...operatorSide,
        },
      ),
    (server) => server.close(),
  );
  const fspiopUrl = await lifecycle.start('FSPIOP API listening', () => listen(fspiop, config.host, config.fspiopPort));
  const adminUrl = await lifecycle.start('Admin API listening', () => listen(admin, config.host, config.adminPort));
  return { fspiop: fspiopUrl.replace(/^http:/, config.mtls ? 'https:' : 'http:'), admin: adminUrl };
}

/** Who may call the Admin API, and maker-checker (docs/operations.md); says loudly when the door is open. */
async function startOperatorSide(lifecycle: Lifecycle, config: Config, log: Logger, db: Db, audit: AuditLog) {
  const { adminAuth } = config;
  const operators = new OperatorStore(db);
  const tokens = new TokenService(operators, config.hubName, adminAuth.tokenTtlS, adminAuth.oidc);
  await lifecycle.start('token issuer', () => tokens.start());
  const makerChecker = new MakerChecker(new ProposalStore(db), new Set(adminAuth.makerChecker), adminAuth.proposalTtlMs, audit);
  await lifecycle.start(
    'proposal expiry',
    () => setInterval(() => void makerChecker.sweep().catch((err: unknown) => log.warn({ err }, 'proposal expiry sweep failed')), 60_000).unref(),
    (timer) => clearInterval(timer),
  );
  if (adminAuth.mode === 'open') {
    log.warn(
      { profile: config.profile },
      'the Admin API is OPEN (MIZANI_ADMIN_AUTH=open): anyone who reaches its port may change participants, move funds and settle, with no second pair of eyes',
    );
  } else {
    const users = await operators.count();
    if (users === 0 && !adminAuth.oidc) {
      log.warn(
        'no operator user yet: every Admin API call is refused until the first administrator exists (./mizani user add NAME --role admin --password-stdin)',
      );
    }
    log.info({ users, oidc: adminAuth.oidc?.issuer, makerChecker: adminAuth.makerChecker }, 'Admin API: bearer tokens and roles required');
  }
  return { operators, tokens, makerChecker, authMode: adminAuth.mode };
}

type Health = () => Promise<{ ok: boolean; detail: Record<string, unknown> }>;

/**
 * GET /health of both APIs: the database answers and the ledger is not recovering. `ledger` is OK on the node that
 * holds the ledger, STANDBY on the others (healthy: they serve the APIs and wait to take over), RECOVERING while the
 * owner rebuilds its state.
 */
function healthCheck({ db, engine, owner }: Ledger): Health {
  return async () => {
    const database = await db.query('SELECT 1').then(
      () => 'OK',
      () => 'DOWN',
    );
    // A node whose engine waits for the lock another node holds is a standby, also after losing it (a failover).
    const state = engine.holdsWriter ? 'OK' : owner.ownership?.state === 'STANDBY' || engine.waitingForWriter ? 'STANDBY' : 'RECOVERING';
    return { ok: database === 'OK' && state !== 'RECOVERING', detail: { database, ledger: state, inFlight: engine.inFlightCount } };
  };
}

/** The participants' server: the FSPIOP API and, on the same port, the ISO 20022 XML edge for banks. */
function createFspiopApi(
  config: Config,
  log: Logger,
  serverOptions: { maxBodyBytes: number; log: Logger; metrics: Metrics; admission: AdmissionControl },
  registry: Registry,
  keys: Keys,
  services: Services,
  health: Health,
  db: Db,
): FastifyInstance {
  const security = new EdgeSecurity({ mtls: config.mtls, jwsVerify: config.jwsVerify, dateWindowMs: config.dateWindowMs }, registry, keys.jwsKeys);
  const https = config.mtls && keys.tls ? { ...serverTlsOptions(keys.tls, { requireClientCert: true }) } : undefined;
  const server = createFspiopServer(
    { ...serverOptions, api: 'fspiop', https },
    {
      security,
      bus: services.bus,
      discovery: services.discovery,
      quotes: services.quotes,
      bulkQuotes: services.bulkQuotes,
      transactionRequests: services.transactionRequests,
      fxQuotes: services.fxQuotes,
      fxpDiscovery: services.fxpDiscovery,
      headerPolicy: { supportedVersions: [...DEFAULT_SUPPORTED_VERSIONS] },
      proxies: services.proxies,
      health,
    },
  );
  registerIsoXmlRoutes(server, {
    registry,
    participants: services.participants,
    bridge: services.bridge,
    groups: services.groups,
    bulkPayee: services.bulkPayee,
    transactionRequests: services.transactionRequests,
    discovery: services.discovery,
    xml: services.xmlOutbox,
    certificates: keys.xmlCertificates,
    schemas: keys.xmlSchemas,
    hubName: config.hubName,
    mtls: config.mtls,
    requireSignature: config.xmlVerify,
    xmlLimits: config.xmlLimits,
    log,
    admission: serverOptions.admission,
    verificationIds: services.verificationIds,
    seenIds: new SeenMessageIds(db),
  });
  return server;
}

function createAdmission(config: Config, log: Logger, metrics: Metrics, engine: LedgerEngine, delivery: Delivery, edgeBus: PendingAge): AdmissionControl {
  let lastBusyLog = 0;
  const sources = {
    // With Kafka, a node that does not hold the ledger has no queue of its own: its unanswered commands tell (admission.ts).
    ledgerQueueAgeMs: config.bus.kind === 'kafka' ? () => Math.max(engine.oldestWriteWaitMs(), edgeBus.oldestMs()) : () => engine.oldestWriteWaitMs(),
    followUpTasks: followUpTasksPending,
    callbacksPendingFor: (participant: string) => delivery.pendingFor(participant),
  };
  const admission: AdmissionControl = new AdmissionControl(config.busy, sources, (work, signals) => {
    metrics.refusedBusy.inc({ stage: work });
    const now = Date.now();
    if (now - lastBusyLog >= 1000) {
      lastBusyLog = now;
      log.warn({ work, refused: { ...admission.refused }, ...signals }, 'at capacity: new work refused with 2005');
    }
  });
  metrics.admissionPressureOf = () => admission.signals().pressure;
  return admission;
}

async function listen(server: FastifyInstance, host: string, port: number): Promise<string> {
  await server.listen({ host, port });
  const address = server.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
}
