import { Fleet } from "./fleet.js";
import { compareText, CopyNamer } from "./ids.js";
import { Moves, type Held } from "./moves.js";
import { holderIndices, preferHolders } from "./prefer-holders.js";
import { scaleIn } from "./scale-in.js";
import { sharePicker } from "./share-picker.js";
import { strategies, type CopyCounts } from "./strategies/index.js";
import type { AddedCopy, ComponentDemand, PlacementDecision, PlacementInput, RemovedCopy, SchedulerInstance } from "./types.js";
import { describeUnplaced } from "./unplaced.js";

/**
 * Decides which copies stay, which start and which stop so every demand gets its copies. Pure and
 * deterministic: inputs are sorted by stable keys first, so their order does not matter.
 *
 * A copy named in another copy's `replaces` is on its way out: it is kept, holds its resources, is
 * not counted, and is left for the caller to stop (see moves.ts).
 */
export function place(input: PlacementInput): PlacementDecision {
  const fleet = new Fleet([...input.instances].sort(olderFirst));
  const demands = byComponent(input.demands);
  const current = [...input.current].sort((a, b) => compareText(a.id, b.id));
  const remove: RemovedCopy[] = [];
  const held: Held[] = [];
  for (const copy of current) {
    const instance = fleet.indexOf(copy.instanceId);
    if (!demands.has(copy.component)) remove.push({ copy, reason: "inference component no longer wants copies" });
    else if (instance < 0) remove.push({ copy, reason: `instance ${copy.instanceId} is no longer in the fleet` });
    else {
      fleet.hold(instance, copy);
      held.push({ copy, instance });
    }
  }

  const moves = new Moves(held);
  const active = new Map<string, Held[]>([...demands.keys()].map((c) => [c, []]));
  for (const h of held) if (!moves.isOutgoing(h.copy)) active.get(h.copy.component)!.push(h);
  for (const [component, demand] of demands) {
    const list = active.get(component)!;
    const wanted = Math.max(0, demand.copies);
    if (list.length <= wanted) continue;
    const reason = `scale-in: ${copies(wanted)} wanted, ${list.length} running`;
    const ctx = { fleet, strategy: strategies[demand.strategy], counts: countsOf(list), moves };
    for (const { copy } of scaleIn(list, wanted, ctx)) remove.push({ copy, reason });
  }

  fleet.buildIndex();
  const taken = new Set(current.map((c) => c.id));
  for (const id of input.otherCopyIds ?? []) taken.add(id);
  const namer = new CopyNamer(input.nextOrdinals, taken);
  const add: AddedCopy[] = [];
  const short: { demand: ComponentDemand; missing: number }[] = [];
  const holders = holderIndices(fleet, input.holders);
  for (const demand of [...demands.values()].sort(largestFirst)) {
    const { component, needs, share } = demand;
    const prefix = demand.namePrefix ?? component;
    const list = active.get(component)!;
    const counts = countsOf(list);
    const strategyPick = share
      ? sharePicker(fleet, needs, share, counts, demand.strategy === "SPREAD")
      : strategies[demand.strategy].picker(fleet, needs, counts);
    const pick = preferHolders(fleet, strategyPick, { needs, share }, counts, demand.strategy, holders.get(demand.artifact ?? "") ?? []);
    const addOne = (reason: string, replaces?: string): boolean => {
      const i = pick();
      if (i < 0) return false;
      const devices = share ? fleet.allocateShare(i, needs, share) : fleet.allocate(i, needs);
      const id = namer.next(prefix);
      const instanceId = fleet.instances[i].id;
      const copy: AddedCopy = { id, component, instanceId, devices, resources: { ...needs }, ready: false, reason };
      if (share) copy.share = { ...share };
      add.push(replaces === undefined ? copy : { ...copy, replaces });
      counts.set(i, (counts.get(i) ?? 0) + 1);
      return true;
    };

    // Replacements first: a copy stuck on a draining instance still serves, so it stays when none fits.
    for (const { copy, instance } of list) {
      if (fleet.schedulable(instance)) continue;
      if (!addOne(`moving off draining instance ${copy.instanceId}`, copy.id)) break;
    }
    const wanted = Math.max(0, demand.copies);
    const reason = `scale-out: ${copies(wanted)} wanted, ${list.length} running`;
    let missing = wanted - list.length;
    while (missing > 0 && addOne(reason)) missing--;
    if (missing > 0) short.push({ demand, missing });
  }

  const removed = new Set(remove.map((r) => r.copy));
  const unplaced = describeUnplaced(fleet, short).sort((a, b) => compareText(a.component, b.component));
  return {
    keep: current.filter((c) => !removed.has(c)),
    add,
    remove: remove.sort((a, b) => compareText(a.copy.id, b.copy.id)),
    unplaced,
    nextOrdinals: namer.ordinals(),
  };
}

function copies(n: number): string {
  return `${n} ${n === 1 ? "copy" : "copies"}`;
}

function olderFirst(a: SchedulerInstance, b: SchedulerInstance): number {
  return a.order - b.order || compareText(a.id, b.id);
}

/** First-fit-decreasing: copies that need the most go first, while large holes still exist. */
function largestFirst(a: ComponentDemand, b: ComponentDemand): number {
  return (
    b.needs.accelerators - a.needs.accelerators ||
    (b.share?.memoryMiB ?? 0) - (a.share?.memoryMiB ?? 0) ||
    b.needs.memoryMiB - a.needs.memoryMiB ||
    b.needs.cpuMillis - a.needs.cpuMillis ||
    compareText(a.component, b.component)
  );
}

function byComponent(demands: readonly ComponentDemand[]): Map<string, ComponentDemand> {
  const sorted = [...demands].sort((a, b) => compareText(a.component, b.component));
  const map = new Map<string, ComponentDemand>();
  for (const d of sorted) {
    if (map.has(d.component)) {
      throw new Error(`place: component "${d.component}" has two demands; pass one demand per component`);
    }
    map.set(d.component, d);
  }
  return map;
}

function countsOf(list: readonly Held[]): CopyCounts {
  const counts: CopyCounts = new Map();
  for (const { instance } of list) counts.set(instance, (counts.get(instance) ?? 0) + 1);
  return counts;
}
