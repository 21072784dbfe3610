import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { LatencyHistograms } from "../../src/console/latency.js";

const target = { endpointName: "e", variantName: "AllTraffic", componentName: "c" };

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe("the console's latency percentiles", () => {
  it("are within 12% of the exact percentile of the bucket's requests", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.1, max: 600_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(0.5, 0.99),
        (latencies, q) => {
          const histograms = new LatencyHistograms(10_000, () => 25_000);
          for (const ms of latencies) histograms.requestFinished(target, "ok", ms * 0.9, ms * 0.1);
          const exact = exactQuantile(
            [...latencies].sort((a, b) => a - b),
            q,
          );
          const estimate = histograms.quantile("c", 20_000, q)!;
          assert.ok(Math.abs(estimate - exact) <= 0.12 * exact, `p${q * 100}: ${estimate} for ${exact}`);
        },
      ),
    );
  });

  it("count only requests a copy served, per bucket, and forget buckets past the kept window", () => {
    let now = 0;
    const histograms = new LatencyHistograms(1000, () => now, 3);
    histograms.requestFinished(target, "no_capacity", 0, 5000);
    assert.equal(histograms.quantile("c", 0, 0.5), null, "a request no copy served has no latency");
    histograms.requestFinished(target, "model_5xx", 40, 2);
    assert.ok(histograms.quantile("c", 0, 0.5)! > 30);
    now = 5000;
    histograms.requestFinished(target, "ok", 10, 1);
    assert.equal(histograms.quantile("c", 0, 0.5), null, "the first bucket is past the 3 kept");
    assert.equal(histograms.quantile("other", 5000, 0.5), null);
  });
});
