#!/usr/bin/env node
// A PostgreSQL primary with a synchronous standby on free loopback ports, for manual runs of a failover: the pair the
// tests start (test/support/pg-pair.ts; run `npm run build` first). Uses this machine's PostgreSQL binaries
// ($MIZANI_PG_BIN or the newest /usr/lib/postgresql/<version>/bin); the system cluster is not touched.
//
//   node scripts/pg-pair.mjs [database]   start the pair, create `database` (default mizani), print the hub's
//                                         MIZANI_DATABASE_URL and the failover commands; Ctrl-C stops it and deletes it
// docs/operations-postgresql.md walks through a failover with it.
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

const support = fileURLToPath(new URL('../dist/test/support/pg-pair.js', import.meta.url));
if (!existsSync(support)) {
  console.error('dist/test/support/pg-pair.js is missing: run `npm run build` first');
  process.exit(1);
}
const { startPgPair } = await import(support);
const database = process.argv[2] ?? 'mizani';
if (!/^[a-z_][a-z0-9_]*$/.test(database)) {
  console.error(`usage: node scripts/pg-pair.mjs [database]   (a lower-case SQL name, got "${database}")`);
  process.exit(2);
}

const began = Date.now();
const pair = await startPgPair();
await pair.createDatabase(database);
const commands = pair.commands();
console.log(`PostgreSQL pair in ${pair.dir} (started in ${Date.now() - began} ms):`);
console.log(`  primary  ${pair.primary.label}  (${pair.primary.dataDir})`);
console.log(`  standby  ${pair.standby.label}  (${pair.standby.dataDir}), synchronous: ${await pair.standbySyncState()}`);
console.log('Run a hub on it:');
console.log(`  MIZANI_DATABASE_URL=${pair.url(database)} ./mizani start`);
console.log('Fail over (the hub follows by itself):');
console.log(`  ${commands.stopPrimary}`);
console.log(`  ${commands.promoteStandby}`);
console.log('Ctrl-C stops both servers and deletes the folder.');
const stop = async () => {
  await pair.stop();
  console.log('pair stopped');
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
