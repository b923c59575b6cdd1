/**
 * camt.052 intraday account reports to banks (contract settlement.md §7, docs/settlement-banks.md): on an operator's
 * request (Admin API `POST /participants/{name}/intradayReports`) and on a schedule (MIZANI_INTRADAY_REPORT_INTERVAL_S,
 * off by default: every bank with an ISO20022_CALLBACK_URL, once per interval).
 *
 * One message per bank with one `Rpt` per account (all its currencies, or the one asked for): ITBD = the account's
 * value as PostgreSQL holds it (what the Admin API shows), the SETTLEMENT account's ITAV = the liquidity cover left
 * (camt.ts `availableLedger`). No entries: each movement had its camt.054 when it was booked.
 *
 * Rendered in the bank's profile, signed and delivered like every hub XML message; queued per bank, never blocking
 * the caller; a scheduled run skips a bank whose previous scheduled report is still being delivered.
 */
import type { Logger } from 'pino';
import type { Queryable } from '../../../ledger/db.js';
import { CLEARING } from '../../../ledger/registry.js';
import { parseLedger } from '../../../ledger/units.js';
import type { DeliveryResult } from '../../core/outbox.js';
import { newMessageId } from '../../core/status.js';
import type { ParticipantDirectory } from '../../directory/participants.js';
import { ISO20022_ENDPOINT } from '../xml-outbox.js';
import { intradayReport, type AccountBalance } from './camt.js';
import { PerParticipantQueue, reportParties, type BankChannel } from './reporter.js';

/** A participant's accounts as PostgreSQL holds them (durable values), the hub's internal clearing account aside. */
export async function durableBalances(db: Queryable, participantId: number): Promise<AccountBalance[]> {
  const rows = await db.query<{ currency: string; ledger_account_type: string; value: string }>(
    `SELECT currency, ledger_account_type, value::text AS value FROM account
      WHERE participant_id = $1 AND ledger_account_type <> $2 ORDER BY currency, ledger_account_type`,
    [participantId, CLEARING],
  );
  return rows.rows.map((r) => ({ currency: r.currency, ledgerAccountType: r.ledger_account_type, value: parseLedger(r.value) }));
}

export class IntradayReports {
  private readonly queue: PerParticipantQueue;
  private readonly scheduledPending = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly directory: ParticipantDirectory,
    private readonly db: Queryable,
    private readonly banks: BankChannel,
    private readonly hubName: string,
    private readonly log: Logger,
  ) {
    this.queue = new PerParticipantQueue(log);
  }

  /** Queues a camt.052 for a bank: over `currencies`, or every currency it holds when none is named. Never throws. */
  request(participant: string, currencies: readonly string[] = []): void {
    this.queue.push(participant, 'camt.052', () => this.send(participant, currencies));
  }

  /** Builds the report from the durable balances and sends it; undefined when there is nothing to report. */
  async send(participant: string, currencies: readonly string[] = []): Promise<DeliveryResult | undefined> {
    const p = this.directory.registry.participant(participant);
    if (!p) return undefined;
    const balances = (await durableBalances(this.db, p.id)).filter((b) => currencies.length === 0 || currencies.includes(b.currency));
    if (balances.length === 0) return undefined;
    const now = new Date().toISOString();
    const message = intradayReport(balances, reportParties(this.directory, this.hubName, participant), {
      msgId: newMessageId(),
      now,
      reportIds: balances.map(() => newMessageId()),
    });
    const result = await this.banks.sendDocument(participant, { kind: 'camt.052', message });
    this.log.debug({ participant, kind: 'camt.052', ok: result.ok, status: result.status }, 'intraday report to a bank');
    return result;
  }

  /** The banks a scheduled run reports to: active, dialect iso20022-xml, with an ISO 20022 endpoint. */
  banksToReport(): string[] {
    return this.directory.registry
      .participants()
      .filter((p) => !p.isHub && p.isActive && this.directory.dialectOf(p.name) === 'iso20022-xml' && this.directory.endpoint(p.name, ISO20022_ENDPOINT))
      .map((p) => p.name);
  }

  /** One scheduled run: a report to every bank whose previous scheduled one has been delivered (or given up). */
  runOnce(): void {
    for (const name of this.banksToReport()) {
      if (this.scheduledPending.has(name)) continue;
      this.scheduledPending.add(name);
      this.queue.push(name, 'scheduled camt.052', () => this.send(name).finally(() => this.scheduledPending.delete(name)));
    }
  }

  /** Reports every `intervalMs` (0: never). */
  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => this.runOnce(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Everything queued so far has ended (tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }
}
