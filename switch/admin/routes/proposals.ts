/**
 * Maker-checker proposals (switch/admin/maker-checker.ts, docs/operations.md "Maker-checker").
 *
 *   GET  /proposals[?state=PENDING|APPROVED|EXECUTED|FAILED|REJECTED|EXPIRED&limit=]   GET /proposals/{id}
 *   POST /proposals/{id}/approve                        → executed: state EXECUTED, or FAILED with the answer
 *   POST /proposals/{id}/reject {reason}
 */
import type { FastifyRequest } from 'fastify';
import { FspiopError } from '../../../schemas/errors.js';
import { PROPOSAL_STATES, type Proposal, type ProposalState } from '../../../ledger/proposals.js';
import { READ, type AdminRoute } from '../auth/roles.js';
import type { MakerChecker } from '../maker-checker.js';
import { bodyFields, param, query, send } from '../request.js';

const PROPOSAL_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const LIST_MAX = 500;

export function proposalRoutes(deps: { makerChecker: MakerChecker }): AdminRoute[] {
  const { makerChecker } = deps;
  const decide = { roles: ['operator', 'finance'] } as const;
  return [
    {
      method: 'GET',
      path: '/proposals',
      access: READ,
      handler: async (q, r) => send(r, 200, { proposals: (await makerChecker.list(listFilter(q))).map((p) => proposalView(p, false)) }),
    },
    {
      method: 'GET',
      path: '/proposals/:id',
      access: READ,
      handler: async (q, r) => {
        const proposal = await makerChecker.find(proposalId(q));
        if (!proposal) throw new FspiopError('3100', `proposal ${param(q, 'id')} does not exist`, { httpStatus: 404 });
        return send(r, 200, proposalView(proposal, true));
      },
    },
    {
      method: 'POST',
      path: '/proposals/:id/approve',
      access: decide,
      handler: async (q, r) => send(r, 200, proposalView(await makerChecker.approve(proposalId(q), q.identity!), true)),
    },
    {
      method: 'POST',
      path: '/proposals/:id/reject',
      access: decide,
      handler: async (q, r) => {
        const reason = bodyFields(q, 'reason').string('reason', { min: 1, max: 512 });
        return send(r, 200, proposalView(await makerChecker.reject(proposalId(q), q.identity!, reason), true));
      },
    },
  ];
}

function proposalId(request: FastifyRequest): string {
  const id = param(request, 'id');
  if (!PROPOSAL_ID.test(id)) throw new FspiopError('3101', '/path/id must be a proposal id (ULID)');
  return id;
}

function listFilter(request: FastifyRequest): { state?: ProposalState; limit: number } {
  const state = query(request, 'state');
  if (state !== undefined && !(PROPOSAL_STATES as readonly string[]).includes(state)) {
    throw new FspiopError('3101', `/query/state must be one of ${PROPOSAL_STATES.join(', ')}`);
  }
  const limitText = query(request, 'limit') ?? '100';
  if (!/^\d{1,4}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > LIST_MAX) {
    throw new FspiopError('3101', `/query/limit must be 1 to ${LIST_MAX}`);
  }
  return { ...(state ? { state: state as ProposalState } : {}), limit: Number(limitText) };
}

/** A proposal as the API shows it; `whole` adds the request body and the execution's answer. */
export function proposalView(p: Proposal, whole: boolean) {
  return {
    id: p.id,
    state: p.state,
    action: p.action,
    method: p.method,
    path: p.path,
    proposer: p.proposer,
    approverRoles: p.approverRoles,
    proposedAt: p.proposedAt.toISOString(),
    expiresAt: p.expiresAt.toISOString(),
    ...(p.approver ? { approver: p.approver } : {}),
    ...(p.decidedAt ? { decidedAt: p.decidedAt.toISOString() } : {}),
    ...(p.reason ? { reason: p.reason } : {}),
    ...(whole && p.body !== undefined ? { body: parsed(p.body) } : {}),
    ...(whole && p.result ? { result: { status: p.result.status, ...(p.result.body ? { body: parsed(p.result.body) } : {}) } } : {}),
  };
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
