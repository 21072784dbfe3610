import { instancesNeeded, type InstanceTemplate } from "../scheduler/instances-needed.js";
import { place } from "../scheduler/place.js";
import { schedulerInstance } from "../scheduler/scheduler-instance.js";
import type { PlacementDecision, PlacementInput } from "../scheduler/types.js";
import { addResources, subtractResources, zeroResources, type Resources } from "../domain/compute.js";
import { fits } from "../domain/fit.js";

export interface LiveInstance {
  id: string;
  /** Still launching: counted as capacity, never released. */
  launching: boolean;
  /** Since when it has held no copy; undefined while it holds one. */
  idleSince?: number;
  createdAt: number;
}

export interface InstanceScalingInput {
  /** Placement of the variant's copies; instances still launching must be schedulable here. */
  placement: PlacementInput;
  template: InstanceTemplate;
  live: LiveInstance[];
  bounds: { min: number; max: number };
  /**
   * The variant's desired instance count. Above the live instances, it is a raise (UpdateEndpointWeightsAndCapacities,
   * a variant scalable target) whose instances are not launched yet: it stands, and the instances it adds are
   * released like any other once they stay empty for the idle delay.
   */
  desired?: number;
  now: number;
  idleReleaseMs: number;
  /** With the CONSOLIDATION scale-in policy: at most this many instances drained at a time, once allowed. */
  consolidation?: { maxStep: number; allowed: boolean };
}

/** What a CONSOLIDATION ScaleInPolicy that leaves MaximumStepSize or CooldownInMinutes out gets. */
export const consolidationDefaults = { maxStep: 1, cooldownMinutes: 20 } as const;

export interface InstanceScalingDecision {
  count: number;
  reason: string;
  /** Instances to drain so their copies consolidate onto the others. */
  consolidate: string[];
}

/**
 * Managed instance scaling, shared by the endpoint controller and the simulator: instances follow the
 * copies. Add instances when copies cannot be placed (up to the maximum), release instances that stayed
 * empty for the idle delay (down to the minimum), and with consolidation drain an instance whose copies
 * fit on the others (its copies move first, the new copy starting before the old one stops).
 */
export function decideInstanceCount(input: InstanceScalingInput): InstanceScalingDecision {
  const { live, bounds } = input;
  const keep = (count: number, reason: string, consolidate: string[] = []) => ({
    count: Math.min(bounds.max, Math.max(bounds.min, count)),
    reason,
    consolidate,
  });
  const base = place(input.placement);
  const unplaced = base.unplaced;
  const ordered = Math.max(live.length, input.desired ?? 0);
  if (unplaced.length > 0) {
    const extra = instancesNeeded(input.placement, input.template, bounds.max - live.length, unplaced).count;
    const missing = unplaced.reduce((sum, u) => sum + u.missing, 0);
    return keep(
      Math.max(ordered, live.length + extra),
      extra > 0
        ? `${missing} copies cannot be placed on ${live.length} instances`
        : `${missing} copies cannot be placed and the variant is at its maximum of ${bounds.max} instances`,
    );
  }
  if (ordered > live.length) return keep(ordered, `launching the ${ordered} instances the desired instance count asks for`);
  const releasable = live.filter((i) => !i.launching && i.idleSince !== undefined && i.idleSince <= input.now - input.idleReleaseMs);
  const release = Math.min(releasable.length, Math.max(0, live.length - bounds.min));
  if (release > 0) return keep(live.length - release, `${release} instance${release === 1 ? "" : "s"} held no copy for the idle delay`);
  const consolidate = input.consolidation?.allowed ? consolidationCandidates(input, base) : [];
  if (consolidate.length > 0) return keep(live.length - consolidate.length, "consolidating copies onto fewer instances", consolidate);
  return keep(live.length, `keeping the instance count within ${bounds.min}–${bounds.max}`);
}

/**
 * Whether CONSOLIDATION may drain now, the disruption budget in time: the cooldown since the endpoint
 * last changed has passed and no instance of the variant is still draining. Times in ms.
 */
export function consolidationAllowed(input: { now: number; lastModifiedAt: number; cooldownMs: number; draining: boolean }): boolean {
  return input.now - input.lastModifiedAt >= input.cooldownMs && !input.draining;
}

function consolidationCandidates(input: InstanceScalingInput, base: PlacementDecision): string[] {
  const { placement, live, bounds } = input;
  // A move is in flight only while the copy it replaces still exists; a finished move's `replaces` stays on its copy.
  const present = new Set(placement.current.map((c) => c.id));
  if (live.length <= bounds.min || live.some((i) => i.launching) || placement.current.some((c) => c.replaces !== undefined && present.has(c.replaces)))
    return [];
  const held = new Map<string, Resources>();
  for (const c of placement.current) held.set(c.instanceId, addResources(held.get(c.instanceId) ?? zeroResources, c.resources));
  const load = (id: string) => {
    const r = held.get(id) ?? zeroResources;
    return r.memoryMiB + r.cpuMillis + r.accelerators * 1e6;
  };
  const candidates = [...live].sort((a, b) => load(a.id) - load(b.id) || b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  const roomFor = roomCheck(placement, base);
  const drained = new Set<string>();
  const out: string[] = [];
  for (const candidate of candidates) {
    if (out.length >= (input.consolidation?.maxStep ?? 1) || live.length - out.length <= bounds.min) break;
    drained.add(candidate.id);
    if (!capacityLeftFor(placement, drained) || !roomFor(drained, held)) {
      drained.delete(candidate.id);
      continue;
    }
    const trial = place({ ...placement, instances: placement.instances.map((i) => (drained.has(i.id) ? schedulerInstance({ ...i, schedulable: false }) : i)) });
    const moved = placement.current.filter((c) => drained.has(c.instanceId)).every((c) => trial.add.some((a) => a.replaces === c.id));
    if (trial.unplaced.length === 0 && moved) out.push(candidate.id);
    else drained.delete(candidate.id);
  }
  return out;
}

/**
 * A bound that never changes the answer: a drain succeeds only once every copy the demands want is on
 * the other schedulable instances (each copy of a drained instance replaced elsewhere), so only while
 * their capacity covers all of those copies, resource by resource (a device share needs no whole
 * accelerator). Before any trial place(); the simulator also asks it before asking to consolidate.
 */
export function capacityLeftFor(placement: PlacementInput, drained: ReadonlySet<string>): boolean {
  let wanted = zeroResources;
  for (const d of placement.demands) {
    const n = Math.max(0, d.copies);
    if (n > 0) wanted = addResources(wanted, { accelerators: d.needs.accelerators * n, cpuMillis: d.needs.cpuMillis * n, memoryMiB: d.needs.memoryMiB * n });
  }
  let room = zeroResources;
  for (const i of placement.instances) if (i.schedulable && !drained.has(i.id)) room = addResources(room, i.capacity);
  return fits(room, wanted);
}

/**
 * A shortcut that never changes the answer: when the placement is settled (the pass adds and removes
 * nothing), a trial drain only adds the drained copies' replacements, so it fails for certain when the
 * other schedulable instances lack the room for them in total, resource by resource. The trial place()
 * is then skipped; otherwise it decides.
 */
function roomCheck(placement: PlacementInput, base: PlacementDecision): (drained: ReadonlySet<string>, held: ReadonlyMap<string, Resources>) => boolean {
  if (base.add.length > 0 || base.remove.length > 0) return () => true;
  const needs = new Map(placement.demands.map((d) => [d.component, d.needs]));
  return (drained, held) => {
    let room = zeroResources;
    for (const i of placement.instances) {
      if (i.schedulable && !drained.has(i.id)) room = addResources(room, subtractResources(i.capacity, held.get(i.id) ?? zeroResources));
    }
    let wanted = zeroResources;
    for (const c of placement.current) {
      if (!drained.has(c.instanceId)) continue;
      const n = needs.get(c.component);
      if (n === undefined) return true;
      wanted = addResources(wanted, n);
    }
    return fits(room, wanted);
  };
}
