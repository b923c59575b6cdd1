/**
 * The Admin API's door (switch/admin/auth/, docs/operations.md "Users and roles") on a real hub process: every
 * declared route refuses a call without a valid token and a role it does not declare; each role reaches what it
 * should; the built-in issuer's users come from `mizani user`; a scheme's OIDC provider's tokens are verified against
 * its JWKS.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { adminRoutes } from '../../switch/admin/server.js';
import type { Access, AdminRoute } from '../../switch/admin/auth/roles.js';
import { PASSWORD, startAuthHub, type AuthHub } from '../support/operators.js';

const CLI = fileURLToPath(new URL('../../switch/cli.js', import.meta.url));
const PUBLIC = ['GET /health', 'GET /metrics', 'POST /auth/token', 'GET /auth/jwks', 'GET /portal', 'GET /portal/*'];

let scheme: AuthHub;
let idp: { server: Server; url: string; key: CryptoKey; jwk: JWK };

/** Every route the Admin API declares (the modules only read their dependencies when a request comes). */
function declaredRoutes(): AdminRoute[] {
  const anything: any = new Proxy(function () {}, { get: () => anything, apply: () => anything, construct: () => anything });
  return adminRoutes(anything);
}

function concretePath(path: string): string {
  return path.replace(/:(\w+)/g, (_m, name: string) =>
    ['id', 'pid', 'aid'].includes(name) ? '1' : name === 'transferId' ? '01JD0000000000000000000000' : 'otherfsp',
  );
}

async function startIdp(): Promise<typeof idp> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
  const server = createServer((request, response) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    response.setHeader('content-type', 'application/json');
    if (request.url === '/.well-known/openid-configuration') return response.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/jwks` }));
    if (request.url === '/jwks') return response.end(JSON.stringify({ keys: [jwk] }));
    response.statusCode = 404;
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, key: privateKey, jwk };
}

function idpToken(claims: Record<string, unknown>, o: { audience?: string; expiresIn?: string; key?: CryptoKey; issuer?: string } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
    .setIssuer(o.issuer ?? idp.url)
    .setAudience(o.audience ?? 'mizani')
    .setSubject('alice@scheme.example')
    .setIssuedAt()
    .setExpirationTime(o.expiresIn ?? '5m')
    .sign(o.key ?? idp.key);
}

before(async () => {
  idp = await startIdp();
  scheme = await startAuthHub('door', { MIZANI_OIDC_ISSUER: idp.url, MIZANI_OIDC_AUDIENCE: 'mizani', MIZANI_OIDC_ROLES_CLAIM: 'realm_access.roles' });
  await scheme.setUpCurrency('USD');
  const created = await scheme.call('ops1', 'POST', '/participants', { name: 'ownfsp', currency: 'USD' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal((await scheme.call('ops1', 'POST', '/participants', { name: 'otherfsp', currency: 'USD' })).status, 201);
  await scheme.addUser('pu1', ['participant'], 'ownfsp');
});

after(async () => {
  await scheme?.stop();
  idp?.server.close();
});

test('every declared route declares its access; only health, metrics, signing in, the JWKS and the portal’s static files are public', () => {
  const routes = declaredRoutes();
  assert.ok(routes.length > 60, `${routes.length} routes`);
  for (const r of routes) {
    assert.ok(r.access !== undefined, `${r.method} ${r.path} declares no access`);
    if (r.access !== 'public' && r.access.roles.includes('participant'))
      assert.ok(r.access.own, `${r.method} ${r.path}: the participant role needs its own scope`);
  }
  assert.deepEqual(
    routes
      .filter((r) => r.access === 'public')
      .map((r) => `${r.method} ${r.path}`)
      .sort(),
    [...PUBLIC].sort(),
  );
});

test('no route is left open: without a token, with a forged one, or with a role it does not declare, every protected route refuses', async () => {
  const forged = await new SignJWT({ roles: ['admin'] })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer('urn:mizani:Hub')
    .setAudience('mizani-admin')
    .setSubject('admin1')
    .setExpirationTime('5m')
    .sign((await generateKeyPair('ES256')).privateKey);
  const roleUsers: Record<string, string> = { operator: 'ops1', finance: 'fin1', auditor: 'aud1', participant: 'pu1' };
  let checked = 0;
  for (const r of declaredRoutes()) {
    if (r.access === 'public') continue;
    const path = concretePath(r.path);
    const bare = await scheme.call(undefined, r.method, path, r.method === 'GET' ? undefined : {});
    assert.equal(bare.status, 401, `${r.method} ${path} without a token: ${JSON.stringify(bare.body)}`);
    assert.equal(bare.body.errorInformation.errorCode, '3000');
    assert.match(bare.headers.get('www-authenticate') ?? '', /^Bearer/);
    const fake = await scheme.call(undefined, r.method, path, r.method === 'GET' ? undefined : {}, { authorization: `Bearer ${forged}` });
    assert.equal(fake.status, 401, `${r.method} ${path} with a forged token`);
    for (const [role, user] of Object.entries(roleUsers)) {
      if ((r.access as Exclude<Access, 'public'>).roles.includes(role as never) && role !== 'participant') continue;
      // The participant user asks for another participant's data (otherfsp, id 1 is the hub's): refused too.
      const answer = await scheme.call(user, r.method, path, r.method === 'GET' ? undefined : {});
      if (role === 'participant' && (r.access as { own?: unknown }).own === 'self') continue;
      assert.equal(answer.status, 403, `${r.method} ${path} as ${role}: ${answer.status} ${JSON.stringify(answer.body)}`);
      checked++;
    }
  }
  assert.ok(checked > 100, `${checked} refusals checked`);
  assert.equal((await scheme.call(undefined, 'HEAD', '/participants')).status, 401, 'HEAD of a GET route is guarded as the GET');
});

test('each role reaches what it should', async () => {
  const cases: Array<[string, string, string, number]> = [
    ['aud1', 'GET', '/participants', 200],
    ['aud1', 'GET', '/users', 200],
    ['aud1', 'GET', '/v2/settlementWindows?state=OPEN', 200],
    ['aud1', 'GET', '/proposals', 200],
    ['fin1', 'GET', '/participants/limits', 200],
    ['fin1', 'GET', '/settlementModels', 200],
    ['ops1', 'GET', '/participants/ownfsp/endpoints', 200],
    ['ops1', 'GET', '/users', 403],
    ['pu1', 'GET', '/participants/ownfsp', 200],
    ['pu1', 'GET', '/participants/ownfsp/accounts', 200],
    ['pu1', 'GET', '/participants/ownfsp/positions', 200],
    ['pu1', 'GET', '/participants/otherfsp/positions', 403],
    ['pu1', 'GET', '/participants', 403],
    ['pu1', 'GET', '/v2/settlementWindows?state=OPEN', 200],
    ['pu1', 'GET', '/v2/reports/settlementWindows/1?participant=ownfsp', 200],
    ['pu1', 'GET', '/v2/reports/settlementWindows/1', 403],
    ['admin1', 'GET', '/users', 200],
  ];
  for (const [user, method, path, status] of cases) {
    const answer = await scheme.call(user, method, path);
    assert.equal(answer.status, status, `${user} ${method} ${path}: ${JSON.stringify(answer.body)}`);
  }
  assert.equal((await scheme.call('aud1', 'POST', '/participants', { name: 'audfsp', currency: 'USD' })).status, 403, 'an auditor changes nothing');
  assert.equal((await scheme.call('fin1', 'POST', '/participants', { name: 'finfsp', currency: 'USD' })).status, 403, 'finance does not onboard');
  const me = await scheme.call('pu1', 'GET', '/auth/me');
  assert.deepEqual(me.body, { subject: 'pu1', roles: ['participant'], participant: 'ownfsp', via: 'builtin' });
});

test('signing in: wrong passwords are refused alike, repeated failures lock the name, a disabled user loses access at once', async () => {
  const unknown = await scheme.call(undefined, 'POST', '/auth/token', { username: 'nobody', password: 'whatever-it-is' });
  const wrong = await scheme.call(undefined, 'POST', '/auth/token', { username: 'aud1', password: 'not the password' });
  assert.equal(unknown.status, 401);
  assert.equal(wrong.status, 401);
  assert.equal(unknown.body.errorInformation.errorDescription, wrong.body.errorInformation.errorDescription, 'no hint which part was wrong');
  const missing = await scheme.call(undefined, 'POST', '/auth/token', { username: 'aud1' });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errorInformation.errorCode, '3102');

  await scheme.addUser('lockme', ['auditor']);
  for (let i = 0; i < 5; i++)
    assert.equal((await scheme.call(undefined, 'POST', '/auth/token', { username: 'lockme', password: `guess number ${i}` })).status, 401);
  const locked = await scheme.call(undefined, 'POST', '/auth/token', { username: 'lockme', password: PASSWORD });
  assert.equal(locked.status, 429, 'the right password after five wrong ones within 15 minutes');

  await scheme.addUser('leaver', ['auditor']);
  assert.equal((await scheme.call('leaver', 'GET', '/participants')).status, 200);
  const disabled = spawnSync(process.execPath, [CLI, 'user', 'set', 'leaver', '--disable'], {
    env: { PATH: process.env.PATH ?? '', ...scheme.env },
    encoding: 'utf8',
  });
  assert.equal(disabled.status, 0, disabled.stderr);
  const deadline = Date.now() + 10_000;
  let status = 200;
  while (status === 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    status = (await scheme.call('leaver', 'GET', '/participants')).status;
  }
  assert.equal(status, 401, 'a disabled user’s token is refused');
});

test('mizani user: no default password, weak passwords and unknown roles refused', () => {
  const run = (args: string[], input = '') =>
    spawnSync(process.execPath, [CLI, 'user', ...args], { env: { PATH: process.env.PATH ?? '', ...scheme.env }, input, encoding: 'utf8' });
  assert.equal(run(['add', 'weak1', '--role', 'admin', '--password-stdin'], 'short').status, 1);
  assert.equal(run(['add', 'norole', '--role', 'superuser', '--password-stdin'], PASSWORD).status, 2);
  assert.equal(run(['add', 'nopass', '--role', 'admin']).status, 2, 'a password must be given');
  assert.equal(run(['add', 'pu2', '--role', 'participant', '--password-stdin'], PASSWORD).status, 1, 'the participant role needs its participant');
  assert.equal(run(['add', 'aud1', '--role', 'auditor', '--password-stdin'], PASSWORD).status, 1, 'exists');
  const list = run(['list']);
  assert.equal(list.status, 0);
  assert.match(list.stdout, /^pu1\tparticipant\townfsp\tactive$/m);
  assert.doesNotMatch(list.stdout, /scrypt/);
});

test("a scheme's OIDC provider: tokens verified against its JWKS, roles from its claim", async () => {
  const call = (token: string, path = '/participants') => fetch(`${scheme.hub.adminUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal((await call(await idpToken({ realm_access: { roles: ['auditor', 'offline_access'] } }))).status, 200);
  const me = await (await call(await idpToken({ realm_access: { roles: ['finance'] } }), '/auth/me')).json();
  assert.deepEqual(me, { subject: 'alice@scheme.example', roles: ['finance'], via: 'oidc' });
  assert.equal((await call(await idpToken({ realm_access: { roles: ['finance'] } }), '/users')).status, 403, 'finance is not admin');
  assert.equal((await call(await idpToken({ realm_access: { roles: ['auditor'] } }, { audience: 'another-app' }))).status, 401, 'wrong audience');
  assert.equal((await call(await idpToken({ realm_access: { roles: ['auditor'] } }, { expiresIn: '-1m' }))).status, 401, 'expired');
  const stranger = (await generateKeyPair('RS256')).privateKey;
  assert.equal((await call(await idpToken({ realm_access: { roles: ['auditor'] } }, { key: stranger }))).status, 401, 'not signed by the provider');
  assert.equal((await call(await idpToken({ realm_access: { roles: ['auditor'] } }, { issuer: 'http://127.0.0.1:1/other' }))).status, 401, 'another issuer');
  assert.equal((await call(await idpToken({ realm_access: { roles: ['root'] } }))).status, 403, 'no Mizani role');
});
