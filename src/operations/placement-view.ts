import { subtractResources, zeroResources, addResources, type Resources } from "../domain/compute.js";
import type { CopyRecord, CopyStatusRecord, DeviceInfo, InstanceRecord } from "../domain/resources.js";
import { keys } from "../state/keys.js";
import { type BerthStore } from "../state/records.js";

export interface PlacementViewCopy {
  copyId: string;
  owner: string;
  ownerType: "inference-component" | "variant";
  state: string;
  phase: string;
  devices: number[];
  cpuCores: number;
  memoryMiB: number;
  port?: number;
  pid?: number;
  restarts: number;
  lastError?: string;
  limits?: { memory: string; cpu: string };
  replaces?: string;
}

export interface PlacementViewInstance {
  instanceId: string;
  endpointName: string;
  variantName: string;
  instanceType: string;
  generation: number;
  state: string;
  host: string;
  capacity: { accelerators: number; cpuCores: number; memoryMiB: number };
  free: { accelerators: number; cpuCores: number; memoryMiB: number };
  devices: (DeviceInfo & { heldBy?: string })[];
  copies: PlacementViewCopy[];
}

function human(r: Resources) {
  return { accelerators: r.accelerators, cpuCores: r.cpuMillis / 1000, memoryMiB: r.memoryMiB };
}

/** The read-only placement view behind GET /berth/v1/instances, the CLI and the console. */
export async function placementView(store: BerthStore, filter: { endpoint?: string } = {}): Promise<{ instances: PlacementViewInstance[] }> {
  const prefix = filter.endpoint ? keys.children(filter.endpoint) : undefined;
  const [instances, copies, statuses] = await Promise.all([
    store.list("instance", { prefix }),
    store.list("copy", { prefix }),
    store.list("copy-status", { prefix }),
  ]);
  const statusOf = new Map(statuses.map((s) => [s.value.copyId, s.value]));
  return {
    instances: instances.map(({ value: instance }) => {
      const held = copies.map((c) => c.value).filter((c) => c.instanceId === instance.id);
      const used = held.reduce((sum, c) => addResources(sum, c.resources), zeroResources);
      const holder = new Map<number, string>();
      for (const copy of held) for (const d of copy.devices) holder.set(d, copy.id);
      return {
        instanceId: instance.id,
        endpointName: instance.endpointName,
        variantName: instance.variantName,
        instanceType: instance.instanceType,
        generation: instance.generation,
        state: instance.state,
        host: instance.host,
        capacity: human(instance.capacity),
        free: human(subtractResources(instance.capacity, used)),
        devices: instance.devices.map((d) => ({ ...d, heldBy: holder.get(d.index) })),
        copies: held.map((copy) => {
          const status = statusOf.get(copy.id);
          return {
            copyId: copy.id,
            owner: copy.owner.type === "component" ? copy.owner.name : copy.owner.variant,
            ownerType: copy.owner.type === "component" ? ("inference-component" as const) : ("variant" as const),
            state: copy.state,
            phase: status?.phase ?? "Pending",
            devices: copy.devices,
            cpuCores: copy.resources.cpuMillis / 1000,
            memoryMiB: copy.resources.memoryMiB,
            port: status?.port,
            pid: status?.pid,
            restarts: status?.restarts ?? 0,
            lastError: status?.lastError,
            limits: status?.limits,
            replaces: copy.replaces,
          };
        }),
      };
    }),
  };
}
