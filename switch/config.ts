/**
 * Configuration from MIZANI_* environment variables. Defaults run the embedded single-process hub.
 * The README's configuration table is generated from SETTINGS (keep the two in step).
 */
import { DatabaseUrlError, parseDatabaseUrl } from '../ledger/pg-hosts.js';

export interface Setting {
  name: string;
  default: string;
  description: string;
}

export const SETTINGS: Setting[] = [
  {
    name: 'MIZANI_DATABASE_URL',
    default: '',
    description:
      'PostgreSQL URL (`postgres://user@host:5432/db`), or every server of a replicated cluster (`postgres://user@h1:5432,h2:5432/db`): the hub writes only to the one that answers as primary and finds it again after a failover (docs/operations-postgresql.md). Empty: embedded PGlite in `MIZANI_DATA_DIR`.',
  },
  { name: 'MIZANI_DATA_DIR', default: './data/pglite', description: 'Folder of the embedded PGlite database (used only without `MIZANI_DATABASE_URL`).' },
  { name: 'MIZANI_DB_POOL_SIZE', default: '8', description: 'PostgreSQL connections in the pool.' },
  {
    name: 'MIZANI_DB_PRIMARY_WAIT_S',
    default: '30',
    description:
      'At start-up, how long to wait for a host of `MIZANI_DATABASE_URL` to answer as primary; past it the hub exits, saying what each host answered. (Once running, it looks for the primary for as long as it takes.)',
  },
  {
    name: 'MIZANI_DB_CONNECT_TIMEOUT_MS',
    default: '5000',
    description: 'Longest wait for one PostgreSQL host to accept a connection (a host that is gone may never refuse one).',
  },
  { name: 'MIZANI_HOST', default: '127.0.0.1', description: 'Interface both APIs listen on (`0.0.0.0` for all).' },
  { name: 'MIZANI_FSPIOP_PORT', default: '3000', description: 'Port of the FSPIOP API (participants).' },
  { name: 'MIZANI_ADMIN_PORT', default: '3001', description: 'Port of the Admin API (operators), `/metrics` included.' },
  {
    name: 'MIZANI_PROFILE',
    default: 'demo',
    description:
      '`demo` (embedded quick start: security layers default off, said at start-up) or `production` (mTLS and JWS default on; switching them off must be explicit).',
  },
  {
    name: 'MIZANI_MTLS',
    default: '',
    description: '`on` or `off`: HTTPS with client certificates on the FSPIOP API, certificate bound to FSPIOP-Source. Empty: on in production, off in demo.',
  },
  {
    name: 'MIZANI_ADMIN_AUTH',
    default: 'on',
    description:
      "`on`: every Admin and settlement API call carries a bearer token (`POST /auth/token`, or the scheme's OIDC provider) and is checked against its route's roles (docs/operations.md). `open`: no identity asked, no maker-checker; the demo profile only, for tooling that provisions without tokens (Mojaloop's testing toolkit); said at start-up.",
  },
  {
    name: 'MIZANI_AUTH_TOKEN_TTL_S',
    default: '3600',
    description: "Lifetime of a token of the hub's built-in issuer (`POST /auth/token`).",
  },
  {
    name: 'MIZANI_OIDC_ISSUER',
    default: '',
    description:
      "A scheme's OpenID Connect provider (its `iss`): its bearer tokens are accepted besides the built-in issuer's, verified against its JWKS. Empty: the built-in issuer only.",
  },
  {
    name: 'MIZANI_OIDC_JWKS_URL',
    default: '',
    description: "JWKS of `MIZANI_OIDC_ISSUER`. Empty: the `jwks_uri` of the issuer's `/.well-known/openid-configuration`.",
  },
  { name: 'MIZANI_OIDC_AUDIENCE', default: '', description: 'The `aud` an OIDC token must carry. Empty: not checked.' },
  {
    name: 'MIZANI_OIDC_ROLES_CLAIM',
    default: 'roles',
    description:
      'Claim of an OIDC token holding its Mizani roles (`admin`, `operator`, `finance`, `auditor`, `participant`); a dotted path reaches into objects (`realm_access.roles`).',
  },
  {
    name: 'MIZANI_OIDC_PARTICIPANT_CLAIM',
    default: 'participant',
    description: 'Claim of an OIDC token naming the participant whose data a user with the `participant` role reads.',
  },
  {
    name: 'MIZANI_MAKER_CHECKER',
    default: 'all',
    description:
      'Changes that take effect only when a second user approves them: `all`, `none`, or a list of `funds` (funds in/out), `limits` (limits and initial positions), `participant-status` (participants and accounts), `settlement` (window close, settlements), `keys` (JWS keys, XML certificates), `users` (roles, disabling).',
  },
  { name: 'MIZANI_PROPOSAL_TTL_S', default: '86400', description: 'How long a proposal waits for its second user before it expires.' },
  { name: 'MIZANI_TLS_CERT', default: '', description: 'Hub certificate (PEM), used as server certificate and as client certificate for callbacks.' },
  { name: 'MIZANI_TLS_KEY', default: '', description: 'Private key of `MIZANI_TLS_CERT` (PEM).' },
  { name: 'MIZANI_TLS_CA', default: '', description: 'Scheme CA certificate(s) (PEM) that sign participant certificates.' },
  { name: 'MIZANI_TLS_CRL', default: '', description: 'Certificate revocation list of the scheme CA (PEM), optional.' },
  {
    name: 'MIZANI_JWS_VERIFY',
    default: '',
    description:
      '`on` or `off`: every inbound FSPIOP message with a body must carry a valid FSPIOP-Signature of its sender. Empty: on in production, off in demo.',
  },
  {
    name: 'MIZANI_JWS_SIGNING_KEY',
    default: '',
    description: 'Hub private key (PEM, RSA ≥ 2048 or EC P-256) that signs every message the hub authors; required in production.',
  },
  {
    name: 'MIZANI_JWS_SIGN_WORKERS',
    default: '1',
    description: 'Worker threads that sign hub messages off the event loop (0: sign in-thread; EC keys gain nothing from workers).',
  },
  {
    name: 'MIZANI_XML_SIGNING_CERT',
    default: '',
    description: 'Hub certificate (PEM, RSA) whose key signs every ISO 20022 XML message the hub sends banks; required in production.',
  },
  { name: 'MIZANI_XML_SIGNING_KEY', default: '', description: 'Private key of `MIZANI_XML_SIGNING_CERT` (PEM).' },
  {
    name: 'MIZANI_XML_VERIFY',
    default: '',
    description: '`on` or `off`: ISO 20022 XML from banks must carry a valid XML signature by a registered certificate. Empty: on in production, off in demo.',
  },
  {
    name: 'MIZANI_BANK_PAYMENT_EXPIRY_S',
    default: '60',
    description: "Lifetime of a bank's pacs.008 that names no expiry: agreement and transfer must complete within it.",
  },
  { name: 'MIZANI_BANK_QUOTE_EXPIRY_S', default: '60', description: 'Lifetime of the terms the hub issues when it answers a quote for a bank payee.' },
  {
    name: 'MIZANI_DATE_WINDOW_S',
    default: '300',
    description: 'A request whose Date header is further than this from the hub clock is refused (0: no check).',
  },
  {
    name: 'MIZANI_ILP_CHECK',
    default: 'on',
    description: "`on` or `off`: decode every prepare's ILP packet and check its amount, condition and transaction against the transfer.",
  },
  { name: 'MIZANI_HUB_NAME', default: 'Hub', description: "The hub's own FSP id: FSPIOP-Source of every message it authors." },
  { name: 'MIZANI_CALLBACK_VERSION', default: '1.0', description: 'Content-Type version of callbacks the hub authors.' },
  {
    name: 'MIZANI_SEND_TRANSFER_CONFIRMATION_TO_PAYEE',
    default: 'true',
    description: 'After a COMMITTED fulfil, also send the payee a `PUT /transfers/{ID}` from the hub.',
  },
  { name: 'MIZANI_ON_US_TRANSFERS', default: 'false', description: 'Allow transfers whose payer and payee are the same participant.' },
  { name: 'MIZANI_EXPIRY_SWEEP_MS', default: '1000', description: 'How often expired transfers are looked for and aborted.' },
  { name: 'MIZANI_CALLBACK_RETRIES', default: '3', description: 'Retries of a callback after a network error or 5xx answer.' },
  { name: 'MIZANI_CALLBACK_TIMEOUT_MS', default: '5000', description: 'Timeout of one callback attempt.' },
  { name: 'MIZANI_CALLBACK_CONNECTIONS', default: '32', description: 'Keep-alive connections per participant origin.' },
  {
    name: 'MIZANI_ORACLE_CACHE_MS',
    default: '60000',
    description: 'How long answers of external oracles are cached (built-in oracle answers are cached until changed).',
  },
  { name: 'MIZANI_ORACLE_TIMEOUT_MS', default: '5000', description: 'Timeout of a call to an external oracle.' },
  {
    name: 'MIZANI_PROXY_DISCOVERY_TIMEOUT_MS',
    default: '40000',
    description:
      "Inter-scheme: how long a `GET /parties` no oracle entry answers, broadcast to every proxy, waits for a proxy's answer; past it the requester gets 3204 (docs/interscheme.md). An identical lookup meanwhile is not broadcast again (Mojaloop keeps its broadcast list 40 s).",
  },
  {
    name: 'MIZANI_PROXY_EXPIRY_GRACE_MS',
    default: '10000',
    description:
      'Inter-scheme: a transfer forwarded to a proxy is not aborted at its expiration; the hub asks the proxy `GET /transfers/{ID}` and applies the answer, and aborts it (3303) only when no final answer came within this long after the expiration (docs/interscheme.md, "Expiry").',
  },
  { name: 'MIZANI_MAX_BODY_BYTES', default: '5242880', description: 'Largest request body accepted (FSPIOP: 5 MiB).' },
  {
    name: 'MIZANI_XML_MAX_BYTES',
    default: '262144',
    description:
      'Largest ISO 20022 XML message a bank may send (256 KiB: a single payment is 2–6 KB). A scheme that takes banks\' multi-transaction pacs.008 raises it: about 0.7 KB per transaction (docs/bulk.md, "Banks").',
  },
  {
    name: 'MIZANI_XML_MAX_ELEMENTS',
    default: '5000',
    description: 'Most XML elements in one bank message (bounds the parse). About 35 per transaction of a multi-transaction pacs.008.',
  },
  { name: 'MIZANI_BATCH_MAX', default: '1000', description: 'Most ledger writes committed together in one group commit.' },
  {
    name: 'MIZANI_GROUP_COMMIT_QUEUE_WRITES_MAX',
    default: '10000',
    description:
      'Ledger writes waiting for the group commit at which new work (prepares, quotes, funds in/out) is refused with 2005 Server busy before anything is reserved. Writes that finish accepted transfers (commits, aborts) are always queued.',
  },
  {
    name: 'MIZANI_TRANSFERS_IN_FLIGHT_MAX',
    default: '100000',
    description: 'Transfers reserved and not yet final at which new prepares are refused with 2005 Server busy (about 1 KiB of memory each).',
  },
  {
    name: 'MIZANI_LEDGER_ASSERTIONS',
    default: 'hot',
    description:
      "Run-time assertions on the money path. `hot`: on every batch, entries balance per currency and are exact, the batch is within its maximum, a reservation leaves the position within its cap, the database reports what was sent. `all`: also every batch's balances against memory (tests, debugging; costs O(queued writes) per batch). A failed assertion fails the batch; the ledger rebuilds from the database.",
  },
  {
    name: 'MIZANI_BUSY_LOOP_UTILISATION',
    default: '0.95',
    description:
      'Admission control: smoothed share of time the event loop is busy (0..1) at which, with more than 8 requests waiting, new discoveries are refused with 2005 Server busy. 0: not watched.',
  },
  {
    name: 'MIZANI_BUSY_LOOP_LAG_MS',
    default: '200',
    description:
      'Admission control: smoothed event-loop lag at which new discoveries are refused with 2005 Server busy (1.5 times it: new quotes too; twice it: new transfers too). 0: not watched.',
  },
  {
    name: 'MIZANI_BUSY_LEDGER_WAIT_MS',
    default: '500',
    description: 'Admission control: wait of the oldest ledger write for its group commit at which new work is refused (as above). 0: not watched.',
  },
  {
    name: 'MIZANI_BUSY_OPEN_REQUESTS',
    default: '2000',
    description: 'Admission control: requests received and not yet answered at which new work is refused (as above). 0: not watched.',
  },
  {
    name: 'MIZANI_FOLLOW_UP_TASKS_MAX',
    default: '20000',
    description:
      'Bound on follow-up work (forwarding messages, callbacks being delivered): at half of it new discoveries are refused with 2005 Server busy, at three quarters new quotes, at the bound new prepares. Follow-ups of accepted work are never dropped. 0: not bounded.',
  },
  {
    name: 'MIZANI_CALLBACKS_PENDING_MAX',
    default: '2000',
    description:
      "Bound on the callbacks to one participant waiting for a connection or in flight: at it, new work from or to that participant is refused with 2005 Server busy (others' goes on); callbacks themselves are never dropped. 0: not bounded.",
  },
  {
    name: 'MIZANI_INTRADAY_REPORT_INTERVAL_S',
    default: '0',
    description:
      'Seconds between scheduled camt.052 intraday account reports to every bank (dialect `iso20022-xml` with an `ISO20022_CALLBACK_URL`); 0: none (an operator can still ask for one: `POST /participants/{name}/intradayReports`).',
  },
  {
    name: 'MIZANI_SETTLEMENT_WINDOW_CLOSE_INTERVAL_S',
    default: '0',
    description:
      'Seconds between scheduled closes of the open settlement window (an empty window stays open); 0: none, windows close when the operator asks (`POST /v2/settlementWindows/{id}`).',
  },
  {
    name: 'MIZANI_BUS',
    default: 'in-process',
    description:
      '`in-process` (one hub process: commands go straight to the workers) or `kafka` (commands and replies travel over Apache Kafka, `MIZANI_KAFKA_BROKERS`; docs/architecture.md, "Two buses").',
  },
  { name: 'MIZANI_KAFKA_BROKERS', default: '', description: 'With `MIZANI_BUS=kafka`: the brokers, `host:port` separated by commas.' },
  {
    name: 'MIZANI_KAFKA_TOPIC_PREFIX',
    default: 'mizani',
    description:
      'With `MIZANI_BUS=kafka`: starts the name of every Kafka topic and consumer group of the hub (`<prefix>.commands`, `<prefix>.workers`, `<prefix>.reply.<node>`, ...); one prefix per hub cluster sharing the brokers. Letters, digits, `.`, `_`, `-`.',
  },
  {
    name: 'MIZANI_KAFKA_PARTITIONS',
    default: '16',
    description: 'With `MIZANI_BUS=kafka`: partitions of the commands topic the hub creates (a topic that exists keeps its own).',
  },
  {
    name: 'MIZANI_KAFKA_REQUEST_TIMEOUT_MS',
    default: '10000',
    description:
      "With `MIZANI_BUS=kafka`: how long a request waits for the worker's answer; past it the caller is told 2003 Service currently unavailable (the command may still be applied: a retry is a duplicate).",
  },
  {
    name: 'MIZANI_KAFKA_SESSION_TIMEOUT_MS',
    default: '10000',
    description:
      'With `MIZANI_BUS=kafka`: how long the workers group waits for a silent node (one that died while holding the ledger) before its partitions go to the node that took the ledger over; the larger part of a takeover.',
  },
  {
    name: 'MIZANI_LEDGER_PARTITIONED',
    default: 'false',
    description:
      'With `MIZANI_BUS=kafka`: `true` makes every hub node a position owner of the partitions of the commands topic the workers group gives it (positions written by several nodes at once; docs/architecture.md "Partitioned owners"); `false`: one node holds the whole ledger, the others stand by. All nodes of a cluster must agree: a node of the other kind waits.',
  },
  {
    name: 'MIZANI_AUDIT_SIGNING_KEY',
    default: '',
    description:
      "Private key (PEM file: RSA, EC or Ed25519) that signs the audit log's checkpoints (docs/audit.md). Empty: `MIZANI_JWS_SIGNING_KEY`'s; with neither, a key generated at each start and kept only in memory (said at start-up with its public key: demo only).",
  },
  {
    name: 'MIZANI_AUDIT_CHECKPOINT_ENTRIES',
    default: '1000',
    description: 'The audit log is checkpointed (its head signed) once this many entries were appended since the last checkpoint.',
  },
  {
    name: 'MIZANI_AUDIT_CHECKPOINT_S',
    default: '60',
    description:
      'The audit log is checkpointed at least this often while entries are appended (entries after the last checkpoint are not yet covered by a signature).',
  },
  {
    name: 'MIZANI_AUDIT_DRAIN_MS',
    default: '200',
    description:
      "How often the node holding the ledger chains the money events the ledger's transactions queued (transfers final, funds movements, settlement steps) into the audit log, off the payment's path.",
  },
  { name: 'MIZANI_LOG_LEVEL', default: 'info', description: 'pino log level (`debug`, `info`, `warn`, `error`, `silent`).' },
  {
    name: 'MIZANI_TRACING',
    default: 'off',
    description:
      "`off` (no spans, nothing exported; a participant's `traceparent` is forwarded as it came and the hub adds none) or `otlp`: OpenTelemetry spans of every message across edge, translators, bus, ledger and callbacks, exported over OTLP/HTTP; an inbound `traceparent` is their parent and every request the hub sends carries its own (docs/tracing.md).",
  },
  {
    name: 'MIZANI_TRACING_ENDPOINT',
    default: '',
    description:
      'With `MIZANI_TRACING=otlp`: the OTLP/HTTP traces URL (`http://collector:4318/v1/traces`). Empty: the standard `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` (+ `/v1/traces`), else `http://localhost:4318/v1/traces`.',
  },
  {
    name: 'MIZANI_TRACING_SAMPLE_RATIO',
    default: '1',
    description:
      'With `MIZANI_TRACING=otlp`: share (0..1) of the traces the hub starts that are recorded; a request with a `traceparent` follows its sampled flag.',
  },
];

export interface Config {
  profile: 'demo' | 'production';
  mtls: boolean;
  tls?: { cert: string; key: string; ca: string; crl?: string };
  jwsVerify: boolean;
  jwsSigningKey?: string;
  jwsSignWorkers: number;
  xmlSigning?: { cert: string; key: string };
  xmlVerify: boolean;
  bankPaymentExpiryMs: number;
  bankQuoteExpiryMs: number;
  dateWindowMs: number;
  ilpCheck: boolean;
  databaseUrl?: string;
  dataDir: string;
  dbPoolSize: number;
  dbPrimaryWaitMs: number;
  dbConnectTimeoutMs: number;
  host: string;
  fspiopPort: number;
  adminPort: number;
  hubName: string;
  callbackVersion: string;
  sendTransferConfirmationToPayee: boolean;
  onUsTransfers: boolean;
  expirySweepMs: number;
  callbackRetries: number;
  callbackTimeoutMs: number;
  callbackConnections: number;
  oracleCacheMs: number;
  oracleTimeoutMs: number;
  /** Inter-scheme (docs/interscheme.md): a broadcast lookup's wait for the proxies, and the grace after a forwarded transfer's expiration. */
  proxyDiscoveryTimeoutMs: number;
  proxyExpiryGraceMs: number;
  maxBodyBytes: number;
  /** Bounds of a bank's XML message (translators/isoxml/parse.ts). */
  xmlLimits: { maxBytes: number; maxElements: number };
  batchMax: number;
  ledgerAssertions: 'hot' | 'all';
  groupCommitQueueWritesMax: number;
  transfersInFlightMax: number;
  /** Between scheduled camt.052 intraday reports to banks; 0: none. */
  intradayReportIntervalMs: number;
  /** Between scheduled closes of the open settlement window; 0: none. */
  windowCloseIntervalMs: number;
  /** Which bus carries commands to the workers (switch/bus/). */
  bus: BusConfig;
  /** Admission control limits (pressure 1); 0 disables a signal. */
  busy: { loopUtilisation: number; loopLagMs: number; ledgerQueueMs: number; openRequests: number; followUpTasks: number; callbacksPending: number };
  /** The audit log (docs/audit.md): checkpoint key file (else the JWS key's, else generated), checkpoint policy, drain interval. */
  audit: { signingKey?: string; checkpointEntries: number; checkpointMs: number; drainMs: number };
  logLevel: string;
  /** The Admin API's door (docs/operations.md). */
  adminAuth: AdminAuthConfig;
  tracing: { mode: 'off' | 'otlp'; endpoint: string; sampleRatio: number };
}

export interface AdminAuthConfig {
  mode: 'on' | 'open';
  tokenTtlS: number;
  oidc?: { issuer: string; audience?: string; jwksUrl?: string; rolesClaim: string; participantClaim: string };
  /** The maker-checker actions guarded. */
  makerChecker: Array<(typeof MAKER_CHECKER_ACTIONS)[number]>;
  proposalTtlMs: number;
}

/** The kinds of change maker-checker can guard (switch/admin/auth/roles.ts ACTIONS). */
export const MAKER_CHECKER_ACTIONS = ['funds', 'limits', 'participant-status', 'settlement', 'keys', 'users'] as const;

export type BusConfig =
  | { kind: 'in-process' }
  | { kind: 'kafka'; brokers: string[]; topicPrefix: string; partitions: number; requestTimeoutMs: number; sessionTimeoutMs: number; partitioned: boolean };

export class ConfigError extends Error {}

/** Typed readers of the settings in `env`: each refuses a value its setting cannot take, naming the setting. */
function settingReaders(env: NodeJS.ProcessEnv) {
  const value = (name: string): string => {
    const setting = SETTINGS.find((s) => s.name === name);
    if (!setting) throw new Error(`unknown setting ${name}`);
    const raw = env[name];
    return raw === undefined || raw === '' ? setting.default : raw.trim();
  };
  const int = (name: string, min: number, max: number): number => {
    const text = value(name);
    if (!/^\d+$/.test(text)) throw new ConfigError(`${name} must be a whole number, got "${text}"`);
    const n = Number(text);
    if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
    return n;
  };
  const bool = (name: string): boolean => {
    const text = value(name).toLowerCase();
    if (['true', '1', 'yes'].includes(text)) return true;
    if (['false', '0', 'no'].includes(text)) return false;
    throw new ConfigError(`${name} must be true or false, got "${text}"`);
  };
  const onOff = (name: string, fallback: boolean): boolean => {
    const text = value(name).toLowerCase();
    if (text === '') return fallback;
    if (text === 'on' || text === 'true') return true;
    if (text === 'off' || text === 'false') return false;
    throw new ConfigError(`${name} must be on or off, got "${text}"`);
  };
  const fraction = (name: string): number => {
    const text = value(name);
    if (!/^(0(\.\d+)?|1(\.0+)?)$/.test(text)) throw new ConfigError(`${name} must be a number from 0 to 1, got "${text}"`);
    return Number(text);
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T => {
    const text = value(name);
    if (!(allowed as readonly string[]).includes(text)) throw new ConfigError(`${name} must be ${allowed.join(' or ')}, got "${text}"`);
    return text as T;
  };
  return { value, int, bool, onOff, fraction, oneOf };
}

type Readers = ReturnType<typeof settingReaders>;

/** The profile and what it requires of transport security and signing keys. */
function securitySettings({ value, onOff }: Readers) {
  const profile = value('MIZANI_PROFILE');
  if (profile !== 'demo' && profile !== 'production') throw new ConfigError(`MIZANI_PROFILE must be demo or production, got "${profile}"`);
  const production = profile === 'production';
  const mtls = onOff('MIZANI_MTLS', production);
  const tlsFiles = { cert: value('MIZANI_TLS_CERT'), key: value('MIZANI_TLS_KEY'), ca: value('MIZANI_TLS_CA'), crl: value('MIZANI_TLS_CRL') };
  if (mtls) {
    const missing = (['cert', 'key', 'ca'] as const).filter((k) => !tlsFiles[k]).map((k) => `MIZANI_TLS_${k.toUpperCase()}`);
    if (missing.length)
      throw new ConfigError(`mTLS is on (MIZANI_MTLS or the production profile) but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set`);
  }
  const jwsSigningKey = value('MIZANI_JWS_SIGNING_KEY') || undefined;
  const xmlCert = value('MIZANI_XML_SIGNING_CERT');
  const xmlKey = value('MIZANI_XML_SIGNING_KEY');
  if (Boolean(xmlCert) !== Boolean(xmlKey)) throw new ConfigError('MIZANI_XML_SIGNING_CERT and MIZANI_XML_SIGNING_KEY go together');
  if (production && !xmlCert)
    throw new ConfigError('the production profile needs MIZANI_XML_SIGNING_CERT and MIZANI_XML_SIGNING_KEY: the hub signs every XML message it sends');
  if (production && !jwsSigningKey) throw new ConfigError('the production profile needs MIZANI_JWS_SIGNING_KEY: the hub signs every message it authors');
  return { profile: profile as Config['profile'], production, mtls, tlsFiles, jwsSigningKey, xmlCert, xmlKey };
}

/** MIZANI_BUS and, with Kafka, its brokers and names. */
function busSettings({ value, int, bool, oneOf }: Readers): BusConfig {
  const kind = oneOf('MIZANI_BUS', ['in-process', 'kafka'] as const);
  if (kind === 'in-process') {
    if (bool('MIZANI_LEDGER_PARTITIONED'))
      throw new ConfigError('MIZANI_LEDGER_PARTITIONED=true needs MIZANI_BUS=kafka: positions are partitioned over the Kafka bus');
    return { kind };
  }
  const list = value('MIZANI_KAFKA_BROKERS');
  if (!list) throw new ConfigError('MIZANI_BUS=kafka needs MIZANI_KAFKA_BROKERS (host:port, separated by commas)');
  if (!value('MIZANI_DATABASE_URL')) {
    throw new ConfigError(
      "MIZANI_BUS=kafka needs MIZANI_DATABASE_URL: the Kafka bus is for hub nodes that share one PostgreSQL server, and the embedded PGlite database is one process's",
    );
  }
  const brokers = list.split(',').map((b) => b.trim());
  const bad = brokers.find((b) => !/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/.test(b));
  if (bad !== undefined) throw new ConfigError(`MIZANI_KAFKA_BROKERS must be host:port separated by commas, got "${bad}"`);
  const topicPrefix = value('MIZANI_KAFKA_TOPIC_PREFIX');
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(topicPrefix)) {
    throw new ConfigError(`MIZANI_KAFKA_TOPIC_PREFIX may hold only letters, digits, ".", "_" and "-" (1..100), got "${topicPrefix}"`);
  }
  return {
    kind,
    brokers,
    topicPrefix,
    partitions: int('MIZANI_KAFKA_PARTITIONS', 1, 10_000),
    requestTimeoutMs: int('MIZANI_KAFKA_REQUEST_TIMEOUT_MS', 100, 600_000),
    sessionTimeoutMs: int('MIZANI_KAFKA_SESSION_TIMEOUT_MS', 3000, 300_000),
    partitioned: bool('MIZANI_LEDGER_PARTITIONED'),
  };
}

/** MIZANI_ADMIN_AUTH and what goes with it: the OIDC provider, maker-checker. */
function adminAuthSettings({ value, int, oneOf }: Readers, production: boolean): AdminAuthConfig {
  const mode = oneOf('MIZANI_ADMIN_AUTH', ['on', 'open'] as const);
  if (mode === 'open' && production) {
    throw new ConfigError('MIZANI_ADMIN_AUTH=open is for the demo profile only: in production every Admin API call carries an identity');
  }
  const issuer = value('MIZANI_OIDC_ISSUER');
  const jwksUrl = value('MIZANI_OIDC_JWKS_URL');
  for (const [name, url] of [
    ['MIZANI_OIDC_ISSUER', issuer],
    ['MIZANI_OIDC_JWKS_URL', jwksUrl],
  ] as const) {
    if (url && !/^https?:\/\/\S+$/.test(url)) throw new ConfigError(`${name} must be an http(s) URL, got "${url}"`);
  }
  if (jwksUrl && !issuer) throw new ConfigError('MIZANI_OIDC_JWKS_URL needs MIZANI_OIDC_ISSUER: tokens are accepted by their issuer');
  const audience = value('MIZANI_OIDC_AUDIENCE');
  const list = value('MIZANI_MAKER_CHECKER').toLowerCase();
  const items = list === 'all' ? [...MAKER_CHECKER_ACTIONS] : list === 'none' ? [] : list.split(',').map((a) => a.trim());
  const unknown = items.find((a) => !(MAKER_CHECKER_ACTIONS as readonly string[]).includes(a));
  if (unknown !== undefined) throw new ConfigError(`MIZANI_MAKER_CHECKER takes all, none or a list of ${MAKER_CHECKER_ACTIONS.join(', ')}; got "${unknown}"`);
  return {
    mode,
    tokenTtlS: int('MIZANI_AUTH_TOKEN_TTL_S', 60, 86_400),
    ...(issuer
      ? {
          oidc: {
            issuer,
            ...(audience ? { audience } : {}),
            ...(jwksUrl ? { jwksUrl } : {}),
            rolesClaim: value('MIZANI_OIDC_ROLES_CLAIM'),
            participantClaim: value('MIZANI_OIDC_PARTICIPANT_CLAIM'),
          },
        }
      : {}),
    makerChecker: items as AdminAuthConfig['makerChecker'],
    proposalTtlMs: int('MIZANI_PROPOSAL_TTL_S', 1, 30 * 86_400) * 1000,
  };
}

/** MIZANI_DATABASE_URL, its host list checked as the database layer will read it (ledger/pg-hosts.ts). */
function databaseUrlSetting({ value }: Readers): string {
  const url = value('MIZANI_DATABASE_URL');
  if (!url) return url;
  try {
    parseDatabaseUrl(url);
  } catch (err) {
    if (err instanceof DatabaseUrlError) throw new ConfigError(`MIZANI_DATABASE_URL ${err.message}`);
    throw err;
  }
  return url;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const readers = settingReaders(env);
  const { value, int, bool, onOff, fraction, oneOf } = readers;
  const { profile, production, mtls, tlsFiles, jwsSigningKey, xmlCert, xmlKey } = securitySettings(readers);
  const callbackVersion = value('MIZANI_CALLBACK_VERSION');
  if (!/^\d+\.\d+$/.test(callbackVersion)) throw new ConfigError(`MIZANI_CALLBACK_VERSION must look like 1.0, got "${callbackVersion}"`);
  const hubName = value('MIZANI_HUB_NAME');
  if (hubName.length < 1 || hubName.length > 32) throw new ConfigError('MIZANI_HUB_NAME must be 1..32 characters');
  const databaseUrl = databaseUrlSetting(readers);
  return {
    profile,
    mtls,
    tls: tlsFiles.cert && tlsFiles.key && tlsFiles.ca ? { cert: tlsFiles.cert, key: tlsFiles.key, ca: tlsFiles.ca, crl: tlsFiles.crl || undefined } : undefined,
    jwsVerify: onOff('MIZANI_JWS_VERIFY', production),
    jwsSigningKey,
    jwsSignWorkers: int('MIZANI_JWS_SIGN_WORKERS', 0, 16),
    xmlSigning: xmlCert ? { cert: xmlCert, key: xmlKey } : undefined,
    xmlVerify: onOff('MIZANI_XML_VERIFY', production),
    bankPaymentExpiryMs: int('MIZANI_BANK_PAYMENT_EXPIRY_S', 1, 86_400) * 1000,
    bankQuoteExpiryMs: int('MIZANI_BANK_QUOTE_EXPIRY_S', 1, 86_400) * 1000,
    dateWindowMs: int('MIZANI_DATE_WINDOW_S', 0, 86_400) * 1000,
    ilpCheck: onOff('MIZANI_ILP_CHECK', true),
    databaseUrl: databaseUrl || undefined,
    dataDir: value('MIZANI_DATA_DIR'),
    dbPoolSize: int('MIZANI_DB_POOL_SIZE', 1, 200),
    dbPrimaryWaitMs: int('MIZANI_DB_PRIMARY_WAIT_S', 0, 86_400) * 1000,
    dbConnectTimeoutMs: int('MIZANI_DB_CONNECT_TIMEOUT_MS', 100, 600_000),
    host: value('MIZANI_HOST'),
    fspiopPort: int('MIZANI_FSPIOP_PORT', 0, 65535),
    adminPort: int('MIZANI_ADMIN_PORT', 0, 65535),
    hubName,
    callbackVersion,
    sendTransferConfirmationToPayee: bool('MIZANI_SEND_TRANSFER_CONFIRMATION_TO_PAYEE'),
    onUsTransfers: bool('MIZANI_ON_US_TRANSFERS'),
    expirySweepMs: int('MIZANI_EXPIRY_SWEEP_MS', 10, 3_600_000),
    callbackRetries: int('MIZANI_CALLBACK_RETRIES', 0, 20),
    callbackTimeoutMs: int('MIZANI_CALLBACK_TIMEOUT_MS', 10, 600_000),
    callbackConnections: int('MIZANI_CALLBACK_CONNECTIONS', 1, 1024),
    oracleCacheMs: int('MIZANI_ORACLE_CACHE_MS', 0, 86_400_000),
    oracleTimeoutMs: int('MIZANI_ORACLE_TIMEOUT_MS', 10, 600_000),
    proxyDiscoveryTimeoutMs: int('MIZANI_PROXY_DISCOVERY_TIMEOUT_MS', 100, 600_000),
    proxyExpiryGraceMs: int('MIZANI_PROXY_EXPIRY_GRACE_MS', 0, 3_600_000),
    maxBodyBytes: int('MIZANI_MAX_BODY_BYTES', 1024, 100 * 1024 * 1024),
    xmlLimits: { maxBytes: int('MIZANI_XML_MAX_BYTES', 1024, 100 * 1024 * 1024), maxElements: int('MIZANI_XML_MAX_ELEMENTS', 100, 10_000_000) },
    batchMax: int('MIZANI_BATCH_MAX', 1, 100_000),
    groupCommitQueueWritesMax: int('MIZANI_GROUP_COMMIT_QUEUE_WRITES_MAX', 1, 10_000_000),
    transfersInFlightMax: int('MIZANI_TRANSFERS_IN_FLIGHT_MAX', 1, 100_000_000),
    ledgerAssertions: oneOf('MIZANI_LEDGER_ASSERTIONS', ['hot', 'all'] as const),
    intradayReportIntervalMs: int('MIZANI_INTRADAY_REPORT_INTERVAL_S', 0, 86_400) * 1000,
    windowCloseIntervalMs: int('MIZANI_SETTLEMENT_WINDOW_CLOSE_INTERVAL_S', 0, 7 * 86_400) * 1000,
    bus: busSettings(readers),
    busy: {
      loopUtilisation: fraction('MIZANI_BUSY_LOOP_UTILISATION'),
      loopLagMs: int('MIZANI_BUSY_LOOP_LAG_MS', 0, 600_000),
      ledgerQueueMs: int('MIZANI_BUSY_LEDGER_WAIT_MS', 0, 600_000),
      openRequests: int('MIZANI_BUSY_OPEN_REQUESTS', 0, 10_000_000),
      followUpTasks: int('MIZANI_FOLLOW_UP_TASKS_MAX', 0, 10_000_000),
      callbacksPending: int('MIZANI_CALLBACKS_PENDING_MAX', 0, 10_000_000),
    },
    audit: {
      signingKey: value('MIZANI_AUDIT_SIGNING_KEY') || jwsSigningKey,
      checkpointEntries: int('MIZANI_AUDIT_CHECKPOINT_ENTRIES', 1, 10_000_000),
      checkpointMs: int('MIZANI_AUDIT_CHECKPOINT_S', 1, 86_400) * 1000,
      drainMs: int('MIZANI_AUDIT_DRAIN_MS', 10, 600_000),
    },
    logLevel: value('MIZANI_LOG_LEVEL'),
    adminAuth: adminAuthSettings(readers, production),
    tracing: tracingSettings(readers),
  };
}

function tracingSettings({ value, fraction, oneOf }: Readers): Config['tracing'] {
  const endpoint = value('MIZANI_TRACING_ENDPOINT');
  if (endpoint && !/^https?:\/\/[^\s]+$/.test(endpoint)) throw new ConfigError(`MIZANI_TRACING_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
  return { mode: oneOf('MIZANI_TRACING', ['off', 'otlp'] as const), endpoint, sampleRatio: fraction('MIZANI_TRACING_SAMPLE_RATIO') };
}

/**
 * The configuration a CLI command runs with; when a setting is invalid, its reason is printed on `err` and the result is
 * undefined (the command exits 2).
 */
export function commandConfig(err: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Config | undefined {
  try {
    return loadConfig(env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`mizani: ${e.message}`);
    return undefined;
  }
}

/** What the database layer (ledger/db.ts `openDb`) takes from the configuration, the pool size aside. */
export function databaseOptions(config: Config): { url?: string; dataDir: string; primaryWaitMs: number; connectTimeoutMs: number } {
  return { url: config.databaseUrl, dataDir: config.dataDir, primaryWaitMs: config.dbPrimaryWaitMs, connectTimeoutMs: config.dbConnectTimeoutMs };
}
