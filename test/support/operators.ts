/**
 * A hub whose Admin API asks for tokens (MIZANI_ADMIN_AUTH=on), with users made by `mizani user add` as an operator
 * makes them, and calls made as one of them.
 */
import { DEFAULT_SETTLEMENT_MODEL, HUB_ACCOUNT_TYPES } from '../../conformance/lib/admin.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { addUser, startHubProcess, tokenOf, type HubProcess } from './hub-process.js';

export const PASSWORD = 'correct horse battery staple';

/** The staff of the test scheme: two of each kind who can approve, an auditor. */
export const STAFF_USERS: Record<string, string[]> = {
  admin1: ['admin'],
  admin2: ['admin'],
  ops1: ['operator'],
  ops2: ['operator'],
  fin1: ['finance'],
  fin2: ['finance'],
  aud1: ['auditor'],
};

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

export interface AuthHub {
  hub: HubProcess;
  database: TestDatabase;
  env: Record<string, string>;
  tokens: Map<string, string>;
  /** A call with `user`'s token (undefined: no Authorization header). */
  call(user: string | undefined, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  /** A user made now (the hub running), signed in. */
  addUser(name: string, roles: string[], participant?: string): Promise<void>;
  /** The hub's accounts in `currency` and the default settlement model, made by the operator and finance. */
  setUpCurrency(currency: string): Promise<void>;
  /** `maker` asks; when that makes a proposal, `checker` approves it. The answer of the execution (or the call). */
  twoEyes(maker: string, checker: string, method: string, path: string, body?: unknown): Promise<Answer>;
  stop(): Promise<void>;
}

export async function startAuthHub(label: string, env: Record<string, string> = {}): Promise<AuthHub> {
  const database = await createTestDatabase(`mizani_auth_${label}`);
  const hubEnv = { MIZANI_DATABASE_URL: database.url, MIZANI_ADMIN_AUTH: 'on', ...env };
  for (const [name, roles] of Object.entries(STAFF_USERS)) addUser(hubEnv, name, roles, PASSWORD);
  let hub: HubProcess;
  try {
    hub = await startHubProcess(hubEnv);
  } catch (err) {
    await database.drop();
    throw err;
  }
  const tokens = new Map<string, string>();
  await Promise.all(Object.keys(STAFF_USERS).map(async (name) => tokens.set(name, await tokenOf(hub.adminUrl, name, PASSWORD))));
  const call = async (user: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const token = user === undefined ? undefined : tokens.get(user);
    if (user !== undefined && !token) throw new Error(`no token for ${user}`);
    const response = await fetch(`${hub.adminUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
  return {
    hub,
    database,
    env: hubEnv,
    tokens,
    call,
    async addUser(name, roles, participant) {
      addUser(hubEnv, name, roles, PASSWORD, participant);
      tokens.set(name, await tokenOf(hub.adminUrl, name, PASSWORD));
    },
    async setUpCurrency(currency) {
      for (const type of HUB_ACCOUNT_TYPES) {
        const made = await call('ops1', 'POST', '/participants/Hub/accounts', { type, currency });
        if (made.status !== 201) throw new Error(`hub account ${type}: ${made.status} ${JSON.stringify(made.body)}`);
      }
      const model = await call('fin1', 'POST', '/settlementModels', DEFAULT_SETTLEMENT_MODEL);
      if (model.status !== 201 && !/already exists/.test(JSON.stringify(model.body))) throw new Error(`settlement model: ${JSON.stringify(model.body)}`);
    },
    async twoEyes(maker, checker, method, path, body) {
      const asked = await call(maker, method, path, body);
      if (asked.status !== 202 || !asked.body?.proposal) return asked;
      const decided = await call(checker, 'POST', `/proposals/${asked.body.proposal.id}/approve`);
      if (decided.status !== 200) return decided;
      const result = decided.body.result as { status: number; body?: unknown };
      return { status: result.status, body: result.body, headers: decided.headers };
    },
    async stop() {
      await hub.stopWithin(10_000);
      await database.drop();
    },
  };
}
