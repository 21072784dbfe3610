import { runEngine } from "../engine/index.js";
import { componentModels, instancesFor } from "./shared-pool.js";
import { engineTiming, peakCopies, plural, summarize } from "./sizing.js";
import type { SimulationContext, Strategy } from "./types.js";

/**
 * (p) Packing alone: exactly the copies of (a), no autoscaling, packed on shared instances. Its
 * requests see the same copies as in (a), so the difference to (a) is what packing saves by itself.
 * Not in the default comparison; ask for it with --strategies a,p,….
 */
export const packedPeak: Strategy = {
  name: "packed-peak",
  key: "p",
  label: "(p) packed, same copies as (a)",
  optional: true,
  describe:
    "The copies of (a), each model at its peak copy count all the time with no autoscaling, placed as inference components on shared instances by `place()` (BINPACK): " +
    "as many instances as the scheduler needs for them. Every request meets the same copies as in (a), so the gap to (a) is what packing alone saves.",
  run(ctx: SimulationContext) {
    const peaks = ctx.portfolio.models.map((_, m) => peakCopies(ctx, m));
    const count = Math.max(ctx.portfolio.endpoint.minInstances, instancesFor(ctx, peaks));
    const models = componentModels(ctx, { minOf: (m) => peaks[m], initialOf: (m) => peaks[m], wake: false }).map((m) => ({
      ...m,
      scaling: { kind: "fixed" as const },
    }));
    const pool = { name: "shared", template: ctx.template, mode: { kind: "fixed" as const, count }, initialInstances: count, placement: "BINPACK" as const };
    const engine = runEngine({ models, pools: [pool], timing: engineTiming(ctx), onHour: (s) => ctx.onHour?.(packedPeak, s) }, ctx.workload);
    return summarize(packedPeak, ctx, engine, [
      `${plural(count, "instance")} for ${plural(
        peaks.reduce((a, b) => a + b, 0),
        "copy",
        "copies",
      )}`,
    ]);
  },
};
