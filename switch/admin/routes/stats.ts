/**
 * Throughput, latency and refusals over time, for the portal's charts (docs/portal-api.md):
 *
 *   GET /stats/series?minutes=60&bucket=60
 *       → 200 {from, to, bucketSeconds, sources: {...}, buckets: [{at, committed, aborted, refused, p50Ms, p95Ms}]}
 *
 * `minutes` (1..1440, default 60) ends at the current bucket's end; `bucket` seconds (10..3600, a multiple of 10,
 * default 60; at most 1440 buckets). committed / aborted / p50Ms / p95Ms: payments (kind TRANSFER) that finished in the
 * bucket, from PostgreSQL (every node's); latency is completed_at - created_at of the committed ones, null when none.
 * refused: this node's participants' requests answered with an error (switch/observability/refusal-series.ts), null
 * for time before this node began counting.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FspiopError } from '../../../schemas/errors.js';
import { transferSeries } from '../../../ledger/transfer-search.js';
import { READ, type AdminRoute } from '../auth/roles.js';
import type { AdminDeps } from '../deps.js';
import { query, send } from '../request.js';

type Deps = Pick<AdminDeps, 'db' | 'metrics'>;

const MAX_BUCKETS = 1440;

export function statsRoutes(deps: Deps): AdminRoute[] {
  return [{ method: 'GET', path: '/stats/series', access: READ, handler: (q, r) => series(deps, q, r) }];
}

function wholeParam(request: FastifyRequest, name: string, fallback: number, min: number, max: number): number {
  const value = query(request, name);
  if (value === undefined) return fallback;
  if (!/^\d{1,5}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new FspiopError('3101', `/query/${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

async function series(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const unknown = Object.keys(request.query as object).find((k) => k !== 'minutes' && k !== 'bucket');
  if (unknown !== undefined) throw new FspiopError('3101', `/query/${unknown} is not a parameter of the series (minutes, bucket)`);
  const minutes = wholeParam(request, 'minutes', 60, 1, 1440);
  const bucket = wholeParam(request, 'bucket', 60, 10, 3600);
  if (bucket % 10 !== 0) throw new FspiopError('3101', '/query/bucket must be a multiple of 10 seconds');
  const count = Math.ceil((minutes * 60) / bucket);
  if (count > MAX_BUCKETS) throw new FspiopError('3101', `/query/minutes and /query/bucket give ${count} buckets; at most ${MAX_BUCKETS}`);
  const step = bucket * 1000;
  const to = (Math.floor(Date.now() / step) + 1) * step;
  const from = to - count * step;
  const db = await transferSeries(deps.db, from, to, bucket);
  const buckets = Array.from({ length: count }, (_, i) => {
    const start = from + i * step;
    const found = db.get(i);
    return {
      at: new Date(start).toISOString(),
      committed: found?.committed ?? 0,
      aborted: found?.aborted ?? 0,
      refused: deps.metrics.refusals.between(start, start + step),
      p50Ms: found?.p50Ms ?? null,
      p95Ms: found?.p95Ms ?? null,
    };
  });
  return send(reply, 200, {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    bucketSeconds: bucket,
    sources: {
      committed: 'PostgreSQL: payments committed in the bucket (every node)',
      aborted: 'PostgreSQL: payments aborted in the bucket (rejected, expired, refused after being recorded)',
      p50Ms: 'PostgreSQL: median of completed_at - created_at of the committed payments',
      p95Ms: 'PostgreSQL: 95th percentile of completed_at - created_at of the committed payments',
      refused: "this node's memory: participants' requests answered with an HTTP error status (null: before it counted)",
    },
    buckets,
  });
}
