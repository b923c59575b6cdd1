/**
 * The audit log's writer and reader (migration 026, docs/audit.md). Every append happens under the row lock of
 * `audit_head`, so entries get gapless sequence numbers whichever hub node appends; each transaction appends its
 * entries, moves the head and commits before the caller hears back.
 *
 * Money events do not come through `append`: the ledger's own transaction queued them (triggers of migration 026) and
 * `drainMoneyEvents` chains them later, in batches, off the payment's path.
 */
import type { KeyObject } from 'node:crypto';
import type { Db, Queryable } from './db.js';
import { entryHash, signCheckpoint, type AuditEntry, type AuditEvent } from './audit-chain.js';

export interface AuditHead {
  seq: number;
  hash: string;
}

/** When a checkpoint is due: this many entries since the last one, or this long with at least one new entry. */
export interface CheckpointPolicy {
  everyEntries: number;
  everyMs: number;
}

export interface CheckpointKey {
  privateKey: KeyObject;
  /** SPKI PEM, stored with every checkpoint. */
  publicKey: string;
}

/** Queue rows chained by one drain at most (a row holds a whole group-commit batch's final transfers). */
const DRAIN_QUEUE_ROWS_MAX = 20;

interface EntryRow {
  seq: string;
  at: Date;
  kind: string;
  actor: string;
  subject: string;
  detail: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export const ENTRY_COLUMNS = 'seq::text AS seq, at, kind, actor, subject, detail, prev_hash, hash';

export function entryOf(row: EntryRow): AuditEntry {
  return {
    seq: Number(row.seq),
    at: new Date(row.at),
    kind: row.kind,
    actor: row.actor,
    subject: row.subject,
    detail: row.detail,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export class AuditLog {
  constructor(private readonly db: Db) {}

  /** Appends one entry; resolves with it once it is committed. */
  async append(event: AuditEvent): Promise<AuditEntry> {
    const [entry] = await this.db.transaction((tx) => chain(tx, [event]));
    return entry!;
  }

  /**
   * Chains the money events queued by the ledger's transactions, oldest first, and deletes them from the queue in the
   * same transaction (a crash chains them later, never twice). Returns how many entries were appended.
   */
  async drainMoneyEvents(): Promise<number> {
    const waiting = await this.db.query('SELECT 1 FROM audit_queue LIMIT 1');
    if (waiting.rows.length === 0) return 0;
    return this.db.transaction(async (tx) => {
      await lockHead(tx);
      const queued = await tx.query<QueueRow>(
        `SELECT id::text AS id, source, refs, states FROM audit_queue ORDER BY audit_queue.id LIMIT ${DRAIN_QUEUE_ROWS_MAX}`,
      );
      if (queued.rows.length === 0) return 0;
      const events = await moneyEvents(tx, queued.rows);
      await chain(tx, events);
      await tx.query('DELETE FROM audit_queue WHERE id = ANY ($1::bigint[])', [queued.rows.map((r) => r.id)]);
      return events.length;
    });
  }

  /**
   * Signs the head as a checkpoint when `policy` says one is due (or, with `force`, whenever the head moved past the
   * last checkpoint). Returns the checkpoint's seq, or undefined when none was written.
   */
  async checkpoint(key: CheckpointKey, policy: CheckpointPolicy, o: { force?: boolean; now?: Date } = {}): Promise<number | undefined> {
    return this.db.transaction(async (tx) => {
      const head = await lockHead(tx);
      if (head.seq === 0) return undefined;
      const last = (await tx.query<{ seq: string; at: Date }>('SELECT seq::text AS seq, at FROM audit_checkpoint ORDER BY audit_checkpoint.seq DESC LIMIT 1'))
        .rows[0];
      const lastSeq = last ? Number(last.seq) : 0;
      if (head.seq <= lastSeq) return undefined;
      const at = o.now ?? new Date();
      const due = o.force || !last || head.seq - lastSeq >= policy.everyEntries || at.getTime() - new Date(last.at).getTime() >= policy.everyMs;
      if (!due) return undefined;
      const signature = signCheckpoint(key.privateKey, { seq: head.seq, hash: head.hash, at });
      await tx.query('INSERT INTO audit_checkpoint (seq, hash, at, public_key, signature) VALUES ($1, $2, $3, $4, $5)', [
        head.seq,
        head.hash,
        at.toISOString(),
        key.publicKey,
        signature,
      ]);
      return head.seq;
    });
  }

  /** Entries after `after`, at most `limit`, in order, with the head as it was read. */
  async read(after: number, limit: number): Promise<{ entries: AuditEntry[]; head: AuditHead }> {
    return this.db.transaction(async (tx) => {
      const head = await readHead(tx);
      const rows = await tx.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM audit_entry WHERE seq > $1 ORDER BY audit_entry.seq LIMIT $2`, [after, limit]);
      return { entries: rows.rows.map(entryOf), head };
    });
  }

  async head(): Promise<AuditHead> {
    return readHead(this.db);
  }

  /** Money events waiting in the queue (queue rows, each a batch). */
  async queued(): Promise<number> {
    const r = await this.db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_queue');
    return Number(r.rows[0]!.n);
  }
}

export async function readHead(q: Queryable): Promise<AuditHead> {
  const r = await q.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit_head');
  const row = r.rows[0];
  if (!row) throw new Error('audit_head has no row: the audit log is damaged (migration 026 creates it)');
  return { seq: Number(row.seq), hash: row.hash };
}

async function lockHead(tx: Queryable): Promise<AuditHead> {
  const r = await tx.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit_head FOR UPDATE');
  const row = r.rows[0];
  if (!row) throw new Error('audit_head has no row: the audit log is damaged (migration 026 creates it)');
  return { seq: Number(row.seq), hash: row.hash };
}

/** Appends `events` after the head (locked here if the caller has not): hashes, inserts, moves the head. */
async function chain(tx: Queryable, events: AuditEvent[]): Promise<AuditEntry[]> {
  let { seq, hash } = await lockHead(tx);
  const at = new Date();
  const entries = events.map((event) => {
    // The detail as the database will give it back (jsonb keeps JSON's values, drops undefined members).
    const detail = JSON.parse(JSON.stringify(event.detail ?? {})) as Record<string, unknown>;
    const partial = { seq: ++seq, at, kind: event.kind, actor: event.actor, subject: event.subject, detail, prevHash: hash };
    hash = entryHash(partial);
    return { ...partial, hash };
  });
  const rows = entries.map((e) => ({ ...e, at: e.at.toISOString(), prev_hash: e.prevHash }));
  await tx.query(
    `INSERT INTO audit_entry (seq, at, kind, actor, subject, detail, prev_hash, hash)
     SELECT seq, at, kind, actor, subject, detail, prev_hash, hash
     FROM jsonb_to_recordset($1::jsonb) AS x(seq bigint, at timestamptz, kind text, actor text, subject text, detail jsonb, prev_hash text, hash text)
     ORDER BY seq`,
    [JSON.stringify(rows)],
  );
  await tx.query('UPDATE audit_head SET seq = $1, hash = $2', [seq, hash]);
  return entries;
}

// ------------------------------------------------------------------------------------------- money events

interface QueueRow {
  id: string;
  source: 'transfer' | 'window' | 'settlement';
  refs: string[];
  states: string[];
}

const TRANSFER_KIND_NAMES: Record<string, string> = {
  TRANSFER: 'transfer',
  FX_TRANSFER: 'fx-transfer',
  FUNDS_IN: 'funds-in',
  FUNDS_OUT: 'funds-out',
  SETTLEMENT: 'settlement-transfer',
};

function outcomeOf(state: string): string {
  if (state === 'COMMITTED') return 'committed';
  if (state === 'INVALID') return 'invalid';
  return 'aborted';
}

/** The queued rows as entries, in queue order; each event's facts read from its record. */
async function moneyEvents(tx: Queryable, queued: QueueRow[]): Promise<AuditEvent[]> {
  const pick = (source: QueueRow['source']) => queued.filter((r) => r.source === source).flatMap((r) => r.refs);
  // One after another: a transaction is one session (PGlite's too).
  const transfers = await transferFacts(tx, pick('transfer'));
  const windows = await windowFacts(tx, pick('window'));
  const settlements = await settlementFacts(tx, pick('settlement'));
  const events: AuditEvent[] = [];
  for (const row of queued) {
    row.refs.forEach((ref, i) => {
      const state = row.states[i]!;
      if (row.source === 'transfer') events.push(transferEvent(ref, state, transfers.get(ref)));
      else if (row.source === 'window') events.push(windowEvent(ref, state, windows.get(ref)));
      else events.push(settlementEvent(ref, state, settlements.get(ref)));
    });
  }
  return events;
}

interface TransferFacts {
  id: string;
  kind: string;
  payer: string;
  payee: string;
  debtor: string | null;
  creditor: string | null;
  currency: string;
  amount: string | null;
  cause: string | null;
  completed_at: Date | null;
  determining_transfer_id: string | null;
  target_currency: string | null;
  target_amount: string | null;
  window_id: number | null;
}

async function transferFacts(tx: Queryable, ids: string[]): Promise<Map<string, TransferFacts>> {
  if (ids.length === 0) return new Map();
  const r = await tx.query<TransferFacts>(
    `SELECT id, kind, payer, payee, debtor, creditor, currency, amount::text AS amount, cause, completed_at,
            determining_transfer_id, target_currency, target_amount::text AS target_amount, window_id
     FROM transfer WHERE id = ANY ($1::text[])`,
    [ids],
  );
  return new Map(r.rows.map((row) => [row.id, row]));
}

function transferEvent(id: string, state: string, t: TransferFacts | undefined): AuditEvent {
  const kind = TRANSFER_KIND_NAMES[t?.kind ?? ''] ?? 'transfer';
  const detail: Record<string, unknown> = { state };
  if (t) {
    Object.assign(detail, { transferKind: t.kind, payer: t.payer, payee: t.payee, currency: t.currency.trim(), amount: t.amount ?? undefined });
    if (t.debtor && t.debtor !== t.payer) detail.debtor = t.debtor;
    if (t.creditor && t.creditor !== t.payee) detail.creditor = t.creditor;
    if (t.cause) detail.cause = t.cause;
    if (t.completed_at) detail.completedAt = new Date(t.completed_at).toISOString();
    if (t.determining_transfer_id) detail.determiningTransferId = t.determining_transfer_id;
    if (t.target_amount) Object.assign(detail, { targetAmount: t.target_amount, targetCurrency: t.target_currency?.trim() });
    if (t.window_id !== null && state === 'COMMITTED') detail.windowId = t.window_id;
  } else detail.missing = 'the transfer row was not found when the event was chained';
  return { kind: `${kind}.${outcomeOf(state)}`, actor: 'ledger', subject: id, detail };
}

interface WindowFacts {
  id: string;
  reason: string | null;
  changed_at: Date;
}

async function windowFacts(tx: Queryable, ids: string[]): Promise<Map<string, WindowFacts>> {
  if (ids.length === 0) return new Map();
  const r = await tx.query<WindowFacts>('SELECT id::text AS id, reason, changed_at FROM settlement_window WHERE id = ANY ($1::integer[])', [ids]);
  return new Map(r.rows.map((row) => [row.id, row]));
}

function windowEvent(id: string, state: string, w: WindowFacts | undefined): AuditEvent {
  const detail: Record<string, unknown> = { windowId: Number(id), state };
  if (w?.reason) detail.reason = w.reason;
  return { kind: `settlement-window.${state.toLowerCase()}`, actor: 'ledger', subject: `settlementWindow/${id}`, detail };
}

interface SettlementFacts {
  id: string;
  settlement_id: number;
  account_id: number | null;
  reason: string | null;
  external_reference: string | null;
  created_at: Date;
}

async function settlementFacts(tx: Queryable, ids: string[]): Promise<Map<string, SettlementFacts>> {
  if (ids.length === 0) return new Map();
  const r = await tx.query<SettlementFacts>(
    `SELECT id::text AS id, settlement_id, account_id, reason, external_reference, created_at
     FROM settlement_state_change WHERE id = ANY ($1::bigint[])`,
    [ids],
  );
  return new Map(r.rows.map((row) => [row.id, row]));
}

function settlementEvent(id: string, state: string, s: SettlementFacts | undefined): AuditEvent {
  const detail: Record<string, unknown> = { state, stateChangeId: Number(id) };
  if (!s) return { kind: `settlement.${state.toLowerCase()}`, actor: 'ledger', subject: `settlementStateChange/${id}`, detail };
  Object.assign(detail, { settlementId: s.settlement_id, recordedAt: new Date(s.created_at).toISOString() });
  if (s.account_id !== null) detail.accountId = s.account_id;
  if (s.reason) detail.reason = s.reason;
  if (s.external_reference) detail.externalReference = s.external_reference;
  const kind = s.account_id === null ? 'settlement' : 'settlement-account';
  return { kind: `${kind}.${state.toLowerCase()}`, actor: 'ledger', subject: `settlement/${s.settlement_id}`, detail };
}
