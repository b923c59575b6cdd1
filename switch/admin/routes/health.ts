/**
 * GET /health (database and ledger state) and GET /metrics (Prometheus). Other methods on these
 * paths get the 404 of unknown paths, as they always have.
 */
import { type AdminRoute } from '../auth/roles.js';
import type { AdminDeps } from '../deps.js';
import { send } from '../request.js';

export function healthRoutes(deps: Pick<AdminDeps, 'health' | 'metrics'>): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/health',
      access: 'public',
      plain: true,
      handler: async (_request, reply) => {
        const health = await deps.health();
        return send(reply, health.ok ? 200 : 503, { status: health.ok ? 'OK' : 'DOWN', ...health.detail });
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      access: 'public',
      plain: true,
      handler: async (_request, reply) => {
        const text = await deps.metrics.registry.metrics();
        return reply.code(200).header('content-type', deps.metrics.registry.contentType).send(text);
      },
    },
  ];
}
