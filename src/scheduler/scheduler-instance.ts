import type { SchedulerInstance } from "./types.js";

/**
 * A SchedulerInstance with every key present, in one order, built by one object literal. The placement code
 * runs hot in the simulator: instances built by different callers (a spread copy included, which gets a map
 * of its own even with the same keys) gave it several object shapes, and each new one a deoptimization and
 * a recompile of the scheduler's largest functions.
 */
export function schedulerInstance(i: SchedulerInstance): SchedulerInstance {
  return {
    id: i.id,
    capacity: i.capacity,
    deviceIndices: i.deviceIndices,
    deviceMemoryMiB: i.deviceMemoryMiB,
    instanceType: i.instanceType,
    schedulable: i.schedulable,
    order: i.order,
  };
}
