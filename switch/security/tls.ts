/**
 * Mutual TLS for the participant-facing edges (contract security.md §3): TLS ≥ 1.2, the contract's cipher
 * suites, certificates from the scheme CA, CRL revocation checking, and the binding of the client
 * certificate's participant to FSPIOP-Source / FSPIOP-Proxy (contract fspiop.md §12).
 *
 * - Inbound (participant → hub): `serverTlsOptions(material, { requireClientCert: true })` for fastify's
 *   `https` option; per request `checkSourceBinding(participantOfCertificate(request.raw.socket), request.headers)`.
 * - Outbound (hub → participant callbacks): `clientTlsOptions(material)` as undici's `connect` option: the hub
 *   presents its certificate and verifies the participant's server certificate (chain, CRL, hostname).
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { checkServerIdentity, createSecureContext, type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { FspiopError } from '../../schemas/errors.js';
import { PARTICIPANT_URI_PREFIX } from './pki.js';

x509.cryptoProvider.set(webcrypto as never);

export { PARTICIPANT_URI_PREFIX };

/**
 * TLS 1.2 suites, OpenSSL names, in preference order. The contract's list (PKI Best Practices) plus the ECDSA
 * twins of its ECDHE suites (needed for EC P-256 certificates). Mapping:
 *   TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 → ECDHE-RSA-AES256-GCM-SHA384
 *   TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 → ECDHE-RSA-AES128-GCM-SHA256
 *   TLS_RSA_WITH_AES_256_GCM_SHA384       → AES256-GCM-SHA384   (no forward secrecy: last resort for old peers)
 *   TLS_RSA_WITH_AES_128_GCM_SHA256       → AES128-GCM-SHA256   (idem)
 *   TLS_ECDH_RSA_WITH_AES_*_GCM_*         → not available: static-ECDH suites were removed from OpenSSL 1.1.0.
 */
export const TLS12_CIPHERS: readonly string[] = [
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128-GCM-SHA256',
];
/** TLS 1.3 suites (all AEAD, all forward-secret). */
export const TLS13_CIPHERSUITES: readonly string[] = ['TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'];
/** Node's `ciphers` option takes both lists (TLS_* names go to the TLS 1.3 list). */
export const CIPHERS = [...TLS13_CIPHERSUITES, ...TLS12_CIPHERS].join(':');

export class TlsConfigError extends Error {
  override name = 'TlsConfigError';
}

export interface TlsPaths {
  /** PEM: the certificate, optionally followed by intermediate CA certificates. */
  cert: string;
  /** PEM private key of the certificate (unencrypted). */
  key: string;
  /** PEM bundle of the trusted scheme CA certificate(s). */
  ca: string;
  /** PEM CRL(s), one per CA of the bundle; enables revocation checking. */
  crl?: string;
}

export interface TlsMaterial {
  cert: string;
  key: string;
  ca: string;
  crl?: string;
  paths: TlsPaths;
  certificate: X509Certificate;
  /** The participant the certificate names (SAN URI, else CN). */
  identity: string | undefined;
  notAfter: Date;
  /** Extended key usages of the certificate (OIDs); undefined when the certificate has no EKU extension. */
  extendedKeyUsage: string[] | undefined;
  /** Earliest nextUpdate of the CRLs: after it every handshake fails (OpenSSL "CRL has expired"), so re-issue before. */
  crlNextUpdate?: Date;
  /** Non-fatal findings (e.g. a private key readable by others); log them at start-up. */
  warnings: string[];
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

type PemBlock = { label: string; text: string };

function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) blocks.push({ label: m[1]!, text: m[0] + '\n' });
  return blocks;
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TlsConfigError(`${what} file not found: ${path}`);
    if (code === 'EACCES') throw new TlsConfigError(`${what} file ${path} is not readable (permission denied)`);
    if (code === 'EISDIR') throw new TlsConfigError(`${what} path ${path} is a directory, not a file`);
    throw new TlsConfigError(`${what} file ${path} cannot be read: ${(err as Error).message}`);
  }
}

function parseCertificates(text: string, path: string, what: string): X509Certificate[] {
  const blocks = pemBlocks(text).filter((b) => b.label === 'CERTIFICATE');
  if (blocks.length === 0) {
    const other = pemBlocks(text)[0]?.label;
    throw new TlsConfigError(`${what} ${path} is not a PEM certificate${other ? ` (found "${other}")` : ''}`);
  }
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b.text);
    } catch (err) {
      throw new TlsConfigError(`${what} ${path}: certificate #${i + 1} cannot be parsed (${(err as Error).message})`);
    }
  });
}

function checkValidity(cert: X509Certificate, path: string, what: string, now: Date): void {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (to <= now) throw new TlsConfigError(`${what} ${path} (${cert.subject.replace(/\n/g, ', ')}) expired on ${to.toISOString()}`);
  if (from > now) throw new TlsConfigError(`${what} ${path} (${cert.subject.replace(/\n/g, ', ')}) is not valid before ${from.toISOString()}`);
}

function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  return child.checkIssued(parent) && child.verify(parent.publicKey);
}

/** The private key: PEM, not encrypted, parses, matches the certificate; a warning when others may read it. */
async function checkPrivateKey(paths: TlsPaths, keyText: string, certificate: X509Certificate, warnings: string[]): Promise<void> {
  const keyBlock = pemBlocks(keyText)[0];
  if (!keyBlock || !/PRIVATE KEY$/.test(keyBlock.label)) {
    throw new TlsConfigError(`TLS private key ${paths.key} is not a PEM private key${keyBlock ? ` (found "${keyBlock.label}")` : ''}`);
  }
  if (keyBlock.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(keyText)) {
    throw new TlsConfigError(`TLS private key ${paths.key} is encrypted; passphrase-protected keys are not supported`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyText);
  } catch (err) {
    throw new TlsConfigError(`TLS private key ${paths.key} cannot be parsed (${(err as Error).message})`);
  }
  if (!certificate.checkPrivateKey(key)) {
    throw new TlsConfigError(`TLS private key ${paths.key} does not match the certificate ${paths.cert}`);
  }
  try {
    const mode = (await stat(paths.key)).mode;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      warnings.push(`TLS private key ${paths.key} is accessible by group/others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
    }
  } catch {
    // stat right after a successful read cannot really fail; ignore
  }
}

/** Chain: leaf → intermediates in the cert file → a CA of the bundle, each valid now. */
function checkChain(paths: TlsPaths, chain: X509Certificate[], cas: X509Certificate[], now: Date): void {
  const certificate = chain[0]!;
  checkValidity(certificate, paths.cert, 'TLS certificate', now);
  let current = certificate;
  const intermediates = chain.slice(1);
  for (let depth = 0; ; depth++) {
    if (cas.some((ca) => issuedBy(current, ca))) break;
    const next = intermediates.find((c) => issuedBy(current, c));
    if (!next || depth > 8) {
      throw new TlsConfigError(
        `TLS certificate ${paths.cert} (${certificate.subject.replace(/\n/g, ', ')}) is not signed by the CA in ${paths.ca} ` +
          `(issuer ${current.issuer.replace(/\n/g, ', ')})`,
      );
    }
    checkValidity(next, paths.cert, 'TLS intermediate certificate', now);
    current = next;
  }
}

/**
 * Each CRL is signed by a CA of the bundle, current, and one per CA (Node checks the CRL of every certificate of the
 * chain once a CRL is configured); a warning when it revokes the hub's own certificate.
 */
async function checkCrls(
  paths: TlsPaths,
  crlPath: string,
  crlText: string,
  cas: X509Certificate[],
  certificate: X509Certificate,
  now: Date,
  warnings: string[],
): Promise<{ crl: string; crlNextUpdate: Date | undefined }> {
  let crlNextUpdate: Date | undefined;
  const blocks = pemBlocks(crlText).filter((b) => b.label === 'X509 CRL');
  if (blocks.length === 0) throw new TlsConfigError(`TLS CRL ${crlPath} is not a PEM CRL ("-----BEGIN X509 CRL-----")`);
  const covered = new Set<X509Certificate>();
  for (const [i, block] of blocks.entries()) {
    let parsed: x509.X509Crl;
    try {
      parsed = new x509.X509Crl(block.text);
    } catch (err) {
      throw new TlsConfigError(`TLS CRL ${crlPath}: CRL #${i + 1} cannot be parsed (${(err as Error).message})`);
    }
    let signer: X509Certificate | undefined;
    for (const ca of cas) {
      if (covered.has(ca)) continue;
      const caCert = new x509.X509Certificate(ca.raw);
      if (caCert.subjectName.toString() !== parsed.issuerName.toString()) continue;
      if (await parsed.verify({ publicKey: caCert }).catch(() => false)) {
        signer = ca;
        break;
      }
    }
    if (!signer) {
      const twice = cas.find((ca) => covered.has(ca) && new x509.X509Certificate(ca.raw).subjectName.toString() === parsed.issuerName.toString());
      throw new TlsConfigError(
        twice
          ? `TLS CRL ${crlPath} holds more than one CRL of CA ${parsed.issuer}; keep only the current one`
          : `TLS CRL ${crlPath}: CRL #${i + 1} (issuer ${parsed.issuer}) is not signed by a CA in ${paths.ca}`,
      );
    }
    covered.add(signer);
    if (parsed.thisUpdate > now) throw new TlsConfigError(`TLS CRL ${crlPath} is not valid before ${parsed.thisUpdate.toISOString()}`);
    const next = parsed.nextUpdate;
    if (next && next <= now) {
      throw new TlsConfigError(`TLS CRL ${crlPath} expired on ${next.toISOString()}; issue a fresh one (mizani pki crl)`);
    }
    if (next && (!crlNextUpdate || next < crlNextUpdate)) crlNextUpdate = next;
    if (parsed.findRevoked(certificate.serialNumber.toLowerCase())) {
      warnings.push(`TLS certificate ${paths.cert} (serial ${certificate.serialNumber}) is revoked by ${crlPath}`);
    }
  }
  const uncovered = cas.filter((ca) => !covered.has(ca));
  if (uncovered.length > 0) {
    throw new TlsConfigError(
      `TLS CRL ${crlPath} has no CRL for CA ${uncovered[0]!.subject.replace(/\n/g, ', ')}; ` +
        'with revocation checking on, certificates of that CA would all be refused',
    );
  }
  return { crl: blocks.map((b) => b.text).join(''), crlNextUpdate };
}

/**
 * Reads and checks the PEM files of one TLS identity: files exist and parse, the key matches the certificate,
 * the certificate (with the intermediates that follow it) chains to the CA bundle, nothing has expired, and
 * each CRL is signed by a CA of the bundle, current, and present for every CA (Node checks the CRL of every
 * certificate of the chain once a CRL is configured).
 */
export async function loadTlsMaterial(paths: TlsPaths, now: Date = new Date()): Promise<TlsMaterial> {
  const warnings: string[] = [];
  const [certText, keyText, caText, crlText] = await Promise.all([
    readPem(paths.cert, 'TLS certificate'),
    readPem(paths.key, 'TLS private key'),
    readPem(paths.ca, 'TLS CA'),
    paths.crl ? readPem(paths.crl, 'TLS CRL') : Promise.resolve(undefined),
  ]);

  const chain = parseCertificates(certText, paths.cert, 'TLS certificate');
  const certificate = chain[0]!;
  const cas = parseCertificates(caText, paths.ca, 'TLS CA');
  for (const ca of cas) {
    if (!ca.ca) throw new TlsConfigError(`TLS CA ${paths.ca}: ${ca.subject.replace(/\n/g, ', ')} is not a CA certificate (basicConstraints CA:FALSE)`);
    checkValidity(ca, paths.ca, 'TLS CA', now);
  }

  await checkPrivateKey(paths, keyText, certificate, warnings);
  checkChain(paths, chain, cas, now);
  const { crl, crlNextUpdate } =
    crlText !== undefined && paths.crl
      ? await checkCrls(paths, paths.crl, crlText, cas, certificate, now, warnings)
      : { crl: undefined, crlNextUpdate: undefined };

  const extendedKeyUsage = certificate.keyUsage; // node: the EKU OIDs
  return {
    cert: certText,
    key: keyText,
    ca: caText,
    crl,
    paths,
    certificate,
    identity: identityOf(certificate.subjectAltName, cnOfSubject(certificate.subject)),
    notAfter: new Date(certificate.validTo),
    extendedKeyUsage: extendedKeyUsage && extendedKeyUsage.length > 0 ? extendedKeyUsage : undefined,
    crlNextUpdate,
    warnings,
  };
}

function requireUsage(material: TlsMaterial, oid: string, role: string): void {
  const eku = material.extendedKeyUsage;
  if (eku && !eku.includes(oid)) {
    throw new TlsConfigError(`TLS certificate ${material.paths.cert} cannot be used as a TLS ${role}: its extendedKeyUsage lacks ${role}Auth`);
  }
}

export interface ServerTlsOptions {
  cert: string;
  key: string;
  ca: string;
  crl?: string;
  minVersion: 'TLSv1.2';
  ciphers: string;
  honorCipherOrder: true;
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

/** Options for `https.createServer` / fastify `https`. */
export function serverTlsOptions(material: TlsMaterial, options: { requireClientCert: boolean }): ServerTlsOptions {
  requireUsage(material, SERVER_AUTH, 'server');
  return {
    cert: material.cert,
    key: material.key,
    ca: material.ca,
    ...(material.crl ? { crl: material.crl } : {}),
    minVersion: 'TLSv1.2',
    ciphers: CIPHERS,
    honorCipherOrder: true,
    requestCert: options.requireClientCert,
    rejectUnauthorized: options.requireClientCert,
  };
}

const clientContexts = new WeakMap<TlsMaterial, SecureContext>();

export interface ClientTlsOptions {
  cert: string;
  key: string;
  ca: string;
  crl?: string;
  minVersion: 'TLSv1.2';
  ciphers: string;
  rejectUnauthorized: true;
  /**
   * Built once per material: tls.connect uses it instead of parsing cert/key/ca/crl again for every new
   * connection (≈1–1.5 ms of CPU each); cert/key/ca stay for consumers that only read those.
   */
  secureContext: SecureContext;
  servername?: string;
  checkServerIdentity?: (hostname: string, cert: PeerCertificate) => Error | undefined;
}

/**
 * Options for undici's `connect` (hub → participant callbacks): the hub's client certificate, the scheme CA
 * (+ CRL) to verify the participant's server certificate, hostname verification against the callback URL's
 * host (undici sends SNI for DNS names; `servername` overrides the name sent and checked). With
 * `expectParticipant`, the server certificate must moreover name that participant.
 */
export function clientTlsOptions(material: TlsMaterial, options: { servername?: string; expectParticipant?: string } = {}): ClientTlsOptions {
  requireUsage(material, CLIENT_AUTH, 'client');
  const base = {
    cert: material.cert,
    key: material.key,
    ca: material.ca,
    ...(material.crl ? { crl: material.crl } : {}),
    minVersion: 'TLSv1.2' as const,
    ciphers: CIPHERS,
  };
  let secureContext = clientContexts.get(material);
  if (!secureContext) {
    secureContext = createSecureContext(base);
    clientContexts.set(material, secureContext);
  }
  const result: ClientTlsOptions = { ...base, rejectUnauthorized: true, secureContext };
  if (options.servername !== undefined) result.servername = options.servername;
  const expected = options.expectParticipant;
  if (expected !== undefined) {
    result.checkServerIdentity = (hostname, cert) => {
      const error = checkServerIdentity(hostname, cert);
      if (error) return error;
      const actual = participantOfPeerCertificate(cert);
      return actual === expected ? undefined : new Error(`server certificate belongs to participant "${actual ?? '(none)'}", expected "${expected}"`);
    };
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------------
// certificate identity

/** Values of the URI entries of Node's `subjectaltname` string (values with special characters come JSON-quoted). */
function sanUris(san: string): string[] {
  const uris: string[] = [];
  const re = /(?:^|, )([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (let m = re.exec(san); m; m = re.exec(san)) {
    if (m[1] !== 'URI') continue;
    let value = m[2]!;
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        continue;
      }
    }
    uris.push(value);
  }
  return uris;
}

function identityOf(subjectAltName: string | undefined, cn: string | string[] | undefined): string | undefined {
  if (subjectAltName) {
    for (const uri of sanUris(subjectAltName)) {
      if (uri.startsWith(PARTICIPANT_URI_PREFIX) && uri.length > PARTICIPANT_URI_PREFIX.length) return uri.slice(PARTICIPANT_URI_PREFIX.length);
    }
  }
  return typeof cn === 'string' && cn !== '' ? cn : undefined; // absent, or several CNs (ambiguous): none
}

/** The CN(s) of node:crypto's X509Certificate.subject ("CN=x\nO=y"). */
function cnOfSubject(subject: string): string | string[] | undefined {
  const cns = subject
    .split('\n')
    .filter((line) => line.startsWith('CN='))
    .map((line) => line.slice(3));
  return cns.length === 0 ? undefined : cns.length === 1 ? cns[0] : cns;
}

/** The FSP id of a peer certificate: SAN URI `urn:mizani:participant:<id>` first, else the subject CN. */
export function participantOfPeerCertificate(cert: PeerCertificate | Record<string, never> | undefined): string | undefined {
  if (!cert || !('subject' in cert) || !cert.subject) return undefined;
  return identityOf(cert.subjectaltname, cert.subject.CN as string | string[] | undefined);
}

const identities = new WeakMap<object, string | null>();

/**
 * The participant of the verified client certificate of a connection, or undefined when the connection is
 * not TLS or its peer certificate was not verified. Cached per socket (keep-alive connections carry many requests).
 */
export function participantOfCertificate(socket: TLSSocket | Socket): string | undefined {
  const tlsSocket = socket as TLSSocket;
  if (tlsSocket.encrypted !== true || tlsSocket.authorized !== true) return undefined;
  const cached = identities.get(socket);
  if (cached !== undefined) return cached ?? undefined;
  const id = participantOfPeerCertificate(tlsSocket.getPeerCertificate());
  identities.set(socket, id ?? null);
  return id;
}

/**
 * The client certificate's participant must be FSPIOP-Source, or — when FSPIOP-Proxy is present (inter-scheme,
 * fspiop.md §12) — FSPIOP-Proxy, which must then differ from FSPIOP-Source. Throws FspiopError 3100.
 * headers: Node's IncomingHttpHeaders (lower-case keys).
 */
export function checkSourceBinding(certParticipant: string | undefined, headers: Record<string, string | string[] | undefined>): void {
  if (certParticipant === undefined) throw new FspiopError('3100', 'no verified client certificate');
  const proxy = headers['fspiop-proxy'];
  if (proxy !== undefined) {
    if (proxy !== certParticipant) throw new FspiopError('3100', 'FSPIOP-Proxy header does not match the client certificate participant');
    if (headers['fspiop-source'] === proxy) throw new FspiopError('3100', 'FSPIOP-Proxy header must differ from FSPIOP-Source');
    return;
  }
  if (headers['fspiop-source'] !== certParticipant) {
    throw new FspiopError('3100', 'FSPIOP-Source header does not match the client certificate participant');
  }
}
