import type { TargetTrackingConfig } from "../../autoscaling/records.js";
import type { Resources } from "../../domain/compute.js";
import { resourceKeys } from "../../domain/fit.js";
import type { InstanceTemplate } from "../../scheduler/index.js";
import { failureReasons, type EngineModel, type EngineResult, type EngineTiming, type FailureCounts } from "../engine/index.js";
import { copyNeeds, copyShare, shapeCapacity, type PortfolioEndpoint, type PortfolioModel } from "../input/index.js";
import type { SimulationContext, Strategy, StrategyResult } from "./types.js";

/** The endpoint's instance as the scheduler sees it, through the server's own capacity rule (memory headroom). */
export function instanceTemplate(endpoint: PortfolioEndpoint): InstanceTemplate {
  const capacity = shapeCapacity(endpoint.instance);
  const deviceIndices = Array.from({ length: capacity.accelerators }, (_, i) => i);
  const deviceMemoryMiB = deviceIndices.map(() => Math.floor(endpoint.instance.memoryPerAcceleratorGiB * 1024));
  return { capacity, deviceIndices, deviceMemoryMiB };
}

/** What one copy of the model reserves as an inference component; the portfolio reader checked that it fits the template. A share stands for its device. */
export function modelNeeds(model: PortfolioModel): Resources {
  const needs = copyNeeds(model);
  // A literal, not a spread copy: a copy gets an object shape of its own, which the scheduler's compiled code then meets anew.
  return copyShare(model) ? { accelerators: 0, cpuMillis: needs.cpuMillis, memoryMiB: needs.memoryMiB } : needs;
}

/** What an engine model takes from its portfolio entry, whatever the strategy hosting it. */
export function hostedModel(
  model: PortfolioModel,
  pool: number,
  needs: Resources,
): Pick<EngineModel, "name" | "pool" | "needs" | "share" | "accelerators" | "concurrency" | "startupS" | "sloS" | "weights" | "routing" | "prefixSharing"> {
  const share = copyShare(model);
  const { loadGBps, fixedSeconds } = model.startup;
  return {
    ...(loadGBps !== null && model.sizeGB !== undefined && { weights: { sizeGB: model.sizeGB, fixedS: fixedSeconds, remoteGBps: loadGBps } }),
    name: model.name,
    pool,
    needs,
    ...(share && needs.accelerators === 0 && { share }),
    accelerators: model.accelerators,
    concurrency: model.concurrency,
    startupS: model.startup.seconds,
    sloS: model.sloMs / 1000,
    ...(model.routing && { routing: model.routing }),
    ...(model.prefixSharing && { prefixSharing: model.prefixSharing }),
  };
}

/** How many copies with these needs one empty instance holds: the fewest over accelerators, CPU and memory. */
export function copiesPerInstance(template: InstanceTemplate, needs: Resources): number {
  let fit = Infinity;
  for (const key of resourceKeys) if (needs[key] > 0) fit = Math.min(fit, Math.floor(template.capacity[key] / needs[key]));
  return Number.isFinite(fit) ? Math.max(1, fit) : 1;
}

/**
 * Copies the model's scaling target asks for in one 60 s bin of ideal load: invocations per minute /
 * targetInvocationsPerCopy, or mean requests in service / targetConcurrencyPerCopy, rounded up.
 */
export function neededCopies(ctx: SimulationContext, m: number, bin: number): number {
  const target = ctx.portfolio.models[m].scaling.target;
  const d = ctx.demand;
  const load = target.metric === "invocationsPerCopy" ? (d.invocations[m][bin] * 60) / d.binS : d.inServiceSeconds[m][bin] / d.binS;
  return Math.ceil(load / target.value - 1e-9);
}

/** Copies for the model's busiest minute, within [max(1, minCopies), maxCopies]: "sized for its peak". */
export function peakCopies(ctx: SimulationContext, m: number): number {
  const scaling = ctx.portfolio.models[m].scaling;
  let peak = 0;
  for (let b = 0; b < ctx.demand.bins; b++) peak = Math.max(peak, neededCopies(ctx, m, b));
  return Math.min(scaling.maxCopies, Math.max(1, scaling.minCopies, peak));
}

/** Copies running when the window opens: what the first minutes need, within [min, maxCopies]. */
export function warmCopies(ctx: SimulationContext, m: number, min: number): number {
  let need = 0;
  for (let b = 0; b < Math.min(ctx.demand.bins, ctx.assumptions.warmStartBins); b++) need = Math.max(need, neededCopies(ctx, m, b));
  return Math.min(ctx.portfolio.models[m].scaling.maxCopies, Math.max(min, need));
}

/** The portfolio's scaling block as the TargetTrackingScaling policy a user would register. */
export function trackingConfig(model: PortfolioModel, on: "component" | "variant"): TargetTrackingConfig {
  const invocations = model.scaling.target.metric === "invocationsPerCopy";
  const type =
    on === "component"
      ? invocations
        ? "SageMakerInferenceComponentInvocationsPerCopy"
        : "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution"
      : invocations
        ? "SageMakerVariantInvocationsPerInstance"
        : "SageMakerVariantConcurrentRequestsPerModelHighResolution";
  return {
    TargetValue: model.scaling.target.value,
    PredefinedMetricSpecification: { PredefinedMetricType: type },
    ScaleOutCooldown: model.scaling.scaleOutCooldownS,
    ScaleInCooldown: model.scaling.scaleInCooldownS,
  };
}

export function engineTiming(ctx: SimulationContext): EngineTiming {
  const a = ctx.assumptions;
  const weightCache = ctx.portfolio.endpoint.weightCache;
  return { durationS: ctx.workload.durationS, tickS: a.tickS, holdLimitS: a.holdLimitS, instanceLaunchS: a.instanceLaunchS, sampleS: ctx.sampleS, weightCache };
}

/** Turns an engine run into the figures of one column. */
export function summarize(strategy: Strategy, ctx: SimulationContext, engine: EngineResult, sizing: string[]): StrategyResult {
  const instanceHours = engine.instanceSeconds / 3600;
  const sum = (pick: (m: EngineResult["models"][number]) => number) => engine.models.reduce((s, m) => s + pick(m), 0);
  const failed = sum((m) => m.failed);
  const failedBy = Object.fromEntries(failureReasons.map((reason) => [reason, sum((m) => m.failedBy[reason])])) as unknown as FailureCounts;
  return {
    name: strategy.name,
    key: strategy.key,
    label: strategy.label,
    describe: strategy.describe,
    kind: "simulated",
    ...(strategy.baseline && { baseline: true }),
    gpuHours: engine.gpuSeconds / 3600,
    instanceHours,
    cost: instanceHours * ctx.assumptions.pricePerHour,
    meanGpuUtilization: engine.gpuSeconds > 0 ? engine.busyGpuSeconds / engine.gpuSeconds : 0,
    requests: sum((m) => m.requests),
    withinSlo: sum((m) => m.withinSlo),
    failed,
    failedBy,
    held: sum((m) => m.held),
    coldStarts: sum((m) => m.coldStarts),
    p50Ms: engine.judged.quantileMs(0.5, failed),
    p99Ms: engine.judged.quantileMs(0.99, failed),
    p99E2eMs: engine.latency.quantileMs(0.99, failed),
    peakInstances: engine.peakInstances,
    ...(engine.consolidation && { consolidation: engine.consolidation }),
    sizing,
    engine,
    wallMs: 0,
  };
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
