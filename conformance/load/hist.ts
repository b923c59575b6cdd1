// Bounded-memory latency histogram (HDR-like): logarithmic buckets 2 % wide from 1 µs to ~1000 s,
// plus exact count / sum / min / max and an exact count of values over 1 s. Mergeable and serialisable
// (sparse) so generator workers can ship interval histograms to the orchestrator.

const RATIO = 1.02;
const LOG_RATIO = Math.log(RATIO);
/** Buckets: index 0 = [0, 1 µs), index k ≥ 1 = [RATIO^(k-1), RATIO^k) µs. */
export const BUCKETS = 1 + Math.ceil(Math.log(1e9) / LOG_RATIO);
const OVER_US = 1_000_000;

export interface HistogramJson {
  n: number;
  sum: number;
  min: number;
  max: number;
  over1s: number;
  /** Sparse buckets: [index, count, index, count, …]. */
  b: number[];
}

export class Histogram {
  counts = new Float64Array(BUCKETS);
  n = 0;
  sum = 0;
  min = Infinity;
  max = 0;
  over1s = 0;

  /** Record a latency in milliseconds (fractional). */
  recordMs(ms: number): void {
    this.recordUs(ms * 1000);
  }

  recordUs(us: number): void {
    if (!(us >= 0)) us = 0;
    let idx = us < 1 ? 0 : 1 + Math.floor(Math.log(us) / LOG_RATIO);
    if (idx >= BUCKETS) idx = BUCKETS - 1;
    this.counts[idx]! += 1;
    this.n += 1;
    this.sum += us;
    if (us < this.min) this.min = us;
    if (us > this.max) this.max = us;
    if (us > OVER_US) this.over1s += 1;
  }

  /** Count a value known to be over 1 s without a precise latency (e.g. a timeout): `us` is a lower bound. */
  recordTimeoutUs(us: number): void {
    this.recordUs(Math.max(us, OVER_US + 1));
  }

  merge(other: Histogram | HistogramJson): void {
    if (other instanceof Histogram) {
      for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    } else {
      for (let i = 0; i + 1 < other.b.length; i += 2) this.counts[other.b[i]!]! += other.b[i + 1]!;
    }
    this.n += other.n;
    this.sum += other.sum;
    if (other.n > 0) {
      this.min = Math.min(this.min, other.min);
      this.max = Math.max(this.max, other.max);
    }
    this.over1s += other.over1s;
  }

  reset(): void {
    this.counts.fill(0);
    this.n = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = 0;
    this.over1s = 0;
  }

  /** Percentile (0..100) in milliseconds: upper edge of the bucket holding it (≤ 2 % high), capped at max. */
  percentileMs(p: number): number {
    if (this.n === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.n));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const upperUs = i === 0 ? 1 : Math.pow(RATIO, i);
        return Math.min(upperUs, this.max) / 1000;
      }
    }
    return this.max / 1000;
  }

  meanMs(): number {
    return this.n === 0 ? NaN : this.sum / this.n / 1000;
  }

  maxMs(): number {
    return this.n === 0 ? NaN : this.max / 1000;
  }

  shareOver1s(): number {
    return this.n === 0 ? 0 : this.over1s / this.n;
  }

  toJSON(): HistogramJson {
    const b: number[] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) b.push(i, this.counts[i]!);
    return { n: this.n, sum: this.sum, min: this.n ? this.min : 0, max: this.max, over1s: this.over1s, b };
  }

  static fromJSON(j: HistogramJson): Histogram {
    const h = new Histogram();
    h.merge(j);
    return h;
  }
}

/** p50/p95/p99/max (ms) and share over 1 s of a histogram, for reports. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  over1s: number;
  shareOver1s: number;
}

export function summarise(h: Histogram): LatencySummary {
  return {
    count: h.n,
    p50: h.percentileMs(50),
    p95: h.percentileMs(95),
    p99: h.percentileMs(99),
    max: h.maxMs(),
    mean: h.meanMs(),
    over1s: h.over1s,
    shareOver1s: h.shareOver1s(),
  };
}
