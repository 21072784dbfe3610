import type { Resources } from "../domain/compute.js";
import { missing, resourceAmount, resourceKeys, resourceLabel, shortfalls, type Shortfall } from "../domain/fit.js";
import type { Fleet } from "./fleet.js";
import type { ComponentDemand, DeviceShare, Unplaced } from "./types.js";

/** Explains, once placement is done, why each short demand's missing copies found no instance. */
export function describeUnplaced(fleet: Fleet, short: readonly { demand: ComponentDemand; missing: number }[]): Unplaced[] {
  if (short.length === 0) return [];
  const open = fleet.instances.flatMap((inst, i) => (inst.schedulable ? [i] : []));
  const largest = { accelerators: -Infinity, cpuMillis: -Infinity, memoryMiB: -Infinity };
  for (const i of open) for (const r of resourceKeys) largest[r] = Math.max(largest[r], fleet.free[i][r]);
  return short.map(({ demand, missing }) => explain(fleet, { demand, missing, open, largest }));
}

function explain(fleet: Fleet, ctx: { demand: ComponentDemand; missing: number; open: number[]; largest: Resources }): Unplaced {
  const { demand, open, largest } = ctx;
  const { component, needs } = demand;
  const head = `${ctx.missing} of ${demand.copies} ${demand.copies === 1 ? "copy" : "copies"} cannot be placed`;
  if (open.length === 0) {
    return { component, missing: ctx.missing, shortfalls: [], reason: `${head}: the endpoint has no schedulable instances` };
  }

  const deviceReason = demand.share && shareShortage(fleet, open, demand.share);
  if (deviceReason) return { component, missing: ctx.missing, shortfalls: [], reason: `${head}: ${deviceReason}` };

  // Checked against the most of each resource free anywhere: a resource short there is short everywhere.
  const short = shortfalls(largest, needs);
  if (short.length > 0) {
    const parts = short.map(
      (s) =>
        `${resourceLabel(s.resource)} short by ${amount(s, missing(s))} (each copy needs ${amount(s, s.needed)}, ` +
        `the most free on any instance is ${amount(s, s.available)})`,
    );
    return { component, missing: ctx.missing, shortfalls: short, reason: `${head}: ${parts.join("; ")}` };
  }

  if (demand.share) {
    const reason = `${head}: no instance has a device with room for the share and the copy's CPU and memory at once`;
    return { component, missing: ctx.missing, shortfalls: [], reason };
  }
  const { i, gaps } = closest(fleet, open, needs);
  const id = fleet.instances[i].id;
  const parts = gaps.map(
    (g) => `short of ${resourceLabel(g.resource)} by ${amount(g, missing(g))} (each copy needs ${amount(g, g.needed)}, it has ${amount(g, g.available)} free)`,
  );
  return {
    component,
    missing: ctx.missing,
    shortfalls: gaps,
    reason: `${head}: no instance has room for all of one copy's needs at once; the closest, ${id}, is ${parts.join(" and ")}`,
  };
}

/** Fewest resources short, then the smallest shortage relative to capacity, then the oldest. */
function closest(fleet: Fleet, open: number[], needs: Resources): { i: number; gaps: Shortfall[] } {
  let best = { i: -1, gaps: [] as Shortfall[], gap: Infinity };
  for (const i of open) {
    const gaps = shortfalls(fleet.free[i], needs);
    const cap = fleet.capacity(i);
    const gap = gaps.reduce((sum, g) => sum + missing(g) / Math.max(1, cap[g.resource]), 0);
    if (best.i < 0 || gaps.length < best.gaps.length || (gaps.length === best.gaps.length && gap < best.gap)) {
      best = { i, gaps, gap };
    }
  }
  return best;
}

function amount(s: Shortfall, n: number): string {
  return resourceAmount(s.resource, n);
}

/** Why no device takes the share, when its memory or compute is short on every device; undefined when some device has room. */
function shareShortage(fleet: Fleet, open: readonly number[], share: DeviceShare): string | undefined {
  let mostMiB = 0;
  let mostPercent = 0;
  for (const i of open) {
    for (let k = 0; k < fleet.deviceCount(i); k++) {
      const free = fleet.deviceFreeMiB(i, k);
      mostMiB = Math.max(mostMiB, free);
      if (free >= share.memoryMiB) mostPercent = Math.max(mostPercent, fleet.deviceFreePercent(i, k));
    }
  }
  const types = new Set(open.map((i) => fleet.instances[i].instanceType));
  const type = types.size === 1 ? [...types][0] : undefined;
  const where = type ? `any ${type} device` : "any device";
  if (mostMiB < share.memoryMiB) {
    return `needs ${share.memoryMiB} MiB of accelerator memory on one device; the most free on ${where} is ${mostMiB} MiB`;
  }
  const percent = share.computePercent ?? 0;
  if (mostPercent < percent) {
    return `needs ${percent}% of one device's compute; the most free on ${where} with room for its memory is ${mostPercent}%`;
  }
  return undefined;
}
