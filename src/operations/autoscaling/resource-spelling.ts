import { componentResourceId, variantResourceId } from "../../autoscaling/resource-id.js";
import { keys } from "../../state/keys.js";
import type { BerthStore } from "../../state/records.js";

/**
 * The input with its ResourceId (and ResourceIds) in the one spelling Berth keys a resource's scalable
 * target by. SageMaker names are case-insensitive, so `inference-component/Chat` and
 * `inference-component/chat` are one component and must have one target: a target already registered
 * under some spelling keeps it; otherwise the resource's own stored name is used. An id naming nothing
 * Berth holds is left as given, for the operation to refuse.
 */
export async function withResourceSpelling<T extends { ResourceId?: unknown; ResourceIds?: unknown }>(store: BerthStore, input: T): Promise<T> {
  const given = [input.ResourceId, ...(Array.isArray(input.ResourceIds) ? input.ResourceIds : [])].filter((id): id is string => typeof id === "string");
  if (given.length === 0) return input;
  const registered = new Map((await store.list("scalable-target")).map((t) => [t.value.resourceId.toLowerCase(), t.value.resourceId]));
  const spell = (id: string) => registered.get(id.toLowerCase()) ?? storedSpelling(store, id);
  const out = { ...input };
  if (typeof input.ResourceId === "string") out.ResourceId = await spell(input.ResourceId);
  if (Array.isArray(input.ResourceIds)) out.ResourceIds = await Promise.all(input.ResourceIds.map((id: unknown) => (typeof id === "string" ? spell(id) : id)));
  return out;
}

async function storedSpelling(store: BerthStore, resourceId: string): Promise<string> {
  const component = /^inference-component\/(.+)$/.exec(resourceId);
  if (component) {
    const record = await store.get("inference-component", keys.component(component[1]!));
    return record ? componentResourceId(record.value.name) : resourceId;
  }
  const variant = /^endpoint\/([^/]+)\/variant\/(.+)$/.exec(resourceId);
  if (variant) {
    const record = await store.get("endpoint", keys.endpoint(variant[1]!));
    return record ? variantResourceId(record.value.name, variant[2]!) : resourceId;
  }
  return resourceId;
}
