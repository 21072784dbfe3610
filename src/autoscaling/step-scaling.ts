import type { TimeScale } from "../util/time-scale.js";
import { clamp, formatNumber, none, type Capacity, type ScalingDecision, type TargetState } from "./decision.js";
import type { StepAdjustment, StepScalingConfig } from "./records.js";
import { defaultCooldownSeconds } from "./target-tracking.js";

export interface StepScalingInput {
  policyName: string;
  config: StepScalingConfig;
  alarmName: string;
  threshold: number;
  /** The metric value from the alarm's datapoints, aggregated by the policy's MetricAggregationType. */
  value: number;
  capacity: Capacity;
  target: TargetState;
  /** When this policy last changed capacity. */
  lastActivityAt?: number;
  now: number;
  scale: TimeScale;
}

/** The step whose interval (relative to the alarm threshold) holds the value; bounds are inclusive on the side nearer the threshold. */
export function matchingStep(steps: StepAdjustment[], difference: number): StepAdjustment | undefined {
  return steps.find((step) => {
    const lower = step.MetricIntervalLowerBound ?? -Infinity;
    const upper = step.MetricIntervalUpperBound ?? Infinity;
    return difference >= 0 ? lower <= difference && difference < upper : lower < difference && difference <= upper;
  });
}

/** Step scaling, run when its alarm is in ALARM: the step for how far the metric is past the threshold sets the adjustment. */
export function decideStepScaling(input: StepScalingInput): ScalingDecision {
  const { config, capacity, now, scale } = input;
  const current = capacity.current;
  const difference = input.value - input.threshold;
  const step = matchingStep(config.StepAdjustments ?? [], difference);
  const trigger = `alarm ${input.alarmName} in state ALARM triggered policy ${input.policyName} (metric ${formatNumber(input.value)}, threshold ${formatNumber(input.threshold)})`;
  if (!step) return none(current, `${trigger}: no step adjustment covers a difference of ${formatNumber(difference)}`);
  let wanted: number;
  switch (config.AdjustmentType ?? "ChangeInCapacity") {
    case "ExactCapacity":
      wanted = step.ScalingAdjustment;
      break;
    case "PercentChangeInCapacity": {
      let change = Math.trunc((current * step.ScalingAdjustment) / 100);
      const floor = config.MinAdjustmentMagnitude ?? 0;
      if (Math.abs(change) < floor) change = Math.sign(step.ScalingAdjustment) * floor;
      wanted = current + change;
      break;
    }
    default:
      wanted = current + step.ScalingAdjustment;
  }
  const desired = clamp(wanted, capacity);
  if (desired === current) {
    const atBound = desired === capacity.max ? "AlreadyAtMaxCapacity" : "AlreadyAtMinCapacity";
    return none(current, `${trigger}: capacity stays ${current} (limits ${capacity.min}–${capacity.max})`, {
      code: atBound,
      detail: `${capacity.min}–${capacity.max}`,
    });
  }
  const direction = desired > current ? "out" : "in";
  if (direction === "out" && input.target.scaleOutSuspended)
    return none(current, `${trigger}; scale-out is suspended`, { code: "ScalingSuspended", detail: "DynamicScalingOutSuspended" });
  if (direction === "in" && input.target.scaleInSuspended)
    return none(current, `${trigger}; scale-in is suspended`, { code: "ScalingSuspended", detail: "DynamicScalingInSuspended" });
  const cooldown = scale.ms(config.Cooldown ?? defaultCooldownSeconds);
  if (input.lastActivityAt !== undefined && now - input.lastActivityAt < cooldown) {
    return none(current, `${trigger}; cooldown of ${config.Cooldown ?? defaultCooldownSeconds} s in progress`, {
      code: "CooldownInProgress",
      detail: "Cooldown",
    });
  }
  return { desired, direction, reason: `${trigger}: ${current} → ${desired}` };
}
