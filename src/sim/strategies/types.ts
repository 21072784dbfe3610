import type { InstanceTemplate } from "../../scheduler/index.js";
import type { DemandProfile, EngineResult, FailureCounts, Workload } from "../engine/index.js";
import type { Portfolio, StreamAssignment, Trace } from "../input/index.js";

/** Assumptions every strategy shares; each is printed in the report. */
export interface SimulationAssumptions {
  tickS: number;
  holdLimitS: number;
  instanceLaunchS: number;
  idleReleaseS: number;
  /** Minutes at the start whose load decides the copies running at time 0 (warm start). */
  warmStartBins: number;
  /** Berth's immediate growth when a backlog exceeds what the ready and starting copies absorb (with scale to zero). */
  growOnBacklog: boolean;
  pricePerHour: number;
  priceSource: string;
}

/** Everything a strategy may read; built once per simulation and shared. */
export interface SimulationContext {
  portfolio: Portfolio;
  trace: Trace;
  assignment: StreamAssignment;
  workload: Workload;
  /** Ideal load per model per 60 s bin. */
  demand: DemandProfile;
  template: InstanceTemplate;
  assumptions: SimulationAssumptions;
  sampleS: number;
  onHour?: (strategy: Strategy, simulatedS: number) => void;
}

/**
 * One column of the comparison. Later work adds columns (fractional accelerators, consolidation) by
 * registering another Strategy; nothing else changes.
 */
export interface Strategy {
  /** Stable name used on the command line, e.g. "packed-managed". */
  name: string;
  /** Short key, e.g. "d"; also accepted on the command line. */
  key: string;
  /** Column heading, e.g. "(d) packed + scale to zero". */
  label: string;
  /** One paragraph of Markdown: what is simulated and how instances and copies are sized. */
  describe: string;
  /** Left out of the default comparison; run when named. */
  optional?: boolean;
  /** A dedicated-endpoint baseline: the headline ratio is against the cheapest of these. */
  baseline?: boolean;
  run(ctx: SimulationContext): StrategyResult;
}

export interface StrategyResult {
  name: string;
  key: string;
  label: string;
  describe: string;
  /** "bound": computed, not simulated; latency and SLO figures do not apply. */
  kind: "simulated" | "bound";
  /** A dedicated-endpoint baseline (see Strategy.baseline). */
  baseline?: boolean;
  gpuHours: number;
  instanceHours: number;
  cost: number;
  /** Busy GPU-time / provisioned GPU-time; NaN for a bound. */
  meanGpuUtilization: number;
  requests: number;
  withinSlo: number;
  failed: number;
  /** Why requests failed (simulated strategies). */
  failedBy?: FailureCounts;
  held: number;
  coldStarts: number;
  /** Quantiles of the latency each SLO judges (time to first token or end to end), failed requests at +∞ (Infinity). */
  p50Ms: number;
  p99Ms: number;
  /** The end-to-end p99, failed requests at +∞. */
  p99E2eMs?: number;
  peakInstances: number;
  /** Instances drained and released by CONSOLIDATION, and copies moved; only for strategies that consolidate. */
  consolidation?: { freed: number; moves: number; freedAtS: number[] };
  /** What was sized how, e.g. "codegen-6b: 3 instances (peak 3 copies)". */
  sizing: string[];
  engine?: EngineResult;
  /** For a bound: accelerators needed per bin of binS seconds. */
  boundGpus?: { binS: number; gpus: Float64Array };
  wallMs: number;
}
