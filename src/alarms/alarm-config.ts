import type { MetricDataQuery } from "../metrics/metric-data.js";
import type { AlarmState } from "./types.js";

export type ThresholdOperator = "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";
export type TreatMissingData = "missing" | "breaching" | "notBreaching" | "ignore";

/** A metric alarm's configuration as stored in AlarmRecord.config: the validated PutMetricAlarm input less AlarmName. */
export interface MetricAlarmConfig {
  AlarmDescription?: string;
  ActionsEnabled?: boolean;
  OKActions?: string[];
  AlarmActions?: string[];
  InsufficientDataActions?: string[];
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  Dimensions?: { Name: string; Value: string }[];
  Period?: number;
  Unit?: string;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold: number;
  ComparisonOperator: ThresholdOperator;
  TreatMissingData?: TreatMissingData;
  EvaluateLowSampleCountPercentile?: string;
  Metrics?: MetricDataQuery[];
}

/** The actions CloudWatch runs when the alarm enters the state. */
export function actionsFor(config: MetricAlarmConfig, state: AlarmState): string[] {
  if (state === "ALARM") return config.AlarmActions ?? [];
  if (state === "OK") return config.OKActions ?? [];
  return config.InsufficientDataActions ?? [];
}

export function allActions(config: MetricAlarmConfig): string[] {
  return [...(config.AlarmActions ?? []), ...(config.OKActions ?? []), ...(config.InsufficientDataActions ?? [])];
}

/** The alarm's period in API seconds: its own Period, or that of the metric query it watches. */
export function alarmPeriodSeconds(config: MetricAlarmConfig): number {
  if (config.Period !== undefined) return config.Period;
  const watched = watchedQuery(config);
  return watched?.MetricStat?.Period ?? watched?.Period ?? config.Metrics?.find((q) => q.MetricStat)?.MetricStat?.Period ?? 60;
}

/** The one query of a metric-math alarm whose value the alarm compares. */
export function watchedQuery(config: MetricAlarmConfig): MetricDataQuery | undefined {
  return config.Metrics?.find((q) => q.ReturnData !== false);
}

/** arn:aws:cloudwatch:<region>:<account>:alarm:<name> (alarm names keep their case). */
export function alarmArn(account: { region: string; accountId: string }, name: string): string {
  return `arn:aws:cloudwatch:${account.region}:${account.accountId}:alarm:${name}`;
}
