// FSPIOP JWS (security.md §1) with jose, the project card's JWS library: signing as a DFSP does (RS256 or ES256,
// detached payload = the exact body bytes) and verifying what arrives (§1.5), so the suite can sign every message it
// sends to a secured hub and check the signatures on everything the hub sends back. The hub signs and verifies with
// its own code on node:crypto; checking it with jose means a mistake both would share (signing input, ES256 encoding,
// header handling) cannot pass unseen.
//
// Mojaloop's FSPIOP-Signature is a flattened JWS without its payload: `{protectedHeader, signature}` are the JWS's
// `protected` and `signature` members, and the payload (BASE64URL of the body) is put back from the body received.
import { generateKeyPair, generateKeyPairSync, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader as joseDecodeProtectedHeader, errors as joseErrors, FlattenedSign, flattenedVerify, type JWSHeaderParameters } from 'jose';
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
  sign(input: JwsMessage): Promise<Record<string, string>>;
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
 * The FSPIOP-Signature header value for an arbitrary protected header over `body`, signed by jose with `key` (its
 * `alg` member picks the algorithm; member order is kept). Scenarios use it to sign headers that do not describe the
 * request, or with the wrong key. An HMAC `alg` takes the secret's bytes as `key` (the "HS256 keyed with the public
 * key" downgrade).
 */
export async function signatureValue(key: KeyObject | Uint8Array, protectedHeader: Record<string, unknown>, body: Buffer | string): Promise<string> {
  const jws = await new FlattenedSign(bytesOf(body)).setProtectedHeader(protectedHeader as JWSHeaderParameters).sign(key);
  return JSON.stringify({ protectedHeader: jws.protected, signature: jws.signature });
}

/** fspiop-uri, fspiop-http-method and fspiop-signature for a message signed the way the SDK signs it. */
export async function signatureHeaders(keys: Pick<JwsKeyPair, 'alg' | 'privateKey'>, m: JwsMessage): Promise<Record<string, string>> {
  return {
    'fspiop-uri': m.uri,
    'fspiop-http-method': m.method.toUpperCase(),
    'fspiop-signature': await signatureValue(keys.privateKey, protectedHeaderOf(keys.alg, m), m.body),
  };
}

/** Decode the protected header of an FSPIOP-Signature header value (jose); undefined when malformed. */
export function decodeProtectedHeader(signatureHeader: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(signatureHeader) as { protectedHeader?: unknown };
    if (typeof parsed.protectedHeader !== 'string') return undefined;
    return joseDecodeProtectedHeader({ protected: parsed.protectedHeader }) as Record<string, unknown>;
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

/** Algorithms a verifier accepts (security.md §1.4: the SDK's RS256/ES256 and the spec's RS384/RS512). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256'];
const KEY_TYPE: Record<string, 'rsa' | 'ec'> = { RS256: 'rsa', RS384: 'rsa', RS512: 'rsa', ES256: 'ec' };

/**
 * Verifies the FSPIOP-Signature of a received message (security.md §1.5) over the raw body bytes with any of
 * `keys`: the protected header against the request headers here (Mojaloop's rules), the signature with jose's
 * `flattenedVerify` (algorithm allow-list, key type and size, the signature itself). `headers`: lower-case names.
 * Returns the reason on failure.
 */
export async function verifySignature(
  method: string,
  headers: Record<string, string | undefined>,
  body: Buffer,
  keys: readonly KeyObject[],
): Promise<SignatureCheck> {
  const fail = (reason: string): SignatureCheck => ({ ok: false, reason });
  const value = headers['fspiop-signature'];
  if (!value) return fail('no fspiop-signature header');
  let parsed: { protectedHeader?: unknown; signature?: unknown };
  try {
    parsed = JSON.parse(value) as typeof parsed;
  } catch {
    return fail(`fspiop-signature is not JSON: ${value.slice(0, 80)}`);
  }
  if (typeof parsed.protectedHeader !== 'string' || typeof parsed.signature !== 'string')
    return fail('fspiop-signature lacks protectedHeader/signature strings');
  if (!/^[A-Za-z0-9_-]+$/.test(parsed.protectedHeader) || !/^[A-Za-z0-9_-]+$/.test(parsed.signature))
    return fail('protectedHeader/signature are not unpadded base64url');
  let ph: Record<string, unknown>;
  try {
    ph = joseDecodeProtectedHeader({ protected: parsed.protectedHeader }) as Record<string, unknown>;
  } catch {
    return fail('protected header is not base64url JSON');
  }
  const alg = String(ph['alg']);
  const keyType = KEY_TYPE[alg];
  if (!keyType) return fail(`alg ${alg} is not RS256/RS384/RS512/ES256`);
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
  const fitting = keys.filter((k) => k.asymmetricKeyType === keyType);
  if (fitting.length === 0) return fail(`no ${keyType.toUpperCase()} key known for ${source} (alg ${alg})`);
  // The detached payload put back: the signing input is protectedHeader + "." + BASE64URL(the bytes received).
  const jws = { protected: parsed.protectedHeader, payload: b64url(body), signature: parsed.signature };
  const refusals: string[] = [];
  for (const key of fitting) {
    try {
      const verified = await flattenedVerify(jws, key, { algorithms: ALGORITHMS });
      return { ok: true, alg, protectedHeader: verified.protectedHeader as Record<string, unknown> };
    } catch (err) {
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) continue;
      refusals.push(err instanceof joseErrors.JOSEError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err));
    }
  }
  if (refusals.length > 0) return fail(`jose refused the signature: ${refusals.join('; ')}`);
  return fail(`signature does not verify with the ${fitting.length} key(s) known for ${source}`);
}
