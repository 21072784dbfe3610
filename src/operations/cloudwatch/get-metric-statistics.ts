import { cloudWatchErrors } from "../../domain/errors/cloudwatch.js";
import { statisticValue } from "../../metrics/aggregate.js";
import { checkStatistic, unitMatches } from "../../metrics/resolution.js";
import { gathered, type Aggregate, type MetricId, type Statistic } from "../../metrics/types.js";
import { time } from "../output.js";
import type { CloudWatchDeps } from "./deps.js";
import { checkDimensions, checkPeriod, timeRange } from "./metric-input.js";

/** CloudWatch's limit on datapoints per GetMetricStatistics call. */
export const maxStatisticsDatapoints = 1440;

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
  const reader = await gathered(deps.reader, { metrics: [metric], startMs, endMs: range.endMs });
  const unit = reader.unitOf?.(metric);
  if (!unitMatches(unit, input.Unit)) return { Label: input.MetricName, Datapoints: [] };
  const points = reader.statistics({ metric, statistic: "Sum", periodMs, startMs, endMs: range.endMs });
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
