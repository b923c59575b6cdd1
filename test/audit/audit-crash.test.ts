/**
 * A crash between the ledger's write and its chaining loses nothing (docs/audit.md, "Money events"): a hub whose drain
 * never runs (MIZANI_AUDIT_DRAIN_MS of ten minutes) takes payments, so their events sit in audit_queue, written by the
 * ledger's own transactions; the hub is killed with SIGKILL; a new hub on the same database chains every one of them,
 * once, and `mizani audit verify` finds the log whole.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { AdminClient } from '../../conformance/lib/admin.js';
import { FspiopClient } from '../../conformance/lib/http.js';
import { randomName } from '../../conformance/lib/util.js';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { provisionScheme } from '../support/cluster.js';
import { Dfsp, Load, prepares } from '../support/payment-load.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { runVerify, until } from './support.js';

const CURRENCY = 'USD';
const PAYMENTS = 20;

let database: TestDatabase | undefined;
let db: pg.Client | undefined;
const hubs: HubProcess[] = [];
const dfsps: Dfsp[] = [];
const clients: FspiopClient[] = [];

after(async () => {
  for (const h of hubs) await h.stop('SIGKILL').catch(() => undefined);
  await Promise.allSettled([...dfsps.map((d) => d.stop()), ...clients.map((c) => c.close())]);
  await db?.end().catch(() => undefined);
  await database?.drop();
});

const count = async (sql: string) => Number((await db!.query(sql)).rows[0].n);

test('kill -9 with money events queued and not chained: the restarted hub chains each of them once', { timeout: 180_000 }, async () => {
  database = await createTestDatabase('mizani_audit_crash');
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const env = { MIZANI_DATABASE_URL: database.url };
  const first = await startHubProcess({ ...env, MIZANI_AUDIT_DRAIN_MS: '600000' }, 60_000);
  hubs.push(first);
  const fspiop = new FspiopClient(first.fspiopUrl, { timeoutMs: 30_000 });
  clients.push(fspiop);
  const names = [randomName('audcra'), randomName('audcrb')];
  const load = new Load(names, { workers: 1, expiresInMs: 30_000, currency: CURRENCY, pick: () => fspiop });
  for (const name of names)
    dfsps.push(
      await new Dfsp(
        name,
        prepares((body) => load.fulfil(body)),
      ).start(),
    );
  await provisionScheme(new AdminClient(first.adminUrl, { timeoutMs: 30_000 }), dfsps, { hubName: 'Hub', currency: CURRENCY, ndc: '1000', fundsIn: '100000' });
  for (let i = 0; i < PAYMENTS; i++) assert.equal((await fspiop.send(load.prepare(names[i % 2]!, names[(i + 1) % 2]!, '3').request)).status, 202);
  await until(
    () => count(`SELECT count(*) AS n FROM transfer WHERE kind = 'TRANSFER' AND state = 'COMMITTED'`),
    (n) => n === PAYMENTS,
    'every payment committed',
  );
  assert.equal(await count(`SELECT count(*) AS n FROM audit_entry WHERE actor = 'ledger'`), 0, 'nothing chained yet: the drain never ran');
  const queued = await count(`SELECT count(*) AS n FROM (SELECT unnest(refs) FROM audit_queue) q`);
  assert.equal(queued, PAYMENTS + 2, 'every payment and both funds in are queued by the ledger transactions');

  first.child.kill('SIGKILL');
  await first.exited;
  const second = await startHubProcess({ ...env, MIZANI_AUDIT_DRAIN_MS: '50' }, 60_000);
  hubs.push(second);
  await until(
    () => count('SELECT count(*) AS n FROM audit_queue'),
    (n) => n === 0,
    'the queue drained by the restarted hub',
  );
  const chained = (await db.query(`SELECT subject, count(*)::int AS n FROM audit_entry WHERE actor = 'ledger' GROUP BY subject`)).rows as Array<{
    subject: string;
    n: number;
  }>;
  const finals = (await db.query(`SELECT id FROM transfer WHERE state = 'COMMITTED'`)).rows.map((r) => r.id as string);
  assert.equal(finals.length, PAYMENTS + 2);
  assert.deepEqual(chained.map((c) => c.subject).sort(), [...finals].sort(), 'every committed transfer chained');
  assert.ok(
    chained.every((c) => c.n === 1),
    'each once',
  );
  await second.stop();
  const verified = await runVerify(env);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  assert.equal(verified.json?.ok, true);
});
