/**
 * Quote records: the minimum the hub keeps of each agreement (docs/discovery.md). They are not position changes: no
 * balance moves and no participant's ordering matters (a quote id's first record wins, by the insert's conflict). They
 * share the ledger's group commit only to share its fsync, through the narrow `RecordWriter` the engine offers.
 */
import type { Db } from './db.js';
import { GroupCommitter, type QuoteInsert, type QuoteUpdate, type RecordWrite } from './group-commit.js';

export interface QuoteRecord {
  id: string;
  payer: string;
  payee: string;
  currency: string;
  amount: string | null;
  expiration: string | null;
  state: string;
  requestHash: string;
  responseHash: string | null;
  errorCode: string | null;
  /** The transaction request the quote answers (migration 014), when it named one. */
  transactionRequestId: string | null;
}

interface QuoteRow {
  id: string;
  payer: string;
  payee: string;
  currency: string;
  amount: string | null;
  expiration: Date | null;
  state: string;
  request_hash: string;
  response_hash: string | null;
  error_code: string | null;
  response_expiration: Date | null;
  transaction_request_id: string | null;
}

/** A write that rides the group commit without moving a balance (the engine's `submitRecord`). */
export interface RecordWriter {
  submitRecord(write: RecordWrite): Promise<{ conflict: boolean }>;
}

/**
 * The record writer of a hub node: the ledger engine's group commit while this node holds the ledger (one fsync for
 * both), else a group commit of its own on the pool (with several hub nodes, a node that does not hold the ledger
 * records the quotes it takes too: any node serves any request). Both write through mizani_apply, so the rows and
 * the conflict rule are the same.
 */
export function nodeRecordWriter(db: Db, engine: RecordWriter & { readonly holdsWriter: boolean }, batchWritesMax: number): RecordWriter {
  const own: GroupCommitter = new GroupCommitter({
    writer: () => db,
    batchWritesMax,
    // No memory to rebuild: the failed batch's callers were told LEDGER_UNAVAILABLE (a retry is a duplicate).
    onFailure: () => own.reset(),
  });
  return { submitRecord: (write) => (engine.holdsWriter ? engine.submitRecord(write) : own.submit({ entries: [], ...write })) };
}

export class QuoteRecords {
  constructor(
    private readonly db: Db,
    private readonly writer: RecordWriter,
  ) {}

  /** Records a new quote; `conflict` when its id is already known. */
  record(quote: QuoteInsert): Promise<{ conflict: boolean }> {
    return this.writer.submitRecord({ quoteInsert: quote });
  }

  async update(update: QuoteUpdate): Promise<void> {
    await this.writer.submitRecord({ quoteUpdate: update });
  }

  async find(id: string): Promise<QuoteRecord | undefined> {
    const rows = await this.db.query<QuoteRow>(
      `SELECT id, payer, payee, currency, amount::text AS amount, expiration, state, request_hash, response_hash,
              error_code, response_expiration, transaction_request_id FROM quote WHERE id = $1`,
      [id],
      'find_quote',
    );
    const row = rows.rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      payer: row.payer,
      payee: row.payee,
      currency: row.currency,
      amount: row.amount,
      expiration: row.expiration ? row.expiration.toISOString() : null,
      state: row.state,
      requestHash: row.request_hash,
      responseHash: row.response_hash,
      errorCode: row.error_code,
      transactionRequestId: row.transaction_request_id,
    };
  }
}
