/**
 * Maker-checker (docs/operations.md, "Maker-checker"). A call to a route whose action the scheme guards
 * (MIZANI_MAKER_CHECKER) is not executed: it is kept as a proposal, exactly as sent. A second user holding one of the
 * route's roles approves it, and the hub then executes the kept request through the same server, routes and checks
 * as any call; or rejects it with a reason; or it expires. Proposer, approver, times, the request and its answer are
 * recorded (ledger/proposals.ts) and every step goes to the audit log.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ulid } from 'ulidx';
import { FspiopError } from '../../schemas/errors.js';
import { PendingTargetError, ProposalStore, type Proposal } from '../../ledger/proposals.js';
import type { Action, Identity, Role } from './auth/roles.js';
import type { AuditTrail } from './deps.js';

const REPLAY_HEADER = 'x-mizani-approved-proposal';
const REASON_MAX = 512;

export class MakerChecker {
  private server?: FastifyInstance;
  /** Executions in progress: the one-time token of each, carried by its replayed request, and who it runs as. */
  private readonly replays = new Map<string, Identity>();

  constructor(
    private readonly store: ProposalStore,
    private readonly guarded: ReadonlySet<Action>,
    private readonly ttlMs: number,
    private readonly audit: AuditTrail | undefined,
  ) {}

  /** The server approved proposals are executed through (the Admin API itself). */
  bind(server: FastifyInstance): void {
    this.server = server;
  }

  guards(action: Action): boolean {
    return this.guarded.has(action);
  }

  /** The identity an approved proposal's execution runs as, when `request` is one. */
  replayOf(request: FastifyRequest): Identity | undefined {
    const token = request.headers[REPLAY_HEADER];
    if (typeof token !== 'string') return undefined;
    const identity = this.replays.get(token);
    this.replays.delete(token);
    return identity;
  }

  async propose(request: FastifyRequest, action: Action, roles: readonly Role[], identity: Identity): Promise<Proposal> {
    const body = Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body.toString('utf8') : undefined;
    const path = request.url;
    const replaces = request.method === 'PUT' || request.method === 'DELETE';
    try {
      const proposal = await this.store.create({
        id: ulid(),
        action,
        method: request.method,
        path,
        body,
        target: replaces ? path.split('?')[0] : undefined,
        proposer: identity.subject,
        approverRoles: roles.filter((r) => r !== 'participant'),
        ttlMs: this.ttlMs,
      });
      await this.record('admin.proposed', identity.subject, proposal, { bodySha256: body === undefined ? null : sha256(body) });
      return proposal;
    } catch (err) {
      if (err instanceof PendingTargetError) {
        throw new FspiopError('3100', `proposal ${err.pending.id} is already pending on this resource`);
      }
      throw err;
    }
  }

  async approve(id: string, identity: Identity): Promise<Proposal> {
    await this.sweep();
    const proposal = await this.pending(id, identity);
    if (proposal.proposer === identity.subject) {
      throw forbidden(`${identity.subject} proposed ${id} and cannot also approve it: a second user must`);
    }
    const approved = await this.store.decide(id, 'APPROVED', identity.subject);
    if (!approved) return this.notPending(id);
    await this.record('admin.approved', identity.subject, approved, {});
    const result = await this.execute(approved, identity);
    const done = await this.store.executed(id, result);
    await this.record('admin.executed', identity.subject, done, { status: result.status, proposer: done.proposer });
    return done;
  }

  async reject(id: string, identity: Identity, reason: string): Promise<Proposal> {
    await this.sweep();
    if (reason.trim() === '' || reason.length > REASON_MAX) throw new FspiopError('3101', `/requestBody/reason must be 1 to ${REASON_MAX} characters`);
    await this.pending(id, identity);
    const rejected = await this.store.decide(id, 'REJECTED', identity.subject, reason);
    if (!rejected) return this.notPending(id);
    await this.record('admin.rejected', identity.subject, rejected, { reason });
    return rejected;
  }

  async find(id: string): Promise<Proposal | undefined> {
    await this.sweep();
    return this.store.find(id);
  }

  async list(filter: Parameters<ProposalStore['list']>[0]): Promise<Proposal[]> {
    await this.sweep();
    return this.store.list(filter);
  }

  /** Proposals past their time become EXPIRED (and are logged so). */
  async sweep(): Promise<void> {
    for (const expired of await this.store.expire()) await this.record('admin.expired', 'hub', expired, {});
  }

  /** The proposal, pending, that `identity` may decide on; else the reason it may not. */
  private async pending(id: string, identity: Identity): Promise<Proposal> {
    const proposal = await this.store.find(id);
    if (!proposal) throw new FspiopError('3100', `proposal ${id} does not exist`, { httpStatus: 404 });
    if (proposal.state !== 'PENDING') throw new FspiopError('3100', `proposal ${id} is ${proposal.state}, not PENDING`, { httpStatus: 409 });
    const may = identity.roles.includes('admin') || proposal.approverRoles.some((r) => identity.roles.includes(r as Role));
    if (!may) throw forbidden(`deciding on proposal ${id} (${proposal.action}) needs the role ${proposal.approverRoles.join(' or ') || 'admin'}`);
    return proposal;
  }

  private async notPending(id: string): Promise<never> {
    const now = await this.store.find(id);
    throw new FspiopError('3100', `proposal ${id} is ${now?.state ?? 'gone'}: another decision came first, or it expired`, { httpStatus: 409 });
  }

  private async execute(proposal: Proposal, approver: Identity): Promise<{ status: number; body?: string }> {
    if (!this.server) throw new Error('maker-checker is not bound to the Admin API server');
    const token = randomBytes(32).toString('base64url');
    this.replays.set(token, { ...approver, subject: `${approver.subject} (approving ${proposal.id} of ${proposal.proposer})` });
    try {
      const answer = await this.server.inject({
        method: proposal.method as 'POST',
        url: proposal.path,
        headers: { [REPLAY_HEADER]: token, ...(proposal.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(proposal.body !== undefined ? { payload: proposal.body } : {}),
      });
      return { status: answer.statusCode, ...(answer.body ? { body: answer.body } : {}) };
    } finally {
      this.replays.delete(token);
    }
  }

  private async record(kind: string, actor: string, proposal: Proposal, detail: Record<string, unknown>): Promise<void> {
    await this.audit?.append({
      kind,
      actor,
      subject: `${proposal.method} ${proposal.path}`,
      detail: { proposal: proposal.id, action: proposal.action, proposer: proposal.proposer, state: proposal.state, ...detail },
    });
  }
}

/** 403: the caller is known and may not do this (why: in the description, or its extensions when longer). */
export function forbidden(why: string): FspiopError {
  return new FspiopError('3000', undefined, { httpStatus: 403, description: `Generic client error - Forbidden - ${why}` });
}

/** 401: the caller is not known. */
export function unauthorized(why: string): FspiopError {
  return new FspiopError('3000', undefined, { httpStatus: 401, description: `Generic client error - Unauthorized - ${why}` });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
