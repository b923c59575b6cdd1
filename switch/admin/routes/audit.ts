/**
 * The audit log through the Admin API (docs/audit.md): `GET /audit?after=&limit=` pages through the entries in order
 * with the head; `GET /audit/verify` runs the whole verification in process, as `mizani audit verify` does.
 */
import type { FastifyRequest } from 'fastify';
import { FspiopError } from '../../../schemas/errors.js';
import { verifyAuditLog } from '../../../ledger/audit-verify.js';
import type { AuditEntry } from '../../../ledger/audit-chain.js';
import { READ, type AdminRoute } from '../auth/roles.js';
import type { AdminDeps } from '../deps.js';
import { query, send } from '../request.js';

const LIMIT_DEFAULT = 100;
const LIMIT_MAX = 500;

function wholeNumber(request: FastifyRequest, name: string, fallback: number, min: number, max: number): number {
  const text = query(request, name);
  if (text === undefined) return fallback;
  if (!/^\d{1,15}$/.test(text) || Number(text) < min || Number(text) > max)
    throw new FspiopError('3101', `/query/${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  return Number(text);
}

function entryView(e: AuditEntry) {
  return { seq: e.seq, at: e.at.toISOString(), kind: e.kind, actor: e.actor, subject: e.subject, detail: e.detail, prevHash: e.prevHash, hash: e.hash };
}

export function auditRoutes(deps: Pick<AdminDeps, 'db' | 'audit' | 'auditKeys'>): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/audit',
      access: READ,
      handler: async (request, reply) => {
        const after = wholeNumber(request, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
        const limit = wholeNumber(request, 'limit', LIMIT_DEFAULT, 1, LIMIT_MAX);
        const page = await deps.audit.read(after, limit);
        return send(reply, 200, { entries: page.entries.map(entryView), head: page.head });
      },
    },
    {
      method: 'GET',
      path: '/audit/verify',
      access: READ,
      handler: async (_request, reply) => send(reply, 200, await verifyAuditLog(deps.db, { publicKeys: deps.auditKeys })),
    },
  ];
}
