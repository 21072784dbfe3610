import type { ComponentRecord, CopyRecord, InstanceRecord } from "../../domain/resources.js";
import { keys } from "../../state/keys.js";
import type { BerthStore, ChangeEvent, Entry } from "../../state/records.js";
import type { ScopedEntry, ScopedEvent, ScopedKind } from "./protocol.js";

/**
 * What one agent may see: its instances (host = the agent), their copies and copy statuses, the
 * components those copies run and the adapters loaded into them, and those components' index entries.
 */
export class AgentScope {
  readonly instances = new Set<string>();
  readonly copies = new Set<string>();
  readonly components = new Set<string>();
  /** Components that own a copy here, whether or not they still exist. */
  readonly owners = new Set<string>();

  constructor(readonly agentId: string) {}

  /**
   * The events of one commit this agent may see. `rescope` when the commit changes which instances or
   * components belong to the agent: the caller then sends a fresh snapshot instead.
   */
  filter(events: ChangeEvent[]): { events: ScopedEvent[]; rescope: boolean } {
    const visible: ScopedEvent[] = [];
    for (const event of [...events].sort((a, b) => order(a.kind) - order(b.kind))) {
      const kind = event.kind as ScopedKind;
      if (kind === "instance") {
        const instance = event.value as InstanceRecord;
        const ours = event.type === "put" && instance.host === this.agentId;
        if (ours !== this.instances.has(event.key)) return { events: [], rescope: true };
        if (ours) visible.push(scoped(event));
      } else if (kind === "inference-component") {
        const component = event.value as ComponentRecord;
        const base = component.resolved?.baseComponentName;
        if (
          this.components.has(event.key) ||
          this.owners.has(event.key) ||
          (event.type === "put" && base !== undefined && this.components.has(keys.component(base)))
        ) {
          if (event.type === "put") this.components.add(event.key);
          else this.components.delete(event.key);
          visible.push(scoped(event));
        }
      } else if (kind === "copy") {
        const copy = event.value as CopyRecord;
        if (this.instances.has(keys.child(copy.endpointName, copy.instanceId))) {
          const owner = copy.owner.type === "component" ? keys.component(copy.owner.name) : undefined;
          if (event.type === "put" && owner !== undefined && !this.owners.has(owner)) return { events: [], rescope: true };
          if (event.type === "put") this.copies.add(event.key);
          else this.copies.delete(event.key);
          visible.push(scoped(event));
        } else if (this.copies.delete(event.key)) visible.push({ ...scoped(event), type: "delete" });
      } else if (kind === "copy-status") {
        if (this.copies.has(event.key)) visible.push(scoped(event));
      } else if (kind === "endpoint-component") {
        const name = (event.value as { componentName?: string }).componentName;
        if (name !== undefined && this.components.has(keys.component(name))) visible.push(scoped(event));
      }
    }
    return { events: visible, rescope: false };
  }
}

/** Reads the agent's whole scope from the store; entries changed after `revision` may already show their change. */
export async function readScope(store: BerthStore, agentId: string): Promise<{ revision: number; entries: ScopedEntry[]; scope: AgentScope }> {
  const scope = new AgentScope(agentId);
  const revision = await store.revision();
  const entries: ScopedEntry[] = [];
  const add = (kind: ScopedKind, entry: Entry<unknown>) =>
    entries.push({ kind, key: entry.key, value: entry.value, createRevision: entry.createRevision, modRevision: entry.modRevision });
  const instances = (await store.list("instance")).filter((e) => e.value.host === agentId);
  for (const entry of instances) {
    scope.instances.add(entry.key);
    add("instance", entry);
  }
  const endpoints = new Set(instances.map((e) => keys.endpointOfChild(e.key)));
  const owners = scope.owners;
  for (const endpoint of endpoints) {
    const prefix = `${endpoint}/`;
    for (const entry of await store.list("copy", { prefix })) {
      if (!scope.instances.has(keys.child(entry.value.endpointName, entry.value.instanceId))) continue;
      scope.copies.add(entry.key);
      add("copy", entry);
      if (entry.value.owner.type === "component") scope.owners.add(keys.component(entry.value.owner.name));
    }
    for (const entry of await store.list("copy-status", { prefix })) if (scope.copies.has(entry.key)) add("copy-status", entry);
    for (const index of await store.list("endpoint-component", { prefix })) {
      const component = await store.get("inference-component", keys.component(index.value.componentName));
      if (!component) continue;
      const base = component.value.resolved?.baseComponentName;
      if (!owners.has(component.key) && (base === undefined || !owners.has(keys.component(base)))) continue;
      scope.components.add(component.key);
      add("inference-component", component);
      add("endpoint-component", index);
    }
  }
  return { revision, entries, scope };
}

function scoped(event: ChangeEvent): ScopedEvent {
  return { type: event.type, kind: event.kind as ScopedKind, key: event.key, value: event.value, revision: event.revision };
}

const kindOrder: Record<string, number> = { instance: 0, "inference-component": 1, copy: 2, "copy-status": 3, "endpoint-component": 4 };

function order(kind: string): number {
  return kindOrder[kind] ?? 5;
}
