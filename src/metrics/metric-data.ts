import { cloudWatchErrors } from "../domain/errors/cloudwatch.js";
import type { TimeScale } from "../util/time-scale.js";
import { evaluateExpression, ExpressionError, parseExpression, references, workBound, type Expression, type Series } from "./expression.js";
import { checkStatistic, isValidPeriod, unitMatches } from "./resolution.js";
import type { MetricId, MetricsReader, ReadScope, Statistic } from "./types.js";

/** A MetricDataQuery as GetMetricData and PutMetricAlarm (Metrics) take it. */
export interface MetricDataQuery {
  Id: string;
  MetricStat?: {
    Metric: { Namespace?: string; MetricName?: string; Dimensions?: { Name: string; Value: string }[] };
    Period: number;
    Stat: string;
    Unit?: string;
  };
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
  Period?: number;
  AccountId?: string;
}

export interface QueryResult {
  id: string;
  label: string;
  /** Period starts, epoch ms, ascending. */
  timestamps: number[];
  values: number[];
}

/** GetMetricData's documented limit on MetricDataQuery structures in one call. */
export const maxQueries = 500;
/**
 * Datapoints the metric math of one request (or one alarm evaluation) may touch, bounded before any is
 * read: evaluation runs on the event loop, and 2,048 characters of `m+m+…` over a day of 10-second
 * points would otherwise hold it for seconds. About 10 ms of work at this many.
 */
export const maxMathDatapoints = 2_000_000;
/**
 * Datapoints the metric queries of one request may read: ten of GetMetricData's documented 100,800-point
 * pages. A stored point costs a few microseconds to read, so this is seconds of work at most, spread
 * between other requests (runQueriesYielding).
 */
export const maxReadDatapoints = 1_008_000;

interface Checked {
  query: MetricDataQuery;
  statistic?: Statistic;
  expression?: Expression;
}

/** Validates the queries as a whole: ids, exactly one of MetricStat and Expression, statistics, periods, references. */
export function checkQueries(queries: MetricDataQuery[]): Map<string, Checked> {
  if (queries.length > maxQueries) throw cloudWatchErrors.tooManyQueries(queries.length, maxQueries);
  const byId = new Map<string, Checked>();
  for (const query of queries) {
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(query.Id)) throw cloudWatchErrors.badQueryId(query.Id);
    if (byId.has(query.Id)) throw cloudWatchErrors.duplicateQueryId(query.Id);
    if (query.AccountId !== undefined) throw cloudWatchErrors.crossAccount();
    if ((query.MetricStat === undefined) === (query.Expression === undefined)) throw cloudWatchErrors.queryNeedsOne(query.Id);
    const checked: Checked = { query };
    if (query.MetricStat) {
      const stat = checkStatistic(query.MetricStat.Stat);
      if (!stat.ok) {
        const where = `MetricDataQuery '${query.Id}' Stat`;
        throw stat.extended
          ? cloudWatchErrors.extendedStatisticUnsupported(where, query.MetricStat.Stat)
          : cloudWatchErrors.unknownStatistic(where, query.MetricStat.Stat);
      }
      checked.statistic = stat.statistic;
      if (!isValidPeriod(query.MetricStat.Period)) throw cloudWatchErrors.badPeriod(query.MetricStat.Period, `MetricStat.Period of query '${query.Id}'`);
      if (!query.MetricStat.Metric.Namespace || !query.MetricStat.Metric.MetricName)
        throw cloudWatchErrors.missingParameter([`MetricStat.Metric.Namespace and MetricStat.Metric.MetricName of query '${query.Id}'`]);
    } else {
      try {
        checked.expression = parseExpression(query.Expression!);
      } catch (error) {
        if (error instanceof ExpressionError) throw cloudWatchErrors.badExpression(query.Id, query.Expression!, error.message);
        throw error;
      }
    }
    byId.set(query.Id, checked);
  }
  for (const checked of byId.values()) {
    if (!checked.expression) continue;
    const refs = references(checked.expression);
    if (refs.length === 0) throw cloudWatchErrors.badExpression(checked.query.Id, checked.query.Expression!, "it must refer to at least one other query's Id");
    for (const ref of refs) if (!byId.has(ref)) throw cloudWatchErrors.unknownQueryReference(checked.query.Id, ref);
  }
  for (const id of byId.keys()) findCycle(id, byId, new Set());
  return byId;
}

function findCycle(id: string, byId: Map<string, Checked>, path: Set<string>): void {
  if (path.has(id)) throw cloudWatchErrors.circularReference(id);
  const expression = byId.get(id)?.expression;
  if (!expression) return;
  path.add(id);
  for (const ref of references(expression)) findCycle(ref, byId, path);
  path.delete(id);
}

/**
 * Refuses queries that could read more than maxReadDatapoints, or whose metric math could combine more
 * than maxMathDatapoints, before any is read; `pointsAt` is how many datapoints a metric at that Period
 * (API seconds) may have in the window.
 */
export function checkQueryWork(checked: Map<string, Checked>, pointsAt: (periodSeconds: number) => number): void {
  let longest = 0;
  let total = 0;
  for (const { query } of checked.values()) {
    if (!query.MetricStat) continue;
    const points = pointsAt(query.MetricStat.Period);
    longest = Math.max(longest, points);
    total += points;
  }
  if (total > maxReadDatapoints) throw cloudWatchErrors.readTooLarge(total, maxReadDatapoints);
  let bound = 0;
  for (const { expression } of checked.values()) if (expression) bound += workBound(expression, longest);
  if (bound > maxMathDatapoints) throw cloudWatchErrors.mathTooLarge(bound, maxMathDatapoints, longest);
}

/** The series the queries read and the buckets they may touch (each query's window starts on its own period). */
export function queryScope(queries: MetricDataQuery[], window: { startMs: number; endMs: number }, timeScale: TimeScale): ReadScope {
  const metrics: MetricId[] = [];
  let startMs = window.startMs;
  for (const query of queries) {
    const stat = query.MetricStat;
    if (!stat?.Metric.Namespace || !stat.Metric.MetricName) continue;
    metrics.push({ namespace: stat.Metric.Namespace, name: stat.Metric.MetricName, dimensions: stat.Metric.Dimensions ?? [] });
    const periodMs = timeScale.ms(stat.Period);
    if (periodMs > 0) startMs = Math.min(startMs, Math.floor(window.startMs / periodMs) * periodMs);
  }
  return { metrics, startMs, endMs: window.endMs };
}

/**
 * Runs GetMetricData-style queries over [startMs, endMs) (real epoch ms; periods in API seconds are
 * scaled by the time scale). Returns a result per query with ReturnData (default true), in order.
 */
export function runQueries(reader: MetricsReader, queries: MetricDataQuery[], window: { startMs: number; endMs: number }, timeScale: TimeScale): QueryResult[] {
  const steps = querySteps(reader, queries, window, timeScale);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** runQueries for a request: `pause` lets the event loop serve others between metric reads, every `yieldEvery` datapoints read. */
export async function runQueriesYielding(
  reader: MetricsReader,
  queries: MetricDataQuery[],
  window: { startMs: number; endMs: number },
  timeScale: TimeScale,
  pause: () => Promise<void>,
  yieldEvery = 10_000,
): Promise<QueryResult[]> {
  const steps = querySteps(reader, queries, window, timeScale);
  let read = 0;
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    read += step.value;
    if (read >= yieldEvery) {
      read = 0;
      await pause();
    }
  }
}

/** The queries' work in steps: each metric read yields the datapoints it read; the math runs last, bounded (checkQueryWork). */
function* querySteps(
  reader: MetricsReader,
  queries: MetricDataQuery[],
  window: { startMs: number; endMs: number },
  timeScale: TimeScale,
): Generator<number, QueryResult[]> {
  const byId = checkQueries(queries);
  checkQueryWork(byId, (period) => {
    const periodMs = timeScale.ms(period);
    return Math.ceil((window.endMs - Math.floor(window.startMs / periodMs) * periodMs) / periodMs);
  });
  const computed = new Map<string, Series>();
  for (const [id, checked] of byId) {
    if (!checked.query.MetricStat) continue;
    const series = readMetric(reader, checked, window, timeScale);
    computed.set(id, series);
    yield series.timestamps.length;
  }
  const seriesOf = (id: string): Series => {
    const done = computed.get(id);
    if (done) return done;
    const value = evaluateExpression(byId.get(id)!.expression!, seriesOf);
    const series = typeof value === "number" ? { timestamps: [], values: [] } : value;
    computed.set(id, series);
    return series;
  };
  const results: QueryResult[] = [];
  for (const query of queries) {
    if (query.ReturnData === false) continue;
    const series = seriesOf(query.Id);
    results.push({ id: query.Id, label: query.Label ?? query.MetricStat?.Metric.MetricName ?? query.Id, timestamps: series.timestamps, values: series.values });
  }
  return results;
}

function readMetric(reader: MetricsReader, checked: Checked, window: { startMs: number; endMs: number }, timeScale: TimeScale): Series {
  const stat = checked.query.MetricStat!;
  const metric = { namespace: stat.Metric.Namespace!, name: stat.Metric.MetricName!, dimensions: stat.Metric.Dimensions ?? [] };
  const series: Series = { timestamps: [], values: [] };
  if (!unitMatches(reader.unitOf?.(metric), stat.Unit)) return series;
  const periodMs = timeScale.ms(stat.Period);
  const startMs = Math.floor(window.startMs / periodMs) * periodMs;
  for (const point of reader.statistics({ metric, statistic: checked.statistic!, periodMs, startMs, endMs: window.endMs })) {
    series.timestamps.push(point.timestamp);
    series.values.push(point.value);
  }
  return series;
}
