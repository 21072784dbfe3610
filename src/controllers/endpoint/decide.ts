import type { ComponentRecord, EndpointRecord } from "../../domain/resources.js";
import { planRollouts } from "./plan-rollouts.js";
import { planCopies, type CopyPlan } from "./plan-copies.js";
import { planInstances, type CapacityLookup, type InstancePlan } from "./plan-instances.js";
import { planManagedScaling, type ManagedScalingPlan, type ManagedScalingTimings } from "./plan-managed-scaling.js";
import { planQuotas } from "./plan-quotas.js";
import { defaultSessionDrainMs, planSessionDrain, type SessionDrainPlan } from "./plan-session-drain.js";
import { planStatus, scaledEndpoint, type StatusPlan } from "./plan-status.js";
import { stuckDrains } from "./plan-stuck-drains.js";
import { stuckUpdate } from "./plan-stuck-update.js";
import type { Quotas } from "../../domain/quotas.js";
import { finishedMoves } from "../../scheduler/moves.js";
import { isReadyCopy, onLostHost, type EndpointWorld } from "./world.js";

export interface EndpointPlan {
  /** The endpoint as managed instance scaling leaves it (new desired instance counts), if that changed it. */
  endpoint?: EndpointRecord;
  /** Every component as this pass leaves it (rollout steps, statuses, copy ordinals); unchanged ones too. */
  components: Map<string, ComponentRecord | "delete">;
  /** Log lines about rollouts and quotas. */
  rolloutEvents: string[];
  /** When a running update must be looked at again (end of a bake, its deadline). */
  rolloutWakeAt?: number;
  managed: ManagedScalingPlan;
  instances: InstancePlan;
  copies: CopyPlan;
  /** Copies whose replacement is ready: they drain now. */
  finishMoves: { id: string; reason: string }[];
  /** Draining copies the agent has finished stopping, and copies whose instance is gone. */
  forget: string[];
  /** Copies stopped with open stateful sessions keep serving them for a while; those whose while is over. */
  sessionDrain: SessionDrainPlan;
  /** Instances whose host lost its lease: they are removed at once with their copies, which are placed again elsewhere. */
  lost: LostInstance[];
  status: StatusPlan;
}

export interface LostInstance {
  id: string;
  host: string;
  /** Its copies, gone with the host: their statuses go too, since no agent is left to remove them. */
  copies: string[];
}

/** The whole decision for one endpoint: a pure function of what was read and the time. */
export function decideEndpoint(
  seen: EndpointWorld,
  capacityOf: CapacityLookup,
  timings: ManagedScalingTimings,
  quotas: Quotas,
  sessionDrainMs = defaultSessionDrainMs,
): EndpointPlan {
  const lost: LostInstance[] = seen.instances
    .filter((i) => onLostHost(seen, i))
    .map((i) => ({ id: i.id, host: i.host, copies: seen.copies.filter((c) => c.instanceId === i.id).map((c) => c.id) }));
  // Everything below decides as if the lost instances were already gone.
  const observed = lost.length === 0 ? seen : withoutInstances(seen, new Set(lost.map((l) => l.id)));
  const rollouts = planRollouts(observed);
  const rolled =
    rollouts.length === 0
      ? observed
      : { ...observed, components: observed.components.map((c) => rollouts.find((r) => r.component.name === c.name)?.component ?? c) };
  const limits = planQuotas(rolled, quotas);
  const managed = planManagedScaling(limits.world, timings, capacityOf, quotas);
  const scaled = withManagedScaling(limits.world, managed);
  const instances = planInstances(scaled, capacityOf, new Set(lost.map((l) => l.id)));
  instances.drain.push(...managed.consolidate);
  // Instances taken back into service take copies (and keep theirs) from this very pass.
  const world = withUndrained(scaled, new Set(instances.undrain.map((u) => u.id)));
  const copies = planCopies(world, new Set(instances.drain.map((d) => d.id)));
  const finishMoves = finishedMoves(
    world.copies,
    (c) => isReadyCopy(world, c),
    (c) => c.state === "Active",
  ).map(({ old, by }) => ({ id: old.id, reason: `replaced by ${by.id}, which is ready` }));
  const instanceIds = new Set(world.instances.map((i) => i.id));
  const forget = world.copies.filter((c) => (c.state === "Draining" && !world.statuses.has(c.id)) || !instanceIds.has(c.instanceId)).map((c) => c.id);
  const stopping = [...copies.drain, ...finishMoves].map((d) => d.id);
  const sessionDrain = planSessionDrain(world, stopping, new Set(forget), sessionDrainMs);
  const status = planStatus(world, copies.unplaced, copies.add, stuckDrains(world, copies), stuckUpdate(world, copies));
  // A component failed for its quota keeps that status and reason whatever its (frozen) copies look like.
  status.components = status.components.filter((c) => !limits.failed.has(c.name));
  return {
    endpoint: managed.desired.size > 0 ? world.endpoint : limits.endpoint,
    components: finalComponents(limits.components, status, copies, world.now),
    rolloutEvents: [...rollouts.map((r) => r.reason), ...limits.events],
    rolloutWakeAt: rolloutWake(world),
    managed,
    instances,
    copies,
    finishMoves,
    forget,
    sessionDrain,
    lost,
    status,
  };
}

/** Their copies stay in view as stopped (Draining, no status), so no new copy takes their ids in this commit. */
function withoutInstances(world: EndpointWorld, gone: Set<string>): EndpointWorld {
  const statuses = new Map(world.statuses);
  for (const copy of world.copies) if (gone.has(copy.instanceId)) statuses.delete(copy.id);
  return {
    ...world,
    instances: world.instances.filter((i) => !gone.has(i.id)),
    copies: world.copies.map((c) => (gone.has(c.instanceId) ? { ...c, state: "Draining" as const } : c)),
    statuses,
  };
}

function finalComponents(components: ComponentRecord[], status: StatusPlan, copies: CopyPlan, now: number): Map<string, ComponentRecord | "delete"> {
  const out = new Map<string, ComponentRecord | "delete">();
  const changes = new Map(status.components.map((c) => [c.name, c]));
  for (const component of components) {
    const change = changes.get(component.name);
    if (change?.delete) {
      out.set(component.name, "delete");
      continue;
    }
    const ordinal = copies.nextOrdinals.get(component.name);
    const newOrdinal = ordinal !== undefined && ordinal > component.nextCopyOrdinal;
    const newStatus = change?.status !== undefined && change.status !== component.status;
    const reason = typeof change?.failureReason === "string" ? change.failureReason.slice(0, 1024) : change?.failureReason;
    // A settled component is passed on as it was read, so the caller sees at once that it is unchanged.
    if (
      !newOrdinal &&
      !newStatus &&
      (reason === undefined || reason === component.failureReason || (reason === null && component.failureReason === undefined))
    ) {
      out.set(component.name, component);
      continue;
    }
    const next: ComponentRecord = { ...component };
    if (newOrdinal) next.nextCopyOrdinal = ordinal;
    if (newStatus) {
      next.status = change.status!;
      next.lastModifiedAt = now;
    }
    if (reason === null) delete next.failureReason;
    else if (reason !== undefined) next.failureReason = reason;
    out.set(component.name, next);
  }
  return out;
}

function withManagedScaling(world: EndpointWorld, managed: ManagedScalingPlan): EndpointWorld {
  if (managed.desired.size === 0 && managed.consolidate.length === 0) return world;
  const endpoint = world.endpoint!;
  const variants = { ...endpoint.current.variants };
  for (const [name, { count }] of managed.desired) variants[name] = { ...(variants[name] ?? { desiredWeight: 1 }), desiredInstanceCount: count };
  const consolidating = new Set(managed.consolidate.map((c) => c.id));
  return {
    ...world,
    endpoint: scaledEndpoint(endpoint, variants, world.now),
    instances: world.instances.map((i) => (consolidating.has(i.id) ? { ...i, state: "Draining" as const } : i)),
  };
}

function withUndrained(world: EndpointWorld, undrained: Set<string>): EndpointWorld {
  if (undrained.size === 0) return world;
  return { ...world, instances: world.instances.map((i) => (undrained.has(i.id) ? { ...i, state: "InService" as const } : i)) };
}

function rolloutWake(world: EndpointWorld): number | undefined {
  let at: number | undefined;
  for (const component of world.components) {
    const rollout = component.rollout;
    if (!rollout) continue;
    for (const t of [rollout.bakeUntil, rollout.startedAt + rollout.policy.timeoutMs]) {
      if (t !== undefined && t > world.now && (at === undefined || t < at)) at = t;
    }
  }
  return at;
}
