import type { Resources } from "../../domain/compute.js";
import type { PortfolioModel } from "../input/index.js";
import { runEngine, type EngineModel, type EnginePool } from "../engine/index.js";
import { engineTiming, hostedModel, peakCopies, plural, summarize } from "./sizing.js";
import type { SimulationContext, Strategy, StrategyResult } from "./types.js";

/** (a) The seed's "before": every model on its own endpoint, one copy per instance, as many instances as its busiest minute needs, all the time. */
export const dedicated: Strategy = {
  name: "dedicated",
  key: "a",
  label: "(a) dedicated, sized for peak",
  baseline: true,
  describe:
    "Each model has its own endpoint (single-model hosting): one copy per instance, holding the whole instance whatever the model uses (the accelerators the copy does not use stay idle), " +
    "and as many instances as the model's busiest minute needs (ideal load of that minute / the model's scaling target, within its copy limits), for the whole run. No autoscaling.",
  run: (ctx) => dedicatedForPeak(dedicated, ctx, () => ({ needs: { ...ctx.template.capacity }, workers: 1 })),
};

/**
 * One endpoint per model with a fixed fleet for its busiest minute: ceil(peak copies ÷ workers)
 * instances, each running `workers` copies that each reserve `needs`, all of them for the whole run.
 */
export function dedicatedForPeak(
  strategy: Strategy,
  ctx: SimulationContext,
  host: (model: PortfolioModel) => { needs: Resources; workers: number },
): StrategyResult {
  const template = ctx.template;
  const pools: EnginePool[] = [];
  const models: EngineModel[] = [];
  const sizing: string[] = [];
  ctx.portfolio.models.forEach((model, m) => {
    const { needs, workers } = host(model);
    const instances = Math.ceil(peakCopies(ctx, m) / workers);
    pools.push({ name: model.name, template, mode: { kind: "fixed", count: instances }, initialInstances: instances, placement: "BINPACK" });
    models.push({ ...hostedModel(model, m, needs), initialCopies: instances * workers, scaling: { kind: "fixed" }, wakeFromZero: false });
    sizing.push(`${model.name}: ${plural(instances, "instance")}${workers > 1 ? ` × ${plural(workers, "worker")}` : ""}`);
  });
  const engine = runEngine({ models, pools, timing: engineTiming(ctx), onHour: (s) => ctx.onHour?.(strategy, s) }, ctx.workload);
  return summarize(strategy, ctx, engine, sizing);
}
