import type { ComponentRecord } from "../domain/resources.js";
import { keys } from "./keys.js";
import { absent, del, put, unchanged, type BerthStore, type EndpointComponentRecord, type Entry, type Op } from "./records.js";

/**
 * Inference components and their index. Each component has one "endpoint-component" entry keyed
 * under its endpoint, written in the commit that creates the component and deleted in the commit that
 * deletes it, so the components of an endpoint are one prefix read away and the index never disagrees
 * with the components, whatever moment the process dies at.
 */

export async function findComponent(store: BerthStore, name: string): Promise<Entry<ComponentRecord> | undefined> {
  return store.get("inference-component", keys.component(name));
}

/** The components of one endpoint, in name order. */
export async function componentsOfEndpoint(store: BerthStore, endpointName: string): Promise<Entry<ComponentRecord>[]> {
  return readListed(store, await componentIndex(store, endpointName));
}

/** The index entries of an endpoint's components. */
export function componentIndex(store: BerthStore, endpointName: string): Promise<Entry<EndpointComponentRecord>[]> {
  return store.list("endpoint-component", { prefix: keys.children(endpointName) });
}

/** Reads the components an index listing names; one deleted since the listing is left out. */
export async function readListed(store: BerthStore, index: Entry<EndpointComponentRecord>[]): Promise<Entry<ComponentRecord>[]> {
  const components = await Promise.all(index.map((entry) => findComponent(store, entry.value.componentName)));
  return components.filter((c): c is Entry<ComponentRecord> => c !== undefined);
}

/** The adapters that run in a base component's copies; they are always on the base's endpoint. */
export async function adaptersOf(store: BerthStore, base: Pick<ComponentRecord, "name" | "endpointName">): Promise<Entry<ComponentRecord>[]> {
  const baseKey = keys.component(base.name);
  const siblings = await componentsOfEndpoint(store, base.endpointName);
  return siblings.filter((c) => c.value.resolved.baseComponentName !== undefined && keys.component(c.value.resolved.baseComponentName) === baseKey);
}

/** The ops that create a component with its index entry; they conflict when the name is taken. */
export function createComponentOps(record: ComponentRecord): Op[] {
  return [put("inference-component", keys.component(record.name), record, absent), indexPut(record)];
}

/** The ops that delete a component read as `entry` with its index entry. */
export function deleteComponentOps(entry: Entry<ComponentRecord>): Op[] {
  return [
    del("inference-component", entry.key, unchanged(entry)),
    del("endpoint-component", keys.endpointComponent(entry.value.endpointName, entry.value.name)),
  ];
}

/** The index entry of a component (the migration builds missing ones with it). */
export function indexPut(record: ComponentRecord): Op {
  return put("endpoint-component", keys.endpointComponent(record.endpointName, record.name), { componentName: record.name });
}
