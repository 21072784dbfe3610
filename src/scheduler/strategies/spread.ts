import type { Resources } from "../../domain/compute.js";
import type { Fleet } from "../fleet.js";
import { fits } from "../../domain/fit.js";
import { Heap } from "../heap.js";
import { leftover } from "../score.js";
import type { CopyCounts, Picker, Strategy } from "./strategy.js";

interface Crowding {
  i: number;
  count: number;
  score: number;
}

/**
 * Fewest copies of the component first; among those the fullest instance, so different components
 * still share instances and the fleet stays small; then the oldest.
 */
export const spread: Strategy = {
  picker: (fleet, needs, counts) => spreadPicker(fleet, needs, counts),
  scaleInRank: (_fleet, i, counts) => counts.get(i) ?? 0,
};

/**
 * Instances without a copy come from the best-fit index. Once none of them fits, none will for the
 * rest of this component (free room only shrinks while it places), so the instances that hold a
 * copy go into a heap by (copies, score, age) and an instance that no longer fits leaves it for good.
 */
function spreadPicker(fleet: Fleet, needs: Resources, counts: CopyCounts): Picker {
  let crowded: Heap<Crowding> | undefined;
  let last = -1;
  const entry = (i: number): Crowding => ({ i, count: counts.get(i) ?? 0, score: leftover(fleet.free[i], needs, fleet.capacity(i)) });
  return () => {
    if (crowded === undefined) {
      const fresh = fleet.best(needs, (i) => (counts.get(i) ?? 0) > 0);
      if (fresh >= 0) return fresh;
      crowded = new Heap((a, b) => (a.count - b.count || a.score - b.score || a.i - b.i) < 0);
      for (const [i, count] of counts) if (count > 0 && fleet.schedulable(i)) crowded.push(entry(i));
    } else if (last >= 0) {
      crowded.push(entry(last));
    }
    for (let top = crowded.pop(); top !== undefined; top = crowded.pop()) {
      if (fits(fleet.free[top.i], needs)) return (last = top.i);
    }
    return (last = -1);
  };
}
