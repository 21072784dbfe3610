import { runEngine } from "../engine/index.js";
import { componentModels, instancesFor } from "./shared-pool.js";
import { engineTiming, peakCopies, plural, summarize, warmCopies } from "./sizing.js";
import type { SimulationContext, Strategy } from "./types.js";

/** (c) Inference components packed on one shared endpoint, per-IC autoscaling, instances fixed for the portfolio's peak. */
export const packed: Strategy = {
  name: "packed",
  key: "c",
  label: "(c) packed ICs + IC autoscaling",
  describe:
    "All models are inference components of one endpoint, placed by Berth's scheduler (`place()`, BINPACK) on shared instances. " +
    "Each component's copy count is autoscaled by target tracking (InvocationsPerCopy or ConcurrentRequestsPerCopy) between max(1, minCopies) and maxCopies. " +
    "The instance count is fixed: the instances the scheduler needs to place every model at its own peak copy count at once (at least the endpoint's minInstances).",
  run(ctx: SimulationContext) {
    const peaks = ctx.portfolio.models.map((_, m) => peakCopies(ctx, m));
    const needed = instancesFor(ctx, peaks);
    const count = Math.max(ctx.portfolio.endpoint.minInstances, needed);
    const models = componentModels(ctx, {
      minOf: (m) => Math.max(1, ctx.portfolio.models[m].scaling.minCopies),
      initialOf: (m) => warmCopies(ctx, m, Math.max(1, ctx.portfolio.models[m].scaling.minCopies)),
      wake: false,
    });
    const pool = { name: "shared", template: ctx.template, mode: { kind: "fixed" as const, count }, initialInstances: count, placement: "BINPACK" as const };
    const engine = runEngine({ models, pools: [pool], timing: engineTiming(ctx), onHour: (s) => ctx.onHour?.(packed, s) }, ctx.workload);
    const sizing = [
      `${plural(count, "instance")} for ${plural(
        peaks.reduce((a, b) => a + b, 0),
        "copy",
        "copies",
      )} at every model's peak`,
    ];
    if (count > ctx.portfolio.endpoint.maxInstances)
      sizing.push(`more than the endpoint's maxInstances (${ctx.portfolio.endpoint.maxInstances}), which only (d) enforces`);
    return summarize(packed, ctx, engine, sizing);
  },
};
