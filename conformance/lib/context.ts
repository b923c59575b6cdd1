// Shared state of one suite run: hub/admin clients, simulated DFSPs, transfer builders and wait/assert helpers.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ulid } from 'ulidx';
import type { KeyObject } from 'node:crypto';
import { Agent } from 'undici';
import { addCurrency, AdminClient, provisionDfsp, type IsoIdentifiers } from './admin.js';
import { assertErrorInformation, assertHubMessage, type ErrorExpectation } from './checks.js';
import { decimalEquals } from './decimal.js';
import { BankSimulator, type BankPaymentBehaviour } from './bank.js';
import { DfspSimulator, type DfspSimulatorOptions, type PayeeBehaviour, type ReceivedSignature, type RecordedRequest, type SimDialect } from './dfsp.js';
import { appHdrXml, describeInstitution, envelopeXml, newMsgId, pacs028Xml, type Institution, type XmlProfile } from './isoxml.js';
import { selfSignedRsaCertificate } from './x509.js';
import { encodeBody, FspiopClient, imfDate, resourceOf, type FspiopResponse, type RequestSecurity, type SendOptions } from './http.js';
import { buildIlpPacket, generateFulfilment, toMinorUnitsTruncated, transactionObject, type TransactionObject } from './ilp.js';
import { createTestSigner, verifySignature, type JwsAlg, type TestSigner } from './jws.js';
import {
  checkSecurityOptions,
  hubKeyFrom,
  JwsKeyring,
  securityFeatures,
  TlsIdentities,
  type Credentials,
  type KeyEntry,
  type SecurityFeature,
  type SecurityOptions,
} from './secure.js';
import { closedPortUrl, pollUntil, randomDigits, randomName, show, sortedStringify } from './util.js';

export interface SuiteOptions {
  /** FSPIOP base URL of the hub, e.g. http://127.0.0.1:3000 */
  hubUrl: string;
  /** Ledger admin base URL, e.g. http://127.0.0.1:3001 */
  adminUrl: string;
  /** Bearer token for the admin API, when the hub asks for one. */
  adminToken?: string;
  /** A second user's token, approving at once what the hub's maker-checker makes a proposal of. */
  adminCheckerToken?: string;
  /** Hub participant name (FSPIOP-Source of hub-authored messages). Default `Hub`. */
  hubName?: string;
  /** Max wait for any single expected callback. Default 20000 ms. */
  timeoutMs?: number;
  /** Only scenarios whose name matches. */
  grep?: string | RegExp;
  /** Scenarios run at once. Default 4. */
  concurrency?: number;
  /** Content-Type version the hub uses on messages it authors; 'any' to skip. Default '1.0' (docs/transfers.md). */
  callbackVersion?: string;
  /** Address simulators bind to. Default 127.0.0.1. */
  bindHost?: string;
  /** Host name registered in callback URLs. Default = bindHost. */
  advertisedHost?: string;
  /** Currency of the provisioned DFSPs. Default USD. */
  currency?: string;
  /** A currency no simulated DFSP holds. Default EUR (XTS when currency is EUR). */
  foreignCurrency?: string;
  /** Sign prepares in the signature pass-through checks with a throw-away RS256 key. Default true. */
  sign?: boolean;
  /** How long a position may take to show a change already acknowledged. Default 2000 ms. */
  positionSettleMs?: number;
  /** Net debit cap of provisioned DFSPs. Default 1000000. */
  ndc?: string;
  /** Funds in of provisioned DFSPs. Default 10000000. */
  fundsIn?: string;
  /**
   * A secured hub (security.md §1, §3): mutual TLS with per-DFSP certificates, every message signed with a
   * per-DFSP key registered through the Admin API, hub signatures checked. See SecurityOptions.
   */
  security?: SecurityOptions;
  /** Dialect scenarios (docs/iso20022.md): the hub's XML-signing certificate, bank certificates. See DialectOptions. */
  dialects?: DialectOptions;
}

/** What the dialect scenarios (scenarios/dialects.ts) may be told about the hub and the banks. */
export interface DialectOptions {
  /**
   * The hub's XML-signing certificate (PEM, MIZANI_XML_SIGNING_CERT): every XML message the hub sends a bank (callbacks
   * and admi.002 answers) must carry a valid signature by it. Without it the banks do not check signatures.
   */
  hubXmlCertificate?: string;
  /**
   * Whether the hub refuses unsigned or badly signed bank messages (MIZANI_XML_VERIFY). Default: probed once with an
   * unsigned message (DS0A → it verifies). The signature refusal scenarios are skipped when it does not.
   */
  hubVerifiesXml?: boolean;
  /** XML-signing certificate and key (RSA ≥ 2048) of a bank. Default: a self-signed one made by the suite. */
  bankXmlCredentials?: (name: string) => Credentials | Promise<Credentials>;
  /** Message versions of the simulated banks (`iso-2019`: pacs.008.001.08 …, `iso-2026`: pacs.008.001.14 …). */
  xmlProfile?: XmlProfile;
}

export interface ResolvedOptions extends Required<Omit<SuiteOptions, 'grep' | 'security' | 'dialects' | 'adminToken' | 'adminCheckerToken'>> {
  grep?: RegExp;
  adminToken?: string;
  adminCheckerToken?: string;
  security?: SecurityOptions;
  dialects: DialectOptions;
}

export function resolveOptions(o: SuiteOptions): ResolvedOptions {
  const currency = o.currency ?? 'USD';
  const bindHost = o.bindHost ?? '127.0.0.1';
  return {
    hubUrl: o.hubUrl,
    adminUrl: o.adminUrl,
    adminToken: o.adminToken,
    adminCheckerToken: o.adminCheckerToken,
    hubName: o.hubName ?? 'Hub',
    timeoutMs: o.timeoutMs ?? 20_000,
    grep: o.grep === undefined ? undefined : o.grep instanceof RegExp ? o.grep : new RegExp(o.grep),
    concurrency: Math.max(1, o.concurrency ?? 4),
    callbackVersion: o.callbackVersion ?? '1.0',
    bindHost,
    advertisedHost: o.advertisedHost ?? bindHost,
    currency,
    foreignCurrency: o.foreignCurrency ?? (currency === 'EUR' ? 'XTS' : 'EUR'),
    sign: o.sign ?? true,
    positionSettleMs: o.positionSettleMs ?? 2000,
    ndc: o.ndc ?? '1000000',
    fundsIn: o.fundsIn ?? '10000000',
    security: o.security,
    dialects: o.dialects ?? {},
  };
}

export interface Transfer {
  transferId: string;
  payerFsp: string;
  payeeFsp: string;
  amount: string;
  currency: string;
  expiration: string;
  fulfilment: string;
  condition: string;
  ilpPacket: string;
  /** The POST /transfers body (key order as sent). */
  body: Record<string, unknown>;
}

export interface NewTransferOptions {
  payer: DfspSimulator | string;
  payee: DfspSimulator | string;
  amount?: string;
  currency?: string;
  idKind?: 'uuid' | 'ulid';
  /** Expiration = now + this. Default 60 s. */
  expiresInMs?: number;
  /** Register the fulfilment so payee simulators can fulfil. Default true. */
  register?: boolean;
  /** Changes the transaction object before it is packed into the ILP packet (e.g. the parties' extensions). */
  editTransaction?: (transaction: TransactionObject) => void;
}

export type CallbackType = 'put' | 'error' | 'patch';

export interface SendPrepareOptions {
  version?: string;
  source?: string | null;
  destination?: string | null;
  headers?: Record<string, string | null | undefined>;
  /** Raw body to send instead of the transfer's body. */
  raw?: string | Buffer;
  /** Serialise with 2-space indentation (a legal, non-canonical byte form the hub must forward as is). */
  pretty?: boolean;
  /** Add an RS256 FSPIOP-Signature (if enabled in the options). */
  sign?: boolean;
  /** TLS identity (secured hub); default the source, or the payer when the source is omitted. */
  identity?: string | null;
  /** Dispatcher override (secured hub: e.g. a certificate of another CA). */
  dispatcher?: SendOptions['dispatcher'];
}

export interface NewDfspOptions {
  prefix?: string;
  /** The participant name itself (default: `prefix` and random letters). */
  name?: string;
  currency?: string;
  ndc?: string;
  fundsIn?: string;
  /** Register callback endpoints. Default true. */
  endpoints?: boolean;
  /** Base URL registered instead of the simulator's own (e.g. a closed port for "unreachable" cases). */
  callbackBase?: string;
  /** FSPIOP version the simulator speaks (Content-Type of everything it sends). */
  version?: string;
  /** Dialect registered with the hub (`POST /participants {dialect}`); default: none sent (the hub's fspiop/1.1). */
  dialect?: SimDialect;
  /** Secret of the ILP fulfilments of its quotes (default: random); a fixed one makes its terms reproducible. */
  ilpSecret?: string;
}

export interface NewBankOptions {
  prefix?: string;
  /** The participant name itself (default: `prefix` and random letters). */
  name?: string;
  currency?: string;
  ndc?: string;
  fundsIn?: string;
  profile?: XmlProfile;
  /** Answer to the pacs.008 the hub sends it. Default accept (ACSC). */
  behaviour?: BankPaymentBehaviour;
  /** Sign what it sends (default true) and register its certificate (default true). */
  sign?: boolean;
  registerCertificate?: boolean;
  /** ISO identifiers to register (`PUT /participants/{name}/isoIdentifiers`); the bank then names itself by them. */
  isoIdentifiers?: IsoIdentifiers;
  /** How the bank names itself, when not as the hub addresses it (BIC, else first clearing id, else FSP id). */
  identity?: Institution;
}

/** How the hub addresses a participant with these identifiers (docs/iso20022.md): BIC, else first clearing id. */
export function registeredIdentity(name: string, ids: IsoIdentifiers | undefined): Institution {
  if (ids?.bicfi !== undefined) return { bicfi: ids.bicfi };
  const first = ids?.clearingSystemMemberIds?.[0];
  return first ? { clearingSystemId: first.clearingSystemId, memberId: first.memberId } : name;
}

/** Resources whose hub-authored callbacks the final audit checks against fspiop.md §14. */
const AUDITED_RESOURCES = ['transfers', 'parties', 'participants', 'quotes', 'bulkQuotes', 'transactionRequests', 'authorizations', 'fxTransfers'];

/** Resources without an ISO 20022 JSON definition: ISO JSON participants get them in plain FSPIOP 2.0 (contract iso20022-mapping.md §1). */
const FSPIOP_ONLY_RESOURCES = ['bulkQuotes', 'bulkTransfers', 'transactionRequests', 'authorizations'];

export const nameOf = (x: DfspSimulator | string): string => (typeof x === 'string' ? x : x.name);

export class SuiteContext {
  readonly opts: ResolvedOptions;
  readonly hub: FspiopClient;
  readonly admin: AdminClient;
  /** transferId → fulfilment: what the payer side created, the payee simulators read. */
  readonly fulfilments = new Map<string, string>();
  readonly signer?: TestSigner;
  /** What the secured run offers (empty for a plain hub). */
  readonly features: ReadonlySet<SecurityFeature>;
  /** Secured run with mutual TLS: the DFSP certificates and their agents. */
  readonly tls?: TlsIdentities;
  /** Secured run with JWS: every DFSP's keys. */
  readonly keyring?: JwsKeyring;
  /** The hub's JWS public key. */
  readonly hubKey?: KeyObject;
  private readonly agent: Agent;
  private readonly sims: DfspSimulator[] = [];
  /** Every simulated bank of the run. */
  readonly banks: BankSimulator[] = [];

  /** Every simulated DFSP of the run. */
  get simulators(): readonly DfspSimulator[] {
    return this.sims;
  }
  private readonly memo = new Map<string, Promise<unknown>>();
  private defaultIdentity?: string;

  constructor(options: SuiteOptions) {
    this.opts = resolveOptions(options);
    const sec = this.opts.security;
    if (sec) checkSecurityOptions(sec);
    this.features = securityFeatures(sec);
    this.agent = new Agent({ keepAliveTimeout: 10_000, connections: 128 });
    const requestSecurity: RequestSecurity = {};
    if (sec?.ca) {
      const tls = new TlsIdentities(sec.ca, sec, [this.opts.hubName]);
      this.tls = tls;
      requestSecurity.dispatcher = (identity) => tls.dispatcher(identity);
      requestSecurity.defaultIdentity = () => this.defaultIdentity;
    }
    if (sec?.sign) {
      const keyring = new JwsKeyring(sec.jwsAlg ?? 'mixed');
      this.keyring = keyring;
      requestSecurity.sign = (signer, m) => keyring.sign(signer, m);
    }
    this.hubKey = hubKeyFrom(sec?.hubPublicKey);
    this.hub = new FspiopClient(this.opts.hubUrl, { dispatcher: this.agent, timeoutMs: this.opts.timeoutMs, security: requestSecurity });
    this.admin = new AdminClient(this.opts.adminUrl, {
      dispatcher: this.agent,
      timeoutMs: this.opts.timeoutMs,
      token: this.opts.adminToken,
      checkerToken: this.opts.adminCheckerToken,
    });
    if (this.keyring) this.signer = this.keyring.testSigner(() => this.defaultIdentity ?? '');
    else if (this.opts.sign) this.signer = createTestSigner();
  }

  /** Whether the run offers every listed security feature. */
  has(...features: SecurityFeature[]): boolean {
    return features.every((f) => this.features.has(f));
  }

  /**
   * A name for a new participant or for an unknown source: random (`prefix` + letters), or, with a certificate
   * directory, the next name that has a certificate and is unknown to the hub.
   */
  async newName(prefix: string): Promise<string> {
    if (!this.tls) return randomName(prefix);
    return this.tls.allocate(prefix, async (name) => {
      const r = await this.admin.call('GET', `/participants/${encodeURIComponent(name)}`);
      return r.status === 404 || (r.status === 400 && r.body?.errorInformation?.errorCode === '3200'); // admin.md §1: unknown → 400/3200
    });
  }

  /** `http(s)://host:port` of a closed port (https when the hub calls back over mutual TLS). */
  async closedPortUrl(): Promise<string> {
    const url = await closedPortUrl(this.opts.bindHost, this.opts.advertisedHost);
    return this.tls ? url.replace(/^http:/, 'https:') : url;
  }

  /**
   * Registers a fresh JWS key of `name` through the Admin API and (unless `use: false`) signs with it from now on.
   */
  async registerJwsKey(name: string, o: { alg?: JwsAlg; kid?: string; use?: boolean } = {}): Promise<KeyEntry> {
    if (!this.keyring) throw new Error('registerJwsKey: the run does not sign (security.sign)');
    const entry = await this.keyring.create(name, { ...o, use: false });
    const r = await this.admin.addJwsKey(name, entry.publicKeyPem, entry.kid);
    assert.equal(r.status, 201, `POST /participants/${name}/jwsKeys (${entry.alg}, kid ${entry.kid}): expected 201, got ${r.status} ${show(r.rawBody)}`);
    assert.equal(r.body?.kid, entry.kid, `POST /participants/${name}/jwsKeys: kid in the answer; body ${show(r.rawBody)}`);
    entry.registered = true;
    if (o.use !== false) this.keyring.use(name, entry);
    return entry;
  }

  /** Signature check of a message a simulator received (hub key for hub-authored messages, sender's keys otherwise). */
  private async verifyReceived(rec: RecordedRequest): Promise<ReceivedSignature | undefined> {
    if (rec.method === 'GET' || rec.method === 'DELETE') return undefined;
    const source = rec.headers['fspiop-source'] ?? '';
    if (source === this.hubName) {
      if (!this.hubKey) return undefined;
      const r = await verifySignature(rec.method, rec.headers, rec.rawBody, [this.hubKey]);
      if (!r.ok) return { ok: false, signer: this.hubName, detail: r.reason };
      if (rec.body === undefined || sortedStringify(rec.body) !== rec.bodyText) {
        return { ok: false, signer: this.hubName, detail: 'signed body is not sorted-key compact JSON (security.md §1.3: SDK verifiers re-serialise)' };
      }
      return { ok: true, signer: this.hubName, detail: r.alg };
    }
    if (!this.keyring) return undefined;
    const r = await verifySignature(rec.method, rec.headers, rec.rawBody, this.keyring.publicKeys(source));
    return r.ok ? { ok: true, signer: source, detail: r.alg } : { ok: false, signer: source || '(no source)', detail: r.reason };
  }

  /** Default wait for one expected message. */
  get T(): number {
    return this.opts.timeoutMs;
  }

  get hubName(): string {
    return this.opts.hubName;
  }

  get currency(): string {
    return this.opts.currency;
  }

  /** Run `fn` once per key for the whole suite (shared fixtures). */
  once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      this.memo.set(key, p);
    }
    return p;
  }

  // ---- simulated DFSPs -----------------------------------------------------------------------------------------

  /** Start a simulator (no provisioning). `extra`: version, ILP secret, party/quote defaults (see DfspSimulatorOptions). */
  async startSimulator(
    name: string,
    defaultBehaviour?: PayeeBehaviour,
    extra: Omit<DfspSimulatorOptions, 'name' | 'hub' | 'fulfilments' | 'host' | 'advertisedHost' | 'defaultBehaviour'> = {},
  ): Promise<DfspSimulator> {
    let tls: DfspSimulatorOptions['tls'];
    if (this.tls) {
      const c = await this.tls.credentials(name);
      tls = { cert: c.cert, key: c.key, ca: this.tls.ca };
    }
    const verifying = this.keyring !== undefined || this.hubKey !== undefined;
    const sim = new DfspSimulator({
      ...extra,
      ...(tls ? { tls } : {}),
      ...(verifying ? { verify: (rec: RecordedRequest) => this.verifyReceived(rec) } : {}),
      name,
      hub: this.hub,
      fulfilments: this.fulfilments,
      host: this.opts.bindHost,
      advertisedHost: this.opts.advertisedHost,
      defaultBehaviour,
    });
    await sim.start();
    this.sims.push(sim);
    return sim;
  }

  /** Start a simulator and provision it as a participant (accounts, NDC, funds in, callback endpoints). */
  async newDfsp(o: NewDfspOptions = {}): Promise<DfspSimulator> {
    const extra: Omit<DfspSimulatorOptions, 'name' | 'hub' | 'fulfilments' | 'host' | 'advertisedHost' | 'defaultBehaviour'> = {};
    if (o.version !== undefined) extra.version = o.version;
    if (o.dialect !== undefined) extra.dialect = o.dialect;
    if (o.ilpSecret !== undefined) extra.ilpSecret = o.ilpSecret;
    const sim = await this.startSimulator(o.name ?? (await this.newName(o.prefix ?? 'pay')), undefined, extra);
    await provisionDfsp(
      this.admin,
      {
        name: sim.name,
        currency: o.currency ?? this.currency,
        ndc: o.ndc ?? this.opts.ndc,
        fundsIn: o.fundsIn ?? this.opts.fundsIn,
        callbackBase: o.endpoints === false ? undefined : (o.callbackBase ?? sim.baseUrl),
        ...(o.dialect !== undefined ? { dialect: o.dialect } : {}),
      },
      { hubName: this.hubName, timeoutMs: this.T },
    );
    if (this.keyring) await this.registerJwsKey(sim.name);
    this.defaultIdentity ??= sim.name;
    return sim;
  }

  /** XML-signing credentials of a bank: the caller's hook, else a fresh self-signed RSA certificate. */
  private async bankXmlCredentials(name: string): Promise<Credentials> {
    const hook = this.opts.dialects.bankXmlCredentials;
    if (hook) return hook(name);
    const c = await selfSignedRsaCertificate({ commonName: name });
    return { cert: c.cert, key: c.key };
  }

  /**
   * A simulated bank (docs/iso20022.md), provisioned as a participant with dialect `iso20022-xml`: accounts, NDC,
   * funds in, its `ISO20022_CALLBACK_URL`, its XML-signing certificate (`POST /participants/{name}/xmlCertificates`)
   * and, for the iso-2026 profile, `PUT /participants/{name} {xmlProfile}`. Secured runs: TLS like the DFSPs.
   */
  async newBank(o: NewBankOptions = {}): Promise<BankSimulator> {
    const name = o.name ?? (await this.newName(o.prefix ?? 'bank'));
    const currency = o.currency ?? this.currency;
    const profile = o.profile ?? this.opts.dialects.xmlProfile ?? 'iso-2019';
    const signing = await this.bankXmlCredentials(name);
    let tls: { cert: string; key: string; ca: string } | undefined;
    let dispatcher;
    if (this.tls) {
      const c = await this.tls.credentials(name);
      tls = { cert: c.cert, key: c.key, ca: this.tls.ca };
      dispatcher = await this.tls.dispatcher(name);
    }
    const bank = new BankSimulator({
      name,
      identity: o.identity ?? registeredIdentity(name, o.isoIdentifiers),
      hubUrl: this.opts.hubUrl,
      hubName: this.hubName,
      currency,
      profile,
      ...(o.sign === false ? {} : { signing: { privateKey: signing.key, cert: signing.cert } }),
      ...(this.opts.dialects.hubXmlCertificate ? { hubCertificate: this.opts.dialects.hubXmlCertificate } : {}),
      ...(dispatcher ? { dispatcher: dispatcher as import('undici').Dispatcher } : {}),
      ...(tls ? { tls } : {}),
      host: this.opts.bindHost,
      advertisedHost: this.opts.advertisedHost,
      timeoutMs: this.T,
      ...(o.behaviour ? { defaultPaymentBehaviour: o.behaviour } : {}),
    });
    await bank.start();
    this.banks.push(bank);
    await provisionDfsp(
      this.admin,
      {
        name,
        currency,
        ndc: o.ndc ?? this.opts.ndc,
        fundsIn: o.fundsIn ?? this.opts.fundsIn,
        dialect: 'iso20022-xml',
        endpoints: [{ type: 'ISO20022_CALLBACK_URL', value: bank.callbackUrl }],
      },
      { hubName: this.hubName, timeoutMs: this.T },
    );
    if (profile !== 'iso-2019') await this.admin.setParticipantDialect(name, { xmlProfile: profile });
    if (o.isoIdentifiers) {
      const r = await this.admin.setIsoIdentifiers(name, o.isoIdentifiers);
      assert.equal(r.status, 200, `PUT /participants/${name}/isoIdentifiers: expected 200, got ${r.status} ${show(r.rawBody)}`);
    }
    if (o.registerCertificate !== false) {
      const r = await this.admin.addXmlCertificate(name, signing.cert);
      assert.ok(r.status === 201 || r.status === 200, `POST /participants/${name}/xmlCertificates: expected 201, got ${r.status} ${show(r.rawBody)}`);
    }
    if (this.keyring) await this.registerJwsKey(name);
    return bank;
  }

  /** The XML-signing certificate a bank uses (for negative tests: e.g. registering it elsewhere). */
  async xmlCredentialsFor(name: string): Promise<Credentials> {
    return this.bankXmlCredentials(name);
  }

  /**
   * Whether the hub refuses unsigned bank messages: the option, else probed once with an unsigned pacs.028 from an
   * unknown sender (a verifying hub answers admi.002 DS0A before it looks at the sender).
   */
  hubVerifiesXml(): Promise<boolean> {
    const given = this.opts.dialects.hubVerifiesXml;
    if (given !== undefined) return Promise.resolve(given);
    return this.once('probe: hub verifies XML signatures', async () => {
      const name = randomName('probe');
      const dispatcher = this.tls ? ((await this.tls.dispatcher(this.defaultIdentity)) as import('undici').Dispatcher) : undefined;
      const probe = new BankSimulator({
        name,
        hubUrl: this.opts.hubUrl,
        hubName: this.hubName,
        currency: this.currency,
        timeoutMs: this.T,
        ...(dispatcher ? { dispatcher } : {}),
      });
      try {
        const text = envelopeXml(
          appHdrXml({ from: name, to: this.hubName, bizMsgIdr: newMsgId('P'), msgDefIdr: 'pacs.028.001.03' }),
          pacs028Xml({ originalTxId: newMsgId('T') }),
        );
        const r = await probe.send('', { raw: text });
        return r.reject?.reason === 'DS0A';
      } finally {
        await probe.stop();
      }
    });
  }

  /** Give an existing participant an account in a further currency (no funds in unless given). */
  async addCurrency(sim: DfspSimulator | string, currency: string, fundsIn = '0'): Promise<void> {
    await addCurrency(this.admin, nameOf(sim), currency, { hubName: this.hubName, ndc: this.opts.ndc, fundsIn, timeoutMs: this.T });
  }

  /**
   * A dedicated payer/payee pair, for scenarios that assert positions (so concurrent scenarios cannot disturb them).
   * Versions: the FSPIOP version each simulator speaks (unset: 1.1, prepare answers mirror the prepare).
   */
  async newPair(o: { payerVersion?: string; payeeVersion?: string } = {}): Promise<{ payer: DfspSimulator; payee: DfspSimulator }> {
    const [payer, payee] = await Promise.all([
      this.newDfsp({ prefix: 'pay', version: o.payerVersion }),
      this.newDfsp({ prefix: 'pay', version: o.payeeVersion }),
    ]);
    return { payer, payee };
  }

  /** A fresh party identifier (MSISDN-like, 12 digits) unique enough across runs on one hub. */
  newPartyId(prefix = '2'): string {
    return prefix + randomDigits(12 - prefix.length);
  }

  /** The suite-wide payer/payee pair (no position assertions on these). */
  shared(): Promise<{ payer: DfspSimulator; payee: DfspSimulator }> {
    return this.once('shared-pair', () => this.newPair());
  }

  /** A third provisioned participant, neither payer nor payee of the shared transfers. */
  observer(): Promise<DfspSimulator> {
    return this.once('observer', () => this.newDfsp({ prefix: 'obs' }));
  }

  /**
   * Re-check the §14 list on every hub-authored message any simulator received (including ones no scenario
   * waited for, e.g. a second 3303). Returns one line per violation.
   */
  auditHubMessages(max = 20): string[] {
    const problems: string[] = [];
    for (const sim of this.sims) {
      for (const rec of sim.requests) {
        const resource = resourceOf(rec.path);
        if (rec.headers['fspiop-source'] !== this.hubName || !AUDITED_RESOURCES.includes(resource)) continue;
        // POST: the hub's own requests in translated and bridged flows (docs/iso20022.md: quotes and transfers; docs/fx.md
        // "Banks": the conversion quote and the conversion the hub asks of an FXP for a paying bank).
        const allowed =
          rec.method === 'PUT' ||
          (rec.method === 'PATCH' && (resource === 'transfers' || resource === 'fxTransfers')) ||
          (rec.method === 'POST' && ['quotes', 'transfers', 'transactionRequests', 'fxQuotes', 'fxTransfers'].includes(resource));
        if (!allowed) {
          problems.push(
            `${sim.name}: hub-authored ${rec.method} ${rec.path} (only PUT${resource === 'transfers' ? '/PATCH' : ''}, or POST of quotes and transfers, expected)`,
          );
          continue;
        }
        try {
          assertHubMessage(rec, {
            hubName: this.hubName,
            destination: sim.name,
            method: rec.method as 'PUT' | 'PATCH' | 'POST',
            uri: rec.path.split('?')[0]!,
            resource,
            ...this.hubFormatFor(sim, resource),
          });
        } catch (err) {
          problems.push(err instanceof Error ? err.message.split('\n')[0]! : String(err));
        }
        if (problems.length >= max) return problems;
      }
    }
    return problems;
  }

  /**
   * Media type family and version the hub uses on messages it authors for `sim` (by its registered dialect), about
   * `resource` (a resource without an ISO definition reaches an ISO JSON participant as FSPIOP 2.0).
   */
  hubFormatFor(sim: DfspSimulator, resource?: string): { iso: boolean; callbackVersion: string } {
    if (sim.dialect === 'iso20022-json/2.0' && resource !== undefined && FSPIOP_ONLY_RESOURCES.includes(resource))
      return { iso: false, callbackVersion: '2.0' };
    // FX resources exist in v2.0 only (fspiop.md §2): whatever the FSPIOP participant's registered version.
    if (resource === 'fxTransfers' && sim.dialect !== 'iso20022-json/2.0') return { iso: false, callbackVersion: '2.0' };
    switch (sim.dialect) {
      case 'fspiop/2.0':
        return { iso: false, callbackVersion: '2.0' };
      case 'iso20022-json/2.0':
        return { iso: true, callbackVersion: '2.0' };
      default:
        return { iso: false, callbackVersion: this.opts.callbackVersion };
    }
  }

  /**
   * Media type family and version of hub-authored transactionRequests and authorizations messages for `sim`: plain
   * FSPIOP in every dialect (an ISO 20022 JSON participant gets version 2.0).
   */
  fspiopFormatFor(sim: DfspSimulator): { iso: false; callbackVersion: string } {
    return { iso: false, callbackVersion: this.hubFormatFor(sim).callbackVersion };
  }

  /** How the hub names itself in AppHdr/Fr (the suite registers no ISO identifiers for the hub: its FSP id). */
  get hubDescribed(): string {
    return describeInstitution(this.hubName);
  }

  /**
   * Every XML message the hub sent a bank (callbacks) or answered it with (admi.002): a well-formed envelope from the
   * hub (`AppHdr/Fr`) to that bank (`AppHdr/To`), signed by the hub's XML certificate when the run knows it.
   */
  auditBankMessages(max = 20): { problems: string[]; checked: number; signed: number } {
    const problems: string[] = [];
    let checked = 0;
    let signed = 0;
    for (const bank of this.banks) {
      for (const m of bank.received) {
        checked++;
        const where = `${bank.name} received #${m.seq} ${m.kind ?? '(unparsed)'}`;
        if (m.parseError) problems.push(`${where}: not a business message envelope: ${m.parseError}`);
        else {
          if (m.from !== this.hubDescribed) problems.push(`${where}: AppHdr/Fr is ${m.from}, not the hub ${this.hubDescribed}`);
          if (m.to !== bank.described) problems.push(`${where}: AppHdr/To is ${m.to}, not the bank as it registered (${bank.described})`);
          if (m.msgDefIdr !== m.version) problems.push(`${where}: AppHdr/MsgDefIdr ${m.msgDefIdr} does not name the Document ${m.version}`);
          if (!/^application\/xml\b/.test(m.headers['content-type'] ?? '')) problems.push(`${where}: content-type ${m.headers['content-type']}`);
          if (m.signature) {
            if (m.signature.ok) signed++;
            else problems.push(`${where}: hub XML signature: ${m.signature.detail}`);
          }
        }
        if (problems.length >= max) return { problems, checked, signed };
      }
      for (const r of bank.sent) {
        if (!r.reject) continue;
        checked++;
        if (r.reject.signature) {
          if (r.reject.signature.ok) signed++;
          else problems.push(`${bank.name}: admi.002 answering ${r.bizMsgIdr}: hub XML signature: ${r.reject.signature.detail}`);
        }
        if (r.reject.from !== this.hubDescribed) problems.push(`${bank.name}: admi.002 answering ${r.bizMsgIdr}: AppHdr/Fr is ${r.reject.from}, not the hub`);
      }
    }
    return { problems, checked, signed };
  }

  /** Every received message whose signature check failed (secured runs). */
  auditSignatures(max = 20): string[] {
    const problems: string[] = [];
    for (const sim of this.sims) {
      for (const rec of sim.requests) {
        if (rec.signature && !rec.signature.ok) {
          problems.push(
            `${sim.name} received ${rec.method} ${rec.path} from ${rec.headers['fspiop-source'] ?? '?'}: signature (${rec.signature.signer} key) ${rec.signature.detail}`,
          );
          if (problems.length >= max) return problems;
        }
      }
    }
    return problems;
  }

  /** How many received messages had their signature checked (secured runs). */
  checkedSignatures(): { hub: number; forwarded: number } {
    let hub = 0;
    let forwarded = 0;
    for (const sim of this.sims) {
      for (const rec of sim.requests) {
        if (!rec.signature?.ok) continue;
        if (rec.signature.signer === this.hubName) hub++;
        else forwarded++;
      }
    }
    return { hub, forwarded };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.sims.map((s) => s.stop()), ...this.banks.map((b) => b.stop())]);
    await this.agent.close().catch(() => undefined);
    await this.tls?.close();
  }

  // ---- transfers -----------------------------------------------------------------------------------------------

  newTransfer(o: NewTransferOptions): Transfer {
    const transferId = o.idKind === 'ulid' ? ulid() : randomUUID();
    const payerFsp = nameOf(o.payer);
    const payeeFsp = nameOf(o.payee);
    const amount = o.amount ?? '10';
    const currency = o.currency ?? this.currency;
    const expiration = new Date(Date.now() + (o.expiresInMs ?? 60_000)).toISOString();
    const { fulfilment, condition } = generateFulfilment();
    // Amounts with more decimals than the currency has are negative tests: the packet amount is then truncated.
    const minor = toMinorUnitsTruncated(amount, currency);
    const transaction = transactionObject({ quoteId: randomUUID(), transactionId: randomUUID(), payerFsp, payeeFsp, amount, currency, expiration });
    o.editTransaction?.(transaction);
    const ilpPacket = buildIlpPacket({ amount, currency, amountMinorUnits: minor, condition, expiresAt: expiration, transaction });
    if (o.register !== false) this.fulfilments.set(transferId, fulfilment);
    return {
      transferId,
      payerFsp,
      payeeFsp,
      amount,
      currency,
      expiration,
      fulfilment,
      condition,
      ilpPacket,
      body: {
        transferId,
        payerFsp,
        payeeFsp,
        amount: { amount, currency },
        ilpPacket,
        condition,
        expiration,
      },
    };
  }

  /** Send any FSPIOP request to the hub; `sign: true` adds an RS256 FSPIOP-Signature over the exact body bytes. */
  async send(o: SendOptions & { sign?: boolean }): Promise<FspiopResponse> {
    if (!o.sign || !this.signer || o.body === undefined) return this.hub.send(o);
    const bytes = encodeBody(o.body)!;
    const date = o.headers?.['date'] ?? o.headers?.['Date'] ?? imfDate();
    const sigHeaders = await this.signer.sign({
      method: o.method,
      uri: o.path,
      source: o.source ?? '',
      destination: o.destination,
      date: date ?? undefined,
      body: bytes,
    });
    return this.hub.send({ ...o, body: bytes, headers: { date, ...sigHeaders, ...(o.headers ?? {}) } });
  }

  /** POST /transfers for `t` from its payer (overridable). */
  sendPrepare(t: Transfer, o: SendPrepareOptions = {}): Promise<FspiopResponse> {
    const body = o.raw ?? (o.pretty ? JSON.stringify(t.body, null, 2) : JSON.stringify(t.body));
    return this.send({
      method: 'POST',
      path: '/transfers',
      version: o.version ?? '1.1',
      source: o.source === null ? undefined : (o.source ?? t.payerFsp),
      destination: o.destination === null ? undefined : (o.destination ?? t.payeeFsp),
      body,
      headers: o.headers,
      sign: o.sign,
      identity: o.identity !== undefined ? o.identity : o.source === null ? t.payerFsp : undefined,
      dispatcher: o.dispatcher,
    });
  }

  /** A PUT /transfers/{id}[/error] sent by `from` (normally the payee) to `to` (normally the payer). */
  sendTransferPut(
    t: Transfer,
    o: { from: string; to: string; body: object | string; error?: boolean; version?: string; headers?: Record<string, string | null | undefined> },
  ): Promise<FspiopResponse> {
    const path = `/transfers/${encodeURIComponent(t.transferId)}${o.error ? '/error' : ''}`;
    return this.send({
      method: 'PUT',
      path,
      version: o.version ?? '1.1',
      source: o.from,
      destination: o.to,
      body: o.body,
      headers: { 'fspiop-uri': path, 'fspiop-http-method': 'PUT', ...(o.headers ?? {}) },
    });
  }

  /** GET /transfers/{id} by `requester` (FSPIOP-Destination = hub name). */
  getTransfer(requester: string, transferId: string, version = '1.1'): Promise<FspiopResponse> {
    return this.send({
      method: 'GET',
      path: `/transfers/${encodeURIComponent(transferId)}`,
      version,
      source: requester,
      destination: this.hubName,
    });
  }

  // ---- waiting -------------------------------------------------------------------------------------------------

  /** Wait for a transfer callback at `sim`: `put` = PUT /transfers/{id}, `error` = PUT .../error, `patch` = PATCH. */
  waitTransferCallback(
    sim: DfspSimulator,
    transferId: string,
    o: { type: CallbackType; from?: string; since?: number; label?: string; timeoutMs?: number },
  ): Promise<RecordedRequest> {
    const base = `/transfers/${transferId}`;
    const method = o.type === 'patch' ? 'PATCH' : 'PUT';
    const path = o.type === 'error' ? `${base}/error` : base;
    const enc = o.type === 'error' ? `/transfers/${encodeURIComponent(transferId)}/error` : `/transfers/${encodeURIComponent(transferId)}`;
    return sim.waitFor(
      (r) => r.method === method && (r.path === path || r.path === enc) && (o.from === undefined || r.headers['fspiop-source'] === o.from),
      o.timeoutMs ?? this.T,
      {
        since: o.since,
        label: o.label ?? `${method} ${path}${o.from ? ` from ${o.from}` : ''}`,
        context: (r) => r.path.includes(transferId) || r.body?.transferId === transferId,
      },
    );
  }

  /** Wait for a hub-authored callback and check the §14 header list. */
  async expectHubCallback(
    sim: DfspSimulator,
    transferId: string,
    o: { type: CallbackType; since?: number; label?: string; timeoutMs?: number },
  ): Promise<RecordedRequest> {
    const rec = await this.waitTransferCallback(sim, transferId, { ...o, from: this.hubName });
    assertHubMessage(rec, {
      hubName: this.hubName,
      destination: sim.name,
      method: o.type === 'patch' ? 'PATCH' : 'PUT',
      uri: `/transfers/${transferId}${o.type === 'error' ? '/error' : ''}`,
      ...this.hubFormatFor(sim),
    });
    return rec;
  }

  /** The first hub error callback for `transferId` at `sim` (after `since`) must carry `code`. */
  async expectHubError(
    sim: DfspSimulator,
    transferId: string,
    code: string,
    o: ErrorExpectation & { since?: number; label?: string; timeoutMs?: number } = {},
  ): Promise<RecordedRequest> {
    const rec = await this.expectHubCallback(sim, transferId, {
      type: 'error',
      since: o.since,
      timeoutMs: o.timeoutMs,
      label: o.label ?? `PUT /transfers/${transferId}/error from ${this.hubName} (expecting ${code})`,
    });
    assertErrorInformation(rec.body, code, `error callback to ${sim.name} for ${transferId}`, o);
    return rec;
  }

  /** GET /transfers/{id} by `requester` and return the hub's PUT answer (checked against §14). */
  async queryTransfer(requester: DfspSimulator, transferId: string): Promise<RecordedRequest> {
    const since = requester.mark();
    const res = await this.getTransfer(requester.name, transferId);
    assert.equal(res.status, 202, `GET /transfers/${transferId} by ${requester.name}: expected 202, got ${res.status} ${show(res.rawBody)}`);
    const rec = await this.waitTransferCallback(requester, transferId, {
      type: 'put',
      from: this.hubName,
      since,
      label: `hub answer (PUT) to GET /transfers/${transferId}`,
    });
    assertHubMessage(rec, {
      hubName: this.hubName,
      destination: requester.name,
      method: 'PUT',
      uri: `/transfers/${transferId}`,
      ...this.hubFormatFor(requester),
    });
    return rec;
  }

  /** Sleep-free check that nothing matching arrived so far (used after a later, ordering message arrived). */
  assertNone(sim: DfspSimulator, predicate: (r: RecordedRequest) => boolean, what: string, since = 0): void {
    const found = sim.find(predicate, since);
    assert.equal(
      found.length,
      0,
      `${sim.name} should not have received ${what}; got:\n${found.map((r) => `  ${r.method} ${r.path} ${show(r.bodyText, 300)}`).join('\n')}`,
    );
  }

  // ---- positions -----------------------------------------------------------------------------------------------

  async position(sim: DfspSimulator | string, currency = this.currency): Promise<string> {
    return (await this.admin.getPosition(nameOf(sim), currency)).value;
  }

  /** The position must equal `expected` (exact decimal), allowing `positionSettleMs` for it to show. */
  async expectPosition(sim: DfspSimulator | string, expected: string, label: string, currency = this.currency): Promise<void> {
    const name = nameOf(sim);
    let last: string | undefined;
    try {
      await pollUntil(
        async () => (last = (await this.admin.getPosition(name, currency)).value),
        (v) => decimalEquals(v, expected),
        { timeoutMs: this.opts.positionSettleMs, intervalMs: 100, label: `${label}: position of ${name}` },
      );
    } catch (err) {
      assert.fail(
        `${label}: position of ${name} (${currency}) should be ${expected}, is ${last ?? '(unreadable)'}${last === undefined ? ` — ${err instanceof Error ? err.message : String(err)}` : ''}`,
      );
    }
  }
}
