/**
 * Run-time assertions on the money path, on both sides of the group commit (TigerBeetle's "assertions on both
 * sides of a boundary"; docs/decisions.md 2026-12-06, "Limits and assertions on the money path").
 *
 * Before a batch is sent (every batch, O(entries)): each write's journal entries are exact ledger amounts that sum
 * to zero per currency, and a write carries at most LEDGER_WRITE_ENTRIES_MAX of them. On the way back (every
 * batch, O(1) unless there are conflicts): what PostgreSQL reports it did is what was sent. With
 * MIZANI_LEDGER_ASSERTIONS=all (tests, debugging; O(queued entries)): the balance of every account the batch
 * touched, as PostgreSQL now holds it, equals the engine's memory less the movements not durable yet.
 *
 * A failed assertion is a programming error, not an outcome: it throws LedgerAssertionError, and the committer
 * fails that batch and every queued write (callers answer LEDGER_UNAVAILABLE, 2003/503) and the engine rebuilds its
 * memory from PostgreSQL, as after any failed batch. PostgreSQL refuses an unbalanced or oversized batch as well
 * (migration 007), so the books stay balanced even if a check here were wrong.
 */
import type { Account } from './registry.js';
import { isLedgerAmount, ledgerText, parseLedger, type LedgerUnits } from './units.js';

/**
 * Journal entries one ledger write may carry: a movement is 2, a commit under continuous gross settlement 4, and its
 * interchange fee 2 more (docs/interchange-fees.md). Also in mizani_apply (migration 009).
 */
export const LEDGER_WRITE_ENTRIES_MAX = 6;

export class LedgerAssertionError extends Error {
  constructor(message: string) {
    super(`ledger assertion failed: ${message}`);
    this.name = 'LedgerAssertionError';
  }
}

export function assertLedger(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new LedgerAssertionError(message());
}

/** What an entry needs for the checks: its account (currency, memory) and amount. */
export interface CheckedEntry {
  transfer_id: string;
  account: Account;
  amount: LedgerUnits;
  with_insert?: boolean;
}

/** The entries of one write: at most LEDGER_WRITE_ENTRIES_MAX, exact amounts, zero per currency. O(entries). */
export function assertEntriesBalance(entries: readonly CheckedEntry[]): void {
  assertLedger(entries.length <= LEDGER_WRITE_ENTRIES_MAX, () => `a write carries ${entries.length} journal entries (at most ${LEDGER_WRITE_ENTRIES_MAX})`);
  if (entries.length === 0) return;
  const currency = entries[0]!.account.currency;
  let sum = 0n;
  let oneCurrency = true;
  for (const entry of entries) {
    assertLedger(isLedgerAmount(entry.amount), () => `entry of ${entry.transfer_id} has amount ${String(entry.amount)}, not an exact ledger amount`);
    if (entry.account.currency !== currency) oneCurrency = false;
    sum += entry.amount;
  }
  if (oneCurrency) {
    assertLedger(sum === 0n, () => `the entries of ${entries[0]!.transfer_id} sum to ${sum} (10^-4 ${currency}), not zero`);
    return;
  }
  const sums = new Map<string, bigint>();
  for (const entry of entries) sums.set(entry.account.currency, (sums.get(entry.account.currency) ?? 0n) + entry.amount);
  for (const [c, s] of sums) assertLedger(s === 0n, () => `the entries of ${entries[0]!.transfer_id} sum to ${s} (10^-4 ${c}), not zero`);
}

/** What mizani_apply reports (migration 007). */
export interface ApplyReport {
  conflicts: string[];
  inserted: number;
  updated: number;
  journal: number;
  quotes_inserted: number;
  quotes_updated: number;
  /** Transaction requests (migration 014). */
  requests_inserted: number;
  requests_updated: number;
  /** Windows closed by the batch (0 or 1). */
  windows_closed: number;
  /** Account id -> its balance now, when the batch asked for it. */
  balances: Record<string, string> | null;
  /** New row versions of the accounts moved, when asked (`report_versions`, migration 013). */
  versions?: Record<string, string> | null;
}

/** What was sent, as far as the report can be checked against it. */
export interface SentCounts {
  inserts: number;
  updates: number;
  entries: readonly CheckedEntry[];
  quoteInserts: number;
  quoteUpdates: number;
  requestInserts: number;
  requestUpdates: number;
  windowCloses: number;
  /** Transfer ids, `quote:<id>` and `transactionRequest:<id>` keys of the inserts sent. */
  insertKeys: ReadonlySet<string>;
}

/** The database did what was sent: conflicts only on inserts, every state change, every journal row. O(1) without conflicts. */
export function assertReport(sent: SentCounts, report: ApplyReport): void {
  let transferConflicts = 0;
  let requestConflicts = 0;
  for (const key of report.conflicts) {
    assertLedger(sent.insertKeys.has(key), () => `mizani_apply reported a conflict on ${key}, which this batch did not insert`);
    if (key.startsWith('transactionRequest:')) requestConflicts++;
    else if (!key.startsWith('quote:')) transferConflicts++;
  }
  const quoteConflicts = report.conflicts.length - transferConflicts - requestConflicts;
  assertLedger(
    report.inserted + transferConflicts === sent.inserts,
    () => `${report.inserted} transfers inserted and ${transferConflicts} conflicts for ${sent.inserts} sent`,
  );
  assertLedger(report.updated === sent.updates, () => `${report.updated} transfer state changes applied for ${sent.updates} sent`);
  assertLedger(report.windows_closed === sent.windowCloses, () => `${report.windows_closed} windows closed for ${sent.windowCloses} sent`);
  assertLedger(
    report.quotes_inserted + quoteConflicts === sent.quoteInserts,
    () => `${report.quotes_inserted} quotes inserted and ${quoteConflicts} conflicts for ${sent.quoteInserts} sent`,
  );
  assertLedger(report.quotes_updated <= sent.quoteUpdates, () => `${report.quotes_updated} quote changes applied for ${sent.quoteUpdates} sent`);
  assertLedger(
    report.requests_inserted + requestConflicts === sent.requestInserts,
    () => `${report.requests_inserted} transaction requests inserted and ${requestConflicts} conflicts for ${sent.requestInserts} sent`,
  );
  assertLedger(
    report.requests_updated <= sent.requestUpdates,
    () => `${report.requests_updated} transaction request changes applied for ${sent.requestUpdates} sent`,
  );
  let expected = sent.entries.length;
  if (transferConflicts > 0) {
    const conflicts = new Set(report.conflicts);
    for (const entry of sent.entries) if (entry.with_insert && conflicts.has(entry.transfer_id)) expected--;
  }
  assertLedger(Number(report.journal) === expected, () => `${report.journal} journal rows written for ${expected} expected`);
}

/** A write as the balance check sees it. */
export interface MovingWrite {
  entries: readonly CheckedEntry[];
  /** Memory moves only once the write is durable and not a conflict (funds in). */
  movesMemoryWhenDurable?: true;
}

/**
 * MIZANI_LEDGER_ASSERTIONS=all: right after a batch is durable (before anyone is told), each account it touched holds
 * in memory exactly its durable balance plus the movements memory already made that are not durable: the queued
 * writes', and those of this batch's conflicting writes (undone by their callers after this); minus this batch's
 * funds in (memory moves after this). O(entries queued + entries of the batch).
 */
export function assertMemoryMatches(
  balances: Record<string, string>,
  batch: ReadonlyArray<{ write: MovingWrite; conflict: boolean }>,
  queued: ReadonlyArray<{ write: MovingWrite }>,
): void {
  const pending = new Map<number, { account: Account; delta: bigint }>();
  const add = (entry: CheckedEntry, sign: bigint) => {
    const seen = pending.get(entry.account.id);
    if (seen) seen.delta += sign * entry.amount;
    else pending.set(entry.account.id, { account: entry.account, delta: sign * entry.amount });
  };
  for (const { write, conflict } of batch) {
    for (const entry of write.entries) {
      add(entry, 0n); // (known account, nothing pending)
      if (write.movesMemoryWhenDurable) {
        if (!conflict) add(entry, -1n);
      } else if (conflict && entry.with_insert) add(entry, 1n);
    }
  }
  for (const { write } of queued) if (!write.movesMemoryWhenDurable) for (const entry of write.entries) add(entry, 1n);
  for (const [id, durable] of Object.entries(balances)) {
    const known = pending.get(Number(id));
    assertLedger(known !== undefined, () => `mizani_apply moved account ${id}, which no entry of the batch names`);
    const expected = parseLedger(durable) + known.delta;
    assertLedger(
      known.account.value === expected,
      () => `account ${id} holds ${ledgerText(known.account.value)} in memory; durable ${durable} with ${known.delta} (10^-4) pending makes ${expected}`,
    );
  }
}
