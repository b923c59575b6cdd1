/**
 * A small scheme PKI for development and tests (contract security.md §3): a private scheme CA,
 * hub and participant TLS certificates signed by it, and a CRL of revoked serials.
 *
 * Certificates:
 * - scheme CA: self-signed, basicConstraints CA (pathLen 0), keyUsage keyCertSign + cRLSign, RSA 4096 by default;
 * - participant: subject CN = FSP id, SAN URI `urn:mizani:participant:<fspId>` (+ DNS/IP of its callback host),
 *   extendedKeyUsage clientAuth + serverAuth (a DFSP is a client of the hub and the server of its callbacks);
 * - hub: subject CN = hub name, SAN DNS/IP (default `localhost`, `127.0.0.1`), serverAuth + clientAuth.
 * All signatures use SHA-256; serials are 126 random bits.
 *
 * Directory layout (private keys mode 0600, key directories 0700):
 *   <dir>/ca/ca.crt  <dir>/ca/ca.key  <dir>/ca/crl.pem  <dir>/ca/index.json
 *   <dir>/<name>/<name>.crt  <dir>/<name>/<name>.key
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { mkdir, readFile, rename, writeFile, chmod, access } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;

x509.cryptoProvider.set(webcrypto as never);
const subtle = webcrypto.subtle;

export type KeyType = 'rsa4096' | 'rsa2048' | 'ec';
export const KEY_TYPES: readonly KeyType[] = ['rsa4096', 'rsa2048', 'ec'];
export type CertificateKind = 'participant' | 'hub';

/** SAN URI prefix that names the participant a certificate belongs to. */
export const PARTICIPANT_URI_PREFIX = 'urn:mizani:participant:';
/** Allowed certificate names (FSP ids / hub name): also used as file and directory names. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
const DNS_PATTERN = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const DEFAULT_CA_DAYS = 3650;
export const DEFAULT_CERT_DAYS = 365;
export const DEFAULT_CRL_DAYS = 30;
export const DEFAULT_CA_NAME = 'Mizani Scheme CA';
const DAY_MS = 86_400_000;
/** Backdating of notBefore / thisUpdate, so that small clock differences between machines do not matter. */
const BACKDATE_MS = 5 * 60_000;

export class PkiError extends Error {
  override name = 'PkiError';
}

/** A certificate and its private key, both PEM. */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface IssuedCertificate extends PemPair {
  /** Lower-case hex, as written in index.json. */
  serial: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  keyType: KeyType;
}

export interface CaOptions {
  commonName?: string;
  keyType?: KeyType;
  days?: number;
  now?: Date;
}

export interface IssueOptions {
  /** FSP id (participant) or hub name. */
  name: string;
  kind: CertificateKind;
  dns?: string[];
  ip?: string[];
  days?: number;
  /** Key of the new certificate; default: `ec` when the CA key is EC, else `rsa2048`. */
  keyType?: KeyType;
  now?: Date;
}

/** RFC 5280 §5.3.1 reason codes a revocation may state (unspecified = none stated). */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export interface RevokedSerial {
  serial: string;
  revokedAt: Date;
  reason?: RevocationReason;
}

export interface CrlOptions {
  days?: number;
  now?: Date;
  /** CRL number (monotonic). */
  number?: number;
}

// ---------------------------------------------------------------------------------------------------------------------
// keys

function keyAlgorithm(keyType: KeyType): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  if (keyType === 'ec') return { name: 'ECDSA', namedCurve: 'P-256' };
  return {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: keyType === 'rsa4096' ? 4096 : 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  };
}

/** SHA-256 with the key's algorithm (ecdsa-with-SHA256 / sha256WithRSAEncryption). */
function signingAlgorithm(keyType: KeyType): Algorithm | EcdsaParams {
  return keyType === 'ec' ? ({ name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams) : ({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as Algorithm);
}

async function generateKeys(keyType: KeyType): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(keyAlgorithm(keyType), true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** The key type of a PEM private key (PKCS#8, PKCS#1 or SEC1). */
export function keyTypeOfPem(keyPem: string): KeyType {
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw new PkiError(`not a PEM private key (${(err as Error).message})`);
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve !== 'prime256v1') throw new PkiError(`unsupported EC curve ${details.namedCurve} (only P-256)`);
    return 'ec';
  }
  if (key.asymmetricKeyType === 'rsa') {
    if (details.modulusLength === 4096) return 'rsa4096';
    if (details.modulusLength === 2048) return 'rsa2048';
    throw new PkiError(`unsupported RSA key size ${details.modulusLength} (2048 or 4096)`);
  }
  throw new PkiError(`unsupported key type ${key.asymmetricKeyType}`);
}

async function importSigningKey(keyPem: string): Promise<{ key: CryptoKey; keyType: KeyType }> {
  const keyType = keyTypeOfPem(keyPem);
  // Re-export through node:crypto so PKCS#1 / SEC1 PEMs are accepted too.
  const der = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
  const algorithm = keyType === 'ec' ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const key = await subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
  return { key, keyType };
}

/** 16 random bytes, positive, first byte ≥ 0x40 (so always 16 octets): 126 bits of entropy (RFC 5280 §4.1.2.2). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return bytes.toString('hex');
}

function checkDays(days: number, what: string): void {
  if (!Number.isInteger(days) || days < 1 || days > 36500) throw new PkiError(`${what} must be a whole number of days between 1 and 36500, got ${days}`);
}

export function checkName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new PkiError(`invalid name "${name}": 1..32 characters, letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
  if (name.toLowerCase() === 'ca') throw new PkiError('the name "ca" is reserved for the scheme CA');
}

export function checkDnsName(host: string): void {
  if (!DNS_PATTERN.test(host) || isIP(host) !== 0) throw new PkiError(`invalid DNS name "${host}"`);
}

export function checkIpAddress(ip: string): void {
  if (isIP(ip) === 0) throw new PkiError(`invalid IP address "${ip}"`);
}

// ---------------------------------------------------------------------------------------------------------------------
// certificates and CRLs (pure, in memory)

/** Creates a self-signed scheme CA. */
export async function createCa(options: CaOptions = {}): Promise<IssuedCertificate> {
  const keyType = options.keyType ?? 'rsa4096';
  const days = options.days ?? DEFAULT_CA_DAYS;
  checkDays(days, 'CA validity');
  const commonName = options.commonName ?? DEFAULT_CA_NAME;
  if (commonName.length < 1 || commonName.length > 64 || /[,+="\\<>;#\n\r]/.test(commonName)) {
    throw new PkiError(`invalid CA common name "${commonName}" (1..64 characters, none of , + = " \\ < > ; #)`);
  }
  const now = options.now ?? new Date();
  const keys = await generateKeys(keyType);
  const serial = randomSerial();
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const notAfter = new Date(now.getTime() + days * DAY_MS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    name: [{ CN: [commonName] }, { O: ['Mizani'] }],
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: signingAlgorithm(keyType),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    certPem: cert.toString('pem'),
    keyPem: await privateKeyPem(keys.privateKey),
    serial,
    subject: cert.subject,
    notBefore,
    notAfter,
    keyType,
  };
}

/** Issues a hub or participant certificate signed by the CA. */
export async function issueCertificate(ca: PemPair, options: IssueOptions): Promise<IssuedCertificate> {
  checkName(options.name);
  const days = options.days ?? DEFAULT_CERT_DAYS;
  checkDays(days, 'certificate validity');
  let dns = options.dns ?? [];
  let ip = options.ip ?? [];
  if (options.kind === 'hub' && dns.length === 0 && ip.length === 0) {
    dns = ['localhost'];
    ip = ['127.0.0.1'];
  }
  dns.forEach(checkDnsName);
  ip.forEach(checkIpAddress);
  const caCert = new x509.X509Certificate(ca.certPem);
  const { key: caKey, keyType: caKeyType } = await importSigningKey(ca.keyPem);
  const keyType = options.keyType ?? (caKeyType === 'ec' ? 'ec' : 'rsa2048');
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  let notAfter = new Date(now.getTime() + days * DAY_MS);
  if (notAfter > caCert.notAfter) notAfter = caCert.notAfter; // never outlive the CA
  if (notAfter <= now) throw new PkiError(`the scheme CA expired on ${caCert.notAfter.toISOString()}`);

  const keys = await generateKeys(keyType);
  const names: x509.JsonGeneralName[] = [];
  if (options.kind === 'participant') names.push({ type: 'url', value: PARTICIPANT_URI_PREFIX + options.name });
  for (const value of dns) names.push({ type: 'dns', value });
  for (const value of ip) names.push({ type: 'ip', value });
  const usages = keyType === 'ec' ? x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment; // TLS_RSA_* suites of the contract
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const serial = randomSerial();
  const organisation = options.kind === 'hub' ? 'Mizani hub' : 'Mizani participant';
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: [{ CN: [options.name] }, { O: [organisation] }],
    issuer: caCert.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: signingAlgorithm(caKeyType),
    extensions,
  });
  return {
    certPem: cert.toString('pem'),
    keyPem: await privateKeyPem(keys.privateKey),
    serial,
    subject: cert.subject,
    notBefore,
    notAfter,
    keyType,
  };
}

/** DER of an INTEGER (non-negative). */
function derInteger(n: number): Uint8Array {
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return new Uint8Array([0x02, bytes.length, ...bytes]);
}

/** A CRL (PEM) signed by the CA listing the revoked serials. */
export async function createCrl(ca: PemPair, revoked: RevokedSerial[], options: CrlOptions = {}): Promise<string> {
  const days = options.days ?? DEFAULT_CRL_DAYS;
  checkDays(days, 'CRL validity');
  const now = options.now ?? new Date();
  const caCert = new x509.X509Certificate(ca.certPem);
  const { key, keyType } = await importSigningKey(ca.keyPem);
  const crl = await x509.X509CrlGenerator.create({
    issuer: caCert.subjectName,
    thisUpdate: new Date(now.getTime() - BACKDATE_MS),
    nextUpdate: new Date(now.getTime() + days * DAY_MS),
    signingKey: key,
    signingAlgorithm: signingAlgorithm(keyType),
    extensions: [
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
      new x509.Extension('2.5.29.20', false, derInteger(options.number ?? 1)), // cRLNumber
    ],
    // invalidityDate is always set: the generator would otherwise emit an empty (DER-invalid) entry-extensions
    // SEQUENCE; the reasonCode is present only when a reason other than "unspecified" is stated (RFC 5280 §5.3.1).
    entries: revoked.map((r) => ({
      serialNumber: r.serial,
      revocationDate: r.revokedAt,
      invalidity: new Date(Math.floor(r.revokedAt.getTime() / 1000) * 1000), // GeneralizedTime: no fractions
      reason: r.reason && r.reason !== 'unspecified' ? x509.X509CrlReason[r.reason] : undefined,
    })),
  });
  return x509.PemConverter.encode(crl.rawData, 'X509 CRL');
}

// ---------------------------------------------------------------------------------------------------------------------
// directory store

export interface IndexCertificate {
  name: string;
  kind: CertificateKind;
  serial: string;
  keyType: KeyType;
  subject: string;
  dns: string[];
  ip: string[];
  notBefore: string;
  notAfter: string;
  revokedAt?: string;
  revocationReason?: RevocationReason;
}

export interface PkiIndex {
  version: 1;
  ca: { subject: string; serial: string; keyType: KeyType; notBefore: string; notAfter: string };
  crlNumber: number;
  crlDays: number;
  crlNextUpdate: string;
  certificates: IndexCertificate[];
}

export interface PkiPaths {
  caDir: string;
  caCert: string;
  caKey: string;
  crl: string;
  index: string;
}

export function pkiPaths(dir: string): PkiPaths {
  const caDir = join(dir, 'ca');
  return { caDir, caCert: join(caDir, 'ca.crt'), caKey: join(caDir, 'ca.key'), crl: join(caDir, 'crl.pem'), index: join(caDir, 'index.json') };
}

export function certificatePaths(dir: string, name: string): { dir: string; cert: string; key: string } {
  checkName(name);
  const sub = join(dir, name);
  return { dir: sub, cert: join(sub, `${name}.crt`), key: join(sub, `${name}.key`) };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes atomically (temporary file + rename) with the given mode, whatever the umask. */
async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, data, { mode, flag: 'wx' });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

async function mkdirPrivate(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
}

export async function readPkiIndex(dir: string): Promise<PkiIndex> {
  const paths = pkiPaths(dir);
  let text: string;
  try {
    text = await readFile(paths.index, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PkiError(`no scheme CA in ${dir} (${paths.index} not found; run "mizani pki init --dir ${dir}" first)`);
    }
    throw err;
  }
  let index: PkiIndex;
  try {
    index = JSON.parse(text) as PkiIndex;
  } catch {
    throw new PkiError(`${paths.index} is not valid JSON`);
  }
  if (index.version !== 1 || !Array.isArray(index.certificates) || !index.ca) throw new PkiError(`${paths.index} is not a Mizani PKI index`);
  return index;
}

async function writePkiIndex(dir: string, index: PkiIndex): Promise<void> {
  await writeFileAtomic(pkiPaths(dir).index, JSON.stringify(index, null, 2) + '\n', 0o600);
}

async function readCa(dir: string): Promise<PemPair> {
  const paths = pkiPaths(dir);
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new PkiError(`${what} ${path} not found`);
      throw err;
    }
  };
  return { certPem: await read(paths.caCert, 'CA certificate'), keyPem: await read(paths.caKey, 'CA private key') };
}

export interface InitOptions extends CaOptions {
  crlDays?: number;
}

/** Creates `<dir>/ca/` with the CA, an empty CRL and the index. Refuses to overwrite an existing CA. */
export async function initPki(dir: string, options: InitOptions = {}): Promise<{ ca: IssuedCertificate; paths: PkiPaths; index: PkiIndex }> {
  const paths = pkiPaths(dir);
  for (const path of [paths.caCert, paths.caKey, paths.index]) {
    if (await exists(path)) throw new PkiError(`${dir} already holds a scheme CA (${path} exists); refusing to overwrite it`);
  }
  const crlDays = options.crlDays ?? DEFAULT_CRL_DAYS;
  checkDays(crlDays, 'CRL validity');
  const ca = await createCa(options);
  const now = options.now ?? new Date();
  const crlPem = await createCrl(ca, [], { days: crlDays, now, number: 1 });
  await mkdirPrivate(paths.caDir);
  await writeFileAtomic(paths.caKey, ca.keyPem, 0o600);
  await writeFileAtomic(paths.caCert, ca.certPem, 0o644);
  await writeFileAtomic(paths.crl, crlPem, 0o644);
  const index: PkiIndex = {
    version: 1,
    ca: { subject: ca.subject, serial: ca.serial, keyType: ca.keyType, notBefore: ca.notBefore.toISOString(), notAfter: ca.notAfter.toISOString() },
    crlNumber: 1,
    crlDays,
    crlNextUpdate: new Date(now.getTime() + crlDays * DAY_MS).toISOString(),
    certificates: [],
  };
  await writePkiIndex(dir, index);
  return { ca, paths, index };
}

export interface IssueToDirOptions extends IssueOptions {
  /** Allow a new certificate while an unrevoked, unexpired one exists for the name (rotation). */
  renew?: boolean;
}

/** Issues a certificate into `<dir>/<name>/` and records it in the index. */
export async function issueToDir(dir: string, options: IssueToDirOptions): Promise<{ certificate: IssuedCertificate; cert: string; key: string }> {
  checkName(options.name);
  const index = await readPkiIndex(dir);
  const ca = await readCa(dir);
  const now = options.now ?? new Date();
  const current = index.certificates.filter((c) => c.name === options.name && !c.revokedAt && new Date(c.notAfter) > now);
  if (current.length > 0 && !options.renew) {
    throw new PkiError(
      `"${options.name}" already has a valid certificate (serial ${current[0]!.serial}, until ${current[0]!.notAfter}); ` +
        'revoke it first or pass --renew to rotate',
    );
  }
  if (current.some((c) => c.kind !== options.kind)) {
    throw new PkiError(`"${options.name}" is already a ${current[0]!.kind} certificate; a name cannot be both hub and participant`);
  }
  const certificate = await issueCertificate(ca, options);
  const files = certificatePaths(dir, options.name);
  await mkdirPrivate(files.dir);
  await writeFileAtomic(files.key, certificate.keyPem, 0o600);
  await writeFileAtomic(files.cert, certificate.certPem, 0o644);
  const san = new x509.X509Certificate(certificate.certPem).getExtension(x509.SubjectAlternativeNameExtension);
  const sanValues = (type: string) => (san?.names.toJSON() ?? []).filter((n) => n.type === type).map((n) => n.value);
  index.certificates.push({
    name: options.name,
    kind: options.kind,
    serial: certificate.serial,
    keyType: certificate.keyType,
    subject: certificate.subject,
    dns: sanValues('dns'),
    ip: sanValues('ip'),
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
  });
  await writePkiIndex(dir, index);
  return { certificate, cert: files.cert, key: files.key };
}

/** Re-signs `<dir>/ca/crl.pem` from the index (new CRL number, new nextUpdate). */
export async function writeCrl(dir: string, options: { days?: number; now?: Date } = {}): Promise<{ path: string; nextUpdate: Date; revoked: number }> {
  const index = await readPkiIndex(dir);
  const ca = await readCa(dir);
  const now = options.now ?? new Date();
  const days = options.days ?? index.crlDays;
  checkDays(days, 'CRL validity');
  const revoked = index.certificates
    .filter((c) => c.revokedAt)
    .map((c) => ({ serial: c.serial, revokedAt: new Date(c.revokedAt!), reason: c.revocationReason }));
  index.crlNumber += 1;
  index.crlDays = days;
  const nextUpdate = new Date(now.getTime() + days * DAY_MS);
  index.crlNextUpdate = nextUpdate.toISOString();
  const pem = await createCrl(ca, revoked, { days, now, number: index.crlNumber });
  const path = pkiPaths(dir).crl;
  await writeFileAtomic(path, pem, 0o644);
  await writePkiIndex(dir, index);
  return { path, nextUpdate, revoked: revoked.length };
}

/**
 * Revokes the unrevoked certificates of a name (or one serial), then rewrites the CRL.
 * Returns the serials revoked.
 */
export async function revokeInDir(
  dir: string,
  target: { name?: string; serial?: string },
  options: { now?: Date; crlDays?: number; reason?: RevocationReason } = {},
): Promise<{ serials: string[]; crl: string }> {
  if (options.reason !== undefined && !REVOCATION_REASONS.includes(options.reason)) {
    throw new PkiError(`invalid revocation reason "${options.reason}" (one of ${REVOCATION_REASONS.join(', ')})`);
  }
  const index = await readPkiIndex(dir);
  const now = options.now ?? new Date();
  let matches: IndexCertificate[];
  if (target.serial !== undefined) {
    const serial = target.serial.toLowerCase().replace(/:/g, '');
    const found = index.certificates.find((c) => c.serial === serial);
    if (!found) throw new PkiError(`no certificate with serial ${target.serial} in ${dir}`);
    if (target.name !== undefined && found.name !== target.name) throw new PkiError(`serial ${target.serial} belongs to "${found.name}", not "${target.name}"`);
    if (found.revokedAt) throw new PkiError(`serial ${found.serial} ("${found.name}") is already revoked (${found.revokedAt})`);
    matches = [found];
  } else if (target.name !== undefined) {
    checkName(target.name);
    const all = index.certificates.filter((c) => c.name === target.name);
    if (all.length === 0) throw new PkiError(`no certificate named "${target.name}" in ${dir}`);
    matches = all.filter((c) => !c.revokedAt);
    if (matches.length === 0) throw new PkiError(`every certificate of "${target.name}" is already revoked`);
  } else {
    throw new PkiError('revoke needs a name or a serial');
  }
  for (const c of matches) {
    c.revokedAt = now.toISOString();
    if (options.reason && options.reason !== 'unspecified') c.revocationReason = options.reason;
  }
  await writePkiIndex(dir, index);
  const { path } = await writeCrl(dir, { now, days: options.crlDays });
  return { serials: matches.map((c) => c.serial), crl: path };
}
