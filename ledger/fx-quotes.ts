/**
 * FX quote records (migration 020, docs/fx.md "Agreement: fxQuotes and FXP discovery"): the minimum the hub keeps of
 * each conversion quote. Like quote records (ledger/quotes.ts) they move no balance and need no participant's
 * ordering: a conversion request id's first record wins by the insert's conflict. Each write is a transaction of its
 * own on the database (as ledger/bulk-quotes.ts), durable when it returns; none goes through mizani_apply.
 */
import type { Db } from './db.js';

export type FxQuoteState = 'RECEIVED' | 'ANSWERED' | 'ERROR' | 'REJECTED' | 'EXPIRED';

export interface FxQuoteInsert {
  id: string;
  conversionId: string;
  determiningTransferId?: string;
  initiating: string;
  fxp: string;
  amountType: 'SEND' | 'RECEIVE';
  sourceCurrency: string;
  targetCurrency: string;
  /** Ledger decimal text of the amount the request fixed; absent when not given or not exactly representable. */
  sourceAmount?: string;
  targetAmount?: string;
  expiration?: string;
  requestHash: string;
  createdAt: string;
}

export interface FxQuoteRecord {
  id: string;
  conversionId: string;
  determiningTransferId: string | null;
  initiating: string;
  fxp: string;
  amountType: 'SEND' | 'RECEIVE';
  sourceCurrency: string;
  targetCurrency: string;
  sourceAmount: string | null;
  targetAmount: string | null;
  expiration: string | null;
  state: FxQuoteState;
  requestHash: string;
  responseHash: string | null;
  responseExpiration: string | null;
  errorCode: string | null;
  condition: string | null;
  createdAt: string;
  changedAt: string;
}

/** The FXP's answer (or the hub's refusal of it), by the hash of the message that carried it. */
export interface FxQuoteAnswer {
  id: string;
  state: Exclude<FxQuoteState, 'RECEIVED'>;
  responseHash: string;
  sourceAmount?: string;
  targetAmount?: string;
  responseExpiration?: string;
  condition?: string;
  errorCode?: string;
}

interface FxQuoteRow {
  id: string;
  conversion_id: string;
  determining_transfer_id: string | null;
  initiating: string;
  fxp: string;
  amount_type: 'SEND' | 'RECEIVE';
  source_currency: string;
  target_currency: string;
  source_amount: string | null;
  target_amount: string | null;
  expiration: Date | null;
  state: FxQuoteState;
  request_hash: string;
  response_hash: string | null;
  response_expiration: Date | null;
  error_code: string | null;
  condition: string | null;
  created_at: Date;
  changed_at: Date;
}

const COLUMNS = `id, conversion_id, determining_transfer_id, initiating, fxp, amount_type, source_currency, target_currency,
  source_amount::text AS source_amount, target_amount::text AS target_amount, expiration, state, request_hash, response_hash,
  response_expiration, error_code, condition, created_at, changed_at`;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function recordOf(row: FxQuoteRow): FxQuoteRecord {
  return {
    id: row.id,
    conversionId: row.conversion_id,
    determiningTransferId: row.determining_transfer_id,
    initiating: row.initiating,
    fxp: row.fxp,
    amountType: row.amount_type,
    sourceCurrency: row.source_currency,
    targetCurrency: row.target_currency,
    sourceAmount: row.source_amount,
    targetAmount: row.target_amount,
    expiration: iso(row.expiration),
    state: row.state,
    requestHash: row.request_hash,
    responseHash: row.response_hash,
    responseExpiration: iso(row.response_expiration),
    errorCode: row.error_code,
    condition: row.condition,
    createdAt: row.created_at.toISOString(),
    changedAt: row.changed_at.toISOString(),
  };
}

export class FxQuoteRecords {
  constructor(private readonly db: Db) {}

  /** Records a new FX quote; `conflict` when its id is already known (nothing is changed then). */
  async record(q: FxQuoteInsert): Promise<{ conflict: boolean }> {
    const inserted = await this.db.query(
      `INSERT INTO fx_quote (id, conversion_id, determining_transfer_id, initiating, fxp, amount_type, source_currency, target_currency,
                             source_amount, target_amount, expiration, state, request_hash, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::numeric, $10::numeric, $11, 'RECEIVED', $12, $13)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        q.id,
        q.conversionId,
        q.determiningTransferId ?? null,
        q.initiating,
        q.fxp,
        q.amountType,
        q.sourceCurrency,
        q.targetCurrency,
        q.sourceAmount ?? null,
        q.targetAmount ?? null,
        q.expiration ?? null,
        q.requestHash,
        q.createdAt,
      ],
      'record_fx_quote',
    );
    return { conflict: inserted.rows.length === 0 };
  }

  /** The hub refused the request (before any answer): its outcome is kept. */
  async refuse(id: string, outcome: string): Promise<void> {
    await this.db.query(`UPDATE fx_quote SET state = 'REJECTED', error_code = $2, changed_at = now() WHERE id = $1 AND response_hash IS NULL`, [id, outcome]);
  }

  /**
   * Records an answer. Only the first answer is taken, or the same one again: `modified` when another answer
   * (another hash) was recorded before.
   */
  async answer(a: FxQuoteAnswer): Promise<{ modified: boolean }> {
    const updated = await this.db.query(
      `UPDATE fx_quote SET state = $2, response_hash = $3, source_amount = coalesce($4::numeric, source_amount),
              target_amount = coalesce($5::numeric, target_amount), response_expiration = $6, condition = $7, error_code = $8,
              changed_at = now()
       WHERE id = $1 AND (response_hash IS NULL OR response_hash = $3) RETURNING id`,
      [a.id, a.state, a.responseHash, a.sourceAmount ?? null, a.targetAmount ?? null, a.responseExpiration ?? null, a.condition ?? null, a.errorCode ?? null],
      'answer_fx_quote',
    );
    return { modified: updated.rows.length === 0 };
  }

  async find(id: string): Promise<FxQuoteRecord | undefined> {
    const rows = await this.db.query<FxQuoteRow>(`SELECT ${COLUMNS} FROM fx_quote WHERE id = $1`, [id], 'find_fx_quote');
    const row = rows.rows[0];
    return row ? recordOf(row) : undefined;
  }
}
