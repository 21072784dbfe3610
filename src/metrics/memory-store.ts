import { bucketIndex, bucketRange } from "./buckets.js";
import { combineBuckets } from "./periods.js";
import { SeriesTable } from "./series-table.js";
import type {
  Aggregate,
  CustomMetricsWriter,
  CustomSample,
  Datapoint,
  ListFilter,
  MetricId,
  MetricPage,
  MetricsReader,
  MetricsWriter,
  SeriesLimitRefusal,
  StatisticsQuery,
} from "./types.js";

export interface MemoryMetricsOptions {
  /** Real milliseconds per bucket: timeScale.ms(metricResolutionSeconds). */
  bucketMs: number;
  /** Buckets older than this (relative to the newest sample written) are dropped; unbounded when left out. */
  retentionMs?: number;
  /** The most series recordCustom may create (limits.maxCustomMetricSeries); unbounded when left out. */
  maxCustomSeries?: number;
}

/**
 * Metrics in memory, for the simulator and unit tests. Retention is driven by the data's own time
 * (the newest sample), so a virtual clock needs no timer: pruning runs as samples move into new buckets.
 */
export class MemoryMetricsStore implements MetricsReader, MetricsWriter, CustomMetricsWriter {
  readonly bucketMs: number;
  readonly #table: SeriesTable;
  readonly #maxCustomSeries: number;
  readonly #retentionBuckets: number;
  readonly #pruneEvery: number;
  #newestIndex = -Infinity;
  #prunedAt = -Infinity;

  constructor(options: MemoryMetricsOptions) {
    this.bucketMs = options.bucketMs;
    this.#table = new SeriesTable(options.bucketMs);
    this.#maxCustomSeries = options.maxCustomSeries ?? Infinity;
    this.#retentionBuckets = options.retentionMs === undefined ? Infinity : Math.max(1, Math.ceil(options.retentionMs / options.bucketMs));
    this.#pruneEvery = Number.isFinite(this.#retentionBuckets) ? Math.max(1, Math.floor(this.#retentionBuckets / 10)) : Infinity;
  }

  record(metric: MetricId, value: number, atMs: number, unit?: string): void {
    const state = this.#table.add(metric, value, atMs, unit);
    if (state.lastIndex > this.#newestIndex) this.#advance(state.lastIndex);
  }

  recordAggregate(metric: MetricId, aggregate: Aggregate, atMs: number, unit?: string): void {
    if (aggregate.count <= 0) return;
    const state = this.#table.addAggregate(metric, aggregate, atMs, unit);
    if (state.lastIndex > this.#newestIndex) this.#advance(state.lastIndex);
  }

  recordCustom(samples: CustomSample[]): SeriesLimitRefusal | undefined {
    const recorded = samples.filter((s) => s.aggregate.count > 0);
    const refusal = this.#table.admitCustom(
      recorded.map((s) => s.metric),
      this.#maxCustomSeries,
    );
    if (refusal) return refusal;
    for (const s of recorded) {
      const state =
        s.single !== undefined && s.aggregate.count === 1
          ? this.#table.add(s.metric, s.single, s.atMs, s.unit, true)
          : this.#table.addAggregate(s.metric, s.aggregate, s.atMs, s.unit, true);
      if (state.lastIndex > this.#newestIndex) this.#advance(state.lastIndex);
    }
    return undefined;
  }

  statistics(query: StatisticsQuery): Datapoint[] {
    const state = this.#table.find(query.metric);
    if (!state) return [];
    const { from, to } = bucketRange(this.bucketMs, query.startMs, query.endMs);
    const selected: [number, Aggregate][] = [];
    for (const entry of state.buckets) if (entry[0] >= from && entry[0] < to) selected.push(entry);
    selected.sort((a, b) => a[0] - b[0]);
    return combineBuckets(selected, this.bucketMs, query);
  }

  listMetrics(filter: ListFilter): MetricId[] {
    const since = filter.activeSinceMs === undefined ? -Infinity : bucketIndex(filter.activeSinceMs, this.bucketMs);
    return this.#table.list(filter, since).found.map((s) => s.id);
  }

  listPage(filter: ListFilter): MetricPage {
    const since = filter.activeSinceMs === undefined ? -Infinity : bucketIndex(filter.activeSinceMs, this.bucketMs);
    const { found, stoppedAt } = this.#table.list(filter, since);
    return { metrics: found.map((s) => s.id), stoppedAt };
  }

  unitOf(metric: MetricId): string | undefined {
    return this.#table.find(metric)?.unit;
  }

  /** Drops buckets older than the retention before nowMs. */
  prune(nowMs: number): void {
    if (!Number.isFinite(this.#retentionBuckets)) return;
    this.#table.pruneBefore(bucketIndex(nowMs, this.bucketMs) - this.#retentionBuckets);
  }

  #advance(index: number): void {
    this.#newestIndex = index;
    if (index - this.#prunedAt < this.#pruneEvery) return;
    this.#prunedAt = index;
    this.#table.pruneBefore(index - this.#retentionBuckets);
  }
}
