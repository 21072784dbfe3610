import { nameKey } from "../domain/arn.js";
import type { ComponentRecord, CopyRecord, CopyStatusRecord, EndpointRecord, InstanceRecord } from "../domain/resources.js";
import { componentIndex, readListed } from "./components.js";
import { keys } from "./keys.js";
import { type Entry, type BerthStore } from "./records.js";

/** Everything known about one endpoint, read at one moment (the index of its components just before). */
export interface EndpointState {
  endpoint?: Entry<EndpointRecord>;
  components: Entry<ComponentRecord>[];
  instances: Entry<InstanceRecord>[];
  copies: Entry<CopyRecord>[];
  statuses: Map<string, CopyStatusRecord>;
}

export async function loadEndpointState(store: BerthStore, endpointName: string): Promise<EndpointState> {
  const prefix = keys.children(endpointName);
  const index = await componentIndex(store, endpointName);
  const [endpoint, components, instances, copies, statuses] = await Promise.all([
    store.get("endpoint", keys.endpoint(endpointName)),
    readListed(store, index),
    store.list("instance", { prefix }),
    store.list("copy", { prefix }),
    store.list("copy-status", { prefix }),
  ]);
  return {
    endpoint,
    components,
    instances,
    copies,
    statuses: new Map(statuses.map((s) => [s.value.copyId, s.value])),
  };
}

export function isReady(status: CopyStatusRecord | undefined): boolean {
  return status?.phase === "Ready";
}

/** A component's CurrentCopyCount: its active copies that are serving. */
export function readyCopies(state: EndpointState, componentName: string): number {
  const key = nameKey(componentName);
  return state.copies.filter(
    (c) => c.value.owner.type === "component" && nameKey(c.value.owner.name) === key && c.value.state === "Active" && isReady(state.statuses.get(c.value.id)),
  ).length;
}

/** A variant's CurrentInstanceCount in one configuration generation. */
export function instancesInService(state: EndpointState, variantName: string, generation: number): number {
  return state.instances.filter((i) => i.value.variantName === variantName && i.value.generation === generation && i.value.state === "InService").length;
}
