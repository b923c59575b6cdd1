/**
 * Closes the OPEN settlement window on a schedule (MIZANI_SETTLEMENT_WINDOW_CLOSE_INTERVAL_S; off by default): an
 * empty window is left open, a close the ledger cannot take now is tried again at the next tick.
 */
import type { Logger } from 'pino';
import { isDomainError } from '../../../schemas/outcomes.js';
import type { SettlementService } from './service.js';

export class WindowSchedule {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly settlement: SettlementService,
    private readonly log: Logger,
  ) {}

  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Closes the open window if it holds anything; returns the window opened, if one was. */
  async tick(): Promise<number | undefined> {
    const [open] = await this.settlement.windows({ state: 'OPEN' });
    if (!open) return undefined;
    try {
      const opened = await this.settlement.closeWindow(open.id, 'scheduled close');
      this.log.info({ closed: open.id, opened: opened.id }, 'settlement window closed on schedule');
      return opened.id;
    } catch (err) {
      if (isDomainError(err) && err.outcome === 'SETTLEMENT_WINDOW_EMPTY') return undefined;
      this.log.warn({ err, window: open.id }, 'scheduled settlement window close failed; trying again at the next tick');
      return undefined;
    }
  }
}
