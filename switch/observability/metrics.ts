/** Prometheus metrics (prom-client), served by the Admin API at GET /metrics. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RefusalSeries } from './refusal-series.js';

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'mizani_http_requests_total',
    help: 'Inbound HTTP requests by API, route, method and status',
    labelNames: ['api', 'route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'mizani_http_request_duration_seconds',
    help: 'Time from request received to response sent',
    labelNames: ['api', 'route', 'method'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  /** Participants' requests answered with an error, as a 24-hour series (`GET /stats/series`). */
  readonly refusals = new RefusalSeries();
  readonly transfers = new Counter({
    name: 'mizani_transfers_total',
    help: 'Transfers reaching a state, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly callbacks = new Counter({
    name: 'mizani_callbacks_total',
    help: 'Outbound callbacks by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly callbackDuration = new Histogram({
    name: 'mizani_callback_duration_seconds',
    help: 'Outbound callback delivery time, retries included',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'mizani_ledger_batch_size',
    help: 'Ledger writes per group commit',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [this.registry],
  });
  readonly batchDuration = new Histogram({
    name: 'mizani_ledger_batch_seconds',
    help: 'Time to make one group commit durable',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'mizani_transfers_in_flight',
    help: 'Transfers holding a reservation',
    registers: [this.registry],
  });
  readonly busPartitions = new Gauge({
    name: 'mizani_bus_partitions_served',
    help: 'Partitions of the Kafka command topics this node serves (after the last rebalance of the workers group)',
    registers: [this.registry],
  });
  readonly busRebalances = new Counter({
    name: 'mizani_bus_rebalances_total',
    help: 'Rebalances of the Kafka workers group this node took part in (joins, and leaving it)',
    registers: [this.registry],
  });
  readonly ledgerOwner = new Gauge({
    name: 'mizani_ledger_owner',
    help: '1 while this node holds the ledger (serves the workers and the timers), 0 while it waits as a standby',
    registers: [this.registry],
  });

  readonly refusedBusy = new Counter({
    name: 'mizani_refused_busy_total',
    help: 'New work refused with 2005 Server busy by admission control, by stage',
    labelNames: ['stage'] as const,
    registers: [this.registry],
  });
  /** Read at each scrape (set by the hub once admission control exists). */
  admissionPressureOf: () => number = () => 0;
  readonly admissionPressure: Gauge = new Gauge({
    name: 'mizani_admission_pressure',
    help: 'Admission control pressure (1: new discoveries and quotes refused; 2: new transfers too)',
    registers: [this.registry],
    collect: (): void => this.admissionPressure.set(this.admissionPressureOf()),
  });

  // ---- the database primary (ledger/pg-primary.ts, docs/operations-postgresql.md)
  readonly dbPrimary = new Gauge({
    name: 'mizani_database_primary',
    help: 'The PostgreSQL host the hub writes to: 1 for the primary served on, 0 for the other hosts (all 0 while it has none)',
    labelNames: ['host'] as const,
    registers: [this.registry],
  });
  readonly dbPrimaryLost = new Counter({
    name: 'mizani_database_primary_lost_total',
    help: 'Times the hub lost its PostgreSQL primary (connection or server gone, or the host turned standby)',
    registers: [this.registry],
  });
  readonly dbFailovers = new Counter({
    name: 'mizani_database_failovers_total',
    help: 'Times the hub moved to another PostgreSQL host as primary after losing one',
    registers: [this.registry],
  });
  readonly dbOutage = new Histogram({
    name: 'mizani_database_outage_seconds',
    help: 'Time without a PostgreSQL primary, from its loss to a primary found again',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'mizani_' });
  }
}
