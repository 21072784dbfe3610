export { place } from "./place.js";
export { instancesNeeded, type InstanceTemplate } from "./instances-needed.js";
export { fits, insufficient, freeResources, type Insufficient } from "./fit.js";
export { leftover, scoreWeights } from "./score.js";
export type {
  AddedCopy,
  ComponentDemand,
  PlacedCopy,
  PlacementDecision,
  PlacementInput,
  PlacementStrategy,
  RemovedCopy,
  ResourceShortfall,
  SchedulerInstance,
  Unplaced,
} from "./types.js";
