/**
 * Two Mizani schemes joined by the proxy relay (docs/interscheme.md), for test/interscheme.test.ts: each scheme is a
 * real hub process (dist/switch/cli.js start, MIZANI_PROFILE=production: mTLS and JWS on, hub signing) on its own
 * PostgreSQL database with its own PKI (made with the hub's PKI code), its own hub name, and a conformance suite
 * context whose simulated DFSPs each get a certificate of that scheme and a registered JWS key. The relay is a real
 * process too (`mizani relay --config`), the proxy participant `proxyA` of scheme A and `proxyB` of scheme B, with a
 * certificate of each scheme; its endpoints are registered in each hub like any DFSP's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SuiteContext } from '../../conformance/index.js';
import { endpointsFor, ensureHubSetup, fundIn } from '../../conformance/lib/admin.js';
import { initPki, issueCertificate, issueToDir, type PemPair } from '../../switch/security/pki.js';
import { startHubProcess, type HubProcess } from './hub-process.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

const CLI = fileURLToPath(new URL('../../switch/cli.js', import.meta.url));

export interface Scheme {
  label: string;
  hubName: string;
  /** The relay's participant name in this scheme. */
  proxyName: string;
  pkiDir: string;
  ca: PemPair;
  database: TestDatabase;
  hub: HubProcess;
  ctx: SuiteContext;
}

export interface SchemeOptions {
  currency?: string;
  env?: Record<string, string>;
}

/** One scheme: PKI, database, hub process (secured), suite context; its proxy participant is not provisioned yet. */
export async function startScheme(root: string, label: string, o: SchemeOptions = {}): Promise<Scheme> {
  const pkiDir = join(root, `pki-${label}`);
  const hubName = `hub${label}`;
  const proxyName = `proxy${label}`;
  const { ca } = await initPki(pkiDir, { keyType: 'ec', commonName: `Scheme ${label} CA` });
  await issueToDir(pkiDir, { name: hubName, kind: 'hub', keyType: 'ec' });
  await issueToDir(pkiDir, { name: `${hubName}Xml`, kind: 'hub', keyType: 'rsa2048' });
  await issueToDir(pkiDir, { name: proxyName, kind: 'participant', ip: ['127.0.0.1'], keyType: 'ec' });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = join(root, `${hubName}-jws.key`);
  await writeFile(signingKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const database = await createTestDatabase(`mizani_interscheme_${label.toLowerCase()}`);
  const file = (name: string, ext: string) => join(pkiDir, name, `${name}.${ext}`);
  let hub: HubProcess;
  try {
    hub = await startHubProcess({
      MIZANI_PROFILE: 'production',
      MIZANI_DATABASE_URL: database.url,
      MIZANI_HUB_NAME: hubName,
      MIZANI_TLS_CERT: file(hubName, 'crt'),
      MIZANI_TLS_KEY: file(hubName, 'key'),
      MIZANI_TLS_CA: join(pkiDir, 'ca', 'ca.crt'),
      MIZANI_JWS_SIGNING_KEY: signingKey,
      MIZANI_XML_SIGNING_CERT: file(`${hubName}Xml`, 'crt'),
      MIZANI_XML_SIGNING_KEY: file(`${hubName}Xml`, 'key'),
      MIZANI_EXPIRY_SWEEP_MS: '200',
      MIZANI_CALLBACK_RETRIES: '1',
      ...o.env,
    });
  } catch (err) {
    await database.drop();
    throw err;
  }
  const caPem = { certPem: ca.certPem, keyPem: ca.keyPem };
  const ctx = new SuiteContext({
    hubUrl: hub.fspiopUrl,
    adminUrl: hub.adminUrl,
    adminToken: hub.adminToken,
    hubName,
    currency: o.currency ?? 'USD',
    timeoutMs: 15_000,
    security: {
      ca: ca.certPem,
      issueCertificate: async (name) => {
        const c = await issueCertificate(caPem, { name, kind: 'participant', ip: ['127.0.0.1'], keyType: 'ec' });
        return { cert: c.certPem, key: c.keyPem };
      },
      sign: true,
      jwsAlg: 'mixed',
      hubPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
  });
  return { label, hubName, proxyName, pkiDir, ca: caPem, database, hub, ctx };
}

export interface RunningRelay {
  child: ChildProcess;
  logs: string[];
  /** Base URL of each side, by proxy name. */
  urls: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The relay between two schemes, as an operator runs it: `mizani relay --config <file>`. `at`: the URLs of a relay
 * started before (a restart on the same ports, where the proxies' endpoints point).
 */
export async function startRelayProcess(root: string, a: Scheme, b: Scheme, at?: Record<string, string>): Promise<RunningRelay> {
  const side = (s: Scheme) => ({
    proxyName: s.proxyName,
    hubUrl: s.hub.fspiopUrl,
    hubName: s.hubName,
    listen: at?.[s.proxyName] ? new URL(at[s.proxyName]!).host : '127.0.0.1:0',
    tls: {
      cert: join(s.pkiDir, s.proxyName, `${s.proxyName}.crt`),
      key: join(s.pkiDir, s.proxyName, `${s.proxyName}.key`),
      ca: join(s.pkiDir, 'ca', 'ca.crt'),
    },
  });
  const config = join(root, 'relay.json');
  await writeFile(config, JSON.stringify({ sides: [side(a), side(b)], timeoutMs: 10_000 }, null, 2));
  const child = spawn(process.execPath, [CLI, 'relay', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const urls = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start:\n${logs.join('\n')}`)), 15_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      if (line.includes('"Mizani proxy relay started"')) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { sides: Record<string, string> }).sides);
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => logs.push(`stderr: ${line}`));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  return {
    child,
    logs,
    urls,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/**
 * The relay's participant in a scheme: created with isProxy, its position opened with a net debit cap, funds in, and
 * every FSPIOP endpoint at the relay's side for that scheme.
 */
export async function provisionProxy(s: Scheme, relayUrl: string, o: { ndc?: string; fundsIn?: string } = {}): Promise<void> {
  const { admin } = s.ctx;
  await ensureHubSetup(admin, s.hubName, s.ctx.currency);
  const created = await admin.call('POST', '/participants', { name: s.proxyName, currency: s.ctx.currency, isProxy: true });
  if (created.status !== 201) throw new Error(`POST /participants ${s.proxyName} (isProxy): ${created.status} ${created.rawBody}`);
  await admin.setInitialPositionAndLimits(s.proxyName, s.ctx.currency, o.ndc ?? '1000000', 0);
  await fundIn(admin, s.proxyName, s.ctx.currency, o.fundsIn ?? '10000000', 15_000);
  await Promise.all(endpointsFor(relayUrl).map((e) => admin.setEndpoint(s.proxyName, e.type, e.value)));
}

export async function stopScheme(s: Scheme | undefined): Promise<void> {
  if (!s) return;
  await s.ctx.close().catch(() => undefined);
  await s.hub.stopWithin(10_000).catch(() => undefined);
  await s.database.drop().catch(() => undefined);
}
