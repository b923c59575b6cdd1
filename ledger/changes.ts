/**
 * Reference data that every hub process keeps in memory (registry, participant directory, keys, oracles, fee rules)
 * is changed through one process's Admin API; the others learn of it here. Each change sends, inside the transaction
 * that makes it (so only once it commits), `pg_notify('mizani_changed', '<store>[:<detail>]')`; every process keeps
 * one listening session (`Db.listen`) and has the named store reload from PostgreSQL. When the listening session is
 * (re)connected, notices may have been missed, so every store reloads. docs/architecture.md, "What API nodes share".
 */
import type { Db, Queryable } from './db.js';

export const CHANGED_CHANNEL = 'mizani_changed';

/** The stores a change notice names. */
export type Store = 'registry' | 'directory' | 'participant_jws_key' | 'participant_xml_certificate' | 'oracles' | 'party' | 'fees' | 'proxies';

/** Tells every hub process, once `q`'s transaction commits, that `store` changed (`detail`: what, when it says). */
export async function notifyChanged(q: Queryable, store: Store, detail?: string): Promise<void> {
  await q.query('SELECT pg_notify($1, $2)', [CHANGED_CHANNEL, detail === undefined ? store : `${store}:${detail}`]);
}

/** Runs `fn` in a transaction that also announces the change of `store` (delivered on commit). */
export function changeAndNotify<T>(db: Db, store: Store, fn: (tx: Queryable) => Promise<T>, detail?: string): Promise<T> {
  return db.transaction(async (tx) => {
    const value = await fn(tx);
    await notifyChanged(tx, store, detail);
    return value;
  });
}

/**
 * A store's own changes to its memory, counted so a reload cannot undo one: a reload that read the database before a
 * change committed and applied its rows after the change had updated memory would put the old value back (until the
 * change's own notice reloaded again). A reload whose read overlapped a change to memory reads again instead.
 */
export class LocalWrites {
  private count = 0;

  /** Call whenever the store changes its memory (after a write of its own, or applying a reload). */
  wrote(): void {
    this.count++;
  }

  /** `read` until no change reached memory meanwhile, then `apply` (synchronous: readers never see half of it). */
  async reload<T>(read: () => Promise<T>, apply: (rows: T) => void): Promise<void> {
    for (;;) {
      const before = this.count;
      const rows = await read();
      if (before !== this.count) continue;
      apply(rows);
      this.count++;
      return;
    }
  }
}

/** What a store does on a notice: reload (detail absent: everything it holds) or forget what `detail` names. */
export type OnChange = (detail: string | undefined) => Promise<void> | void;

/**
 * One listening session per process, dispatching change notices to the stores' handlers. A store's handler runs
 * one at a time: notices arriving while it runs are coalesced into one more run (a full one when any asked for it).
 */
export class ChangeFeed {
  private readonly handlers = new Map<Store, Handler>();
  private unlisten?: () => Promise<void>;

  constructor(
    private readonly db: Db,
    private readonly onError: (store: Store, err: unknown) => void = () => undefined,
  ) {}

  on(store: Store, handler: OnChange): this {
    this.handlers.set(store, new Handler(handler, (err) => this.onError(store, err)));
    return this;
  }

  /** Listens; every store reloads once when listening starts (it may have missed changes since it loaded). */
  async start(): Promise<void> {
    let first: Promise<void> | undefined;
    let started = false;
    this.unlisten = await this.db.listen(
      CHANGED_CHANNEL,
      (payload) => this.notice(payload),
      () => {
        const reloads = this.all();
        if (!started) first = reloads;
      },
    );
    started = true;
    await first;
  }

  async stop(): Promise<void> {
    for (const handler of this.handlers.values()) handler.closed = true;
    await this.unlisten?.();
    this.unlisten = undefined;
    await Promise.all([...this.handlers.values()].map((h) => h.idle()));
  }

  private notice(payload: string): void {
    const colon = payload.indexOf(':');
    const store = (colon < 0 ? payload : payload.slice(0, colon)) as Store;
    void this.handlers.get(store)?.request(colon < 0 ? undefined : payload.slice(colon + 1));
  }

  private all(): Promise<void> {
    return Promise.all([...this.handlers.values()].map((h) => h.request(undefined))).then(() => undefined);
  }
}

const RETRY_AFTER_ERROR_MS = 1000;

class Handler {
  closed = false;
  private running?: Promise<void>;
  /** What was asked while a run was going: `null` for a full reload, else the details. */
  private next: Array<string | undefined> | null | undefined;

  constructor(
    private readonly fn: OnChange,
    private readonly onError: (err: unknown) => void,
  ) {}

  request(detail: string | undefined): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      if (detail === undefined) this.next = null;
      else if (this.next !== null) (this.next ??= []).push(detail);
      return this.running;
    }
    this.running = this.loop([detail]);
    return this.running;
  }

  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async loop(first: Array<string | undefined>): Promise<void> {
    let batch: Array<string | undefined> | null | undefined = first;
    while (batch !== undefined) {
      try {
        if (batch === null || batch.includes(undefined)) await this.fn(undefined);
        else for (const detail of batch) await this.fn(detail);
      } catch (err) {
        this.onError(err);
        // The change is still to be learnt: reload everything a little later (the database may be failing over).
        setTimeout(() => void this.request(undefined), RETRY_AFTER_ERROR_MS).unref();
      }
      batch = this.next;
      this.next = undefined;
    }
    this.running = undefined;
  }
}
