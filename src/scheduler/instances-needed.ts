import type { Resources } from "../domain/compute.js";
import { fits } from "../domain/fit.js";
import { place } from "./place.js";
import { schedulerInstance } from "./scheduler-instance.js";
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
  const unplacedWith = probes(input, template);
  const empty = { ...template.capacity, accelerators: Math.min(template.capacity.accelerators, new Set(template.deviceIndices).size) };
  const largestDevice = Math.max(0, ...(template.deviceMemoryMiB ?? []));
  const fitsEmpty = (d: ComponentDemand) => fits(empty, d.needs) && (!d.share || (d.share.memoryMiB <= largestDevice && (d.share.computePercent ?? 0) <= 100));
  const hopeless = new Set(input.demands.filter((d) => !fitsEmpty(d)).map((d) => d.component));
  const helped = (unplaced: Unplaced[]): boolean => unplaced.every((u) => hopeless.has(u.component));
  const now = unplacedNow ?? unplacedWith(0);
  const max = Math.max(0, Math.floor(limit));
  if (helped(now) || max === 0) return { count: 0, stillUnplaced: now };
  // Small fleets first: once one leaves a planned instance empty, it answers for every larger one (see probes).
  for (let n = 1; n < max && !unplacedWith.saturatedAt(n); n *= 2) unplacedWith(n);
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

/**
 * place(input + n planned instances).unplaced, each n computed once. A shortcut that never changes the
 * answer: planned instances are identical, empty and newest, and every picker (best fit, SPREAD's,
 * the share picker, holders first) lets the older of two identical instances win a tie, so while one
 * planned instance is still empty a later one is never taken. A fleet with n planned instances of which
 * one stayed empty therefore decides exactly as with any number more: its answer serves every larger n.
 * Not taken when a holder list names a planned id, which only a fleet with that many would see.
 */
function probes(input: PlacementInput, template: InstanceTemplate): ((n: number) => Unplaced[]) & { saturatedAt(n: number): boolean } {
  const known = new Map<number, Unplaced[]>();
  let from = Infinity;
  let answer: Unplaced[] = [];
  const named = [input.holders, input.memoryHolders, input.parkedHolders].some((h) =>
    Object.values(h ?? {}).some((ids) => ids.some((id) => id.startsWith("planned-"))),
  );
  const unplacedWith = (n: number): Unplaced[] => {
    if (n >= from) return answer;
    const hit = known.get(n);
    if (hit) return hit;
    const extra = planned(input.instances, template, n);
    const decision = place({ ...input, instances: [...input.instances, ...extra] });
    known.set(n, decision.unplaced);
    if (n > 0 && !named) {
      const used = new Set(decision.add.map((a) => a.instanceId));
      if (extra.some((i) => !used.has(i.id))) [from, answer] = [n, decision.unplaced];
    }
    return decision.unplaced;
  };
  return Object.assign(unplacedWith, { saturatedAt: (n: number) => n >= from });
}

/** The hypothetical instances `planned-1`, `planned-2`, … that a search adds after the fleet's newest. */
export function planned(existing: readonly SchedulerInstance[], template: InstanceTemplate, n: number): SchedulerInstance[] {
  const taken = new Set(existing.map((i) => i.id));
  const lastOrder = existing.reduce((max, i) => Math.max(max, i.order), 0);
  const out: SchedulerInstance[] = [];
  for (let k = 1; out.length < n; k++) {
    const id = `planned-${k}`;
    if (taken.has(id)) continue;
    const { capacity, deviceIndices, deviceMemoryMiB, instanceType } = template;
    out.push(schedulerInstance({ id, capacity, deviceIndices, deviceMemoryMiB, instanceType, schedulable: true, order: lastOrder + out.length + 1 }));
  }
  return out;
}
