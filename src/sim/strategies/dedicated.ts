import { runEngine, type EngineModel, type EnginePool } from "../engine/index.js";
import { engineTiming, hostedModel, peakCopies, plural, summarize } from "./sizing.js";
import type { SimulationContext, Strategy } from "./types.js";

/** (a) The seed's "before": every model on its own endpoint, one copy per instance, as many instances as its busiest minute needs, all the time. */
export const dedicated: Strategy = {
  name: "dedicated",
  key: "a",
  label: "(a) dedicated, sized for peak",
  baseline: true,
  describe:
    "Each model has its own endpoint (single-model hosting): one copy per instance, holding the whole instance whatever the model uses (the accelerators the copy does not use stay idle), " +
    "and as many instances as the model's busiest minute needs (ideal load of that minute / the model's scaling target, within its copy limits), for the whole run. No autoscaling.",
  run(ctx: SimulationContext) {
    const template = ctx.template;
    const pools: EnginePool[] = [];
    const models: EngineModel[] = [];
    const sizing: string[] = [];
    ctx.portfolio.models.forEach((model, m) => {
      const peak = peakCopies(ctx, m);
      pools.push({ name: model.name, template, mode: { kind: "fixed", count: peak }, initialInstances: peak, placement: "BINPACK" });
      models.push({
        ...hostedModel(model, m, { ...template.capacity }),
        initialCopies: peak,
        scaling: { kind: "fixed" },
        wakeFromZero: false,
      });
      sizing.push(`${model.name}: ${plural(peak, "instance")}`);
    });
    const engine = runEngine({ models, pools, timing: engineTiming(ctx), onHour: (s) => ctx.onHour?.(dedicated, s) }, ctx.workload);
    return summarize(dedicated, ctx, engine, sizing);
  },
};
