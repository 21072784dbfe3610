import type { Account } from "../../domain/arn.js";
import type { Quotas } from "../../domain/quotas.js";
import { type BerthStore } from "../../state/records.js";
import type { Clock } from "../../util/clock.js";

/** A target-tracking policy's alarms, as AAS creates them in CloudWatch. */
export interface ManagedAlarmSpec {
  AlarmName: string;
  MetricName: string;
  Namespace: string;
  Dimensions: { Name: string; Value: string }[];
  Statistic: string;
  Period: number;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  ComparisonOperator: string;
  AlarmDescription: string;
}

export interface ManagedAlarms {
  put(specs: ManagedAlarmSpec[], managedBy: string): Promise<{ AlarmName: string; AlarmARN: string }[]>;
  deleteFor(managedBy: string): Promise<void>;
}

export interface AutoscalingDeps {
  store: BerthStore;
  account: Account;
  clock: Clock;
  alarms: ManagedAlarms;
  /** Called after a target's limits change, so its capacity is clamped at once. */
  onTargetChanged: (resourceId: string, dimension: string) => void;
  quotas: Quotas;
}
