import { runEngine, type EngineModel, type EnginePool } from "../engine/index.js";
import { engineTiming, hostedModel, plural, summarize, trackingConfig, warmCopies } from "./sizing.js";
import type { SimulationContext, Strategy } from "./types.js";

/** (b) Dedicated endpoints whose instance count follows the model's load (variant autoscaling). */
export const dedicatedAutoscaling: Strategy = {
  name: "dedicated-autoscaling",
  key: "b",
  label: "(b) dedicated + autoscaling",
  describe:
    "Each model has its own endpoint, one copy per instance, and the variant's DesiredInstanceCount is autoscaled by target tracking " +
    "(InvocationsPerInstance or ConcurrentRequestsPerModel at the model's target, its cooldowns, between max(1, minCopies) and maxCopies). " +
    "A new instance serves after the instance launch time plus the model's startup time; instances are released as soon as autoscaling scales in.",
  run(ctx: SimulationContext) {
    const template = ctx.template;
    const pools: EnginePool[] = [];
    const models: EngineModel[] = [];
    const sizing: string[] = [];
    ctx.portfolio.models.forEach((model, m) => {
      const min = Math.max(1, model.scaling.minCopies);
      const initial = warmCopies(ctx, m, min);
      pools.push({ name: model.name, template, mode: { kind: "follow-copies" }, initialInstances: initial, placement: "BINPACK" });
      models.push({
        ...hostedModel(model, m, { ...template.capacity }),
        initialCopies: initial,
        scaling: {
          kind: "target-tracking",
          config: trackingConfig(model, "variant"),
          resource: { kind: "variant", endpoint: model.name, variant: "AllTraffic" },
          min,
          max: model.scaling.maxCopies,
        },
        wakeFromZero: false,
      });
      sizing.push(`${model.name}: ${min}–${model.scaling.maxCopies} instances, ${plural(initial, "instance")} at the start`);
    });
    const engine = runEngine({ models, pools, timing: engineTiming(ctx), onHour: (s) => ctx.onHour?.(dedicatedAutoscaling, s) }, ctx.workload);
    return summarize(dedicatedAutoscaling, ctx, engine, sizing);
  },
};
