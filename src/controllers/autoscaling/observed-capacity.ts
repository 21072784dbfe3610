import { loadEndpointState } from "../../control/endpoint-state.js";
import type { ComponentRecord } from "../../domain/resources.js";
import { nameKey } from "../../domain/arn.js";
import type { ScalableResource } from "../../autoscaling/resource-id.js";
import type { Store } from "../../store/store.js";

/** What is actually running: ready copies of a component, or instances in service of a variant. */
export async function observedCapacity(store: Store, resource: ScalableResource): Promise<number | undefined> {
  if (resource.kind === "component") {
    const component = await store.get<ComponentRecord>("inference-component", nameKey(resource.component));
    if (!component) return undefined;
    const state = await loadEndpointState(store, component.value.endpointName);
    return state.copies.filter(
      (c) => c.value.owner.type === "component" && nameKey(c.value.owner.name) === nameKey(resource.component) && c.value.state === "Active" && state.statuses.get(c.value.id)?.phase === "Ready",
    ).length;
  }
  const state = await loadEndpointState(store, resource.endpoint);
  const endpoint = state.endpoint?.value;
  if (!endpoint) return undefined;
  return state.instances.filter((i) => i.value.variantName === resource.variant && i.value.generation === endpoint.current.generation && i.value.state === "InService").length;
}
