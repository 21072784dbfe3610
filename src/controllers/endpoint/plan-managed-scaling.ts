import type { Resources } from "../../domain/compute.js";
import type { EndpointRecord, InstanceRecord, ProductionVariant } from "../../domain/resources.js";
import { instancesNeeded } from "../../scheduler/instances-needed.js";
import { place } from "../../scheduler/place.js";
import type { PlacementInput } from "../../scheduler/types.js";
import { poolInputs } from "./plan-copies.js";
import type { EndpointWorld } from "./world.js";

export interface ManagedScalingTimings {
  /** How long an instance must stay empty before it is released (real ms). */
  idleReleaseMs: number;
  /** Real ms for a duration given in API minutes (CooldownInMinutes). */
  minutes: (apiMinutes: number) => number;
}

export interface ManagedScalingPlan {
  /** New desired instance counts, per variant of the current configuration. */
  desired: Map<string, { count: number; reason: string }>;
  /** Instances whose idle-since time changes (null: no longer idle). */
  idleSince: Map<string, number | null>;
  /** Instances to drain so their copies consolidate onto the others. */
  consolidate: { id: string; reason: string }[];
}

function limits(variant: ProductionVariant): { min: number; max: number } | undefined {
  const scaling = variant.ManagedInstanceScaling;
  if (scaling?.Status !== "ENABLED") return undefined;
  const min = scaling.MinInstanceCount ?? 1;
  return { min, max: Math.max(min, scaling.MaxInstanceCount ?? Math.max(min, variant.InitialInstanceCount ?? 1)) };
}

/**
 * Managed instance scaling: instances follow the copies. Add instances when copies cannot be placed
 * (up to MaxInstanceCount), release instances that stayed empty for the idle delay (down to
 * MinInstanceCount), and with CONSOLIDATION drain an instance whose copies fit elsewhere.
 */
export function planManagedScaling(world: EndpointWorld, timings: ManagedScalingTimings, capacityOf: (instanceType: string) => Resources | undefined): ManagedScalingPlan {
  const plan: ManagedScalingPlan = { desired: new Map(), idleSince: new Map(), consolidate: [] };
  const endpoint = world.endpoint;
  if (!endpoint || (endpoint.status !== "InService" && endpoint.status !== "Creating") || endpoint.pending) return plan;
  const occupied = new Set(world.copies.map((c) => c.instanceId));
  for (const variant of endpoint.current.config.ProductionVariants) {
    const bounds = limits(variant);
    if (!bounds) continue;
    const live = world.instances.filter((i) => i.generation === endpoint.current.generation && i.variantName === variant.VariantName && i.state !== "Draining");
    for (const instance of live) {
      const idle = instance.state === "InService" && !occupied.has(instance.id);
      if (idle && instance.idleSince === undefined) plan.idleSince.set(instance.id, world.now);
      if (!idle && instance.idleSince !== undefined) plan.idleSince.set(instance.id, null);
    }
    const input = variantInput(world, variant.VariantName, live);
    const desiredNow = endpoint.current.variants[variant.VariantName]?.desiredInstanceCount ?? live.length;
    let count = live.length;
    let reason = "";
    const unplaced = input ? place(input).unplaced : [];
    const capacity = capacityOf(variant.InstanceType!);
    if (unplaced.length > 0 && input && capacity) {
      const template = { capacity, deviceIndices: Array.from({ length: capacity.accelerators }, (_, i) => i) };
      const extra = instancesNeeded(input, template, bounds.max - live.length).count;
      count = live.length + extra;
      const missing = unplaced.reduce((sum, u) => sum + u.missing, 0);
      reason = extra > 0 ? `${missing} copies cannot be placed on ${live.length} instances` : `${missing} copies cannot be placed and the variant is at MaxInstanceCount ${bounds.max}`;
    } else if (unplaced.length === 0) {
      const releasable = live.filter((i) => i.state === "InService" && !occupied.has(i.id) && (i.idleSince ?? world.now) <= world.now - timings.idleReleaseMs);
      const release = Math.min(releasable.length, Math.max(0, live.length - bounds.min));
      if (release > 0) {
        count = live.length - release;
        reason = `${release} instance${release === 1 ? "" : "s"} held no copy for the idle delay`;
      } else {
        const consolidated = consolidation(world, endpoint, variant, live, bounds.min, timings);
        plan.consolidate.push(...consolidated);
        if (consolidated.length > 0) {
          count = live.length - consolidated.length;
          reason = `consolidating copies onto fewer instances`;
        }
      }
    }
    count = Math.min(bounds.max, Math.max(bounds.min, count));
    if (count !== desiredNow) plan.desired.set(variant.VariantName, { count, reason: reason || `keeping the instance count within ${bounds.min}–${bounds.max}` });
  }
  return plan;
}

/** The variant's placement input, with instances still launching counted as free capacity so they are not ordered twice. */
function variantInput(world: EndpointWorld, variantName: string, live: InstanceRecord[]): PlacementInput | undefined {
  const launching = new Set(live.filter((i) => i.state === "Pending").map((i) => i.id));
  const pool = poolInputs(world, new Set()).find((p) => p.pool.variantName === variantName);
  if (!pool) return undefined;
  const instances = pool.input.instances.map((i) =>
    launching.has(i.id) ? { ...i, schedulable: true, deviceIndices: Array.from({ length: i.capacity.accelerators }, (_, k) => k) } : i,
  );
  return { ...pool.input, instances };
}

function consolidation(world: EndpointWorld, endpoint: EndpointRecord, variant: ProductionVariant, live: InstanceRecord[], min: number, timings: ManagedScalingTimings): { id: string; reason: string }[] {
  const policy = variant.ManagedInstanceScaling?.ScaleInPolicy;
  if (policy?.Strategy !== "CONSOLIDATION" || live.length <= min) return [];
  if (world.now - endpoint.lastModifiedAt < timings.minutes(policy.CooldownInMinutes ?? 20)) return [];
  if (world.instances.some((i) => i.variantName === variant.VariantName && i.state === "Draining")) return [];
  if (world.copies.some((c) => c.replaces)) return [];
  const input = variantInput(world, variant.VariantName, live);
  if (!input || live.some((i) => i.state !== "InService")) return [];
  const load = (id: string) => input.current.filter((c) => c.instanceId === id).reduce((sum, c) => sum + c.resources.memoryMiB + c.resources.cpuMillis + c.resources.accelerators * 1e6, 0);
  const candidates = [...live].sort((a, b) => load(a.id) - load(b.id) || b.createdAt - a.createdAt);
  const out: { id: string; reason: string }[] = [];
  const drained = new Set<string>();
  for (const candidate of candidates) {
    if (out.length >= (policy.MaximumStepSize ?? 1) || live.length - out.length <= min) break;
    drained.add(candidate.id);
    const trial = place({ ...input, instances: input.instances.map((i) => (drained.has(i.id) ? { ...i, schedulable: false } : i)) });
    const moved = input.current.filter((c) => drained.has(c.instanceId)).every((c) => trial.add.some((a) => a.replaces === c.id));
    if (trial.unplaced.length === 0 && moved) out.push({ id: candidate.id, reason: "its copies fit on the other instances (CONSOLIDATION)" });
    else drained.delete(candidate.id);
  }
  return out;
}
