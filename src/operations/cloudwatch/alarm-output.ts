import type { MetricAlarmConfig } from "../../alarms/alarm-config.js";
import type { AlarmRecord } from "../../alarms/types.js";
import { compact, time } from "../output.js";

/** DescribeAlarms' MetricAlarm: every configuration field as given, defaults filled as CloudWatch shows them. */
export function metricAlarmOutput(alarm: AlarmRecord) {
  const config = alarm.config as unknown as MetricAlarmConfig;
  return compact({
    AlarmName: alarm.name,
    AlarmArn: alarm.arn,
    AlarmDescription: config.AlarmDescription,
    AlarmConfigurationUpdatedTimestamp: time(alarm.configurationUpdatedAt),
    ActionsEnabled: config.ActionsEnabled ?? true,
    OKActions: config.OKActions ?? [],
    AlarmActions: config.AlarmActions ?? [],
    InsufficientDataActions: config.InsufficientDataActions ?? [],
    StateValue: alarm.state,
    StateReason: alarm.stateReason,
    StateReasonData: alarm.stateReasonData,
    StateUpdatedTimestamp: time(alarm.stateUpdatedAt),
    MetricName: config.MetricName,
    Namespace: config.Namespace,
    Statistic: config.Statistic,
    Dimensions: config.Metrics ? undefined : (config.Dimensions ?? []),
    Period: config.Period,
    Unit: config.Unit,
    EvaluationPeriods: config.EvaluationPeriods,
    DatapointsToAlarm: config.DatapointsToAlarm,
    Threshold: config.Threshold,
    ComparisonOperator: config.ComparisonOperator,
    TreatMissingData: config.TreatMissingData,
    EvaluateLowSampleCountPercentile: config.EvaluateLowSampleCountPercentile,
    Metrics: config.Metrics,
    StateTransitionedTimestamp: time(alarm.stateTransitionedAt ?? alarm.stateUpdatedAt),
  });
}
