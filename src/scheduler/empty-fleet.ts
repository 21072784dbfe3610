import { instancesNeeded, planned, type InstanceTemplate } from "./instances-needed.js";
import { place } from "./place.js";
import type { ComponentDemand, PlacementInput, Unplaced } from "./types.js";

/**
 * How `demands` place on `count` empty instances of `template`, as a new endpoint configuration starts: the
 * copies `place` itself cannot put there, and, when some do not fit, how many such instances (at most
 * `limit`) would hold them all (undefined when even `limit` would not). Copies do not split across
 * instances, so copies that fit in sum may still not pack.
 */
export function placeOnEmptyFleet(
  demands: ComponentDemand[],
  template: InstanceTemplate,
  count: number,
  limit: number,
): { unplaced: Unplaced[]; needed?: number } {
  const input: PlacementInput = { instances: [], demands, current: [], nextOrdinals: {} };
  const unplaced = place({ ...input, instances: planned([], template, count) }).unplaced;
  if (unplaced.length === 0) return { unplaced };
  const search = instancesNeeded(input, template, limit);
  return search.stillUnplaced.length === 0 ? { unplaced, needed: search.count } : { unplaced };
}
