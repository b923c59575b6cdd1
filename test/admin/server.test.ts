/**
 * The Admin API assembler (switch/admin/server.ts): every module on one server, paths that two
 * modules share, and what no module declares.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { adminRoutes, createAdminServer } from '../../switch/admin/server.js';
import { registerRoutes } from '../../switch/http/route.js';
import { createServer } from '../../switch/http/server.js';
import { errorOf, seedCurrency, seedParticipant, startAdminApi, type AdminApi } from '../support/admin-api.js';

let api: AdminApi;
let assembled: FastifyInstance;

before(async () => {
  api = await startAdminApi('server', adminRoutes);
  await seedCurrency(api, 'USD');
  await seedParticipant(api, 'payerfsp', 'USD', '1000');
  assembled = createAdminServer({ api: 'admin', maxBodyBytes: 65536, log: pino({ level: 'silent' }), metrics: api.metrics }, api);
  await assembled.ready();
});

after(async () => {
  await assembled?.close();
  await api?.close();
});

test('createAdminServer serves every declared route', () => {
  const declared = new Set(adminRoutes(api).map((r) => `${r.method} ${r.path}`));
  for (const key of declared) {
    const [method, path] = key.split(' ') as ['GET', string];
    assert.ok(assembled.hasRoute({ method, url: path }), key);
  }
  // 37 before settlement, 11 of the /v2 settlement API, 5 of its reports and reconciliation, 4 of interchange fee rules,
  // 1 of request to pay (GET /transactionRequests/{ID}), 5 of signing in and users, 4 of maker-checker proposals,
  // 2 of the audit log (GET /audit, GET /audit/verify), 3 of the portal's reads (GET /transfers, /transfers/{id},
  // /stats/series), 2 of the portal's static files (GET /portal, /portal/*).
  assert.equal(declared.size, 74);
});

test('one request to each module through the assembled server', async () => {
  const checks: Array<[string, string, number]> = [
    ['GET', '/health', 200],
    ['GET', '/participants', 200],
    ['GET', '/participants/payerfsp/endpoints', 200],
    ['GET', '/participants/payerfsp/accounts', 200],
    ['GET', '/participants/limits', 200],
    ['GET', '/settlementModels', 200],
    ['GET', '/participants/payerfsp/jwsKeys', 200],
    ['GET', '/participants/payerfsp/xmlCertificates', 200],
    ['GET', '/participants/payerfsp/isoIdentifiers', 200],
    ['GET', '/v2/settlementWindows?state=OPEN', 200],
    ['GET', '/v2/reports/settlementWindows/1', 200],
    ['GET', '/interchangeFeeRules', 200],
    ['GET', '/audit?after=0&limit=5', 200],
    ['GET', '/audit/verify', 200],
    ['GET', '/transfers', 200],
    ['GET', '/stats/series', 200],
  ];
  for (const [method, path, status] of checks) {
    assert.equal((await api.call(method, path)).status, status, `${method} ${path}`);
    assert.equal((await assembled.inject({ method: method as 'GET', url: path })).statusCode, status, `assembled ${method} ${path}`);
  }
  const hub = await api.call('POST', '/participants/Hub/accounts', { type: 'HUB_FEE', currency: 'USD' });
  assert.equal(hub.status, 201);
  const settlement = api.registry.accountOf('payerfsp', 'USD', 'SETTLEMENT')!.id;
  const funds = await api.call('POST', `/participants/payerfsp/accounts/${settlement}`, {
    transferId: '00000000-0000-4000-8000-000000000001',
    externalReference: 'x',
    action: 'recordFundsIn',
    reason: 'r',
    amount: { amount: '5', currency: 'USD' },
  });
  assert.equal(funds.status, 202);
  const oracles = await api.call('GET', '/oracles', undefined, {
    'content-type': 'application/json',
    date: new Date().toUTCString(),
    accept: 'application/json',
  });
  assert.equal(oracles.status, 200);
});

test('paths two modules serve: one route, Allow in declaration order', async () => {
  let res = await api.call('PATCH', '/participants/payerfsp/accounts', {});
  assert.equal(res.status, 405);
  assert.equal(res.headers['allow'], 'GET, POST');
  res = await api.call('OPTIONS', '/participants/payerfsp/accounts/1');
  assert.equal(res.status, 405);
  assert.equal(res.headers['allow'], 'PUT, POST');
});

test('what no module declares: 404 3002', async () => {
  const res = await api.call('GET', '/nothing');
  assert.equal(res.status, 404);
  assert.deepEqual(errorOf(res), { errorCode: '3002', errorDescription: 'Unknown URI - GET /nothing' });
});

test('registerRoutes refuses a method declared twice on one path', () => {
  const server = createServer({ api: 'admin', maxBodyBytes: 1024, log: pino({ level: 'silent' }), metrics: api.metrics });
  const handler = async () => undefined;
  assert.throws(
    () =>
      registerRoutes(server, [
        { method: 'GET', path: '/x', handler },
        { method: 'GET', path: '/x', handler },
      ]),
    /GET \/x is declared twice/,
  );
});

test('the assembled server appends each request that may change something to the audit log before answering; reads are not', async () => {
  const before = (await api.audit.head()).seq;
  const body = '{"name":"x"}';
  const res = await assembled.inject({ method: 'POST', url: '/participants?why=audit', payload: body, headers: { 'content-type': 'application/json' } });
  await assembled.inject({ method: 'GET', url: '/participants' });
  const { entries, head } = await api.audit.read(before, 10);
  assert.equal(head.seq, before + 1, 'one entry: the POST, not the GET');
  assert.deepEqual(
    { kind: entries[0]!.kind, actor: entries[0]!.actor, subject: entries[0]!.subject, detail: entries[0]!.detail },
    {
      kind: 'admin.request',
      // The guard's identity: this Admin API runs in open mode, whose every caller is "open".
      actor: 'open',
      subject: '/participants',
      detail: { method: 'POST', path: '/participants?why=audit', status: res.statusCode, bodySha256: createHash('sha256').update(body).digest('hex') },
    },
  );
});
