import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig, SETTINGS } from '../../switch/config.js';

const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');

test('the README documents every MIZANI_* setting with its default', () => {
  for (const s of SETTINGS) {
    const row = `| \`${s.name}\` | ${s.default ? `\`${s.default}\`` : '(empty)'} | ${s.description} |`;
    assert.ok(readme.includes(row), `README is missing or has a stale row for ${s.name}; run: node scripts/readme-config.mjs`);
  }
  const documented = [...readme.matchAll(/\| `(MIZANI_[A-Z_]+)` \|/g)].map((m) => m[1]);
  assert.deepEqual(documented.sort(), SETTINGS.map((s) => s.name).sort());
});

test('the README gives exactly the two quick-start commands', () => {
  assert.match(readme, /\.\/mizani start/);
  assert.match(readme, /\.\/mizani test/);
});

test('configuration errors are precise', () => {
  assert.throws(() => loadConfig({ MIZANI_FSPIOP_PORT: 'abc' }), /MIZANI_FSPIOP_PORT must be a whole number/);
  assert.throws(() => loadConfig({ MIZANI_DATABASE_URL: 'mysql://x' }), /must start with postgres/);
  assert.throws(() => loadConfig({ MIZANI_ON_US_TRANSFERS: 'maybe' }), /true or false/);
  assert.equal(loadConfig({}).hubName, 'Hub');
});

test('the bus is in-process by default; Kafka needs its brokers, and its names are checked', () => {
  assert.deepEqual(loadConfig({}).bus, { kind: 'in-process' });
  assert.throws(() => loadConfig({ MIZANI_BUS: 'rabbit' }), /MIZANI_BUS must be in-process or kafka, got "rabbit"/);
  assert.throws(() => loadConfig({ MIZANI_BUS: 'kafka' }), /MIZANI_BUS=kafka needs MIZANI_KAFKA_BROKERS/);
  assert.throws(() => loadConfig({ MIZANI_BUS: 'kafka', MIZANI_KAFKA_BROKERS: 'k1:9092' }), /MIZANI_BUS=kafka needs MIZANI_DATABASE_URL: .* PGlite/);
  const pg = { MIZANI_DATABASE_URL: 'postgres://h/db' };
  assert.throws(() => loadConfig({ ...pg, MIZANI_BUS: 'kafka', MIZANI_KAFKA_BROKERS: 'k1:9092,localhost' }), /host:port separated by commas, got "localhost"/);
  assert.throws(
    () => loadConfig({ ...pg, MIZANI_BUS: 'kafka', MIZANI_KAFKA_BROKERS: 'k1:9092', MIZANI_KAFKA_TOPIC_PREFIX: 'my hub' }),
    /MIZANI_KAFKA_TOPIC_PREFIX/,
  );
  assert.throws(() => loadConfig({ ...pg, MIZANI_BUS: 'kafka', MIZANI_KAFKA_BROKERS: 'k1:9092', MIZANI_KAFKA_PARTITIONS: '0' }), /MIZANI_KAFKA_PARTITIONS/);
  assert.deepEqual(loadConfig({ ...pg, MIZANI_BUS: 'kafka', MIZANI_KAFKA_BROKERS: 'k1:9092, 10.0.0.2:9093,[::1]:9094' }).bus, {
    kind: 'kafka',
    brokers: ['k1:9092', '10.0.0.2:9093', '[::1]:9094'],
    topicPrefix: 'mizani',
    partitions: 16,
    requestTimeoutMs: 10_000,
    sessionTimeoutMs: 10_000,
    partitioned: false,
  });
  assert.throws(() => loadConfig({ MIZANI_LEDGER_PARTITIONED: 'true' }), /MIZANI_LEDGER_PARTITIONED=true needs MIZANI_BUS=kafka/);
  assert.equal(loadConfig({ ...pg, MIZANI_BUS: 'kafka', MIZANI_KAFKA_BROKERS: 'k1:9092', MIZANI_LEDGER_PARTITIONED: 'true' }).bus.kind, 'kafka');
});
