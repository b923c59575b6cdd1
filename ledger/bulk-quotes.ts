/**
 * Bulk quote records (migration 015, docs/bulk.md): the minimum the hub keeps of each bulk quote and of its individual
 * quotes. Like quote records (ledger/quotes.ts) they move no balance and need no participant's ordering: a bulk quote
 * id's first record wins by the insert's conflict. Each write is one transaction of its own (a bulk and its up to
 * 1,000 lines together, or an answer and its lines together), durable when it returns.
 */
import type { Db } from './db.js';

export interface BulkQuoteLineInsert {
  quoteId: string;
  transactionId: string;
  currency: string;
  /** Ledger decimal text; null when the ledger cannot hold the amount exactly (the bulk is then refused). */
  amount: string | null;
}

export interface BulkQuoteInsert {
  id: string;
  payer: string;
  payee: string;
  expiration?: string;
  requestHash: string;
  createdAt: string;
  lines: BulkQuoteLineInsert[];
}

export type BulkQuoteState = 'RECEIVED' | 'ANSWERED' | 'ERROR' | 'REJECTED' | 'EXPIRED';

export interface BulkQuoteRecord {
  id: string;
  payer: string;
  payee: string;
  state: BulkQuoteState;
  lineCount: number;
  expiration: string | null;
  requestHash: string;
  responseHash: string | null;
  responseExpiration: string | null;
  errorCode: string | null;
  /** The terms the hub issued on a bank payee's behalf (JSON text of the caller's choosing). */
  hubAnswer: string | null;
}

export interface BulkQuoteLine {
  line: number;
  quoteId: string;
  transactionId: string;
  currency: string;
  amount: string | null;
  transferAmount: string | null;
  transferCurrency: string | null;
  condition: string | null;
  errorCode: string | null;
}

/** The payee's answer for one line (by its position in the bulk). */
export interface BulkQuoteLineAnswer {
  line: number;
  transferAmount?: string;
  transferCurrency?: string;
  condition?: string;
  errorCode?: string;
}

export interface BulkQuoteAnswer {
  id: string;
  state: Exclude<BulkQuoteState, 'RECEIVED'>;
  responseHash: string;
  responseExpiration?: string;
  errorCode?: string;
  /** JSON text. */
  hubAnswer?: string;
  lines?: BulkQuoteLineAnswer[];
}

interface BulkQuoteRow {
  id: string;
  payer: string;
  payee: string;
  state: BulkQuoteState;
  line_count: number;
  expiration: Date | null;
  request_hash: string;
  response_hash: string | null;
  response_expiration: Date | null;
  error_code: string | null;
  hub_answer: string | null;
}

interface BulkQuoteLineRow {
  line: number;
  quote_id: string;
  transaction_id: string;
  currency: string;
  amount: string | null;
  transfer_amount: string | null;
  transfer_currency: string | null;
  condition: string | null;
  error_code: string | null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export class BulkQuoteRecords {
  constructor(private readonly db: Db) {}

  /** Records a new bulk quote and its lines in one transaction; `conflict` when its id is already known. */
  record(bulk: BulkQuoteInsert): Promise<{ conflict: boolean }> {
    return this.db.transaction(async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO bulk_quote (id, payer, payee, state, line_count, expiration, request_hash, created_at)
         VALUES ($1, $2, $3, 'RECEIVED', $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [bulk.id, bulk.payer, bulk.payee, bulk.lines.length, bulk.expiration ?? null, bulk.requestHash, bulk.createdAt],
      );
      if (inserted.rows.length === 0) return { conflict: true };
      await tx.query(
        `INSERT INTO bulk_quote_line (bulk_quote_id, line, quote_id, transaction_id, currency, amount)
         SELECT $1, l.line, l.quote_id, l.transaction_id, l.currency, l.amount::numeric
         FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[]) AS l(line, quote_id, transaction_id, currency, amount)`,
        [
          bulk.id,
          bulk.lines.map((_, i) => i),
          bulk.lines.map((l) => l.quoteId),
          bulk.lines.map((l) => l.transactionId),
          bulk.lines.map((l) => l.currency),
          bulk.lines.map((l) => l.amount),
        ],
      );
      return { conflict: false };
    });
  }

  /** The hub refused the bulk (before any answer): its outcome is kept. */
  async refuse(id: string, outcome: string): Promise<void> {
    await this.db.query(`UPDATE bulk_quote SET state = 'REJECTED', error_code = $2, changed_at = now() WHERE id = $1 AND response_hash IS NULL`, [id, outcome]);
  }

  /**
   * Records an answer and its lines in one transaction. Only the first answer is taken, or the same one again:
   * `modified` when another answer (another hash) was recorded before.
   */
  answer(answer: BulkQuoteAnswer): Promise<{ modified: boolean }> {
    return this.db.transaction(async (tx) => {
      const updated = await tx.query(
        `UPDATE bulk_quote SET state = $2, response_hash = $3, response_expiration = $4, error_code = $5, hub_answer = $6::jsonb, changed_at = now()
         WHERE id = $1 AND (response_hash IS NULL OR response_hash = $3) RETURNING id`,
        [answer.id, answer.state, answer.responseHash, answer.responseExpiration ?? null, answer.errorCode ?? null, answer.hubAnswer ?? null],
      );
      if (updated.rows.length === 0) return { modified: true };
      const lines = answer.lines ?? [];
      if (lines.length > 0) {
        await tx.query(
          `UPDATE bulk_quote_line q SET transfer_amount = a.amount::numeric, transfer_currency = a.currency, condition = a.condition, error_code = a.error_code
           FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[]) AS a(line, amount, currency, condition, error_code)
           WHERE q.bulk_quote_id = $1 AND q.line = a.line`,
          [
            answer.id,
            lines.map((l) => l.line),
            lines.map((l) => l.transferAmount ?? null),
            lines.map((l) => l.transferCurrency ?? null),
            lines.map((l) => l.condition ?? null),
            lines.map((l) => l.errorCode ?? null),
          ],
        );
      }
      return { modified: false };
    });
  }

  async find(id: string): Promise<BulkQuoteRecord | undefined> {
    const rows = await this.db.query<BulkQuoteRow>(
      `SELECT id, payer, payee, state, line_count, expiration, request_hash, response_hash, response_expiration, error_code, hub_answer::text AS hub_answer
       FROM bulk_quote WHERE id = $1`,
      [id],
    );
    const row = rows.rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      payer: row.payer,
      payee: row.payee,
      state: row.state,
      lineCount: row.line_count,
      expiration: iso(row.expiration),
      requestHash: row.request_hash,
      responseHash: row.response_hash,
      responseExpiration: iso(row.response_expiration),
      errorCode: row.error_code,
      hubAnswer: row.hub_answer,
    };
  }

  /** The lines of a bulk quote, in their order. */
  async lines(id: string): Promise<BulkQuoteLine[]> {
    const rows = await this.db.query<BulkQuoteLineRow>(
      `SELECT line, quote_id, transaction_id, currency, amount::text AS amount, transfer_amount::text AS transfer_amount, transfer_currency,
              condition, error_code
       FROM bulk_quote_line WHERE bulk_quote_id = $1 ORDER BY line`,
      [id],
    );
    return rows.rows.map((r) => ({
      line: r.line,
      quoteId: r.quote_id,
      transactionId: r.transaction_id,
      currency: r.currency,
      amount: r.amount,
      transferAmount: r.transfer_amount,
      transferCurrency: r.transfer_currency,
      condition: r.condition,
      errorCode: r.error_code,
    }));
  }
}
