import { instancesNeeded, type InstanceTemplate } from "../scheduler/instances-needed.js";
import { place } from "../scheduler/place.js";
import type { PlacementInput } from "../scheduler/types.js";
import type { Resources } from "../domain/compute.js";

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
  now: number;
  idleReleaseMs: number;
  /** With the CONSOLIDATION scale-in policy: at most this many instances drained at a time, once allowed. */
  consolidation?: { maxStep: number; allowed: boolean };
}

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
  const unplaced = place(input.placement).unplaced;
  if (unplaced.length > 0) {
    const extra = instancesNeeded(input.placement, input.template, bounds.max - live.length).count;
    const missing = unplaced.reduce((sum, u) => sum + u.missing, 0);
    return keep(
      live.length + extra,
      extra > 0
        ? `${missing} copies cannot be placed on ${live.length} instances`
        : `${missing} copies cannot be placed and the variant is at its maximum of ${bounds.max} instances`,
    );
  }
  const releasable = live.filter((i) => !i.launching && i.idleSince !== undefined && i.idleSince <= input.now - input.idleReleaseMs);
  const release = Math.min(releasable.length, Math.max(0, live.length - bounds.min));
  if (release > 0) return keep(live.length - release, `${release} instance${release === 1 ? "" : "s"} held no copy for the idle delay`);
  const consolidate = input.consolidation?.allowed ? consolidationCandidates(input) : [];
  if (consolidate.length > 0) return keep(live.length - consolidate.length, "consolidating copies onto fewer instances", consolidate);
  return keep(live.length, `keeping the instance count within ${bounds.min}–${bounds.max}`);
}

function consolidationCandidates(input: InstanceScalingInput): string[] {
  const { placement, live, bounds } = input;
  if (live.length <= bounds.min || live.some((i) => i.launching) || placement.current.some((c) => c.replaces)) return [];
  const load = (id: string) =>
    placement.current
      .filter((c) => c.instanceId === id)
      .reduce((sum, c) => sum + c.resources.memoryMiB + c.resources.cpuMillis + c.resources.accelerators * 1e6, 0);
  const candidates = [...live].sort((a, b) => load(a.id) - load(b.id) || b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  const drained = new Set<string>();
  const out: string[] = [];
  for (const candidate of candidates) {
    if (out.length >= (input.consolidation?.maxStep ?? 1) || live.length - out.length <= bounds.min) break;
    drained.add(candidate.id);
    const trial = place({ ...placement, instances: placement.instances.map((i) => (drained.has(i.id) ? { ...i, schedulable: false } : i)) });
    const moved = placement.current.filter((c) => drained.has(c.instanceId)).every((c) => trial.add.some((a) => a.replaces === c.id));
    if (trial.unplaced.length === 0 && moved) out.push(candidate.id);
    else drained.delete(candidate.id);
  }
  return out;
}
