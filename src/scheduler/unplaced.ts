import { displayAmount, resourceNames, type Resources } from "../domain/compute.js";
import type { Fleet } from "./fleet.js";
import { insufficient, resourceKeys, type Insufficient } from "./fit.js";
import type { ComponentDemand, ResourceShortfall, Unplaced } from "./types.js";

/** Explains, once placement is done, why each short demand's missing copies found no instance. */
export function describeUnplaced(fleet: Fleet, short: readonly { demand: ComponentDemand; missing: number }[]): Unplaced[] {
  if (short.length === 0) return [];
  const open = fleet.instances.flatMap((inst, i) => (inst.schedulable ? [i] : []));
  const largest = { accelerators: -Infinity, cpuMillis: -Infinity, memoryMiB: -Infinity };
  for (const i of open) for (const r of resourceKeys) largest[r] = Math.max(largest[r], fleet.free[i][r]);
  return short.map(({ demand, missing }) => explain(fleet, { demand, missing, open, largest }));
}

function explain(fleet: Fleet, ctx: { demand: ComponentDemand; missing: number; open: number[]; largest: Resources }): Unplaced {
  const { demand, missing, open, largest } = ctx;
  const { component, needs } = demand;
  const head = `${missing} of ${demand.copies} ${demand.copies === 1 ? "copy" : "copies"} cannot be placed`;
  if (open.length === 0) {
    return { component, missing, shortfalls: [], reason: `${head}: the endpoint has no schedulable instances` };
  }

  const short: ResourceShortfall[] = resourceKeys
    .filter((r) => needs[r] > largest[r])
    .map((resource) => ({ resource, needed: needs[resource], largestFree: largest[resource] }));
  if (short.length > 0) {
    const parts = short.map(
      (s) =>
        `${label(s.resource)} short by ${amount(s.resource, s.needed - s.largestFree)} (each copy needs ` +
        `${amount(s.resource, s.needed)}, the most free on any instance is ${amount(s.resource, s.largestFree)})`,
    );
    return { component, missing, shortfalls: short, reason: `${head}: ${parts.join("; ")}` };
  }

  const { i, gaps } = closest(fleet, open, needs);
  const id = fleet.instances[i].id;
  const parts = gaps.map(
    (g) =>
      `short of ${label(g.resource)} by ${amount(g.resource, g.needed - g.free)} (each copy needs ` +
      `${amount(g.resource, g.needed)}, it has ${amount(g.resource, g.free)} free)`,
  );
  return {
    component,
    missing,
    shortfalls: gaps.map((g) => ({ resource: g.resource, needed: g.needed, largestFree: g.free })),
    reason: `${head}: no instance has room for all of one copy's needs at once; the closest, ${id}, is ${parts.join(" and ")}`,
  };
}

/** Fewest resources short, then the smallest shortage relative to capacity, then the oldest. */
function closest(fleet: Fleet, open: number[], needs: Resources): { i: number; gaps: Insufficient[] } {
  let best = { i: -1, gaps: [] as Insufficient[], gap: Infinity };
  for (const i of open) {
    const gaps = insufficient(fleet.free[i], needs);
    const cap = fleet.capacity(i);
    const gap = gaps.reduce((sum, g) => sum + (g.needed - g.free) / Math.max(1, cap[g.resource]), 0);
    if (best.i < 0 || gaps.length < best.gaps.length || (gaps.length === best.gaps.length && gap < best.gap)) {
      best = { i, gaps, gap };
    }
  }
  return best;
}

function label(resource: keyof Resources): string {
  return resourceNames[resource].label;
}

function amount(resource: keyof Resources, n: number): string {
  return `${displayAmount(resource, n)}${resourceNames[resource].unit}`;
}
