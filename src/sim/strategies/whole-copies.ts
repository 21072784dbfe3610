import { boundResult, gpusPerBin } from "./bound.js";
import type { SimulationContext, Strategy } from "./types.js";

/**
 * (f) Not a way to run anything, and not a lower bound: the accelerators of whole copies that follow
 * the load minute by minute. For each model and each 60 s bin, the mean number of requests in service
 * with no queueing divided by the per-copy concurrency, rounded up to whole copies, times the model's
 * accelerators; summed over models and bins.
 */
export const wholeCopies: Strategy = {
  name: "whole-copies",
  key: "f",
  label: "(f) whole copies per model per minute",
  describe:
    "Computed, not simulated: for every model and every 60 s bin, ceil(mean requests in service / concurrency per copy) × the model's accelerators, " +
    "where each request is in service for its service time from the moment it arrives (no queueing, no startup, no whole-instance rounding), " +
    "as if each model ran exactly the whole copies each minute needs. Rounding every model up to whole copies every minute puts it above the lower bound (e). " +
    "GPU-hours are summed over bins and models; cost is GPU-hours × (instance price / accelerators per instance).",
  run(ctx: SimulationContext) {
    const gpus = gpusPerBin(ctx, (model) => (busy, binS) => Math.ceil(busy / binS / model.concurrency - 1e-9) * model.accelerators);
    return boundResult(wholeCopies, ctx, gpus, (peak) => `busiest minute: ${peak} accelerators of whole copies`);
  },
};
