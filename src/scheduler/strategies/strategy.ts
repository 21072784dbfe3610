import type { Resources } from "../../domain/compute.js";
import type { Fleet } from "../fleet.js";

/** How many active copies of the component each instance holds, by instance index. */
export type CopyCounts = Map<number, number>;

/**
 * Returns the instance index for one more copy, or -1 when none fits. The caller places the copy
 * there (fleet and counts) before asking again, and places nothing else meanwhile.
 */
export type Picker = () => number;

/** A placement strategy: where copies go, and where surplus copies come from. */
export interface Strategy {
  picker(fleet: Fleet, needs: Resources, counts: CopyCounts): Picker;
  /** Higher means take surplus copies from instance i first; depends on instance i alone. */
  scaleInRank(fleet: Fleet, i: number, counts: CopyCounts): number;
}
