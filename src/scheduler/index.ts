export { place } from "./place.js";
export { instancesNeeded, type InstanceTemplate } from "./instances-needed.js";
export { placeOnEmptyFleet } from "./empty-fleet.js";
export { fits, shortfalls, type Shortfall } from "../domain/fit.js";
export { freeResources } from "./free-resources.js";
export { leftover, scoreWeights } from "./score.js";
export type {
  AddedCopy,
  ComponentDemand,
  PlacedCopy,
  PlacementDecision,
  PlacementInput,
  PlacementStrategy,
  RemovedCopy,
  SchedulerInstance,
  Unplaced,
} from "./types.js";
