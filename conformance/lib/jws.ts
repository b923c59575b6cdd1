// Minimal FSPIOP JWS signer (security.md §1) so the suite can check the hub forwards signatures untouched.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { b64url } from './util.js';

export interface TestSigner {
  publicKeyPem: string;
  /** Headers to add to a request: fspiop-uri, fspiop-http-method, fspiop-signature. */
  sign(input: { method: string; uri: string; source: string; destination?: string; date?: string; body: Buffer | string }): Record<string, string>;
}

export function createTestSigner(): TestSigner {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (input) => signWith(privateKey, input),
  };
}

function signWith(
  key: KeyObject,
  input: { method: string; uri: string; source: string; destination?: string; date?: string; body: Buffer | string },
): Record<string, string> {
  const protectedHeader: Record<string, string> = {
    alg: 'RS256',
    'FSPIOP-URI': input.uri,
    'FSPIOP-HTTP-Method': input.method.toUpperCase(),
    'FSPIOP-Source': input.source,
  };
  if (input.destination !== undefined) protectedHeader['FSPIOP-Destination'] = input.destination;
  if (input.date !== undefined) protectedHeader['Date'] = input.date;
  const ph = b64url(Buffer.from(JSON.stringify(protectedHeader), 'utf8'));
  const payload = b64url(Buffer.isBuffer(input.body) ? input.body : Buffer.from(input.body, 'utf8'));
  const signature = b64url(sign('RSA-SHA256', Buffer.from(`${ph}.${payload}`, 'ascii'), key));
  return {
    'fspiop-uri': input.uri,
    'fspiop-http-method': input.method.toUpperCase(),
    'fspiop-signature': JSON.stringify({ protectedHeader: ph, signature }),
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
