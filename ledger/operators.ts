/**
 * The hub's operators (migration 024): users of the Admin and settlement APIs with their roles and password hashes,
 * and the built-in token issuer's signing key. Reference data, written by the Admin API and `mizani user`.
 */
import type { Queryable } from './db.js';

export interface OperatorUser {
  name: string;
  passwordHash: string;
  roles: string[];
  participant?: string;
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface UserRow {
  name: string;
  password_hash: string;
  roles: string[];
  participant: string | null;
  is_active: boolean;
  created_at: Date;
  updated_at: Date;
}

export class UserExistsError extends Error {}

function userOf(row: UserRow): OperatorUser {
  return {
    name: row.name,
    passwordHash: row.password_hash,
    roles: row.roles,
    ...(row.participant ? { participant: row.participant } : {}),
    isActive: row.is_active,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class OperatorStore {
  constructor(private readonly db: Queryable) {}

  async create(user: { name: string; passwordHash: string; roles: string[]; participant?: string }): Promise<OperatorUser> {
    const { rows } = await this.db.query<UserRow>(
      `INSERT INTO operator_user (name, password_hash, roles, participant) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO NOTHING RETURNING *`,
      [user.name, user.passwordHash, user.roles, user.participant ?? null],
    );
    if (!rows[0]) throw new UserExistsError(`user ${user.name} already exists`);
    return userOf(rows[0]);
  }

  async find(name: string): Promise<OperatorUser | undefined> {
    const { rows } = await this.db.query<UserRow>('SELECT * FROM operator_user WHERE name = $1', [name]);
    return rows[0] ? userOf(rows[0]) : undefined;
  }

  async list(): Promise<OperatorUser[]> {
    const { rows } = await this.db.query<UserRow>('SELECT * FROM operator_user ORDER BY name');
    return rows.map(userOf);
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM operator_user WHERE is_active');
    return Number(rows[0]!.n);
  }

  /** Changes what is given; undefined when there is no such user. */
  async update(
    name: string,
    change: { passwordHash?: string; roles?: string[]; participant?: string | null; isActive?: boolean },
  ): Promise<OperatorUser | undefined> {
    const { rows } = await this.db.query<UserRow>(
      `UPDATE operator_user SET
         password_hash = coalesce($2, password_hash),
         roles = coalesce($3, roles),
         participant = CASE WHEN $4::boolean THEN $5 ELSE participant END,
         is_active = coalesce($6, is_active),
         updated_at = now()
       WHERE name = $1 RETURNING *`,
      [name, change.passwordHash ?? null, change.roles ?? null, change.participant !== undefined, change.participant ?? null, change.isActive ?? null],
    );
    return rows[0] ? userOf(rows[0]) : undefined;
  }

  /** The built-in issuer's key: the one stored, or `make()`'s, stored by the first node that gets there. */
  async signingKey(
    make: () => Promise<{ kid: string; privateJwk: object; publicJwk: object }>,
  ): Promise<{ kid: string; privateJwk: object; publicJwk: object }> {
    const stored = await this.db.query<{ kid: string; private_jwk: object; public_jwk: object }>(
      'SELECT kid, private_jwk, public_jwk FROM auth_signing_key ORDER BY created_at, kid LIMIT 1',
    );
    if (stored.rows[0]) return { kid: stored.rows[0].kid, privateJwk: stored.rows[0].private_jwk, publicJwk: stored.rows[0].public_jwk };
    const made = await make();
    await this.db.query('INSERT INTO auth_signing_key (kid, private_jwk, public_jwk) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      made.kid,
      JSON.stringify(made.privateJwk),
      JSON.stringify(made.publicJwk),
    ]);
    const again = await this.db.query<{ kid: string; private_jwk: object; public_jwk: object }>(
      'SELECT kid, private_jwk, public_jwk FROM auth_signing_key ORDER BY created_at, kid LIMIT 1',
    );
    const row = again.rows[0]!;
    return { kid: row.kid, privateJwk: row.private_jwk, publicJwk: row.public_jwk };
  }
}
