import { planCopies, type CopyPlan } from "./plan-copies.js";
import { planInstances, type CapacityLookup, type InstancePlan } from "./plan-instances.js";
import { planStatus, type StatusPlan } from "./plan-status.js";
import { isReadyCopy, type EndpointWorld } from "./world.js";

export interface EndpointPlan {
  instances: InstancePlan;
  copies: CopyPlan;
  /** Copies whose replacement is ready: they drain now. */
  finishMoves: { id: string; reason: string }[];
  /** Draining copies the agent has finished stopping, and copies whose instance is gone. */
  forget: string[];
  status: StatusPlan;
}

/** The whole decision for one endpoint: a pure function of what was read and the time. */
export function decideEndpoint(world: EndpointWorld, capacityOf: CapacityLookup): EndpointPlan {
  const instances = planInstances(world, capacityOf);
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
  return { instances, copies, finishMoves, forget, status: planStatus(world, copies.unplaced) };
}
