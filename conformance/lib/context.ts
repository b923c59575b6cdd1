// Shared state of one suite run: hub/admin clients, simulated DFSPs, transfer builders and wait/assert helpers.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ulid } from 'ulidx';
import { Agent } from 'undici';
import { addCurrency, AdminClient, provisionDfsp } from './admin.js';
import { assertErrorInformation, assertHubMessage, type ErrorExpectation } from './checks.js';
import { decimalEquals } from './decimal.js';
import { DfspSimulator, type DfspSimulatorOptions, type PayeeBehaviour, type RecordedRequest } from './dfsp.js';
import { encodeBody, FspiopClient, imfDate, resourceOf, type FspiopResponse, type SendOptions } from './http.js';
import { buildIlpPacket, generateFulfilment, toMinorUnitsTruncated, transactionObject } from './ilp.js';
import { createTestSigner, type TestSigner } from './jws.js';
import { pollUntil, randomDigits, randomName, show } from './util.js';

export interface SuiteOptions {
  /** FSPIOP base URL of the hub, e.g. http://127.0.0.1:3000 */
  hubUrl: string;
  /** Ledger admin base URL, e.g. http://127.0.0.1:3001 */
  adminUrl: string;
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
}

export interface ResolvedOptions extends Required<Omit<SuiteOptions, 'grep'>> {
  grep?: RegExp;
}

export function resolveOptions(o: SuiteOptions): ResolvedOptions {
  const currency = o.currency ?? 'USD';
  const bindHost = o.bindHost ?? '127.0.0.1';
  return {
    hubUrl: o.hubUrl,
    adminUrl: o.adminUrl,
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
}

export interface NewDfspOptions {
  prefix?: string;
  currency?: string;
  ndc?: string;
  fundsIn?: string;
  /** Register callback endpoints. Default true. */
  endpoints?: boolean;
  /** Base URL registered instead of the simulator's own (e.g. a closed port for "unreachable" cases). */
  callbackBase?: string;
  /** FSPIOP version the simulator speaks (Content-Type of everything it sends). */
  version?: string;
}

/** Resources whose hub-authored callbacks the final audit checks against fspiop.md §14. */
const AUDITED_RESOURCES = ['transfers', 'parties', 'participants', 'quotes'];

export const nameOf = (x: DfspSimulator | string): string => (typeof x === 'string' ? x : x.name);

export class SuiteContext {
  readonly opts: ResolvedOptions;
  readonly hub: FspiopClient;
  readonly admin: AdminClient;
  /** transferId → fulfilment: what the payer side created, the payee simulators read. */
  readonly fulfilments = new Map<string, string>();
  readonly signer?: TestSigner;
  private readonly agent: Agent;
  private readonly sims: DfspSimulator[] = [];
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(options: SuiteOptions) {
    this.opts = resolveOptions(options);
    this.agent = new Agent({ keepAliveTimeout: 10_000, connections: 128 });
    this.hub = new FspiopClient(this.opts.hubUrl, { dispatcher: this.agent, timeoutMs: this.opts.timeoutMs });
    this.admin = new AdminClient(this.opts.adminUrl, { dispatcher: this.agent, timeoutMs: this.opts.timeoutMs });
    if (this.opts.sign) this.signer = createTestSigner();
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
    const sim = new DfspSimulator({
      ...extra,
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
    const sim = await this.startSimulator(randomName(o.prefix ?? 'pay'), undefined, o.version === undefined ? {} : { version: o.version });
    await provisionDfsp(
      this.admin,
      {
        name: sim.name,
        currency: o.currency ?? this.currency,
        ndc: o.ndc ?? this.opts.ndc,
        fundsIn: o.fundsIn ?? this.opts.fundsIn,
        callbackBase: o.endpoints === false ? undefined : o.callbackBase ?? sim.baseUrl,
      },
      { hubName: this.hubName, timeoutMs: this.T },
    );
    return sim;
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
        if (rec.method !== 'PUT' && (rec.method !== 'PATCH' || resource !== 'transfers')) {
          problems.push(`${sim.name}: hub-authored ${rec.method} ${rec.path} (only PUT${resource === 'transfers' ? '/PATCH' : ''} expected)`);
          continue;
        }
        try {
          assertHubMessage(rec, {
            hubName: this.hubName,
            destination: sim.name,
            method: rec.method as 'PUT' | 'PATCH',
            uri: rec.path.split('?')[0]!,
            callbackVersion: this.opts.callbackVersion,
            resource,
          });
        } catch (err) {
          problems.push(err instanceof Error ? err.message.split('\n')[0]! : String(err));
        }
        if (problems.length >= max) return problems;
      }
    }
    return problems;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.sims.map((s) => s.stop()));
    await this.agent.close().catch(() => undefined);
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
    const ilpPacket = buildIlpPacket({
      amount,
      currency,
      amountMinorUnits: minor,
      condition,
      expiresAt: expiration,
      transaction: transactionObject({
        quoteId: randomUUID(),
        transactionId: randomUUID(),
        payerFsp,
        payeeFsp,
        amount,
        currency,
        expiration,
      }),
    });
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
    const sigHeaders = this.signer.sign({
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
      source: o.source === null ? undefined : o.source ?? t.payerFsp,
      destination: o.destination === null ? undefined : o.destination ?? t.payeeFsp,
      body,
      headers: o.headers,
      sign: o.sign,
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
      callbackVersion: this.opts.callbackVersion,
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
      callbackVersion: this.opts.callbackVersion,
    });
    return rec;
  }

  /** Sleep-free check that nothing matching arrived so far (used after a later, ordering message arrived). */
  assertNone(sim: DfspSimulator, predicate: (r: RecordedRequest) => boolean, what: string, since = 0): void {
    const found = sim.find(predicate, since);
    assert.equal(found.length, 0, `${sim.name} should not have received ${what}; got:\n${found.map((r) => `  ${r.method} ${r.path} ${show(r.bodyText, 300)}`).join('\n')}`);
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
      assert.fail(`${label}: position of ${name} (${currency}) should be ${expected}, is ${last ?? '(unreadable)'}${last === undefined ? ` — ${err instanceof Error ? err.message : String(err)}` : ''}`);
    }
  }
}
