/**
 * One database interface over the two engines Mizani runs on: PostgreSQL through `pg` (the ledger
 * of record in production) and PGlite (embedded PostgreSQL for a quick start). Callers write plain
 * PostgreSQL; values that must stay exact (amounts, bigints) are selected as text.
 */
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { parseDatabaseUrl } from './pg-hosts.js';
import { DatabaseUnavailableError, isConnectionLoss, PrimaryTracker, type DatabaseEvent, type Primary } from './pg-primary.js';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  /** `name` makes it a server-side prepared statement (parsed and planned once per connection). */
  query<R = Record<string, unknown>>(text: string, params?: unknown[], name?: string): Promise<QueryResult<R>>;
  /** Runs a script of several statements (no parameters). */
  exec(script: string): Promise<void>;
}

/** A connection of its own, kept until released (session state such as advisory locks lives on it). */
export interface Connection extends Queryable {
  /** `destroy` ends the database session instead of returning it to the pool. */
  release(destroy?: boolean): void;
}

export interface Db extends Queryable {
  readonly kind: 'pg' | 'pglite';
  connect(): Promise<Connection>;
  /** Runs `fn` inside one transaction on one connection. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Receives NOTIFY on `channel` (sent with pg_notify, delivered on commit) until the returned function is called.
   * `gap` is called after every (re)connection of the listening session, the first included: notices sent while it
   * was not listening are lost, so whoever listens reloads what they cover.
   */
  listen(channel: string, onNotice: (payload: string) => void, gap: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** A connection's query, with or without a prepared-statement name. */
function pgQuery(client: pg.Pool | pg.PoolClient, text: string, params?: unknown[], name?: string) {
  return client.query(name ? { name, text, values: params as unknown[] } : { text, values: params as unknown[] });
}

function result<R>(r: pg.QueryResult): QueryResult<R> {
  return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
}

/**
 * PostgreSQL through `pg`, on whichever host answers as primary (ledger/pg-primary.ts). An operation that fails because
 * the primary went away fails with DatabaseUnavailableError (LEDGER_UNAVAILABLE) and the next ones go to the primary
 * found after it; a dedicated connection belongs to the primary it was opened on and refuses to run on after a change.
 */
class PgDb implements Db {
  readonly kind = 'pg' as const;
  constructor(private readonly primaries: PrimaryTracker) {}

  /** Runs `fn` on the primary's pool; a lost primary is reported to the tracker and surfaces as DatabaseUnavailableError. */
  private async onPrimary<T>(fn: (primary: Primary) => Promise<T>): Promise<T> {
    const primary = await this.primaries.primary();
    try {
      return await fn(primary);
    } catch (err) {
      throw this.primaries.failed(primary, err);
    }
  }

  async query<R>(text: string, params?: unknown[], name?: string): Promise<QueryResult<R>> {
    return this.onPrimary(async ({ pool }) => result<R>(await pgQuery(pool, text, params, name)));
  }

  async exec(script: string): Promise<void> {
    await this.onPrimary(({ pool }) => pool.query(script));
  }

  async connect(): Promise<Connection> {
    return this.onPrimary(async (primary) => {
      const client = await primary.pool.connect();
      // Errors of an idle dedicated client surface on its next query; they must not crash the process.
      client.on('error', () => undefined);
      const run = async <T>(fn: () => Promise<T>): Promise<T> => {
        if (!this.primaries.isCurrent(primary)) throw new DatabaseUnavailableError(`this session was on ${primary.host}, no longer the primary served on`);
        try {
          return await fn();
        } catch (err) {
          throw this.primaries.failed(primary, err);
        }
      };
      return {
        query: <R>(text: string, params?: unknown[], name?: string) => run(async () => result<R>(await pgQuery(client, text, params, name))),
        exec: (script: string) => run(async () => void (await client.query(script))),
        release(destroy = false) {
          client.release(destroy ? new Error('session ended by Mizani') : undefined);
        },
      };
    });
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.onPrimary(async ({ pool }) => {
      const client = await pool.connect();
      let broken: unknown;
      // A connection lost between two of fn's queries is emitted on the client, which the pool only listens to while
      // the client is idle: without this listener it would be an unhandled 'error' event, and the process would end.
      const lost = (err: Error) => (broken = err);
      client.on('error', lost);
      try {
        await client.query('BEGIN');
        const tx: Queryable = {
          async query<R>(text: string, params?: unknown[]) {
            return result<R>(await client.query(text, params as unknown[]));
          },
          async exec(script: string) {
            await client.query(script);
          },
        };
        const value = await fn(tx);
        await client.query('COMMIT');
        return value;
      } catch (err) {
        broken = isConnectionLoss(err) ? err : undefined;
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.off('error', lost);
        client.release(broken instanceof Error ? broken : undefined);
      }
    });
  }

  /** The listening session follows the primary too: each (re)connection goes to the primary of the moment. */
  listen(channel: string, onNotice: (payload: string) => void, gap: () => void): Promise<() => Promise<void>> {
    return listenWithReconnect(async () => (await this.primaries.primary()).pool.options, channel, onNotice, gap);
  }

  async close(): Promise<void> {
    await this.primaries.close();
  }
}

/** How often the listening session is pinged, so a connection that died silently is noticed and replaced. */
const LISTEN_PING_MS = 5000;
const LISTEN_RETRY_MAX_MS = 2000;

/**
 * One session of its own (not the pool's: it is held for the process's life) that LISTENs; when it breaks or stops
 * answering a ping, a new one is opened (retrying with a growing pause) and `gap` called once it listens again.
 */
async function listenWithReconnect(
  options: () => Promise<pg.ClientConfig>,
  channel: string,
  onNotice: (payload: string) => void,
  gap: () => void,
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retryMs = 50;
  let timer: NodeJS.Timeout | undefined;
  const open = async (): Promise<void> => {
    const next = new pg.Client({ ...(await options()), application_name: 'mizani-listen', keepAlive: true });
    next.on('error', () => drop(next));
    next.on('end', () => drop(next));
    next.on('notification', (n) => {
      if (n.channel === channel) onNotice(n.payload ?? '');
    });
    await next.connect();
    await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    if (stopped) return void next.end().catch(() => undefined);
    client = next;
    retryMs = 50;
    gap();
  };
  const reopen = (): void => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      open().catch(() => {
        retryMs = Math.min(retryMs * 2, LISTEN_RETRY_MAX_MS);
        reopen();
      });
    }, retryMs);
  };
  const drop = (which: pg.Client): void => {
    if (client !== which) return;
    client = undefined;
    which.end().catch(() => undefined);
    reopen();
  };
  const ping = setInterval(() => {
    const current = client;
    if (!current) return;
    const dead = setTimeout(() => drop(current), LISTEN_PING_MS);
    current.query('SELECT 1').then(
      () => clearTimeout(dead),
      () => (clearTimeout(dead), drop(current)),
    );
  }, LISTEN_PING_MS);
  ping.unref();
  await open();
  return async () => {
    stopped = true;
    clearInterval(ping);
    if (timer) clearTimeout(timer);
    const last = client;
    client = undefined;
    await last?.end().catch(() => undefined);
  };
}

class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  constructor(
    private readonly lite: PGlite,
    private readonly releaseLock: () => void,
  ) {}

  async query<R>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
    const result = await this.lite.query<R>(text, params);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  }

  async exec(script: string): Promise<void> {
    await this.lite.exec(script);
  }

  /** PGlite has exactly one session: every "connection" is that session. */
  async connect(): Promise<Connection> {
    return {
      query: (text, params) => this.query(text, params),
      exec: (script) => this.exec(script),
      release: () => undefined,
    };
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.lite.transaction(async (t) =>
      fn({
        async query<R>(text: string, params?: unknown[]) {
          const result = await t.query<R>(text, params);
          return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
        },
        async exec(script: string) {
          await t.exec(script);
        },
      }),
    );
  }

  /** One session, in this process: it does not lose its connection, so `gap` is called once, at the start. */
  async listen(channel: string, onNotice: (payload: string) => void, gap: () => void): Promise<() => Promise<void>> {
    const unlisten = await this.lite.listen(channel, onNotice);
    gap();
    return unlisten;
  }

  async close(): Promise<void> {
    try {
      await this.lite.close();
    } finally {
      this.releaseLock();
    }
  }
}

/** The embedded database is one process's: a second one (a CLI beside a running hub) would corrupt it. */
export class EmbeddedDatabaseInUseError extends Error {}

async function lockDataDir(dataDir: string): Promise<() => void> {
  const { openSync, writeSync, closeSync, readFileSync, unlinkSync } = await import('node:fs');
  const lock = `${dataDir}/.mizani-pid`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(lock);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(lock, 'utf8'));
      if (owner && owner !== process.pid && processAlive(owner)) {
        throw new EmbeddedDatabaseInUseError(`the embedded database in ${dataDir} is open in process ${owner} (a running hub?): stop it first`);
      }
      unlinkSync(lock); // left by a process that is gone
    }
  }
  throw new EmbeddedDatabaseInUseError(`the embedded database in ${dataDir} could not be locked`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DbOptions {
  /**
   * postgres://... , one host or a list of the cluster's hosts (`postgres://user@h1:5432,h2:5432/db`, ledger/pg-hosts.ts):
   * the hub uses the one that answers as primary. When absent an embedded PGlite database in `dataDir` is used.
   */
  url?: string;
  dataDir: string;
  poolSize: number;
  /** How long opening waits for a primary to answer (0: one search). */
  primaryWaitMs?: number;
  /** Longest wait for one host to accept a connection (default 5 s). */
  connectTimeoutMs?: number;
  /** Failovers and the primary found, for logs and metrics. */
  onEvent?: (event: DatabaseEvent) => void;
}

export async function openDb(options: DbOptions): Promise<Db> {
  if (options.url) {
    const primaries = new PrimaryTracker({
      hosts: parseDatabaseUrl(options.url),
      poolSize: options.poolSize,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      onEvent: options.onEvent,
    });
    try {
      await primaries.waitForPrimary(options.primaryWaitMs ?? 0);
    } catch (err) {
      await primaries.close();
      throw err;
    }
    return new PgDb(primaries);
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(options.dataDir, { recursive: true });
  const release = await lockDataDir(options.dataDir);
  try {
    return new PgliteDb(await PGlite.create(options.dataDir), release);
  } catch (err) {
    release();
    throw err;
  }
}
