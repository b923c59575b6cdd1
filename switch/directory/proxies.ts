/**
 * Inter-scheme routes (docs/interscheme.md): which proxy participant reaches a DFSP of another scheme. Learned from
 * every message a proxy relays (FSPIOP-Source = the remote DFSP, FSPIOP-Proxy = the proxy), written through to
 * PostgreSQL (`proxy_route`, migration 022) before the message is answered, cached in memory for the hot path. Every
 * hub node sees a route: a change sends a `proxies:<dfsp>` notice (every node reads that row again), and a node
 * that has no entry for a name re-reads the row (`resolve`) before it calls the name unknown.
 *
 * A name that is a participant here is never routed through a proxy: the local participant wins, and the edge refuses
 * a proxy that claims one.
 */
import { changeAndNotify } from '../../ledger/changes.js';
import type { Db } from '../../ledger/db.js';
import type { Participant, Registry } from '../../ledger/registry.js';

const MAX_CACHED = 100_000;

export class ProxyRoutes {
  /** dfsp → proxy participant id; `null`: read, and no route (so a miss is not read again until a notice). */
  private readonly cache = new Map<string, number | null>();

  constructor(
    private readonly db: Db,
    readonly registry: Registry,
  ) {}

  /** Loads every route (at start; the table holds one row per remote DFSP). */
  async load(): Promise<void> {
    const rows = await this.db.query<{ dfsp: string; proxy_id: number }>('SELECT dfsp, proxy_id FROM proxy_route');
    this.cache.clear();
    for (const row of rows.rows) this.cache.set(row.dfsp, row.proxy_id);
  }

  /**
   * A change notice: `dfsp` changed on some node (undefined: anything may have; read everything again). The row is read
   * again rather than the entry dropped, so a reader never finds a known route missing for a moment.
   */
  async changed(dfsp: string | undefined): Promise<void> {
    if (dfsp === undefined) return this.load();
    const row = await this.db.query<{ proxy_id: number }>('SELECT proxy_id FROM proxy_route WHERE dfsp = $1', [dfsp]);
    this.remember(dfsp, row.rows[0]?.proxy_id ?? null);
  }

  // ---- reads

  /** The proxy that reaches `name` when `name` is not a participant here (memory only: hot path). */
  proxyOf(name: string): Participant | undefined {
    if (this.isLocal(name)) return undefined;
    const id = this.cache.get(name);
    return id === undefined || id === null ? undefined : this.registry.participantById(id);
  }

  /** As `proxyOf`, reading the row when this node has no entry (another node may have learned it). */
  async resolve(name: string): Promise<Participant | undefined> {
    if (this.isLocal(name)) return undefined;
    if (!this.cache.has(name)) {
      const row = await this.db.query<{ proxy_id: number }>('SELECT proxy_id FROM proxy_route WHERE dfsp = $1', [name]);
      this.remember(name, row.rows[0]?.proxy_id ?? null);
    }
    return this.proxyOf(name);
  }

  /**
   * Who stands for `name` in this scheme: the participant itself when it is one, else the proxy that reaches it. Its
   * accounts are the ones a transfer or quote of `name` uses here.
   */
  representativeOf(name: string): Participant | undefined {
    const local = this.registry.participant(name);
    if (local && !local.isHub) return local;
    return this.proxyOf(name);
  }

  /** The active proxies of the scheme, by name. */
  activeProxies(): Participant[] {
    return this.registry
      .participants()
      .filter((p) => p.isProxy && p.isActive && !p.isHub)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  // ---- changes (durable before memory changes)

  /** `dfsp` was heard via `proxy`: the route, written when it is new or another proxy's (stale routes heal here). */
  async learn(dfsp: string, proxy: Participant): Promise<void> {
    if (this.cache.get(dfsp) === proxy.id || this.isLocal(dfsp)) return;
    await changeAndNotify(
      this.db,
      'proxies',
      (tx) =>
        tx.query(
          `INSERT INTO proxy_route (dfsp, proxy_id) VALUES ($1, $2)
           ON CONFLICT (dfsp) DO UPDATE SET proxy_id = EXCLUDED.proxy_id, learned_at = now()`,
          [dfsp, proxy.id],
        ),
      dfsp,
    );
    this.remember(dfsp, proxy.id);
  }

  /** `proxy` said it does not know `dfsp`: its route goes (only if it is still that proxy's). */
  async forget(dfsp: string, proxy: string): Promise<boolean> {
    const participant = this.registry.participant(proxy);
    if (!participant) return false;
    const removed = await changeAndNotify(
      this.db,
      'proxies',
      (tx) => tx.query('DELETE FROM proxy_route WHERE dfsp = $1 AND proxy_id = $2', [dfsp, participant.id]),
      dfsp,
    );
    this.cache.delete(dfsp);
    return (removed.rowCount ?? 0) > 0;
  }

  private isLocal(name: string): boolean {
    return this.registry.participant(name) !== undefined;
  }

  private remember(dfsp: string, proxyId: number | null): void {
    if (!this.cache.has(dfsp) && this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(dfsp, proxyId);
  }
}
