import { randomUUID } from "node:crypto";
import { autoscalingErrors } from "../../domain/errors/autoscaling.js";
import {
  type ScalableDimension,
  type ScalableTargetRecord,
  type ScalingPolicyRecord,
  type StepAdjustment,
  type StepScalingConfig,
  type TargetTrackingConfig,
} from "../../autoscaling/records.js";
import { scaleInThresholdFraction, trackingWindows } from "../../autoscaling/target-tracking.js";
import { trackedMetric } from "../../autoscaling/tracked-metric.js";
import { del, put } from "../../state/records.js";
import { keys } from "../../state/keys.js";
import { recordsOfResource } from "./resource-prefix.js";
import { compact, time } from "../output.js";
import type { AutoscalingDeps, ManagedAlarmSpec } from "./deps.js";
import { pageOf } from "./paging.js";
import { resolveTarget, type TargetRef } from "./targets.js";

const maxPoliciesPerTarget = 50;
const maxTargetValue = 2 ** 360;

export interface PutScalingPolicyInput extends TargetRef {
  PolicyName: string;
  PolicyType?: string;
  StepScalingPolicyConfiguration?: StepScalingConfig;
  TargetTrackingScalingPolicyConfiguration?: TargetTrackingConfig;
  PredictiveScalingPolicyConfiguration?: unknown;
}

/** Create-or-replace by (resource, dimension, name); a target-tracking policy also gets its two CloudWatch alarms. */
export async function putScalingPolicy(deps: AutoscalingDeps, input: PutScalingPolicyInput) {
  const resource = resolveTarget(input);
  if (!(await deps.store.get("scalable-target", keys.scalableTarget(input.ResourceId, input.ScalableDimension))))
    throw autoscalingErrors.targetNotFound(input.ResourceId, input.ScalableDimension);
  const type = input.PolicyType ?? "StepScaling";
  if (type === "PredictiveScaling" || input.PredictiveScalingPolicyConfiguration) throw autoscalingErrors.predictiveUnsupported();
  const key = keys.scalingPolicy(input.ResourceId, input.ScalableDimension, input.PolicyName);
  const existing = await deps.store.get("scaling-policy", key);
  if (
    !existing &&
    (await deps.store.list("scaling-policy", { prefix: keys.underTarget(input.ResourceId, input.ScalableDimension) })).length >= maxPoliciesPerTarget
  )
    throw autoscalingErrors.tooManyPolicies(maxPoliciesPerTarget);
  const arn =
    existing?.value.arn ??
    `arn:aws:autoscaling:${deps.account.region}:${deps.account.accountId}:scalingPolicy:${randomUUID()}:resource/sagemaker/${input.ResourceId}:policyName/${input.PolicyName}`;
  const record: ScalingPolicyRecord = {
    arn,
    name: input.PolicyName,
    serviceNamespace: "sagemaker",
    resourceId: input.ResourceId,
    scalableDimension: input.ScalableDimension as ScalableDimension,
    policyType: type === "TargetTrackingScaling" ? "TargetTrackingScaling" : "StepScaling",
    alarms: [],
    createdAt: existing?.value.createdAt ?? deps.clock.now(),
    lastActivityAt: existing?.value.lastActivityAt,
  };
  if (type === "StepScaling") {
    if (!input.StepScalingPolicyConfiguration) throw autoscalingErrors.policyConfigMissing(type);
    if (input.TargetTrackingScalingPolicyConfiguration) throw autoscalingErrors.policyConfigMismatch(type);
    const step = input.StepScalingPolicyConfiguration;
    if (!step.AdjustmentType && !existing?.value.step?.AdjustmentType) throw autoscalingErrors.adjustmentTypeRequired();
    checkSteps(step.StepAdjustments ?? []);
    record.step = { ...step, AdjustmentType: step.AdjustmentType ?? existing?.value.step?.AdjustmentType };
  } else if (type === "TargetTrackingScaling") {
    const config = input.TargetTrackingScalingPolicyConfiguration;
    if (!config) throw autoscalingErrors.policyConfigMissing(type);
    if (input.StepScalingPolicyConfiguration) throw autoscalingErrors.policyConfigMismatch(type);
    const tracked = trackedMetric(config, resource);
    if (!tracked.ok) throw autoscalingErrors.badTargetTracking(tracked.problem);
    if (!(config.TargetValue > 0)) throw autoscalingErrors.badTargetTracking("TargetValue must be above 0");
    if (config.TargetValue > maxTargetValue)
      throw autoscalingErrors.badTargetTracking(
        `TargetValue must be at most 2^360 (about 2.35e108), as Application Auto Scaling documents; got ${config.TargetValue}`,
      );
    record.targetTracking = config;
    if (existing) await deps.alarms.deleteFor(arn);
    record.alarms = await deps.alarms.put(managedAlarms(input.ResourceId, arn, config, tracked.tracked), arn);
  } else {
    throw autoscalingErrors.invalid(`PolicyType ${type} is not supported; use TargetTrackingScaling or StepScaling.`);
  }
  await deps.store.commit([put("scaling-policy", key, record)]);
  return compact({ PolicyARN: arn, Alarms: record.policyType === "TargetTrackingScaling" ? record.alarms : undefined });
}

function managedAlarms(
  resourceId: string,
  arn: string,
  config: TargetTrackingConfig,
  tracked: NonNullable<Extract<ReturnType<typeof trackedMetric>, { ok: true }>["tracked"]>,
): ManagedAlarmSpec[] {
  const windows = trackingWindows(tracked.periodSeconds);
  const common = {
    MetricName: tracked.metric.name,
    Namespace: tracked.metric.namespace,
    Dimensions: tracked.metric.dimensions,
    Statistic: tracked.statistic,
    Period: tracked.periodSeconds,
    AlarmDescription: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${arn}.`,
  };
  const id = randomUUID();
  const alarms: ManagedAlarmSpec[] = [
    {
      ...common,
      AlarmName: `TargetTracking-${resourceId}-AlarmHigh-${id}`,
      EvaluationPeriods: windows.scaleOutPeriods,
      DatapointsToAlarm: windows.scaleOutPeriods,
      Threshold: config.TargetValue,
      ComparisonOperator: "GreaterThanThreshold",
    },
  ];
  if (!config.DisableScaleIn) {
    alarms.push({
      ...common,
      AlarmName: `TargetTracking-${resourceId}-AlarmLow-${id}`,
      EvaluationPeriods: windows.scaleInPeriods,
      DatapointsToAlarm: windows.scaleInPeriods,
      Threshold: config.TargetValue * scaleInThresholdFraction,
      ComparisonOperator: "LessThanThreshold",
    });
  }
  return alarms;
}

/** Intervals must not overlap or leave gaps, and only one may be open at each end. */
export function checkSteps(steps: StepAdjustment[]): void {
  if (steps.length === 0) throw autoscalingErrors.badSteps("give at least one step adjustment");
  const sorted = [...steps].sort((a, b) => (a.MetricIntervalLowerBound ?? -Infinity) - (b.MetricIntervalLowerBound ?? -Infinity));
  if (sorted.filter((s) => s.MetricIntervalLowerBound === undefined).length > 1)
    throw autoscalingErrors.badSteps("only one step may leave MetricIntervalLowerBound unset");
  if (sorted.filter((s) => s.MetricIntervalUpperBound === undefined).length > 1)
    throw autoscalingErrors.badSteps("only one step may leave MetricIntervalUpperBound unset");
  for (const step of sorted) {
    const lower = step.MetricIntervalLowerBound ?? -Infinity;
    const upper = step.MetricIntervalUpperBound ?? Infinity;
    if (!(lower < upper)) throw autoscalingErrors.badSteps(`the interval [${lower}, ${upper}) is empty`);
  }
  for (let i = 1; i < sorted.length; i++) {
    const previousUpper = sorted[i - 1]!.MetricIntervalUpperBound ?? Infinity;
    const lower = sorted[i]!.MetricIntervalLowerBound ?? -Infinity;
    if (previousUpper > lower) throw autoscalingErrors.badSteps(`intervals overlap at ${lower}`);
    if (previousUpper < lower) throw autoscalingErrors.badSteps(`there is a gap between ${previousUpper} and ${lower}`);
  }
}

export interface DescribeScalingPoliciesInput {
  ServiceNamespace: string;
  PolicyNames?: string[];
  ResourceId?: string;
  ScalableDimension?: string;
  MaxResults?: number;
  NextToken?: string;
}

export async function describeScalingPolicies(deps: AutoscalingDeps, input: DescribeScalingPoliciesInput) {
  const names = input.PolicyNames ? new Set(input.PolicyNames) : undefined;
  const all = (await recordsOfResource(deps, "scaling-policy", input)).filter((p) => !names || names.has(p.name));
  const page = pageOf(all, input, 10, (p) => keys.scalingPolicy(p.resourceId, p.scalableDimension, p.name));
  return compact({
    ScalingPolicies: page.items.map((p) =>
      compact({
        PolicyARN: p.arn,
        PolicyName: p.name,
        ServiceNamespace: p.serviceNamespace,
        ResourceId: p.resourceId,
        ScalableDimension: p.scalableDimension,
        PolicyType: p.policyType,
        StepScalingPolicyConfiguration: p.step,
        TargetTrackingScalingPolicyConfiguration: p.targetTracking,
        Alarms: p.alarms,
        CreationTime: time(p.createdAt),
      }),
    ),
    NextToken: page.nextToken,
  });
}

export async function deleteScalingPolicy(deps: AutoscalingDeps, input: TargetRef & { PolicyName: string }): Promise<Record<string, never>> {
  resolveTarget(input);
  const key = keys.scalingPolicy(input.ResourceId, input.ScalableDimension, input.PolicyName);
  const policy = await deps.store.get("scaling-policy", key);
  if (!policy) throw autoscalingErrors.policyNotFound(input.PolicyName, input.ResourceId);
  await deps.alarms.deleteFor(policy.value.arn);
  await deps.store.commit([del("scaling-policy", key)]);
  return {};
}
