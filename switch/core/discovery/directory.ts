/**
 * Who holds a party: the built-in oracle (PostgreSQL) for every party id type, unless an external
 * oracle is registered for the type (and currency), which is then asked over HTTP (contract
 * fspiop.md §11). Answers are cached in memory; changes made through the hub invalidate them at
 * once, in every hub process (a change notice, ledger/changes.ts), and answers of external oracles also
 * expire after a TTL.
 */
import { Agent, request } from 'undici';
import { DomainError } from '../../../schemas/outcomes.js';
import { changeAndNotify, LocalWrites, notifyChanged } from '../../../ledger/changes.js';
import type { Db, Queryable } from '../../../ledger/db.js';
import type { PartyIdType } from '../../../schemas/iso/parties.js';

export interface PartyKey {
  type: PartyIdType;
  id: string;
  subId?: string;
}

export interface PartyEntry {
  fspId: string;
  currency?: string;
  partySubIdOrType?: string;
}

export interface OracleRecord {
  oracleId: number;
  oracleIdType: string;
  endpoint: { value: string; endpointType: 'URL' };
  currency: string | null;
  isDefault: boolean;
}

interface OracleRow {
  id: number;
  oracle_id_type: string;
  endpoint: string;
  endpoint_type: string;
  currency: string | null;
  is_default: boolean;
}

export type RegisterOutcome = { ok: true } | { ok: false; error: DomainError };

const MAX_CACHE_ENTRIES = 100_000;

/** The hub's view of registered oracles: served from memory, written through to PostgreSQL. */
export class OracleRegistry {
  private oracles: OracleRecord[] = [];
  private readonly local = new LocalWrites();

  constructor(private readonly db: Db) {}

  /** Reads every oracle (at start, and on a change another hub process made); swapped in at once. */
  async load(): Promise<void> {
    await this.local.reload(
      () => this.db.query<OracleRow>('SELECT * FROM oracle ORDER BY id'),
      (rows) => (this.oracles = rows.rows.map(toOracle)),
    );
  }

  list(filter: { type?: string; currency?: string } = {}): OracleRecord[] {
    return this.oracles.filter((o) => (!filter.type || o.oracleIdType === filter.type) && (!filter.currency || o.currency === filter.currency));
  }

  /** The oracle that serves a type (and currency): the default one when several match. */
  select(type: string, currency?: string): OracleRecord | undefined {
    const candidates = this.oracles.filter((o) => o.oracleIdType === type && (o.currency === null || o.currency === currency));
    const exact = candidates.filter((o) => currency !== undefined && o.currency === currency);
    const pool = exact.length > 0 ? exact : candidates.filter((o) => o.currency === null);
    return pool.find((o) => o.isDefault) ?? pool[0];
  }

  async create(input: Omit<OracleRecord, 'oracleId'>): Promise<OracleRecord> {
    const duplicate = this.oracles.find(
      (o) => o.oracleIdType === input.oracleIdType && o.currency === input.currency && o.endpoint.value === input.endpoint.value,
    );
    if (duplicate) throw new DomainError('ORACLE_EXISTS', `an oracle for ${input.oracleIdType} at ${input.endpoint.value} is already registered`);
    const row = await changeAndNotify(this.db, 'oracles', (tx) =>
      tx.query<OracleRow>(`INSERT INTO oracle (oracle_id_type, endpoint, endpoint_type, currency, is_default) VALUES ($1, $2, $3, $4, $5) RETURNING *`, [
        input.oracleIdType,
        input.endpoint.value,
        input.endpoint.endpointType,
        input.currency,
        input.isDefault,
      ]),
    );
    const created = toOracle(row.rows[0]!);
    this.oracles = [...this.oracles.filter((o) => o.oracleId !== created.oracleId), created];
    this.local.wrote();
    return created;
  }

  async update(id: number, input: Omit<OracleRecord, 'oracleId'>): Promise<void> {
    if (!this.oracles.some((o) => o.oracleId === id)) throw new DomainError('ORACLE_NOT_FOUND', `oracle ${id} not found`);
    await changeAndNotify(this.db, 'oracles', (tx) =>
      tx.query('UPDATE oracle SET oracle_id_type = $2, endpoint = $3, endpoint_type = $4, currency = $5, is_default = $6 WHERE id = $1', [
        id,
        input.oracleIdType,
        input.endpoint.value,
        input.endpoint.endpointType,
        input.currency,
        input.isDefault,
      ]),
    );
    // Found again: a reload may have replaced the list meanwhile.
    this.oracles = this.oracles.map((o) => (o.oracleId === id ? { oracleId: id, ...input } : o));
    this.local.wrote();
  }

  async remove(id: number): Promise<void> {
    if (!this.oracles.some((o) => o.oracleId === id)) throw new DomainError('ORACLE_NOT_FOUND', `oracle ${id} not found`);
    await changeAndNotify(this.db, 'oracles', (tx) => tx.query('DELETE FROM oracle WHERE id = $1', [id]));
    this.oracles = this.oracles.filter((o) => o.oracleId !== id);
    this.local.wrote();
  }
}

function toOracle(row: OracleRow): OracleRecord {
  return {
    oracleId: row.id,
    oracleIdType: row.oracle_id_type,
    endpoint: { value: row.endpoint, endpointType: 'URL' },
    currency: row.currency,
    isDefault: row.is_default,
  };
}

interface CacheEntry {
  entries: PartyEntry[];
  expiresAt: number;
}

export interface DirectoryOptions {
  hubName: string;
  externalCacheMs: number;
  oracleTimeoutMs: number;
}

/** The detail of a `party` change notice: which party's cached answers every hub process forgets. */
function partyDetail(key: PartyKey): string {
  return JSON.stringify([key.type, key.id, key.subId ?? '']);
}

export class PartyDirectory {
  private readonly cache = new Map<string, CacheEntry>();
  /** Counts invalidations: an answer read while one happened is not cached (it may predate the change). */
  private generation = 0;
  private readonly agent: Agent;

  constructor(
    private readonly db: Db,
    readonly oracles: OracleRegistry,
    private readonly options: DirectoryOptions,
  ) {
    this.agent = new Agent({ keepAliveTimeout: 30_000, connections: 16 });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Entries for a party; `currency` narrows to entries for that currency or for any currency. */
  async lookup(key: PartyKey, currency?: string, requester?: string): Promise<PartyEntry[]> {
    const cacheKey = `${key.type}\u0000${key.id}\u0000${key.subId ?? ''}\u0000${currency ?? ''}`;
    const cached = this.cache.get(cacheKey);
    if (cached && cached.expiresAt > Date.now()) return cached.entries;
    const generation = this.generation;
    const oracle = this.oracles.select(key.type, currency);
    const entries = oracle ? await this.externalLookup(oracle, key, currency, requester) : await this.builtInLookup(key, currency);
    if (generation !== this.generation) return entries;
    if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(cacheKey, {
      entries,
      expiresAt: oracle ? Date.now() + this.options.externalCacheMs : Number.POSITIVE_INFINITY,
    });
    return entries;
  }

  async register(key: PartyKey, fspId: string, currency: string | undefined, requester: string): Promise<RegisterOutcome> {
    const oracle = this.oracles.select(key.type, currency);
    try {
      if (oracle) {
        await this.externalRegister(oracle, key, fspId, currency, requester);
        await notifyChanged(this.db, 'party', partyDetail(key));
        return { ok: true };
      }
      const inserted = await this.announced(key, (tx) =>
        tx.query<{ fsp_id: string }>(
          `WITH ins AS (
           INSERT INTO oracle_party (party_id_type, party_identifier, party_sub_id_or_type, currency, fsp_id)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING fsp_id)
         SELECT fsp_id FROM ins
         UNION ALL
         SELECT fsp_id FROM oracle_party
          WHERE party_id_type = $1 AND party_identifier = $2 AND party_sub_id_or_type = $3 AND currency = $4
         LIMIT 1`,
          [key.type, key.id, key.subId ?? '', currency ?? '', fspId],
        ),
      );
      const owner = inserted.rows[0]?.fsp_id;
      if (owner !== undefined && owner !== fspId) {
        return { ok: false, error: new DomainError('PARTY_REGISTERED_TO_ANOTHER_FSP', `party already registered to ${owner}`) };
      }
      return { ok: true };
    } finally {
      this.invalidate(key);
    }
  }

  /** Removes the requester's registration; PARTY_NOT_FOUND when unknown, PARTY_HELD_BY_ANOTHER_FSP when not the requester's. */
  async remove(key: PartyKey, currency: string | undefined, requester: string): Promise<RegisterOutcome> {
    const oracle = this.oracles.select(key.type, currency);
    try {
      const entries = oracle ? await this.externalLookup(oracle, key, currency, requester) : await this.builtInLookup(key, currency);
      if (entries.length === 0) return { ok: false, error: new DomainError('PARTY_NOT_FOUND', `${key.type} ${key.id} is not registered`) };
      const foreign = entries.find((e) => e.fspId !== requester);
      if (foreign && !entries.some((e) => e.fspId === requester)) {
        return { ok: false, error: new DomainError('PARTY_HELD_BY_ANOTHER_FSP', `${key.type} ${key.id} is registered to another FSP`) };
      }
      if (oracle) {
        await this.externalDelete(oracle, key, currency, requester);
        await notifyChanged(this.db, 'party', partyDetail(key));
      } else {
        await this.announced(key, (tx) =>
          tx.query(
            `DELETE FROM oracle_party WHERE party_id_type = $1 AND party_identifier = $2 AND party_sub_id_or_type = $3
               AND fsp_id = $4 AND ($5 = '' OR currency = $5)`,
            [key.type, key.id, key.subId ?? '', requester, currency ?? ''],
          ),
        );
      }
      return { ok: true };
    } finally {
      this.invalidate(key);
    }
  }

  /** A built-in registration's write, with the notice that makes every hub process forget the party (on commit). */
  private announced<T>(key: PartyKey, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return changeAndNotify(this.db, 'party', fn, partyDetail(key));
  }

  /** A `party` change notice (ledger/changes.ts): forgets the party it names, or everything when it names none. */
  forget(detail: string | undefined): void {
    if (detail === undefined) return this.clear();
    const [type, id, subId] = JSON.parse(detail) as [PartyIdType, string, string];
    this.invalidate({ type, id, ...(subId ? { subId } : {}) });
  }

  /** Forgets cached answers of a party (all currencies). */
  invalidate(key: PartyKey): void {
    this.generation++;
    const prefix = `${key.type}\u0000${key.id}\u0000${key.subId ?? ''}\u0000`;
    for (const cacheKey of this.cache.keys()) if (cacheKey.startsWith(prefix)) this.cache.delete(cacheKey);
  }

  /** Drops every cached answer (an oracle was added, changed or removed). */
  clear(): void {
    this.generation++;
    this.cache.clear();
  }

  private async builtInLookup(key: PartyKey, currency?: string): Promise<PartyEntry[]> {
    const rows = await this.db.query<{ fsp_id: string; currency: string; party_sub_id_or_type: string }>(
      `SELECT fsp_id, currency, party_sub_id_or_type FROM oracle_party
        WHERE party_id_type = $1 AND party_identifier = $2 AND party_sub_id_or_type = $3
          AND ($4 = '' OR currency = '' OR currency = $4)
        ORDER BY created_at`,
      [key.type, key.id, key.subId ?? '', currency ?? ''],
      'oracle_lookup',
    );
    return rows.rows.map((r) => ({
      fspId: r.fsp_id,
      ...(r.currency ? { currency: r.currency } : {}),
      ...(r.party_sub_id_or_type ? { partySubIdOrType: r.party_sub_id_or_type } : {}),
    }));
  }

  private oracleUrl(oracle: OracleRecord, key: PartyKey, query: Record<string, string | undefined>): string {
    const base = oracle.endpoint.value.replace(/\/+$/, '');
    const path = `/participants/${encodeURIComponent(key.type)}/${encodeURIComponent(key.id)}`;
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
    const search = params.toString();
    return `${base}${path}${search ? `?${search}` : ''}`;
  }

  private headers(requester: string | undefined): Record<string, string> {
    return {
      'content-type': 'application/json',
      accept: 'application/json',
      date: new Date().toUTCString(),
      'fspiop-source': requester ?? this.options.hubName,
      'fspiop-destination': this.options.hubName,
    };
  }

  private async call(method: 'GET' | 'POST' | 'DELETE', url: string, requester: string | undefined, body?: unknown) {
    try {
      const response = await request(url, {
        method,
        dispatcher: this.agent,
        headers: this.headers(requester),
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: this.options.oracleTimeoutMs,
        bodyTimeout: this.options.oracleTimeoutMs,
      });
      const text = await response.body.text();
      return { status: response.statusCode, text };
    } catch (err) {
      throw new DomainError('ORACLE_UNREACHABLE', `oracle ${new URL(url).origin} unreachable: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async externalLookup(oracle: OracleRecord, key: PartyKey, currency: string | undefined, requester?: string): Promise<PartyEntry[]> {
    const url = this.oracleUrl(oracle, key, { currency, partySubIdOrType: key.subId });
    const { status, text } = await this.call('GET', url, requester);
    if (status === 404) return [];
    if (status === 400) throw new DomainError('ORACLE_REFUSED_LOOKUP', `oracle answered 400 for ${key.type} ${key.id}`);
    if (status !== 200) throw new DomainError('ORACLE_ANSWER_INVALID', `oracle answered HTTP ${status}`);
    let parsed: { partyList?: Array<Record<string, unknown>> };
    try {
      parsed = JSON.parse(text) as { partyList?: Array<Record<string, unknown>> };
    } catch {
      throw new DomainError('ORACLE_ANSWER_INVALID', 'oracle answered with a body that is not JSON');
    }
    return (parsed.partyList ?? [])
      .filter((p) => typeof p.fspId === 'string')
      .filter((p) => (key.subId ? p.partySubIdOrType === key.subId : !p.partySubIdOrType))
      .map((p) => ({
        fspId: p.fspId as string,
        ...(typeof p.currency === 'string' ? { currency: p.currency } : {}),
        ...(typeof p.partySubIdOrType === 'string' ? { partySubIdOrType: p.partySubIdOrType } : {}),
      }));
  }

  private async externalRegister(oracle: OracleRecord, key: PartyKey, fspId: string, currency: string | undefined, requester: string) {
    const url = this.oracleUrl(oracle, key, {});
    const body = { fspId, ...(currency ? { currency } : {}), ...(key.subId ? { partySubIdOrType: key.subId } : {}) };
    const { status, text } = await this.call('POST', url, requester, body);
    if (status !== 201 && status !== 200) {
      throw new DomainError('ORACLE_REFUSED_REGISTRATION', `oracle refused the registration (HTTP ${status}${text ? `: ${text.slice(0, 60)}` : ''})`);
    }
  }

  private async externalDelete(oracle: OracleRecord, key: PartyKey, currency: string | undefined, requester: string) {
    const url = this.oracleUrl(oracle, key, { currency, partySubIdOrType: key.subId });
    const { status } = await this.call('DELETE', url, requester);
    if (status >= 300) throw new DomainError('ORACLE_REFUSED_REMOVAL', `oracle refused the deletion (HTTP ${status})`);
  }
}
