import { cloudWatchErrors } from "../../domain/errors/cloudwatch.js";
import { statisticValue } from "../../metrics/aggregate.js";
import { runQueries, type MetricDataQuery } from "../../metrics/metric-data.js";
import { checkStatistic, unitMatches } from "../../metrics/resolution.js";
import { canonicalId } from "../../metrics/series-table.js";
import { seriesKey, type Aggregate, type MetricId, type Statistic } from "../../metrics/types.js";
import { compact, time } from "../output.js";
import type { CloudWatchDeps } from "./deps.js";
import { checkDimensions, checkPeriod, timeRange, type DimensionsInput } from "./metric-input.js";
import { decodeToken, encodeToken, fingerprint } from "./tokens.js";

/** CloudWatch's limit on datapoints per GetMetricStatistics call. */
export const maxStatisticsDatapoints = 1440;
const listMetricsPageSize = 500;
const maxMetricData = 1000;
const maxValuesPerDatum = 150;

export interface GetMetricStatisticsInput {
  Namespace: string;
  MetricName: string;
  Dimensions?: { Name: string; Value: string }[];
  StartTime: number;
  EndTime: number;
  Period: number;
  Statistics?: string[];
  ExtendedStatistics?: string[];
  Unit?: string;
}

export async function getMetricStatistics(deps: CloudWatchDeps, input: GetMetricStatisticsInput) {
  if (input.ExtendedStatistics?.length) throw cloudWatchErrors.extendedStatisticUnsupported("ExtendedStatistics", input.ExtendedStatistics[0]!);
  if (!input.Statistics?.length) throw cloudWatchErrors.statisticsRequired();
  const statistics = input.Statistics.map((s) => {
    const checked = checkStatistic(s);
    if (!checked.ok) throw cloudWatchErrors.unknownStatistic("Statistics", s);
    return checked.statistic;
  });
  checkPeriod(input.Period);
  checkDimensions(input.Dimensions, "Dimensions");
  const periodMs = deps.timeScale.ms(input.Period);
  const range = timeRange(input.StartTime, input.EndTime);
  const startMs = Math.floor(range.startMs / periodMs) * periodMs;
  const requested = Math.ceil((range.endMs - startMs) / periodMs);
  if (requested > maxStatisticsDatapoints) throw cloudWatchErrors.tooManyDatapoints(requested, maxStatisticsDatapoints);
  const metric: MetricId = { namespace: input.Namespace, name: input.MetricName, dimensions: input.Dimensions ?? [] };
  const unit = deps.reader.unitOf?.(metric);
  if (!unitMatches(unit, input.Unit)) return { Label: input.MetricName, Datapoints: [] };
  const points = deps.reader.statistics({ metric, statistic: "Sum", periodMs, startMs, endMs: range.endMs });
  return {
    Label: input.MetricName,
    Datapoints: points.map((p) => datapointOutput(p.timestamp, p.aggregate, statistics, unit ?? "None")),
  };
}

function datapointOutput(timestamp: number, aggregate: Aggregate, statistics: Statistic[], unit: string) {
  const out: Record<string, unknown> = { Timestamp: time(timestamp) };
  for (const statistic of statistics) out[statistic] = statisticValue(aggregate, statistic);
  out.Unit = unit;
  return out;
}

export interface GetMetricDataInput {
  MetricDataQueries: MetricDataQuery[];
  StartTime: number;
  EndTime: number;
  NextToken?: string;
  ScanBy?: "TimestampDescending" | "TimestampAscending";
  MaxDatapoints?: number;
}

/** Runs the queries; MaxDatapoints (default 100,800) datapoints per page across all results, NextToken for the rest. */
export async function getMetricData(deps: CloudWatchDeps, input: GetMetricDataInput) {
  const range = timeRange(input.StartTime, input.EndTime);
  if (input.MaxDatapoints !== undefined && input.MaxDatapoints < 1) throw cloudWatchErrors.invalidValue("MaxDatapoints must be at least 1.");
  const results = runQueries(deps.reader, input.MetricDataQueries, range, deps.timeScale);
  if (results.length === 0) throw cloudWatchErrors.nothingReturned();
  const descending = (input.ScanBy ?? "TimestampDescending") === "TimestampDescending";
  const request = fingerprint([input.MetricDataQueries, input.StartTime, input.EndTime, input.ScanBy]);
  const offset = input.NextToken === undefined ? 0 : decodeToken<{ offset: number; request: string }>(input.NextToken, (c) => typeof c.offset === "number" && c.request === request).offset;
  const max = input.MaxDatapoints ?? 100_800;
  let position = 0;
  let more = false;
  const out = results.map((result) => {
    const order = result.timestamps.map((_, i) => i);
    if (descending) order.reverse();
    const from = Math.max(0, offset - position);
    const to = Math.max(0, Math.min(order.length, offset + max - position));
    position += order.length;
    const slice = from < to ? order.slice(from, to) : [];
    const partial = to < order.length;
    if (partial) more = true;
    return {
      Id: result.id,
      Label: result.label,
      Timestamps: slice.map((i) => time(result.timestamps[i]!)),
      Values: slice.map((i) => result.values[i]!),
      StatusCode: partial ? "PartialData" : "Complete",
    };
  });
  return compact({ MetricDataResults: out, Messages: [], NextToken: more ? encodeToken({ offset: offset + max, request }) : undefined });
}

export interface ListMetricsInput {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name: string; Value?: string }[];
  NextToken?: string;
  RecentlyActive?: "PT3H";
}

/** Series that match (dimensions as a subset), sorted, 500 per page. RecentlyActive: data in the last 3 API hours. */
export async function listMetrics(deps: CloudWatchDeps, input: ListMetricsInput) {
  const activeSinceMs = input.RecentlyActive ? deps.clock.now() - deps.timeScale.ms(3 * 3600) : undefined;
  const filter = fingerprint([input.Namespace, input.MetricName, input.Dimensions, input.RecentlyActive]);
  let metrics = deps.reader.listMetrics({ namespace: input.Namespace, name: input.MetricName, dimensions: input.Dimensions, activeSinceMs }).map((m) => ({ m, key: seriesKey(canonicalId(m)) }));
  if (input.NextToken !== undefined) {
    const cursor = decodeToken<{ after: string; filter: string }>(input.NextToken, (c) => typeof c.after === "string" && c.filter === filter);
    metrics = metrics.filter((x) => x.key > cursor.after);
  }
  const page = metrics.slice(0, listMetricsPageSize);
  return compact({
    Metrics: page.map(({ m }) => ({ Namespace: m.namespace, MetricName: m.name, Dimensions: m.dimensions.map((d) => ({ Name: d.Name, Value: d.Value })) })),
    NextToken: metrics.length > listMetricsPageSize ? encodeToken({ after: page[page.length - 1]!.key, filter }) : undefined,
  });
}

export interface MetricDatum {
  MetricName: string;
  Dimensions?: DimensionsInput;
  Timestamp?: number;
  Value?: number;
  StatisticValues?: { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
  Values?: number[];
  Counts?: number[];
  Unit?: string;
  StorageResolution?: number;
}

export interface PutMetricDataInput {
  Namespace: string;
  MetricData?: MetricDatum[];
  EntityMetricData?: { MetricData?: MetricDatum[] }[];
}

/**
 * Custom metrics. Every datum is checked before any is written, so a refused request records nothing.
 * Timestamps may lie up to the retention in the past and 2 API hours in the future.
 */
export async function putMetricData(deps: CloudWatchDeps, input: PutMetricDataInput): Promise<Record<string, never>> {
  if (input.Namespace.startsWith("AWS/")) throw cloudWatchErrors.reservedNamespace(input.Namespace);
  const data = [...(input.MetricData ?? []), ...(input.EntityMetricData ?? []).flatMap((e) => e.MetricData ?? [])];
  if (data.length === 0) throw cloudWatchErrors.missingParameter(["MetricData"]);
  if (data.length > maxMetricData) throw cloudWatchErrors.tooManyData(data.length, maxMetricData);
  const now = deps.clock.now();
  const writes = data.map((datum, i) => checkDatum(deps, input.Namespace, datum, i + 1, now));
  for (const w of writes) {
    if (w.aggregate.count === 1 && w.single !== undefined) deps.writer.record(w.metric, w.single, w.atMs, w.unit);
    else if (deps.writer.recordAggregate) deps.writer.recordAggregate(w.metric, w.aggregate, w.atMs, w.unit);
  }
  return {};
}

interface Write {
  metric: MetricId;
  atMs: number;
  unit?: string;
  aggregate: Aggregate;
  single?: number;
}

function checkDatum(deps: CloudWatchDeps, namespace: string, datum: MetricDatum, index: number, now: number): Write {
  const given = [datum.Value !== undefined, datum.Values !== undefined, datum.StatisticValues !== undefined].filter(Boolean).length;
  if (given > 1) throw cloudWatchErrors.valueAndValues(index);
  if (given === 0) throw cloudWatchErrors.datumWithoutValue(index);
  checkDimensions(datum.Dimensions, `MetricData.member.${index}.Dimensions`);
  const atMs = datum.Timestamp === undefined ? now : datum.Timestamp * 1000;
  if (atMs < now - deps.retentionMs) throw cloudWatchErrors.timestampOutOfRange(index, `older than the metric retention (${Math.round(deps.timeScale.apiSeconds(deps.retentionMs))} API seconds)`);
  if (atMs > now + deps.timeScale.ms(2 * 3600)) throw cloudWatchErrors.timestampOutOfRange(index, "more than 2 hours (API time) in the future");
  const metric: MetricId = { namespace, name: datum.MetricName, dimensions: datum.Dimensions ?? [] };
  const base = { metric, atMs, unit: datum.Unit };
  if (datum.Value !== undefined) return { ...base, single: datum.Value, aggregate: { sum: datum.Value, count: 1, min: datum.Value, max: datum.Value } };
  if (datum.StatisticValues) {
    const s = datum.StatisticValues;
    if (!(s.SampleCount > 0)) throw cloudWatchErrors.badStatisticSet(index, "SampleCount must be above 0");
    if (s.Minimum > s.Maximum) throw cloudWatchErrors.badStatisticSet(index, `Minimum (${s.Minimum}) is above Maximum (${s.Maximum})`);
    return { ...base, aggregate: { sum: s.Sum, count: s.SampleCount, min: s.Minimum, max: s.Maximum } };
  }
  const values = datum.Values!;
  if (values.length > maxValuesPerDatum) throw cloudWatchErrors.tooManyValues(index, values.length, maxValuesPerDatum);
  if (datum.Counts !== undefined && datum.Counts.length !== values.length) throw cloudWatchErrors.countsMismatch(index, values.length, datum.Counts.length);
  const aggregate: Aggregate = { sum: 0, count: 0, min: Infinity, max: -Infinity };
  values.forEach((v, i) => {
    const count = datum.Counts?.[i] ?? 1;
    if (count < 0) throw cloudWatchErrors.invalidValue(`MetricData.member.${index}.Counts must not be negative.`);
    if (count === 0) return;
    aggregate.sum += v * count;
    aggregate.count += count;
    aggregate.min = Math.min(aggregate.min, v);
    aggregate.max = Math.max(aggregate.max, v);
  });
  return { ...base, aggregate };
}
