/**
 * Assembles and runs one hub process: database, migrations, ledger state rebuilt from PostgreSQL,
 * the FSPIOP and Admin servers, the expiry sweep. `startHub` returns once both APIs listen.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { warmFspiopValidators } from '../schemas/fspiop/validators.js';
import { openDb, type Db } from '../ledger/db.js';
import { LedgerEngine } from '../ledger/engine.js';
import { migrate } from '../ledger/migrate.js';
import { Registry } from '../ledger/registry.js';
import { createAdminServer } from './admin/server.js';
import type { Config } from './config.js';
import { InProcessBus } from './bus/bus.js';
import { serveTransfers } from './core/topics.js';
import { TransferService } from './core/transfers.js';
import { QuoteService } from './core/agreement/quotes.js';
import { DiscoveryService } from './core/discovery/accounts.js';
import { OracleRegistry, PartyDirectory } from './core/discovery/directory.js';
import { DialectDiscoveryOutbox, DialectQuoteOutbox } from './notify/discovery-outbox.js';
import { DEFAULT_SUPPORTED_VERSIONS } from './edge/fspiop-headers.js';
import { createFspiopServer } from './edge/fspiop-server.js';
import { AdmissionControl } from './edge/admission.js';
import { VerificationIds } from './core/discovery/verification-ids.js';
import { Delivery } from './notify/delivery.js';
import { FspiopNotifier } from './notify/fspiop.js';
import { DialectTransferOutbox } from './notify/transfer-outbox.js';
import { createLogger } from './observability/log.js';
import { EdgeSecurity } from './edge/security.js';
import { JwsKeyStore } from './security/jws-keys.js';
import { JwsSigningPool, signingAlgFor } from './security/jws.js';
import { clientTlsOptions, loadTlsMaterial, serverTlsOptions, type TlsMaterial } from './security/tls.js';
import type { HubSigner } from './notify/fspiop.js';
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseXmlSigningCertificate, type XmlSigner } from '../translators/isoxml/signature.js';
import { runtimeSchemas } from '../translators/isoxml/validate.js';
import { BankBridge } from './core/bridge/bank-bridge.js';
import { HubTerms } from './core/bridge/hub-terms.js';
import { registerIsoXmlRoutes } from './edge/iso-xml.js';
import { XmlOutbox } from './notify/xml-outbox.js';
import { Metrics } from './observability/metrics.js';

export interface RunningHub {
  config: Config;
  log: Logger;
  db: Db;
  engine: LedgerEngine;
  transfers: TransferService;
  fspiopUrl: string;
  adminUrl: string;
  stop(): Promise<void>;
}

export async function startHub(config: Config, log: Logger = createLogger(config.logLevel)): Promise<RunningHub> {
  const metrics = new Metrics();
  const db = await openDb({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.dbPoolSize });
  log.info({ database: config.databaseUrl ? 'postgresql' : `embedded PGlite at ${config.dataDir}` }, 'database opened');
  const applied = await migrate(db);
  if (applied.length > 0) log.info({ applied }, 'migrations applied');

  const registry = await Registry.load(db, config.hubName);
  const engine = new LedgerEngine(db, registry, { maxBatch: config.batchMax }, {
    onRecovering: (err) => log.error({ err }, 'ledger write failed: rebuilding state from the database'),
    onRecovered: () => log.warn('ledger state rebuilt; accepting transfers again'),
    onWaitingForWriterLock: (waitedMs) =>
      log.warn({ waitedMs }, 'waiting for the ledger writer lock: another hub process (or a dying one) is writing to this database'),
    observeBatch: (size, seconds) => {
      metrics.batchSize.observe(size);
      metrics.batchDuration.observe(seconds);
    },
  });
  await engine.load();
  log.info({ inFlight: engine.inFlightCount }, 'ledger state loaded');
  metrics.inFlight.set(engine.inFlightCount);
  warmFspiopValidators();

  // ---- security layers
  let tls: TlsMaterial | undefined;
  if (config.tls) {
    tls = await loadTlsMaterial(config.tls);
    for (const warning of tls.warnings) log.warn({ warning }, 'TLS configuration');
  }
  if (config.mtls) {
    log.info({ certificate: tls!.identity, notAfter: tls!.notAfter }, 'mTLS is ON: FSPIOP clients must present a scheme certificate naming their FSPIOP-Source');
  } else {
    log.warn({ profile: config.profile }, 'mTLS is OFF: the FSPIOP API accepts plain HTTP and does not authenticate the transport (demo profile, or MIZANI_MTLS=off)');
  }
  const jwsKeys = new JwsKeyStore(db);
  await jwsKeys.load();
  const xmlCertificates = new JwsKeyStore(db, { table: 'participant_xml_certificate' });
  await xmlCertificates.load();
  if (!config.jwsVerify) log.warn({ profile: config.profile }, 'JWS verification is OFF: inbound FSPIOP-Signature headers are passed on but not checked');
  let signingPool: JwsSigningPool | undefined;
  let signer: HubSigner | undefined;
  if (config.jwsSigningKey) {
    const key = createPrivateKey(await readFile(config.jwsSigningKey, 'utf8'));
    const alg = signingAlgFor(key);
    signingPool = new JwsSigningPool({ size: config.jwsSignWorkers });
    const pool = signingPool;
    signer = { sign: (input) => pool.sign({ ...input, key, alg }) };
    log.info({ alg, workers: config.jwsSignWorkers }, 'the hub signs the messages it authors');
  } else {
    log.warn('no MIZANI_JWS_SIGNING_KEY: messages the hub authors are not signed');
  }

  const delivery = new Delivery(
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
  let xmlSigner: XmlSigner | undefined;
  if (config.xmlSigning) {
    xmlSigner = {
      privateKey: createPrivateKey(await readFile(config.xmlSigning.key, 'utf8')),
      certificate: parseXmlSigningCertificate(await readFile(config.xmlSigning.cert, 'utf8')),
    };
  } else {
    log.warn('no MIZANI_XML_SIGNING_CERT: ISO 20022 XML the hub sends banks is not signed');
  }
  if (!config.xmlVerify) log.warn({ profile: config.profile }, 'XML signature verification is OFF: bank messages are accepted unsigned');
  const xmlSchemas = runtimeSchemas();
  xmlSchemas.compileAll();
  const terms = await HubTerms.load(db);

  const notifier = new FspiopNotifier(registry, delivery, { hubName: config.hubName, callbackVersion: config.callbackVersion, signer }, log);
  const xmlOutbox = new XmlOutbox(registry, delivery, config.hubName, xmlSigner, log);
  const transfers = new TransferService(
    registry,
    engine,
    new DialectTransferOutbox(registry, notifier, config.callbackVersion, xmlOutbox),
    {
      onUsTransfers: config.onUsTransfers,
      ilpCheck: config.ilpCheck,
      sendTransferConfirmationToPayee: config.sendTransferConfirmationToPayee,
      expirySweepMs: config.expirySweepMs,
    },
    log,
    metrics,
  );

  const bus = new InProcessBus();
  serveTransfers(bus, transfers);

  const oracles = new OracleRegistry(db);
  await oracles.load();
  const directory = new PartyDirectory(db, oracles, {
    hubName: config.hubName,
    externalCacheMs: config.oracleCacheMs,
    oracleTimeoutMs: config.oracleTimeoutMs,
  });
  const verificationIds = new VerificationIds();
  const discovery = new DiscoveryService(registry, directory, new DialectDiscoveryOutbox(registry, notifier, config.callbackVersion, config.hubName, xmlOutbox, verificationIds), log);
  const quoteOutbox = new DialectQuoteOutbox(registry, notifier, config.callbackVersion);
  const quotes = new QuoteService(registry, engine, quoteOutbox, log);
  const bridge = new BankBridge(db, registry, engine, directory, transfers, quoteOutbox, xmlOutbox, terms, {
    hubName: config.hubName,
    paymentExpiryMs: config.bankPaymentExpiryMs,
    quoteExpiryMs: config.bankQuoteExpiryMs,
  }, log);
  quotes.useBankAgent(bridge);
  xmlOutbox.useReferences((bank, id) => bridge.originalReference(bank, id));

  const health = async () => {
    let database = 'OK';
    try {
      await db.query('SELECT 1');
    } catch {
      database = 'DOWN';
    }
    const ledger = engine.available ? 'OK' : 'RECOVERING';
    return { ok: database === 'OK' && ledger === 'OK', detail: { database, ledger, inFlight: engine.inFlightCount } };
  };

  const serverOptions = { maxBodyBytes: config.maxBodyBytes, log, metrics };
  let lastBusyLog = 0;
  const admission = new AdmissionControl(config.busy, () => engine.oldestWriteWaitMs(), (work, signals) => {
    metrics.refusedBusy.inc({ stage: work });
    const now = Date.now();
    if (now - lastBusyLog >= 1000) {
      lastBusyLog = now;
      log.warn({ work, refused: { ...admission.refused }, ...signals }, 'at capacity: new work refused with 2005');
    }
  });
  metrics.admissionPressureOf = () => admission.signals().pressure;
  const security = new EdgeSecurity({ mtls: config.mtls, jwsVerify: config.jwsVerify, dateWindowMs: config.dateWindowMs }, registry, jwsKeys);
  const fspiop = createFspiopServer(
    { ...serverOptions, admission, api: 'fspiop', https: config.mtls && tls ? { ...serverTlsOptions(tls, { requireClientCert: true }) } : undefined },
    { security, bus, discovery, quotes, headerPolicy: { supportedVersions: [...DEFAULT_SUPPORTED_VERSIONS] }, health },
  );
  registerIsoXmlRoutes(fspiop, {
    registry,
    bridge,
    discovery,
    xml: xmlOutbox,
    certificates: xmlCertificates,
    schemas: xmlSchemas,
    hubName: config.hubName,
    mtls: config.mtls,
    requireSignature: config.xmlVerify,
    log,
    admission,
    verificationIds,
  });
  const admin = createAdminServer(
    { ...serverOptions, api: 'admin' },
    { db, registry, engine, metrics, health, directory, jwsKeys, xmlCertificates, requireHttpsCallbacks: config.mtls },
  );

  const fspiopUrl = (await listen(fspiop, config.host, config.fspiopPort)).replace(/^http:/, config.mtls ? 'https:' : 'http:');
  const adminUrl = await listen(admin, config.host, config.adminPort);
  transfers.startExpirySweep();
  bridge.startSweep(config.expirySweepMs);
  log.info({ fspiop: fspiopUrl, admin: adminUrl, hub: config.hubName }, 'Mizani hub started');

  let stopped = false;
  return {
    config,
    log,
    db,
    engine,
    transfers,
    fspiopUrl,
    adminUrl,
    async stop() {
      if (stopped) return;
      stopped = true;
      transfers.stopExpirySweep();
      bridge.stopSweep();
      await Promise.all([fspiop.close(), admin.close()]);
      admission.close();
      await delivery.close();
      await directory.close();
      await signingPool?.close();
      await engine.close();
      await db.close();
      log.info('Mizani hub stopped');
      log.flush();
    },
  };
}

async function listen(server: FastifyInstance, host: string, port: number): Promise<string> {
  await server.listen({ host, port });
  const address = server.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
}
