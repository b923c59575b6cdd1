/**
 * The database layer follows its primary (issue 13, "the database survives its primary"), on a real primary with a
 * synchronous standby (test/support/pg-pair.ts):
 *
 * - given both hosts, standby first, it serves on the primary; given only the standby, it does not open, and says what
 *   the host answered;
 * - rows acknowledged before the failover are on the standby (synchronous replication);
 * - the primary is stopped (`pg_ctl stop -m immediate`): operations fail with LEDGER_UNAVAILABLE, and while only the
 *   standby answers nothing is sent to it (the errors are the hub's own, never the standby's read-only refusal, and no
 *   row written then exists afterwards);
 * - the standby is promoted: operations succeed again on it by themselves, a session of the old primary is refused, a
 *   new one is on the new primary; the events say lost, no primary (with each host's answer), then the new primary and
 *   the time without one;
 * - the old primary started again (not fenced, so a primary of its own): a search refuses both (split brain);
 * - `mizani start` on a URL that names no primary exits 1 after MIZANI_DB_PRIMARY_WAIT_S, saying what the host answered.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDb, type Db } from '../../ledger/db.js';
import { DatabaseUnavailableError, type DatabaseEvent } from '../../ledger/pg-primary.js';
import { DomainError } from '../../schemas/outcomes.js';
import { startPgPair, type PgPair } from '../support/pg-pair.js';

let pair: PgPair | undefined;
let db: Db | undefined;

after(async () => {
  await db?.close().catch(() => undefined);
  await pair?.stop();
});

const ROWS = 200;

async function where(d: Db): Promise<{ port: number; standby: boolean }> {
  const r = await d.query<{ port: number; standby: boolean }>('SELECT inet_server_port() AS port, pg_is_in_recovery() AS standby');
  return r.rows[0]!;
}

function unavailable(err: unknown): boolean {
  return err instanceof DatabaseUnavailableError && err instanceof DomainError && err.outcome === 'LEDGER_UNAVAILABLE';
}

test('the database layer follows the primary across a failover and never writes to a standby', { timeout: 120_000 }, async (t) => {
  pair = await startPgPair();
  await pair.createDatabase('failover');
  const { primary, standby } = pair;

  await assert.rejects(
    openDb({ url: pair.nodeUrl(standby), dataDir: '', poolSize: 2, connectTimeoutMs: 2000 }),
    new RegExp(`no PostgreSQL primary among ${standby.label} within 0 ms: no primary: ${standby.label} standby`),
    'a URL naming only the standby does not open',
  );
  const cli = fileURLToPath(new URL('../../switch/cli.js', import.meta.url));
  const started = spawnSync(process.execPath, [cli, 'start'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, MIZANI_DATABASE_URL: pair.nodeUrl(standby), MIZANI_DB_PRIMARY_WAIT_S: '1', MIZANI_FSPIOP_PORT: '0', MIZANI_ADMIN_PORT: '0' },
    timeout: 30_000,
  });
  assert.equal(started.status, 1, `mizani start on a standby only: ${started.stderr}`);
  assert.match(
    started.stderr,
    new RegExp(`^mizani: Error: no PostgreSQL primary among ${standby.label} within 1000 ms: no primary: ${standby.label} standby\n`),
  );

  const events: DatabaseEvent[] = [];
  const url = `postgres://postgres@${standby.label},${primary.label}/failover?target_session_attrs=read-write`;
  db = await openDb({ url, dataDir: '', poolSize: 4, connectTimeoutMs: 2000, onEvent: (e) => events.push(e) });
  assert.deepEqual(await where(db), { port: primary.port, standby: false }, 'standby listed first, the primary is used');
  assert.deepEqual(events, [{ kind: 'primary', host: primary.label, hosts: [standby.label, primary.label], previous: undefined, outageMs: undefined }]);

  await db.exec('CREATE TABLE acked (id int PRIMARY KEY, note text NOT NULL)');
  for (let i = 0; i < ROWS; i += 20) {
    const ids = Array.from({ length: 20 }, (_, k) => i + k);
    await db.query(`INSERT INTO acked (id, note) SELECT x, 'before' FROM unnest($1::int[]) AS x`, [ids]);
  }
  await db.transaction(async (tx) => {
    await tx.query(`INSERT INTO acked (id, note) VALUES ($1, 'in a transaction')`, [ROWS]);
  });
  assert.equal(await pair.standbySyncState(), 'sync', 'the standby is synchronous: every commit above is on it');
  const session = await db.connect();
  assert.equal((await session.query<{ port: number }>('SELECT inet_server_port() AS port')).rows[0]!.port, primary.port);

  // ---- the primary goes away
  const stopMs = await pair.stopPrimary();
  const lostAt = Date.now();
  await assert.rejects(db.query('SELECT 1'), unavailable, 'with the primary gone, a query fails with LEDGER_UNAVAILABLE');
  await assert.rejects(session.query('SELECT 1'), unavailable, "the old primary's session fails");
  // Only the standby answers now: writes are refused by the hub, not sent to the standby.
  const whileStandby: unknown[] = [];
  for (let i = 0; i < 5; i++) {
    await db.query(`INSERT INTO acked (id, note) VALUES ($1, 'while no primary')`, [10_000 + i]).catch((err: unknown) => whileStandby.push(err));
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(whileStandby.length, 5, 'no write succeeds while there is no primary');
  for (const err of whileStandby) {
    assert.ok(unavailable(err), `refused by the hub: ${String(err)}`);
    assert.doesNotMatch(String((err as Error).message), /read-only transaction/, 'never sent to the standby');
  }

  // ---- the standby is promoted: the layer finds it by itself
  const promoteMs = await pair.promoteStandby();
  let firstOkAt = 0;
  for (;;) {
    try {
      const at = await where(db);
      assert.deepEqual(at, { port: standby.port, standby: false }, 'after the failover the promoted standby is used');
      firstOkAt = Date.now();
      break;
    } catch (err) {
      if (!unavailable(err)) throw err;
      assert.ok(Date.now() - lostAt < 60_000, 'the layer found the new primary within 60 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const acked = await db.query<{ before: string; tx: string; lost: string }>(
    `SELECT count(*) FILTER (WHERE note = 'before') AS before, count(*) FILTER (WHERE note = 'in a transaction') AS tx,
            count(*) FILTER (WHERE note = 'while no primary') AS lost FROM acked`,
  );
  assert.deepEqual(acked.rows[0], { before: String(ROWS), tx: '1', lost: '0' }, 'every acknowledged row survived; none written while there was no primary');
  await db.query(`INSERT INTO acked (id, note) VALUES ($1, 'after')`, [ROWS + 1]);

  await assert.rejects(session.query('SELECT 1'), unavailable, 'a session of the old primary is never used again');
  session.release(true);
  const fresh = await db.connect();
  assert.equal((await fresh.query<{ port: number }>('SELECT inet_server_port() AS port')).rows[0]!.port, standby.port, 'a new session is on the new primary');
  fresh.release();

  const kinds = events.map((e) => e.kind);
  assert.deepEqual(kinds.slice(0, 2), ['primary', 'primary-lost'], kinds.join(', '));
  assert.equal(kinds.at(-1), 'primary', kinds.join(', '));
  assert.ok(kinds.includes('no-primary'), 'a search that found no primary was reported');
  const lost = events.find((e) => e.kind === 'primary-lost');
  assert.equal(lost?.kind === 'primary-lost' && lost.host, primary.label);
  const noPrimary = events.find((e) => e.kind === 'no-primary');
  assert.ok(noPrimary?.kind === 'no-primary');
  assert.deepEqual(
    noPrimary.hosts.map((h) => `${h.host} ${h.state}`),
    [`${standby.label} standby`, `${primary.label} unreachable`],
    'the report says what each host answered',
  );
  const found = events.at(-1)!;
  assert.ok(found.kind === 'primary' && found.host === standby.label && found.previous === primary.label && (found.outageMs ?? -1) >= 0);

  // ---- the old primary comes back as a primary of its own (nobody fenced it): two primaries, the split brain
  await pair.restart(primary);
  await assert.rejects(
    openDb({ url: pair.url('failover'), dataDir: '', poolSize: 2, connectTimeoutMs: 2000 }),
    new RegExp(`${primary.label} and ${standby.label} all answer as primary \\(split brain\\?\\): writing to none`),
    'a hub that looks for the primary while two answer writes to neither',
  );
  assert.deepEqual(await where(db), { port: standby.port, standby: false }, 'a hub already on the new primary stays there');

  t.diagnostic(
    `pg_ctl stop -m immediate ${stopMs} ms, promote ${promoteMs} ms; queries served again ${firstOkAt - lostAt} ms after the stop ` +
      `(the layer reports ${found.outageMs} ms without a primary)`,
  );
});
