/**
 * Issue 13, several API nodes on one database: a real hub process (node A) and the stores another node's Admin API
 * writes through (node B), on one PostgreSQL database. What B changes, A's APIs answer with promptly; what A's Admin
 * API changes reaches B's memory. (Two full hubs need the ledger ownership of the Kafka mode; the scenarios a
 * two-node conformance run must cover are listed in docs/architecture.md, "What a two-node run must show".)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { request } from 'undici';
import { ChangeFeed } from '../ledger/changes.js';
import { openDb, type Db } from '../ledger/db.js';
import { Registry } from '../ledger/registry.js';
import { ledgerUnits as L } from '../ledger/units.js';
import { loadConfig } from '../switch/config.js';
import { ParticipantDirectory } from '../switch/directory/participants.js';
import { startHub, type RunningHub } from '../switch/hub.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { deferredNetModel } from './support/settlement-models.js';

const BOUND_MS = 1000;
let database: TestDatabase;
let hubA: RunningHub;
let dbB: Db;
let registryB: Registry;
let directoryB: ParticipantDirectory;
let feedB: ChangeFeed;

before(async () => {
  database = await createTestDatabase('mizani_cluster_admin');
  const env = {
    MIZANI_DATABASE_URL: database.url,
    MIZANI_HOST: '127.0.0.1',
    MIZANI_FSPIOP_PORT: '0',
    MIZANI_ADMIN_PORT: '0',
    MIZANI_JWS_SIGN_WORKERS: '1',
    MIZANI_ADMIN_AUTH: 'open',
  };
  hubA = await startHub(loadConfig(env), pino({ level: 'silent' }));
  dbB = await openDb({ url: database.url, dataDir: '', poolSize: 4 });
  registryB = await Registry.load(dbB, hubA.config.hubName);
  directoryB = await ParticipantDirectory.load(dbB, registryB);
  feedB = new ChangeFeed(dbB).on('registry', () => registryB.refresh()).on('directory', () => directoryB.refresh());
  await feedB.start();
});

after(async () => {
  await feedB?.stop();
  await dbB?.close();
  await hubA?.stop();
  await database?.drop();
});

async function adminA(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await request(`${hubA.adminUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, json: text ? JSON.parse(text) : undefined };
}

async function within(what: string, seen: () => boolean | Promise<boolean>): Promise<void> {
  const start = performance.now();
  while (!(await seen())) {
    if (performance.now() - start > BOUND_MS) assert.fail(`${what}: not seen within ${BOUND_MS} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("a participant, endpoint and limit set through node B's stores are what node A's Admin API answers", async () => {
  await registryB.createHubAccount('XOF', 'HUB_RECONCILIATION');
  await registryB.createHubAccount('XOF', 'HUB_MULTILATERAL_SETTLEMENT');
  await registryB.createSettlementModel(deferredNetModel());
  await directoryB.createParticipant('dfspb', 'XOF', false, 'fspiop/2.0');
  await within('participant on A', async () => (await adminA('GET', '/participants/dfspb')).status === 200);
  await directoryB.setEndpoint('dfspb', 'FSPIOP_CALLBACK_URL_TRANSFER_POST', 'http://dfspb.example/transfers');
  await within('endpoint on A', async () => {
    const answer = await adminA('GET', '/participants/dfspb/endpoints');
    return answer.status === 200 && JSON.stringify(answer.json).includes('http://dfspb.example/transfers');
  });
  await registryB.setInitialLimit('dfspb', 'XOF', L(10_000_000n), '10');
  await registryB.updateLimit('dfspb', 'XOF', L(50_000_000n), '10');
  await within('limit on A', async () => {
    const answer = await adminA('GET', '/participants/dfspb/limits');
    return answer.status === 200 && JSON.stringify(answer.json).includes('5000');
  });
});

test("an endpoint set through node A's Admin API reaches node B's memory", async () => {
  const set = await adminA('POST', '/participants/dfspb/endpoints', { type: 'FSPIOP_CALLBACK_URL_QUOTES', value: 'http://dfspb.example/quotes' });
  assert.ok(set.status < 300, JSON.stringify(set.json));
  await within('endpoint on B', () => directoryB.endpoint('dfspb', 'FSPIOP_CALLBACK_URL_QUOTES') === 'http://dfspb.example/quotes');
});
