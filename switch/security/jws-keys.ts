/**
 * Participants' JWS public keys: registered, rotated and revoked through the Admin API
 * (admin/routes/keys.ts), kept in PostgreSQL (table participant_jws_key) and cached in memory as
 * node KeyObjects, ready for `verifyFspiopSignature` (keys are imported once, never per request).
 *
 * Rules: SPKI public key or X.509 certificate PEM (its public key is used); RSA ≥ 2048 bits
 * (RS256/RS384/RS512) or EC P-256 (ES256); no private keys; at most two active keys per
 * participant (rotation: add the new key, then revoke the old one).
 */
import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { FspiopError } from '../../schemas/errors.js';
import { changeAndNotify, LocalWrites, notifyChanged } from '../../ledger/changes.js';
import type { Db } from '../../ledger/db.js';

export type JwsKeyAlg = 'RS256' | 'ES256';

export const MAX_ACTIVE_KEYS = 2;
const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 8192;
export const MAX_PEM_CHARS = 16384;
export const KID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export interface ParsedJwsKey {
  key: KeyObject;
  alg: JwsKeyAlg;
  /** SPKI PEM of the public key. */
  publicKey: string;
  /** The certificate PEM block, when the key came in a certificate. */
  certificate?: string;
  /** base64url SHA-256 of the SPKI DER. */
  fingerprint: string;
  /** RFC 7638 JWK thumbprint (base64url SHA-256): the default kid. */
  thumbprint: string;
}

export interface JwsKeyInfo {
  kid: string;
  alg: JwsKeyAlg;
  createdDate: string;
  revokedDate?: string;
  publicKey: string;
  certificate?: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

function invalid(detail: string): FspiopError {
  return new FspiopError('3100', detail);
}

function malformed(detail: string): FspiopError {
  return new FspiopError('3101', detail);
}

/** RFC 7638 thumbprint of an RSA or EC public key. */
function jwkThumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
  const members = jwk['kty'] === 'RSA' ? { e: jwk['e'], kty: 'RSA', n: jwk['n'] } : { crv: jwk['crv'], kty: 'EC', x: jwk['x'], y: jwk['y'] };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** The algorithm a public key verifies; throws 3100 with the reason when the key is not acceptable. */
export function jwsAlgOf(key: KeyObject): JwsKeyAlg {
  if (key.type !== 'public') throw invalid('private keys are not accepted: send the public key (SPKI) or an X.509 certificate');
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw invalid(`RSA key of ${bits} bits: at least ${MIN_RSA_BITS} bits are required`);
    if (bits > MAX_RSA_BITS) throw invalid(`RSA key of ${bits} bits: at most ${MAX_RSA_BITS} bits are accepted`);
    return 'RS256';
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
    if (curve !== 'prime256v1') throw invalid(`EC curve ${curve} is not supported: only P-256 (ES256)`);
    return 'ES256';
  }
  if (type === 'rsa-pss') throw invalid('RSA-PSS keys are not supported: use an rsaEncryption (RS256) key');
  throw invalid(`key type ${type} is not supported: RSA (RS256) or EC P-256 (ES256) only`);
}

/**
 * Reads a JWS verification key from PEM text: exactly one block, `PUBLIC KEY` (SPKI),
 * `RSA PUBLIC KEY` (PKCS#1) or `CERTIFICATE` (X.509; must not be expired). Garbage → 3101,
 * unacceptable key → 3100.
 */
export function parseJwsPublicKey(pem: string, now: Date = new Date()): ParsedJwsKey {
  if (pem.length > MAX_PEM_CHARS) throw invalid(`publicKey PEM is longer than ${MAX_PEM_CHARS} characters`);
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  if (blocks.some((b) => b[1]!.includes('PRIVATE'))) {
    throw invalid('private keys are not accepted: send the public key (SPKI) or an X.509 certificate');
  }
  if (blocks.length === 0) {
    if (/PRIVATE KEY-----/.test(pem)) throw invalid('private keys are not accepted: send the public key (SPKI) or an X.509 certificate');
    throw malformed('publicKey is not a PEM block (-----BEGIN PUBLIC KEY----- or -----BEGIN CERTIFICATE-----)');
  }
  if (blocks.length > 1) throw invalid(`publicKey must hold exactly one PEM block, found ${blocks.length}`);
  const block = blocks[0]![0];
  const label = blocks[0]![1]!;
  const body = blocks[0]![2]!;
  if (!/^[\sA-Za-z0-9+/=]+$/.test(body)) throw malformed(`publicKey ${label} PEM is not base64`);

  let key: KeyObject;
  let certificate: string | undefined;
  if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY') {
    try {
      key = createPublicKey({ key: block, format: 'pem' });
    } catch {
      throw malformed(`publicKey ${label} PEM does not decode to a public key`);
    }
  } else if (label === 'CERTIFICATE') {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch {
      throw malformed('publicKey CERTIFICATE PEM does not decode to an X.509 certificate');
    }
    if (new Date(cert.validTo).getTime() < now.getTime()) throw invalid(`certificate expired on ${new Date(cert.validTo).toISOString()}`);
    key = cert.publicKey;
    certificate = `${block}\n`;
  } else {
    throw malformed(`publicKey PEM type ${label.slice(0, 30)} is not supported (PUBLIC KEY or CERTIFICATE)`);
  }
  const alg = jwsAlgOf(key);
  return {
    key,
    alg,
    publicKey: key.export({ type: 'spki', format: 'pem' }) as string,
    certificate,
    fingerprint: createHash('sha256')
      .update(key.export({ type: 'spki', format: 'der' }))
      .digest('base64url'),
    thumbprint: jwkThumbprint(key),
  };
}

interface KeyRow {
  kid: string;
  alg: JwsKeyAlg;
  public_key: string;
  certificate: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

interface ActiveKey {
  kid: string;
  alg: JwsKeyAlg;
  key: KeyObject;
  /** The X.509 certificate the key came in, when it came in one (PEM). */
  certificate?: string;
}

function activeKey(row: Pick<KeyRow, 'kid' | 'alg' | 'public_key' | 'certificate'>): ActiveKey {
  return { kid: row.kid, alg: row.alg, key: createPublicKey(row.public_key), ...(row.certificate ? { certificate: row.certificate } : {}) };
}

function isUniqueViolation(err: unknown): err is { code: string; constraint?: string; message: string } {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

export class JwsKeyStore {
  private active = new Map<string, ActiveKey[]>();
  private keyObjects = new Map<string, KeyObject[]>();
  private readonly local = new LocalWrites();
  private static readonly NONE = Object.freeze([]) as unknown as KeyObject[];

  private readonly table: 'participant_jws_key' | 'participant_xml_certificate';

  /**
   * `table`: participant_jws_key (FSPIOP JWS keys) or participant_xml_certificate (certificates
   * verifying banks' XML signatures); both follow the same rules.
   */
  constructor(
    private readonly db: Db,
    options: { table?: 'participant_jws_key' | 'participant_xml_certificate' } = {},
  ) {
    this.table = options.table ?? 'participant_jws_key';
  }

  /** Loads every active key (at start, and on a change another hub process made: ledger/changes.ts); swapped in at once. */
  async load(): Promise<void> {
    await this.local.reload(
      () =>
        this.db.query<{ participant: string } & KeyRow>(
          `SELECT participant, kid, alg, public_key, certificate FROM ${this.table} WHERE revoked_at IS NULL ORDER BY participant, created_at, id`,
        ),
      (rows) => {
        const active = new Map<string, ActiveKey[]>();
        for (const row of rows.rows) {
          const list = active.get(row.participant) ?? [];
          list.push(activeKey(row));
          active.set(row.participant, list);
        }
        this.active = active;
        this.keyObjects = new Map([...active].map(([name, list]) => [name, Object.freeze(list.map((k) => k.key)) as KeyObject[]]));
      },
    );
  }

  /** The active keys of a participant (empty when none): a frozen array, the same one until the keys change. */
  keysOf(name: string): KeyObject[] {
    return this.keyObjects.get(name) ?? JwsKeyStore.NONE;
  }

  /** The active keys with their kid and alg. */
  activeKeysOf(name: string): ReadonlyArray<Readonly<ActiveKey>> {
    return this.active.get(name) ?? [];
  }

  /** Re-reads one participant's active keys (after a change here or, through ledger/changes.ts, in another process). */
  async refresh(name: string): Promise<void> {
    await this.local.reload(
      () =>
        this.db.query<KeyRow>(
          `SELECT kid, alg, public_key, certificate FROM ${this.table} WHERE participant = $1 AND revoked_at IS NULL ORDER BY created_at, id`,
          [name],
        ),
      (rows) => {
        const list = rows.rows.map(activeKey);
        if (list.length === 0) {
          this.active.delete(name);
          this.keyObjects.delete(name);
        } else {
          this.active.set(name, list);
          this.keyObjects.set(name, Object.freeze(list.map((k) => k.key)) as KeyObject[]);
        }
      },
    );
  }

  /**
   * Registers a public key (PEM: SPKI or X.509 certificate) for a participant. kid defaults to the
   * key's RFC 7638 thumbprint. Errors: 3100/3101 for the key (see parseJwsPublicKey), 3101 for a
   * malformed kid, 3100 for a kid already used by the participant, a key already active, or a third
   * active key.
   */
  async add(name: string, pem: string, kid?: string): Promise<{ kid: string; alg: JwsKeyAlg }> {
    const parsed = parseJwsPublicKey(pem);
    const id = kid ?? parsed.thumbprint;
    if (!KID_PATTERN.test(id)) throw malformed(`kid must be 1..64 characters of A-Z a-z 0-9 . _ -`);
    try {
      await this.db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`mizani-jws-key:${name}`]);
        const existing = await tx.query<{ kid: string; fingerprint: string; slot: number; revoked: boolean }>(
          `SELECT kid, fingerprint, slot, revoked_at IS NOT NULL AS revoked FROM ${this.table} WHERE participant = $1`,
          [name],
        );
        const live = existing.rows.filter((r) => !r.revoked);
        const sameKid = existing.rows.find((r) => r.kid === id);
        if (sameKid) {
          throw invalid(`kid ${id} is already used by ${name}${sameKid.revoked ? ' (revoked)' : ''}`);
        }
        const sameKey = live.find((r) => r.fingerprint === parsed.fingerprint);
        if (sameKey) throw invalid(`this public key is already active for ${name} as kid ${sameKey.kid}`);
        if (live.length >= MAX_ACTIVE_KEYS) throw invalid('a participant holds at most two active keys');
        const slot = live.some((r) => r.slot === 1) ? 2 : 1;
        await tx.query(
          `INSERT INTO ${this.table} (participant, kid, alg, public_key, certificate, fingerprint, slot)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [name, id, parsed.alg, parsed.publicKey, parsed.certificate ?? null, parsed.fingerprint, slot],
        );
        await notifyChanged(tx, this.table, name);
      });
    } catch (err) {
      // The lock makes these unreachable between hub processes sharing the database; kept as a backstop.
      if (isUniqueViolation(err)) {
        const constraint = err.constraint ?? err.message;
        if (constraint.includes('kid')) throw invalid(`kid ${id} is already used by ${name}`);
        if (constraint.includes('active_key')) throw invalid(`this public key is already active for ${name}`);
        throw invalid('a participant holds at most two active keys');
      }
      throw err;
    }
    await this.refresh(name);
    return { kid: id, alg: parsed.alg };
  }

  /** Revokes a key (idempotent for an already revoked key). Unknown kid → 3200. */
  async revoke(name: string, kid: string): Promise<void> {
    const result = await changeAndNotify(
      this.db,
      this.table,
      async (tx) => {
        const revoked = await tx.query<{ kid: string }>(
          `UPDATE ${this.table} SET revoked_at = coalesce(revoked_at, now())
         WHERE participant = $1 AND kid = $2 RETURNING kid`,
          [name, kid],
        );
        return revoked;
      },
      name,
    );
    if (result.rows.length === 0) {
      throw new FspiopError('3200', `JWS key ${kid.slice(0, 64)} of ${name} not found`);
    }
    await this.refresh(name);
  }

  /** Every key of a participant, revoked ones included, oldest first. */
  async list(name: string): Promise<JwsKeyInfo[]> {
    const rows = await this.db.query<KeyRow>(
      `SELECT kid, alg, public_key, certificate, created_at, revoked_at FROM ${this.table}
       WHERE participant = $1 ORDER BY created_at, id`,
      [name],
    );
    return rows.rows.map((row) => {
      const info: JwsKeyInfo = { kid: row.kid, alg: row.alg, createdDate: new Date(row.created_at).toISOString(), publicKey: row.public_key };
      if (row.revoked_at) info.revokedDate = new Date(row.revoked_at).toISOString();
      if (row.certificate) info.certificate = row.certificate;
      return info;
    });
  }
}
