/** The portal's static files (switch/admin/routes/portal.ts) on a real Admin API server: only listed files, with their headers. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { portalRoutes } from '../../switch/admin/routes/portal.js';
import { startAdminApi, type AdminApi } from '../support/admin-api.js';

const PORTAL_DIR = fileURLToPath(new URL('../../../switch/portal/', import.meta.url));
let api: AdminApi;

before(async () => {
  api = await startAdminApi('portal', () => portalRoutes());
});

after(async () => {
  await api?.close();
});

test('GET /portal/ is the page, with CSP allowing only its own scripts and its import map by hash, no-referrer and nosniff', async () => {
  const res = await api.call('GET', '/portal/');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(res.text, readFileSync(`${PORTAL_DIR}index.html`, 'utf8'));
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(res.text)![1]!;
  const hash = createHash('sha256').update(importMap).digest('base64');
  const csp = String(res.headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/);
  assert.ok(csp.includes(`script-src 'self' 'sha256-${hash}'`), csp);
  assert.match(csp, /connect-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(res.headers['referrer-policy'], 'no-referrer');
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['x-frame-options'], 'DENY');
  assert.equal((await api.call('GET', '/portal/index.html')).text, res.text);
  const redirect = await api.call('GET', '/portal');
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers['location'], '/portal/');
});

test('the portal modules and the npm packages it imports are served as JavaScript; an unchanged file answers 304', async () => {
  const app = await api.call('GET', '/portal/app.js');
  assert.equal(app.status, 200);
  assert.equal(app.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(app.text, readFileSync(`${PORTAL_DIR}app.js`, 'utf8'));
  const preact = await api.call('GET', '/portal/vendor/preact.mjs');
  assert.equal(preact.status, 200);
  assert.equal(preact.text, readFileSync(fileURLToPath(import.meta.resolve('preact')), 'utf8'));
  for (const file of ['vendor/preact-hooks.mjs', 'vendor/htm.mjs', 'vendor/htm-preact.mjs', 'vendor/uplot.mjs']) {
    const res = await api.call('GET', `/portal/${file}`);
    assert.equal(res.status, 200, file);
    assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8', file);
  }
  assert.equal((await api.call('GET', '/portal/vendor/uplot.css')).headers['content-type'], 'text/css; charset=utf-8');
  const again = await api.call('GET', '/portal/app.js', undefined, { 'if-none-match': String(app.headers['etag']) });
  assert.equal(again.status, 304);
  assert.equal(again.text, '');
});

test('nothing but the listed files: other names, folders and traversal attempts get the 404 of unknown paths', async () => {
  for (const path of [
    '/portal/package.json',
    '/portal/../package.json',
    '/portal/%2e%2e/package.json',
    '/portal/..%2f..%2fpackage.json',
    '/portal/vendor/',
    '/portal/vendor/../app.js',
    '/portal/vendor/preact.js',
    '/portal/APP.JS',
    '/portal//etc/passwd',
  ]) {
    const res = await rawGet(path);
    assert.equal(res.status, 404, path);
    assert.equal(JSON.parse(res.text).errorInformation.errorCode, '3002', path);
    assert.equal(res.headers['content-security-policy'], undefined, path);
  }
});

/** A GET with the path exactly as written (fetch and undici normalise dot segments before sending). */
function rawGet(path: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const { hostname, port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}
