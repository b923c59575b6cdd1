// Ledger admin API client (contract admin.md §1) and the provisioning helper (admin.md §1.9).
import { randomUUID } from 'node:crypto';
import { Agent, request, type Dispatcher } from 'undici';
import { decimalEquals, normalizeDecimal, subDecimal } from './decimal.js';
import { normaliseHeaders, tryParseJson } from './http.js';
import { pollUntil, show } from './util.js';

export interface AdminResponse {
  status: number;
  headers: Record<string, string>;
  rawBody: string;
  body: any;
}

export class AdminError extends Error {
  constructor(
    message: string,
    readonly response?: AdminResponse,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

export interface AccountView {
  id: number | string;
  ledgerAccountType: string;
  currency: string;
  isActive?: unknown;
  value?: unknown;
  reservedValue?: unknown;
}

export interface PositionView {
  currency: string;
  /** Normalised exact decimal string. */
  value: string;
  changedDate?: string;
}

function errorCodeOf(r: AdminResponse): string | undefined {
  return r.body?.errorInformation?.errorCode;
}
function errorDescriptionOf(r: AdminResponse): string {
  return String(r.body?.errorInformation?.errorDescription ?? '');
}

export class AdminClient {
  readonly baseUrl: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly timeoutMs: number;
  /** A bearer token for a hub whose Admin API asks for one (Mizani's MIZANI_ADMIN_AUTH=on). */
  token?: string;
  /**
   * A second user's token, for a hub with maker-checker: a call answered 202 with a `proposal` is approved with it at
   * once, and the call answers what the approved request answered (the proposal's `result`).
   */
  checkerToken?: string;

  constructor(baseUrl: string, opts: { dispatcher?: Dispatcher; timeoutMs?: number; token?: string; checkerToken?: string } = {}) {
    this.token = opts.token;
    this.checkerToken = opts.checkerToken;
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher = opts.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connections: 32 });
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<AdminResponse> {
    const answer = await this.send(method, path, body, this.token);
    const proposal = answer.status === 202 ? (answer.body as { proposal?: { id?: string } } | undefined)?.proposal : undefined;
    if (!proposal?.id || !this.checkerToken) return answer;
    const decided = await this.send('POST', `/proposals/${proposal.id}/approve`, undefined, this.checkerToken);
    const result = (decided.body as { result?: { status: number; body?: unknown } } | undefined)?.result;
    if (decided.status !== 200 || !result)
      throw new AdminError(`admin ${method} ${path}: approving proposal ${proposal.id} → HTTP ${decided.status}: ${show(decided.rawBody, 500)}`, decided);
    const rawBody = result.body === undefined ? '' : JSON.stringify(result.body);
    return { status: result.status, headers: decided.headers, rawBody, body: result.body };
  }

  private async send(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body: unknown, token: string | undefined): Promise<AdminResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
    let payload: string | null = null;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const url = this.baseUrl + path;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method,
        headers,
        body: payload,
        dispatcher: this.dispatcher,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (err) {
      throw new AdminError(`admin ${method} ${url} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const rawBody = await res.body.text();
    return {
      status: res.statusCode,
      headers: normaliseHeaders(res.headers as Record<string, string | string[] | undefined>),
      rawBody,
      body: tryParseJson(rawBody),
    };
  }

  /** Call and require one of the `ok` statuses (or a tolerated error); throws a descriptive AdminError otherwise. */
  async expect(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body: unknown,
    ok: number[],
    tolerate?: (r: AdminResponse) => boolean,
  ): Promise<AdminResponse> {
    const r = await this.call(method, path, body);
    if (ok.includes(r.status) || (tolerate && tolerate(r))) return r;
    throw new AdminError(
      `admin ${method} ${path} ${body === undefined ? '' : show(body, 300) + ' '}→ HTTP ${r.status} (expected ${ok.join('/')}): ${show(r.rawBody, 500)}`,
      r,
    );
  }

  // ---- hub set-up ----------------------------------------------------------------------------------------------

  /** `POST /participants/{hub}/accounts` — tolerates "already registered" so suites can re-run on one hub. */
  async createHubAccount(hubName: string, type: string, currency: string): Promise<void> {
    await this.expect(
      'POST',
      `/participants/${encodeURIComponent(hubName)}/accounts`,
      { type, currency },
      [200, 201],
      (r) => (r.status === 400 || r.status === 409) && (errorCodeOf(r) === '3003' || r.status === 409) && /already/i.test(errorDescriptionOf(r)),
    );
  }

  /** `POST /settlementModels` — tolerates "already exists". */
  async createSettlementModel(model: Record<string, unknown>): Promise<void> {
    await this.expect(
      'POST',
      '/settlementModels',
      model,
      [200, 201],
      (r) => (r.status === 400 || r.status === 409) && /already exists/i.test(errorDescriptionOf(r)),
    );
  }

  // ---- participants --------------------------------------------------------------------------------------------

  /** `POST /participants` `{name, currency, dialect?}` (docs/iso20022.md: the dialect the participant speaks). */
  async createParticipant(name: string, currency: string, dialect?: string): Promise<any> {
    return (await this.expect('POST', '/participants', dialect === undefined ? { name, currency } : { name, currency, dialect }, [201])).body;
  }

  /** `PUT /participants/{name}` `{dialect?, xmlProfile?}` */
  async setParticipantDialect(name: string, o: { dialect?: string; xmlProfile?: string }): Promise<any> {
    return (await this.expect('PUT', `/participants/${encodeURIComponent(name)}`, o, [200])).body;
  }

  /** `POST /participants/{name}/xmlCertificates` `{certificate}` (a bank's XML-signing certificate); raw response. */
  addXmlCertificate(name: string, certificate: string): Promise<AdminResponse> {
    return this.call('POST', `/participants/${encodeURIComponent(name)}/xmlCertificates`, { certificate });
  }

  /**
   * `PUT /participants/{name}/isoIdentifiers` `{bicfi?, clearingSystemMemberIds?: [{clearingSystemId, memberId}]}`: how
   * banks name the participant (docs/iso20022.md, "Identifying banks"); raw response (refusals are tested).
   */
  setIsoIdentifiers(name: string, ids: IsoIdentifiers | Record<string, unknown>): Promise<AdminResponse> {
    return this.call('PUT', `/participants/${encodeURIComponent(name)}/isoIdentifiers`, ids);
  }

  /** `GET /participants/{name}/isoIdentifiers`; raw response. */
  getIsoIdentifiers(name: string): Promise<AdminResponse> {
    return this.call('GET', `/participants/${encodeURIComponent(name)}/isoIdentifiers`);
  }

  async getParticipant(name: string): Promise<any> {
    return (await this.expect('GET', `/participants/${encodeURIComponent(name)}`, undefined, [200])).body;
  }

  /** `PUT /participants/{name}` `{isActive}` */
  async setParticipantActive(name: string, isActive: boolean): Promise<void> {
    await this.expect('PUT', `/participants/${encodeURIComponent(name)}`, { isActive }, [200]);
  }

  async setInitialPositionAndLimits(name: string, currency: string, ndc: string | number, initialPosition: number = 0): Promise<void> {
    await this.expect(
      'POST',
      `/participants/${encodeURIComponent(name)}/initialPositionAndLimits`,
      { currency, limit: { type: 'NET_DEBIT_CAP', value: Number(ndc) }, initialPosition },
      [201],
    );
  }

  async getAccounts(name: string): Promise<AccountView[]> {
    const r = await this.expect('GET', `/participants/${encodeURIComponent(name)}/accounts`, undefined, [200]);
    if (!Array.isArray(r.body)) throw new AdminError(`GET /participants/${name}/accounts: expected an array, got ${show(r.rawBody)}`, r);
    return r.body as AccountView[];
  }

  async getAccount(name: string, type: string, currency: string): Promise<AccountView> {
    const accounts = await this.getAccounts(name);
    const acc = accounts.find((a) => a.ledgerAccountType === type && a.currency === currency);
    if (!acc) throw new AdminError(`participant ${name} has no ${type} account in ${currency}: ${show(accounts)}`);
    return acc;
  }

  /** `POST /participants/{name}/accounts/{id}` recordFundsIn → 202 (asynchronous on the hub). Returns the funds-in transferId. */
  async recordFundsIn(name: string, accountId: number | string, amount: string, currency: string): Promise<string> {
    const transferId = randomUUID();
    await this.expect(
      'POST',
      `/participants/${encodeURIComponent(name)}/accounts/${accountId}`,
      {
        transferId,
        externalReference: `conformance-${transferId.slice(0, 8)}`,
        action: 'recordFundsIn',
        reason: 'conformance suite funding',
        amount: { amount, currency },
      },
      [202],
    );
    return transferId;
  }

  async setEndpoint(name: string, type: string, value: string): Promise<void> {
    await this.expect('POST', `/participants/${encodeURIComponent(name)}/endpoints`, { type, value }, [201]);
  }

  // ---- JWS keys (secured hub) ----------------------------------------------------------------------------------

  /** `POST /participants/{name}/jwsKeys` `{publicKey, kid?}` (201 `{kid, alg}` expected; the raw response is returned). */
  addJwsKey(name: string, publicKey: string, kid?: string): Promise<AdminResponse> {
    return this.call('POST', `/participants/${encodeURIComponent(name)}/jwsKeys`, kid === undefined ? { publicKey } : { publicKey, kid });
  }

  /** `GET /participants/{name}/jwsKeys` */
  listJwsKeys(name: string): Promise<AdminResponse> {
    return this.call('GET', `/participants/${encodeURIComponent(name)}/jwsKeys`);
  }

  /** `DELETE /participants/{name}/jwsKeys/{kid}` (204 expected). */
  revokeJwsKey(name: string, kid: string): Promise<AdminResponse> {
    return this.call('DELETE', `/participants/${encodeURIComponent(name)}/jwsKeys/${encodeURIComponent(kid)}`);
  }

  /** `POST /participants/{name}/endpoints` returning the raw response. */
  tryEndpoint(name: string, type: string, value: string): Promise<AdminResponse> {
    return this.call('POST', `/participants/${encodeURIComponent(name)}/endpoints`, { type, value });
  }

  /** `GET /participants/{name}/positions?currency=X` → exact decimal string value. */
  async getPosition(name: string, currency: string): Promise<PositionView> {
    const r = await this.expect('GET', `/participants/${encodeURIComponent(name)}/positions?currency=${encodeURIComponent(currency)}`, undefined, [200]);
    const b = r.body;
    if (!b || typeof b !== 'object' || Array.isArray(b) || b.value === undefined || b.value === null) {
      throw new AdminError(`no ${currency} position for ${name}: ${show(r.rawBody)}`, r);
    }
    if (typeof b.value !== 'number' && typeof b.value !== 'string') {
      throw new AdminError(`position value for ${name} is neither a number nor a numeric string: ${show(r.rawBody)}`, r);
    }
    return { currency: b.currency, value: normalizeDecimal(b.value), changedDate: b.changedDate };
  }
}

// ---- provisioning ----------------------------------------------------------------------------------------------

export const HUB_ACCOUNT_TYPES = ['HUB_MULTILATERAL_SETTLEMENT', 'HUB_RECONCILIATION'] as const;

export const DEFAULT_SETTLEMENT_MODEL = {
  name: 'DEFAULTDEFERREDNET',
  settlementGranularity: 'NET',
  settlementInterchange: 'MULTILATERAL',
  settlementDelay: 'DEFERRED',
  requireLiquidityCheck: false,
  ledgerAccountType: 'POSITION',
  autoPositionReset: true,
  settlementAccountType: 'SETTLEMENT',
} as const;

/** Endpoint registrations for a DFSP whose simulator listens at `base` (admin.md §1.3, TTK conventions). */
export function endpointsFor(base: string): Array<{ type: string; value: string }> {
  const b = base.replace(/\/+$/, '');
  const p = `${b}/parties/{{partyIdType}}/{{partyIdentifier}}`;
  const pa = `${b}/participants/{{partyIdType}}/{{partyIdentifier}}`;
  return [
    { type: 'FSPIOP_CALLBACK_URL_TRANSFER_POST', value: `${b}/transfers` },
    { type: 'FSPIOP_CALLBACK_URL_TRANSFER_PUT', value: `${b}/transfers/{{transferId}}` },
    { type: 'FSPIOP_CALLBACK_URL_TRANSFER_ERROR', value: `${b}/transfers/{{transferId}}/error` },
    { type: 'FSPIOP_CALLBACK_URL_BULK_TRANSFER_POST', value: `${b}/bulkTransfers` },
    { type: 'FSPIOP_CALLBACK_URL_BULK_TRANSFER_PUT', value: `${b}/bulkTransfers/{{id}}` },
    { type: 'FSPIOP_CALLBACK_URL_BULK_TRANSFER_ERROR', value: `${b}/bulkTransfers/{{id}}/error` },
    { type: 'FSPIOP_CALLBACK_URL_FX_TRANSFER_POST', value: `${b}/fxTransfers` },
    { type: 'FSPIOP_CALLBACK_URL_FX_TRANSFER_PUT', value: `${b}/fxTransfers/{{commitRequestId}}` },
    { type: 'FSPIOP_CALLBACK_URL_FX_TRANSFER_ERROR', value: `${b}/fxTransfers/{{commitRequestId}}/error` },
    { type: 'FSPIOP_CALLBACK_URL_PARTIES_GET', value: p },
    { type: 'FSPIOP_CALLBACK_URL_PARTIES_SUB_ID_GET', value: `${p}/{{partySubIdOrType}}` },
    { type: 'FSPIOP_CALLBACK_URL_PARTIES_PUT', value: p },
    { type: 'FSPIOP_CALLBACK_URL_PARTIES_SUB_ID_PUT', value: `${p}/{{partySubIdOrType}}` },
    { type: 'FSPIOP_CALLBACK_URL_PARTIES_PUT_ERROR', value: `${p}/error` },
    { type: 'FSPIOP_CALLBACK_URL_PARTIES_SUB_ID_PUT_ERROR', value: `${p}/{{partySubIdOrType}}/error` },
    { type: 'FSPIOP_CALLBACK_URL_PARTICIPANT_PUT', value: pa },
    { type: 'FSPIOP_CALLBACK_URL_PARTICIPANT_SUB_ID_PUT', value: `${pa}/{{partySubIdOrType}}` },
    { type: 'FSPIOP_CALLBACK_URL_PARTICIPANT_PUT_ERROR', value: `${pa}/error` },
    { type: 'FSPIOP_CALLBACK_URL_PARTICIPANT_SUB_ID_PUT_ERROR', value: `${pa}/{{partySubIdOrType}}/error` },
    { type: 'FSPIOP_CALLBACK_URL_PARTICIPANT_DELETE', value: pa },
    { type: 'FSPIOP_CALLBACK_URL_PARTICIPANT_SUB_ID_DELETE', value: `${pa}/{{partySubIdOrType}}` },
    { type: 'FSPIOP_CALLBACK_URL_PARTICIPANT_BATCH_PUT', value: `${b}/participants/{{requestId}}` },
    { type: 'FSPIOP_CALLBACK_URL_PARTICIPANT_BATCH_PUT_ERROR', value: `${b}/participants/{{requestId}}/error` },
    { type: 'FSPIOP_CALLBACK_URL_QUOTES', value: b },
    { type: 'FSPIOP_CALLBACK_URL_BULK_QUOTES', value: b },
    { type: 'FSPIOP_CALLBACK_URL_TRX_REQ_SERVICE', value: b },
    { type: 'FSPIOP_CALLBACK_URL_AUTHORIZATIONS', value: b },
  ];
}

/**
 * Hub accounts + default settlement model for a currency. Idempotent on the hub side
 * ("already registered"/"already exists" tolerated), memoised per (admin, hub, currency) within a process.
 */
const hubSetupDone = new WeakMap<AdminClient, Map<string, Promise<void>>>();
export function ensureHubSetup(admin: AdminClient, hubName: string, currency: string): Promise<void> {
  let perAdmin = hubSetupDone.get(admin);
  if (!perAdmin) hubSetupDone.set(admin, (perAdmin = new Map()));
  const key = `${hubName}|${currency}`;
  let p = perAdmin.get(key);
  if (!p) {
    p = (async () => {
      for (const type of HUB_ACCOUNT_TYPES) await admin.createHubAccount(hubName, type, currency);
      await admin.createSettlementModel({ ...DEFAULT_SETTLEMENT_MODEL });
    })();
    p.catch(() => perAdmin!.delete(key)); // allow a retry after a failure
    perAdmin.set(key, p);
  }
  return p;
}

/** A participant's ISO 20022 identifiers as the Admin API takes and shows them. */
export interface IsoIdentifiers {
  bicfi?: string;
  clearingSystemMemberIds?: Array<{ clearingSystemId: string; memberId: string }>;
}

export interface DfspProvisioning {
  name: string;
  currency: string;
  /** Net debit cap. Default 1000000. */
  ndc?: string;
  /** Funds in on the SETTLEMENT account. Default 10000000. `'0'` skips funds in. */
  fundsIn?: string;
  /** Simulator base URL for callback endpoints; omitted → no endpoints registered. */
  callbackBase?: string;
  /** Dialect at creation (`POST /participants {dialect}`); omitted → the hub's default. */
  dialect?: string;
  /** Endpoints to register instead of the FSPIOP ones of `callbackBase` (e.g. a bank's ISO20022_CALLBACK_URL). */
  endpoints?: Array<{ type: string; value: string }>;
}

export interface ProvisionOptions {
  hubName: string;
  /** Max wait for asynchronous funds-in to show on the SETTLEMENT account. Default 15 s. */
  timeoutMs?: number;
}

/** Add (or first-time create) `currency` for participant `name`: account, limits, optional funds in. */
export async function addCurrency(
  admin: AdminClient,
  name: string,
  currency: string,
  opts: { hubName: string; ndc?: string; fundsIn?: string; timeoutMs?: number; dialect?: string },
): Promise<void> {
  await ensureHubSetup(admin, opts.hubName, currency);
  await admin.createParticipant(name, currency, opts.dialect);
  await admin.setInitialPositionAndLimits(name, currency, opts.ndc ?? '1000000', 0);
  const fundsIn = opts.fundsIn ?? '10000000';
  if (normalizeDecimal(fundsIn) !== '0') await fundIn(admin, name, currency, fundsIn, opts.timeoutMs ?? 15_000);
}

/** Record funds in on a fresh SETTLEMENT account and wait until the account shows −amount. */
export async function fundIn(admin: AdminClient, name: string, currency: string, amount: string, timeoutMs: number): Promise<void> {
  const settlement = await admin.getAccount(name, 'SETTLEMENT', currency);
  const before = normalizeDecimal((settlement.value as string | number | undefined) ?? 0);
  await admin.recordFundsIn(name, settlement.id, amount, currency);
  const expected = subDecimal(before, amount); // funds in makes the SETTLEMENT value more negative
  await pollUntil(
    () => admin.getAccount(name, 'SETTLEMENT', currency),
    (a) => a.value !== undefined && a.value !== null && decimalEquals(a.value as string | number, expected),
    {
      timeoutMs,
      intervalMs: 100,
      label: `funds in ${amount} ${currency} for ${name}: SETTLEMENT account value should become ${expected}`,
      describe: (a) => show(a),
    },
  );
}

/** Full DFSP provisioning per admin.md §1.9 (step 4), after hub set-up for the currency. */
export async function provisionDfsp(admin: AdminClient, dfsp: DfspProvisioning, opts: ProvisionOptions): Promise<void> {
  await addCurrency(admin, dfsp.name, dfsp.currency, {
    hubName: opts.hubName,
    ndc: dfsp.ndc,
    fundsIn: dfsp.fundsIn,
    timeoutMs: opts.timeoutMs,
    dialect: dfsp.dialect,
  });
  if (dfsp.endpoints) {
    await Promise.all(dfsp.endpoints.map((e) => admin.setEndpoint(dfsp.name, e.type, e.value)));
  } else if (dfsp.callbackBase) {
    const base = dfsp.callbackBase;
    await Promise.all(endpointsFor(base).map((e) => admin.setEndpoint(dfsp.name, e.type, e.value)));
  }
}

/** Hub accounts + settlement model, then every DFSP (in parallel). */
export async function provision(admin: AdminClient, dfsps: DfspProvisioning[], opts: ProvisionOptions): Promise<void> {
  const currencies = [...new Set(dfsps.map((d) => d.currency))];
  for (const c of currencies) await ensureHubSetup(admin, opts.hubName, c);
  await Promise.all(dfsps.map((d) => provisionDfsp(admin, d, opts)));
}
