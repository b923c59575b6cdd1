#!/usr/bin/env node
// The whole test suite: the lint checks first (`npm run lint`: layers, ESLint, Prettier; a failure
// stops the run), then makes sure PostgreSQL is up, builds, and runs every compiled test file (unit,
// ledger properties against PostgreSQL, the conformance suite against a real hub process, the crash
// test, the embedded-database smoke test, the Kafka bus against a real broker) with Node's test runner.
// Usage: node scripts/test.mjs [name-filter ...]   (with a filter, only the matching tests run, no lint)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const root = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.MIZANI_TEST_CHROMIUM ?? '/usr/bin/chromium';
const adminUrl = process.env.MIZANI_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function postgresReady() {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensurePostgres() {
  if (await postgresReady()) return;
  console.log(`PostgreSQL is not answering at ${adminUrl}; trying to start the local cluster`);
  const versions = statSync('/etc/postgresql', { throwIfNoEntry: false }) ? readdirSync('/etc/postgresql') : [];
  for (const version of versions) {
    spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
  }
  for (let i = 0; i < 30; i++) {
    if (await postgresReady()) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`PostgreSQL is not reachable at ${adminUrl} (set MIZANI_TEST_PG_URL to point elsewhere)`);
}

/**
 * The portal tests drive Debian's chromium (playwright-core downloads no browser here). Installed when missing;
 * when that fails the run stops saying why, rather than the portal tests being skipped.
 */
function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  console.log(`${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium (for the portal tests)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
  if (existsSync(CHROMIUM)) return;
  const why = install.error?.message ?? update.error?.message ?? `apt-get exited with ${install.status}`;
  console.error(`the portal tests need ${CHROMIUM} and installing Debian's chromium failed (${why}); install it as root and run again`);
  process.exit(1);
}

function testFiles(dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...testFiles(path));
    else if (entry.endsWith('.test.js')) found.push(path);
  }
  return found.sort();
}

const filters = parseArgs({ allowPositionals: true, strict: true }).positionals;
if (filters.length === 0) {
  const lint = spawnSync(process.execPath, [join(root, 'scripts/lint.mjs')], { stdio: 'inherit', cwd: root });
  if (lint.status !== 0) {
    console.error('npm run lint failed: fix the findings above (npm run format rewrites the formatting)');
    process.exit(1);
  }
}
await ensurePostgres();
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
// Filters match the path inside the checkout (its own folder name, e.g. wt-kafka, must not match every file).
const files = testFiles(join(root, 'dist/test')).filter((f) => filters.length === 0 || filters.some((x) => relative(root, f).includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
if (files.some((f) => f.includes('sdk-adapter'))) {
  // Once, before the tests: the interop tests would otherwise each compile it in parallel on a fresh machine.
  const install = spawnSync(process.execPath, [join(root, 'scripts/sdk-adapter-install.mjs')], { stdio: 'inherit', cwd: root });
  if (install.status !== 0) console.error('the SDK scheme adapter install failed; its tests will say why');
}
if (files.some((f) => f.includes('mojaloop-transformer'))) {
  // Mojaloop's own ISO 20022 JSON transformer, once per machine (outside the repo, like the SDK adapter).
  const install = spawnSync(process.execPath, [join(root, 'scripts/mojaloop-transformer-install.mjs')], { stdio: 'inherit', cwd: root });
  if (install.status !== 0) console.error('the Mojaloop transformer install failed; its test will say why');
}
if (files.some((f) => relative(root, f).includes('kafka'))) {
  // Apache Kafka's jars (test/support/kafka.ts), once per machine, before the Kafka test files would each fetch them.
  const install = spawnSync(process.execPath, [join(root, 'scripts/kafka.mjs'), 'install'], { stdio: 'inherit', cwd: root });
  if (install.status !== 0) console.error('fetching the Kafka jars failed; the Kafka tests will say why');
}
if (files.some((f) => relative(root, f).includes(join('test', 'portal')))) ensureChromium();
console.log(`running ${files.length} test files:\n  ${files.map((f) => relative(root, f)).join('\n  ')}`);
const started = Date.now();
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit', cwd: root });
console.log(`test suite finished in ${((Date.now() - started) / 1000).toFixed(1)} s with exit code ${result.status}`);
process.exit(result.status ?? 1);
