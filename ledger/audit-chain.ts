/**
 * The audit log's formats (docs/audit.md): the canonical text of an entry, its hash, and what a checkpoint signs.
 * The hub computes them when it appends and `mizani audit verify` recomputes them from the stored rows, so both
 * sides use these functions and nothing else.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** The `prev_hash` of entry 1. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an appender says; `detail` is plain JSON (strings, numbers, booleans, null, arrays, objects). */
export interface AuditEvent {
  kind: string;
  actor: string;
  subject: string;
  detail: Record<string, unknown>;
}

export interface AuditEntry extends AuditEvent {
  seq: number;
  at: Date;
  prevHash: string;
  hash: string;
}

/** JSON with object members sorted by name (UTF-16 order), no whitespace; `undefined` members are left out. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`audit detail holds a value JSON cannot carry (${typeof value})`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const members = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${members.join(',')}}`;
}

/**
 * An entry's hash: SHA-256 (hex) of `prev_hash`, a line feed, and the canonical JSON of
 * {"actor","at","detail","kind","seq","subject"} (`at` as ISO 8601 UTC with milliseconds).
 */
export function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const body = canonicalJson({
    seq: entry.seq,
    at: entry.at.toISOString(),
    kind: entry.kind,
    actor: entry.actor,
    subject: entry.subject,
    detail: entry.detail,
  });
  return createHash('sha256').update(entry.prevHash).update('\n').update(body).digest('hex');
}

/** What a checkpoint's signature covers: the canonical JSON of {"at","hash","seq"}. */
export function checkpointPayload(c: { seq: number; hash: string; at: Date }): Buffer {
  return Buffer.from(canonicalJson({ seq: c.seq, hash: c.hash, at: c.at.toISOString() }), 'utf8');
}

/** Ed25519 / Ed448 sign the message itself; RSA (PKCS#1 v1.5) and EC (DER signature) sign its SHA-256. */
function digestFor(key: KeyObject): string | null {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519' || type === 'ed448') return null;
  if (type === 'rsa' || type === 'ec') return 'sha256';
  throw new Error(`an audit signing key must be RSA, EC, Ed25519 or Ed448, not ${type}`);
}

export function signCheckpoint(privateKey: KeyObject, c: { seq: number; hash: string; at: Date }): string {
  return sign(digestFor(privateKey), checkpointPayload(c), privateKey).toString('base64');
}

export function checkpointSignatureValid(publicKeyPem: string, c: { seq: number; hash: string; at: Date }, signature: string): boolean {
  try {
    const key = createPublicKey(publicKeyPem);
    return verify(digestFor(key), checkpointPayload(c), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** The SPKI PEM of a key (private or public), as stored with each checkpoint and compared with pinned keys. */
export function publicKeyPem(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'pem' }).toString();
}

/** A short name of a public key for logs and reports: SHA-256 of its DER SPKI, first 16 hex digits. */
export function keyFingerprint(pem: string): string {
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}
