import { instancesInService, loadEndpointState, readyCopies } from "../../state/endpoint-state.js";
import { keys } from "../../state/keys.js";
import type { ScalableResource } from "../../autoscaling/resource-id.js";
import { type BerthStore } from "../../state/records.js";

/** What is actually running: ready copies of a component, or instances in service of a variant. */
export async function observedCapacity(store: BerthStore, resource: ScalableResource): Promise<number | undefined> {
  if (resource.kind === "component") {
    const component = await store.get("inference-component", keys.component(resource.component));
    if (!component) return undefined;
    return readyCopies(await loadEndpointState(store, component.value.endpointName), resource.component);
  }
  const state = await loadEndpointState(store, resource.endpoint);
  const endpoint = state.endpoint?.value;
  if (!endpoint) return undefined;
  return instancesInService(state, resource.variant, endpoint.current);
}
