/**
 * Every Admin API request that may change something (any method but GET, HEAD and OPTIONS) is appended to the audit
 * log as `admin.request` before its answer leaves: who asked (the authenticated subject, `anonymous` without one),
 * method, path, the answer's status and the SHA-256 of the request body. A failed append is logged, and the answer
 * still sent: the action it answers has already happened.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLog } from '../../ledger/audit.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

function actorOf(request: FastifyRequest): string {
  const identity = (request as FastifyRequest & { identity?: { subject?: string } }).identity;
  return identity?.subject ?? 'anonymous';
}

export function auditAdminRequests(server: FastifyInstance, audit: AuditLog): void {
  server.addHook('onSend', async (request, reply, payload) => {
    if (READS.has(request.method)) return payload;
    const path = request.url.split('?')[0]!;
    const body = Buffer.isBuffer(request.body) ? request.body : undefined;
    const detail: Record<string, unknown> = { method: request.method, path: request.url, status: reply.statusCode };
    if (body && body.length > 0) detail.bodySha256 = createHash('sha256').update(body).digest('hex');
    await audit.append({ kind: 'admin.request', actor: actorOf(request), subject: path, detail }).catch((err: unknown) => {
      request.log.error({ err, method: request.method, path }, 'audit log: an Admin request could not be appended');
    });
    return payload;
  });
}
