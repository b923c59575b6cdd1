/**
 * Transaction request records (request to pay, docs/r2p.md; migration 014): the minimum the hub keeps of each request
 * and of the payer's answers. Like quote records they move no balance and need no participant's ordering (a request
 * id's first record wins, by the insert's conflict); they share the group commit only to share its fsync, through the
 * same `RecordWriter` quote records use (ledger/quotes.ts `nodeRecordWriter`).
 */
import type { Db, Queryable } from './db.js';
import type { TransactionRequestInsert, TransactionRequestUpdate } from './group-commit.js';
import type { RecordWriter } from './quotes.js';

export interface TransactionRequestRecord {
  id: string;
  payee: string;
  payer: string;
  currency: string;
  /** Ledger decimal text; null when the ledger cannot hold the amount. */
  amount: string | null;
  expiration: string | null;
  state: string;
  requestHash: string;
  answerHash: string | null;
  transactionId: string | null;
  errorCode: string | null;
  /** The request message's id as its sender named it. */
  messageId: string | null;
  createdAt: string;
  changedAt: string;
}

/** A quote that named the request, and the transfer that paid it when there is one (Admin API read). */
export interface LinkedQuote {
  id: string;
  state: string;
  transactionId: string | null;
  createdAt: string;
  transfer: { id: string; state: string; amount: string | null; createdAt: string; completedAt: string | null } | null;
}

interface RequestRow {
  id: string;
  payee: string;
  payer: string;
  currency: string;
  amount: string | null;
  expiration: Date | null;
  state: string;
  request_hash: string;
  answer_hash: string | null;
  transaction_id: string | null;
  error_code: string | null;
  message_id: string | null;
  created_at: Date;
  changed_at: Date;
}

interface LinkRow {
  id: string;
  state: string;
  transaction_id: string | null;
  created_at: Date;
  transfer_id: string | null;
  transfer_state: string | null;
  transfer_amount: string | null;
  transfer_created_at: Date | null;
  transfer_completed_at: Date | null;
}

/**
 * The transfer that answers a quote: the transfer whose id is the quote's transaction id (the SDK's convention, and
 * this hub's simulators'), between the quote's payer and payee and, once the payee answered, with its condition. Found
 * by primary key: the transfer path writes nothing for it.
 */
const LINKED_QUOTES = `SELECT q.id, q.state, q.transaction_id, q.created_at,
       t.id AS transfer_id, t.state AS transfer_state, t.amount::text AS transfer_amount,
       t.created_at AS transfer_created_at, t.completed_at AS transfer_completed_at
  FROM quote q
  LEFT JOIN transfer t ON t.id = q.transaction_id AND t.kind = 'TRANSFER' AND t.payer = q.payer AND t.payee = q.payee
                      AND (q.condition IS NULL OR t.condition = q.condition)
 WHERE q.transaction_request_id = $1
 ORDER BY q.created_at, q.id`;

export class TransactionRequestRecords {
  constructor(
    private readonly db: Db,
    private readonly writer: RecordWriter,
  ) {}

  /** Records a new request; `conflict` when its id is already known. */
  record(request: TransactionRequestInsert): Promise<{ conflict: boolean }> {
    return this.writer.submitRecord({ transactionRequestInsert: request });
  }

  async update(update: TransactionRequestUpdate): Promise<void> {
    await this.writer.submitRecord({ transactionRequestUpdate: update });
  }

  find(id: string): Promise<TransactionRequestRecord | undefined> {
    return findTransactionRequest(this.db, id);
  }
}

/** A transaction request as recorded (read from PostgreSQL: any hub node). */
export async function findTransactionRequest(db: Queryable, id: string): Promise<TransactionRequestRecord | undefined> {
  const rows = await db.query<RequestRow>(
    `SELECT id, payee, payer, currency, amount::text AS amount, expiration, state, request_hash, answer_hash, transaction_id,
            error_code, message_id, created_at, changed_at FROM transaction_request WHERE id = $1`,
    [id],
    'find_transaction_request',
  );
  const row = rows.rows[0];
  return row ? recordOf(row) : undefined;
}

/** The quotes that named the request, oldest first, each with the transfer that answered it. */
export async function linkedQuotes(db: Queryable, id: string): Promise<LinkedQuote[]> {
  const rows = await db.query<LinkRow>(LINKED_QUOTES, [id], 'transaction_request_quotes');
  return rows.rows.map((row) => ({
    id: row.id,
    state: row.state,
    transactionId: row.transaction_id,
    createdAt: row.created_at.toISOString(),
    transfer:
      row.transfer_id === null
        ? null
        : {
            id: row.transfer_id,
            state: row.transfer_state!,
            amount: row.transfer_amount,
            createdAt: row.transfer_created_at!.toISOString(),
            completedAt: row.transfer_completed_at ? row.transfer_completed_at.toISOString() : null,
          },
  }));
}

function recordOf(row: RequestRow): TransactionRequestRecord {
  return {
    id: row.id,
    payee: row.payee,
    payer: row.payer,
    currency: row.currency,
    amount: row.amount,
    expiration: row.expiration ? row.expiration.toISOString() : null,
    state: row.state,
    requestHash: row.request_hash,
    answerHash: row.answer_hash,
    transactionId: row.transaction_id,
    errorCode: row.error_code,
    messageId: row.message_id,
    createdAt: row.created_at.toISOString(),
    changedAt: row.changed_at.toISOString(),
  };
}
