/**
 * Bulk transfer records (migration 017, docs/bulk.md): which transfers make a bulk, in which order, and the bulk's own
 * state and hashes. The lines' money is in the transfers themselves, written by the ledger engine like any other; a
 * bulk record moves no balance. Written by the payer's position owner (switch/core/workers/bulk-transfers.ts), each
 * write in its own transaction, before the hub answers what depends on it.
 */
import type { Db } from './db.js';

export type BulkState = 'RECEIVED' | 'PROCESSING' | 'COMPLETED' | 'REJECTED';

export interface BulkTransferRecord {
  id: string;
  bulkQuoteId: string | null;
  payer: string;
  payee: string;
  expiration: string;
  state: BulkState;
  lineCount: number;
  prepareHash: string;
  fulfilHash: string | null;
  errorHash: string | null;
  completedAt: string | null;
}

/** A line as the database holds it: its transfer's state when it has a transfer of its own, else why not. */
export interface BulkLineRecord {
  lineNo: number;
  transferId: string;
  /** The stored cause of a line refused without a transfer of its own (its id was an earlier transfer's). */
  refusal: string | null;
  /** Its transfer's state, prepare hash, fulfilment and cause; null when the line has no transfer (yet). */
  state: string | null;
  prepareHash: string | null;
  fulfilment: string | null;
  cause: string | null;
  completedAt: string | null;
}

export interface NewBulk {
  id: string;
  bulkQuoteId?: string;
  payer: string;
  payee: string;
  expiration: string;
  prepareHash: string;
  transferIds: readonly string[];
}

interface BulkRow {
  id: string;
  bulk_quote_id: string | null;
  payer: string;
  payee: string;
  expiration: Date;
  state: BulkState;
  line_count: number;
  prepare_hash: string;
  fulfil_hash: string | null;
  error_hash: string | null;
  completed_at: Date | null;
}

interface LineRow {
  line_no: number;
  transfer_id: string;
  refusal: string | null;
  state: string | null;
  prepare_hash: string | null;
  fulfilment: string | null;
  cause: string | null;
  completed_at: Date | null;
}

const BULK_COLUMNS = 'id, bulk_quote_id, payer, payee, expiration, state, line_count, prepare_hash, fulfil_hash, error_hash, completed_at';

function toBulk(row: BulkRow): BulkTransferRecord {
  return {
    id: row.id,
    bulkQuoteId: row.bulk_quote_id,
    payer: row.payer,
    payee: row.payee,
    expiration: row.expiration.toISOString(),
    state: row.state,
    lineCount: row.line_count,
    prepareHash: row.prepare_hash,
    fulfilHash: row.fulfil_hash,
    errorHash: row.error_hash,
    completedAt: row.completed_at ? row.completed_at.toISOString() : null,
  };
}

export const FINAL_BULK_STATES: readonly BulkState[] = ['COMPLETED', 'REJECTED'];

export class BulkTransferStore {
  constructor(private readonly db: Db) {}

  /** Records a new bulk and its lines in one transaction; `conflict` when its id is already known. */
  async record(bulk: NewBulk): Promise<{ conflict: boolean }> {
    return this.db.transaction(async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO bulk_transfer (id, bulk_quote_id, payer, payee, expiration, state, line_count, prepare_hash)
         VALUES ($1, $2, $3, $4, $5, 'RECEIVED', $6, $7) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [bulk.id, bulk.bulkQuoteId ?? null, bulk.payer, bulk.payee, bulk.expiration, bulk.transferIds.length, bulk.prepareHash],
      );
      if (inserted.rowCount === 0) return { conflict: true };
      await tx.query(
        `INSERT INTO bulk_transfer_line (bulk_transfer_id, line_no, transfer_id)
         SELECT $1, ord::integer - 1, id FROM unnest($2::text[]) WITH ORDINALITY AS l(id, ord)`,
        [bulk.id, bulk.transferIds],
      );
      return { conflict: false };
    });
  }

  async find(id: string): Promise<BulkTransferRecord | undefined> {
    const rows = await this.db.query<BulkRow>(`SELECT ${BULK_COLUMNS} FROM bulk_transfer WHERE id = $1`, [id], 'find_bulk_transfer');
    return rows.rows[0] ? toBulk(rows.rows[0]) : undefined;
  }

  /** Every line of a bulk in order, with its transfer's state (a refused line's transfer, if any, is not its own). */
  async lines(id: string): Promise<BulkLineRecord[]> {
    const rows = await this.db.query<LineRow>(
      `SELECT l.line_no, l.transfer_id, l.refusal, t.state, t.prepare_hash, t.fulfilment, t.cause, t.completed_at
         FROM bulk_transfer_line l LEFT JOIN transfer t ON t.id = l.transfer_id AND l.refusal IS NULL
        WHERE l.bulk_transfer_id = $1 ORDER BY l.line_no`,
      [id],
      'bulk_transfer_lines',
    );
    return rows.rows.map((r) => ({
      lineNo: r.line_no,
      transferId: r.transfer_id,
      refusal: r.refusal,
      state: r.state,
      prepareHash: r.prepare_hash,
      fulfilment: r.fulfilment,
      cause: r.cause,
      completedAt: r.completed_at ? r.completed_at.toISOString() : null,
    }));
  }

  /** Lines refused without a transfer of their own, with the stored cause of each. */
  async refuseLines(id: string, refusals: readonly { lineNo: number; cause: string }[]): Promise<void> {
    if (refusals.length === 0) return;
    await this.db.query(
      `UPDATE bulk_transfer_line l SET refusal = r.cause
         FROM unnest($2::integer[], $3::text[]) AS r(line_no, cause)
        WHERE l.bulk_transfer_id = $1 AND l.line_no = r.line_no`,
      [id, refusals.map((r) => r.lineNo), refusals.map((r) => r.cause)],
    );
  }

  /** The bulk went to the payee (from RECEIVED only). */
  async markProcessing(id: string): Promise<void> {
    await this.db.query(`UPDATE bulk_transfer SET state = 'PROCESSING' WHERE id = $1 AND state = 'RECEIVED'`, [id]);
  }

  /** Records the payee's answer's hash (fulfil or error); false when another answer was recorded first. */
  async recordAnswer(id: string, kind: 'fulfil' | 'error', hash: string): Promise<boolean> {
    const column = kind === 'fulfil' ? 'fulfil_hash' : 'error_hash';
    const rows = await this.db.query(`UPDATE bulk_transfer SET ${column} = $2 WHERE id = $1 AND fulfil_hash IS NULL AND error_hash IS NULL RETURNING id`, [
      id,
      hash,
    ]);
    return rows.rowCount > 0;
  }

  /** Makes the bulk final; false when it already was (whoever completed it first reports it). */
  async complete(id: string, state: 'COMPLETED' | 'REJECTED', completedAt: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE bulk_transfer SET state = $2, completed_at = $3 WHERE id = $1 AND state IN ('RECEIVED', 'PROCESSING') RETURNING id`,
      [id, state, completedAt],
    );
    return rows.rowCount > 0;
  }

  /** The bulk a transfer is a line of, if any. */
  async bulkOfTransfer(transferId: string): Promise<string | undefined> {
    const rows = await this.db.query<{ id: string }>(
      `SELECT bulk_transfer_id AS id FROM bulk_transfer_line WHERE transfer_id = $1 AND refusal IS NULL LIMIT 1`,
      [transferId],
      'bulk_of_transfer',
    );
    return rows.rows[0]?.id;
  }

  /** Bulks not final whose expiration is before `before` (the sweep completes them once no line is reserved). */
  async openPastExpiration(before: string, limit = 100): Promise<{ id: string; payer: string }[]> {
    const rows = await this.db.query<{ id: string; payer: string }>(
      `SELECT id, payer FROM bulk_transfer WHERE state IN ('RECEIVED', 'PROCESSING') AND expiration < $1 ORDER BY expiration LIMIT $2`,
      [before, limit],
    );
    return rows.rows;
  }
}
