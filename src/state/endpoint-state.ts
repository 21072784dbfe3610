import { nameKey } from "../domain/arn.js";
import type { ComponentRecord, CopyRecord, CopyStatusRecord, EndpointDeployment, EndpointRecord, InstanceRecord } from "../domain/resources.js";
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
  return (
    readyCopiesByComponent(
      state.copies.map((c) => c.value),
      state.statuses,
    ).get(nameKey(componentName)) ?? 0
  );
}

/** Every component's CurrentCopyCount at once, by component key (components with none are absent). */
export function readyCopiesByComponent(copies: readonly CopyRecord[], statuses: ReadonlyMap<string, CopyStatusRecord>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const copy of copies) {
    if (copy.owner.type !== "component" || copy.state !== "Active" || !isReady(statuses.get(copy.id))) continue;
    const key = nameKey(copy.owner.name);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * A variant's CurrentInstanceCount in one configuration: its instances that can serve. An instance is in
 * service once launched; one of a single-model variant serves once the variant's copy on it is ready.
 */
export function instancesInService(state: EndpointState, variantName: string, deployment: EndpointDeployment): number {
  const { generation } = deployment;
  const launched = state.instances.filter((i) => i.value.variantName === variantName && i.value.generation === generation && i.value.state === "InService");
  const model = deployment.config.ProductionVariants.find((v) => v.VariantName === variantName)?.ModelName !== undefined;
  if (!model) return launched.length;
  const serving = new Set(
    state.copies
      .filter((c) => c.value.owner.type === "variant" && c.value.owner.generation === generation && c.value.owner.variant === variantName)
      .filter((c) => c.value.state === "Active" && isReady(state.statuses.get(c.value.id)))
      .map((c) => c.value.instanceId),
  );
  return launched.filter((i) => serving.has(i.value.id)).length;
}

/** Unexpired stateful sessions of one endpoint (the routers' "session" records): how many per copy id, and when the last one expires. */
export async function openSessionsByCopy(
  store: BerthStore,
  endpointName: string,
  now: number,
): Promise<{ counts: Map<string, number>; endsAt: Map<string, number> }> {
  const counts = new Map<string, number>();
  const endsAt = new Map<string, number>();
  for (const { value } of await store.list("session", { prefix: keys.children(endpointName) })) {
    if (value.expiresAt <= now) continue;
    counts.set(value.copyId, (counts.get(value.copyId) ?? 0) + 1);
    endsAt.set(value.copyId, Math.max(endsAt.get(value.copyId) ?? 0, value.expiresAt));
  }
  return { counts, endsAt };
}
