import { queryScope, runQueries } from "../metrics/metric-data.js";
import { unitMatches } from "../metrics/resolution.js";
import type { MetricsReader, ReadScope, Statistic } from "../metrics/types.js";
import type { TimeScale } from "../util/time-scale.js";
import { alarmPeriodSeconds, watchedQuery, type MetricAlarmConfig } from "./alarm-config.js";
import type { EvaluatedDatapoint, EvaluationWindow } from "./evaluate.js";

export interface AlarmWindow extends EvaluationWindow {
  /** One entry per period, oldest first; undefined where the period has no data. */
  datapoints: (EvaluatedDatapoint | undefined)[];
}

/** The series and buckets alarmWindow reads at `now`. */
export function alarmScope(config: MetricAlarmConfig, timeScale: TimeScale, now: number): ReadScope {
  const periodMs = timeScale.ms(alarmPeriodSeconds(config));
  const endMs = Math.floor(now / periodMs) * periodMs;
  const window = { startMs: endMs - config.EvaluationPeriods * periodMs, endMs };
  if (config.Metrics) return queryScope(config.Metrics, window, timeScale);
  return { metrics: [{ namespace: config.Namespace!, name: config.MetricName!, dimensions: config.Dimensions ?? [] }], ...window };
}

/**
 * The datapoints an alarm evaluates at `now`: the last EvaluationPeriods complete periods, aligned to
 * multiples of the period (real time: timeScale.ms(Period)).
 */
export function alarmWindow(reader: MetricsReader, config: MetricAlarmConfig, timeScale: TimeScale, now: number): AlarmWindow {
  const periodMs = timeScale.ms(alarmPeriodSeconds(config));
  const count = config.EvaluationPeriods;
  const endMs = Math.floor(now / periodMs) * periodMs;
  const startMs = endMs - count * periodMs;
  const datapoints: (EvaluatedDatapoint | undefined)[] = new Array(count).fill(undefined);
  const place = (timestamp: number, point: EvaluatedDatapoint) => {
    const index = Math.round((timestamp - startMs) / periodMs);
    if (index >= 0 && index < count) datapoints[index] = point;
  };
  if (config.Metrics) {
    const watched = watchedQuery(config);
    const queries = config.Metrics.map((q) => ({ ...q, ReturnData: q === watched }));
    const result = runQueries(reader, queries, { startMs, endMs }, timeScale)[0];
    result?.timestamps.forEach((t, i) => place(t, { timestamp: t, value: result.values[i]! }));
  } else {
    const metric = { namespace: config.Namespace!, name: config.MetricName!, dimensions: config.Dimensions ?? [] };
    if (unitMatches(reader.unitOf?.(metric), config.Unit)) {
      for (const point of reader.statistics({ metric, statistic: config.Statistic as Statistic, periodMs, startMs, endMs })) {
        place(point.timestamp, { timestamp: point.timestamp, value: point.value, sampleCount: point.aggregate.count });
      }
    }
  }
  return { datapoints, startMs, periodMs };
}
