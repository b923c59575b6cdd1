/**
 * Group commit: ledger writes queue up while the previous batch is being committed and are then
 * written together in ONE call of `mizani_apply` (one transaction, one fsync). Each caller's promise
 * settles only when its batch is durable, which is what lets the hub answer 202/200 safely.
 */
import { DomainError } from '../schemas/outcomes.js';
import type { Queryable } from './db.js';

export interface TransferInsert {
  id: string;
  kind: 'TRANSFER' | 'FUNDS_IN' | 'FUNDS_OUT';
  payer: string;
  payee: string;
  currency: string;
  amount?: string;
  condition?: string;
  expiration?: string;
  state: string;
  prepare_hash?: string;
  cause?: string;
  reference?: string;
  created_at?: string;
  completed_at?: string;
}

export interface TransferUpdate {
  id: string;
  from_state: string;
  state: string;
  fulfil_hash?: string;
  error_hash?: string;
  fulfilment?: string;
  cause?: string;
  completed_at?: string;
}

export interface JournalEntry {
  transfer_id: string;
  account_id: number;
  amount: string;
  event: string;
  /** The entry belongs to the new transfer inserted by the same write; skipped if that insert conflicts. */
  with_insert?: boolean;
}

/** The minimum the hub keeps of a quote (docs/discovery.md). */
export interface QuoteInsert {
  id: string;
  payer: string;
  payee: string;
  currency: string;
  amount?: string;
  expiration?: string;
  state: string;
  request_hash: string;
  created_at?: string;
}

export interface QuoteUpdate {
  id: string;
  state: string;
  response_hash?: string;
  error_code?: string;
  response_expiration?: string;
}

export interface LedgerWrite {
  insert?: TransferInsert;
  update?: TransferUpdate;
  entries: JournalEntry[];
  quoteInsert?: QuoteInsert;
  quoteUpdate?: QuoteUpdate;
}

export interface WriteResult {
  /** The write's new transfer id already existed: nothing of this write was applied. */
  conflict: boolean;
}

interface Pending {
  write: LedgerWrite;
  resolve: (result: WriteResult) => void;
  reject: (err: Error) => void;
  /** performance.now() when submitted. */
  queuedAt: number;
}

export interface GroupCommitStats {
  batches: number;
  writes: number;
  lastBatchSize: number;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private flushing = false;
  /** queuedAt of the oldest write of the batch being committed. */
  private committing: number | undefined;
  private failedUntilReset = false;
  readonly stats: GroupCommitStats = { batches: 0, writes: 0, lastBatchSize: 0 };

  constructor(
    /** The session that writes: the one holding the ledger writer lock. */
    private readonly writer: () => Queryable,
    private readonly maxBatch: number,
    /** Called once after a batch fails; the owner rebuilds its memory, then calls `reset()`. */
    private readonly onFailure: (err: Error) => void,
    private readonly observeBatch: (size: number, seconds: number) => void = () => undefined,
  ) {}

  submit(write: LedgerWrite): Promise<WriteResult> {
    if (this.failedUntilReset) return Promise.reject(new LedgerUnavailableError());
    return new Promise<WriteResult>((resolve, reject) => {
      this.queue.push({ write, resolve, reject, queuedAt: performance.now() });
      if (!this.flushing) {
        this.flushing = true;
        // Let the current tick's writes join the batch.
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Accept writes again after the owner has rebuilt its state from the database. */
  reset(): void {
    this.failedUntilReset = false;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** How long (ms) the oldest write not yet resolved has waited: queued, or in the batch being committed. */
  oldestWaitMs(): number {
    const oldest = this.committing ?? this.queue[0]?.queuedAt;
    return oldest === undefined ? 0 : performance.now() - oldest;
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.length > this.maxBatch ? this.queue.splice(0, this.maxBatch) : this.queue.splice(0);
      this.committing = batch[0]?.queuedAt;
      const inserts: TransferInsert[] = [];
      const updates: TransferUpdate[] = [];
      const entries: JournalEntry[] = [];
      const quoteInserts: QuoteInsert[] = [];
      const quoteUpdates: QuoteUpdate[] = [];
      // A second insert of an id already in this batch conflicts whatever happens to the first (the
      // id exists afterwards either way). mizani_apply cannot see it (ON CONFLICT DO NOTHING skips
      // the row silently and both writes' entries share the transfer id), so it is decided here:
      // the insert and its with_insert entries are left out and the write reported as a conflict.
      const insertIds = new Set<string>();
      const sameBatchConflicts = new Set<Pending>();
      for (const pending of batch) {
        const { write } = pending;
        const duplicate = write.insert !== undefined && insertIds.has(write.insert.id);
        if (duplicate) sameBatchConflicts.add(pending);
        else if (write.insert) {
          insertIds.add(write.insert.id);
          inserts.push(write.insert);
        }
        if (write.update) updates.push(write.update);
        for (const entry of write.entries) if (!(duplicate && entry.with_insert)) entries.push(entry);
        if (write.quoteInsert) {
          const key = `quote:${write.quoteInsert.id}`;
          if (insertIds.has(key)) sameBatchConflicts.add(pending);
          else {
            insertIds.add(key);
            quoteInserts.push(write.quoteInsert);
          }
        }
        if (write.quoteUpdate) quoteUpdates.push(write.quoteUpdate);
      }
      const started = process.hrtime.bigint();
      try {
        const result = await this.writer().query<{ conflicts: string[] }>(
          'SELECT mizani_apply($1::jsonb) AS conflicts',
          [JSON.stringify({ inserts, updates, entries, quote_inserts: quoteInserts, quote_updates: quoteUpdates })],
          'mizani_apply',
        );
        const conflicts = new Set(result.rows[0]?.conflicts ?? []);
        this.stats.batches++;
        this.stats.writes += batch.length;
        this.stats.lastBatchSize = batch.length;
        this.observeBatch(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
        for (const pending of batch) {
          const { insert, quoteInsert } = pending.write;
          pending.resolve({
            conflict:
              sameBatchConflicts.has(pending) ||
              (insert !== undefined && conflicts.has(insert.id)) ||
              (quoteInsert !== undefined && conflicts.has(`quote:${quoteInsert.id}`)),
          });
        }
      } catch (cause) {
        // Memory already reflects these writes and every queued one; none of it can be trusted
        // now. Fail them all and let the owner rebuild from what PostgreSQL holds.
        const err = cause instanceof Error ? cause : new Error(String(cause));
        this.failedUntilReset = true;
        const failed = batch.concat(this.queue.splice(0));
        for (const pending of failed) pending.reject(new LedgerUnavailableError(err));
        this.flushing = false;
        this.committing = undefined;
        this.onFailure(err);
        return;
      }
    }
    this.committing = undefined;
    this.flushing = false;
  }
}

/**
 * The ledger cannot take writes now: a batch failed (or an assertion stopped one) and memory is being rebuilt
 * from PostgreSQL. A domain outcome, so every caller answers as docs/decisions.md says (FSPIOP 2003, HTTP 503; a
 * bank's admi.002 with 503): retry later. The cause (a database error, a failed assertion) is for the log only.
 */
export class LedgerUnavailableError extends DomainError {
  constructor(cause?: Error) {
    super('LEDGER_UNAVAILABLE', cause ? 'a ledger write failed; the ledger is recovering, retry later' : 'the ledger is recovering, retry later');
    this.name = 'LedgerUnavailableError';
    if (cause) this.cause = cause;
  }
}
