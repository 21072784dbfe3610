import type { Resources } from "../../src/domain/compute.js";
import type { ComponentDemand, PlacedCopy, PlacementDecision, PlacementInput, PlacementStrategy, SchedulerInstance } from "../../src/scheduler/index.js";

/** Fixture builders: small defaults, override only what a case is about. */

export function res(accelerators: number, cpuMillis = 1000, memoryMiB = 1024): Resources {
  return { accelerators, cpuMillis, memoryMiB };
}

export function instance(id: string, opts: { capacity?: Resources; devices?: number[]; schedulable?: boolean; order?: number } = {}): SchedulerInstance {
  const capacity = opts.capacity ?? res(4, 16_000, 65_536);
  return {
    id,
    capacity,
    deviceIndices: opts.devices ?? Array.from({ length: capacity.accelerators }, (_, d) => d),
    schedulable: opts.schedulable ?? true,
    order: opts.order ?? Number(/\d+$/.exec(id)?.[0] ?? 0),
  };
}

/** Instances i-1 … i-n, oldest first. */
export function fleet(n: number, opts: { capacity?: Resources } = {}): SchedulerInstance[] {
  return Array.from({ length: n }, (_, k) => instance(`i-${k + 1}`, opts));
}

export function demand(component: string, copies: number, opts: { needs?: Resources; strategy?: PlacementStrategy } = {}): ComponentDemand {
  return { component, copies, needs: opts.needs ?? res(1), strategy: opts.strategy ?? "BINPACK" };
}

export function copy(id: string, instanceId: string, opts: { resources?: Resources; devices?: number[]; ready?: boolean; replaces?: string } = {}): PlacedCopy {
  const resources = opts.resources ?? res(1);
  const c: PlacedCopy = {
    id,
    component: id.replace(/-\d+$/, ""),
    instanceId,
    devices: opts.devices ?? Array.from({ length: resources.accelerators }, (_, d) => d),
    resources,
    ready: opts.ready ?? true,
  };
  return opts.replaces === undefined ? c : { ...c, replaces: opts.replaces };
}

export function input(parts: Partial<PlacementInput>): PlacementInput {
  return { instances: [], demands: [], current: [], nextOrdinals: {}, ...parts };
}

/** Where each added copy went, as "id@instance", in the order they were added. */
export function addedAt(decision: PlacementDecision): string[] {
  return decision.add.map((c) => `${c.id}@${c.instanceId}`);
}

export function removedIds(decision: PlacementDecision): string[] {
  return decision.remove.map((r) => r.copy.id);
}

/** The decision's copies as the next call's `current`: every copy held and ready. */
export function settled(decision: PlacementDecision): PlacedCopy[] {
  return [...decision.keep, ...decision.add.map(({ reason: _reason, ...c }) => c)].map((c) => ({ ...c, ready: true }));
}
