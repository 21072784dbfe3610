/** Application Auto Scaling state as the store keeps it. Times are epoch ms. */

export type ScalableDimension = "sagemaker:inference-component:DesiredCopyCount" | "sagemaker:variant:DesiredInstanceCount";

export interface SuspendedState {
  DynamicScalingInSuspended?: boolean;
  DynamicScalingOutSuspended?: boolean;
  ScheduledScalingSuspended?: boolean;
}

export interface ScalableTargetRecord {
  serviceNamespace: "sagemaker";
  resourceId: string;
  scalableDimension: ScalableDimension;
  minCapacity: number;
  maxCapacity: number;
  roleArn: string;
  arn: string;
  suspendedState: SuspendedState;
  createdAt: number;
  tags?: Record<string, string>;
  /** When the target was last scaled out and in; the policies' cooldowns compare against these. */
  lastScaleOutAt?: number;
  lastScaleInAt?: number;
  /**
   * What each policy (or, under "", a refused capacity change) last failed to do, as `code|capacity`:
   * the same failure is recorded as an activity once, also across restarts. Cleared when the target scales.
   */
  notScaled?: Record<string, string>;
  /**
   * The target's stored activities as its passes left them, written in the same commit as the activities:
   * how many, and the keys of those still InProgress. A pass reads the whole history only when it prunes
   * it; a target without this (registered before it existed, or again after a deregistration) reads it all.
   */
  activities?: ActivitySummary;
}

export interface ActivitySummary {
  count: number;
  open: string[];
}

export interface StepAdjustment {
  MetricIntervalLowerBound?: number;
  MetricIntervalUpperBound?: number;
  ScalingAdjustment: number;
}

export interface StepScalingConfig {
  AdjustmentType?: "ChangeInCapacity" | "PercentChangeInCapacity" | "ExactCapacity";
  StepAdjustments?: StepAdjustment[];
  MinAdjustmentMagnitude?: number;
  Cooldown?: number;
  MetricAggregationType?: "Average" | "Minimum" | "Maximum";
}

export interface MetricDimension {
  Name: string;
  Value: string;
}

export interface TargetTrackingConfig {
  TargetValue: number;
  PredefinedMetricSpecification?: { PredefinedMetricType: string; ResourceLabel?: string };
  CustomizedMetricSpecification?: {
    MetricName?: string;
    Namespace?: string;
    Dimensions?: MetricDimension[];
    Statistic?: "Average" | "Minimum" | "Maximum" | "SampleCount" | "Sum";
    Unit?: string;
    Metrics?: {
      Id: string;
      Expression?: string;
      Label?: string;
      MetricStat?: { Metric: { MetricName?: string; Namespace?: string; Dimensions?: MetricDimension[] }; Stat: string; Unit?: string };
      ReturnData?: boolean;
    }[];
  };
  ScaleOutCooldown?: number;
  ScaleInCooldown?: number;
  DisableScaleIn?: boolean;
}

export interface ScalingPolicyRecord {
  arn: string;
  name: string;
  serviceNamespace: "sagemaker";
  resourceId: string;
  scalableDimension: ScalableDimension;
  policyType: "StepScaling" | "TargetTrackingScaling";
  step?: StepScalingConfig;
  targetTracking?: TargetTrackingConfig;
  alarms: { AlarmName: string; AlarmARN: string }[];
  createdAt: number;
  /** When this policy last changed the capacity (its own cooldown). */
  lastActivityAt?: number;
}

export type ActivityStatus = "Pending" | "InProgress" | "Successful" | "Overridden" | "Unfulfilled" | "Failed";

export interface ScalingActivityRecord {
  activityId: string;
  serviceNamespace: "sagemaker";
  resourceId: string;
  scalableDimension: ScalableDimension;
  description: string;
  cause: string;
  startTime: number;
  endTime?: number;
  statusCode: ActivityStatus;
  statusMessage?: string;
  /** The capacity this activity set; used to tell when it is fulfilled. */
  desired: number;
  notScaledReasons?: { Code: string; MaxCapacity?: number; MinCapacity?: number; CurrentCapacity?: number }[];
}

export interface ScheduledActionRecord {
  name: string;
  arn: string;
  serviceNamespace: "sagemaker";
  resourceId: string;
  scalableDimension: ScalableDimension;
  schedule: string;
  /** IANA name; UTC when not given. */
  timezone?: string;
  startTime?: number;
  endTime?: number;
  minCapacity?: number;
  maxCapacity?: number;
  createdAt: number;
  /**
   * When the action was last put (real time): its schedule clock starts here. Under a scaling period
   * other than 60 s, schedule time runs faster or slower than real time from this instant on.
   */
  putAt: number;
  /** The schedule time of the last run (or skipped run) so that no run happens twice. */
  lastRunAt?: number;
}
