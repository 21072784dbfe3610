import type { InstanceRecord, ProductionVariant } from "../../domain/resources.js";
import { consolidationAllowed, consolidationDefaults, decideInstanceCount } from "../../autoscaling/instance-scaling.js";
import type { Quotas } from "../../domain/quotas.js";
import type { InstanceTemplate } from "../../scheduler/instances-needed.js";
import { schedulerInstance } from "../../scheduler/scheduler-instance.js";
import type { PlacementInput } from "../../scheduler/types.js";
import type { CapacityLookup, InstanceShape } from "./plan-instances.js";
import { poolInputs, type PoolInput } from "./plan-copies.js";
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
export function planManagedScaling(world: EndpointWorld, timings: ManagedScalingTimings, capacityOf: CapacityLookup, quotas: Quotas): ManagedScalingPlan {
  const plan: ManagedScalingPlan = { desired: new Map(), idleSince: new Map(), consolidate: [] };
  const endpoint = world.endpoint;
  // Updating without a pending configuration is a capacity change under way, which managed scaling may add to.
  if (!endpoint || !["InService", "Creating", "Updating"].includes(endpoint.status) || endpoint.pending) return plan;
  const occupied = new Set(world.copies.map((c) => c.instanceId));
  let pools: PoolInput[] | undefined;
  for (const variant of endpoint.current.config.ProductionVariants) {
    const wanted = limits(variant);
    if (!wanted) continue;
    // The variant shares the endpoint's instance quota with the others, so MaxInstanceCount never buys more than what is left.
    const others = endpoint.current.config.ProductionVariants.reduce(
      (sum, v) => sum + (v.VariantName === variant.VariantName ? 0 : (endpoint.current.variants[v.VariantName]?.desiredInstanceCount ?? 0)),
      0,
    );
    const ceiling = Math.max(0, quotas.maxInstancesPerEndpoint - others);
    const bounds = { min: Math.min(wanted.min, ceiling), max: Math.min(wanted.max, ceiling) };
    const live = world.instances.filter((i) => i.generation === endpoint.current.generation && i.variantName === variant.VariantName && i.state !== "Draining");
    for (const instance of live) {
      const idle = instance.state === "InService" && !occupied.has(instance.id);
      if (idle && instance.idleSince === undefined) plan.idleSince.set(instance.id, world.now);
      if (!idle && instance.idleSince !== undefined) plan.idleSince.set(instance.id, null);
    }
    const shape = capacityOf(variant.InstanceType!);
    if (!shape) continue;
    const template = instanceTemplate(live, shape, variant.InstanceType!);
    const input = variantInput((pools ??= poolInputs(world, new Set())), variant.VariantName, live, template);
    const desiredNow = endpoint.current.variants[variant.VariantName]?.desiredInstanceCount ?? live.length;
    if (!input) continue;
    const policy = variant.ManagedInstanceScaling?.ScaleInPolicy;
    const decision = decideInstanceCount({
      placement: input,
      template,
      live: live.map((i) => ({
        id: i.id,
        launching: i.state === "Pending",
        idleSince: plan.idleSince.has(i.id) ? (plan.idleSince.get(i.id) ?? undefined) : i.idleSince,
        createdAt: i.createdAt,
      })),
      bounds,
      desired: desiredNow,
      now: world.now,
      idleReleaseMs: timings.idleReleaseMs,
      consolidation:
        policy?.Strategy === "CONSOLIDATION"
          ? {
              maxStep: policy.MaximumStepSize ?? consolidationDefaults.maxStep,
              allowed: consolidationAllowed({
                now: world.now,
                lastModifiedAt: endpoint.lastModifiedAt,
                cooldownMs: timings.minutes(policy.CooldownInMinutes ?? consolidationDefaults.cooldownMinutes),
                draining: world.instances.some((i) => i.variantName === variant.VariantName && i.state === "Draining"),
              }),
            }
          : undefined,
    });
    for (const id of decision.consolidate) plan.consolidate.push({ id, reason: "its copies fit on the other instances (CONSOLIDATION)" });
    const count = decision.count;
    const reason = decision.reason;
    if (count !== desiredNow) plan.desired.set(variant.VariantName, { count, reason });
  }
  return plan;
}

/**
 * The variant's placement input, with instances still launching counted as free capacity so they are not
 * ordered twice. A launching instance has no devices yet: it gets the template's, so shares fit on it too.
 */
function variantInput(pools: readonly PoolInput[], variantName: string, live: InstanceRecord[], template: InstanceTemplate): PlacementInput | undefined {
  const launching = new Set(live.filter((i) => i.state === "Pending").map((i) => i.id));
  const pool = pools.find((p) => p.pool.variantName === variantName);
  if (!pool) return undefined;
  const instances = pool.input.instances.map((i) =>
    launching.has(i.id) ? schedulerInstance({ ...i, schedulable: true, deviceIndices: template.deviceIndices, deviceMemoryMiB: template.deviceMemoryMiB }) : i,
  );
  return { ...pool.input, instances };
}

/**
 * A new instance of the type: its devices as those of a live instance of the type (real GPUs may differ
 * from the catalog), else the catalog's modelled devices, as the local provider and agents declare them.
 */
function instanceTemplate(live: readonly InstanceRecord[], shape: InstanceShape, instanceType: string): InstanceTemplate {
  const count = shape.capacity.accelerators;
  const deviceIndices = Array.from({ length: count }, (_, i) => i);
  const known = live.find((i) => i.devices.length === count)?.devices.map((d) => d.memoryMiB);
  return { capacity: shape.capacity, deviceIndices, deviceMemoryMiB: known ?? deviceIndices.map(() => shape.deviceMemoryMiB), instanceType };
}
