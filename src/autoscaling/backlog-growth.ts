import { ceilSafe, formatNumber, none, type Capacity, type ScalingDecision } from "./decision.js";
import type { TargetTrackingConfig } from "./records.js";

export interface BacklogInput {
  /** Requests waiting for a copy: held (no ready copy) or queued (every ready copy at its limit). */
  waiting: number;
  /** Ready copies; the rest of capacity.current is starting (placed and loading, or not placed yet). */
  ready: number;
  /** Requests one copy is meant to carry: the target value of a per-copy concurrency policy. */
  perCopy: number;
  capacity: Capacity;
  scaleOutSuspended?: boolean;
}

/**
 * Berth's addition to target tracking: a backlog that the copies already asked for cannot absorb
 * grows the component at once, not after three periods above target. Copies still starting count as
 * room for perCopy requests each, so a woken copy that is loading is not asked for twice; ready copies
 * count as full (requests wait only when they are). Cooldowns do not block it; it asks for no more than
 * the backlog needs, ceil((waiting − starting × perCopy) ÷ perCopy) copies, within the maximum. Pure.
 */
export function decideBacklogGrowth(input: BacklogInput): ScalingDecision {
  const { waiting, ready, perCopy, capacity } = input;
  const current = capacity.current;
  const starting = Math.max(0, current - ready);
  const room = starting * perCopy;
  const because = `${waiting} requests waiting, more than the ${current} ready and starting copies absorb`;
  if (!backlogExceedsRoom(input)) return none(current, `${waiting} requests waiting; the ${starting} copies starting absorb them`);
  const wanted = Math.min(capacity.max, current + ceilSafe((waiting - room) / perCopy));
  if (wanted <= current)
    return none(current, `${because}, but ${current} is already the maximum ${capacity.max}`, { code: "AlreadyAtMaxCapacity", detail: `max ${capacity.max}` });
  if (input.scaleOutSuspended) return none(current, `${because}; scale-out is suspended`, { code: "ScalingSuspended", detail: "DynamicScalingOutSuspended" });
  return {
    desired: wanted,
    direction: "out",
    reason: `${because} (${formatNumber(perCopy)} each); Berth grows a component at once when its backlog needs it`,
  };
}

/** More requests wait than the copies starting can take: the cheap test a caller may make before deciding. */
export function backlogExceedsRoom(input: Pick<BacklogInput, "waiting" | "ready" | "perCopy" | "capacity">): boolean {
  return input.perCopy > 0 && input.waiting > Math.max(0, input.capacity.current - input.ready) * input.perCopy;
}

/** The per-copy concurrency a component's target-tracking policies aim at (the smallest, if several); undefined without one. */
export function concurrencyTargetPerCopy(configs: readonly (TargetTrackingConfig | undefined)[]): number | undefined {
  let best: number | undefined;
  for (const config of configs) {
    if (!config) continue;
    const predefined = config.PredefinedMetricSpecification?.PredefinedMetricType;
    const custom = config.CustomizedMetricSpecification;
    const name = custom?.MetricName ?? custom?.Metrics?.find((m) => m.ReturnData !== false)?.MetricStat?.Metric.MetricName;
    if (predefined !== concurrencyMetricType && name !== "ConcurrentRequestsPerCopy") continue;
    if (config.TargetValue > 0 && (best === undefined || config.TargetValue < best)) best = config.TargetValue;
  }
  return best;
}

/** SageMaker's high-resolution per-copy concurrency metric, the one the backlog is measured against. */
export const concurrencyMetricType = "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution";
