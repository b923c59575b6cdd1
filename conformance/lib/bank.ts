// A simulated bank: speaks only ISO 20022 XML (docs/iso20022.md). It sends signed business messages to
// `POST {hub}/iso20022` (pacs.008, pacs.002, acmt.023, acmt.024, pacs.028, camt.056) and serves the endpoint the hub
// calls back (`ISO20022_CALLBACK_URL`): it records every message, checks the hub's XML signature when it knows the
// hub's certificate, and as a payee answers what the hub sends it — a pacs.008 with a pacs.002 (ACSC, RJCT with a
// reason, or nothing) and an acmt.023 with an acmt.024 (party known or not). It reads the settlement reports the hub
// sends it (camt.052/053/054, docs/settlement-banks.md) with `camtSections`.
import { closeServer, listenOn } from './listen.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { Agent, request, type Dispatcher } from 'undici';
import {
  acmt023Xml,
  acmt024Xml,
  appHdrXml,
  camt056Xml,
  describeFinInstnId,
  describeInstitution,
  envelopeXml,
  newMsgId,
  pacs002Xml,
  pacs008Xml,
  pacs028Xml,
  parseEnvelope,
  PROFILE_VERSIONS,
  signEnvelope,
  splitPartyId,
  verifyEnvelope,
  type Acmt023Fields,
  type StatusReasonFields,
  type Camt056Fields,
  type Institution,
  type Pacs002Fields,
  type Pacs008Fields,
  type Pacs028Fields,
  type ParsedEnvelope,
  type PartyRef,
  type SignatureCheck,
  type SignOptions,
  type XmlProfile,
  type XmlSigningKey,
  type XmlView,
} from './isoxml.js';
import {
  bulkPacs008Xml,
  groupPacs002Xml,
  groupPacs028Xml,
  type BulkPacs008Fields,
  type GroupPacs002Fields,
  type GroupTransactionStatus,
} from './isoxml-bulk.js';
import { normaliseHeaders } from './http.js';
import { show } from './util.js';

/** How the bank answers a pacs.008 the hub sends it (bank as payee). */
export type BankPaymentBehaviour =
  /** pacs.002 with TxSts ACSC (or `status`). */
  | { kind: 'accept'; status?: string; delayMs?: number }
  /**
   * pacs.002 RJCT with StsRsnInf/Rsn (Prtry: an FSPIOP error code, or Cd: an ISO reason code), and `moreReasons` as
   * further StsRsnInf; `processingDate` as PrcgDt (.16) or AccptncDtTm (.10).
   */
  | {
      kind: 'reject';
      reason: { prtry?: string; cd?: string };
      info?: string;
      moreReasons?: StatusReasonFields[];
      processingDate?: Pacs002Fields['processingDate'];
      delayMs?: number;
    }
  /** No answer at all. */
  | { kind: 'silent' };

/**
 * How the bank answers a pacs.008 with many transactions (bank as payee of a bulk): one pacs.002 with a status per
 * transaction (each by its payment behaviour: accepted, rejected, or PDNG when silent) and the group status that
 * follows (ACCP, PART, RJCT); the group accepted or rejected as a whole, naming no transaction; or nothing.
 */
export type BankBulkBehaviour =
  | { kind: 'per-transaction'; delayMs?: number }
  | { kind: 'accept-group'; delayMs?: number }
  | { kind: 'reject-group'; reason: { prtry?: string; cd?: string }; info?: string; delayMs?: number }
  | { kind: 'silent' };

/** A customer of the bank (acmt.023 is answered for it). */
export interface BankParty extends PartyRef {
  /** Answer verified (default), not verified (Rsn 3204), or nothing. */
  lookup?: 'answer' | 'unknown' | 'silent';
}

/** A message the hub sent the bank (callback). */
export interface BankMessage {
  seq: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  text: string;
  receivedAt: number;
  /** Parsed envelope; undefined when the message is not one (see parseError). */
  env?: ParsedEnvelope;
  parseError?: string;
  /** `pacs.002` etc. */
  kind?: string;
  version?: string;
  /** AppHdr/Fr and /To as `Othr/Id x`, `BICFI X` or `ClrSysMmbId USABA/123` (describeInstitution). */
  from?: string;
  to?: string;
  bizMsgIdr?: string;
  msgDefIdr?: string;
  /** The element under Document. */
  message?: XmlView;
  /** Hub signature check (when the bank knows the hub certificate). */
  signature?: SignatureCheck;
}

/** The hub's synchronous answer to a message the bank sent. */
export interface BankSendResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The exact text sent. */
  sent: string;
  bizMsgIdr: string;
  /** The admi.002 of a refusal, when the body is one. */
  reject?: Admi002;
}

export interface Admi002 {
  ref?: string;
  reason?: string;
  description?: string;
  location?: string;
  env: ParsedEnvelope;
  signature?: SignatureCheck;
  /** AppHdr/To (the bank when known, else what the hub could tell). */
  to?: string;
  from?: string;
}

/** What the bank sent on its own (answers to the hub's messages). */
export interface BankOutbound {
  kind: string;
  /** The pacs.008 answered (its TxId, else UETR, else EndToEndId), or the acmt.023 Vrfctn/Id. */
  ref: string;
  behaviour: string;
  result?: BankSendResult;
  error?: string;
  at: number;
}

export interface BankSimulatorOptions {
  name: string;
  /**
   * How the bank names itself (AppHdr/Fr, DbtrAgt, InstgAgt, acmt answers) and expects to be named: its FSP id
   * (default), or the BIC or clearing-system member id it registered with the hub.
   */
  identity?: Institution;
  /** How the bank names the hub (AppHdr/To, InstdAgt of its payments): default its FSP id. */
  hubIdentity?: Institution;
  /** Hub FSPIOP base URL; messages go to `${hubUrl}/iso20022`. */
  hubUrl: string;
  hubName: string;
  currency: string;
  /** XML-signing key and certificate; absent: the bank sends unsigned messages. */
  signing?: XmlSigningKey;
  /** The hub's XML-signing certificate (PEM): every message from the hub is checked against it. */
  hubCertificate?: string;
  /** Message versions the bank sends. Default iso-2019. */
  profile?: XmlProfile;
  /** undici dispatcher towards the hub (mutual TLS: this bank's client certificate). */
  dispatcher?: Dispatcher;
  /** HTTPS for the callback server (requiring a client certificate from `ca`). */
  tls?: { cert: string; key: string; ca: string };
  host?: string;
  advertisedHost?: string;
  timeoutMs?: number;
  defaultPaymentBehaviour?: BankPaymentBehaviour;
}

export interface BankSendOptions {
  /** AppHdr/MsgDefIdr; default the Document's version. */
  msgDefIdr?: string;
  bizMsgIdr?: string;
  /** AppHdr/Fr (default this bank, as its identity) and AppHdr/To (default the hub). */
  from?: Institution;
  to?: Institution;
  /** Sign (default: when the bank has a key). */
  sign?: boolean;
  signOptions?: SignOptions;
  /** Rewrite the final text (e.g. to tamper after signing). */
  mutate?: (text: string) => string;
  /** Send these bytes instead of building a message. */
  raw?: string | Buffer;
  contentType?: string | null;
}

interface Waiter {
  predicate: (m: BankMessage) => boolean;
  since: number;
  resolve: (m: BankMessage) => void;
}

export class BankSimulator {
  readonly name: string;
  readonly received: BankMessage[] = [];
  readonly outbound: BankOutbound[] = [];
  /** Every message the bank sent the hub (text) and the hub's answer. */
  readonly sent: BankSendResult[] = [];
  readonly problems: string[] = [];
  readonly parties = new Map<string, BankParty>();
  private readonly behaviours = new Map<string, BankPaymentBehaviour>();
  private readonly bulkBehaviours = new Map<string, BankBulkBehaviour>();
  private readonly waiters = new Set<Waiter>();
  private readonly outboundWaiters = new Set<{ predicate: (o: BankOutbound) => boolean; resolve: (o: BankOutbound) => void }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly ownDispatcher?: Agent;
  private readonly dispatcher: Dispatcher;
  private server?: Server;
  private _baseUrl?: string;
  defaultPaymentBehaviour: BankPaymentBehaviour;

  constructor(readonly opts: BankSimulatorOptions) {
    this.name = opts.name;
    this.defaultPaymentBehaviour = opts.defaultPaymentBehaviour ?? { kind: 'accept' };
    if (!opts.dispatcher) this.ownDispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 16 });
    this.dispatcher = opts.dispatcher ?? this.ownDispatcher!;
  }

  /** How this bank names itself. */
  get identity(): Institution {
    return this.opts.identity ?? this.name;
  }

  /** `describeInstitution` of the identity: what a message naming this bank shows in `from` / `to`. */
  get described(): string {
    return describeInstitution(this.identity);
  }

  get profile(): XmlProfile {
    return this.opts.profile ?? 'iso-2019';
  }

  /** The version this bank uses for a message kind (`pacs.008` → `pacs.008.001.08`). */
  version(kind: keyof (typeof PROFILE_VERSIONS)['iso-2019']): string {
    return PROFILE_VERSIONS[this.profile][kind];
  }

  get baseUrl(): string {
    if (!this._baseUrl) throw new Error(`bank ${this.name} is not started`);
    return this._baseUrl;
  }

  /** The URL registered as ISO20022_CALLBACK_URL. */
  get callbackUrl(): string {
    return `${this.baseUrl}/iso20022`;
  }

  async start(): Promise<this> {
    const tls = this.opts.tls;
    const handler = (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res);
    const server: Server = tls
      ? createHttpsServer({ cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, handler)
      : createServer(handler);
    this._baseUrl = await listenOn(server, { host: this.opts.host, advertisedHost: this.opts.advertisedHost, https: Boolean(tls) });
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
    await this.ownDispatcher?.close().catch(() => undefined);
  }

  // ---- configuration -------------------------------------------------------------------------------------------

  addParty(p: BankParty): BankParty {
    this.parties.set(`${p.type}/${p.id}`, p);
    return p;
  }

  /** How the pacs.008 with this TxId is answered (wins over the default). */
  setPaymentBehaviour(txId: string, b: BankPaymentBehaviour): void {
    this.behaviours.set(txId, b);
  }

  /** How the pacs.008 with many transactions whose GrpHdr/MsgId is `msgId` is answered (default: per transaction). */
  setBulkBehaviour(msgId: string, b: BankBulkBehaviour): void {
    this.bulkBehaviours.set(msgId, b);
  }

  // ---- sending -------------------------------------------------------------------------------------------------

  /** Wraps a Document in an envelope with this bank's AppHdr, signs it and posts it to the hub. */
  async send(documentXml: string, o: BankSendOptions = {}): Promise<BankSendResult> {
    const bizMsgIdr = o.bizMsgIdr ?? newMsgId('B');
    let text: string;
    if (o.raw !== undefined) {
      text = Buffer.isBuffer(o.raw) ? o.raw.toString('utf8') : o.raw;
    } else {
      const ns = /xmlns="urn:iso:std:iso:20022:tech:xsd:([^"]+)"/.exec(documentXml)?.[1] ?? '';
      const hdr = appHdrXml({
        from: o.from ?? this.identity,
        to: o.to ?? this.opts.hubIdentity ?? this.opts.hubName,
        bizMsgIdr,
        msgDefIdr: o.msgDefIdr ?? ns,
        version: this.version('head'),
      });
      text = envelopeXml(hdr, documentXml);
      const sign = o.sign ?? this.opts.signing !== undefined;
      if (sign) {
        if (!this.opts.signing) throw new Error(`bank ${this.name} has no XML-signing key`);
        text = signEnvelope(text, this.opts.signing, o.signOptions);
      }
      if (o.mutate) text = o.mutate(text);
    }
    const body = o.raw !== undefined && Buffer.isBuffer(o.raw) ? o.raw : Buffer.from(text, 'utf8');
    const headers: Record<string, string> = { date: new Date().toUTCString() };
    if (o.contentType !== null) headers['content-type'] = o.contentType ?? 'application/xml; charset=utf-8';
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.opts.hubUrl.replace(/\/+$/, '')}/iso20022`, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.dispatcher,
        headersTimeout: this.opts.timeoutMs ?? 30_000,
        bodyTimeout: this.opts.timeoutMs ?? 30_000,
      });
    } catch (err) {
      throw new Error(`bank ${this.name}: POST /iso20022 failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const answer = await res.body.text();
    const result: BankSendResult = {
      status: res.statusCode,
      headers: normaliseHeaders(res.headers as Record<string, string | string[] | undefined>),
      body: answer,
      sent: text,
      bizMsgIdr,
    };
    if (answer.includes('admi.002')) {
      try {
        const env = parseEnvelope(answer);
        const m = env.message;
        result.reject = {
          env,
          ref: m.text('RltdRef/Ref'),
          reason: m.text('Rsn/RjctgPtyRsn'),
          description: m.text('Rsn/RsnDesc'),
          location: m.text('Rsn/ErrLctn'),
          from: describeFinInstnId(env.appHdr.at('Fr/FIId/FinInstnId')),
          to: describeFinInstnId(env.appHdr.at('To/FIId/FinInstnId')),
          ...(this.opts.hubCertificate ? { signature: verifyEnvelope(answer, this.opts.hubCertificate) } : {}),
        };
      } catch {
        // not an admi.002 envelope: the caller sees the raw body
      }
    }
    this.sent.push(result);
    return result;
  }

  /** pacs.008 (this bank, as its identity, as debtor agent unless given). */
  pay(f: Omit<Pacs008Fields, 'debtorAgent' | 'currency'> & { debtorAgent?: Institution; currency?: string }, o: BankSendOptions = {}): Promise<BankSendResult> {
    return this.send(
      pacs008Xml({ ...f, debtorAgent: f.debtorAgent ?? this.identity, currency: f.currency ?? this.opts.currency }, this.version('pacs.008')),
      o,
    );
  }

  /** pacs.008 with many transactions (this bank, as its identity, as every debtor agent unless given). */
  payMany(
    f: Omit<BulkPacs008Fields, 'debtorAgent' | 'currency'> & { debtorAgent?: Institution; currency?: string },
    o: BankSendOptions = {},
  ): Promise<BankSendResult> {
    return this.send(
      bulkPacs008Xml({ ...f, debtorAgent: f.debtorAgent ?? this.identity, currency: f.currency ?? this.opts.currency }, this.version('pacs.008')),
      o,
    );
  }

  /** pacs.002 about a whole message (group status and one status per transaction). */
  groupStatusReport(f: GroupPacs002Fields, o: BankSendOptions = {}): Promise<BankSendResult> {
    return this.send(groupPacs002Xml(f, this.version('pacs.002')), o);
  }

  /** pacs.028 about a whole message this bank sent. */
  groupStatusRequest(f: { msgId?: string; originalMsgId: string; originalMsgNmId?: string }, o: BankSendOptions = {}): Promise<BankSendResult> {
    return this.send(groupPacs028Xml({ ...f, originalMsgNmId: f.originalMsgNmId ?? this.version('pacs.008') }, this.version('pacs.028')), o);
  }

  statusReport(f: Pacs002Fields, o: BankSendOptions = {}): Promise<BankSendResult> {
    return this.send(pacs002Xml(f, this.version('pacs.002')), o);
  }

  statusRequest(f: Pacs028Fields, o: BankSendOptions = {}): Promise<BankSendResult> {
    return this.send(pacs028Xml(f, this.version('pacs.028')), o);
  }

  cancel(
    f: Omit<Camt056Fields, 'assigner' | 'assignee'> & { assigner?: Institution; assignee?: Institution },
    o: BankSendOptions = {},
  ): Promise<BankSendResult> {
    return this.send(
      camt056Xml({ ...f, assigner: f.assigner ?? this.identity, assignee: f.assignee ?? this.opts.hubIdentity ?? this.opts.hubName }, this.version('camt.056')),
      o,
    );
  }

  verifyParty(
    f: Omit<Acmt023Fields, 'assigner' | 'assignee'> & { assigner?: Institution; assignee?: Institution },
    o: BankSendOptions = {},
  ): Promise<BankSendResult> {
    return this.send(acmt023Xml({ ...f, assigner: f.assigner ?? this.identity, assignee: f.assignee ?? this.opts.hubIdentity ?? this.opts.hubName }), o);
  }

  // ---- waiting -------------------------------------------------------------------------------------------------

  mark(): number {
    return this.received.length;
  }

  find(predicate: (m: BankMessage) => boolean, since = 0): BankMessage[] {
    return this.received.filter((m) => m.seq > since && predicate(m));
  }

  waitFor(predicate: (m: BankMessage) => boolean, timeoutMs: number, o: { since?: number; label?: string } = {}): Promise<BankMessage> {
    const since = o.since ?? 0;
    const existing = this.received.find((m) => m.seq > since && predicate(m));
    if (existing) return Promise.resolve(existing);
    return new Promise<BankMessage>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        since,
        resolve: (m) => {
          clearTimeout(timer);
          this.timers.delete(timer);
          this.waiters.delete(waiter);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.waiters.delete(waiter);
        reject(
          new Error(
            `bank ${this.name}: no ${o.label ?? 'matching message'} within ${timeoutMs} ms. Received:\n  ${this.describe().replace(/\n/g, '\n  ')}${this.problems.length ? `\n  problems: ${this.problems.join('; ')}` : ''}`,
          ),
        );
      }, timeoutMs);
      this.timers.add(timer);
      this.waiters.add(waiter);
    });
  }

  /**
   * The next pacs.002 about `txId`: its OrgnlTxId, or, for a payment sent without TxId, its OrgnlUETR or
   * OrgnlEndToEndId (when it has no OrgnlTxId).
   */
  waitStatus(txId: string, timeoutMs: number, o: { since?: number; label?: string } = {}): Promise<BankMessage> {
    const about = (m: BankMessage) => {
      const t = m.message?.at('TxInfAndSts');
      const orgnlTxId = t?.text('OrgnlTxId');
      return orgnlTxId !== undefined ? orgnlTxId === txId : t?.text('OrgnlUETR') === txId || t?.text('OrgnlEndToEndId') === txId;
    };
    return this.waitFor((m) => m.kind === 'pacs.002' && about(m), timeoutMs, {
      since: o.since,
      label: o.label ?? `pacs.002 for ${txId}`,
    });
  }

  waitForOutbound(predicate: (o: BankOutbound) => boolean, timeoutMs: number, label = 'answer'): Promise<BankOutbound> {
    const existing = this.outbound.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise<BankOutbound>((resolve, reject) => {
      const w = {
        predicate,
        resolve: (o: BankOutbound) => {
          clearTimeout(timer);
          this.timers.delete(timer);
          this.outboundWaiters.delete(w);
          resolve(o);
        },
      };
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.outboundWaiters.delete(w);
        reject(
          new Error(
            `bank ${this.name}: no ${label} within ${timeoutMs} ms; sent: ${show(this.outbound.map((x) => ({ kind: x.kind, ref: x.ref, status: x.result?.status, error: x.error })))}; problems: ${show(this.problems)}`,
          ),
        );
      }, timeoutMs);
      this.timers.add(timer);
      this.outboundWaiters.add(w);
    });
  }

  describe(max = 15): string {
    if (this.received.length === 0) return '(none)';
    return this.received
      .slice(-max)
      .map(
        (m) =>
          `#${m.seq} ${m.method} ${m.path} ${m.kind ?? '?'} ${m.version ?? ''} from=${m.from ?? '?'}${m.signature && !m.signature.ok ? ` [BAD SIGNATURE: ${m.signature.detail}]` : ''} ${show(m.message?.toString() ?? m.parseError ?? m.text, 500)}`,
      )
      .join('\n');
  }

  // ---- inbound -------------------------------------------------------------------------------------------------

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => undefined);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const m: BankMessage = {
        seq: this.received.length + 1,
        method: (req.method ?? '').toUpperCase(),
        path: req.url ?? '/',
        headers: normaliseHeaders(req.headers as Record<string, string | string[] | undefined>),
        text,
        receivedAt: Date.now(),
      };
      try {
        const env = parseEnvelope(text);
        m.env = env;
        m.kind = env.kind;
        m.version = env.version;
        m.message = env.message;
        m.from = describeFinInstnId(env.appHdr.at('Fr/FIId/FinInstnId'));
        m.to = describeFinInstnId(env.appHdr.at('To/FIId/FinInstnId'));
        m.bizMsgIdr = env.appHdr.text('BizMsgIdr');
        m.msgDefIdr = env.appHdr.text('MsgDefIdr');
        if (this.opts.hubCertificate) m.signature = verifyEnvelope(text, this.opts.hubCertificate);
      } catch (err) {
        m.parseError = err instanceof Error ? err.message : String(err);
      }
      this.received.push(m);
      res.statusCode = 202;
      res.setHeader('content-length', '0');
      res.end();
      for (const w of [...this.waiters]) if (m.seq > w.since && w.predicate(m)) w.resolve(m);
      if (m.method !== 'POST' || !m.message) return;
      if (m.kind === 'pacs.008') {
        if (BankSimulator.isMany(m)) this.onManyPayments(m);
        else this.onPayment(m);
      } else if (m.kind === 'acmt.023') this.onVerification(m);
    });
  }

  private schedule(delayMs: number, what: string, fn: () => Promise<void>): void {
    const act = () => void fn().catch((err) => this.problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`));
    if (delayMs > 0) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        act();
      }, delayMs);
      this.timers.add(t);
    } else setImmediate(act);
  }

  private pushOutbound(o: BankOutbound): void {
    this.outbound.push(o);
    for (const w of [...this.outboundWaiters]) if (w.predicate(o)) w.resolve(o);
  }

  /** What a pacs.008 names its payment by: TxId, else UETR, else EndToEndId. */
  static paymentRef(m: BankMessage): string | undefined {
    const p = m.message?.at('CdtTrfTxInf/PmtId');
    const e2e = p?.text('EndToEndId');
    return p?.text('TxId') ?? p?.text('UETR') ?? (e2e === 'NOTPROVIDED' ? undefined : e2e);
  }

  private onPayment(m: BankMessage): void {
    const tx = m.message!.at('CdtTrfTxInf');
    const txId = BankSimulator.paymentRef(m);
    if (!txId) {
      this.problems.push(`pacs.008 #${m.seq} names its payment by neither TxId, UETR nor EndToEndId`);
      return;
    }
    if (this.find((x) => x.kind === 'pacs.008' && BankSimulator.paymentRef(x) === txId && x.seq < m.seq).length > 0) return; // answered once
    const b = this.behaviours.get(txId) ?? this.defaultPaymentBehaviour;
    if (b.kind === 'silent') {
      this.pushOutbound({ kind: 'pacs.002', ref: txId, behaviour: 'silent', at: Date.now() });
      return;
    }
    this.schedule(b.delayMs ?? 0, `answering pacs.008 ${txId}`, async () => {
      // As the pacs.008 named the payment: OrgnlTxId only when it had a TxId.
      const fields: Pacs002Fields = {
        originalMsgId: m.message!.text('GrpHdr/MsgId'),
        originalMsgNmId: m.version,
        originalEndToEndId: tx!.text('PmtId/EndToEndId'),
        status: b.kind === 'accept' ? (b.status ?? 'ACSC') : 'RJCT',
      };
      const sentTxId = tx!.text('PmtId/TxId');
      const uetr = tx!.text('PmtId/UETR');
      if (sentTxId !== undefined) fields.originalTxId = sentTxId;
      if (uetr !== undefined) fields.originalUetr = uetr;
      if (b.kind === 'reject') {
        fields.reason = b.reason;
        if (b.info !== undefined) fields.info = b.info;
        if (b.moreReasons) fields.moreReasons = b.moreReasons;
        if (b.processingDate) fields.processingDate = b.processingDate;
      }
      try {
        const result = await this.statusReport(fields);
        this.pushOutbound({ kind: 'pacs.002', ref: txId, behaviour: b.kind, result, at: Date.now() });
      } catch (err) {
        this.pushOutbound({ kind: 'pacs.002', ref: txId, behaviour: b.kind, error: err instanceof Error ? err.message : String(err), at: Date.now() });
      }
    });
  }

  /** A pacs.008 with more than one transaction (or a count other than one). */
  static isMany(m: BankMessage): boolean {
    return (m.message?.all('CdtTrfTxInf').length ?? 0) > 1 || m.message?.text('GrpHdr/NbOfTxs') !== '1';
  }

  /** What a transaction of a pacs.008 names its payment by: TxId, else UETR, else EndToEndId. */
  static transactionRef(tx: XmlView): string | undefined {
    const e2e = tx.text('PmtId/EndToEndId');
    return tx.text('PmtId/TxId') ?? tx.text('PmtId/UETR') ?? (e2e === 'NOTPROVIDED' ? undefined : e2e);
  }

  /** A pacs.008 with many transactions: one pacs.002 for all of them, by the bulk's behaviour (once per MsgId). */
  private onManyPayments(m: BankMessage): void {
    const msgId = m.message!.text('GrpHdr/MsgId') ?? '';
    if (this.find((x) => x.kind === 'pacs.008' && x.message?.text('GrpHdr/MsgId') === msgId && x.seq < m.seq).length > 0) return; // answered once
    const b = this.bulkBehaviours.get(msgId) ?? { kind: 'per-transaction' };
    if (b.kind === 'silent') {
      this.pushOutbound({ kind: 'pacs.002', ref: msgId, behaviour: 'silent', at: Date.now() });
      return;
    }
    const fields: GroupPacs002Fields = { originalMsgId: msgId, originalMsgNmId: m.version ?? this.version('pacs.008'), transactions: [] };
    if (b.kind === 'accept-group') fields.groupStatus = 'ACCP';
    else if (b.kind === 'reject-group') Object.assign(fields, { groupStatus: 'RJCT', groupReason: b.reason, groupInfo: b.info });
    else {
      fields.transactions = m.message!.all('CdtTrfTxInf').map((tx) => this.transactionStatus(tx));
      const accepted = fields.transactions.filter((t) => t.status === 'ACSC').length;
      fields.groupStatus = accepted === fields.transactions.length ? 'ACCP' : accepted === 0 ? 'RJCT' : 'PART';
    }
    this.schedule(b.delayMs ?? 0, `answering pacs.008 ${msgId}`, async () => {
      try {
        const result = await this.groupStatusReport(fields);
        this.pushOutbound({ kind: 'pacs.002', ref: msgId, behaviour: b.kind, result, at: Date.now() });
      } catch (err) {
        this.pushOutbound({ kind: 'pacs.002', ref: msgId, behaviour: b.kind, error: err instanceof Error ? err.message : String(err), at: Date.now() });
      }
    });
  }

  /** One transaction's status by its payment behaviour, naming it as the pacs.008 did (OrgnlTxId only when it had one). */
  private transactionStatus(tx: XmlView): GroupTransactionStatus {
    const ref = BankSimulator.transactionRef(tx) ?? '';
    const b = this.behaviours.get(ref) ?? this.defaultPaymentBehaviour;
    const status: GroupTransactionStatus = {
      originalTxId: tx.text('PmtId/TxId'),
      originalEndToEndId: tx.text('PmtId/EndToEndId'),
      originalUetr: tx.text('PmtId/UETR'),
      status: b.kind === 'accept' ? (b.status ?? 'ACSC') : b.kind === 'reject' ? 'RJCT' : 'PDNG',
    };
    if (b.kind === 'reject') Object.assign(status, { reason: b.reason, info: b.info });
    return status;
  }

  private onVerification(m: BankMessage): void {
    const req = m.message!;
    const vid = req.text('Vrfctn/Id') ?? '';
    const asker = institutionOf(req.at('Assgnmt/Assgnr/Agt/FinInstnId'));
    const pty = req.at('Vrfctn/PtyAndAcctId/Pty/Id');
    const othr = pty?.at('PrvtId/Othr') ?? pty?.at('OrgId/Othr');
    const type = othr?.text('SchmeNm/Prtry') ?? splitPartyId(vid).type;
    const id = othr?.text('Id') ?? splitPartyId(vid).id;
    const p = this.parties.get(`${type}/${id}`);
    const mode = p ? (p.lookup ?? 'answer') : 'unknown';
    if (mode === 'silent') return;
    this.schedule(0, `answering acmt.023 ${vid}`, async () => {
      const xml = acmt024Xml({
        assigner: this.identity,
        assignee: asker,
        originalMsgId: req.text('Assgnmt/MsgId'),
        originalId: vid,
        verified: mode === 'answer',
        ...(mode === 'answer'
          ? { party: { type, id, name: p!.name, org: p!.org }, currency: this.opts.currency, agentFsp: this.identity }
          : { reason: '3204' }),
      });
      try {
        const result = await this.send(xml);
        this.pushOutbound({ kind: 'acmt.024', ref: vid, behaviour: mode, result, at: Date.now() });
      } catch (err) {
        this.pushOutbound({ kind: 'acmt.024', ref: vid, behaviour: mode, error: err instanceof Error ? err.message : String(err), at: Date.now() });
      }
    });
  }
}

/** A received FinInstnId as an Institution, to name it back the same way (its first identifier). */
function institutionOf(v: XmlView | undefined): Institution {
  const othr = v?.text('Othr/Id');
  if (othr !== undefined) return othr;
  const bicfi = v?.text('BICFI');
  if (bicfi !== undefined) return { bicfi };
  const memberId = v?.text('ClrSysMmbId/MmbId') ?? '';
  const clearingSystemId = v?.text('ClrSysMmbId/ClrSysId/Cd');
  return clearingSystemId === undefined ? { memberId } : { memberId, clearingSystemId };
}

// ---- settlement reports (camt.052 / camt.053 / camt.054) as the bank reads them ---------------------------------

/** A balance of a camt.052 (ITBD, ITAV) or camt.053 (OPBD, CLBD) section. */
export interface CamtBalance {
  type?: string;
  amount: string;
  currency?: string;
  /** CRDT: in the bank's favour; DBIT: against it. */
  side?: string;
  at?: string;
}

/** An entry (`Ntry`): the amount is not negative, the side says which way it goes. */
export interface CamtEntry {
  ref?: string;
  amount: string;
  currency?: string;
  side?: string;
  reversal: boolean;
  /** BOOK, INFO, … */
  status?: string;
  /** `BkTxCd/Prtry/Cd` (FUNDS_IN, SETTLEMENT_NET_SENDER, WINDOW_NET, …) and its issuer. */
  code?: string;
  issuer?: string;
  bookedAt?: string;
  txId?: string;
  uetr?: string;
  /** Typed references (`Refs/Prtry`: MIZANI_SETTLEMENT_ID, MIZANI_SETTLEMENT_WINDOW_ID, …). */
  refs: Array<{ type?: string; ref?: string }>;
  info?: string;
}

/** One account section: `Ntfctn` (camt.054), `Stmt` (camt.053) or `Rpt` (camt.052). */
export interface CamtSection {
  id?: string;
  /** `Acct/Id/Othr/Id`, e.g. `USD/SETTLEMENT`. */
  account?: string;
  currency?: string;
  /** `Acct/Nm`, e.g. `bank/USD/SETTLEMENT`. */
  name?: string;
  period?: { from?: string; to?: string };
  balances: CamtBalance[];
  entries: CamtEntry[];
  /** `TxsSummry/TtlNtries`: count, sum, net and its side. */
  summary?: { count?: string; sum?: string; net?: string; netSide?: string };
}

const SECTION: Record<string, string> = { 'camt.052': 'Rpt', 'camt.053': 'Stmt', 'camt.054': 'Ntfctn' };

function camtEntry(n: XmlView): CamtEntry {
  const refs = n.at('NtryDtls/TxDtls/Refs');
  return {
    ref: n.text('NtryRef'),
    amount: n.text('Amt') ?? '',
    currency: n.attr('Ccy', 'Amt'),
    side: n.text('CdtDbtInd'),
    reversal: n.text('RvslInd') === 'true',
    status: n.text('Sts/Cd') ?? n.text('Sts/Prtry'),
    code: n.text('BkTxCd/Prtry/Cd'),
    issuer: n.text('BkTxCd/Prtry/Issr'),
    bookedAt: n.text('BookgDt/DtTm') ?? n.text('BookgDt/Dt'),
    txId: refs?.text('TxId'),
    uetr: refs?.text('UETR'),
    refs: (refs?.all('Prtry') ?? []).map((p) => ({ type: p.text('Tp'), ref: p.text('Ref') })),
    info: n.text('AddtlNtryInf'),
  };
}

/** The account sections of a camt.052/053/054 the bank received (empty for any other message). */
export function camtSections(m: BankMessage): CamtSection[] {
  const tag = m.kind ? SECTION[m.kind] : undefined;
  if (!tag || !m.message) return [];
  return m.message.all(tag).map((s) => {
    const total = s.at('TxsSummry/TtlNtries');
    return {
      id: s.text('Id'),
      account: s.text('Acct/Id/Othr/Id'),
      currency: s.text('Acct/Ccy'),
      name: s.text('Acct/Nm'),
      ...(s.at('FrToDt') ? { period: { from: s.text('FrToDt/FrDtTm'), to: s.text('FrToDt/ToDtTm') } } : {}),
      balances: s.all('Bal').map((b) => ({
        type: b.text('Tp/CdOrPrtry/Cd') ?? b.text('Tp/CdOrPrtry/Prtry'),
        amount: b.text('Amt') ?? '',
        currency: b.attr('Ccy', 'Amt'),
        side: b.text('CdtDbtInd'),
        at: b.text('Dt/DtTm') ?? b.text('Dt/Dt'),
      })),
      entries: s.all('Ntry').map(camtEntry),
      ...(total
        ? {
            summary: {
              count: total.text('NbOfNtries'),
              sum: total.text('Sum'),
              net: total.text('TtlNetNtry/Amt'),
              netSide: total.text('TtlNetNtry/CdtDbtInd'),
            },
          }
        : {}),
    };
  });
}

/** An amount with its side as one signed decimal text from the bank's point of view: CRDT +, DBIT −. */
export function signedFromBank(x: { amount: string; side?: string }): string {
  return x.side === 'DBIT' && !/^0*(\.0*)?$/.test(x.amount) ? `-${x.amount}` : x.amount;
}
