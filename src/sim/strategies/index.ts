import { dedicated } from "./dedicated.js";
import { dedicatedAutoscaling } from "./dedicated-autoscaling.js";
import { dedicatedWorkers } from "./dedicated-workers.js";
import { lowerBound } from "./lower-bound.js";
import { packed } from "./packed.js";
import { packedPeak } from "./packed-peak.js";
import { packedManaged } from "./packed-managed.js";
import { wholeCopies } from "./whole-copies.js";
import type { Strategy } from "./types.js";

export type { SimulationAssumptions, SimulationContext, Strategy, StrategyResult } from "./types.js";
export { instanceTemplate } from "./sizing.js";
export { boundResult } from "./bound.js";

const registry = new Map<string, Strategy>();

/** Adds a column to every comparison; later placement work registers its own strategies here. */
export function registerStrategy(strategy: Strategy): void {
  for (const key of [strategy.name, strategy.key]) {
    const taken = registry.get(key);
    if (taken && taken !== strategy) throw new Error(`strategy '${key}' is already registered (${taken.label})`);
  }
  registry.set(strategy.name, strategy);
  registry.set(strategy.key, strategy);
}

for (const s of [dedicated, dedicatedWorkers, dedicatedAutoscaling, packed, packedManaged, lowerBound, wholeCopies, packedPeak]) registerStrategy(s);

/** Every registered strategy once, in key order (a, b, c, …). */
export function allStrategies(): Strategy[] {
  return [...new Set(registry.values())].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The strategies a comparison runs when none are named: all but the optional ones. */
export function defaultStrategies(): Strategy[] {
  return allStrategies().filter((s) => !s.optional);
}

/** Strategies by key or name ("a,c" or "dedicated,packed"); throws naming the unknown ones. */
export function pickStrategies(list: readonly string[]): Strategy[] {
  const known = () =>
    allStrategies()
      .map((s) => `${s.key} (${s.name})`)
      .join(", ");
  if (list.length === 0) throw new RangeError(`no strategy was named; choose one or more of ${known()}`);
  const unknown = list.filter((k) => !registry.has(k.trim()));
  if (unknown.length > 0) {
    throw new RangeError(`unknown strateg${unknown.length === 1 ? "y" : "ies"} ${unknown.map((u) => `'${u}'`).join(", ")}; choose from ${known()}`);
  }
  return [...new Set(list.map((k) => registry.get(k.trim())!))];
}
