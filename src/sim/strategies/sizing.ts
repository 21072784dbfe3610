import type { TargetTrackingConfig } from "../../autoscaling/records.js";
import type { Resources } from "../../domain/compute.js";
import type { InstanceTemplate } from "../../scheduler/index.js";
import type { EngineModel, EngineResult, EngineTiming } from "../engine/index.js";
import { copyNeeds, shapeCapacity, type PortfolioEndpoint, type PortfolioModel } from "../input/index.js";
import type { SimulationContext, Strategy, StrategyResult } from "./types.js";

/** The endpoint's instance as the scheduler sees it, through the server's own capacity rule (memory headroom). */
export function instanceTemplate(endpoint: PortfolioEndpoint): InstanceTemplate {
  const capacity = shapeCapacity(endpoint.instance);
  return { capacity, deviceIndices: Array.from({ length: capacity.accelerators }, (_, i) => i) };
}

/** What one copy of the model reserves as an inference component; the portfolio reader checked that it fits the template. */
export function modelNeeds(model: PortfolioModel): Resources {
  return copyNeeds(model);
}

/** What an engine model takes from its portfolio entry, whatever the strategy hosting it. */
export function hostedModel(
  model: PortfolioModel,
  pool: number,
  needs: Resources,
): Pick<EngineModel, "name" | "pool" | "needs" | "accelerators" | "concurrency" | "startupS" | "sloS" | "weights"> {
  const { loadGBps, fixedSeconds } = model.startup;
  return {
    ...(loadGBps !== null && model.sizeGB !== undefined && { weights: { sizeGB: model.sizeGB, fixedS: fixedSeconds, remoteGBps: loadGBps } }),
    name: model.name,
    pool,
    needs,
    accelerators: model.accelerators,
    concurrency: model.concurrency,
    startupS: model.startup.seconds,
    sloS: model.sloMs / 1000,
  };
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
  return {
    name: strategy.name,
    key: strategy.key,
    label: strategy.label,
    describe: strategy.describe,
    kind: "simulated",
    gpuHours: engine.gpuSeconds / 3600,
    instanceHours,
    cost: instanceHours * ctx.assumptions.pricePerHour,
    meanGpuUtilization: engine.gpuSeconds > 0 ? engine.busyGpuSeconds / engine.gpuSeconds : 0,
    requests: sum((m) => m.requests),
    withinSlo: sum((m) => m.withinSlo),
    failed: sum((m) => m.failed),
    held: sum((m) => m.held),
    coldStarts: sum((m) => m.coldStarts),
    p50Ms: engine.latency.quantileMs(0.5),
    p99Ms: engine.latency.quantileMs(0.99),
    peakInstances: engine.peakInstances,
    sizing,
    engine,
    wallMs: 0,
  };
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
