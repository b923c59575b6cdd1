/**
 * The conformance suite (conformance/) against the real hub: a hub process started exactly as a
 * user starts it, on a fresh PostgreSQL database, driven over HTTP by the DFSP simulators.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runSuite } from '../conformance/index.js';
import { startHubProcess, type HubProcess } from './support/hub-process.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

let database: TestDatabase;
let hub: HubProcess;

before(async () => {
  database = await createTestDatabase('mizani_conformance');
  hub = await startHubProcess({ MIZANI_DATABASE_URL: database.url, MIZANI_EXPIRY_SWEEP_MS: '200' });
});

after(async () => {
  await hub?.stop();
  await database?.drop();
});

test('FSPIOP transfer scenarios pass against a hub on PostgreSQL', { timeout: 10 * 60_000 }, async (t) => {
  const result = await runSuite({
    hubUrl: hub.fspiopUrl,
    adminUrl: hub.adminUrl,
    onResult: (r) => t.diagnostic(`${r.ok ? 'pass' : 'FAIL'} ${r.name} (${r.ms} ms)`),
  });
  assert.ok(result.passed >= 40, `only ${result.passed} scenarios ran`);
  assert.equal(
    result.failed.length,
    0,
    `${result.failed.length} scenario(s) failed:\n\n` + result.failed.map((f) => `✖ ${f.name}\n  ${f.error.message.replace(/\n/g, '\n  ')}`).join('\n\n'),
  );
  assert.equal(hub.child.exitCode, null, 'the hub is still running after every scenario');
});
