import { instancesInService, loadEndpointState, readyCopies } from "../../control/endpoint-state.js";
import type { ComponentRecord } from "../../domain/resources.js";
import { nameKey } from "../../domain/arn.js";
import type { ScalableResource } from "../../autoscaling/resource-id.js";
import type { Store } from "../../store/store.js";

/** What is actually running: ready copies of a component, or instances in service of a variant. */
export async function observedCapacity(store: Store, resource: ScalableResource): Promise<number | undefined> {
  if (resource.kind === "component") {
    const component = await store.get<ComponentRecord>("inference-component", nameKey(resource.component));
    if (!component) return undefined;
    return readyCopies(await loadEndpointState(store, component.value.endpointName), resource.component);
  }
  const state = await loadEndpointState(store, resource.endpoint);
  const endpoint = state.endpoint?.value;
  if (!endpoint) return undefined;
  return instancesInService(state, resource.variant, endpoint.current.generation);
}
