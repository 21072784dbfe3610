import type { ScalableTargetRecord, ScalingPolicyRecord, ScheduledActionRecord } from "../../autoscaling/records.js";
import type { ScalableResource } from "../../autoscaling/resource-id.js";
import { variantCopies } from "../../domain/capacity-rules.js";
import type { Resources } from "../../domain/compute.js";
import { componentsOfEndpoint } from "../../state/components.js";
import type { CapacityHolder, ScalingPassInput, ScalingPassResult, ScalingTrigger, TrackedPolicy } from "../../autoscaling/scaling-pass.js";
import { trackingWindows } from "../../autoscaling/target-tracking.js";
import { trackedMetric } from "../../autoscaling/tracked-metric.js";
import type { ComponentRecord, EndpointRecord } from "../../domain/resources.js";
import { gathered, type MetricsReader } from "../../metrics/types.js";
import { keys } from "../../state/keys.js";
import { absent, check, del, put, unchanged, type BerthStore, type Entry, type Op, type ReadEntry } from "../../state/records.js";
import type { TimeScale } from "../../util/time-scale.js";
import { activityKey, readActivities, sameSummary, summaryAfter, type ReadActivities } from "./activity-summary.js";
import type { ObservedCapacity } from "./observed-capacity.js";
import type { TargetConfig } from "./scaling-config-view.js";

/** What a scaling pass read, with the entries its commit is conditioned on. */
export interface ScalingWorld {
  input: Pick<ScalingPassInput, "target" | "policies" | "scheduled" | "tracked" | "holder" | "observed" | "activities" | "now">;
  target: ReadEntry<ScalableTargetRecord>;
  policies: ReadEntry<ScalingPolicyRecord>[];
  scheduled: ReadEntry<ScheduledActionRecord>[];
  activities: ReadActivities;
  holder?: Entry<ComponentRecord> | Entry<EndpointRecord>;
}

export async function readScalingWorld(
  store: BerthStore,
  observedCapacity: ObservedCapacity,
  metrics: MetricsReader,
  scale: TimeScale,
  config: TargetConfig,
  resource: ScalableResource,
  trigger: ScalingTrigger,
  now: number,
  /** What one instance of a type offers, for the room a variant's lowered instance count must leave its copies. */
  instanceCapacityOf: (instanceType: string) => Resources | undefined = () => undefined,
): Promise<ScalingWorld> {
  const { target, policies } = config;
  const activities = await readActivities(store, target.value, false);
  // Scheduled actions run in the periodic pass only; other passes neither run nor write them.
  const scheduled = trigger.kind === "track" ? config.scheduled : [];
  let holder: CapacityHolder | undefined;
  let holderEntry: ScalingWorld["holder"];
  if (resource.kind === "component") {
    const entry = await store.get("inference-component", keys.component(resource.component));
    holderEntry = entry;
    holder = entry && { kind: "component", record: entry.value };
  } else {
    const entry = await store.get("endpoint", keys.endpoint(resource.endpoint));
    holderEntry = entry;
    if (entry && entry.value.current.variants[resource.variant]) {
      // The copies its inference components want: the capacity rules refuse an instance count with no room for them.
      const components = (await componentsOfEndpoint(store, entry.value.name)).map((c) => c.value);
      const type = entry.value.current.config.ProductionVariants.find((v) => v.VariantName === resource.variant)?.InstanceType;
      const capacity = type ? instanceCapacityOf(type) : undefined;
      const copies = variantCopies(resource.variant, components, type && capacity ? { type, capacity } : undefined);
      holder = { kind: "variant", record: entry.value, variant: resource.variant, copies };
    }
  }
  const tracked = trigger.kind === "track" && holder ? await trackedPolicies(metrics, scale, resource, policies, now) : [];
  const open = activities.entries.some((a) => a.value.statusCode === "InProgress");
  const observed = holder && (tracked.length > 0 || open || trigger.kind === "backlog") ? await observedCapacity.of(holder) : undefined;
  return {
    input: {
      target: target.value,
      policies: policies.map((p) => p.value),
      scheduled: scheduled.map((a) => a.value),
      tracked,
      holder,
      observed,
      activities: activities.entries.map((a) => a.value),
      now,
    },
    target,
    policies,
    scheduled,
    activities,
    holder: holderEntry,
  };
}

/** The same world with the target's whole activity history, for a pass that may prune it. */
export async function withWholeHistory(store: BerthStore, world: ScalingWorld): Promise<ScalingWorld> {
  const activities = await readActivities(store, world.target.value, true);
  return { ...world, activities, input: { ...world.input, activities: activities.entries.map((a) => a.value) } };
}

/** The metric history of each target-tracking policy whose metric Berth can read. */
async function trackedPolicies(
  metrics: MetricsReader,
  scale: TimeScale,
  resource: ScalableResource,
  policies: ReadEntry<ScalingPolicyRecord>[],
  now: number,
): Promise<TrackedPolicy[]> {
  const tracked: TrackedPolicy[] = [];
  for (const { value: policy } of policies) {
    if (policy.policyType !== "TargetTrackingScaling" || !policy.targetTracking) continue;
    const metric = trackedMetric(policy.targetTracking, resource);
    if (!metric.ok) continue;
    const windows = trackingWindows(metric.tracked.periodSeconds);
    const periodMs = scale.ms(metric.tracked.periodSeconds);
    const end = Math.floor(now / periodMs) * periodMs;
    const count = Math.max(windows.scaleInPeriods, windows.scaleOutPeriods);
    const window = { startMs: end - count * periodMs, endMs: end };
    const reader = await gathered(metrics, { metrics: [metric.tracked.metric], ...window });
    const points = reader.statistics({ metric: metric.tracked.metric, statistic: metric.tracked.statistic, periodMs, ...window });
    const byTime = new Map(points.map((p) => [p.timestamp, p.value]));
    const history = Array.from({ length: count }, (_, i) => byTime.get(end - (count - i) * periodMs));
    tracked.push({ policy, metricLabel: metric.tracked.label, windows, history });
  }
  return tracked;
}

/**
 * Commits everything a pass decided at once, conditioned on every record it read: capacity, activities
 * (new, settled, pruned), the target's stamps and the policies' stamps. Nothing to write, no commit
 * (undefined); else the ops and the revision they were committed at.
 */
export async function commitScalingPass(
  store: BerthStore,
  world: ScalingWorld,
  result: ScalingPassResult,
): Promise<{ ops: Op[]; revision: number } | undefined> {
  const ops: Op[] = [];
  const byId = new Map(world.activities.entries.map((a) => [a.value.activityId, a]));
  for (const activity of result.activities) {
    const stored = byId.get(activity.activityId);
    ops.push(put("scaling-activity", stored?.key ?? activityKey(activity), activity, stored ? unchanged(stored) : absent));
  }
  for (const activity of result.pruned) {
    const stored = byId.get(activity.activityId);
    if (stored) ops.push(del("scaling-activity", stored.key, unchanged(stored)));
  }
  if (result.holder) {
    const holder = world.holder!;
    if ("desiredCopyCount" in result.holder) ops.push(put("inference-component", holder.key, result.holder, unchanged(holder)));
    else ops.push(put("endpoint", holder.key, result.holder, unchanged(holder)));
  }
  const ran = new Map(result.scheduledActions.map((a) => [a.name, a]));
  for (const entry of world.scheduled) {
    const next = ran.get(entry.value.name);
    if (next) ops.push(put("scheduled-action", entry.key, next, unchanged(entry)));
  }
  const summary = summaryAfter(world.activities, result);
  const summaryChanged = !sameSummary(world.target.value.activities, summary);
  if (ops.length === 0 && !result.target && !summaryChanged && result.policies.length === 0) return undefined;
  const changedPolicies = new Map(result.policies.map((p) => [p.name, p]));
  for (const entry of world.policies) {
    const next = changedPolicies.get(entry.value.name);
    ops.push(next ? put("scaling-policy", entry.key, next, unchanged(entry)) : check("scaling-policy", entry.key, unchanged(entry)));
  }
  ops.push(
    result.target || summaryChanged
      ? put("scalable-target", world.target.key, { ...(result.target ?? world.target.value), activities: summary }, unchanged(world.target))
      : check("scalable-target", world.target.key, unchanged(world.target)),
  );
  if (world.holder && !result.holder)
    ops.push(
      check(world.holder.value && "desiredCopyCount" in world.holder.value ? "inference-component" : "endpoint", world.holder.key, unchanged(world.holder)),
    );
  return { ops, revision: await store.commit(ops) };
}
