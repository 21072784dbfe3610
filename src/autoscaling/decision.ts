/** What a scaling policy decided, and why, in words that go into DescribeScalingActivities. */
export interface ScalingDecision {
  desired: number;
  direction: "out" | "in" | "none";
  reason: string;
  /** Set when the policy wanted to scale but a rule stopped it. */
  notScaled?: {
    code: "AlreadyAtMinCapacity" | "AlreadyAtMaxCapacity" | "CooldownInProgress" | "ScaleInDisabled" | "ScalingSuspended" | "NoCapacityToTrack";
    detail: string;
  };
}

export interface Capacity {
  current: number;
  min: number;
  max: number;
}

export interface TargetState {
  lastScaleOutAt?: number;
  lastScaleInAt?: number;
  scaleOutSuspended?: boolean;
  scaleInSuspended?: boolean;
}

export function clamp(value: number, capacity: Capacity): number {
  return Math.min(capacity.max, Math.max(capacity.min, value));
}

export function none(current: number, reason: string, notScaled?: ScalingDecision["notScaled"]): ScalingDecision {
  return { desired: current, direction: "none", reason, notScaled };
}

/** ceil() that does not turn 3.0000000000000004 into 4. */
export function ceilSafe(value: number): number {
  return Math.ceil(value - 1e-9);
}

export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
}
