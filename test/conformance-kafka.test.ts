/**
 * The conformance suite against a hub whose bus is Apache Kafka (MIZANI_BUS=kafka): one hub process started as a
 * user starts it, on a fresh PostgreSQL database, with a real KRaft broker started here (test/support/kafka.ts).
 * Every command that moves a position or a transfer state goes through Kafka topics and comes back on the node's
 * reply topic; what the DFSP simulators see must not differ from the in-process hub.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runSuite } from '../conformance/index.js';
import { startHubProcess, type HubProcess } from './support/hub-process.js';
import { startKafka, type KafkaBroker } from './support/kafka.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

let broker: KafkaBroker;
let database: TestDatabase;
let hub: HubProcess;

before(async () => {
  [broker, database] = await Promise.all([startKafka(), createTestDatabase('mizani_conformance_kafka')]);
  console.log(`# Kafka broker ${broker.bootstrap} answered ${broker.startMs} ms after start`);
  const began = Date.now();
  hub = await startHubProcess(
    {
      MIZANI_DATABASE_URL: database.url,
      MIZANI_EXPIRY_SWEEP_MS: '200',
      MIZANI_BUS: 'kafka',
      MIZANI_KAFKA_BROKERS: broker.bootstrap,
      MIZANI_KAFKA_TOPIC_PREFIX: 'conformance',
      MIZANI_KAFKA_PARTITIONS: '4',
    },
    90_000,
  );
  console.log(`# hub on the Kafka bus started in ${Date.now() - began} ms`);
});

after(async () => {
  await hub?.stopWithin(15_000);
  await database?.drop();
  await broker?.stop();
});

test('the conformance scenarios pass against a hub on the Kafka bus', { timeout: 15 * 60_000 }, async (t) => {
  assert.ok(
    hub.logs.some((line) => line.includes('"Kafka bus started"')),
    'the hub runs on the Kafka bus',
  );
  const result = await runSuite({
    hubUrl: hub.fspiopUrl,
    adminUrl: hub.adminUrl,
    // Everything that goes through the bus; the dialect scenarios (XML signing, translations: no bus difference) run
    // in process only, so that this file does not double the suite's heaviest load while another file runs beside it.
    grep: /^(?!dialects:)/,
    onResult: (r) => t.diagnostic(`${r.ok ? 'pass' : 'FAIL'} ${r.name} (${r.ms} ms)`),
  });
  console.log(`# ${result.passed} scenarios passed in ${(result.ms / 1000).toFixed(1)} s`);
  assert.ok(result.passed >= 40, `only ${result.passed} scenarios ran`);
  assert.equal(
    result.failed.length,
    0,
    `${result.failed.length} scenario(s) failed:\n\n` + result.failed.map((f) => `✖ ${f.name}\n  ${f.error.message.replace(/\n/g, '\n  ')}`).join('\n\n'),
  );
  assert.equal(hub.child.exitCode, null, 'the hub is still running after every scenario');
  const errors = hub.logs.filter((line) => line.includes('"component":"kafka-bus"') && /"level":(50|60)/.test(line));
  assert.deepEqual(errors, [], 'the Kafka bus logged no error');
});

test('the hub leaves the Kafka bus cleanly when it stops', async () => {
  const code = await hub.stop();
  assert.equal(code, 0);
  assert.ok(hub.logs.some((line) => line.includes('"Kafka bus stopped"')));
});
