/**
 * Transfers as an operator looks for them (the Admin API's `GET /transfers`, `GET /transfers/{id}`, `GET /stats/series`):
 * read-only queries on the stored records, never the engine. Search is newest first by `created_at`, paged by a keyset
 * cursor (created_at, id); the time range and the series are served by the BRIN index of migration 027, which costs a
 * payment's insert almost nothing (docs/portal-api.md, "Indexes").
 */
import type { Queryable } from './db.js';

/** The API states a search may ask for, each as the stored states it stands for (ledger/engine.ts `apiState`). */
const HELD = `('RESERVED', 'RECEIVED_FULFIL_DEPENDENT', 'RESERVED_FORWARDED')`;
const STATE_SQL: Record<SearchState, string> = {
  RECEIVED: `t.state = 'RECEIVED_PREPARE'`,
  RESERVED: `t.state IN ${HELD}`,
  COMMITTED: `t.state = 'COMMITTED'`,
  ABORTED: `t.state NOT IN ${HELD} AND t.state NOT IN ('COMMITTED', 'RECEIVED_PREPARE')`,
};
export const SEARCH_STATES = ['RECEIVED', 'RESERVED', 'COMMITTED', 'ABORTED'] as const;
export type SearchState = (typeof SEARCH_STATES)[number];

/** Where the previous page ended: the last row's creation time (microseconds, as text) and id. */
export interface SearchCursor {
  createdAt: string;
  id: string;
}

export interface TransferSearch {
  id?: string;
  /** Payer, payee, or the participant holding either position (debtor, creditor: FXP, proxy). */
  party?: string;
  state?: SearchState;
  kind?: string;
  /** ISO timestamps; `from` inclusive, `to` exclusive, on created_at. */
  from?: string;
  to?: string;
  limit: number;
  before?: SearchCursor;
}

export interface TransferSummary {
  id: string;
  kind: string;
  payer: string;
  payee: string;
  debtor: string | null;
  creditor: string | null;
  /** Ledger decimal text; null for an INVALID prepare whose amount the ledger cannot hold. */
  amount: string | null;
  currency: string;
  /** As stored (RESERVED, COMMITTED, ABORTED_REJECTED, EXPIRED_RESERVED, ...). */
  state: string;
  createdAt: string;
  completedAt: string | null;
  /** created_at with microseconds: the cursor's key. */
  cursorAt: string;
}

export interface TransferDetail extends TransferSummary {
  condition: string | null;
  expiration: string | null;
  fulfilment: string | null;
  cause: string | null;
  windowId: number | null;
  determiningTransferId: string | null;
  targetCurrency: string | null;
  targetAmount: string | null;
  feeAmount: string | null;
}

export interface JournalLine {
  id: string;
  participant: string;
  accountId: number;
  ledgerAccountType: string;
  currency: string;
  amount: string;
  event: string;
  createdAt: string;
}

/** A bank payer's pacs.008 as the hub keeps it while carrying the payment (migration 004 `bridge_payment`). */
export interface BankInstruction {
  bankPaymentId: string;
  payer: string;
  instruction: unknown;
}

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const ISO_US = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const at = (column: string, format = ISO_MS) => `to_char(${column} AT TIME ZONE 'UTC', ${format})`;

const SUMMARY_COLUMNS = `t.id, t.kind, t.payer, t.payee, t.debtor, t.creditor, t.amount::text AS amount, t.currency, t.state,
  ${at('t.created_at')} AS "createdAt", ${at('t.completed_at')} AS "completedAt", ${at('t.created_at', ISO_US)} AS "cursorAt"`;

/** Widening look-backs for a search without a time range: the newest rows are found by the index, not a full scan. */
const LOOK_BACK_MS = [3_600_000, 86_400_000, 30 * 86_400_000];

/**
 * One page of transfers, newest first; one row more than `limit` when there is a next page. Without `from` (or an id),
 * the last hour before the cursor (or now) is read first, then the last day, the last 30 days, and only then everything.
 */
export async function searchTransfers(db: Queryable, s: TransferSearch): Promise<TransferSummary[]> {
  if (s.from !== undefined || s.id !== undefined) return searchPage(db, s);
  const anchor = Math.min(Date.now(), s.before ? Date.parse(s.before.createdAt) : Infinity, s.to !== undefined ? Date.parse(s.to) : Infinity);
  for (const back of LOOK_BACK_MS) {
    const from = new Date(anchor - back).toISOString();
    const rows = await searchPage(db, { ...s, from });
    if (rows.length > s.limit) return rows;
  }
  return searchPage(db, s);
}

async function searchPage(db: Queryable, s: TransferSearch): Promise<TransferSummary[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (s.id !== undefined) where.push(`t.id = ${p(s.id)}`);
  if (s.party !== undefined) {
    const party = p(s.party);
    where.push(`(t.payer = ${party} OR t.payee = ${party} OR t.debtor = ${party} OR t.creditor = ${party})`);
  }
  if (s.state !== undefined) where.push(STATE_SQL[s.state]);
  if (s.kind !== undefined) where.push(`t.kind = ${p(s.kind)}`);
  if (s.from !== undefined) where.push(`t.created_at >= ${p(s.from)}::timestamptz`);
  if (s.to !== undefined) where.push(`t.created_at < ${p(s.to)}::timestamptz`);
  if (s.before !== undefined) where.push(`(t.created_at, t.id) < (${p(s.before.createdAt)}::timestamptz, ${p(s.before.id)})`);
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM transfer t ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY t.created_at DESC, t.id DESC LIMIT ${p(s.limit + 1)}`;
  return (await db.query<TransferSummary>(sql, params)).rows;
}

export async function findTransferDetail(db: Queryable, id: string): Promise<TransferDetail | undefined> {
  const r = await db.query<TransferDetail>(
    `SELECT ${SUMMARY_COLUMNS}, t.condition, ${at('t.expiration')} AS expiration, t.fulfilment, t.cause, t.window_id AS "windowId",
       t.determining_transfer_id AS "determiningTransferId", t.target_currency AS "targetCurrency",
       t.target_amount::text AS "targetAmount", t.fee_amount::text AS "feeAmount"
     FROM transfer t WHERE t.id = $1`,
    [id],
  );
  return r.rows[0];
}

/** The transfer's journal entries, oldest first, with the account each moved. */
export async function journalOf(db: Queryable, transferId: string): Promise<JournalLine[]> {
  const r = await db.query<JournalLine>(
    `SELECT j.id::text AS id, p.name AS participant, j.account_id AS "accountId", a.ledger_account_type AS "ledgerAccountType",
       a.currency, j.amount::text AS amount, j.event, ${at('j.created_at')} AS "createdAt"
     FROM journal_entry j JOIN account a ON a.id = j.account_id JOIN participant p ON p.id = a.participant_id
     WHERE j.transfer_id = $1 ORDER BY j.id`,
    [transferId],
  );
  return r.rows;
}

/** The bank's instruction when a bank paid: its payment id is the transfer id, or the hub named the transfer for it. */
export async function bankInstructionOf(db: Queryable, transferId: string): Promise<BankInstruction | undefined> {
  const r = await db.query<BankInstruction>(
    `SELECT id AS "bankPaymentId", payer, instruction FROM bridge_payment WHERE transfer_id = $1
     UNION ALL SELECT id, payer, instruction FROM bridge_payment WHERE id = $1 AND transfer_id IS NULL LIMIT 1`,
    [transferId],
  );
  return r.rows[0];
}

export interface SeriesBucket {
  /** Start of the bucket, ISO. */
  at: string;
  committed: number;
  aborted: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/**
 * Payments (kind TRANSFER) finished per bucket of `bucketSeconds` from `fromMs` (epoch ms, a bucket boundary) to
 * `toMs`: committed and aborted counts, and the median and 95th percentile of completed_at - created_at of the
 * committed ones. Only buckets with a finished payment come back; the caller fills the others.
 */
export async function transferSeries(db: Queryable, fromMs: number, toMs: number, bucketSeconds: number): Promise<Map<number, SeriesBucket>> {
  const r = await db.query<{ bucket: string; committed: string; aborted: string; p50: number | null; p95: number | null }>(
    `SELECT floor((extract(epoch FROM t.completed_at) * 1000 - $1) / ($3 * 1000))::bigint::text AS bucket,
       count(*) FILTER (WHERE t.state = 'COMMITTED')::text AS committed,
       count(*) FILTER (WHERE t.state <> 'COMMITTED')::text AS aborted,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.completed_at - t.created_at) * 1000)
         FILTER (WHERE t.state = 'COMMITTED') AS p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM t.completed_at - t.created_at) * 1000)
         FILTER (WHERE t.state = 'COMMITTED') AS p95
     FROM transfer t
     WHERE t.kind = 'TRANSFER' AND t.completed_at >= to_timestamp($1 / 1000.0) AND t.completed_at < to_timestamp($2 / 1000.0)
     GROUP BY 1`,
    [fromMs, toMs, bucketSeconds],
  );
  const out = new Map<number, SeriesBucket>();
  for (const row of r.rows) {
    const index = Number(row.bucket);
    out.set(index, {
      at: new Date(fromMs + index * bucketSeconds * 1000).toISOString(),
      committed: Number(row.committed),
      aborted: Number(row.aborted),
      p50Ms: row.p50 === null ? null : Math.round(Number(row.p50)),
      p95Ms: row.p95 === null ? null : Math.round(Number(row.p95)),
    });
  }
  return out;
}
