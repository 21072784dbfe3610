import type { TargetTrackingConfig } from "../../autoscaling/records.js";
import type { ScalableResource } from "../../autoscaling/resource-id.js";
import type { DeviceShare, Resources } from "../../domain/compute.js";
import type { InstanceTemplate, PlacementStrategy } from "../../scheduler/index.js";
import type { PrefixSharing, RoutingStrategy } from "../input/index.js";

/**
 * What one engine run simulates: models grouped into pools of identical instances. A strategy is
 * nothing but a way of filling this in (one pool per model, or one shared pool; fixed, following or
 * managed instance counts; fixed or autoscaled copies).
 */
export interface EngineSetup {
  models: EngineModel[];
  pools: EnginePool[];
  timing: EngineTiming;
  /** Called after each simulated hour, for progress lines. */
  onHour?: (simulatedS: number) => void;
}

export interface EngineModel {
  name: string;
  /** Index into EngineSetup.pools. */
  pool: number;
  /** What one copy reserves in its pool; a dedicated endpoint's copy reserves the whole instance. */
  needs: Resources;
  /** Part of one accelerator each copy reserves (needs.accelerators is then 0). */
  share?: DeviceShare;
  /** Accelerators the model really computes on (≤ needs.accelerators): busy time and charts count these. */
  accelerators: number;
  /** Requests one copy serves at once; more wait in the model's queue for whichever copy frees first. */
  concurrency: number;
  /** Seconds from "copy placed on a running instance" to "copy serves" (weights from the remote store). */
  startupS: number;
  /** Set when the start time comes from the weights' size: then where they are (see weight-cache.ts) sets the load time. */
  weights?: { sizeGB: number; fixedS: number; remoteGBps: number };
  sloS: number;
  /** Copies at time 0, already running (the window opens on a warm system). */
  initialCopies: number;
  scaling: CopyScaling;
  /** A request that finds no copy at all sets the desired count to max(1, min) at once (Berth's wake). */
  wakeFromZero: boolean;
  /** Berth's addition: a backlog the ready and starting copies cannot absorb grows the model at once (needs a concurrency target). */
  growOnBacklog?: boolean;
  /** How a copy is picked and which requests share a prefix (prefix-cache.ts); absent: least outstanding requests, no sharing. */
  routing?: RoutingStrategy;
  prefixSharing?: PrefixSharing;
}

export type CopyScaling =
  | { kind: "fixed" }
  | {
      kind: "target-tracking";
      config: TargetTrackingConfig;
      /** The scalable target the policy is attached to: the inference component, or the variant of a dedicated endpoint. */
      resource: ScalableResource;
      min: number;
      max: number;
    };

export type InstanceMode =
  /** The count never changes (endpoints sized ahead of time). */
  | { kind: "fixed"; count: number }
  /** One instance per copy (single-model endpoints whose DesiredInstanceCount is the scaled dimension). */
  | { kind: "follow-copies" }
  /** Managed instance scaling through decideInstanceCount; with `consolidation`, its CONSOLIDATION scale-in too. */
  | { kind: "managed"; min: number; max: number; idleReleaseS: number; consolidation?: ConsolidationPolicy };

/** The CONSOLIDATION scale-in policy: at most maxStep instances drained at a time, cooldownS after the endpoint last grew. */
export interface ConsolidationPolicy {
  maxStep: number;
  cooldownS: number;
}

/** What consolidation did in one run: instances drained and released, and copies moved (new copy ready before the old one stopped). */
export interface ConsolidationOutcome {
  freed: number;
  moves: number;
  /** When each freed instance was released, seconds. */
  freedAtS: number[];
}

export interface EnginePool {
  name: string;
  template: InstanceTemplate;
  mode: InstanceMode;
  /** Instances running at time 0. */
  initialInstances: number;
  placement: PlacementStrategy;
}

export interface EngineTiming {
  durationS: number;
  /** How often autoscaling and placement run (the server's metric resolution: 10 s). */
  tickS: number;
  /** A request that cannot start within this many seconds of arriving fails (the server's 60 s invoke timeout). */
  holdLimitS: number;
  /** Seconds from ordering an instance to it accepting copies. */
  instanceLaunchS: number;
  /** Spacing of the recorded time series, seconds (a multiple of tickS). */
  sampleS: number;
  /** Each instance's weight cache; absent: every start loads from the remote store. */
  weightCache?: WeightCacheSpec;
}

/** Per instance: how many GB of weights it keeps on disk and in host memory, and how fast each loads. */
export interface WeightCacheSpec {
  diskBudgetGB: number;
  memoryBudgetGB: number;
  diskGBps: number;
  memoryGBps: number;
  /** Host memory per instance for engines parked when their copy stops (the server's artifacts.parkedEnginesMb); 0: none parked. */
  parkedBudgetGB: number;
  /** Seconds a parked engine takes to wake besides copying its weights back at memoryGBps. */
  parkedWakeS: number;
}

/** Per model, what happened to its requests. */
export interface ModelOutcome {
  name: string;
  requests: number;
  completed: number;
  withinSlo: number;
  failed: number;
  /** Why the failed requests failed; the counts add up to failed. */
  failedBy: FailureCounts;
  held: number;
  coldStarts: number;
  peakCopies: number;
  scaleOuts: number;
  scaleIns: number;
}

/** Failed requests by reason: each could not start within the hold limit, or was still waiting when the window closed. */
export interface FailureCounts {
  /** Waited past the hold limit behind other requests on a copy that was serving. */
  queue: number;
  /** Waited past the hold limit for a copy that was still starting (a cold start or a scale-out). */
  startup: number;
  /** No copy of the model was placed within the hold limit (no room on the instances, or none launched in time). */
  noCopy: number;
  /** Still waiting for a copy when the window closed. */
  windowEnd: number;
}

export const failureReasons: readonly (keyof FailureCounts)[] = ["queue", "startup", "noCopy", "windowEnd"];

/** The GPUs of one instance at one moment: per device, the model index using it, -1 free, -2 reserved by a copy but idle. */
export interface InstanceSnapshot {
  id: string;
  pool: string;
  devices: Int32Array;
}

export interface OccupancySnapshot {
  atS: number;
  /** Accelerators held by copies at that moment. */
  gpusHeld: number;
  instances: InstanceSnapshot[];
}

export interface EngineSeries {
  stepS: number;
  /** Instances provisioned (launching included), at each sample time 0, stepS, 2·stepS, … */
  instances: Float64Array;
  /** Accelerators held by copies. */
  gpusHeld: Float64Array;
  /** Instance-seconds provisioned from time 0 up to each sample time (cost over time = this × price ÷ 3600). */
  instanceSeconds: Float64Array;
  /** Per model: copies placed (ready or starting). */
  copies: Float64Array[];
}

export interface EngineResult {
  durationS: number;
  instanceSeconds: number;
  /** Provisioned accelerator-seconds: instances × accelerators per instance, over time. */
  gpuSeconds: number;
  /** Accelerator-seconds during which a copy had at least one request in service. */
  busyGpuSeconds: number;
  peakInstances: number;
  models: ModelOutcome[];
  /** End-to-end latency of the requests served (failed ones are not in it: read quantiles with their count). */
  latency: import("./histogram.js").LatencyHistogram;
  /** The latency each request's SLO judges: time to first token (slo: ttft) or end to end (e2e); served requests only. */
  judged: import("./histogram.js").LatencyHistogram;
  series: EngineSeries;
  busiest: OccupancySnapshot;
  /** Present when a pool consolidates (strategy (d)). */
  consolidation?: ConsolidationOutcome;
  /** Decision calls made, for the curious and for the benchmark. */
  calls: { targetTracking: number; place: number; instanceScaling: number };
  notes: string[];
}
