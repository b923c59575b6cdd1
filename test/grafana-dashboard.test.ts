/**
 * The Grafana dashboard in the repository (docs/grafana/mizani.json) reads only metrics the hub exports: every metric
 * name in its PromQL is one a running hub's /metrics declares (`# TYPE`), a histogram's `_bucket` / `_sum` / `_count`
 * counted as its own. A metric renamed or removed in switch/observability/metrics.ts fails here, not on a dashboard.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startHubProcess, type HubProcess } from './support/hub-process.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync(fileURLToPath(new URL('../../docs/grafana/mizani.json', import.meta.url)), 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; query?: unknown }> };
};

let database: TestDatabase;
let hub: HubProcess;

before(async () => {
  database = await createTestDatabase('mizani_grafana');
  hub = await startHubProcess({ MIZANI_DATABASE_URL: database.url });
});

after(async () => {
  await hub?.stopWithin(10_000);
  await database?.drop();
});

function expressions(): Array<{ panel: string; expr: string }> {
  const all = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...all(p.panels ?? [])]);
  const fromPanels = all(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
  const fromVariables = dashboard.templating.list.flatMap((v) => {
    const query = typeof v.query === 'object' && v.query !== null ? (v.query as { query?: string }).query : undefined;
    return query ? [{ panel: `variable ${v.name}`, expr: query }] : [];
  });
  return [...fromPanels, ...fromVariables];
}

/** `# TYPE name kind` of a Prometheus text exposition. */
function declaredTypes(exposition: string): Map<string, string> {
  return new Map([...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

function exported(types: Map<string, string>, name: string): boolean {
  if (types.has(name)) return true;
  const base = /^(.*)_(bucket|sum|count)$/.exec(name);
  return base !== null && ['histogram', 'summary'].includes(types.get(base[1]!) ?? '') && (base[2] !== 'bucket' || types.get(base[1]!) === 'histogram');
}

test('the dashboard is Grafana JSON with panels that query Prometheus', () => {
  assert.equal(dashboard.uid, 'mizani-hub');
  const exprs = expressions();
  assert.ok(exprs.length >= 20, `${exprs.length} queries`);
  for (const { panel, expr } of exprs) assert.match(expr, /mizani_/, `${panel}: ${expr}`);
});

test("every metric the dashboard's PromQL names is one the running hub exports at /metrics", async () => {
  const response = await fetch(`${hub.adminUrl}/metrics`);
  assert.equal(response.status, 200);
  const types = declaredTypes(await response.text());
  assert.ok(types.size > 20, 'the hub declares its metrics');
  const used = new Set<string>();
  for (const { panel, expr } of expressions()) {
    for (const [name] of expr.matchAll(/\bmizani_[a-z0-9_]+/g)) {
      used.add(name);
      assert.ok(exported(types, name), `${panel}: ${name} is not exported by the hub (${expr})`);
    }
  }
  // The payment path's metrics are all on the dashboard.
  for (const name of [
    'mizani_transfers_total',
    'mizani_refusals_total',
    'mizani_callbacks_total',
    'mizani_ledger_batch_seconds_bucket',
    'mizani_admission_pressure',
  ]) {
    assert.ok(used.has(name), `the dashboard shows ${name}`);
  }
});

test('a name the hub does not export is caught', () => {
  const types = declaredTypes('# TYPE mizani_x_seconds histogram\n# TYPE mizani_y_total counter\n');
  assert.equal(exported(types, 'mizani_x_seconds_bucket'), true);
  assert.equal(exported(types, 'mizani_y_total_bucket'), false);
  assert.equal(exported(types, 'mizani_z_total'), false);
});
