export { runEngine } from "./engine.js";
export { buildWorkload, demandProfile, WorkloadError, type DemandProfile, type Workload } from "./workload.js";
export { LatencyHistogram } from "./histogram.js";
export type * from "./types.js";
export { failureReasons } from "./types.js";
