import type { Tag } from "../domain/resources.js";

/** Alarm states and the hook through which alarm actions (e.g. scaling policies) are invoked. */
export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface AlarmRecord {
  name: string;
  arn: string;
  /** The validated PutMetricAlarm input (AlarmName excluded). */
  config: Record<string, unknown>;
  state: AlarmState;
  stateReason: string;
  stateReasonData?: string;
  stateUpdatedAt: number;
  /** When the state last changed value (StateTransitionedTimestamp); stateUpdatedAt when absent. */
  stateTransitionedAt?: number;
  configurationUpdatedAt: number;
  /** Per action ARN: when it was last invoked, so repeated invocations follow the action's own rules. */
  lastActionAt?: Record<string, number>;
  /** Set on alarms created by a target-tracking policy (AAS manages their lifecycle). */
  managedBy?: string;
  /** Set by PutMetricAlarm when it creates the alarm, then changed only by TagResource and UntagResource. */
  tags?: Tag[];
}

export interface AlarmTransition {
  alarm: AlarmRecord;
  previous: AlarmState;
  /** The metric value the evaluation saw (aggregated over the evaluated datapoints), if any: the Average of `aggregates`. */
  value?: number;
  /**
   * The datapoints that decided the state (the breaching ones for ALARM, the others for OK), aggregated
   * each way a step-scaling policy's MetricAggregationType may ask for. Absent after SetAlarmState.
   */
  aggregates?: { Average: number; Minimum: number; Maximum: number };
}

/**
 * Something that can be named in AlarmActions/OKActions/InsufficientDataActions. CloudWatch invokes
 * an action when the alarm enters the state; scaling-policy actions are invoked again every period
 * while the alarm stays there (as CloudWatch does for Auto Scaling actions).
 */
export interface AlarmActionHandler {
  matches(arn: string): boolean;
  /** True for actions that repeat every period while the alarm remains in the state. */
  repeats: boolean;
  invoke(arn: string, event: AlarmTransition): Promise<void>;
}
