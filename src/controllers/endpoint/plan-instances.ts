import type { InstanceRecord } from "../../domain/resources.js";
import type { Resources } from "../../domain/compute.js";
import { activeDeployments, type EndpointWorld } from "./world.js";

export interface InstancePlan {
  create: InstanceRecord[];
  drain: { id: string; reason: string }[];
  /** Draining instances taken back into service, before any is created, when their variant wants more instances again. */
  undrain: { id: string; reason: string }[];
  terminate: { id: string; reason: string }[];
}

/** What one instance of a type offers: its schedulable totals, and the catalog's accelerator memory per device. */
export interface InstanceShape {
  capacity: Resources;
  deviceMemoryMiB: number;
}

export type CapacityLookup = (instanceType: string) => InstanceShape | undefined;

/**
 * Instances created by one pass. Each pass is one store commit and the loop yields between passes, so
 * an endpoint with many instances comes up in steps while the API keeps answering.
 */
export const instancesCreatedPerPass = 50;

/** Instance ids read as endpoint.variant.generation.ordinal; dots never occur in names, so ids cannot clash. */
export function instanceId(endpoint: string, variant: string, generation: number, ordinal: number): string {
  return `${endpoint}.${variant}.g${generation}.${ordinal}`;
}

/**
 * Each active configuration wants its variants' desired instance counts. Missing instances are taken back
 * from those of the variant still draining with copies on them (the copies stay where they are), then
 * created; extra ones drain (their copies move first; instances whose copies hold fewer open stateful
 * sessions go first), and a draining instance that holds no copy is released.
 * `takenIds`: ids this pass deletes (instances on lost hosts), which a new instance may not reuse in the same commit.
 */
export function planInstances(world: EndpointWorld, capacityOf: CapacityLookup, takenIds: ReadonlySet<string> = new Set()): InstancePlan {
  const plan: InstancePlan = { create: [], drain: [], undrain: [], terminate: [] };
  const wanted = new Set<string>();
  const copiesOn = new Map<string, number>();
  const sessionsOn = new Map<string, number>();
  for (const copy of world.copies) {
    copiesOn.set(copy.instanceId, (copiesOn.get(copy.instanceId) ?? 0) + 1);
    const open = world.openSessions?.get(copy.id);
    if (open) sessionsOn.set(copy.instanceId, (sessionsOn.get(copy.instanceId) ?? 0) + open);
  }
  for (const deployment of activeDeployments(world)) {
    for (const variant of deployment.config.ProductionVariants) {
      const want = deployment.variants[variant.VariantName]?.desiredInstanceCount ?? 0;
      wanted.add(`${deployment.generation}/${variant.VariantName}`);
      const ours = world.instances.filter((i) => i.generation === deployment.generation && i.variantName === variant.VariantName);
      const live = ours.filter((i) => i.state !== "Draining");
      if (live.length < want) {
        // A draining instance that still holds copies (one whose copies had nowhere to go) serves again at once.
        const reclaim = ours
          .filter((i) => i.state === "Draining" && i.host !== "" && (copiesOn.get(i.id) ?? 0) > 0)
          .sort((a, b) => (copiesOn.get(b.id) ?? 0) - (copiesOn.get(a.id) ?? 0) || a.createdAt - b.createdAt || a.id.localeCompare(b.id))
          .slice(0, want - live.length);
        for (const instance of reclaim)
          plan.undrain.push({
            id: instance.id,
            reason: `variant ${variant.VariantName} wants ${want} instances, has ${live.length} in service; it still holds copies`,
          });
        const missing = want - live.length - reclaim.length;
        const capacity = capacityOf(variant.InstanceType!)?.capacity;
        if (missing === 0 || !capacity) continue;
        const used = new Set([...takenIds, ...world.instances.map((i) => i.id)]);
        const batch = Math.min(missing, instancesCreatedPerPass - plan.create.length);
        for (let ordinal = 1, added = 0; added < batch; ordinal++) {
          const id = instanceId(world.endpoint!.name, variant.VariantName, deployment.generation, ordinal);
          if (used.has(id)) continue;
          plan.create.push({
            id,
            endpointName: world.endpoint!.name,
            variantName: variant.VariantName,
            generation: deployment.generation,
            instanceType: variant.InstanceType!,
            provider: "",
            host: "",
            capacity,
            devices: [],
            state: "Pending",
            createdAt: world.now,
          });
          added++;
        }
      } else if (live.length > want) {
        const surplus = [...live]
          .sort(
            (a, b) =>
              (sessionsOn.get(a.id) ?? 0) - (sessionsOn.get(b.id) ?? 0) ||
              (copiesOn.get(a.id) ?? 0) - (copiesOn.get(b.id) ?? 0) ||
              b.createdAt - a.createdAt ||
              b.id.localeCompare(a.id),
          )
          .slice(0, live.length - want);
        for (const instance of surplus)
          plan.drain.push({ id: instance.id, reason: `variant ${variant.VariantName} wants ${want} instances, has ${live.length}` });
      }
    }
  }
  for (const instance of world.instances) {
    const retired = !wanted.has(`${instance.generation}/${instance.variantName}`);
    if (retired && instance.state !== "Draining") plan.drain.push({ id: instance.id, reason: "its configuration is no longer deployed" });
    const undrained = plan.undrain.some((u) => u.id === instance.id);
    const draining = !undrained && (instance.state === "Draining" || plan.drain.some((d) => d.id === instance.id));
    if (draining && (copiesOn.get(instance.id) ?? 0) === 0) plan.terminate.push({ id: instance.id, reason: "drained: no copies left" });
  }
  return plan;
}
