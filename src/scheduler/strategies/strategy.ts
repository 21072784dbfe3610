import type { Resources } from "../../domain/compute.js";
import type { Fleet } from "../fleet.js";

/** How many active copies of the component each instance holds, by instance index. */
export type CopyCounts = Map<number, number>;

/** A placement strategy: where one more copy goes, and where one surplus copy comes from. */
export interface Strategy {
  /** The instance index for one more copy, or -1 when no schedulable instance fits it. */
  pick(fleet: Fleet, needs: Resources, counts: CopyCounts): number;
  /** Higher means take surplus copies from instance i first. */
  scaleInRank(fleet: Fleet, i: number, counts: CopyCounts): number;
}
