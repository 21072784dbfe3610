import { consolidationDefaults } from "../../autoscaling/instance-scaling.js";
import { runEngine } from "../engine/index.js";
import { componentModels, instancesFor } from "./shared-pool.js";
import { engineTiming, plural, summarize, warmCopies } from "./sizing.js";
import type { SimulationContext, Strategy } from "./types.js";

/** (d) As (c), plus scale to zero and managed instance scaling. */
export const packedManaged: Strategy = {
  name: "packed-managed",
  key: "d",
  label: "(d) packed + scale to zero + managed instances",
  describe:
    "As (c), and models with `scaleToZero` (minCopies 0) scale in to zero copies; a request for a model with no copy wakes it at once and waits for the copy to start (held). " +
    "Instances follow the copies through managed instance scaling (`decideInstanceCount`): instances are added when copies cannot be placed, " +
    "and released after staying empty for the idle delay, within the endpoint's minInstances–maxInstances. " +
    "Scale-in uses the CONSOLIDATION policy with the server's defaults (MaximumStepSize 1, CooldownInMinutes 20): when an instance's copies fit on the others, " +
    "it drains, each copy's replacement starts elsewhere and the old copy stops once the new one is ready, and the empty instance is released at once. " +
    "The decisions are the server's own (`decideInstanceCount`, `place()`, `finishedMoves`).",
  run(ctx: SimulationContext) {
    const { endpoint } = ctx.portfolio;
    const minOf = (m: number) => ctx.portfolio.models[m].scaling.minCopies;
    const initial = ctx.portfolio.models.map((_, m) => warmCopies(ctx, m, minOf(m)));
    const start = Math.min(endpoint.maxInstances, Math.max(endpoint.minInstances, instancesFor(ctx, initial)));
    const models = componentModels(ctx, { minOf, initialOf: (m) => initial[m], wake: true });
    const consolidation = { maxStep: consolidationDefaults.maxStep, cooldownS: consolidationDefaults.cooldownMinutes * 60 };
    const mode = {
      kind: "managed" as const,
      min: endpoint.minInstances,
      max: endpoint.maxInstances,
      idleReleaseS: ctx.assumptions.idleReleaseS,
      consolidation,
    };
    const pool = { name: "shared", template: ctx.template, mode, initialInstances: start, placement: "BINPACK" as const };
    const engine = runEngine({ models, pools: [pool], timing: engineTiming(ctx), onHour: (s) => ctx.onHour?.(packedManaged, s) }, ctx.workload);
    const zero = ctx.portfolio.models.filter((m) => m.scaling.minCopies === 0).length;
    const sizing = [
      `${endpoint.minInstances}–${endpoint.maxInstances} instances, ${plural(start, "instance")} at the start; idle release after ${ctx.assumptions.idleReleaseS} s`,
      `${plural(zero, "model")} may scale to zero`,
      `CONSOLIDATION scale-in: at most ${plural(consolidation.maxStep, "instance")} drained at a time, ${consolidationDefaults.cooldownMinutes} minutes after the endpoint last grew`,
    ];
    return summarize(packedManaged, ctx, engine, sizing);
  },
};
