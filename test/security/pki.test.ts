/**
 * Scheme PKI, mTLS options and the certificate ↔ FSPIOP-Source binding, over real TLS on loopback.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { Pool } from 'undici';
import type { Server as HttpsServer } from 'node:https';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createCrl, initPki, issueToDir, pkiPaths, revokeInDir, certificatePaths } from '../../switch/security/pki.js';
import {
  checkSourceBinding,
  clientTlsOptions,
  loadTlsMaterial,
  participantOfCertificate,
  participantOfPeerCertificate,
  serverTlsOptions,
  TlsConfigError,
  type TlsMaterial,
} from '../../switch/security/tls.js';
import { pkiCommand } from '../../switch/security/pki-cli.js';
import { FspiopError } from '../../schemas/errors.js';

let root: string;
let scheme: string; // the scheme PKI directory
let other: string; // an unrelated CA
const material: Record<string, TlsMaterial> = {};

async function load(dir: string, name: string, withCrl = true): Promise<TlsMaterial> {
  const files = certificatePaths(dir, name);
  const paths = pkiPaths(dir);
  return loadTlsMaterial({ cert: files.cert, key: files.key, ca: paths.caCert, crl: withCrl ? paths.crl : undefined });
}

/** The error (or its cause chain) as "code message" text. */
function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as (Error & { code?: string; cause?: unknown }) | undefined; e; e = e.cause as typeof e) {
    parts.push(`${e.code ?? ''} ${e.message}`);
    if (parts.length > 5) break;
  }
  return parts.join(' | ');
}

async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<string> {
  try {
    await promise;
  } catch (err) {
    const text = errorText(err);
    assert.match(text, pattern);
    return text;
  }
  assert.fail(`expected a failure matching ${pattern}`);
}

async function get(
  origin: string,
  connect: ConnectionOptions,
  path = '/whoami',
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const pool = new Pool(origin, { connect: connect as never, connections: 1 });
  try {
    const response = await pool.request({ path, method: path === '/bind' ? 'POST' : 'GET', headers, headersTimeout: 5000, bodyTimeout: 5000 });
    return { status: response.statusCode, body: await response.body.text() };
  } finally {
    await pool.close().catch(() => undefined);
  }
}

/** A fastify https server answering the participant of the client certificate. */
async function whoamiServer(tls: ReturnType<typeof serverTlsOptions>): Promise<{ server: FastifyInstance; origin: string; tlsErrors: Error[] }> {
  const server = Fastify({ logger: false, https: tls });
  const tlsErrors: Error[] = [];
  server.server.on('tlsClientError', (err: Error) => tlsErrors.push(err));
  server.get('/whoami', async (request) => participantOfCertificate(request.raw.socket) ?? '(none)');
  server.post('/bind', async (request, reply) => {
    try {
      checkSourceBinding(participantOfCertificate(request.raw.socket), request.headers);
      return reply.code(202).send('accepted');
    } catch (err) {
      if (err instanceof FspiopError) return reply.code(err.httpStatus).send(err.toBody());
      throw err;
    }
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address() as { port: number };
  return { server, origin: `https://127.0.0.1:${address.port}`, tlsErrors };
}

async function waitFor(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'mizani-pki-'));
  scheme = join(root, 'scheme');
  other = join(root, 'other');
  await initPki(scheme, { keyType: 'ec', commonName: 'Test Scheme CA' });
  await issueToDir(scheme, { name: 'Hub', kind: 'hub' });
  await issueToDir(scheme, { name: 'A', kind: 'participant', ip: ['127.0.0.1'], dns: ['localhost'] });
  await issueToDir(scheme, { name: 'B', kind: 'participant', dns: ['b.example'], keyType: 'rsa2048' });
  await issueToDir(scheme, { name: 'C', kind: 'participant', ip: ['127.0.0.1'] });
  await revokeInDir(scheme, { name: 'C' }, { reason: 'keyCompromise' });
  await initPki(other, { keyType: 'ec', commonName: 'Other CA' });
  await issueToDir(other, { name: 'A', kind: 'participant', ip: ['127.0.0.1'] });
  material.hub = await load(scheme, 'Hub');
  material.A = await load(scheme, 'A');
  material.B = await load(scheme, 'B');
  material.C = await load(scheme, 'C');
  material.otherA = await load(other, 'A');
});

after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('hub edge: mTLS server', () => {
  let edge: Awaited<ReturnType<typeof whoamiServer>>;
  before(async () => {
    edge = await whoamiServer(serverTlsOptions(material.hub!, { requireClientCert: true }));
  });
  after(async () => {
    await edge.server.close();
  });

  test('participant A with its certificate: 200 and "A"', async () => {
    const res = await get(edge.origin, clientTlsOptions(material.A!));
    assert.equal(res.status, 200);
    assert.equal(res.body, 'A');
  });

  test('participant B with an RSA 2048 certificate: 200 and "B"', async () => {
    // B's certificate names b.example only; the client still verifies the hub (IP SAN 127.0.0.1).
    const res = await get(edge.origin, clientTlsOptions(material.B!));
    assert.deepEqual(res, { status: 200, body: 'B' });
  });

  test('no client certificate: handshake refused', async () => {
    const before_ = edge.tlsErrors.length;
    await rejects(
      get(edge.origin, { ca: material.hub!.ca, rejectUnauthorized: true }),
      /CERTIFICATE_REQUIRED|certificate required|other side closed|ECONNRESET|socket hang up/i,
    );
    await waitFor(() => edge.tlsErrors.length > before_);
    assert.match(errorText(edge.tlsErrors.at(-1)), /peer did not return a certificate|PEER_DID_NOT_RETURN_A_CERTIFICATE/i);
  });

  // Node drops a connection whose client certificate fails verification without a TLS alert (the server sees
  // only ECONNRESET); the reason is checked below on a server that records it instead of refusing.
  test('certificate from another CA: refused', async () => {
    const before_ = edge.tlsErrors.length;
    await rejects(
      get(edge.origin, { ca: material.hub!.ca, cert: material.otherA!.cert, key: material.otherA!.key }),
      /other side closed|ECONNRESET|socket hang up/i,
    );
    await waitFor(() => edge.tlsErrors.length > before_);
    assert.ok(edge.tlsErrors.length > before_, 'the server dropped the connection');
  });

  test('revoked certificate (CRL): refused', async () => {
    const before_ = edge.tlsErrors.length;
    await rejects(get(edge.origin, clientTlsOptions(material.C!)), /other side closed|ECONNRESET|socket hang up/i);
    await waitFor(() => edge.tlsErrors.length > before_);
    assert.ok(edge.tlsErrors.length > before_, 'the server dropped the connection');
    const c = material.C!;
    await rejects(get(edge.origin, { ca: c.ca, cert: c.cert, key: c.key, maxVersion: 'TLSv1.2' }), /ECONNRESET|other side closed/i);
  });

  test('verification reasons (server recording instead of refusing): revoked, unknown CA, good', async () => {
    const recording = Fastify({ logger: false, https: { ...serverTlsOptions(material.hub!, { requireClientCert: true }), rejectUnauthorized: false } });
    recording.get('/why', async (request) => {
      const socket = request.raw.socket as TLSSocket;
      return `${socket.authorized} ${socket.authorizationError ?? '-'} ${participantOfCertificate(socket) ?? '(none)'}`;
    });
    await recording.listen({ host: '127.0.0.1', port: 0 });
    try {
      const origin = `https://127.0.0.1:${(recording.server.address() as { port: number }).port}`;
      assert.equal((await get(origin, clientTlsOptions(material.C!), '/why')).body, 'false CERT_REVOKED (none)');
      const foreign = await get(origin, { ca: material.hub!.ca, cert: material.otherA!.cert, key: material.otherA!.key }, '/why');
      // OpenSSL reports the last error of the chain: no issuer, hence also no CRL for it
      assert.match(foreign.body, /^false (UNABLE_TO_GET_CRL|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE) \(none\)$/);
      assert.equal((await get(origin, clientTlsOptions(material.A!), '/why')).body, 'true - A');
    } finally {
      await recording.close();
    }
  });

  test('TLS 1.1 client: refused by the server', async () => {
    const before_ = edge.tlsErrors.length;
    const port = Number(new URL(edge.origin).port);
    const error = await new Promise<Error>((resolve, reject) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port,
        ca: material.hub!.ca,
        cert: material.A!.cert,
        key: material.A!.key,
        minVersion: 'TLSv1.1',
        maxVersion: 'TLSv1.1',
        ciphers: 'DEFAULT@SECLEVEL=0',
      });
      socket.once('secureConnect', () => {
        socket.destroy();
        reject(new Error('TLS 1.1 handshake succeeded'));
      });
      socket.once('error', resolve);
    });
    assert.match(errorText(error), /PROTOCOL_VERSION|protocol version|UNSUPPORTED_PROTOCOL/i);
    await waitFor(() => edge.tlsErrors.length > before_);
    assert.match(errorText(edge.tlsErrors.at(-1)), /unsupported protocol|UNSUPPORTED_PROTOCOL/i);
  });

  test('TLS 1.2 negotiates a contract suite; a client offering only CBC suites is refused', async () => {
    const port = Number(new URL(edge.origin).port);
    const handshake = (options: ConnectionOptions) =>
      new Promise<TLSSocket>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port, ...options });
        socket.once('secureConnect', () => resolve(socket));
        socket.once('error', reject);
      });
    const a = material.A!;
    const s12 = await handshake({ ca: a.ca, cert: a.cert, key: a.key, maxVersion: 'TLSv1.2' });
    assert.equal(s12.getProtocol(), 'TLSv1.2');
    assert.equal(s12.getCipher().name, 'ECDHE-ECDSA-AES256-GCM-SHA384');
    s12.destroy();
    const s13 = await handshake({ ca: a.ca, cert: a.cert, key: a.key });
    assert.equal(s13.getProtocol(), 'TLSv1.3');
    assert.equal(s13.getCipher().name, 'TLS_AES_256_GCM_SHA384');
    s13.destroy();
    await rejects(
      handshake({ ca: a.ca, cert: a.cert, key: a.key, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA' }),
      /HANDSHAKE_FAILURE|handshake failure/i,
    );
  });

  test('FSPIOP-Source bound to the certificate participant', async () => {
    const ok = await get(edge.origin, clientTlsOptions(material.A!), '/bind', { 'fspiop-source': 'A' });
    assert.equal(ok.status, 202);
    const spoofed = await get(edge.origin, clientTlsOptions(material.A!), '/bind', { 'fspiop-source': 'B' });
    assert.equal(spoofed.status, 400);
    assert.deepEqual(JSON.parse(spoofed.body), {
      errorInformation: {
        errorCode: '3100',
        errorDescription: 'Generic validation error - FSPIOP-Source header does not match the client certificate participant',
      },
    });
    const proxied = await get(edge.origin, clientTlsOptions(material.A!), '/bind', { 'fspiop-source': 'remote-dfsp', 'fspiop-proxy': 'A' });
    assert.equal(proxied.status, 202);
  });
});

describe('CRL update without restart', () => {
  test('setSecureContext with a fresh CRL refuses a certificate revoked after start-up', async () => {
    await issueToDir(scheme, { name: 'D', kind: 'participant' });
    const d = await load(scheme, 'D');
    const edge = await whoamiServer(serverTlsOptions(await load(scheme, 'Hub'), { requireClientCert: true }));
    try {
      const tlsOnly = { ca: d.ca, cert: d.cert, key: d.key }; // a fresh connection each time
      assert.deepEqual(await get(edge.origin, tlsOnly), { status: 200, body: 'D' });
      await revokeInDir(scheme, { name: 'D' });
      (edge.server.server as unknown as HttpsServer).setSecureContext(serverTlsOptions(await load(scheme, 'Hub'), { requireClientCert: true }));
      await rejects(get(edge.origin, tlsOnly), /other side closed|ECONNRESET|socket hang up/i);
      assert.deepEqual(await get(edge.origin, clientTlsOptions(material.A!)), { status: 200, body: 'A' });
    } finally {
      await edge.server.close();
    }
  });
});

describe('mTLS switched off (requireClientCert: false)', () => {
  test('serves HTTPS without asking for a certificate; no participant', async () => {
    const edge = await whoamiServer(serverTlsOptions(material.hub!, { requireClientCert: false }));
    try {
      const anonymous = await get(edge.origin, { ca: material.hub!.ca });
      assert.deepEqual(anonymous, { status: 200, body: '(none)' });
      const withCert = await get(edge.origin, clientTlsOptions(material.A!));
      assert.deepEqual(withCert, { status: 200, body: '(none)' }); // not requested, so not presented
    } finally {
      await edge.server.close();
    }
  });
});

describe('hub as client of participant callback servers (clientTlsOptions)', () => {
  const servers: FastifyInstance[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  async function callbackServer(m: TlsMaterial, requireClientCert = true): Promise<string> {
    const s = await whoamiServer(serverTlsOptions(m, { requireClientCert }));
    servers.push(s.server);
    return s.origin;
  }

  test('good participant server certificate: OK, and the participant sees the hub', async () => {
    const origin = await callbackServer(material.A!);
    assert.deepEqual(await get(origin, clientTlsOptions(material.hub!)), { status: 200, body: 'Hub' });
    assert.deepEqual(await get(origin, clientTlsOptions(material.hub!, { expectParticipant: 'A' })), { status: 200, body: 'Hub' });
    // via the DNS name too (SNI + hostname check)
    const port = new URL(origin).port;
    assert.equal((await get(`https://localhost:${port}`, clientTlsOptions(material.hub!))).status, 200);
  });

  test('server certificate of another participant than expected: refused', async () => {
    const origin = await callbackServer(material.A!);
    await rejects(get(origin, clientTlsOptions(material.hub!, { expectParticipant: 'B' })), /belongs to participant "A", expected "B"/);
  });

  test('server certificate from another CA: refused', async () => {
    const origin = await callbackServer(material.otherA!, false);
    await rejects(get(origin, clientTlsOptions(material.hub!)), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_CRL|UNABLE_TO_GET_ISSUER_CERT/);
  });

  test('wrong hostname: refused', async () => {
    const origin = await callbackServer(material.B!, false); // B's certificate names b.example only
    await rejects(get(origin, clientTlsOptions(material.hub!)), /ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate/);
  });

  test('revoked server certificate: refused', async () => {
    const origin = await callbackServer(material.C!, false);
    await rejects(get(origin, clientTlsOptions(material.hub!)), /CERT_REVOKED|certificate revoked/);
  });
});

describe('loadTlsMaterial', () => {
  test('reads a consistent identity', () => {
    const hub = material.hub!;
    assert.equal(hub.identity, 'Hub');
    assert.equal(material.A!.identity, 'A');
    assert.ok(hub.crlNextUpdate && hub.crlNextUpdate > new Date());
    assert.deepEqual(hub.warnings, []);
    assert.deepEqual(hub.extendedKeyUsage?.sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.match(material.C!.warnings.join('\n'), /is revoked by/);
  });

  test('precise errors', async () => {
    const files = certificatePaths(scheme, 'A');
    const paths = pkiPaths(scheme);
    const expectError = (p: Promise<unknown>, pattern: RegExp) =>
      assert.rejects(p, (err: Error) => {
        assert.ok(err instanceof TlsConfigError, `${err}`);
        assert.match(err.message, pattern);
        return true;
      });
    await expectError(loadTlsMaterial({ cert: join(root, 'missing.crt'), key: files.key, ca: paths.caCert }), /TLS certificate file not found: .*missing\.crt/);
    await expectError(loadTlsMaterial({ cert: files.key, key: files.key, ca: paths.caCert }), /is not a PEM certificate \(found "PRIVATE KEY"\)/);
    await expectError(loadTlsMaterial({ cert: files.cert, key: files.cert, ca: paths.caCert }), /is not a PEM private key \(found "CERTIFICATE"\)/);
    await expectError(
      loadTlsMaterial({ cert: files.cert, key: certificatePaths(scheme, 'Hub').key, ca: paths.caCert }),
      /private key .*Hub\.key does not match the certificate .*A\.crt/,
    );
    await expectError(
      loadTlsMaterial({ cert: certificatePaths(other, 'A').cert, key: certificatePaths(other, 'A').key, ca: paths.caCert }),
      /is not signed by the CA in/,
    );
    await expectError(loadTlsMaterial({ cert: files.cert, key: files.key, ca: files.cert }), /is not a CA certificate/);
    await expectError(loadTlsMaterial({ cert: files.cert, key: files.key, ca: paths.caCert, crl: pkiPaths(other).crl }), /is not signed by a CA in/);
    await expectError(loadTlsMaterial({ cert: files.cert, key: files.key, ca: paths.caCert, crl: paths.caCert }), /is not a PEM CRL/);
    const doubled = join(root, 'doubled-crl.pem');
    await writeFile(doubled, (await readFile(paths.crl, 'utf8')) + (await readFile(paths.crl, 'utf8')));
    await expectError(loadTlsMaterial({ cert: files.cert, key: files.key, ca: paths.caCert, crl: doubled }), /holds more than one CRL of CA/);

    const ca = { certPem: await readFile(paths.caCert, 'utf8'), keyPem: await readFile(paths.caKey, 'utf8') };
    const stale = join(root, 'stale-crl.pem');
    await writeFile(stale, await createCrl(ca, [], { now: new Date(Date.now() - 40 * 86_400_000), days: 30 }));
    await expectError(loadTlsMaterial({ cert: files.cert, key: files.key, ca: paths.caCert, crl: stale }), /CRL .* expired on/);

    // a CA bundle with two CAs but a CRL of one only: every certificate of the other would be refused
    const bundle = join(root, 'bundle.pem');
    await writeFile(bundle, (await readFile(paths.caCert, 'utf8')) + (await readFile(pkiPaths(other).caCert, 'utf8')));
    await expectError(loadTlsMaterial({ cert: files.cert, key: files.key, ca: bundle, crl: paths.crl }), /has no CRL for CA CN=Other CA/);

    const exposedKey = join(root, 'exposed.key');
    await writeFile(exposedKey, await readFile(files.key));
    await chmod(exposedKey, 0o644);
    const loose = await loadTlsMaterial({ cert: files.cert, key: exposedKey, ca: paths.caCert });
    assert.match(loose.warnings.join('\n'), /accessible by group\/others \(mode 644\)/);
  });
});

describe('certificate identity and FSPIOP-Source binding', () => {
  test('participantOfPeerCertificate: SAN URI first, else CN', () => {
    const peer = (o: object) => o as never;
    assert.equal(participantOfPeerCertificate(peer({ subject: { CN: 'X' }, subjectaltname: 'DNS:x.example, URI:urn:mizani:participant:fsp1' })), 'fsp1');
    assert.equal(participantOfPeerCertificate(peer({ subject: { CN: 'X' }, subjectaltname: 'URI:"urn:mizani:participant:a,b"' })), 'a,b');
    assert.equal(participantOfPeerCertificate(peer({ subject: { CN: 'X' }, subjectaltname: 'DNS:x.example, URI:https://x.example/' })), 'X');
    assert.equal(participantOfPeerCertificate(peer({ subject: { CN: 'X' } })), 'X');
    assert.equal(participantOfPeerCertificate(peer({ subject: { CN: ['X', 'Y'] } })), undefined);
    assert.equal(participantOfPeerCertificate(peer({})), undefined);
    assert.equal(participantOfPeerCertificate(undefined), undefined);
  });

  test('participantOfCertificate: undefined for plain or unverified sockets', () => {
    assert.equal(participantOfCertificate({ encrypted: undefined } as never), undefined);
    assert.equal(participantOfCertificate({ encrypted: true, authorized: false, getPeerCertificate: () => ({ subject: { CN: 'A' } }) } as never), undefined);
    assert.equal(participantOfCertificate({ encrypted: true, authorized: true, getPeerCertificate: () => ({ subject: { CN: 'A' } }) } as never), 'A');
  });

  test('checkSourceBinding', () => {
    const refused = (participant: string | undefined, headers: Record<string, string | string[]>, message: RegExp) =>
      assert.throws(
        () => checkSourceBinding(participant, headers),
        (err: unknown) => err instanceof FspiopError && err.code === '3100' && err.httpStatus === 400 && message.test(err.description),
      );
    checkSourceBinding('dfspa', { 'fspiop-source': 'dfspa', 'fspiop-destination': 'dfspb' });
    refused('dfspa', { 'fspiop-source': 'dfspb' }, /FSPIOP-Source header does not match the client certificate participant/);
    refused('dfspa', { 'fspiop-source': 'DFSPA' }, /FSPIOP-Source header does not match/);
    refused('dfspa', {}, /FSPIOP-Source header does not match/);
    refused('dfspa', { 'fspiop-source': ['dfspa', 'dfspa'] }, /FSPIOP-Source header does not match/);
    refused(undefined, { 'fspiop-source': 'dfspa' }, /no verified client certificate/);
    // inter-scheme: the proxy participant authenticates and relays for a DFSP of another scheme
    checkSourceBinding('proxy1', { 'fspiop-source': 'remote', 'fspiop-proxy': 'proxy1' });
    refused('proxy1', { 'fspiop-source': 'remote', 'fspiop-proxy': 'proxy2' }, /FSPIOP-Proxy header does not match the client certificate participant/);
    refused('dfspa', { 'fspiop-source': 'dfspa', 'fspiop-proxy': 'proxy1' }, /FSPIOP-Proxy header does not match/);
    refused('proxy1', { 'fspiop-source': 'proxy1', 'fspiop-proxy': 'proxy1' }, /FSPIOP-Proxy header must differ from FSPIOP-Source/);
  });
});

describe('mizani pki CLI', () => {
  async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await pkiCommand(
      argv,
      (l) => out.push(l),
      (l) => err.push(l),
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  const mode = async (path: string) => (await stat(path)).mode & 0o777;

  test('init, issue, revoke, crl, show end to end', async () => {
    const dir = join(root, 'cli');
    let r = await run('init', '--dir', dir, '--key', 'ec', '--days', '30', '--cn', 'CLI Test CA');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /scheme CA created: CN=CLI Test CA, O=Mizani \(EC P-256/);
    for (const f of ['ca/ca.crt', 'ca/ca.key', 'ca/crl.pem', 'ca/index.json']) assert.ok(existsSync(join(dir, f)), f);
    assert.equal(await mode(join(dir, 'ca/ca.key')), 0o600);
    assert.equal(await mode(join(dir, 'ca/index.json')), 0o600);
    assert.equal(await mode(join(dir, 'ca')), 0o700);
    const caCert = new X509Certificate(await readFile(join(dir, 'ca/ca.crt')));
    assert.equal(caCert.ca, true);
    assert.ok(new Date(caCert.validTo).getTime() - Date.now() < 31 * 86_400_000);

    r = await run('pki', 'init', '--dir', dir, '--key', 'ec');
    assert.equal(r.code, 1);
    assert.match(r.err, /already holds a scheme CA .*refusing to overwrite it/);

    r = await run('issue', '--dir', dir, '--name', 'Hub', '--hub');
    assert.equal(r.code, 0, r.err);
    r = await run('issue', '--dir', dir, '--name', 'dfspa', '--dns', 'dfspa.example', '--ip', '10.1.2.3', '--ip=::1', '--days', '10');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /participant certificate issued: CN=dfspa, O=Mizani participant \(EC P-256/);
    assert.equal(await mode(join(dir, 'dfspa/dfspa.key')), 0o600);
    assert.equal(await mode(join(dir, 'Hub/Hub.key')), 0o600);
    const leaf = new X509Certificate(await readFile(join(dir, 'dfspa/dfspa.crt')));
    assert.equal(leaf.subjectAltName, 'URI:urn:mizani:participant:dfspa, DNS:dfspa.example, IP Address:10.1.2.3, IP Address:0:0:0:0:0:0:0:1');
    assert.deepEqual(leaf.keyUsage.sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.ok(leaf.checkIssued(caCert) && leaf.verify(caCert.publicKey));
    assert.equal(leaf.serialNumber.length, 32);
    const hub = new X509Certificate(await readFile(join(dir, 'Hub/Hub.crt')));
    assert.equal(hub.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1');
    assert.equal(hub.subject, 'CN=Hub\nO=Mizani hub');

    r = await run('issue', '--dir', dir, '--name', 'dfspb', '--dns', 'b1.example', 'b2.example', '--ip', '10.0.0.1,10.0.0.2', '--ip', '10.0.0.3');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /valid until/);
    assert.equal(
      new X509Certificate(await readFile(join(dir, 'dfspb/dfspb.crt'))).subjectAltName,
      'URI:urn:mizani:participant:dfspb, DNS:b1.example, DNS:b2.example, IP Address:10.0.0.1, IP Address:10.0.0.2, IP Address:10.0.0.3',
    );
    // a leaf never outlives the CA (30 days here)
    assert.ok(new Date(new X509Certificate(await readFile(join(dir, 'dfspb/dfspb.crt'))).validTo) <= new Date(caCert.validTo));

    r = await run('issue', '--dir', dir, '--name', 'dfspa');
    assert.equal(r.code, 1);
    assert.match(r.err, /"dfspa" already has a valid certificate .*--renew/);

    r = await run('revoke', '--dir', dir, '--name', 'dfspa');
    assert.equal(r.code, 0, r.err);
    const crl = new x509.X509Crl(await readFile(join(dir, 'ca/crl.pem'), 'utf8'));
    assert.ok(crl.findRevoked(leaf.serialNumber.toLowerCase()), 'serial listed in the CRL');
    assert.ok(await crl.verify({ publicKey: new x509.X509Certificate(caCert.raw) }));

    r = await run('revoke', '--dir', dir, '--name', 'dfspa');
    assert.equal(r.code, 1);
    assert.match(r.err, /already revoked/);

    r = await run('issue', '--dir', dir, '--name', 'dfspa', '--key', 'rsa2048'); // allowed again after revocation
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /RSA 2048/);

    r = await run('crl', '--dir', dir, '--crl-days', '7');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /CRL written: .*crl\.pem \(1 revoked, next update/);

    r = await run('show', '--dir', dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /scheme CA: CN=CLI Test CA/);
    assert.match(r.out, /number 3, 1 revoked/);
    assert.match(r.out, /Hub {2}hub .* valid/);
    assert.match(r.out, /dfspa {2}participant .* revoked/);

    r = await run('show', '--dir', dir, '--name', 'dfspa');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /superseded; not in the files/);
    assert.match(r.out, /sha256: {4}[0-9a-f]{64}/);

    // the issued files work as TLS material
    const m = await load(dir, 'dfspa');
    assert.equal(m.identity, 'dfspa');
  });

  test('precise usage errors (exit code 2)', async () => {
    const dir = join(root, 'cli-errors');
    const cases: Array<[string[], RegExp]> = [
      [[], /usage: mizani pki/],
      [['frob'], /unknown command "frob"/],
      [['init'], /missing required option --dir for "pki init"/],
      [['init', '--dir'], /option --dir needs a value/],
      [['init', '--dir', dir, '--key', 'dsa'], /option --key must be one of rsa4096, rsa2048, ec, got "dsa"/],
      [['init', '--dir', dir, '--days', 'ten'], /option --days must be a whole number, got "ten"/],
      [['init', '--dir', dir, '--days', '0'], /option --days must be between 1 and 36500/],
      [['init', '--dir', dir, '--bogus'], /unknown option --bogus for "pki init"/],
      [['init', '--dir', dir, '--dir', dir], /option --dir given twice/],
      [['init', dir], /unexpected argument/],
      [['issue', '--dir', dir], /missing required option --name/],
      [['issue', '--dir', dir, '--name', 'bad name'], /invalid name "bad name"/],
      [['issue', '--dir', dir, '--name', 'ca'], /reserved/],
      [['issue', '--dir', dir, '--name', 'x', '--ip', '300.1.1.1'], /invalid IP address "300.1.1.1"/],
      [['issue', '--dir', dir, '--name', 'x', '--dns', 'bad_host!'], /invalid DNS name "bad_host!"/],
      [['issue', '--dir', dir, '--name', 'x', '--hub=yes'], /option --hub takes no value/],
      [['revoke', '--dir', dir], /needs --name N or --serial HEX/],
      [['revoke', '--dir', dir, '--serial', 'xyz'], /option --serial must be hexadecimal/],
      [['revoke', '--dir', dir, '--name', 'x', '--reason', 'boredom'], /option --reason must be one of/],
    ];
    for (const [argv, pattern] of cases) {
      const r = await run(...argv);
      assert.equal(r.code, 2, `${argv.join(' ')} → ${r.code} ${r.err}`);
      assert.match(r.err, pattern, argv.join(' '));
    }
    assert.ok(!existsSync(dir), 'nothing written on usage errors');
    const r = await run('issue', '--dir', dir, '--name', 'x');
    assert.equal(r.code, 1);
    assert.match(r.err, /no scheme CA in .*run "mizani pki init --dir/);
  });
});
