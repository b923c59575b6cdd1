/**
 * docker-compose.yml describes the stack the cluster tests run (issue 13): several hub nodes on the Kafka bus behind
 * HAProxy, a Kafka broker, PostgreSQL with a synchronous standby. Docker cannot run here (no image registry), so this
 * keeps the file consistent with the code instead: every hub node's configuration loads, names only known settings,
 * and points at the services of the file; the balancer and the standby agree with them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { load as loadYaml } from 'js-yaml';
import { loadConfig, SETTINGS } from '../../switch/config.js';

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

interface Service {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string | number>;
  volumes?: string[];
}

const compose = loadYaml(readFileSync(root('docker-compose.yml'), 'utf8')) as { services: Record<string, Service & { '<<'?: Service }> };
// YAML merge keys (`<<: *hub`), as Docker Compose applies them.
const services = Object.fromEntries(Object.entries(compose.services).map(([name, { '<<': base, ...own }]) => [name, { ...base, ...own } as Service]));
const hubs = Object.entries(services).filter(([, s]) => Array.isArray(s.command) && s.command.join(' ').includes('dist/switch/cli.js start'));

test('docker-compose.yml: at least two hub nodes, each with a configuration the hub loads, on the Kafka bus', () => {
  assert.ok(hubs.length >= 2, `hub nodes: ${hubs.map(([name]) => name).join(', ')}`);
  const known = new Set(SETTINGS.map((s) => s.name));
  for (const [name, hub] of hubs) {
    const env = Object.fromEntries(Object.entries(hub.environment ?? {}).map(([k, v]) => [k, String(v)]));
    for (const key of Object.keys(env)) assert.ok(known.has(key), `${name}: ${key} is not a Mizani setting`);
    const config = loadConfig(env);
    assert.equal(config.bus.kind, 'kafka', `${name} is on the Kafka bus`);
    if (config.bus.kind !== 'kafka') return;
    for (const broker of config.bus.brokers) assert.ok(services[broker.split(':')[0]!], `${name}: broker ${broker} is a service of the file`);
    const hosts = /^postgres(?:ql)?:\/\/[^@]+@([^/]+)\//.exec(env.MIZANI_DATABASE_URL ?? '')?.[1]?.split(',') ?? [];
    assert.deepEqual(
      hosts.map((h) => h.split(':')[0]),
      ['postgres-primary', 'postgres-standby'],
      `${name}: the database URL lists the primary and the standby`,
    );
  }
});

test('docker-compose.yml: the balancer serves every hub node on both APIs; the standby streams under the synchronous name', () => {
  const haproxy = readFileSync(root('scripts/compose/haproxy.cfg'), 'utf8');
  for (const [name] of hubs) {
    assert.match(haproxy, new RegExp(`server ${name} ${name}:3000 check`), `${name} behind the FSPIOP frontend`);
    assert.match(haproxy, new RegExp(`server ${name} ${name}:3001 check`), `${name} behind the Admin frontend`);
  }
  assert.match(haproxy, /option httpchk GET \/health/);
  const primary = (services['postgres-primary']!.command as string[]).join(' ');
  const standbyName = /synchronous_standby_names=FIRST 1 \((\w+)\)/.exec(primary)?.[1];
  assert.ok(standbyName, 'the primary waits for a named synchronous standby');
  assert.match(primary, /synchronous_commit=on/);
  const standby = readFileSync(root('scripts/compose/standby.sh'), 'utf8');
  assert.match(standby, new RegExp(`application_name=${standbyName}`), 'the standby connects under that name');
  assert.match(standby, new RegExp(`-S ${standbyName}`), 'with its replication slot');
});
