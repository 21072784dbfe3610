/**
 * Latencies in log-linear buckets read straight from the float's bits (as HdrHistogram does): the
 * exponent and the top 7 bits of the mantissa, so 128 buckets per doubling, each at most 0.8% wide,
 * from about 1 µs to 4.6 hours. No Math.log and no allocation per request; quantiles are within 0.4%
 * of the exact value, and the same inputs always give the same counts.
 */
const scratch = new Float64Array(1);
const high = new Uint32Array(scratch.buffer, 4, 1);
const subBits = 7;
const shift = 20 - subBits;
/** Exponent field of 2^-10 ms (≈ 1 µs) and 2^24 ms (≈ 4.6 h). */
const lowExponent = 1023 - 10;
const highExponent = 1023 + 24;
const first = lowExponent << subBits;
const bucketCount = (highExponent - lowExponent) << subBits;

export class LatencyHistogram {
  readonly counts = new Float64Array(bucketCount);
  total = 0;

  add(seconds: number): void {
    // A negative latency would land in the top bucket (its sign bit reads as a huge exponent) unnoticed.
    if (!(seconds >= 0)) throw new Error(`simulator: a request's latency came out as ${seconds} s; latencies are never negative`);
    scratch[0] = seconds * 1000;
    let b = (high[0] >>> shift) - first;
    if (b < 0) b = 0;
    else if (b >= bucketCount) b = bucketCount - 1;
    this.counts[b]++;
    this.total++;
  }

  merge(other: LatencyHistogram): void {
    for (let b = 0; b < this.counts.length; b++) this.counts[b] += other.counts[b];
    this.total += other.total;
  }

  /** Lower edge of bucket b in milliseconds. */
  static lowerMs(b: number): number {
    const exponent = ((b + first) >>> subBits) - 1023;
    const mantissa = (b + first) & ((1 << subBits) - 1);
    return 2 ** exponent * (1 + mantissa / (1 << subBits));
  }

  static upperMs(b: number): number {
    return LatencyHistogram.lowerMs(b + 1);
  }

  /**
   * The q-quantile (0–1) in milliseconds, as the middle of its bucket; NaN when empty. `unanswered`
   * requests (failed ones) count as never answered, at +∞: a quantile that falls among them is Infinity.
   */
  quantileMs(q: number, unanswered = 0): number {
    const all = this.total + unanswered;
    if (all === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * all));
    if (rank > this.total) return Infinity;
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b];
      if (seen >= rank) return (LatencyHistogram.lowerMs(b) + LatencyHistogram.upperMs(b)) / 2;
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
