import type { RequestObserver, RequestOutcome, RequestTarget } from "../router/observer.js";

/** Bins grow by 25%: a percentile read off them is within 12% of the true value. */
const growth = 1.25;
const smallestMs = 0.05;
const bins = 96;
const logGrowth = Math.log(growth);

/** Requests that never reached a copy have no latency to count. */
const unserved = new Set<RequestOutcome>(["no_capacity", "throttled", "client_closed"]);

/**
 * Latency percentiles per component and time bucket, for the console's charts: the metric store keeps
 * sums, counts, minima and maxima (as CloudWatch's basic statistics), from which no percentile follows.
 * A log histogram per bucket; the last `keepBuckets` buckets of each component are kept.
 */
export class LatencyHistograms implements RequestObserver {
  readonly #byComponent = new Map<string, Map<number, Uint32Array>>();

  constructor(
    readonly bucketMs: number,
    readonly now: () => number,
    readonly keepBuckets = 360,
  ) {}

  requestStarted(): void {}

  requestFinished(target: RequestTarget, outcome: RequestOutcome, modelMs: number, overheadMs: number): void {
    if (target.componentName === undefined || unserved.has(outcome)) return;
    const bucket = Math.floor(this.now() / this.bucketMs) * this.bucketMs;
    let buckets = this.#byComponent.get(target.componentName);
    if (!buckets) this.#byComponent.set(target.componentName, (buckets = new Map()));
    let histogram = buckets.get(bucket);
    if (!histogram) {
      buckets.set(bucket, (histogram = new Uint32Array(bins)));
      const oldest = bucket - this.keepBuckets * this.bucketMs;
      for (const start of buckets.keys()) if (start <= oldest) buckets.delete(start);
    }
    histogram[binOf(modelMs + overheadMs)]!++;
  }

  /** The q-quantile (0..1) of the bucket starting at bucketStart, in ms; null when it saw no request. */
  quantile(component: string, bucketStart: number, q: number): number | null {
    const histogram = this.#byComponent.get(component)?.get(bucketStart);
    if (!histogram) return null;
    const total = histogram.reduce((sum, n) => sum + n, 0);
    let seen = 0;
    for (let i = 0; i < bins; i++) {
      seen += histogram[i]!;
      if (seen >= q * total) return upperMs(i) / Math.sqrt(growth);
    }
    return null;
  }
}

function binOf(ms: number): number {
  if (!(ms > smallestMs)) return 0;
  return Math.min(bins - 1, Math.ceil(Math.log(ms / smallestMs) / logGrowth));
}

function upperMs(bin: number): number {
  return smallestMs * growth ** bin;
}
