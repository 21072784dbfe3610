import type { Resources } from "../../domain/compute.js";
import type { Fleet } from "../fleet.js";
import { fits } from "../fit.js";
import { leftover } from "../score.js";
import type { CopyCounts, Strategy } from "./strategy.js";

/**
 * Fewest copies of the component first; among those the fullest instance, so different components
 * still share instances and the fleet stays small; then the oldest.
 */
export const spread: Strategy = {
  pick(fleet, needs, counts) {
    const fresh = fleet.best(needs, (i) => (counts.get(i) ?? 0) > 0);
    return fresh >= 0 ? fresh : leastCrowded(fleet, needs, counts);
  },
  scaleInRank: (_fleet, i, counts) => counts.get(i) ?? 0,
};

/** Every instance that fits already holds a copy: only those holding one need a look. */
function leastCrowded(fleet: Fleet, needs: Resources, counts: CopyCounts): number {
  let best = -1;
  let bestCount = Infinity;
  let bestScore = Infinity;
  for (const [i, count] of counts) {
    if (count <= 0 || !fleet.schedulable(i) || !fits(fleet.free[i], needs)) continue;
    const score = leftover(fleet.free[i], needs, fleet.capacity(i));
    const better = count - bestCount || score - bestScore || i - best;
    if (best < 0 || better < 0) {
      best = i;
      bestCount = count;
      bestScore = score;
    }
  }
  return best;
}
