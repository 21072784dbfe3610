import { bucketMidpoint } from "./buckets.js";
import { MemoryMetricsStore } from "./memory-store.js";
import { namespaces } from "./sagemaker-metrics.js";
import { seriesKey, type Aggregate, type MetricId, type MetricsReader, type ReadScope } from "./types.js";

/** One replica's raw buckets of one series: what replicas send each other. */
export interface RawSeries {
  metric: MetricId;
  unit?: string;
  /** [bucket index, aggregate], ascending. */
  buckets: [number, Aggregate][];
}

/** One replica's part of a gathered read. */
export interface ReplicaPart {
  replicaId: string;
  series: RawSeries[];
}

/** The raw buckets a reader holds for the scope (one datapoint per bucket). */
export function rawSeries(reader: MetricsReader, bucketMs: number, scope: ReadScope): RawSeries[] {
  return scope.metrics.map((metric) => ({
    metric,
    unit: reader.unitOf?.(metric),
    buckets: reader
      .statistics({ metric, statistic: "Sum", periodMs: bucketMs, startMs: scope.startMs, endMs: scope.endMs })
      .map((p) => [Math.round(p.timestamp / bucketMs), p.aggregate] as [number, Aggregate]),
  }));
}

const berthNamespaces = new Set<string>(Object.values(namespaces));
/** Every replica samples each copy's in-flight requests from its own router: a copy's load is the sum of the replicas' averages. */
const summedGauges = new Set(["ConcurrentRequestsPerCopy", "ConcurrentRequestsPerModel"]);
/** Recorded from the store or the copies' processes, the same on every replica: counted once. */
const sameOnEveryReplica = new Set([
  "DesiredCopyCount",
  "CurrentCopyCount",
  "CPUReservation",
  "GPUReservation",
  "MemoryReservation",
  "CPUUtilizationNormalized",
  "MemoryUtilizationNormalized",
]);

type MergeRule = "samples" | "gauge" | "once";

function ruleOf(metric: MetricId): MergeRule {
  if (!berthNamespaces.has(metric.namespace)) return "samples";
  if (summedGauges.has(metric.name)) return "gauge";
  return sameOnEveryReplica.has(metric.name) ? "once" : "samples";
}

/**
 * Merges the replicas' buckets series by series, bucket by bucket: request metrics and PutMetricData
 * samples add up (sum, count, min, max are exact); concurrency adds the replicas' averages (Average is
 * the summed load, SampleCount one replica's samples, Minimum/Maximum the sums of theirs: bounds);
 * store-derived metrics are taken from the first replica by id. Parts must be given in replica id order,
 * so every replica merges the same figures.
 */
export function mergeReplicaParts(parts: ReplicaPart[], bucketMs: number): MetricsReader {
  const merged = new MemoryMetricsStore({ bucketMs });
  const bySeries = new Map<string, { metric: MetricId; unit?: string; buckets: Map<number, Aggregate[]> }>();
  for (const part of [...parts].sort((a, b) => (a.replicaId < b.replicaId ? -1 : a.replicaId > b.replicaId ? 1 : 0))) {
    for (const series of part.series) {
      const key = seriesKey(series.metric);
      let entry = bySeries.get(key);
      if (!entry) bySeries.set(key, (entry = { metric: series.metric, unit: series.unit, buckets: new Map() }));
      entry.unit ??= series.unit;
      for (const [index, aggregate] of series.buckets) {
        const list = entry.buckets.get(index);
        if (list) list.push(aggregate);
        else entry.buckets.set(index, [aggregate]);
      }
    }
  }
  for (const { metric, unit, buckets } of bySeries.values()) {
    const rule = ruleOf(metric);
    for (const [index, aggregates] of [...buckets].sort((a, b) => a[0] - b[0]))
      merged.recordAggregate(metric, combine(rule, aggregates), bucketMidpoint(index, bucketMs), unit);
  }
  return merged;
}

function combine(rule: MergeRule, aggregates: Aggregate[]): Aggregate {
  if (rule === "once") return { ...aggregates[0]! };
  if (rule === "gauge") {
    const count = Math.max(...aggregates.map((a) => a.count));
    const average = aggregates.reduce((total, a) => total + a.sum / a.count, 0);
    return {
      sum: average * count,
      count,
      min: aggregates.reduce((t, a) => t + a.min, 0),
      max: aggregates.reduce((t, a) => t + a.max, 0),
    };
  }
  return aggregates.reduce((t, a) => ({ sum: t.sum + a.sum, count: t.count + a.count, min: Math.min(t.min, a.min), max: Math.max(t.max, a.max) }));
}

/** Where replicas ask each other for their raw metric buckets. */
export const internalMetricPaths = { data: "/berth/v1/internal/metric-data", list: "/berth/v1/internal/list-metrics" } as const;
