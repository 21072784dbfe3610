import type { Resources } from "../domain/compute.js";
import { fits } from "../domain/fit.js";
import { place } from "./place.js";
import type { ComponentDemand, PlacementInput, SchedulerInstance, Unplaced } from "./types.js";

export interface InstanceTemplate {
  capacity: Resources;
  deviceIndices: number[];
  /** Accelerator memory per device, parallel to deviceIndices (device shares need it). */
  deviceMemoryMiB?: readonly number[];
  instanceType?: string;
}

/**
 * How many empty instances of `template` (at most `limit`) to add so that every copy gets placed,
 * found by running `place` itself on the fleet plus hypothetical instances `planned-1`, `planned-2`,
 * ... Binary search: it assumes that a fleet which places everything still does with one instance
 * more. That holds for BINPACK when the fleet has the template's shape (the extra, newest, empty
 * instance never beats the choice made without it) and in practice elsewhere. When even `limit`
 * instances are not enough, returns `limit` and what still does not fit.
 *
 * A copy that fails the fit check on an empty template instance is placed by no number of them, so
 * such copies never buy instances: they stay in `stillUnplaced`, with what falls short.
 */
export function instancesNeeded(
  input: PlacementInput,
  template: InstanceTemplate,
  limit: number,
  /** place(input).unplaced, when the caller already has it: spares placing the fleet as it is again. */
  unplacedNow?: Unplaced[],
): { count: number; stillUnplaced: Unplaced[] } {
  const unplacedWith = (n: number): Unplaced[] => place({ ...input, instances: [...input.instances, ...planned(input.instances, template, n)] }).unplaced;
  const empty = { ...template.capacity, accelerators: Math.min(template.capacity.accelerators, new Set(template.deviceIndices).size) };
  const largestDevice = Math.max(0, ...(template.deviceMemoryMiB ?? []));
  const fitsEmpty = (d: ComponentDemand) => fits(empty, d.needs) && (!d.share || (d.share.memoryMiB <= largestDevice && (d.share.computePercent ?? 0) <= 100));
  const hopeless = new Set(input.demands.filter((d) => !fitsEmpty(d)).map((d) => d.component));
  const helped = (unplaced: Unplaced[]): boolean => unplaced.every((u) => hopeless.has(u.component));
  const now = unplacedNow ?? unplacedWith(0);
  const max = Math.max(0, Math.floor(limit));
  if (helped(now) || max === 0) return { count: 0, stillUnplaced: now };
  const atMax = unplacedWith(max);
  if (!helped(atMax)) return { count: max, stillUnplaced: atMax };
  let fails = 0;
  let places = max;
  let left = atMax;
  while (places - fails > 1) {
    const mid = (fails + places) >>> 1;
    const unplaced = unplacedWith(mid);
    if (helped(unplaced)) [places, left] = [mid, unplaced];
    else fails = mid;
  }
  return { count: places, stillUnplaced: left };
}

function planned(existing: readonly SchedulerInstance[], template: InstanceTemplate, n: number): SchedulerInstance[] {
  const taken = new Set(existing.map((i) => i.id));
  const lastOrder = existing.reduce((max, i) => Math.max(max, i.order), 0);
  const out: SchedulerInstance[] = [];
  for (let k = 1; out.length < n; k++) {
    const id = `planned-${k}`;
    if (taken.has(id)) continue;
    out.push({
      id,
      capacity: { ...template.capacity },
      deviceIndices: [...template.deviceIndices],
      deviceMemoryMiB: template.deviceMemoryMiB,
      instanceType: template.instanceType,
      schedulable: true,
      order: lastOrder + out.length + 1,
    });
  }
  return out;
}
