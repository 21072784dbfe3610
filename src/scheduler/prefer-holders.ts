import type { Resources } from "../domain/compute.js";
import { fits } from "../domain/fit.js";
import type { Fleet } from "./fleet.js";
import { leftover } from "./score.js";
import type { CopyCounts, Picker } from "./strategies/index.js";
import type { DeviceShare, PlacementStrategy } from "./types.js";

/**
 * Wraps a strategy's picker so that an instance already holding the component's artifact is taken
 * first when the copy fits there: its copy starts from the host's cache instead of downloading. `tiers`
 * lists holders best first (an engine of the component parked there, then the artifact in host memory, then on disk): a qualifying holder of an
 * earlier tier wins over any of a later one. SPREAD keeps its rule, so only a holder without a copy of
 * the component qualifies; within a tier the tightest fit wins, then the older one. Where no holder
 * qualifies the strategy picks as it would.
 */
export function preferHolders(
  fleet: Fleet,
  picker: Picker,
  copy: { needs: Resources; share?: DeviceShare },
  counts: CopyCounts,
  strategy: PlacementStrategy,
  tiers: readonly (readonly number[])[],
): Picker {
  if (tiers.every((holders) => holders.length === 0)) return picker;
  const { needs, share } = copy;
  const bestOf = (holders: readonly number[]): number => {
    let best = -1;
    let bestScore = Infinity;
    for (const i of holders) {
      if (!fleet.schedulable(i) || !fits(fleet.free[i], needs)) continue;
      // A device share also needs one device with room for it, as the share picker checks.
      if (share && fleet.bestDevice(i, share) < 0) continue;
      if (strategy === "SPREAD" && (counts.get(i) ?? 0) > 0) continue;
      const score = leftover(fleet.free[i], needs, fleet.capacity(i));
      if (score < bestScore || (score === bestScore && i < best)) {
        best = i;
        bestScore = score;
      }
    }
    return best;
  };
  return () => {
    for (const holders of tiers) {
      const best = holders.length === 0 ? -1 : bestOf(holders);
      if (best >= 0) return best;
    }
    return picker();
  };
}

/** Instance indices per artifact, from "artifact → instance ids" (ids not in the fleet are ignored). */
export function holderIndices(fleet: Fleet, holders: Readonly<Record<string, readonly string[]>> | undefined): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [artifact, ids] of Object.entries(holders ?? {})) {
    const indices = ids.map((id) => fleet.indexOf(id)).filter((i) => i >= 0);
    if (indices.length > 0) out.set(artifact, indices);
  }
  return out;
}
