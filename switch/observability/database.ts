/**
 * What the hub says about its PostgreSQL primary (ledger/pg-primary.ts): a log line for each change, and the metrics
 * `mizani_database_primary{host}`, `mizani_database_primary_lost_total`, `mizani_database_failovers_total` and
 * `mizani_database_outage_seconds` (docs/operations-postgresql.md, "What the hub logs and measures").
 */
import type { Logger } from 'pino';
import type { DatabaseEvent } from '../../ledger/pg-primary.js';
import type { Metrics } from './metrics.js';

export function databaseEvents(log: Logger, metrics: Metrics): (event: DatabaseEvent) => void {
  return (event) => {
    switch (event.kind) {
      case 'primary': {
        for (const host of event.hosts) metrics.dbPrimary.set({ host }, host === event.host ? 1 : 0);
        if (event.previous === undefined) {
          log.info({ primary: event.host, hosts: event.hosts }, 'database primary found');
          return;
        }
        metrics.dbOutage.observe((event.outageMs ?? 0) / 1000);
        const moved = event.previous !== event.host;
        if (moved) metrics.dbFailovers.inc();
        log.warn(
          { primary: event.host, previous: event.previous, outageMs: event.outageMs, hosts: event.hosts },
          moved ? 'database failover followed: writing to the new primary' : 'database primary back: writing to it again',
        );
        return;
      }
      case 'primary-lost':
        metrics.dbPrimaryLost.inc();
        metrics.dbPrimary.set({ host: event.host }, 0);
        log.error({ primary: event.host, error: event.error }, 'database primary lost: looking for the primary among the hosts');
        return;
      case 'no-primary':
        log.warn({ outageMs: event.outageMs, searches: event.searches, hosts: event.hosts }, 'no database primary yet: still looking');
        return;
    }
  };
}
