import { dedicatedForPeak } from "./dedicated.js";
import { copyShare } from "../input/index.js";
import { copiesPerInstance, modelNeeds } from "./sizing.js";
import type { Strategy } from "./types.js";

/**
 * (a2) The stronger "before": every model on its own endpoint, sized for its busiest minute as (a),
 * but each dedicated instance runs as many workers (copies) as its accelerators allow, as teams that
 * run one model worker per GPU or per tensor-parallel group do.
 */
export const dedicatedWorkers: Strategy = {
  name: "dedicated-workers",
  key: "a2",
  label: "(a2) dedicated, a worker per GPU group, sized for peak",
  baseline: true,
  describe:
    "Each model has its own endpoint, and each of its instances runs as many copies (workers) as fit: instance accelerators ÷ the model's accelerators " +
    "(8 workers of a 1-GPU model, 4 of a 2-GPU model on an 8-GPU instance), fewer if CPU or memory run out first. " +
    "Sized as (a): the copies the model's busiest minute needs, rounded up to whole instances, every worker running for the whole run. No autoscaling.",
  run: (ctx) =>
    dedicatedForPeak(dedicatedWorkers, ctx, (model) => {
      const needs = modelNeeds(model);
      const share = copyShare(model);
      // A share model's workers are also bounded by how many shares each device's memory holds.
      const sharesPerInstance = share ? ctx.template.deviceMemoryMiB!.reduce((sum, mib) => sum + Math.floor(mib / share.memoryMiB), 0) : Infinity;
      return { needs, workers: Math.max(1, Math.min(copiesPerInstance(ctx.template, needs), sharesPerInstance)) };
    }),
};
