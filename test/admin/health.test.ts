/** Admin API health and metrics module (switch/admin/routes/health.ts) on a real server and PostgreSQL. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { healthRoutes } from '../../switch/admin/routes/health.js';
import { errorOf, startAdminApi, type AdminApi } from '../support/admin-api.js';

let api: AdminApi;
let database = 'OK';

before(async () => {
  api = await startAdminApi('health', healthRoutes, {
    health: async () => ({ ok: database === 'OK', detail: { database, ledger: 'OK', inFlight: 0 } }),
  });
});

after(async () => {
  await api?.close();
});

test('GET /health: 200 with the state of database and ledger, 503 DOWN when one is not OK', async () => {
  let res = await api.call('GET', '/health');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.deepEqual(res.json, { status: 'OK', database: 'OK', ledger: 'OK', inFlight: 0 });
  database = 'DOWN';
  try {
    res = await api.call('GET', '/health');
    assert.equal(res.status, 503);
    assert.deepEqual(res.json, { status: 'DOWN', database: 'DOWN', ledger: 'OK', inFlight: 0 });
  } finally {
    database = 'OK';
  }
});

test('GET /metrics: Prometheus text with the HTTP counters', async () => {
  await api.call('GET', '/health');
  const res = await api.call('GET', '/metrics');
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  assert.match(res.text, /^mizani_http_requests_total\{api="admin",route="\/health",method="GET",status="200"\} \d+$/m);
});

test('other methods on /health and /metrics get the 404 of unknown paths, not 405', async () => {
  const post = await api.call('POST', '/health', {});
  assert.equal(post.status, 404);
  assert.deepEqual(errorOf(post), { errorCode: '3002', errorDescription: 'Unknown URI - POST /health' });
  assert.equal(post.headers['allow'], undefined);
  assert.equal((await api.call('DELETE', '/metrics')).status, 404);
  assert.equal((await api.call('HEAD', '/health')).status, 200);
});
