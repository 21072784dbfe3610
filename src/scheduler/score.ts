import type { Resources } from "../domain/compute.js";

/**
 * The leftover score: the weighted share of an instance that stays free after one more copy, as an
 * integer from 0 (full) to 1,000,000 (empty), i.e. 0–100 % in millionths. Lower is tighter. BINPACK
 * takes the lowest; SPREAD takes the lowest among instances with the fewest copies of the component.
 *
 * Accelerators weigh most because they are the scarce, costly resource that decides the fleet size.
 * Each share is floored to an integer so that equal scores are exactly equal and ties fall to the
 * older instance, never to float noise; the best-fit index relies on that (see best-fit.ts).
 */
export const scoreWeights: Readonly<Resources> = { accelerators: 600_000, cpuMillis: 200_000, memoryMiB: 200_000 };

export const emptyScore = scoreWeights.accelerators + scoreWeights.cpuMillis + scoreWeights.memoryMiB;

export function acceleratorShare(amount: number, capacity: number): number {
  return capacity > 0 ? Math.floor((scoreWeights.accelerators * amount) / capacity) : 0;
}

/** The CPU and memory part of a share; the best-fit index sorts instances by it. */
export function hostShare(r: Resources, capacity: Resources): number {
  const cpu = capacity.cpuMillis > 0 ? Math.floor((scoreWeights.cpuMillis * r.cpuMillis) / capacity.cpuMillis) : 0;
  const mem = capacity.memoryMiB > 0 ? Math.floor((scoreWeights.memoryMiB * r.memoryMiB) / capacity.memoryMiB) : 0;
  return cpu + mem;
}

/** Score of placing `needs` on an instance with `free` left; only meaningful when the copy fits. */
export function leftover(free: Resources, needs: Resources, capacity: Resources): number {
  return acceleratorShare(free.accelerators - needs.accelerators, capacity.accelerators) + hostShare(free, capacity) - hostShare(needs, capacity);
}
