import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryMetricsStore } from "../../src/metrics/memory-store.js";
import { mergeReplicaParts, rawSeries } from "../../src/metrics/replica-merge.js";
import { componentMetric, namespaces } from "../../src/metrics/sagemaker-metrics.js";
import { metricId, type MetricId } from "../../src/metrics/types.js";

const bucketMs = 100;
const invocations = componentMetric(namespaces.invocations, "Invocations", "ic-a");
const concurrency = componentMetric(namespaces.invocations, "ConcurrentRequestsPerCopy", "ic-a");
const desired = componentMetric(namespaces.invocations, "DesiredCopyCount", "ic-a");
const custom = metricId("Team/Custom", "QueueDepth", { Queue: "q" });

function replica(samples: [MetricId, number, number][]) {
  const store = new MemoryMetricsStore({ bucketMs });
  for (const [metric, value, at] of samples) store.record(metric, value, at, "None");
  return store;
}

const scope = { metrics: [invocations, concurrency, desired, custom], startMs: 0, endMs: 1000 };

describe("metrics merged over replicas", () => {
  const a = replica([
    [invocations, 1, 10],
    [invocations, 1, 20],
    [invocations, 0, 150],
    [concurrency, 2, 10],
    [concurrency, 4, 20],
    [desired, 3, 50],
    [custom, 7, 30],
  ]);
  const b = replica([
    [invocations, 1, 30],
    [invocations, 1, 160],
    [concurrency, 1, 15],
    [concurrency, 1, 25],
    [desired, 3, 50],
    [custom, 2, 40],
  ]);
  const merged = (order: string[]) =>
    mergeReplicaParts(
      order.map((id) => ({ replicaId: id, series: rawSeries(id === "a" ? a : b, bucketMs, scope) })),
      bucketMs,
    );
  const read = (metric: MetricId, statistic: "Sum" | "Average" | "SampleCount" | "Maximum") =>
    merged(["a", "b"]).statistics({ metric, statistic, periodMs: 200, startMs: 0, endMs: 200 })[0]?.value;

  it("add request counts and custom samples exactly", () => {
    assert.equal(read(invocations, "Sum"), 4);
    assert.equal(read(invocations, "SampleCount"), 5);
    assert.equal(read(custom, "Sum"), 9);
    assert.equal(read(custom, "Maximum"), 7);
  });

  it("sum the replicas' average concurrency, since each samples its own router's in-flight requests", () => {
    assert.equal(read(concurrency, "Average"), 3 + 1);
  });

  it("count store-derived figures once, not once per replica", () => {
    assert.equal(read(desired, "Average"), 3);
    assert.equal(read(desired, "SampleCount"), 1);
  });

  it("give the same figures whichever replica merges", () => {
    for (const metric of scope.metrics) {
      const query = { metric, statistic: "Sum" as const, periodMs: 100, startMs: 0, endMs: 1000 };
      assert.deepEqual(merged(["a", "b"]).statistics(query), merged(["b", "a"]).statistics(query));
    }
  });
});
