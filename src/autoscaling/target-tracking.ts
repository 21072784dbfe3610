import type { TimeScale } from "../util/time-scale.js";
import { ceilSafe, clamp, formatNumber, none, type Capacity, type ScalingDecision, type TargetState } from "./decision.js";
import type { TargetTrackingConfig } from "./records.js";

/** SageMaker's default cooldowns for its scalable targets (API seconds). */
export const defaultCooldownSeconds = 300;
/** AAS sets the scale-in alarm of a target-tracking policy at 90% of the target. */
export const scaleInThresholdFraction = 0.9;

export interface TrackingWindows {
  /** Consecutive periods above the target before scaling out (AlarmHigh). */
  scaleOutPeriods: number;
  /** Consecutive periods below 90% of the target before scaling in (AlarmLow). */
  scaleInPeriods: number;
}

/** Standard 60 s metrics: 3 minutes high, 15 minutes low; 10 s high-resolution metrics: 1 minute high, 15 minutes low. */
export function trackingWindows(periodSeconds: number): TrackingWindows {
  return periodSeconds < 60
    ? { scaleOutPeriods: Math.round(60 / periodSeconds), scaleInPeriods: Math.round(900 / periodSeconds) }
    : { scaleOutPeriods: 3, scaleInPeriods: 15 };
}

export interface TargetTrackingInput {
  policyName: string;
  config: TargetTrackingConfig;
  metricLabel: string;
  windows: TrackingWindows;
  /** One value per period (undefined where the metric had no data), oldest first, ending with the last complete period. */
  history: (number | undefined)[];
  capacity: Capacity;
  /**
   * How many copies (or instances) produced the metric, when fewer than the desired count are ready:
   * a per-copy metric measured on 2 ready copies says nothing about copies still starting, so the new
   * capacity is ready × metric / target, not desired × metric / target. Defaults to capacity.current.
   */
  measured?: number;
  target: TargetState;
  now: number;
  scale: TimeScale;
  unit: string;
}

/**
 * Target tracking: keep the metric near the target by setting capacity to ceil(current × metric / target).
 * Scale out once the metric has been above the target for the whole scale-out window; scale in once it
 * has been below 90% of the target for the whole scale-in window; cooldowns and DisableScaleIn apply.
 */
export function decideTargetTracking(input: TargetTrackingInput): ScalingDecision {
  const { config, capacity, target, now, scale, windows, history } = input;
  const goal = config.TargetValue;
  const current = capacity.current;
  const basis = Math.min(current, input.measured ?? current);
  if (current === 0) {
    return none(0, `${input.policyName}: no ${input.unit} to measure ${input.metricLabel} on; target tracking cannot scale from zero`, {
      code: "NoCapacityToTrack",
      detail: "scale-out from zero comes from a request arriving (Berth wakes the component) or from a step scaling policy",
    });
  }
  const signal = trackingSignal(history, windows, goal, capacity, basis);
  if (signal?.direction === "out") {
    const { latest, wanted } = signal;
    const because = `${input.metricLabel} ${formatNumber(latest)} above target ${formatNumber(goal)} for ${windows.scaleOutPeriods} periods`;
    if (wanted <= current) {
      if (current >= capacity.max)
        return none(current, `${input.policyName}: ${because}, but ${current} is already the maximum ${capacity.max}`, {
          code: "AlreadyAtMaxCapacity",
          detail: `max ${capacity.max}`,
        });
      return none(current, `${input.policyName}: ${because}; the ${current - basis} ${input.unit} still starting will cover it`);
    }
    if (target.scaleOutSuspended)
      return none(current, `${input.policyName}: ${because}; scale-out is suspended`, { code: "ScalingSuspended", detail: "DynamicScalingOutSuspended" });
    if (inCooldown("out", config, target, now, scale)) {
      return none(current, `${input.policyName}: ${because}; scale-out cooldown in progress`, { code: "CooldownInProgress", detail: "ScaleOutCooldown" });
    }
    return {
      desired: wanted,
      direction: "out",
      reason: `${input.policyName}: ${because}: ${basis} × ${formatNumber(latest)} / ${formatNumber(goal)} → ${wanted}`,
    };
  }
  if (signal?.direction === "in") {
    const { peak, wanted } = signal;
    const low = goal * scaleInThresholdFraction;
    const because = `${input.metricLabel} at most ${formatNumber(peak)}, below ${formatNumber(low)} (90% of target ${formatNumber(goal)}) for ${windows.scaleInPeriods} periods`;
    if (wanted >= current) {
      if (current <= capacity.min)
        return none(current, `${input.policyName}: ${because}, but ${current} is already the minimum ${capacity.min}`, {
          code: "AlreadyAtMinCapacity",
          detail: `min ${capacity.min}`,
        });
      return none(current, `${input.policyName}: ${because}, but ${current} ${input.unit} are still needed for that load`);
    }
    if (config.DisableScaleIn)
      return none(current, `${input.policyName}: ${because}; scale-in is disabled by the policy`, { code: "ScaleInDisabled", detail: "DisableScaleIn" });
    if (target.scaleInSuspended)
      return none(current, `${input.policyName}: ${because}; scale-in is suspended`, { code: "ScalingSuspended", detail: "DynamicScalingInSuspended" });
    if (inCooldown("in", config, target, now, scale))
      return none(current, `${input.policyName}: ${because}; scale-in cooldown in progress`, { code: "CooldownInProgress", detail: "ScaleInCooldown" });
    return {
      desired: wanted,
      direction: "in",
      reason: `${input.policyName}: ${because}: ${current} × ${formatNumber(peak)} / ${formatNumber(goal)} → ${wanted}`,
    };
  }
  return none(current, `${input.policyName}: ${input.metricLabel} is near target ${formatNumber(goal)}`);
}

/** Whether a scale in `direction` waits for its cooldown: since the last scale-out (out), or the last scale of either kind (in). */
export function inCooldown(direction: "out" | "in", config: TargetTrackingConfig, target: TargetState, now: number, scale: TimeScale): boolean {
  if (direction === "out") {
    const cooldown = scale.ms(config.ScaleOutCooldown ?? defaultCooldownSeconds);
    return target.lastScaleOutAt !== undefined && now - target.lastScaleOutAt < cooldown;
  }
  const cooldown = scale.ms(config.ScaleInCooldown ?? defaultCooldownSeconds);
  const last = Math.max(target.lastScaleInAt ?? -Infinity, target.lastScaleOutAt ?? -Infinity);
  return now - last < cooldown;
}

/** What the metric's history asks for before capacity rules, cooldowns and suspensions; undefined: near the target. */
export type TrackingSignal = { direction: "out"; latest: number; wanted: number } | { direction: "in"; peak: number; wanted: number } | undefined;

/**
 * The windows' test of decideTargetTracking, alone: the metric above the target for the whole scale-out
 * window (wanted: basis × latest / target), else below 90% of it for the whole scale-in window (wanted:
 * current × peak / target), both clamped to the capacity's bounds. The simulator computes the same from
 * its own running counts with scaleOutWanted and scaleInWanted and calls decideTargetTracking only when
 * the count may change.
 */
export function trackingSignal(
  history: readonly (number | undefined)[],
  windows: TrackingWindows,
  goal: number,
  capacity: Capacity,
  basis: number,
): TrackingSignal {
  const outFrom = windowStart(history, windows.scaleOutPeriods);
  if (outFrom >= 0 && everyFrom(history, outFrom, (v) => v > goal)) {
    const latest = history[history.length - 1]!;
    return { direction: "out", latest, wanted: scaleOutWanted(basis, latest, goal, capacity) };
  }
  const inFrom = windowStart(history, windows.scaleInPeriods);
  const low = goal * scaleInThresholdFraction;
  if (inFrom >= 0 && everyFrom(history, inFrom, (v) => v < low)) {
    let peak = -Infinity;
    for (let i = inFrom; i < history.length; i++) peak = Math.max(peak, history[i]!);
    return { direction: "in", peak, wanted: scaleInWanted(peak, goal, capacity) };
  }
  return undefined;
}

/** The count a scale-out asks for: ceil(basis × latest / target), within the bounds. */
export function scaleOutWanted(basis: number, latest: number, goal: number, capacity: Capacity): number {
  return clamp(ceilSafe((basis * latest) / goal), capacity);
}

/** The count a scale-in asks for: ceil(current × the window's peak / target), within the bounds. */
export function scaleInWanted(peak: number, goal: number, capacity: Capacity): number {
  return clamp(ceilSafe((capacity.current * peak) / goal), capacity);
}

/** Where the last `periods` values of the history start (as history.slice(-periods) takes them); -1 when there are fewer. */
function windowStart(history: readonly (number | undefined)[], periods: number): number {
  const from = periods === 0 ? 0 : Math.max(0, history.length - periods);
  return history.length - from === periods ? from : -1;
}

/** Every value from `from` on is present and passes `test`. */
function everyFrom(history: readonly (number | undefined)[], from: number, test: (v: number) => boolean): boolean {
  for (let i = from; i < history.length; i++) {
    const v = history[i];
    if (v === undefined || !test(v)) return false;
  }
  return true;
}
