import type { ActionRegistry } from "../../controllers/alarms/actions.js";
import { allActions, watchedQuery, type MetricAlarmConfig } from "../../alarms/alarm-config.js";
import { cloudWatchErrors } from "../../domain/errors/cloudwatch.js";
import { checkQueries, checkQueryWork, type MetricDataQuery } from "../../metrics/metric-data.js";
import { looksExtended } from "../../metrics/resolution.js";
import { isStatistic } from "../../metrics/aggregate.js";
import { checkDimensions, checkQueryDimensions } from "./metric-input.js";
import type { Tag } from "../../domain/resources.js";

/** PutMetricAlarm's input, as the service model has validated it. */
export interface PutMetricAlarmInput extends Partial<Omit<MetricAlarmConfig, "ComparisonOperator" | "TreatMissingData">> {
  AlarmName: string;
  ComparisonOperator?: string;
  TreatMissingData?: string;
  ExtendedStatistic?: string;
  ThresholdMetricId?: string;
  EvaluationWindow?: unknown;
  EvaluationCriteria?: unknown;
  EvaluationInterval?: number;
  Tags?: Tag[];
}

const thresholdOperators = new Set(["GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"]);
const treatments = new Set(["missing", "breaching", "notBreaching", "ignore"]);

/**
 * Checks what the service model cannot: the metric (or Metrics) and statistic choice, periods, the
 * M-of-N window, TreatMissingData and the action ARNs. Returns the configuration to store.
 * Without `actions` (alarms managed by Application Auto Scaling) action ARNs are not checked.
 */
export function checkAlarmInput(input: PutMetricAlarmInput, actions?: ActionRegistry): MetricAlarmConfig {
  // Tags are the alarm's, not its configuration's: they are set on create and changed by TagResource only.
  const { AlarmName: _name, Tags: _tags, ...config } = input;
  if (input.ThresholdMetricId !== undefined) throw cloudWatchErrors.anomalyDetectionUnsupported(input.ComparisonOperator ?? "with ThresholdMetricId");
  if (input.EvaluationCriteria !== undefined || input.EvaluationInterval !== undefined)
    throw cloudWatchErrors.unsupportedAlarmFeature("PromQL alarms (EvaluationCriteria, EvaluationInterval)");
  if (input.EvaluationWindow !== undefined) throw cloudWatchErrors.unsupportedAlarmFeature("EvaluationWindow");
  const missing = (["ComparisonOperator", "EvaluationPeriods", "Threshold"] as const).filter((k) => input[k] === undefined);
  if (missing.length > 0) throw cloudWatchErrors.missingParameter(missing);
  if (!thresholdOperators.has(input.ComparisonOperator!)) throw cloudWatchErrors.anomalyDetectionUnsupported(input.ComparisonOperator!);
  if (input.TreatMissingData !== undefined && !treatments.has(input.TreatMissingData)) throw cloudWatchErrors.invalidTreatMissingData(input.TreatMissingData);

  let periodSeconds: number;
  let checked: ReturnType<typeof checkQueries> | undefined;
  if (input.Metrics) {
    if ([input.MetricName, input.Namespace, input.Statistic, input.ExtendedStatistic, input.Dimensions, input.Period].some((v) => v !== undefined)) {
      throw cloudWatchErrors.metricAndMetrics();
    }
    checked = checkQueries(input.Metrics);
    checkQueryDimensions(input.Metrics, "Metrics");
    const returning = input.Metrics.filter((q) => q.ReturnData !== false).length;
    if (returning !== 1) throw cloudWatchErrors.alarmMetricsReturn(returning);
    for (const query of input.Metrics) if (query.MetricStat) checkAlarmPeriod(query.MetricStat.Period);
    const watched = watchedQuery(input as MetricAlarmConfig)!;
    periodSeconds = watched.MetricStat?.Period ?? watched.Period ?? periodOfExpression(input.Metrics, watched);
  } else {
    if (input.MetricName === undefined || input.Namespace === undefined) throw cloudWatchErrors.alarmNeedsMetric();
    if (input.Statistic !== undefined && input.ExtendedStatistic !== undefined) throw cloudWatchErrors.statisticChoice();
    if (input.ExtendedStatistic !== undefined) throw cloudWatchErrors.extendedStatisticUnsupported("ExtendedStatistic", input.ExtendedStatistic);
    if (input.Statistic === undefined) throw cloudWatchErrors.missingParameter(["Statistic"]);
    if (!isStatistic(input.Statistic)) {
      throw looksExtended(input.Statistic)
        ? cloudWatchErrors.extendedStatisticUnsupported("Statistic", input.Statistic)
        : cloudWatchErrors.unknownStatistic("Statistic", input.Statistic);
    }
    if (input.Period === undefined) throw cloudWatchErrors.missingParameter(["Period"]);
    checkAlarmPeriod(input.Period);
    checkDimensions(input.Dimensions, "Dimensions");
    periodSeconds = input.Period;
  }

  const periods = input.EvaluationPeriods!;
  if (input.DatapointsToAlarm !== undefined && input.DatapointsToAlarm > periods)
    throw cloudWatchErrors.datapointsExceedPeriods(input.DatapointsToAlarm, periods);
  const limit = periodSeconds >= 3600 ? 7 * 86400 : 86400;
  if (periods * periodSeconds > limit) throw cloudWatchErrors.evaluationTooLong(periods * periodSeconds, limit);
  if (checked) {
    // Each evaluation reads the window at every query's own period, as GetMetricData would: the same bounds hold.
    checkQueryWork(checked, (period) => Math.ceil((periods * periodSeconds) / period) + 1);
  }
  if (actions) for (const arn of allActions(input as MetricAlarmConfig)) if (!actions.accepts(arn)) throw cloudWatchErrors.invalidAction(arn);
  return config as MetricAlarmConfig;
}

/** CloudWatch's rule for alarm periods: 10, 30 or a multiple of 60 seconds. */
function checkAlarmPeriod(period: number): void {
  if (!(period === 10 || period === 30 || (period > 0 && period % 60 === 0))) throw cloudWatchErrors.alarmPeriod(period);
}

/** An expression's period is that of the metrics it refers to (the first found). */
function periodOfExpression(queries: MetricDataQuery[], query: MetricDataQuery): number {
  const stat = queries.find((q) => q.MetricStat !== undefined);
  if (!stat) throw cloudWatchErrors.alarmMetricsPeriod(query.Id);
  return stat.MetricStat!.Period;
}
