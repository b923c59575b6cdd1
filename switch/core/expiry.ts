/**
 * The expiry sweep: every `intervalMs` it finds the reserved transfers past their expiration and publishes one expire
 * command per transfer, keyed by its payer. The transfer worker aborts it and tells payer and payee; the sweep itself
 * changes nothing.
 */
import type { Logger } from 'pino';
import type { LedgerReader } from '../../ledger/reader.js';
import type { Bus } from '../bus/bus.js';
import { transferTopics } from './topics.js';

export class ExpirySweep {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly ledger: LedgerReader,
    private readonly bus: Bus,
    private readonly intervalMs: number,
    private readonly log: Logger,
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
    const due = this.ledger.expired(now).filter((t) => t.kind === 'TRANSFER');
    await Promise.all(due.map((t) => this.bus.request(transferTopics.expire, t.payer, { transferId: t.id, now })));
    return due.length;
  }
}
