/**
 * Scheme security material for the secured interop test (docs/interop.md, "Secured: JWS and mTLS"):
 *
 * - the scheme PKI, made with the hub's own CLI (`node dist/switch/cli.js pki init|issue`), exactly
 *   as an operator would: a scheme CA (+ CRL), the hub's TLS certificate (SAN 127.0.0.1, localhost)
 *   and one certificate per DFSP (CN + SAN URI = the FSP id, SAN IP 127.0.0.1: the hub calls the
 *   adapters' inbound servers at https://127.0.0.1:<port> and checks the host name);
 * - RSA 2048 JWS key pairs (the 18.0.2 adapter signs and verifies RS256 only), written as PEM files;
 * - adapter verification-key folders (`<fspId>.pem`, the hub's key under the hub's name);
 * - checking, from the test, a signature a party received (the way sdk-standard-components 17.4.0
 *   checks it: over JSON.stringify of the parsed body).
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPair, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The hub's CLI, compiled (dist/switch/cli.js), from dist/test/interop/. */
export const HUB_CLI = fileURLToPath(new URL('../../switch/cli.js', import.meta.url));

export type PkiKeyType = 'rsa2048' | 'rsa4096' | 'ec';

export interface TlsIdentity {
  cert: string;
  key: string;
}

export interface SchemePki {
  dir: string;
  keyType: PkiKeyType;
  /** the scheme CA certificate (PEM file) */
  ca: string;
  /** the scheme CA's CRL (PEM file) */
  crl: string;
  hub: TlsIdentity;
  /** the hub's XML-signing certificate and key (RSA) */
  hubXml: TlsIdentity;
  participants: Record<string, TlsIdentity>;
  /** every CLI call and its output, for failure messages */
  transcript: string[];
}

function runCli(args: string[], transcript: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [HUB_CLI, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      transcript.push(`$ mizani ${args.join(' ')}\n${stdout}${stderr}`);
      if (err) reject(new Error(`mizani ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve();
    });
  });
}

const identityIn = (dir: string, name: string): TlsIdentity => ({ cert: join(dir, name, `${name}.crt`), key: join(dir, name, `${name}.key`) });

/**
 * `pki init --key <keyType>` and `pki issue --hub` for the hub: enough to start the hub. DFSP
 * certificates come next with issueParticipantCertificate (they get the CA's key type: EC under an
 * EC CA, else RSA 2048).
 */
export async function initSchemePki(dir: string, options: { hubName: string; keyType: PkiKeyType }): Promise<SchemePki> {
  const transcript: string[] = [];
  await runCli(['pki', 'init', '--dir', dir, '--key', options.keyType], transcript);
  await runCli(['pki', 'issue', '--dir', dir, '--name', options.hubName, '--hub'], transcript);
  // The production profile also needs the hub's XML-signing certificate (RSA, for banks).
  await runCli(['pki', 'issue', '--dir', dir, '--name', `${options.hubName}Xml`, '--hub', '--key', 'rsa2048'], transcript);
  return {
    dir,
    keyType: options.keyType,
    ca: join(dir, 'ca', 'ca.crt'),
    crl: join(dir, 'ca', 'crl.pem'),
    hub: identityIn(dir, options.hubName),
    hubXml: identityIn(dir, `${options.hubName}Xml`),
    participants: {},
    transcript,
  };
}

/**
 * `pki issue --name <fspId> --ip 127.0.0.1`: client and server certificate of a DFSP. Call one at a
 * time for one PKI (each call rewrites ca/index.json).
 */
export async function issueParticipantCertificate(pki: SchemePki, name: string): Promise<TlsIdentity> {
  await runCli(['pki', 'issue', '--dir', pki.dir, '--name', name, '--ip', '127.0.0.1'], pki.transcript);
  pki.participants[name] = identityIn(pki.dir, name);
  return pki.participants[name]!;
}

export interface JwsKeyPair {
  name: string;
  privateKeyPath: string;
  publicKeyPath: string;
  publicKeyPem: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** An RSA 2048 key pair for RS256, written as `<dir>/<name>.key` (PKCS#8) and `<dir>/<name>.pub.pem` (SPKI). */
export async function createJwsKeyPair(dir: string, name: string): Promise<JwsKeyPair> {
  const { privateKey, publicKey } = await new Promise<{ privateKey: string; publicKey: string }>((resolve, reject) =>
    generateKeyPair(
      'rsa',
      { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } },
      (err, pub, priv) => (err ? reject(err) : resolve({ publicKey: pub, privateKey: priv })),
    ),
  );
  mkdirSync(dir, { recursive: true });
  const privateKeyPath = join(dir, `${name}.key`);
  const publicKeyPath = join(dir, `${name}.pub.pem`);
  writeFileSync(privateKeyPath, privateKey, { mode: 0o600 });
  writeFileSync(publicKeyPath, publicKey);
  return { name, privateKeyPath, publicKeyPath, publicKeyPem: publicKey, privateKey: createPrivateKey(privateKey), publicKey: createPublicKey(publicKey) };
}

/**
 * An adapter's JWS_VERIFICATION_KEYS_DIRECTORY: `<fspId>.pem` per key (18.0.2 picks the key by the
 * request's FSPIOP-Source, so the hub's key must be named after the hub: `Hub.pem`).
 */
export function writeVerificationKeys(dir: string, keys: JwsKeyPair[]): string {
  mkdirSync(dir, { recursive: true });
  for (const k of keys) writeFileSync(join(dir, `${k.name}.pem`), k.publicKeyPem);
  return dir;
}

export interface ReceivedSignature {
  protectedHeader: Record<string, string>;
  /** true when the signature verifies with the key given */
  valid: boolean;
}

/**
 * Checks the FSPIOP-Signature of a message as a party received it (headers with lower-case names,
 * the parsed body): RS256 over `protectedHeader + "." + base64url(JSON.stringify(body))`, which is
 * what 18.0.2 does (exact for bodies the adapter sent, and for the hub's sorted compact JSON).
 */
export function checkReceivedSignature(headers: Record<string, unknown> | undefined, body: unknown, key: KeyObject): ReceivedSignature {
  const text = headers?.['fspiop-signature'];
  if (typeof text !== 'string') throw new Error(`no fspiop-signature header in ${JSON.stringify(headers)}`);
  const { protectedHeader, signature } = JSON.parse(text) as { protectedHeader: string; signature: string };
  const ph = JSON.parse(Buffer.from(protectedHeader, 'base64url').toString('utf8')) as Record<string, string>;
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const data = Buffer.from(`${protectedHeader}.${Buffer.from(payload, 'utf8').toString('base64url')}`, 'latin1');
  const valid = ph.alg === 'RS256' && cryptoVerify('sha256', data, key, Buffer.from(signature, 'base64url'));
  return { protectedHeader: ph, valid };
}

/** FSPIOP-Signature for a request the test sends itself (RS256, the SDK's protected header). */
export function signFspiop(input: { key: KeyObject; method: string; uri: string; source: string; destination?: string; date: string; body: string }): string {
  const ph: Record<string, string> = { alg: 'RS256', 'FSPIOP-URI': input.uri, 'FSPIOP-HTTP-Method': input.method, 'FSPIOP-Source': input.source };
  if (input.destination) ph['FSPIOP-Destination'] = input.destination;
  ph['Date'] = input.date;
  const protectedHeader = Buffer.from(JSON.stringify(ph), 'utf8').toString('base64url');
  const data = Buffer.from(`${protectedHeader}.${Buffer.from(input.body, 'utf8').toString('base64url')}`, 'latin1');
  return JSON.stringify({ signature: cryptoSign('sha256', data, input.key).toString('base64url'), protectedHeader });
}
