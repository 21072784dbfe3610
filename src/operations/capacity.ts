import { nameKey } from "../domain/arn.js";
import type { ComponentRecord, EndpointRecord } from "../domain/resources.js";
import type { Quotas } from "../domain/quotas.js";
import type { ScalableResource } from "../autoscaling/resource-id.js";
import { put, unchanged, type BerthStore } from "../state/records.js";
import type { Clock } from "../util/clock.js";
import { withConflictRetry } from "../state/retry.js";

/** The capacity AAS scales: a component's desired copies or a variant's desired instances. Undefined when the resource is gone. */
export async function readCapacity(store: BerthStore, resource: ScalableResource): Promise<number | undefined> {
  if (resource.kind === "component") {
    const entry = await store.get("inference-component", nameKey(resource.component));
    return entry && entry.value.status !== "Deleting" ? entry.value.desiredCopyCount : undefined;
  }
  const entry = await store.get("endpoint", nameKey(resource.endpoint));
  if (!entry || entry.value.status === "Deleting") return undefined;
  return entry.value.current.variants[resource.variant]?.desiredInstanceCount;
}

/** The most capacity a scalable target may reach: the quota of its dimension. */
export function capacityLimit(resource: ScalableResource, quotas: Quotas): number {
  return resource.kind === "component" ? quotas.maxCopiesPerComponent : quotas.maxInstancesPerEndpoint;
}

/**
 * Sets the capacity as UpdateInferenceComponentRuntimeConfig / UpdateEndpointWeightsAndCapacities would,
 * held within the quotas (a variant shares its endpoint's instance quota with the other variants).
 */
export async function writeCapacity(store: BerthStore, clock: Clock, resource: ScalableResource, asked: number, quotas: Quotas): Promise<boolean> {
  return withConflictRetry(async () => {
    let desired = Math.min(asked, capacityLimit(resource, quotas));
    if (resource.kind === "component") {
      const entry = await store.get("inference-component", nameKey(resource.component));
      if (!entry || entry.value.status === "Deleting" || entry.value.rollout) return false;
      if (entry.value.desiredCopyCount === desired) return false;
      const status = entry.value.status === "InService" ? "Updating" : entry.value.status;
      await store.commit([
        put("inference-component", entry.key, { ...entry.value, desiredCopyCount: desired, status, lastModifiedAt: clock.now() }, unchanged(entry)),
      ]);
      return true;
    }
    const entry = await store.get("endpoint", nameKey(resource.endpoint));
    const state = entry?.value.current.variants[resource.variant];
    if (!entry || !state || entry.value.status === "Deleting") return false;
    const others = Object.entries(entry.value.current.variants).reduce((sum, [name, v]) => sum + (name === resource.variant ? 0 : v.desiredInstanceCount), 0);
    desired = Math.max(0, Math.min(desired, quotas.maxInstancesPerEndpoint - others));
    if (state.desiredInstanceCount === desired) return false;
    const current = { ...entry.value.current, variants: { ...entry.value.current.variants, [resource.variant]: { ...state, desiredInstanceCount: desired } } };
    await store.commit([put("endpoint", entry.key, { ...entry.value, current, lastModifiedAt: clock.now() }, unchanged(entry))]);
    return true;
  });
}
