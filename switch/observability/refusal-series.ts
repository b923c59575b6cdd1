/**
 * Refusals over time, in this process: participants' requests (the FSPIOP API and the banks' XML edge on its port)
 * answered with an HTTP error status, counted per 10-second slot in a ring of 24 hours. The database does not hold
 * them (a refused request writes nothing), and Prometheus' `mizani_http_requests_total` is a running total a
 * scraper turns into a rate; this keeps the same count as a series the Admin API can serve (`GET /stats/series`).
 * Each node counts its own requests, as its metrics do.
 */
export const SLOT_SECONDS = 10;
const SLOTS = (24 * 3600) / SLOT_SECONDS;

export class RefusalSeries {
  /** Slot number (epoch seconds / SLOT_SECONDS) each ring cell counts for; -1: never used. */
  private readonly slotOf = new Float64Array(SLOTS).fill(-1);
  private readonly counts = new Uint32Array(SLOTS);
  /** When counting began: slots before it are unknown, not zero. */
  readonly since: number;

  constructor(private readonly now: () => number = Date.now) {
    this.since = now();
  }

  /** One answered request; counts it when its status is an error. */
  answered(status: number): void {
    if (status < 400) return;
    const slot = Math.floor(this.now() / 1000 / SLOT_SECONDS);
    const cell = slot % SLOTS;
    if (this.slotOf[cell] !== slot) {
      this.slotOf[cell] = slot;
      this.counts[cell] = 0;
    }
    this.counts[cell]! += 1;
  }

  /**
   * Refusals from `fromMs` (inclusive) to `toMs` (exclusive), both multiples of SLOT_SECONDS seconds; null when that
   * time lies before counting began or further back than the ring holds.
   */
  between(fromMs: number, toMs: number): number | null {
    const oldest = Math.floor(this.now() / 1000 / SLOT_SECONDS) - SLOTS + 1;
    const first = Math.floor(fromMs / 1000 / SLOT_SECONDS);
    if (first < oldest || toMs <= this.since) return null;
    let total = 0;
    for (let slot = first; slot * SLOT_SECONDS * 1000 < toMs; slot++) {
      const cell = slot % SLOTS;
      if (this.slotOf[cell] === slot) total += this.counts[cell]!;
    }
    return total;
  }
}
