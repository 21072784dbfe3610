/**
 * Metrics as CloudWatch models them: a namespace, a name and dimensions identify a series; each series
 * holds aggregates (sum, count, min, max) per fixed time bucket. Interfaces only: the SQLite store, the
 * in-memory store of the simulator and the tests all implement them.
 */
export interface Dimension {
  Name: string;
  Value: string;
}

export interface MetricId {
  namespace: string;
  name: string;
  /** Sorted by Name; two ids with the same dimensions in another order are the same series. */
  dimensions: Dimension[];
}

export interface Aggregate {
  sum: number;
  count: number;
  min: number;
  max: number;
}

export type Statistic = "Sum" | "Average" | "Minimum" | "Maximum" | "SampleCount";

export interface StatisticsQuery {
  metric: MetricId;
  statistic: Statistic;
  /** Real milliseconds per datapoint. */
  periodMs: number;
  /** Inclusive start, exclusive end, epoch ms; datapoints are aligned to multiples of periodMs. */
  startMs: number;
  endMs: number;
}

export interface Datapoint {
  /** Start of the period, epoch ms. */
  timestamp: number;
  value: number;
  aggregate: Aggregate;
}

/** What ListMetrics asks of a store: all given fields must match; dimensions as a subset. */
export interface ListFilter {
  namespace?: string;
  name?: string;
  dimensions?: { Name: string; Value?: string }[];
  /** Only series written to since (epoch ms). */
  activeSinceMs?: number;
  /** Only series whose seriesKey sorts after this one (the page a NextToken continues from). */
  after?: string;
  /** At most this many series (the first ones in seriesKey order); all when left out. */
  limit?: number;
  /** Look at no more than this many series (matching or not); all when left out. */
  examine?: number;
}

/**
 * One page of a listing. stoppedAt is set when the store stopped before the end (it found filter.limit
 * series, or looked at filter.examine): series whose keys sort after it were not looked at.
 */
export interface MetricPage {
  metrics: MetricId[];
  stoppedAt?: string;
}

/** Why a store refused a caller's samples: they would take its custom series past the limit. */
export interface SeriesLimitRefusal {
  /** The most custom series the store holds. */
  limit: number;
  /** Custom series it holds now (a long series counts several: series-table.ts's limitShare). */
  held: number;
  /** What the new series the refused samples would have created count. */
  adding: number;
}

/** One of a caller's own samples (PutMetricData): one value, or pre-aggregated samples. */
export interface CustomSample {
  metric: MetricId;
  atMs: number;
  unit?: string;
  aggregate: Aggregate;
  /** The value when the sample is one value (aggregate holds it too). */
  single?: number;
}

export interface MetricsReader {
  /** Datapoints for the periods that have data, oldest first. */
  statistics(query: StatisticsQuery): Datapoint[];
  /** Series matching the filter, in seriesKey order. */
  listMetrics(filter: ListFilter): MetricId[];
  /** The same, as a page: with filter.limit and filter.examine the work is bounded, and stoppedAt says where it ended. */
  listPage(filter: ListFilter): MetricPage;
  /** The unit the series was last recorded with (undefined: none given). */
  unitOf?(metric: MetricId): string | undefined;
}

export interface MetricsWriter {
  /** Adds one sample to the bucket holding atMs. */
  record(metric: MetricId, value: number, atMs: number, unit?: string): void;
  /** Adds pre-aggregated samples to the bucket holding atMs. */
  recordAggregate?(metric: MetricId, aggregate: Aggregate, atMs: number, unit?: string): void;
}

/**
 * Where a caller's own samples (PutMetricData) go. Unlike record and recordAggregate (Berth's own metrics,
 * never refused and never counted), the series they create count against a limit, and a call that would
 * pass it records nothing.
 */
export interface CustomMetricsWriter {
  /** Records every sample, or none and returns the refusal when their new series would not fit under the limit. */
  recordCustom(samples: CustomSample[]): SeriesLimitRefusal | undefined;
}

export function metricId(namespace: string, name: string, dimensions: Record<string, string>): MetricId {
  return {
    namespace,
    name,
    dimensions: Object.entries(dimensions)
      .map(([Name, Value]) => ({ Name, Value }))
      .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)),
  };
}

export function seriesKey(metric: MetricId): string {
  return `${metric.namespace}\u0000${metric.name}\u0000${metric.dimensions.map((d) => `${d.Name}=${d.Value}`).join("\u0000")}`;
}

/** What a read will ask for, so a reader whose data lies in several places fetches only that. */
export interface ReadScope {
  metrics: MetricId[];
  /** Epoch ms, [startMs, endMs): every bucket a read in the scope may touch. */
  startMs: number;
  endMs: number;
}

/** A reader over data held in several places (server replicas): gather first, then read synchronously. */
export interface GatheringReader extends MetricsReader {
  gather(scope: ReadScope): Promise<MetricsReader>;
  listAcross(filter: ListFilter): Promise<MetricPage>;
}

/** The reader to use for reads in the scope: the gathered one where the data lies in several places. */
export function gathered(reader: MetricsReader, scope: ReadScope): Promise<MetricsReader> {
  const gathering = reader as Partial<GatheringReader>;
  return gathering.gather ? gathering.gather(scope) : Promise.resolve(reader);
}

/** ListMetrics over every place the data lies. */
export function listedAcross(reader: MetricsReader, filter: ListFilter): Promise<MetricPage> {
  const gathering = reader as Partial<GatheringReader>;
  return gathering.listAcross ? gathering.listAcross(filter) : Promise.resolve(reader.listPage(filter));
}
