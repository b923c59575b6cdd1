#!/usr/bin/env node
// What the audit log's queue costs the ledger's write (docs/audit.md, "Cost"): batches of payments written as the
// group commit writes them (one transaction: the prepares' inserts, then their commits' updates, as mizani_apply's
// statements do), with the triggers of migration 026 on and off, alternating, on a fresh PostgreSQL database.
// Prints the median time per batch and per payment of each, and the difference.
//   node scripts/bench-audit.mjs [--batch 100] [--rounds 10] [--no-fsync]     (after a build: uses dist/)
// --no-fsync: synchronous_commit off in the measured transactions, so the triggers' CPU cost is not lost in the
// commit's disk wait (the hub's real writes wait for it).
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDb } from '../dist/ledger/db.js';
import { migrate } from '../dist/ledger/migrate.js';

const { values } = parseArgs({
  options: { batch: { type: 'string', default: '100' }, rounds: { type: 'string', default: '10' }, 'no-fsync': { type: 'boolean', default: false } },
});
const batch = Number(values.batch);
const rounds = Number(values.rounds);
const adminUrl = process.env.MIZANI_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `mizani_bench_audit_${Date.now().toString(36)}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const db = await openDb({ url: url.toString(), dataDir: '', poolSize: 2 });
const TRIGGERS = ['transfer_final_inserted', 'transfer_final_updated'];
try {
  await migrate(db);
  let n = 0;
  const write = async () => {
    const ids = Array.from({ length: batch }, () => `bench-${n++}`);
    const inserts = ids.map((id) => ({ id, kind: 'TRANSFER', payer: 'a', payee: 'b', currency: 'USD', amount: '10', state: 'RESERVED' }));
    const updates = ids.map((id) => ({ id, from_state: 'RESERVED', state: 'COMMITTED', completed_at: new Date().toISOString() }));
    const started = process.hrtime.bigint();
    await db.transaction(async (tx) => {
      if (values['no-fsync']) await tx.query('SET LOCAL synchronous_commit = off');
      await tx.query(
        `INSERT INTO transfer (id, kind, payer, payee, currency, amount, state)
         SELECT id, kind, payer, payee, currency, amount, state FROM jsonb_to_recordset($1::jsonb)
           AS x(id text, kind text, payer text, payee text, currency text, amount numeric, state text)
         ON CONFLICT (id) DO NOTHING`,
        [JSON.stringify(inserts)],
      );
      await tx.query(
        `UPDATE transfer t SET state = u.state, completed_at = u.completed_at
         FROM jsonb_to_recordset($1::jsonb) AS u(id text, from_state text, state text, completed_at timestamptz)
         WHERE t.id = u.id AND t.state = u.from_state`,
        [JSON.stringify(updates)],
      );
    });
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const setTriggers = (on) => db.exec(TRIGGERS.map((t) => `ALTER TABLE transfer ${on ? 'ENABLE' : 'DISABLE'} TRIGGER ${t};`).join('\n'));
  const times = { on: [], off: [] };
  for (let i = 0; i < 5; i++) await write(); // warm
  // Blocks of writes in each mode, alternating; the first writes after a switch re-plan (ALTER TABLE) and are not counted.
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
      await setTriggers(mode === 'on');
      for (let i = 0; i < 3; i++) await write();
      for (let i = 0; i < 10; i++) times[mode].push(await write());
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const on = median(times.on);
  const off = median(times.off);
  const queued = (await db.query('SELECT count(*)::int AS n, coalesce(sum(cardinality(refs)), 0)::int AS events FROM audit_queue')).rows[0];
  const fsync = values['no-fsync'] ? 'without waiting for the commit to be flushed' : 'each commit flushed';
  console.log(
    `batches of ${batch} payments (prepare insert + commit update in one transaction, ${fsync}), ${rounds} rounds of 10 batches each way, alternating`,
  );
  console.log(`median per batch: triggers on ${on.toFixed(2)} ms, off ${off.toFixed(2)} ms`);
  console.log(
    `median per payment: on ${((on * 1000) / batch).toFixed(1)} µs, off ${((off * 1000) / batch).toFixed(1)} µs, difference ${(((on - off) * 1000) / batch).toFixed(1)} µs`,
  );
  console.log(`queue rows written: ${queued.n} for ${queued.events} events`);
} finally {
  await db.close();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
