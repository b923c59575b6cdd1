/**
 * The Admin API's door: before any handler runs, the caller's identity (a bearer token, or the explicit open mode),
 * the route's roles, and maker-checker. A route without declared access is never reached through here: the route
 * list is checked by a test that enumerates it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from '../../../ledger/registry.js';
import { forbidden, unauthorized, type MakerChecker } from '../maker-checker.js';
import { allows, ROLES, type AdminRouteConfig, type Identity } from './roles.js';
import { AuthError, type TokenService } from './tokens.js';

export type AuthMode = 'on' | 'open';

export interface GuardDeps {
  mode: AuthMode;
  tokens: TokenService;
  registry: Registry;
  makerChecker: MakerChecker;
}

/** The identity of every call in open mode: all roles, no second pair of eyes (there is no first). */
export const OPEN_IDENTITY: Identity = { subject: 'open', roles: ROLES.filter((r) => r !== 'participant'), via: 'open' };

export function installGuard(server: FastifyInstance, deps: GuardDeps): void {
  server.decorateRequest('identity', undefined);
  server.addHook('preHandler', async (request, reply) => {
    const access = (request.routeOptions.config as Partial<AdminRouteConfig> | undefined)?.access;
    if (access === undefined || access === 'public') return;
    const replayed = deps.makerChecker.replayOf(request);
    if (replayed) {
      request.identity = replayed;
      return;
    }
    const identity =
      deps.mode === 'open'
        ? OPEN_IDENTITY
        : await identify(request, deps.tokens).catch((err: unknown) => {
            reply.header('www-authenticate', 'Bearer realm="mizani-admin"');
            throw err;
          });
    if (!allows(access, identity, request, (name) => deps.registry.participant(name)?.id)) {
      throw forbidden(`${identity.subject} (${identity.roles.join(', ') || 'no role'}) may not ${request.method} ${request.routeOptions.url}`);
    }
    request.identity = identity;
    if (access.action && identity.via !== 'open' && deps.makerChecker.guards(access.action)) {
      const proposal = await deps.makerChecker.propose(request, access.action, access.roles, identity);
      return reply
        .code(202)
        .header('location', `/proposals/${proposal.id}`)
        .header('content-type', 'application/json; charset=utf-8')
        .send(
          JSON.stringify({
            proposal: {
              id: proposal.id,
              state: proposal.state,
              action: proposal.action,
              method: proposal.method,
              path: proposal.path,
              proposer: proposal.proposer,
              proposedAt: proposal.proposedAt.toISOString(),
              expiresAt: proposal.expiresAt.toISOString(),
            },
          }),
        );
    }
  });
}

async function identify(request: FastifyRequest, tokens: TokenService): Promise<Identity> {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header) : null;
  if (!match)
    throw unauthorized(header ? 'the Authorization header must be "Bearer <token>"' : 'an Authorization: Bearer token is required (POST /auth/token)');
  try {
    return await tokens.verify(match[1]!);
  } catch (err) {
    if (err instanceof AuthError) throw unauthorized(err.message);
    throw err;
  }
}
