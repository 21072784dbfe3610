import type { PortfolioModel } from "../input/index.js";
import type { SimulationContext, Strategy, StrategyResult } from "./types.js";

/**
 * The accelerators in use (mean) per demand bin, summed over models: perBin(busy, binS) for each bin
 * of a model with requests in service, busy being their in-service seconds and binS the bin's length
 * inside the window; forModel gives each model's perBin.
 */
export function gpusPerBin(ctx: SimulationContext, forModel: (model: PortfolioModel) => (busy: number, binS: number) => number): Float64Array {
  const { demand, portfolio, workload } = ctx;
  const gpus = new Float64Array(demand.bins);
  portfolio.models.forEach((model, m) => {
    const busy = demand.inServiceSeconds[m];
    const perBin = forModel(model);
    for (let b = 0; b < demand.bins; b++) {
      const binS = Math.min(demand.binS, workload.durationS - b * demand.binS);
      if (busy[b] > 0 && binS > 0) gpus[b] += perBin(busy[b], binS);
    }
  });
  return gpus;
}

/** A computed column from the accelerators in use (mean) per demand bin: GPU-hours, cost at the price per accelerator-hour, no latency figures. */
export function boundResult(strategy: Strategy, ctx: SimulationContext, gpus: Float64Array, sizing: (peak: number) => string): StrategyResult {
  const { demand, template, workload } = ctx;
  let gpuSeconds = 0;
  let peak = 0;
  for (let b = 0; b < demand.bins; b++) {
    gpuSeconds += gpus[b] * Math.max(0, Math.min(demand.binS, workload.durationS - b * demand.binS));
    peak = Math.max(peak, gpus[b]);
  }
  const gpuHours = gpuSeconds / 3600;
  const perInstance = Math.max(1, template.capacity.accelerators);
  return {
    name: strategy.name,
    key: strategy.key,
    label: strategy.label,
    describe: strategy.describe,
    kind: "bound",
    gpuHours,
    instanceHours: gpuHours / perInstance,
    cost: (gpuHours / perInstance) * ctx.assumptions.pricePerHour,
    meanGpuUtilization: NaN,
    requests: workload.time.length,
    withinSlo: NaN,
    failed: NaN,
    held: NaN,
    coldStarts: NaN,
    p50Ms: NaN,
    p99Ms: NaN,
    p99E2eMs: NaN,
    peakInstances: Math.ceil(peak / perInstance - 1e-9),
    sizing: [`${sizing(peak)} (${(peak / perInstance).toFixed(1)} instances)`],
    boundGpus: { binS: demand.binS, gpus },
    wallMs: 0,
  };
}
