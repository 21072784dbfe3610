import { defaultCapacityOptions, instanceCapacity, type DeviceShare, type Resources } from "../../../domain/compute.js";
import type { InstanceShape } from "./types.js";

/** What one copy of a model reserves as an inference component: whole accelerators, CPU millicores, memory in MiB rounded up. */
export function copyNeeds(model: { accelerators: number; cpuCores: number; memoryGiB: number }): Resources {
  return { accelerators: model.accelerators, cpuMillis: Math.round(model.cpuCores * 1000), memoryMiB: Math.ceil(model.memoryGiB * 1024) };
}

/** The part of one device a copy reserves, in MiB rounded up, when the model asks for one. */
export function copyShare(model: { acceleratorMemoryGiB?: number }): DeviceShare | undefined {
  return model.acceleratorMemoryGiB === undefined ? undefined : { memoryMiB: Math.ceil(model.acceleratorMemoryGiB * 1024) };
}

/** What the scheduler may hand out on one instance of the shape, by the server's own rule (memory headroom). */
export function shapeCapacity(shape: InstanceShape): Resources {
  return instanceCapacity({ accelerator: { count: shape.accelerators }, vcpus: shape.vcpus, memoryGiB: shape.memoryGiB }, defaultCapacityOptions);
}

/** The share of host memory the server keeps back, as a percentage for messages. */
export const memoryHeadroomPercent = Math.round(defaultCapacityOptions.memoryHeadroomFraction * 100);
