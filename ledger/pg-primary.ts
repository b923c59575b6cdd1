/**
 * Following the PostgreSQL primary across a failover (docs/operations-postgresql.md, issue 13 "the database survives
 * its primary").
 *
 * The hub is given every server of the cluster (ledger/pg-hosts.ts) and writes only to the one that answers
 * `pg_is_in_recovery() = false`. A search asks every host at once; it settles on a host only when exactly one answers as
 * primary (two primaries is a split brain: the hub writes to neither and says so). The pool then connects to that host
 * alone, and every new connection checks again that it reached a primary before it is used, so a host that came back
 * as a standby is never written to.
 *
 * When an operation fails because the connection or the server went away (or a connection finds a standby), the
 * primary is forgotten: the pool and every session taken from it are ended, new operations fail at once with
 * DatabaseUnavailableError (LEDGER_UNAVAILABLE: retry later) and a search runs in the background, again and again with
 * a backoff up to SEARCH_BACKOFF_MAX_MS, until a primary answers. A fresh pool then serves on it. What was in flight on
 * the lost primary failed; a write whose COMMIT got no answer has an unknown outcome, which the ledger engine resolves
 * by rebuilding its state from the new primary (ledger/engine.ts `recover`). With synchronous replication a commit the
 * old primary acknowledged is on the standby that was promoted, so that rebuild finds it.
 */
import pg from 'pg';
import { DomainError } from '../schemas/outcomes.js';
import type { PgHost } from './pg-hosts.js';

/** What a host answered to a search. */
export interface HostState {
  host: string;
  state: 'primary' | 'standby' | 'unreachable';
  /** Why unreachable (the error's message). */
  detail?: string;
}

/** What the hub is told about its database (logs and metrics, switch/observability/database.ts). */
export type DatabaseEvent =
  /** Serving on `host`. `previous` and `outageMs` after a loss: the host before, and how long there was none. */
  | { kind: 'primary'; host: string; hosts: string[]; previous?: string; outageMs?: number }
  /** The primary went away (or turned out to be a standby): searching. */
  | { kind: 'primary-lost'; host: string; error: string }
  /** A search found no single primary; the first after a loss, then at most every NO_PRIMARY_REPORT_MS. */
  | { kind: 'no-primary'; outageMs: number; searches: number; hosts: HostState[] };

export interface PrimaryOptions {
  hosts: PgHost[];
  poolSize: number;
  /** Longest wait for one host to accept a connection (a host that is gone may never refuse). */
  connectTimeoutMs: number;
  onEvent?: (event: DatabaseEvent) => void;
}

/** The hub cannot reach the primary now (lost, searching, or none answers); LEDGER_UNAVAILABLE: retry later. */
export class DatabaseUnavailableError extends DomainError {
  constructor(detail: string, cause?: unknown) {
    super('LEDGER_UNAVAILABLE', `the ledger database is unavailable (${detail}); retry later`);
    this.name = 'DatabaseUnavailableError';
    if (cause !== undefined) this.cause = cause;
  }
}

/** A connection reached a server that is in recovery (a standby): it is never used. */
export class NotPrimaryError extends Error {
  constructor(readonly host: string) {
    super(`${host} is a standby (in recovery), not the primary`);
    this.name = 'NotPrimaryError';
  }
}

const SEARCH_BACKOFF_MIN_MS = 50;
const SEARCH_BACKOFF_MAX_MS = 1000;
const NO_PRIMARY_REPORT_MS = 5000;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** admin_shutdown, crash_shutdown, cannot_connect_now (starting, shutting down, in recovery), read_only_sql_transaction. */
const SERVER_GONE_CODES = new Set(['57P01', '57P02', '57P03', '25006']);

/** Whether `err` says the connection or the server went away (or is a standby), rather than that a statement failed. */
export function isConnectionLoss(err: unknown): boolean {
  if (err instanceof NotPrimaryError || err instanceof DatabaseUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_GONE_CODES.has(code) || code.startsWith('08'))) return true;
  // node-postgres's words for a connection that ended, timed out, or a pool ended by an earlier loss.
  if (/Connection terminated|not queryable|timeout expired|Connection closed|Client was closed|Cannot use a pool after calling end/i.test(err.message)) {
    return true;
  }
  return err.cause !== undefined && err.cause !== err && isConnectionLoss(err.cause);
}

/** The pool of the primary the hub serves on. */
export interface Primary {
  host: string;
  pool: pg.Pool;
}

export class PrimaryTracker {
  private current?: Primary;
  /** The search being made now, if any. */
  private attempt?: Promise<Primary | undefined>;
  private searching = false;
  private closed = false;
  private lastError: Error = new Error('no search yet');
  private lost?: { host: string; at: number };
  private searches = 0;
  private lastReport = 0;
  readonly labels: string[];

  constructor(private readonly options: PrimaryOptions) {
    this.labels = options.hosts.map((h) => h.label);
  }

  /** The primary's pool; awaits a search under way; fails at once between searches (DatabaseUnavailableError). */
  async primary(): Promise<Primary> {
    if (this.closed) throw new DatabaseUnavailableError('the database was closed');
    if (this.current) return this.current;
    this.startSearching();
    const found = await this.attempt;
    if (found) return found;
    throw new DatabaseUnavailableError(this.lastError.message, this.lastError);
  }

  /** Whether `primary` is still the one served on (a session of an earlier primary is never used again). */
  isCurrent(primary: Primary): boolean {
    return this.current === primary;
  }

  /** At start-up: the primary, waiting up to `waitMs` for one to answer. */
  async waitForPrimary(waitMs: number): Promise<Primary> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        return await this.primary();
      } catch (err) {
        if (Date.now() >= deadline) throw new Error(`no PostgreSQL primary among ${this.labels.join(', ')} within ${waitMs} ms: ${this.lastError.message}`);
        await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
      }
    }
  }

  /**
   * `err` came from an operation on `primary`: when it is a lost connection or server, forget that primary (its pool
   * and sessions end) and search for the primary in the background. Returns the error the caller should throw.
   */
  failed(primary: Primary, err: unknown): unknown {
    if (!isConnectionLoss(err)) return err;
    if (this.current === primary) {
      this.current = undefined;
      this.lost = { host: primary.host, at: Date.now() };
      this.lastReport = 0;
      this.searches = 0;
      this.options.onEvent?.({ kind: 'primary-lost', host: primary.host, error: errorText(err) });
      void primary.pool.end().catch(() => undefined);
      this.startSearching();
    }
    return err instanceof DatabaseUnavailableError ? err : new DatabaseUnavailableError(`lost the primary ${primary.host}: ${errorText(err)}`, err);
  }

  async close(): Promise<void> {
    this.closed = true;
    // A search under way may still set a primary (and its pool): wait for it first.
    await this.attempt?.catch(() => undefined);
    const current = this.current;
    this.current = undefined;
    await current?.pool.end();
  }

  private startSearching(): void {
    if (this.searching || this.closed) return;
    this.searching = true;
    void this.searchUntilFound();
  }

  private async searchUntilFound(): Promise<void> {
    try {
      for (let n = 0; !this.closed; n++) {
        this.attempt = this.search();
        const found = await this.attempt;
        if (found || this.closed) return;
        // Unreferenced: a search alone does not keep the process alive (a hub has its servers for that).
        await sleep(Math.min(SEARCH_BACKOFF_MAX_MS, SEARCH_BACKOFF_MIN_MS * 2 ** n), false);
      }
    } finally {
      this.attempt = undefined;
      this.searching = false;
    }
  }

  /** One search: every host asked at once. Sets the primary when exactly one answers as such. */
  private async search(): Promise<Primary | undefined> {
    this.searches++;
    const states = await Promise.all(this.options.hosts.map((host) => this.probe(host)));
    const primaries = states.filter((s) => s.state === 'primary');
    if (primaries.length !== 1 || this.closed) {
      this.lastError = new Error(
        primaries.length > 1
          ? `${primaries.map((s) => s.host).join(' and ')} all answer as primary (split brain?): writing to none`
          : `no primary: ${states.map((s) => `${s.host} ${s.state}${s.detail ? ` (${s.detail})` : ''}`).join(', ')}`,
      );
      this.reportNoPrimary(states);
      return undefined;
    }
    const host = this.options.hosts.find((h) => h.label === primaries[0]!.host)!;
    const found: Primary = { host: host.label, pool: this.pool(host) };
    const lost = this.lost;
    this.current = found;
    this.lost = undefined;
    this.options.onEvent?.({ kind: 'primary', host: found.host, hosts: this.labels, previous: lost?.host, outageMs: lost ? Date.now() - lost.at : undefined });
    return found;
  }

  private reportNoPrimary(hosts: HostState[]): void {
    const now = Date.now();
    if (now - this.lastReport < NO_PRIMARY_REPORT_MS) return;
    this.lastReport = now;
    this.options.onEvent?.({ kind: 'no-primary', outageMs: this.lost ? now - this.lost.at : 0, searches: this.searches, hosts });
  }

  private async probe(host: PgHost): Promise<HostState> {
    const timeout = this.options.connectTimeoutMs;
    // Both bounded: a host may accept a connection and then never answer.
    const client = new pg.Client({ connectionString: host.connectionString, connectionTimeoutMillis: timeout, query_timeout: timeout });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const r = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
      return { host: host.label, state: r.rows[0]?.standby === false ? 'primary' : 'standby' };
    } catch (err) {
      return { host: host.label, state: 'unreachable', detail: errorText(err) };
    } finally {
      void client.end().catch(() => undefined);
    }
  }

  /** A pool on `host` alone; each new connection must find a primary there before it is used. */
  private pool(host: PgHost): pg.Pool {
    const connectTimeoutMs = this.options.connectTimeoutMs;
    // The connect timeout is the client's own (a pool-level one would also bound the wait for a free connection).
    class TimedClient extends pg.Client {
      constructor(config: pg.ClientConfig = {}) {
        super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
      }
    }
    const pool = new pg.Pool({
      connectionString: host.connectionString,
      max: this.options.poolSize,
      keepAlive: true,
      Client: TimedClient,
      onConnect: async (client: pg.ClientBase) => {
        const r = await within(connectTimeoutMs, client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby'), host.label);
        if (r.rows[0]?.standby !== false) throw new NotPrimaryError(host.label);
      },
    });
    // A broken idle connection must not take the process down: it means the primary is gone, or one session was ended.
    pool.on('error', (err) => {
      const current = this.current;
      if (current?.pool === pool) this.failed(current, err);
    });
    return pool;
  }
}

/** `work`, or a timeout error (pg's words, so that it counts as a lost connection) after `ms`. */
async function within<T>(ms: number, work: Promise<T>, host: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${host}: timeout expired checking that the connection is to a primary`)), ms);
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

function sleep(ms: number, ref = true): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (!ref) timer.unref();
  });
}
