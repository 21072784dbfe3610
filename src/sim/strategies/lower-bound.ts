import type { SimulationContext, Strategy } from "./types.js";

/**
 * (e) Not a way to run anything: the GPU demand itself. For each model and each 60 s bin, the mean
 * number of requests in service with no queueing (each request in service for its service time from
 * its arrival) divided by the per-copy concurrency, rounded up, times the model's accelerators; summed
 * over models and bins. Cost is those GPU-hours at the instance's price per accelerator-hour.
 */
export const lowerBound: Strategy = {
  name: "lower-bound",
  key: "e",
  label: "(e) lower bound (GPU demand)",
  describe:
    "GPU demand integrated over time, not a simulation: for every model and every 60 s bin, ceil(mean requests in service / concurrency per copy) × the model's accelerators, " +
    "where each request is in service for its service time from the moment it arrives (no queueing, no startup, no idle copies, no whole-instance rounding). " +
    "GPU-hours are summed over bins and models; cost is GPU-hours × (instance price / accelerators per instance).",
  run(ctx: SimulationContext) {
    const { demand, portfolio, template } = ctx;
    const gpus = new Float64Array(demand.bins);
    portfolio.models.forEach((model, m) => {
      const busy = demand.inServiceSeconds[m];
      for (let b = 0; b < demand.bins; b++) {
        const binS = Math.min(demand.binS, ctx.workload.durationS - b * demand.binS);
        if (busy[b] <= 0 || binS <= 0) continue;
        gpus[b] += Math.ceil(busy[b] / binS / model.concurrency - 1e-9) * model.accelerators;
      }
    });
    let gpuSeconds = 0;
    for (let b = 0; b < demand.bins; b++) gpuSeconds += gpus[b] * Math.min(demand.binS, ctx.workload.durationS - b * demand.binS);
    const gpuHours = gpuSeconds / 3600;
    const perInstance = Math.max(1, template.capacity.accelerators);
    const requests = ctx.workload.time.length;
    let peak = 0;
    for (const g of gpus) peak = Math.max(peak, g);
    return {
      name: lowerBound.name,
      key: lowerBound.key,
      label: lowerBound.label,
      describe: lowerBound.describe,
      kind: "bound",
      gpuHours,
      instanceHours: gpuHours / perInstance,
      cost: (gpuHours / perInstance) * ctx.assumptions.pricePerHour,
      meanGpuUtilization: NaN,
      requests,
      withinSlo: NaN,
      failed: NaN,
      held: NaN,
      coldStarts: NaN,
      p50Ms: NaN,
      p99Ms: NaN,
      peakInstances: Math.ceil(peak / perInstance),
      sizing: [`peak demand ${peak} accelerators (${(peak / perInstance).toFixed(1)} instances)`],
      boundGpus: { binS: demand.binS, gpus },
      wallMs: 0,
    };
  },
};
