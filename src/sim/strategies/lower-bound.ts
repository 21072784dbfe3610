import { copyShare } from "../input/index.js";
import { boundResult, gpusPerBin } from "./bound.js";
import type { SimulationContext, Strategy } from "./types.js";

/**
 * (e) The lower bound: busy accelerator time. Each request keeps its copy's accelerators busy for its
 * service time, shared with the concurrency − 1 others the copy serves at once, so serving it takes at
 * least service time × accelerators ÷ concurrency accelerator-seconds, however copies are placed,
 * scaled or batched. Summed over every request of the window (failed ones too: a strategy that serves
 * everything needs them).
 */
export const lowerBound: Strategy = {
  name: "lower-bound",
  key: "e",
  label: "(e) lower bound (busy accelerator time)",
  describe:
    "Computed, not simulated: Σ over requests of service time × the model's accelerators (a share: its fraction of a device's memory) ÷ its concurrency per copy (each request from its arrival, cut at the end of the window), " +
    "the accelerator-seconds the requests keep busy with no queueing, no startup, no idle copy and no rounding to whole copies or instances. " +
    "No way of serving every request within the model's concurrency uses fewer GPU-hours. Cost is GPU-hours × (instance price / accelerators per instance).",
  run(ctx: SimulationContext) {
    const gpus = gpusPerBin(ctx, (model) => {
      const share = copyShare(model);
      // A share holds its fraction of one device.
      const devices = share ? Math.min(1, share.memoryMiB / ctx.template.deviceMemoryMiB![0]!) : model.accelerators;
      const perSecond = devices / model.concurrency;
      return (busy, binS) => (busy * perSecond) / binS;
    });
    return boundResult(lowerBound, ctx, gpus, (peak) => `busiest minute: ${peak.toFixed(1)} accelerators busy on average`);
  },
};
