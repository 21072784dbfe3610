/**
 * Latencies in logarithmic buckets 1% wide from 1 ms to about 3 hours: one Math.log per request, no
 * allocation, and quantiles within 1% of the exact value. Deterministic, so reports repeat byte for byte.
 */
export class LatencyHistogram {
  static readonly lowMs = 1;
  static readonly growth = 1.01;
  static readonly buckets = 1700;
  readonly counts = new Float64Array(LatencyHistogram.buckets);
  total = 0;
  readonly #logGrowth = Math.log(LatencyHistogram.growth);

  add(seconds: number): void {
    const ms = seconds * 1000;
    let b = 0;
    if (ms > LatencyHistogram.lowMs) {
      b = 1 + Math.floor(Math.log(ms / LatencyHistogram.lowMs) / this.#logGrowth);
      if (b >= LatencyHistogram.buckets) b = LatencyHistogram.buckets - 1;
    }
    this.counts[b]++;
    this.total++;
  }

  merge(other: LatencyHistogram): void {
    for (let b = 0; b < this.counts.length; b++) this.counts[b] += other.counts[b];
    this.total += other.total;
  }

  /** Upper edge of bucket b in milliseconds. */
  static upperMs(b: number): number {
    return LatencyHistogram.lowMs * LatencyHistogram.growth ** b;
  }

  /** The q-quantile (0–1) in milliseconds, as the geometric middle of its bucket; NaN when empty. */
  quantileMs(q: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b];
      if (seen >= rank) return b === 0 ? LatencyHistogram.lowMs : LatencyHistogram.upperMs(b) / Math.sqrt(LatencyHistogram.growth);
    }
    return LatencyHistogram.upperMs(this.counts.length - 1);
  }

  /** The cumulative distribution at each non-empty bucket's upper edge: [ms, fraction ≤ ms]. */
  cdf(): [number, number][] {
    const out: [number, number][] = [];
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      if (this.counts[b] === 0) continue;
      seen += this.counts[b];
      out.push([LatencyHistogram.upperMs(b), seen / this.total]);
    }
    return out;
  }
}
