import type { WeightCacheSpec } from "../../engine/types.js";

/** A portfolio file after validation, with every default filled in. */
export interface Portfolio {
  /** The path it was loaded from, as given. */
  file: string;
  description?: string;
  models: PortfolioModel[];
  endpoint: PortfolioEndpoint;
  mapping: MappingSpec;
  simulation: SimulationSpec;
  catalogDir: string;
  /** Defaults that needed a fallback, e.g. memory taken from min_serving_memory_gb. */
  notes: string[];
}

export interface PortfolioModel {
  name: string;
  catalogModel?: string;
  /** Weights to load, decimal GB; undefined when neither given nor in the catalog (then startup is fixed). */
  sizeGB?: number;
  /** Whole accelerator devices per copy (1 with acceleratorMemoryGiB: the device the share is part of). */
  accelerators: number;
  /** Part of one accelerator a copy reserves, GiB (Berth's fractional accelerators; the server's berth:AcceleratorMemoryRequiredInMb). */
  acceleratorMemoryGiB?: number;
  /** Memory one copy reserves, GiB. */
  memoryGiB: number;
  cpuCores: number;
  startup: StartupSpec;
  latency: LatencyProfile;
  /** Requests one copy serves at once. */
  concurrency: number;
  sloMs: number;
  /**
   * What sloMs is judged against: ttft, time to first token (queueing + startup + the latency profile's
   * first-token time); e2e, the whole response. Default ttft when the latency profile gives a first-token time.
   */
  slo: SloMeasure;
  scaling: ScalingPolicy;
  /** How the router picks a copy of this model (src/sim/engine/prefix-cache.ts); absent: LEAST_OUTSTANDING_REQUESTS. */
  routing?: RoutingStrategy;
  /** Requests that share a prefix a copy may have cached; absent: none do. */
  prefixSharing?: PrefixSharing;
}

export type RoutingStrategy = "LEAST_OUTSTANDING_REQUESTS" | "RANDOM" | "PREFIX_AWARE";

export interface PrefixSharing {
  /** Part of the requests, 0 to 1, that start with one of the shared prefixes. */
  requestShare: number;
  /** Part of such a request's prefill (its time to first token) that is the prefix: saved on a copy that has it cached. */
  prefillShare: number;
  /** Distinct shared prefixes, equally likely. */
  prefixes: number;
  /** Prefixes one copy's KV cache keeps; the least recently used goes. */
  cachedPerCopy: number;
}

export type SloMeasure = "ttft" | "e2e";

export interface StartupSpec {
  /** Time from "copy placed" to "copy serves": fixedSeconds + sizeGB / loadGBps, or as given. */
  seconds: number;
  /** null when startupSeconds was given directly. */
  loadGBps: number | null;
  fixedSeconds: number;
}

export type LatencyProfile =
  | { kind: "tokens"; firstTokenMs: number; perOutputTokenMs: number; perInputTokenMs: number }
  /**
   * useTraceDuration: take a request's durationMs from the trace (Azure Functions) when it has one.
   * firstTokenMs: of each response, the time to its first token (an LLM's prefill); absent for non-LLMs.
   */
  | { kind: "fixed"; fixedMs: number; useTraceDuration: boolean; firstTokenMs?: number };

export interface ScalingPolicy {
  minCopies: number;
  maxCopies: number;
  /**
   * invocationsPerCopy: requests per copy per minute (SageMaker's InvocationsPerCopy);
   * concurrencyPerCopy: requests in flight per copy (ConcurrentRequestsPerCopy).
   */
  target: { metric: "invocationsPerCopy" | "concurrencyPerCopy"; value: number };
  scaleInCooldownS: number;
  scaleOutCooldownS: number;
  scaleToZero: boolean;
}

export interface PortfolioEndpoint {
  instanceType: string;
  minInstances: number;
  maxInstances: number;
  pricePerHour: number;
  /** portfolio: the file's override; catalog / catalog-unconfirmed: the catalog price; catalog-estimate: its estimate. */
  priceSource: "portfolio" | "catalog" | "catalog-unconfirmed" | "catalog-estimate";
  instance: InstanceShape;
  /** Each instance's weight cache (the server's artifacts.cacheBudgetMb), and how fast weights load from it. */
  weightCache: WeightCacheSpec;
}

export interface InstanceShape {
  accelerators: number;
  acceleratorModel: string | null;
  memoryPerAcceleratorGiB: number;
  vcpus: number;
  memoryGiB: number;
}

export type MappingSpec =
  | { strategy: "byRank"; streamsPerModel: number }
  | { strategy: "random"; streamsPerModel: number; seed: number }
  | { strategy: "explicit"; streams: ExplicitStreams[] };

export interface ExplicitStreams {
  model: string;
  /** Stream ids as written (a unique prefix of at least 6 characters also matches). */
  ids: string[];
  /** Line of each id in the portfolio file, for messages about ids the trace lacks. */
  lines: number[];
}

export interface SimulationSpec {
  durationS?: number;
  /** Multiplies the trace's request rate (see TraceOptions.rateScale); absent means 1. */
  rateScale?: number;
  seed: number;
  /** How often the autoscaler evaluates its targets, seconds. */
  scalingPeriodS: number;
}
