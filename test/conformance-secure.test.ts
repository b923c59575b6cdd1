/**
 * The conformance suite against a secured hub (MIZANI_PROFILE=production): mutual TLS with a scheme PKI made by
 * the hub's own CLI, JWS verification of every inbound message, hub signing. Every existing scenario runs secured
 * (each simulated DFSP with its own certificate and JWS key), plus the `security:` scenarios.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runSuite, type Credentials, type SuiteResult } from '../conformance/index.js';
import { issueCertificate } from '../switch/security/pki.js';
import { startHubProcess, type HubProcess } from './support/hub-process.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

const CLI = fileURLToPath(new URL('../switch/cli.js', import.meta.url));
const run = promisify(execFile);

let dir: string;
let database: TestDatabase;
let hub: HubProcess;
let ca: { certPem: string; keyPem: string };
let hubPublicKey: string;
let foreign: Credentials;
let revoked: Credentials;
let issued = 0;

/** `mizani pki ...` (the hub's CLI). */
async function pki(...args: string[]): Promise<void> {
  try {
    await run(process.execPath, [CLI, 'pki', ...args]);
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`mizani pki ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

async function credentials(pkiDir: string, name: string): Promise<Credentials> {
  return { cert: await readFile(join(pkiDir, name, `${name}.crt`), 'utf8'), key: await readFile(join(pkiDir, name, `${name}.key`), 'utf8') };
}

/**
 * Participant certificates on demand (names are random per run): issued by the scheme CA the CLI created, with the
 * same PKI code as `mizani pki issue --name N --ip 127.0.0.1 --key ec` but in-process, since one CLI call costs
 * ~0.7 s and a run needs about a hundred. The CLI path is exercised by the certificate-directory test below.
 */
async function issue(name: string): Promise<Credentials> {
  issued++;
  const c = await issueCertificate(ca, { name, kind: 'participant', ip: ['127.0.0.1'], keyType: 'ec' });
  return { cert: c.certPem, key: c.keyPem };
}

function report(result: SuiteResult): string {
  return `${result.failed.length} scenario(s) failed:\n\n` + result.failed.map((f) => `✖ ${f.name}\n  ${f.error.message.replace(/\n/g, '\n  ')}`).join('\n\n');
}

before(async () => {
  const started = Date.now();
  dir = await mkdtemp(join(tmpdir(), 'mizani-secure-'));
  const scheme = join(dir, 'pki');
  const other = join(dir, 'other-ca');
  await Promise.all([
    (async () => {
      await pki('init', '--dir', scheme, '--key', 'ec');
      await pki('issue', '--dir', scheme, '--name', 'Hub', '--hub', '--key', 'ec');
      // The hub's XML-signing certificate (banks verify RSA-SHA256 signatures).
      await pki('issue', '--dir', scheme, '--name', 'HubXml', '--hub', '--key', 'rsa2048');
      await pki('issue', '--dir', scheme, '--name', 'revokedfsp', '--ip', '127.0.0.1', '--key', 'ec');
      await pki('revoke', '--dir', scheme, '--name', 'revokedfsp', '--reason', 'keyCompromise');
    })(),
    (async () => {
      await pki('init', '--dir', other, '--key', 'ec', '--cn', 'Another CA');
      await pki('issue', '--dir', other, '--name', 'foreignfsp', '--ip', '127.0.0.1', '--key', 'ec');
    })(),
  ]);
  ca = { certPem: await readFile(join(scheme, 'ca', 'ca.crt'), 'utf8'), keyPem: await readFile(join(scheme, 'ca', 'ca.key'), 'utf8') };
  foreign = await credentials(other, 'foreignfsp');
  revoked = await credentials(scheme, 'revokedfsp');

  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = join(dir, 'hub-jws.key');
  await writeFile(signingKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  hubPublicKey = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  database = await createTestDatabase('mizani_conformance_secure');
  hub = await startHubProcess({
    MIZANI_PROFILE: 'production',
    MIZANI_DATABASE_URL: database.url,
    MIZANI_TLS_CERT: join(scheme, 'Hub', 'Hub.crt'),
    MIZANI_TLS_KEY: join(scheme, 'Hub', 'Hub.key'),
    MIZANI_TLS_CA: join(scheme, 'ca', 'ca.crt'),
    MIZANI_TLS_CRL: join(scheme, 'ca', 'crl.pem'),
    MIZANI_JWS_SIGNING_KEY: signingKey,
    MIZANI_XML_SIGNING_CERT: join(scheme, 'HubXml', 'HubXml.crt'),
    MIZANI_XML_SIGNING_KEY: join(scheme, 'HubXml', 'HubXml.key'),
    MIZANI_EXPIRY_SWEEP_MS: '200',
  });
  assert.match(hub.fspiopUrl, /^https:\/\//, 'production profile: the FSPIOP API is HTTPS');
  assert.match(hub.adminUrl, /^http:\/\//, 'the Admin API stays plain HTTP');
  console.log(`# secured hub ready in ${Date.now() - started} ms (PKI by the CLI, database, hub start)`);
});

after(async () => {
  await hub?.stop();
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the whole conformance suite passes against a secured hub (mTLS, JWS verification, hub signing)', { timeout: 10 * 60_000 }, async (t) => {
  const result = await runSuite({
    hubUrl: hub.fspiopUrl,
    adminUrl: hub.adminUrl,
    adminToken: hub.adminToken,
    security: {
      ca: ca.certPem,
      issueCertificate: issue,
      foreignCertificate: foreign,
      revokedCertificate: revoked,
      sign: true,
      jwsAlg: 'mixed',
      hubPublicKey,
    },
    onResult: (r) => t.diagnostic(`${r.skipped ? 'skip' : r.ok ? 'pass' : 'FAIL'} ${r.name} (${r.ms} ms)${r.skipped ? ` — ${r.skipped}` : ''}`),
  });
  t.diagnostic(
    `${result.passed} passed, ${result.skipped} skipped, ${result.failed.length} failed in ${result.ms} ms; ${issued} participant certificates issued`,
  );
  assert.equal(result.failed.length, 0, report(result));
  assert.equal(result.skipped, 0, 'every security scenario has what it needs');
  const names = result.results.map((r) => r.name);
  assert.ok(
    names.filter((n) => n.startsWith('security:')).length >= 14,
    `security scenarios ran: ${names.filter((n) => n.startsWith('security:')).join(', ')}`,
  );
  assert.ok(
    names.some((n) => n.startsWith('audit: every message with a body received carries a valid FSPIOP-Signature')),
    'the signature audit ran',
  );
  assert.ok(result.passed >= 90, `only ${result.passed} scenarios ran`);
  assert.equal(hub.child.exitCode, null, 'the hub is still running after every scenario');
});

test('certificates issued beforehand with the CLI, given as a directory (--cert-dir)', { timeout: 5 * 60_000 }, async (t) => {
  const scheme = join(dir, 'pki');
  const pool = join(dir, 'pool');
  await mkdir(pool);
  const names = ['fspa', 'fspb', 'fspc', 'fspd', 'fspe', 'fspf'].map((n) => `${n}${Date.now().toString(36)}`);
  for (const name of names) {
    await pki('issue', '--dir', scheme, '--name', name, '--ip', '127.0.0.1', '--key', 'ec');
    await cp(join(scheme, name), join(pool, name), { recursive: true });
  }
  const result = await runSuite({
    hubUrl: hub.fspiopUrl,
    adminUrl: hub.adminUrl,
    adminToken: hub.adminToken,
    grep: /^(golden path: discover → quote → transfer → COMMITTED, payer v1\.1 \/ payee v2\.0|security: (unsigned prepare|client certificate of participant A|no client certificate))/,
    security: { ca: ca.certPem, certDir: pool, sign: true, hubPublicKey },
    onResult: (r) => t.diagnostic(`${r.skipped ? 'skip' : r.ok ? 'pass' : 'FAIL'} ${r.name} (${r.ms} ms)`),
  });
  assert.equal(result.failed.length, 0, report(result));
  assert.ok(result.passed >= 6, `only ${result.passed} scenarios ran`);
});
