import type { Resources } from "../domain/compute.js";
import type { PlacedCopy, SchedulerInstance } from "./types.js";

/** The filter every placement passes; validation and the instance autoscaler use the same check. */

export interface Insufficient {
  resource: keyof Resources;
  needed: number;
  free: number;
}

export const resourceKeys: readonly (keyof Resources)[] = ["accelerators", "cpuMillis", "memoryMiB"];

/** Integer comparisons only: resources are whole devices, millicores and MiB. */
export function fits(free: Resources, needs: Resources): boolean {
  return free.accelerators >= needs.accelerators && free.cpuMillis >= needs.cpuMillis && free.memoryMiB >= needs.memoryMiB;
}

/** Every resource that stops one copy from fitting, with what it needs and what is free. */
export function insufficient(free: Resources, needs: Resources): Insufficient[] {
  const out: Insufficient[] = [];
  for (const resource of resourceKeys) {
    if (needs[resource] > free[resource]) out.push({ resource, needed: needs[resource], free: free[resource] });
  }
  return out;
}

/**
 * What an instance has left once `copies` hold their share. Free accelerators are capped by the device
 * indices nobody holds, so a copy never gets a device count without the devices themselves.
 */
export function freeResources(instance: SchedulerInstance, copies: readonly PlacedCopy[]): Resources {
  const held = new Set<number>();
  let accelerators = 0;
  let cpuMillis = 0;
  let memoryMiB = 0;
  for (const copy of copies) {
    if (copy.instanceId !== instance.id) continue;
    accelerators += copy.resources.accelerators;
    cpuMillis += copy.resources.cpuMillis;
    memoryMiB += copy.resources.memoryMiB;
    for (const d of copy.devices) held.add(d);
  }
  const freeDevices = instance.deviceIndices.filter((d) => !held.has(d)).length;
  return {
    accelerators: Math.min(instance.capacity.accelerators - accelerators, freeDevices),
    cpuMillis: instance.capacity.cpuMillis - cpuMillis,
    memoryMiB: instance.capacity.memoryMiB - memoryMiB,
  };
}
