import type { Resources } from "../domain/compute.js";
import type { PlacedCopy, SchedulerInstance } from "./types.js";

/**
 * What an instance has left once `copies` hold their share, as the fit check (src/domain/fit.ts) reads
 * it. Free accelerators are capped by the device indices nobody holds, so a copy never gets a device
 * count without the devices themselves.
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
