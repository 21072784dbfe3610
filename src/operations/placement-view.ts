import { subtractResources, zeroResources, addResources, type DeviceShare, type Resources } from "../domain/compute.js";
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
  /** The part of its one device the copy holds (Berth's fractional accelerators). */
  share?: DeviceShare;
}

/** One device: the copy that holds it whole, or the copies that share it and the accelerator memory they leave free. */
export type PlacementViewDevice = DeviceInfo & {
  heldBy?: string;
  shares?: { copyId: string; memoryMiB: number; computePercent?: number }[];
  freeMemoryMiB: number;
};

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
  devices: PlacementViewDevice[];
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
      for (const copy of held) if (!copy.share) for (const d of copy.devices) holder.set(d, copy.id);
      const devices = instance.devices.map((d) => viewDevice(d, holder.get(d.index), held));
      // A device that shares hold is not free for a whole-device copy.
      const shared = devices.filter((d) => d.shares).length;
      return {
        instanceId: instance.id,
        endpointName: instance.endpointName,
        variantName: instance.variantName,
        instanceType: instance.instanceType,
        generation: instance.generation,
        state: instance.state,
        host: instance.host,
        capacity: human(instance.capacity),
        free: human(subtractResources(instance.capacity, { ...used, accelerators: used.accelerators + shared })),
        devices,
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
            share: copy.share,
          };
        }),
      };
    }),
  };
}

function viewDevice(device: DeviceInfo, heldBy: string | undefined, copies: readonly CopyRecord[]): PlacementViewDevice {
  const sharing = copies.filter((c) => c.share && c.devices[0] === device.index);
  if (sharing.length === 0) return { ...device, heldBy, freeMemoryMiB: heldBy ? 0 : device.memoryMiB };
  const shares = sharing.map((c) => ({ copyId: c.id, memoryMiB: c.share!.memoryMiB, computePercent: c.share!.computePercent }));
  return { ...device, shares, freeMemoryMiB: device.memoryMiB - shares.reduce((sum, s) => sum + s.memoryMiB, 0) };
}
