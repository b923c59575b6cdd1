/**
 * Who may call an Admin API route (docs/operations.md, "Roles"). Every route declares its `Access`; the guard
 * (guard.ts) checks it against the caller's identity before the handler runs. A route that moves money or risk also
 * names its maker-checker `Action`: with that action guarded, a call makes a proposal a second user must approve.
 */
import type { FastifyRequest } from 'fastify';
import { MAKER_CHECKER_ACTIONS } from '../../config.js';
import type { Route } from '../../http/route.js';

export const ROLES = ['admin', 'operator', 'finance', 'auditor', 'participant'] as const;
export type Role = (typeof ROLES)[number];

/** The kinds of change maker-checker can guard (MIZANI_MAKER_CHECKER). */
export const ACTIONS = MAKER_CHECKER_ACTIONS;
export type Action = (typeof ACTIONS)[number];

/**
 * How a participant user's own data is recognised in a request: a path parameter naming the participant, or
 * holding its numeric id, or a query parameter that must be present and name it (a list filtered to its own).
 */
export type OwnScope = { param: string; by: 'name' | 'id' } | { query: string; by: 'name' | 'id' } | 'self';

export type Access =
  /** No identity needed: health, metrics, the token endpoint, the portal's static files. */
  | 'public'
  | {
      /** Besides admin (who may call every non-public route). */
      roles: readonly Role[];
      /** Required when `roles` holds participant. */
      own?: OwnScope;
      /** Maker-checker: the kind of change this call makes. */
      action?: Action;
    };

export interface Identity {
  subject: string;
  roles: readonly Role[];
  participant?: string;
  via: 'builtin' | 'oidc' | 'open';
}

/** An Admin API route: what every route module declares. */
export type AdminRoute = Route & { access: Access };

/** What the Admin API's routes carry in fastify's route config. */
export interface AdminRouteConfig {
  access: Access;
}

declare module 'fastify' {
  interface FastifyRequest {
    identity?: Identity;
  }
}

/** Every non-participant role: reads everything. */
export const STAFF: readonly Role[] = ['operator', 'finance', 'auditor'];
/** Reads of a participant's own data: every staff role, and the participant's users. */
export const READ_OWN = (own: OwnScope): Access => ({ roles: [...STAFF, 'participant'], own });
export const READ: Access = { roles: STAFF };

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Whether `identity` may make this request; `participantId` resolves a participant name to its numeric id. */
export function allows(
  access: Exclude<Access, 'public'>,
  identity: Identity,
  request: FastifyRequest,
  participantId: (name: string) => number | undefined,
): boolean {
  if (identity.roles.includes('admin')) return true;
  if (access.roles.some((r) => r !== 'participant' && identity.roles.includes(r))) return true;
  if (!access.roles.includes('participant') || !identity.roles.includes('participant') || !identity.participant || !access.own) return false;
  const own = access.own;
  if (own === 'self') return true;
  const value =
    'param' in own
      ? (request.params as Record<string, string | undefined>)[own.param]
      : firstOf((request.query as Record<string, string | string[] | undefined>)[own.query]);
  if (value === undefined) return false;
  if (own.by === 'name') return value === identity.participant;
  const id = participantId(identity.participant);
  return id !== undefined && value === String(id);
}

function firstOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
