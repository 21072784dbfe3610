import { displayAmount, resourceNames, type Resources } from "./compute.js";

/**
 * The one fit check. Validation (a copy must fit one empty instance of its variant's type), the
 * scheduler (a copy must fit an instance's free resources), managed instance scaling (which adds
 * instances only for copies that fit an empty one) and the simulator's portfolio reader all ask it, so
 * what one accepts the others can place.
 */

/** One resource that falls short: what one copy needs of it, and what is available where it was checked. */
export interface Shortfall {
  resource: keyof Resources;
  needed: number;
  available: number;
}

export const resourceKeys: readonly (keyof Resources)[] = ["accelerators", "cpuMillis", "memoryMiB"];

/** Integer comparisons only: resources are whole devices, millicores and MiB. Same answer as `shortfalls(...).length === 0`, without allocating. */
export function fits(available: Resources, needs: Resources): boolean {
  return available.accelerators >= needs.accelerators && available.cpuMillis >= needs.cpuMillis && available.memoryMiB >= needs.memoryMiB;
}

/** Every resource that stops one copy from fitting, in resourceKeys order; empty exactly when `fits`. */
export function shortfalls(available: Resources, needs: Resources): Shortfall[] {
  const out: Shortfall[] = [];
  for (const resource of resourceKeys) {
    if (needs[resource] > available[resource]) out.push({ resource, needed: needs[resource], available: available[resource] });
  }
  return out;
}

/** How much is missing, in the resource's own units. */
export function missing(s: Shortfall): number {
  return s.needed - s.available;
}

/** The resource as users read it: "accelerator devices", "CPU cores", "memory". */
export function resourceLabel(resource: keyof Resources): string {
  return resourceNames[resource].label;
}

/** An amount as users read it: CPU in cores, memory with its unit ("2048 MiB"). */
export function resourceAmount(resource: keyof Resources, amount: number): string {
  return `${displayAmount(resource, amount)}${resourceNames[resource].unit}`;
}
