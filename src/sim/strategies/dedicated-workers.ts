import { runEngine, type EngineModel, type EnginePool } from "../engine/index.js";
import { copiesPerInstance, engineTiming, hostedModel, modelNeeds, peakCopies, plural, summarize } from "./sizing.js";
import type { SimulationContext, Strategy } from "./types.js";

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
  run(ctx: SimulationContext) {
    const template = ctx.template;
    const pools: EnginePool[] = [];
    const models: EngineModel[] = [];
    const sizing: string[] = [];
    ctx.portfolio.models.forEach((model, m) => {
      const needs = modelNeeds(model);
      const workers = copiesPerInstance(template, needs);
      const instances = Math.ceil(peakCopies(ctx, m) / workers);
      pools.push({ name: model.name, template, mode: { kind: "fixed", count: instances }, initialInstances: instances, placement: "BINPACK" });
      models.push({ ...hostedModel(model, m, needs), initialCopies: instances * workers, scaling: { kind: "fixed" }, wakeFromZero: false });
      sizing.push(`${model.name}: ${plural(instances, "instance")} × ${plural(workers, "worker")}`);
    });
    const engine = runEngine({ models, pools, timing: engineTiming(ctx), onHour: (s) => ctx.onHour?.(dedicatedWorkers, s) }, ctx.workload);
    return summarize(dedicatedWorkers, ctx, engine, sizing);
  },
};
