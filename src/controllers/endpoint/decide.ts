import type { EndpointRecord } from "../../domain/resources.js";
import { planCopies, type CopyPlan } from "./plan-copies.js";
import { planInstances, type CapacityLookup, type InstancePlan } from "./plan-instances.js";
import { planManagedScaling, type ManagedScalingPlan, type ManagedScalingTimings } from "./plan-managed-scaling.js";
import { planStatus, type StatusPlan } from "./plan-status.js";
import { isReadyCopy, type EndpointWorld } from "./world.js";

export interface EndpointPlan {
  /** The endpoint as managed instance scaling leaves it (new desired instance counts), if that changed it. */
  endpoint?: EndpointRecord;
  managed: ManagedScalingPlan;
  instances: InstancePlan;
  copies: CopyPlan;
  /** Copies whose replacement is ready: they drain now. */
  finishMoves: { id: string; reason: string }[];
  /** Draining copies the agent has finished stopping, and copies whose instance is gone. */
  forget: string[];
  status: StatusPlan;
}

/** The whole decision for one endpoint: a pure function of what was read and the time. */
export function decideEndpoint(observed: EndpointWorld, capacityOf: CapacityLookup, timings: ManagedScalingTimings): EndpointPlan {
  const managed = planManagedScaling(observed, timings, capacityOf);
  const world = withManagedScaling(observed, managed);
  const instances = planInstances(world, capacityOf);
  instances.drain.push(...managed.consolidate);
  const copies = planCopies(world, new Set(instances.drain.map((d) => d.id)));
  const finishMoves: { id: string; reason: string }[] = [];
  for (const copy of world.copies) {
    if (!copy.replaces || copy.state !== "Active" || !isReadyCopy(world, copy)) continue;
    const old = world.copies.find((c) => c.id === copy.replaces);
    if (old && old.state === "Active") finishMoves.push({ id: old.id, reason: `replaced by ${copy.id}, which is ready` });
  }
  const instanceIds = new Set(world.instances.map((i) => i.id));
  const forget = world.copies
    .filter((c) => (c.state === "Draining" && !world.statuses.has(c.id)) || !instanceIds.has(c.instanceId))
    .map((c) => c.id);
  return {
    endpoint: managed.desired.size > 0 ? world.endpoint : undefined,
    managed,
    instances,
    copies,
    finishMoves,
    forget,
    status: planStatus(world, copies.unplaced),
  };
}

function withManagedScaling(world: EndpointWorld, managed: ManagedScalingPlan): EndpointWorld {
  if (managed.desired.size === 0 && managed.consolidate.length === 0) return world;
  const endpoint = world.endpoint!;
  const variants = { ...endpoint.current.variants };
  for (const [name, { count }] of managed.desired) variants[name] = { ...(variants[name] ?? { desiredWeight: 1 }), desiredInstanceCount: count };
  const consolidating = new Set(managed.consolidate.map((c) => c.id));
  return {
    ...world,
    endpoint: { ...endpoint, current: { ...endpoint.current, variants } },
    instances: world.instances.map((i) => (consolidating.has(i.id) ? { ...i, state: "Draining" as const } : i)),
  };
}
