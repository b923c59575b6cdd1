/**
 * Bearer tokens of the Admin API. Two issuers:
 *  - the hub's built-in issuer: users and roles in the database (ledger/operators.ts), tokens signed ES256 with a key
 *    every hub node of the database shares; a user's current roles and active flag are read at each use (cached
 *    briefly), so disabling a user or changing roles takes effect without waiting for the token to expire;
 *  - a scheme's OIDC identity provider (MIZANI_OIDC_ISSUER): tokens verified against its JWKS, roles and participant
 *    read from configurable claims.
 */
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { OperatorStore, OperatorUser } from '../../../ledger/operators.js';
import { isRole, type Identity, type Role } from './roles.js';

export interface OidcSettings {
  issuer: string;
  audience?: string;
  jwksUrl?: string;
  /** Dotted path of the claim holding the roles (e.g. `realm_access.roles`). */
  rolesClaim: string;
  participantClaim: string;
}

export class AuthError extends Error {}

const AUDIENCE = 'mizani-admin';
const USER_CACHE_MS = 2000;
type KeyLike = Awaited<ReturnType<typeof importJWK>>;

export class TokenService {
  readonly issuer: string;
  private signing?: { kid: string; key: KeyLike; publicJwk: JWK };
  private oidcKeys?: ReturnType<typeof createRemoteJWKSet>;
  private readonly users = new Map<string, { user: OperatorUser | undefined; at: number }>();

  constructor(
    private readonly store: OperatorStore,
    hubName: string,
    readonly ttlS: number,
    private readonly oidc?: OidcSettings,
  ) {
    this.issuer = `urn:mizani:${hubName}`;
  }

  /** Loads (or makes, on the first node) the built-in issuer's key. */
  async start(): Promise<void> {
    const stored = await this.store.signingKey(async () => {
      const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
      const kid = randomUUID();
      return {
        kid,
        privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
        publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
      };
    });
    this.signing = { kid: stored.kid, key: await importJWK(stored.privateJwk as JWK, 'ES256'), publicJwk: stored.publicJwk as JWK };
  }

  /** The built-in issuer's public keys (GET /auth/jwks). */
  jwks(): { keys: JWK[] } {
    return { keys: this.signing ? [this.signing.publicJwk] : [] };
  }

  async issue(user: OperatorUser): Promise<string> {
    if (!this.signing) throw new Error('the token issuer has not started');
    return new SignJWT({ roles: user.roles, ...(user.participant ? { participant: user.participant } : {}) })
      .setProtectedHeader({ alg: 'ES256', kid: this.signing.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(AUDIENCE)
      .setSubject(user.name)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${this.ttlS}s`)
      .sign(this.signing.key);
  }

  /** The identity a bearer token proves, or AuthError saying why it proves none. */
  async verify(token: string): Promise<Identity> {
    let issuer: string | undefined;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw new AuthError('the bearer token is not a JWT');
    }
    if (issuer === this.issuer) return this.builtin(token);
    if (this.oidc && issuer === this.oidc.issuer) return this.external(token, this.oidc);
    throw new AuthError(`tokens of issuer ${issuer ?? '(none)'} are not accepted`);
  }

  private async builtin(token: string): Promise<Identity> {
    const { payload } = await checked(() =>
      jwtVerify(token, createLocalJWKSet(this.jwks()), { issuer: this.issuer, audience: AUDIENCE, algorithms: ['ES256'] }),
    );
    const user = await this.user(payload.sub ?? '');
    if (!user || !user.isActive) throw new AuthError(`user ${payload.sub} is unknown or disabled`);
    return { subject: user.name, roles: user.roles.filter(isRole), ...(user.participant ? { participant: user.participant } : {}), via: 'builtin' };
  }

  private async external(token: string, oidc: OidcSettings): Promise<Identity> {
    this.oidcKeys ??= createRemoteJWKSet(new URL(oidc.jwksUrl ?? (await discoverJwksUrl(oidc.issuer))));
    const keys = this.oidcKeys;
    const { payload } = await checked(() => jwtVerify(token, keys, { issuer: oidc.issuer, ...(oidc.audience ? { audience: oidc.audience } : {}) }));
    const claimed = claimAt(payload, oidc.rolesClaim);
    const roles = (Array.isArray(claimed) ? claimed : typeof claimed === 'string' ? claimed.split(/[\s,]+/) : []).filter(
      (r): r is Role => typeof r === 'string' && isRole(r),
    );
    const participant = claimAt(payload, oidc.participantClaim);
    if (!payload.sub) throw new AuthError('the token names no subject');
    return { subject: payload.sub, roles, ...(typeof participant === 'string' ? { participant } : {}), via: 'oidc' };
  }

  private async user(name: string): Promise<OperatorUser | undefined> {
    const cached = this.users.get(name);
    if (cached && Date.now() - cached.at < USER_CACHE_MS) return cached.user;
    const user = await this.store.find(name);
    if (this.users.size > 10_000) this.users.clear();
    this.users.set(name, { user, at: Date.now() });
    return user;
  }
}

async function checked<T>(verify: () => Promise<T>): Promise<T> {
  try {
    return await verify();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_JWT_EXPIRED') throw new AuthError('the bearer token has expired');
    if (code?.startsWith('ERR_J')) throw new AuthError(`the bearer token is not valid (${(err as Error).message})`);
    throw err;
  }
}

function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

async function discoverJwksUrl(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new AuthError(`the identity provider's discovery document ${url} answered ${response.status}`);
  const doc = (await response.json()) as { jwks_uri?: string };
  if (!doc.jwks_uri) throw new AuthError(`the identity provider's discovery document ${url} names no jwks_uri`);
  return doc.jwks_uri;
}
