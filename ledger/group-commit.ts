/**
 * Group commit: ledger writes queue up while the previous batch is being committed and are then
 * written together in ONE call of `mizani_apply` (one transaction, one fsync). Each caller's promise
 * settles only when its batch is durable, which is what lets the hub answer 202/200 safely.
 * Both sides of that boundary are asserted (ledger/assertions.ts): the batch on its way out, mizani_apply's report
 * on its way back; a failed check fails the batch like a database error does.
 */
import { DomainError } from '../schemas/outcomes.js';
import { assertEntriesBalance, assertLedger, assertMemoryMatches, assertReport, type ApplyReport, type CheckedEntry, type SentCounts } from './assertions.js';
import type { Queryable } from './db.js';
import type { Account } from './registry.js';
import { ledgerPlus, ledgerText, type LedgerUnits } from './units.js';

export interface TransferInsert {
  id: string;
  kind: 'TRANSFER' | 'FUNDS_IN' | 'FUNDS_OUT' | 'SETTLEMENT' | 'FX_TRANSFER';
  payer: string;
  payee: string;
  /** Migration 019: whose POSITION is reserved / credited when not the payer's / payee's; a conversion's link and target leg. */
  debtor?: string;
  creditor?: string;
  determining_transfer_id?: string;
  target_currency?: string;
  target_amount?: string;
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
  /** The interchange fee decided at prepare (migration 009): rule, amount, paying and receiving INTERCHANGE_FEE accounts. */
  fee_rule_id?: number;
  fee_amount?: string;
  fee_from_account_id?: number;
  fee_to_account_id?: number;
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
  /** The settlement window a commit is assigned to (deferred models). */
  window_id?: number;
}

/** A committed transfer's amount added to its window's flow from the payer's to the payee's account. */
export interface WindowFlow {
  windowId: number;
  payerAccountId: number;
  payeeAccountId: number;
  amount: LedgerUnits;
}

/** Closes the OPEN window `closing` and opens `opening`, after every flow of the batch (it ends its batch). */
export interface WindowClose {
  closing: number;
  opening: number;
  reason: string;
}

export interface JournalEntry {
  transfer_id: string;
  /** The account moved: its id is written, its currency and balance are what the assertions check. */
  account: Account;
  amount: LedgerUnits;
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
  /** The transaction request the quote answers (FSPIOP transactionRequestId), and the quote's transaction id (migration 014). */
  transaction_request_id?: string;
  transaction_id?: string;
}

export interface QuoteUpdate {
  id: string;
  state: string;
  response_hash?: string;
  error_code?: string;
  response_expiration?: string;
  /** The payee's condition, kept for quotes of a transaction request (migration 014). */
  condition?: string;
}

/** The minimum the hub keeps of a transaction request (docs/r2p.md, migration 014). */
export interface TransactionRequestInsert {
  id: string;
  payee: string;
  payer: string;
  currency: string;
  amount?: string;
  expiration?: string;
  state: string;
  request_hash: string;
  error_code?: string;
  /** The request message's id as its sender named it (a bank's pain.013 MsgId). */
  message_id?: string;
  created_at?: string;
}

export interface TransactionRequestUpdate {
  id: string;
  state: string;
  answer_hash?: string;
  transaction_id?: string;
  error_code?: string;
}

/** Where a bus consumer resumes a partition: every command before `nextOffset` has its effects in the ledger. */
export interface ConsumerPosition {
  consumerGroup: string;
  topic: string;
  partition: number;
  /** Decimal text (Kafka offsets are 64-bit). */
  nextOffset: string;
}

export interface LedgerWrite {
  insert?: TransferInsert;
  update?: TransferUpdate;
  /** A second state change that stands or falls with `update`: a conversion finishing with its dependent transfer. */
  linkedUpdate?: TransferUpdate;
  entries: JournalEntry[];
  quoteInsert?: QuoteInsert;
  quoteUpdate?: QuoteUpdate;
  transactionRequestInsert?: TransactionRequestInsert;
  transactionRequestUpdate?: TransactionRequestUpdate;
  flow?: WindowFlow;
  /** A commit's interchange fee between the two DFSPs' INTERCHANGE_FEE accounts (docs/interchange-fees.md). */
  feeFlow?: WindowFlow;
  /** The window flow of `linkedUpdate`'s commit (a conversion's source leg, payer to FXP). */
  linkedFlow?: WindowFlow;
  windowClose?: WindowClose;
  /** The engine moves memory only once this write is durable and not a conflict (funds in); for the balance check. */
  movesMemoryWhenDurable?: true;
  /** Consumer positions recorded in the batch's transaction (ledger/migrations/010_consumer_positions.sql). */
  positions?: ConsumerPosition[];
}

/** The writes that ride the group commit without moving a balance (quote and transaction request records). */
export type RecordWrite = Pick<LedgerWrite, 'quoteInsert' | 'quoteUpdate' | 'transactionRequestInsert' | 'transactionRequestUpdate'>;

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
  /** The submitter's trace (`BatchTracing.member`), undefined when batches are not traced. */
  trace: unknown;
}

/**
 * Tracing of the group commit, wired by the hub (switch/observability/tracing.ts): the ledger keeps each write's trace
 * without knowing what it is, and reports every batch with the traces of its writes.
 */
export interface BatchTracing {
  /** The trace of the write being submitted (opaque here). */
  member(): unknown;
  /** A batch settled (durable, or failed with `err`): its writes' traces, its start (epoch ms) and its size. */
  batch(members: unknown[], startedMs: number, writes: number, err?: Error): void;
}

export interface GroupCommitStats {
  batches: number;
  writes: number;
  lastBatchSize: number;
}

export interface GroupCommitOptions {
  /** The session that writes: the one holding the ledger writer lock. */
  writer: () => Queryable;
  /** Most writes in one batch (MIZANI_BATCH_MAX); mizani_apply refuses a larger one too. */
  batchWritesMax: number;
  /** MIZANI_LEDGER_ASSERTIONS=all: after each batch, compare memory with the balances PostgreSQL reports. */
  verifyBalances?: boolean;
  /** Called once after a batch fails (or `fail`); the owner rebuilds its memory, then calls `reset()`. */
  onFailure: (err: Error) => void;
  observeBatch?: (size: number, seconds: number) => void;
  traceBatches?: BatchTracing;
  /**
   * Several ledger owners (MIZANI_LEDGER_PARTITIONED): once a batch is durable, each account it moved with the sum of
   * its entries in the batch and the row's version after it (mizani_apply's `versions`, migration 013).
   */
  onMoved?: (moved: AccountMove[]) => void;
}

/** An account a durable batch moved: by `delta` in all, leaving the row at `version`. */
export interface AccountMove {
  account: Account;
  delta: LedgerUnits;
  version: bigint;
}

/**
 * A batch with consumer positions: one statement, so one transaction, and the same round trip. A position only moves
 * forward (a late record of an older position changes nothing).
 */
const APPLY_WITH_POSITIONS = `WITH recorded AS (
  INSERT INTO consumer_position AS c (consumer_group, topic, partition, next_offset)
  SELECT p.consumer_group, p.topic, p.partition, p.next_offset
  FROM jsonb_to_recordset($2::jsonb) AS p(consumer_group text, topic text, partition integer, next_offset bigint)
  ON CONFLICT (consumer_group, topic, partition)
  DO UPDATE SET next_offset = GREATEST(c.next_offset, EXCLUDED.next_offset), recorded_at = now()
)
SELECT mizani_apply($1::jsonb) AS report`;

/** A batch as sent to mizani_apply, with what its report is checked against. */
interface SentBatch extends SentCounts {
  document: string;
  /** The consumer positions of the batch's writes (latest per partition), as JSON; undefined when none. */
  positions?: string;
  /** Writes whose insert repeats one earlier in the batch: a conflict whatever the database says. */
  sameBatchConflicts: Set<Pending>;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private flushing = false;
  /** queuedAt of the oldest write of the batch being committed. */
  private committing: number | undefined;
  private failedUntilReset = false;
  /** `fail` was called while a batch was being committed: reported once that batch has settled. */
  private failureAfterBatch: Error | undefined;
  readonly stats: GroupCommitStats = { batches: 0, writes: 0, lastBatchSize: 0 };

  constructor(private readonly options: GroupCommitOptions) {
    assertLedger(Number.isInteger(options.batchWritesMax) && options.batchWritesMax >= 1, () => `batchWritesMax ${options.batchWritesMax}`);
  }

  submit(write: LedgerWrite): Promise<WriteResult> {
    if (this.failedUntilReset) return Promise.reject(new LedgerUnavailableError());
    return new Promise<WriteResult>((resolve, reject) => {
      this.queue.push({ write, resolve, reject, queuedAt: performance.now(), trace: this.options.traceBatches?.member() });
      if (!this.flushing) {
        this.flushing = true;
        // Let the current tick's writes join the batch.
        setImmediate(() => void this.flush());
      }
    });
  }

  /**
   * Stops taking writes because memory can no longer be trusted (a failed assertion in the engine): every queued
   * write fails now; once the batch being committed, if any, has settled, `onFailure` runs (the owner rebuilds its
   * memory from PostgreSQL, which then holds everything durable, and calls `reset`).
   */
  fail(err: Error): void {
    if (this.failedUntilReset) return;
    this.failedUntilReset = true;
    for (const pending of this.queue.splice(0)) pending.reject(new LedgerUnavailableError(err));
    if (this.flushing) this.failureAfterBatch = err;
    else this.options.onFailure(err);
  }

  /** Accept writes again after the owner has rebuilt its state from the database. */
  reset(): void {
    this.failedUntilReset = false;
  }

  /** Writes are failed until the owner has rebuilt its state (`reset`). */
  get failed(): boolean {
    return this.failedUntilReset;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Resolves once no write is queued or being committed (each has settled, durable or failed). */
  async drained(): Promise<void> {
    while (this.flushing || this.queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }

  /** How long (ms) the oldest write not yet resolved has waited: queued, or in the batch being committed. */
  oldestWaitMs(): number {
    const oldest = this.committing ?? this.queue[0]?.queuedAt;
    return oldest === undefined ? 0 : performance.now() - oldest;
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0 && !this.failedUntilReset) {
      const batch = this.queue.splice(0, this.batchLength());
      this.committing = batch[0]?.queuedAt;
      const started = process.hrtime.bigint();
      const startedMs = this.options.traceBatches ? performance.timeOrigin + performance.now() : 0;
      let report: ApplyReport;
      let sent: SentBatch;
      try {
        sent = this.prepare(batch);
        const result = sent.positions
          ? await this.options.writer().query<{ report: ApplyReport }>(APPLY_WITH_POSITIONS, [sent.document, sent.positions], 'mizani_apply_positions')
          : await this.options.writer().query<{ report: ApplyReport }>('SELECT mizani_apply($1::jsonb) AS report', [sent.document], 'mizani_apply');
        report = result.rows[0]!.report;
        assertReport(sent, report);
        if (report.balances) assertMemoryMatches(report.balances, this.outcomes(batch, sent, report), this.queue);
      } catch (cause) {
        this.traceBatch(batch, startedMs, cause);
        return this.failBatch(batch, cause);
      }
      this.traceBatch(batch, startedMs);
      this.stats.batches++;
      this.stats.writes += batch.length;
      this.stats.lastBatchSize = batch.length;
      this.options.observeBatch?.(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
      const conflicts = report.conflicts.length > 0 ? new Set(report.conflicts) : undefined;
      if (this.options.onMoved && report.versions) this.reportMoves(accountMoves(sent.entries, conflicts, report.versions));
      for (const pending of batch) pending.resolve({ conflict: isConflict(pending, sent, conflicts) });
    }
    this.committing = undefined;
    this.flushing = false;
    const failure = this.failureAfterBatch;
    this.failureAfterBatch = undefined;
    if (failure) this.options.onFailure(failure);
  }

  private traceBatch(batch: Pending[], startedMs: number, cause?: unknown): void {
    if (!this.options.traceBatches) return;
    const err = cause === undefined ? undefined : cause instanceof Error ? cause : new Error(String(cause));
    this.options.traceBatches.batch(
      batch.map((p) => p.trace),
      startedMs,
      batch.length,
      err,
    );
  }

  /** The batch is durable whatever the listener does with its moves: a listener's failure is not the batch's. */
  private reportMoves(moves: AccountMove[]): void {
    try {
      this.options.onMoved?.(moves);
    } catch {
      // The listener (the owner's notices to other owners) says what it could not do; the writes stand.
    }
  }

  /** The next batch: up to batchWritesMax writes, ending at the first window close (one close per batch). */
  private batchLength(): number {
    const max = Math.min(this.options.batchWritesMax, this.queue.length);
    for (let i = 0; i < max; i++) if (this.queue[i]!.write.windowClose) return i + 1;
    return max;
  }

  /**
   * The batch document, checked on the way out: its size, every write's entries. A second insert of an id already
   * in this batch conflicts whatever happens to the first (the id exists afterwards either way). mizani_apply cannot
   * see it (ON CONFLICT DO NOTHING skips the row silently and both writes' entries share the transfer id), so it is
   * decided here: the insert and its with_insert entries are left out and the write reported as a conflict.
   */
  private prepare(batch: Pending[]): SentBatch {
    const max = this.options.batchWritesMax;
    assertLedger(batch.length >= 1 && batch.length <= max, () => `a batch of ${batch.length} writes (at most ${max})`);
    const inserts: TransferInsert[] = [];
    const updates: TransferUpdate[] = [];
    const entries: JournalEntry[] = [];
    const rows: EntryRow[] = [];
    const quoteInserts: QuoteInsert[] = [];
    const quoteUpdates: QuoteUpdate[] = [];
    const requestInserts: TransactionRequestInsert[] = [];
    const requestUpdates: TransactionRequestUpdate[] = [];
    const flows = new Map<string, FlowRow>();
    let windowClose: WindowClose | undefined;
    const positions = new Map<string, ConsumerPosition>();
    const insertKeys = new Set<string>();
    const sameBatchConflicts = new Set<Pending>();
    for (const pending of batch) {
      const { write } = pending;
      assertEntriesBalance(write.entries);
      const duplicate = write.insert !== undefined && insertKeys.has(write.insert.id);
      if (duplicate) sameBatchConflicts.add(pending);
      else if (write.insert) {
        insertKeys.add(write.insert.id);
        inserts.push(write.insert);
      }
      if (write.update) updates.push(write.update);
      if (write.linkedUpdate) updates.push(write.linkedUpdate);
      for (const entry of write.entries) {
        if (duplicate && entry.with_insert) continue;
        entries.push(entry);
        rows.push(entryRow(entry));
      }
      if (write.quoteInsert) {
        const key = `quote:${write.quoteInsert.id}`;
        if (insertKeys.has(key)) sameBatchConflicts.add(pending);
        else {
          insertKeys.add(key);
          quoteInserts.push(write.quoteInsert);
        }
      }
      if (write.quoteUpdate) quoteUpdates.push(write.quoteUpdate);
      if (write.transactionRequestInsert) {
        const key = `transactionRequest:${write.transactionRequestInsert.id}`;
        if (insertKeys.has(key)) sameBatchConflicts.add(pending);
        else {
          insertKeys.add(key);
          requestInserts.push(write.transactionRequestInsert);
        }
      }
      if (write.transactionRequestUpdate) requestUpdates.push(write.transactionRequestUpdate);
      if (write.flow) addFlow(flows, write.flow);
      if (write.feeFlow) addFlow(flows, write.feeFlow);
      if (write.linkedFlow) addFlow(flows, write.linkedFlow);
      if (write.windowClose) windowClose = write.windowClose;
      for (const position of write.positions ?? []) addPosition(positions, position);
    }
    const document = JSON.stringify({
      inserts,
      updates,
      entries: rows,
      quote_inserts: quoteInserts,
      quote_updates: quoteUpdates,
      ...(requestInserts.length > 0 ? { request_inserts: requestInserts } : {}),
      ...(requestUpdates.length > 0 ? { request_updates: requestUpdates } : {}),
      ...(flows.size > 0 ? { flows: [...flows.values()].map(flowRow) } : {}),
      ...(windowClose ? { window_close: windowClose } : {}),
      writes: batch.length,
      writes_max: max,
      ...(this.options.verifyBalances ? { report_values: true } : {}),
      ...(this.options.onMoved ? { report_versions: true } : {}),
    });
    return {
      document,
      ...(positions.size > 0 ? { positions: JSON.stringify([...positions.values()].map(positionRow)) } : {}),
      sameBatchConflicts,
      inserts: inserts.length,
      updates: updates.length,
      entries,
      quoteInserts: quoteInserts.length,
      quoteUpdates: quoteUpdates.length,
      requestInserts: requestInserts.length,
      requestUpdates: requestUpdates.length,
      windowCloses: windowClose ? 1 : 0,
      insertKeys,
    };
  }

  /** Each write of the batch with whether it conflicted (for the balance check). */
  private outcomes(batch: Pending[], sent: SentBatch, report: ApplyReport): Array<{ write: LedgerWrite; conflict: boolean }> {
    const conflicts = new Set(report.conflicts);
    return batch.map((pending) => ({ write: pending.write, conflict: isConflict(pending, sent, conflicts) }));
  }

  /**
   * Memory already reflects these writes and every queued one; none of it can be trusted now. Fail them all and
   * let the owner rebuild from what PostgreSQL holds. (A batch whose report failed a check may be durable: its
   * callers are told LEDGER_UNAVAILABLE all the same, and a retry finds the transfer recorded: a duplicate.)
   */
  private failBatch(batch: Pending[], cause: unknown): void {
    const err = cause instanceof Error ? cause : new Error(String(cause));
    this.failedUntilReset = true;
    const failed = batch.concat(this.queue.splice(0));
    for (const pending of failed) pending.reject(new LedgerUnavailableError(err));
    this.flushing = false;
    this.committing = undefined;
    this.failureAfterBatch = undefined;
    this.options.onFailure(err);
  }
}

/** A window flow summed over the batch (mizani_apply adds each row to window_flow). */
interface FlowRow {
  window_id: number;
  payer_account_id: number;
  payee_account_id: number;
  amount: LedgerUnits;
  transfers: number;
}

function addFlow(flows: Map<string, FlowRow>, flow: WindowFlow): void {
  const key = `${flow.windowId}|${flow.payerAccountId}|${flow.payeeAccountId}`;
  const row = flows.get(key);
  if (row) {
    row.amount = ledgerPlus(row.amount, flow.amount);
    row.transfers++;
  } else {
    flows.set(key, {
      window_id: flow.windowId,
      payer_account_id: flow.payerAccountId,
      payee_account_id: flow.payeeAccountId,
      amount: flow.amount,
      transfers: 1,
    });
  }
}

function flowRow(row: FlowRow): Omit<FlowRow, 'amount'> & { amount: string } {
  return { ...row, amount: ledgerText(row.amount) };
}

/** An entry as mizani_apply reads it. */
interface EntryRow {
  transfer_id: string;
  account_id: number;
  amount: string;
  event: string;
  with_insert?: boolean;
}

function entryRow(entry: JournalEntry): EntryRow {
  return { transfer_id: entry.transfer_id, account_id: entry.account.id, amount: ledgerText(entry.amount), event: entry.event, with_insert: entry.with_insert };
}

function isConflict(pending: Pending, sent: SentBatch, conflicts: ReadonlySet<string> | undefined): boolean {
  if (sent.sameBatchConflicts.has(pending)) return true;
  if (!conflicts) return false;
  const { insert, quoteInsert, transactionRequestInsert: requestInsert } = pending.write;
  return (
    (insert !== undefined && conflicts.has(insert.id)) ||
    (quoteInsert !== undefined && conflicts.has(`quote:${quoteInsert.id}`)) ||
    (requestInsert !== undefined && conflicts.has(`transactionRequest:${requestInsert.id}`))
  );
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

/** The batch's entries summed per account, without those of inserts that conflicted (not applied), with the new versions. */
function accountMoves(entries: readonly CheckedEntry[], conflicts: ReadonlySet<string> | undefined, versions: Record<string, string>): AccountMove[] {
  const moves = new Map<number, AccountMove>();
  for (const entry of entries) {
    if (entry.with_insert && conflicts?.has(entry.transfer_id)) continue;
    const version = versions[String(entry.account.id)];
    if (version === undefined) continue;
    const known = moves.get(entry.account.id);
    if (known) known.delta = ledgerPlus(known.delta, entry.amount);
    else moves.set(entry.account.id, { account: entry.account, delta: entry.amount, version: BigInt(version) });
  }
  return [...moves.values()];
}

function addPosition(positions: Map<string, ConsumerPosition>, position: ConsumerPosition): void {
  const key = `${position.consumerGroup}\u0000${position.topic}\u0000${position.partition}`;
  const known = positions.get(key);
  if (!known || BigInt(known.nextOffset) < BigInt(position.nextOffset)) positions.set(key, position);
}

function positionRow(p: ConsumerPosition): { consumer_group: string; topic: string; partition: number; next_offset: string } {
  return { consumer_group: p.consumerGroup, topic: p.topic, partition: p.partition, next_offset: p.nextOffset };
}
