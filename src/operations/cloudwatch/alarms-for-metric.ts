import type { MetricAlarmConfig } from "../../alarms/alarm-config.js";
import { metricId, seriesKey } from "../../metrics/types.js";
import { metricAlarmOutput } from "./alarm-output.js";
import type { CloudWatchDeps } from "./deps.js";

export interface DescribeAlarmsForMetricInput {
  MetricName: string;
  Namespace: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions?: { Name: string; Value: string }[];
  Period?: number;
  Unit?: string;
}

const seriesOf = (namespace: string, name: string, dimensions: { Name: string; Value: string }[] | undefined) =>
  seriesKey(metricId(namespace, name, Object.fromEntries((dimensions ?? []).map((d) => [d.Name, d.Value]))));

/**
 * The standard alarms (not metric-math ones) that watch exactly this metric: namespace, name and the
 * whole set of dimensions, which are part of a metric's identity. Statistic, ExtendedStatistic, Period
 * and Unit narrow the answer when given; Berth's alarms have no ExtendedStatistic. Sorted by name.
 */
export async function describeAlarmsForMetric(deps: Pick<CloudWatchDeps, "store">, input: DescribeAlarmsForMetricInput) {
  const wanted = seriesOf(input.Namespace, input.MetricName, input.Dimensions);
  const alarms = (await deps.store.list("alarm"))
    .map((e) => e.value)
    .filter((alarm) => {
      const config = alarm.config as unknown as MetricAlarmConfig;
      if (config.Metrics || config.MetricName === undefined || config.Namespace === undefined) return false;
      if (seriesOf(config.Namespace, config.MetricName, config.Dimensions) !== wanted) return false;
      if (input.ExtendedStatistic !== undefined) return false;
      if (input.Statistic !== undefined && config.Statistic !== input.Statistic) return false;
      if (input.Period !== undefined && config.Period !== input.Period) return false;
      return input.Unit === undefined || config.Unit === input.Unit;
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { MetricAlarms: alarms.map(metricAlarmOutput) };
}
