/**
 * The expiry sweep: every `intervalMs` it finds the reserved transfers past their expiration and publishes one expire
 * command per transfer, keyed by its payer. The transfer worker aborts it and tells payer and payee; the sweep itself
 * changes nothing. Bulks past their expiration that are not final get an expire command too (their payer's owner
 * completes one once no line is reserved).
 */
import type { Logger } from 'pino';
import type { LedgerReader } from '../../ledger/reader.js';
import type { Bus } from '../bus/bus.js';
import { bulkTopics, fxTopics, transferTopics } from './topics.js';

/** Bulks not final past their expiration (ledger/bulk-transfers.ts). */
export interface OpenBulks {
  openPastExpiration(before: string): Promise<{ id: string; payer: string }[]>;
}

/**
 * How long after its expiration a bulk that is not final is swept: its lines' own expiry completes it first; the sweep
 * finishes one whose lines never reached the ledger (a failure between the bulk's record and its reservations).
 */
const BULK_SWEEP_GRACE_MS = 5_000;

export class ExpirySweep {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly ledger: LedgerReader,
    private readonly bus: Bus,
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly bulks?: OpenBulks,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep().catch((err) => this.log.error({ err }, 'expiry sweep failed')), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Publishes an expire command for every reserved transfer due at `now`; how many. */
  async sweep(now = Date.now()): Promise<number> {
    if (!this.ledger.available) return 0;
    const expired = this.ledger.expired(now);
    const due = expired.filter((t) => t.kind === 'TRANSFER');
    // Keyed by the position the transfer reserved on: the payer's, or for a payer of another scheme its proxy's.
    await Promise.all(due.map((t) => this.bus.request(transferTopics.expire, t.debtor, { transferId: t.id, now })));
    // A conversion whose dependent transfer is reserved ends with it: its worker leaves it alone (docs/fx.md).
    const conversions = expired.filter((t) => t.kind === 'FX_TRANSFER');
    await Promise.all(conversions.map((t) => this.bus.request(fxTopics.expire, t.payer, { commitRequestId: t.id, now })));
    if (this.bulks) {
      const stale = await this.bulks.openPastExpiration(new Date(now - BULK_SWEEP_GRACE_MS).toISOString());
      await Promise.all(stale.map((b) => this.bus.request(bulkTopics.expire, b.payer, { bulkTransferId: b.id, now })));
    }
    return due.length;
  }
}
