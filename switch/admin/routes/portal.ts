/**
 * GET /portal/...: the operator and finance portal's static files (switch/portal/) and the browser
 * builds of the npm packages it imports (preact, htm, uPlot), served from node_modules. The portal is
 * a client of the Admin API like any other: these routes serve files only, public, and every figure
 * the pages show comes from the Admin API with the user's bearer token (docs/portal.md).
 *
 * Only the files listed here are served, read once at start-up: a request names a key of that list
 * or gets the 404 of unknown paths, so no path the client sends ever reaches the file system.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FspiopError } from '../../../schemas/errors.js';
import type { AdminRoute } from '../auth/roles.js';

interface PortalFile {
  body: Buffer;
  contentType: string;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The browser name of each npm module the portal imports (index.html's import map) and the package file it is. */
const VENDOR_MODULES: Record<string, string> = {
  'vendor/preact.mjs': 'preact',
  'vendor/preact-hooks.mjs': 'preact/hooks',
  'vendor/htm.mjs': 'htm',
  'vendor/htm-preact.mjs': 'htm/preact',
  'vendor/uplot.mjs': 'uplot/dist/uPlot.esm.js',
  'vendor/uplot.css': 'uplot/dist/uPlot.min.css',
};

function portalDir(): string {
  // Source: switch/admin/routes/portal.ts -> switch/portal. Compiled: dist/switch/admin/routes/portal.js -> the source tree's.
  for (const candidate of ['../../portal/', '../../../../switch/portal/']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new Error('switch/portal/index.html not found');
}

function portalFile(body: Buffer, name: string): PortalFile {
  const contentType = CONTENT_TYPES[extname(name)];
  if (!contentType) throw new Error(`portal file ${name}: no content type for its extension`);
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** Every file the portal serves, by its path under /portal/. */
export function loadPortalFiles(): Map<string, PortalFile> {
  const files = new Map<string, PortalFile>();
  const dir = portalDir();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && CONTENT_TYPES[extname(entry.name)]) files.set(entry.name, portalFile(readFileSync(dir + entry.name), entry.name));
  }
  for (const [name, specifier] of Object.entries(VENDOR_MODULES)) {
    files.set(name, portalFile(readFileSync(fileURLToPath(import.meta.resolve(specifier))), name));
  }
  return files;
}

/**
 * The page's Content-Security-Policy: scripts from the portal only, plus the inline import map by its hash
 * (an import map cannot be an external file), and requests to this origin only (the Admin API).
 */
export function contentSecurityPolicy(indexHtml: string): string {
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(indexHtml);
  if (!importMap) throw new Error('switch/portal/index.html has no import map');
  const hash = createHash('sha256').update(importMap[1]!).digest('base64');
  return [
    "default-src 'none'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function serve(files: Map<string, PortalFile>, csp: string, request: FastifyRequest, reply: FastifyReply) {
  const name = (request.params as Record<string, string>)['*'] || 'index.html';
  const file = files.get(name);
  if (!file) throw new FspiopError('3002', `GET ${request.url.split('?')[0]}`);
  reply
    .header('content-security-policy', csp)
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cache-control', 'no-cache')
    .header('etag', file.etag);
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.code(200).header('content-type', file.contentType).send(file.body);
}

export function portalRoutes(): AdminRoute[] {
  const files = loadPortalFiles();
  const csp = contentSecurityPolicy(files.get('index.html')!.body.toString('utf8'));
  return [
    {
      method: 'GET',
      path: '/portal',
      access: 'public',
      plain: true,
      handler: async (_request, reply) => reply.code(301).header('location', '/portal/').send(),
    },
    { method: 'GET', path: '/portal/*', access: 'public', plain: true, handler: async (request, reply) => serve(files, csp, request, reply) },
  ];
}
