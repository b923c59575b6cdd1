/**
 * Signing in and the users of the built-in issuer (docs/operations.md, "Users and roles").
 *
 *   POST /auth/token {username, password}   → {access_token, token_type: Bearer, expires_in, subject, roles, participant?}
 *   GET  /auth/me                           → who the bearer is
 *   GET  /auth/jwks                         → the built-in issuer's public keys (to verify its tokens elsewhere)
 *   GET  /users                             → the users (never their password hashes)
 *   PUT  /users/{name} {roles?, participant?, isActive?}   (admin; maker-checker action `users`)
 *
 * Users are created and given passwords with `mizani user` on the hub's machine: a password never travels through
 * the API, and so never sits in a proposal.
 */
import type { FastifyRequest } from 'fastify';
import { FspiopError } from '../../../schemas/errors.js';
import type { OperatorStore, OperatorUser } from '../../../ledger/operators.js';
import type { Registry } from '../../../ledger/registry.js';
import { ABSENT_USER_HASH, PASSWORD_MAX_CHARS, verifyPassword } from '../auth/passwords.js';
import { isRole, ROLES, type AdminRoute } from '../auth/roles.js';
import type { TokenService } from '../auth/tokens.js';
import { unauthorized } from '../maker-checker.js';
import { bodyFields, param, send } from '../request.js';

export interface AuthRouteDeps {
  tokens: TokenService;
  operators: OperatorStore;
  registry: Registry;
}

/** Failed sign-ins of a user name: past FAILURES_MAX within the window, refused until the window passes. */
const FAILURES_MAX = 5;
const FAILURE_WINDOW_MS = 15 * 60_000;
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/;

export function authRoutes(deps: AuthRouteDeps): AdminRoute[] {
  const failures = new Map<string, number[]>();
  return [
    { method: 'POST', path: '/auth/token', access: 'public', handler: async (q, r) => send(r, 200, await signIn(deps, failures, q)) },
    {
      method: 'GET',
      path: '/auth/me',
      access: { roles: [...ROLES], own: 'self' },
      handler: async (q, r) => send(r, 200, q.identity),
    },
    { method: 'GET', path: '/auth/jwks', access: 'public', handler: async (_q, r) => send(r, 200, deps.tokens.jwks()) },
    { method: 'GET', path: '/users', access: { roles: ['auditor'] }, handler: async (_q, r) => send(r, 200, (await deps.operators.list()).map(userView)) },
    { method: 'PUT', path: '/users/:name', access: { roles: [], action: 'users' }, handler: async (q, r) => send(r, 200, await changeUser(deps, q)) },
  ];
}

async function signIn(deps: AuthRouteDeps, failures: Map<string, number[]>, request: FastifyRequest) {
  const fields = bodyFields(request, 'username', 'password');
  const username = fields.string('username', { min: 1, max: 64 });
  const password = fields.string('password', { min: 1, max: PASSWORD_MAX_CHARS });
  const now = Date.now();
  const recent = (failures.get(username) ?? []).filter((t) => now - t < FAILURE_WINDOW_MS);
  if (recent.length >= FAILURES_MAX) {
    throw new FspiopError('3000', `too many failed sign-ins for ${username}: try again after ${new Date(recent[0]! + FAILURE_WINDOW_MS).toISOString()}`, {
      httpStatus: 429,
      description: 'Generic client error - Too Many Requests',
    });
  }
  const user = await deps.operators.find(username);
  const matches = await verifyPassword(password, user?.passwordHash ?? ABSENT_USER_HASH);
  if (!user || !matches || !user.isActive) {
    recent.push(now);
    failures.set(username, recent);
    if (failures.size > 100_000) failures.clear();
    throw unauthorized('unknown user, wrong password, or the user is disabled');
  }
  failures.delete(username);
  // Named in the audit log's entry of this sign-in (switch/admin/audit-requests.ts).
  request.identity = { subject: user.name, roles: user.roles.filter(isRole), ...(user.participant ? { participant: user.participant } : {}), via: 'builtin' };
  return {
    access_token: await deps.tokens.issue(user),
    token_type: 'Bearer',
    expires_in: deps.tokens.ttlS,
    subject: user.name,
    roles: user.roles,
    ...(user.participant ? { participant: user.participant } : {}),
  };
}

async function changeUser(deps: AuthRouteDeps, request: FastifyRequest) {
  const name = param(request, 'name');
  if (!USER_NAME.test(name)) throw new FspiopError('3101', '/path/name is not a user name');
  const fields = bodyFields(request, 'roles', 'participant', 'isActive');
  const roles = fields.has('roles')
    ? fields.array('roles').map((r, i) => {
        if (typeof r !== 'string' || !isRole(r)) throw new FspiopError('3101', `/requestBody/roles/${i} must be one of ${ROLES.join(', ')}`);
        return r;
      })
    : undefined;
  if (roles?.length === 0) throw new FspiopError('3101', '/requestBody/roles must name at least one role');
  const participant = fields.has('participant') ? fields.string('participant', { min: 1, max: 32 }) : undefined;
  if (participant !== undefined && !deps.registry.participant(participant)) throw new FspiopError('3100', `participant ${participant} does not exist`);
  const current = await deps.operators.find(name);
  if (!current) throw new FspiopError('3100', `user ${name} does not exist`, { httpStatus: 404 });
  if ((roles ?? current.roles).includes('participant') && !(participant ?? current.participant)) {
    throw new FspiopError('3100', 'a user with the participant role needs a participant');
  }
  const changed = await deps.operators.update(name, { roles, participant, isActive: fields.optionalBoolean('isActive') });
  return userView(changed!);
}

function userView(user: OperatorUser) {
  return {
    name: user.name,
    roles: user.roles,
    ...(user.participant ? { participant: user.participant } : {}),
    isActive: user.isActive,
    createdDate: user.createdAt.toISOString(),
    updatedDate: user.updatedAt.toISOString(),
  };
}
