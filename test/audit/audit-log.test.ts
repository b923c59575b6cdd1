/**
 * The audit log through the real hub (issue 16, docs/audit.md): funds movements, payments committed and refused, a
 * window close and a settlement reach the hash chain, and so do the Admin requests; GET /audit pages through it and
 * GET /audit/verify finds it whole. Then, with the hub stopped, the database is edited behind its back in each way
 * the issue names (an entry changed, removed, two swapped, one forged and inserted at the end or in the middle with the
 * rest renumbered, a checkpoint forged, the chain re-hashed after a change and re-signed with another key, the tail
 * cut off) and `mizani audit verify`, run as the CLI process, exits 1 naming the first bad entry and what is wrong;
 * the untouched log verifies (exit 0).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { AdminClient, DEFAULT_SETTLEMENT_MODEL } from '../../conformance/lib/admin.js';
import { FspiopClient } from '../../conformance/lib/http.js';
import { randomName } from '../../conformance/lib/util.js';
import { publicKeyPem, signCheckpoint } from '../../ledger/audit-chain.js';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { provisionScheme } from '../support/cluster.js';
import { Dfsp, Load, prepares } from '../support/payment-load.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { behindTheHubsBack, entries, forged, insertRow, rehashFrom, restoreLog, runVerify, saveLog, until } from './support.js';

const CURRENCY = 'USD';
const PAYMENTS = 12;

let database: TestDatabase;
let db: pg.Client;
let hub: HubProcess | undefined;
let env: Record<string, string>;
const dfsps: Dfsp[] = [];
const clients: Array<{ close(): Promise<void> }> = [];

before(async () => {
  database = await createTestDatabase('mizani_audit');
  const dir = mkdtempSync(join(tmpdir(), 'mizani-audit-'));
  const keyFile = join(dir, 'audit-key.pem');
  writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  env = { MIZANI_DATABASE_URL: database.url, MIZANI_AUDIT_SIGNING_KEY: keyFile };
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
});

after(async () => {
  await hub?.stop('SIGKILL').catch(() => undefined);
  await Promise.allSettled([...dfsps.map((d) => d.stop()), ...clients.map((c) => c.close())]);
  await db?.end().catch(() => undefined);
  await database?.drop();
});

/** Payments through the hub: PAYMENTS committed, one refused (over the payer's cap); a window closed and settled. */
async function moneyThroughTheHub(admin: AdminClient, fspiop: FspiopClient): Promise<{ refusedId: string }> {
  const names = [randomName('auda'), randomName('audb')];
  const load = new Load(names, { workers: 1, expiresInMs: 30_000, currency: CURRENCY, pick: () => fspiop });
  for (const name of names)
    dfsps.push(
      await new Dfsp(
        name,
        prepares((body) => load.fulfil(body)),
      ).start(),
    );
  await provisionScheme(admin, dfsps, { hubName: 'Hub', currency: CURRENCY, ndc: '1000', fundsIn: '100000' });
  for (let i = 0; i < PAYMENTS; i++) {
    const { request } = load.prepare(names[i % 2]!, names[(i + 1) % 2]!, String(1 + i));
    assert.equal((await fspiop.send(request)).status, 202);
  }
  const refused = load.prepare(names[0]!, names[1]!, '5000');
  assert.equal((await fspiop.send(refused.request)).status, 202);
  const committed = async () => Number((await db.query(`SELECT count(*) AS n FROM transfer WHERE kind = 'TRANSFER' AND state = 'COMMITTED'`)).rows[0].n);
  await until(committed, (n) => n === PAYMENTS, 'every payment committed');
  const window = Number((await db.query(`SELECT id FROM settlement_window WHERE state = 'OPEN'`)).rows[0].id);
  const closed = await admin.call('POST', `/v2/settlementWindows/${window}`, { state: 'CLOSED', reason: 'audit test' });
  assert.equal(closed.status, 200, closed.rawBody);
  const settlement = await admin.call('POST', '/v2/settlements', {
    settlementModel: DEFAULT_SETTLEMENT_MODEL.name,
    reason: 'audit test',
    settlementWindows: [{ id: window }],
  });
  assert.equal(settlement.status, 200, settlement.rawBody);
  return { refusedId: refused.id };
}

test('money events and Admin requests reach the chain; GET /audit pages through it; GET /audit/verify finds it whole', { timeout: 180_000 }, async () => {
  hub = await startHubProcess({ ...env, MIZANI_AUDIT_DRAIN_MS: '50', MIZANI_AUDIT_CHECKPOINT_ENTRIES: '7' }, 60_000);
  const admin = new AdminClient(hub.adminUrl, { timeoutMs: 30_000 });
  const fspiop = new FspiopClient(hub.fspiopUrl, { timeoutMs: 30_000 });
  clients.push(fspiop);
  const { refusedId } = await moneyThroughTheHub(admin, fspiop);

  const finals = (await db.query(`SELECT id, kind, state FROM transfer WHERE state NOT IN ('RESERVED')`)).rows as Array<{
    id: string;
    kind: string;
    state: string;
  }>;
  await until(
    async () => Number((await db.query('SELECT count(*) AS n FROM audit_queue')).rows[0].n),
    (n) => n === 0,
    'the queued money events chained',
  );
  const all: any[] = [];
  for (let after = 0; ;) {
    const page = await admin.call('GET', `/audit?after=${after}&limit=10`);
    assert.equal(page.status, 200, page.rawBody);
    all.push(...page.body.entries);
    if (page.body.entries.length < 10) {
      assert.equal(page.body.head.seq, all.length, 'the head is the last entry');
      break;
    }
    after = page.body.entries.at(-1).seq;
  }
  assert.deepEqual(
    all.map((e) => e.seq),
    all.map((_e, i) => i + 1),
    'gapless from 1',
  );
  for (let i = 1; i < all.length; i++) assert.equal(all[i].prevHash, all[i - 1].hash, `entry ${i + 1} links to entry ${i}`);
  const bySubject = new Map(all.filter((e) => e.actor === 'ledger').map((e) => [e.subject, e]));
  for (const t of finals) assert.ok(bySubject.has(t.id), `the ${t.kind} ${t.id} (${t.state}) is in the log`);
  const kinds = all.map((e) => e.kind);
  assert.equal(kinds.filter((k) => k === 'transfer.committed').length, PAYMENTS);
  assert.equal(kinds.filter((k) => k === 'funds-in.committed').length, 2, 'two funds in');
  assert.equal(bySubject.get(refusedId)?.kind, 'transfer.aborted');
  assert.equal(bySubject.get(refusedId)?.detail.state, 'ABORTED_REJECTED');
  assert.ok(kinds.includes('settlement-window.closed') && kinds.includes('settlement.pending_settlement'), kinds.join(' '));
  const funds = all.find((e) => e.kind === 'admin.request' && e.detail.method === 'POST' && /\/accounts\/\d+$/.test(e.detail.path));
  assert.ok(funds, 'the funds-in request is logged');
  // The guard's identity: this hub's Admin API runs in open mode (startHubProcess), whose every caller is "open".
  assert.equal(funds.actor, 'open');
  assert.match(funds.detail.bodySha256, /^[0-9a-f]{64}$/);
  assert.equal((await admin.call('GET', '/audit?limit=501')).status, 400);

  const verified = await admin.call('GET', '/audit/verify');
  assert.equal(verified.status, 200, verified.rawBody);
  assert.equal(verified.body.ok, true, verified.rawBody);
  assert.equal(verified.body.entries, all.length);
  assert.ok(verified.body.checkpoints >= 1, 'checkpoints were signed every 7 entries');
});

test('mizani audit verify: a whole log exits 0; each edit behind the hub is named with its first entry and problem', { timeout: 180_000 }, async (t) => {
  assert.ok(hub, 'the hub of the test before');
  await hub.stop();
  hub = undefined;
  const whole = await runVerify(env, []);
  assert.equal(whole.code, 0, whole.stdout + whole.stderr);
  assert.match(whole.stdout, /audit log: whole/);
  await saveLog(db);
  const rows = await entries(db);
  const n = rows.length;
  const checkpoints = (await db.query('SELECT seq::int AS seq FROM audit_checkpoint ORDER BY seq')).rows.map((r) => r.seq as number);
  assert.ok(n >= 20 && checkpoints.length >= 2, `${n} entries, checkpoints ${checkpoints.join(',')}`);
  const k = 5;
  const afterCheckpoint = checkpoints.find((c) => c >= k)!;

  const cases: Array<{ name: string; edit: () => Promise<void>; seq: number; problem: string }> = [
    {
      name: 'an entry changed',
      edit: () => behindTheHubsBack(db, [[`UPDATE audit_entry SET detail = jsonb_set(detail, '{amount}', '"1.0000"') WHERE seq = $1`, [k]]]),
      seq: k,
      problem: 'changed',
    },
    { name: 'an entry removed', edit: () => behindTheHubsBack(db, [['DELETE FROM audit_entry WHERE seq = $1', [k]]]), seq: k, problem: 'removed' },
    {
      name: 'two entries swapped',
      edit: () =>
        behindTheHubsBack(db, [
          ['UPDATE audit_entry SET seq = 1000000 WHERE seq = $1', [k]],
          ['UPDATE audit_entry SET seq = $1 WHERE seq = $2', [k, k + 1]],
          ['UPDATE audit_entry SET seq = $1 WHERE seq = 1000000', [k + 1]],
        ]),
      seq: k,
      problem: 'reordered',
    },
    {
      name: 'a forged entry appended, hashed and linked as the hub would',
      edit: () => behindTheHubsBack(db, [insertRow(forged(n + 1, rows[n - 1]!.hash, { amount: '999.0000' }))]),
      seq: n + 1,
      problem: 'inserted',
    },
    {
      name: 'a forged entry inserted in the middle, the rest renumbered and the head moved',
      edit: () =>
        behindTheHubsBack(db, [
          ['UPDATE audit_entry SET seq = seq + 1000000 WHERE seq >= $1', [k]],
          ['UPDATE audit_entry SET seq = seq - 999999 WHERE seq >= 1000000', []],
          insertRow(forged(k, rows[k - 2]!.hash, { amount: '999.0000' })),
          ['UPDATE audit_head SET seq = seq + 1', []],
        ]),
      seq: k,
      problem: 'inserted',
    },
    {
      name: 'a checkpoint forged (its hash changed)',
      edit: () => behindTheHubsBack(db, [["UPDATE audit_checkpoint SET hash = repeat('f', 64) WHERE seq = $1", [checkpoints[0]]]]),
      seq: checkpoints[0]!,
      problem: 'bad-checkpoint-signature',
    },
    {
      name: 'an entry changed and the chain re-hashed after it',
      edit: async () => {
        await behindTheHubsBack(db, [[`UPDATE audit_entry SET actor = 'someone-else' WHERE seq = $1`, [k]]]);
        await rehashFrom(db, k);
      },
      seq: afterCheckpoint,
      problem: 'checkpoint-mismatch',
    },
    {
      name: 'the chain re-hashed and its checkpoints re-signed with another key',
      edit: async () => {
        await behindTheHubsBack(db, [[`UPDATE audit_entry SET actor = 'someone-else' WHERE seq = $1`, [k]]]);
        await rehashFrom(db, k);
        await resignCheckpoints(db);
      },
      seq: checkpoints[0]!,
      problem: 'bad-checkpoint-signature',
    },
    {
      name: 'the tail cut off',
      edit: () => behindTheHubsBack(db, [['DELETE FROM audit_entry WHERE seq > $1', [n - 2]]]),
      seq: n - 1,
      problem: 'truncated',
    },
  ];
  for (const c of cases) {
    await c.edit();
    const run = await runVerify(env);
    t.diagnostic(`${c.name}: exit ${run.code}, ${JSON.stringify(run.json?.firstProblem)}`);
    assert.equal(run.code, 1, `${c.name}: exit 1 (${run.stdout}${run.stderr})`);
    assert.deepEqual({ seq: run.json?.firstProblem?.seq, problem: run.json?.firstProblem?.problem }, { seq: c.seq, problem: c.problem }, c.name);
    await restoreLog(db);
  }
  const restored = await runVerify(env);
  assert.equal(restored.code, 0, `the restored log verifies: ${restored.stdout}`);
  // --public-key pins the key given (here without the configured key in the environment).
  const unconfigured = { MIZANI_DATABASE_URL: env.MIZANI_DATABASE_URL! };
  const otherKey = join(mkdtempSync(join(tmpdir(), 'mizani-audit-')), 'other.pem');
  writeFileSync(otherKey, publicKeyPem(generateKeyPairSync('ed25519').privateKey));
  assert.equal((await runVerify(unconfigured, ['--json', '--public-key', env.MIZANI_AUDIT_SIGNING_KEY!])).code, 0, 'pinned to the hub key');
  const wrong = await runVerify(unconfigured, ['--json', '--public-key', otherKey]);
  assert.equal(wrong.code, 1);
  assert.deepEqual([wrong.json?.firstProblem?.seq, wrong.json?.firstProblem?.problem], [checkpoints[0], 'bad-checkpoint-signature']);
});

/** Every checkpoint signed again, over the chain as it now is, with a key the hub never had. */
async function resignCheckpoints(client: pg.Client): Promise<void> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const cps = (await client.query('SELECT seq::int AS seq, at FROM audit_checkpoint ORDER BY seq')).rows as Array<{ seq: number; at: Date }>;
  const statements: Array<[string, unknown[]]> = [];
  for (const cp of cps) {
    const hash = (await client.query('SELECT hash FROM audit_entry WHERE seq = $1', [cp.seq])).rows[0].hash as string;
    const signature = signCheckpoint(privateKey, { seq: cp.seq, hash, at: cp.at });
    statements.push([
      'UPDATE audit_checkpoint SET hash = $2, signature = $3, public_key = $4 WHERE seq = $1',
      [cp.seq, hash, signature, publicKeyPem(privateKey)],
    ]);
  }
  await behindTheHubsBack(client, statements);
}
