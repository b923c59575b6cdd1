// FSPIOP JWS (security.md §1), written from the contract with node:crypto only: signing as a DFSP does (RS256 or
// ES256, detached payload = the exact body bytes) and verifying what arrives (§1.5), so the suite can sign every
// message it sends to a secured hub and check the signatures on everything the hub sends back.
import { createPublicKey, generateKeyPair, generateKeyPairSync, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { b64url } from './util.js';

export type JwsAlg = 'RS256' | 'ES256';

/** What the protected header is built from (header values exactly as sent). */
export interface JwsMessage {
  method: string;
  /** FSPIOP-URI value. */
  uri: string;
  /** FSPIOP-Source value (omitted from the protected header when undefined). */
  source?: string;
  /** FSPIOP-Destination value (omitted when undefined or empty). */
  destination?: string;
  /** Date header string (omitted when undefined). */
  date?: string;
  body: Buffer | string;
}

export interface TestSigner {
  publicKeyPem: string;
  /** Headers to add to a request: fspiop-uri, fspiop-http-method, fspiop-signature. */
  sign(input: JwsMessage): Record<string, string>;
}

/** A key pair of a simulated DFSP. */
export interface JwsKeyPair {
  alg: JwsAlg;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SPKI PEM, as registered through the Admin API. */
  publicKeyPem: string;
}

function pair(alg: JwsAlg, privateKey: KeyObject, publicKey: KeyObject): JwsKeyPair {
  return { alg, privateKey, publicKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** A fresh RSA-2048 (RS256) or P-256 (ES256) key pair, generated off the event loop. */
export function generateJwsKeyPair(alg: JwsAlg): Promise<JwsKeyPair> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject) => (err ? reject(err) : resolve(pair(alg, privateKey, publicKey)));
    if (alg === 'RS256') generateKeyPair('rsa', { modulusLength: 2048 }, done);
    else generateKeyPair('ec', { namedCurve: 'prime256v1' }, done);
  });
}

export function generateJwsKeyPairSync(alg: JwsAlg): JwsKeyPair {
  const { privateKey, publicKey } =
    alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return pair(alg, privateKey, publicKey);
}

export function createTestSigner(): TestSigner {
  const keys = generateJwsKeyPairSync('RS256');
  return { publicKeyPem: keys.publicKeyPem, sign: (input) => signatureHeaders(keys, input) };
}

/** The protected header members of a message, in the SDK's order (security.md §1.2). */
export function protectedHeaderOf(alg: string, m: JwsMessage): Record<string, string> {
  const ph: Record<string, string> = { alg, 'FSPIOP-URI': m.uri, 'FSPIOP-HTTP-Method': m.method.toUpperCase() };
  if (m.source !== undefined) ph['FSPIOP-Source'] = m.source;
  if (m.destination) ph['FSPIOP-Destination'] = m.destination;
  if (m.date !== undefined) ph['Date'] = m.date;
  return ph;
}

const bytesOf = (body: Buffer | string): Buffer => (Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));

/**
 * The FSPIOP-Signature header value for an arbitrary protected header (object, or an already encoded base64url
 * string) over `body`, signed with `key`. `alg` picks the algorithm actually used (RS256 or ES256), whatever the
 * protected header claims — scenarios use that to forge headers.
 */
export function signatureValue(key: KeyObject, alg: JwsAlg, protectedHeader: Record<string, unknown> | string, body: Buffer | string): string {
  const ph = typeof protectedHeader === 'string' ? protectedHeader : b64url(Buffer.from(JSON.stringify(protectedHeader), 'utf8'));
  const input = Buffer.from(`${ph}.${b64url(bytesOf(body))}`, 'latin1');
  const signature = alg === 'ES256' ? sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' }) : sign('sha256', input, key);
  return JSON.stringify({ protectedHeader: ph, signature: b64url(signature) });
}

/** fspiop-uri, fspiop-http-method and fspiop-signature for a message signed the way the SDK signs it. */
export function signatureHeaders(keys: Pick<JwsKeyPair, 'alg' | 'privateKey'>, m: JwsMessage): Record<string, string> {
  return {
    'fspiop-uri': m.uri,
    'fspiop-http-method': m.method.toUpperCase(),
    'fspiop-signature': signatureValue(keys.privateKey, keys.alg, protectedHeaderOf(keys.alg, m), m.body),
  };
}

/** Decode the protected header of an FSPIOP-Signature header value; undefined when malformed. */
export function decodeProtectedHeader(signatureHeader: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(signatureHeader) as { protectedHeader?: string };
    if (typeof parsed.protectedHeader !== 'string') return undefined;
    return JSON.parse(Buffer.from(parsed.protectedHeader, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** A public key from PEM: SPKI / PKCS#1 public key, or an X.509 certificate. */
export function publicKeyFromPem(pem: string): KeyObject {
  if (/-----BEGIN CERTIFICATE-----/.test(pem)) return new X509Certificate(pem).publicKey;
  const key = createPublicKey(pem);
  return key;
}

export type SignatureCheck = { ok: true; alg: string; protectedHeader: Record<string, unknown> } | { ok: false; reason: string };

const ALGS: Record<string, { hash: string; type: 'rsa' | 'ec' }> = {
  RS256: { hash: 'sha256', type: 'rsa' },
  RS384: { hash: 'sha384', type: 'rsa' },
  RS512: { hash: 'sha512', type: 'rsa' },
  ES256: { hash: 'sha256', type: 'ec' },
};

/**
 * Verifies the FSPIOP-Signature of a received message (security.md §1.5) over the raw body bytes with any of
 * `keys`. `headers`: lower-case names. Returns the reason on failure.
 */
export function verifySignature(method: string, headers: Record<string, string | undefined>, body: Buffer, keys: readonly KeyObject[]): SignatureCheck {
  const fail = (reason: string): SignatureCheck => ({ ok: false, reason });
  const value = headers['fspiop-signature'];
  if (!value) return fail('no fspiop-signature header');
  let parsed: { protectedHeader?: unknown; signature?: unknown };
  try {
    parsed = JSON.parse(value) as typeof parsed;
  } catch {
    return fail(`fspiop-signature is not JSON: ${value.slice(0, 80)}`);
  }
  if (typeof parsed.protectedHeader !== 'string' || typeof parsed.signature !== 'string') return fail('fspiop-signature lacks protectedHeader/signature strings');
  if (!/^[A-Za-z0-9_-]+$/.test(parsed.protectedHeader) || !/^[A-Za-z0-9_-]+$/.test(parsed.signature)) return fail('protectedHeader/signature are not unpadded base64url');
  let ph: Record<string, unknown>;
  try {
    ph = JSON.parse(Buffer.from(parsed.protectedHeader, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return fail('protected header is not base64url JSON');
  }
  const alg = String(ph['alg']);
  const spec = ALGS[alg];
  if (!spec) return fail(`alg ${alg} is not RS256/RS384/RS512/ES256`);
  const uri = headers['fspiop-uri'];
  const httpMethod = headers['fspiop-http-method'];
  const source = headers['fspiop-source'];
  if (!uri || !httpMethod || !source) return fail('fspiop-uri, fspiop-http-method or fspiop-source header missing');
  if (ph['FSPIOP-URI'] !== uri) return fail(`protected FSPIOP-URI ${String(ph['FSPIOP-URI'])} ≠ header ${uri}`);
  if (ph['FSPIOP-HTTP-Method'] !== httpMethod) return fail(`protected FSPIOP-HTTP-Method ${String(ph['FSPIOP-HTTP-Method'])} ≠ header ${httpMethod}`);
  if (httpMethod !== method.toUpperCase()) return fail(`fspiop-http-method ${httpMethod} ≠ request method ${method}`);
  if (ph['FSPIOP-Source'] !== source) return fail(`protected FSPIOP-Source ${String(ph['FSPIOP-Source'])} ≠ header ${source}`);
  if (ph['Date'] !== undefined && ph['Date'] !== headers['date']) return fail(`protected Date ${String(ph['Date'])} ≠ header ${String(headers['date'])}`);
  const destination = headers['fspiop-destination'] || undefined;
  if ((ph['FSPIOP-Destination'] ?? undefined) !== destination) {
    return fail(`protected FSPIOP-Destination ${String(ph['FSPIOP-Destination'])} ≠ header ${String(destination)}`);
  }
  const sig = Buffer.from(parsed.signature, 'base64url');
  const data = Buffer.from(`${parsed.protectedHeader}.${b64url(body)}`, 'latin1');
  const fitting = keys.filter((k) => k.asymmetricKeyType === spec.type);
  if (fitting.length === 0) return fail(`no ${spec.type.toUpperCase()} key known for ${source} (alg ${alg})`);
  for (const key of fitting) {
    const ok = spec.type === 'ec' ? verify(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig) : verify(spec.hash, data, key, sig);
    if (ok) return { ok: true, alg, protectedHeader: ph };
  }
  return fail(`signature does not verify with the ${fitting.length} key(s) known for ${source}`);
}
