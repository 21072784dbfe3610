import { instancesNeeded, type ComponentDemand } from "../../scheduler/index.js";
import type { EngineModel } from "../engine/index.js";
import { hostedModel, modelNeeds, trackingConfig } from "./sizing.js";
import { copyShare } from "../input/index.js";
import type { SimulationContext } from "./types.js";

/** The portfolio's models as inference components of one shared endpoint, each with its own target tracking. */
export function componentModels(
  ctx: SimulationContext,
  options: { minOf: (m: number) => number; initialOf: (m: number) => number; wake: boolean },
): EngineModel[] {
  return ctx.portfolio.models.map((model, m) => ({
    ...hostedModel(model, 0, modelNeeds(model)),
    initialCopies: options.initialOf(m),
    scaling: {
      kind: "target-tracking",
      config: trackingConfig(model, "component"),
      resource: { kind: "component", component: model.name },
      min: options.minOf(m),
      max: model.scaling.maxCopies,
    },
    wakeFromZero: options.wake && options.minOf(m) === 0,
    growOnBacklog: options.wake && ctx.assumptions.growOnBacklog,
  }));
}

/** Instances the scheduler needs to place these copy counts on empty instances of the endpoint's type. */
export function instancesFor(ctx: SimulationContext, copies: readonly number[]): number {
  const demands: ComponentDemand[] = ctx.portfolio.models.map((model, m) => ({
    component: model.name,
    copies: copies[m],
    needs: modelNeeds(model),
    share: copyShare(model),
    strategy: "BINPACK",
    // The engine's demands name their artifact: the same keys keep the scheduler's code on one object shape.
    artifact: model.name,
  }));
  const limit = Math.max(
    1,
    copies.reduce((a, b) => a + b, 0),
  );
  return instancesNeeded({ instances: [], demands, current: [], nextOrdinals: {} }, ctx.template, limit).count;
}
