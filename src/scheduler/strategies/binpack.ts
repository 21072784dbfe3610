import { zeroResources } from "../../domain/compute.js";
import { leftover } from "../score.js";
import type { Strategy } from "./strategy.js";

/** Fill the fullest instance that fits; scale in from the emptiest so whole instances free up. */
export const binpack: Strategy = {
  picker: (fleet, needs) => () => fleet.best(needs),
  scaleInRank: (fleet, i) => leftover(fleet.free[i], zeroResources, fleet.capacity(i)),
};
