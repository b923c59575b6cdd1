/**
 * Maker-checker proposals (migration 025): Admin API requests kept until a second user decides on them. A decision
 * is one conditional UPDATE: of two users deciding at once, one wins and the other is told the proposal's new state.
 */
import type { Queryable } from './db.js';

export type ProposalState = 'PENDING' | 'APPROVED' | 'EXECUTED' | 'FAILED' | 'REJECTED' | 'EXPIRED';
export const PROPOSAL_STATES: readonly ProposalState[] = ['PENDING', 'APPROVED', 'EXECUTED', 'FAILED', 'REJECTED', 'EXPIRED'];

export interface Proposal {
  id: string;
  action: string;
  method: string;
  path: string;
  body?: string;
  target?: string;
  proposer: string;
  approverRoles: string[];
  proposedAt: Date;
  expiresAt: Date;
  state: ProposalState;
  approver?: string;
  decidedAt?: Date;
  reason?: string;
  result?: { status: number; body?: string };
}

interface ProposalRow {
  id: string;
  action: string;
  method: string;
  path: string;
  body: string | null;
  target: string | null;
  proposer: string;
  approver_roles: string[];
  proposed_at: Date;
  expires_at: Date;
  state: ProposalState;
  approver: string | null;
  decided_at: Date | null;
  reason: string | null;
  result_status: number | null;
  result_body: string | null;
}

function proposalOf(r: ProposalRow): Proposal {
  return {
    id: r.id,
    action: r.action,
    method: r.method,
    path: r.path,
    ...(r.body !== null ? { body: r.body } : {}),
    ...(r.target !== null ? { target: r.target } : {}),
    proposer: r.proposer,
    approverRoles: r.approver_roles,
    proposedAt: r.proposed_at,
    expiresAt: r.expires_at,
    state: r.state,
    ...(r.approver !== null ? { approver: r.approver } : {}),
    ...(r.decided_at !== null ? { decidedAt: r.decided_at } : {}),
    ...(r.reason !== null ? { reason: r.reason } : {}),
    ...(r.result_status !== null ? { result: { status: r.result_status, ...(r.result_body ? { body: r.result_body } : {}) } } : {}),
  };
}

/** Another proposal is pending on the same target. */
export class PendingTargetError extends Error {
  constructor(readonly pending: Proposal) {
    super(`proposal ${pending.id} of ${pending.proposer} is already pending on ${pending.target}`);
  }
}

export class ProposalStore {
  constructor(private readonly db: Queryable) {}

  /** Proposals past their expiry become EXPIRED; returns those that did (for the audit log). */
  async expire(): Promise<Proposal[]> {
    const { rows } = await this.db.query<ProposalRow>(
      `UPDATE proposal SET state = 'EXPIRED', decided_at = now() WHERE state = 'PENDING' AND expires_at <= now() RETURNING *`,
    );
    return rows.map(proposalOf);
  }

  async create(p: {
    id: string;
    action: string;
    method: string;
    path: string;
    body?: string;
    target?: string;
    proposer: string;
    approverRoles: readonly string[];
    ttlMs: number;
  }): Promise<Proposal> {
    await this.expire();
    const { rows } = await this.db.query<ProposalRow>(
      `INSERT INTO proposal (id, action, method, path, body, target, proposer, approver_roles, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + $9 * interval '1 millisecond')
       ON CONFLICT DO NOTHING RETURNING *`,
      [p.id, p.action, p.method, p.path, p.body ?? null, p.target ?? null, p.proposer, p.approverRoles, p.ttlMs],
    );
    if (rows[0]) return proposalOf(rows[0]);
    const pending = await this.db.query<ProposalRow>(`SELECT * FROM proposal WHERE target = $1 AND state = 'PENDING'`, [p.target ?? null]);
    if (pending.rows[0]) throw new PendingTargetError(proposalOf(pending.rows[0]));
    throw new Error(`proposal ${p.id} could not be recorded`);
  }

  async find(id: string): Promise<Proposal | undefined> {
    const { rows } = await this.db.query<ProposalRow>('SELECT * FROM proposal WHERE id = $1', [id]);
    return rows[0] ? proposalOf(rows[0]) : undefined;
  }

  async list(filter: { state?: ProposalState; limit: number }): Promise<Proposal[]> {
    const { rows } = await this.db.query<ProposalRow>(
      'SELECT * FROM proposal WHERE ($1::text IS NULL OR state = $1) ORDER BY proposed_at DESC, id DESC LIMIT $2',
      [filter.state ?? null, filter.limit],
    );
    return rows.map(proposalOf);
  }

  /**
   * PENDING and not expired → `to` (APPROVED or REJECTED) by `decider`; undefined when it was not pending any more
   * (another decision won, or it expired).
   */
  async decide(id: string, to: 'APPROVED' | 'REJECTED', decider: string, reason?: string): Promise<Proposal | undefined> {
    const { rows } = await this.db.query<ProposalRow>(
      `UPDATE proposal SET state = $2, approver = $3, decided_at = now(), reason = $4
       WHERE id = $1 AND state = 'PENDING' AND expires_at > now() RETURNING *`,
      [id, to, decider, reason ?? null],
    );
    return rows[0] ? proposalOf(rows[0]) : undefined;
  }

  /** An approved proposal's execution: its answer, EXECUTED when 2xx, FAILED otherwise. */
  async executed(id: string, result: { status: number; body?: string }): Promise<Proposal> {
    const { rows } = await this.db.query<ProposalRow>(
      `UPDATE proposal SET state = $2, result_status = $3, result_body = $4 WHERE id = $1 AND state = 'APPROVED' RETURNING *`,
      [id, result.status >= 200 && result.status < 300 ? 'EXECUTED' : 'FAILED', result.status, result.body ?? null],
    );
    if (!rows[0]) throw new Error(`proposal ${id} was not approved`);
    return proposalOf(rows[0]);
  }
}
