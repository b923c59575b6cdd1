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

test('the Admin API asks for tokens by default; the open mode is the demo profile’s only; maker-checker is configured by name', () => {
  assert.equal(loadConfig({}).adminAuth.mode, 'on');
  assert.deepEqual(loadConfig({}).adminAuth.makerChecker, ['funds', 'limits', 'participant-status', 'settlement', 'keys', 'users']);
  assert.equal(loadConfig({ MIZANI_ADMIN_AUTH: 'open' }).adminAuth.mode, 'open');
  const production = {
    MIZANI_PROFILE: 'production',
    MIZANI_MTLS: 'off',
    MIZANI_JWS_SIGNING_KEY: 'k.pem',
    MIZANI_XML_SIGNING_CERT: 'c.pem',
    MIZANI_XML_SIGNING_KEY: 'k.pem',
  };
  assert.throws(() => loadConfig({ ...production, MIZANI_ADMIN_AUTH: 'open' }), /MIZANI_ADMIN_AUTH=open is for the demo profile only/);
  assert.throws(() => loadConfig({ MIZANI_ADMIN_AUTH: 'maybe' }), /MIZANI_ADMIN_AUTH must be on or open/);
  assert.deepEqual(loadConfig({ MIZANI_MAKER_CHECKER: 'funds, settlement' }).adminAuth.makerChecker, ['funds', 'settlement']);
  assert.deepEqual(loadConfig({ MIZANI_MAKER_CHECKER: 'none' }).adminAuth.makerChecker, []);
  assert.throws(() => loadConfig({ MIZANI_MAKER_CHECKER: 'funds,coffee' }), /MIZANI_MAKER_CHECKER takes all, none or a list .* got "coffee"/);
  assert.throws(() => loadConfig({ MIZANI_OIDC_ISSUER: 'not a url' }), /MIZANI_OIDC_ISSUER must be an http\(s\) URL/);
  assert.deepEqual(loadConfig({ MIZANI_OIDC_ISSUER: 'https://id.example/realms/x', MIZANI_OIDC_AUDIENCE: 'mizani' }).adminAuth.oidc, {
    issuer: 'https://id.example/realms/x',
    audience: 'mizani',
    rolesClaim: 'roles',
    participantClaim: 'participant',
  });
});
