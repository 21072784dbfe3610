import { Fleet } from "./fleet.js";
import { compareText, CopyNamer } from "./ids.js";
import { Moves, type Held } from "./moves.js";
import { holderIndices, preferHolders } from "./prefer-holders.js";
import { scaleIn } from "./scale-in.js";
import { sharePicker } from "./share-picker.js";
import { strategies, type CopyCounts } from "./strategies/index.js";
import type { AddedCopy, ComponentDemand, PlacedCopy, PlacementDecision, PlacementInput, RemovedCopy, SchedulerInstance } from "./types.js";
import { describeUnplaced } from "./unplaced.js";

export type BookDecision = Omit<PlacementDecision, "keep" | "nextOrdinals">;

/** What a decision prefers instances and devices by: the holders of artifacts and parked engines. */
export type PlacementHints = Pick<PlacementInput, "holders" | "memoryHolders" | "parkedHolders" | "parkedDevices">;

/**
 * The state one placement works on — the fleet with every copy that holds resources, each component's
 * active copies, the copy names in use — kept after a decision so the next one can start from it.
 * place() builds one and decides every demand; the simulator keeps one per pool and decides only the
 * components that changed (incremental placement). A component whose copies match its demand adds
 * and removes nothing in a full pass either, so both give the same decision
 * (test/scheduler/incremental.test.ts). The book applies its own decisions: what it removes is gone
 * and what it adds is held. Instances are fixed for its life: a changed fleet needs a new book.
 */
export class PlacementBook {
  readonly fleet: Fleet;
  readonly ordinals: Record<string, number>;
  /** The input's copies in id order, as the book took them (place() answers its `keep` from them). */
  readonly current: readonly PlacedCopy[];
  readonly #moves: Moves;
  readonly #active = new Map<string, Held[]>();
  readonly #taken: Set<string>;
  /** Copies the first decision removes: their component wants none, or their instance is gone. */
  #orphans: RemovedCopy[] = [];
  #moving = false;

  constructor(input: PlacementInput) {
    this.fleet = new Fleet(packed(input.instances).sort(olderFirst));
    const wanted = new Set(input.demands.map((d) => d.component));
    const current = [...input.current].sort((a, b) => compareText(a.id, b.id));
    this.current = current;
    const held: Held[] = [];
    for (const copy of current) {
      const instance = this.fleet.indexOf(copy.instanceId);
      if (!wanted.has(copy.component)) this.#orphans.push({ copy, reason: "inference component no longer wants copies" });
      else if (instance < 0) this.#orphans.push({ copy, reason: `instance ${copy.instanceId} is no longer in the fleet` });
      else {
        this.fleet.hold(instance, copy);
        held.push({ copy, instance });
      }
    }
    this.#moves = new Moves(held);
    for (const h of held) if (!this.#moves.isOutgoing(h.copy)) this.#activeOf(h.copy.component).push(h);
    this.fleet.buildIndex();
    this.#taken = new Set(current.map((c) => c.id));
    for (const id of input.otherCopyIds ?? []) this.#taken.add(id);
    this.ordinals = { ...input.nextOrdinals };
  }

  /**
   * Decides the copies of the components in `demands` (one demand each) and applies the decision to the
   * book. Components left out keep their copies as they are, so pass every component whose demand
   * changed, and every one still short of copies. `hints`: where artifacts and parked engines are now, as
   * PlacementInput carries them (a PlacementInput itself will do).
   */
  decide(demands: readonly ComponentDemand[], hints: PlacementHints = {}): BookDecision {
    const { parkedDevices } = hints;
    if (this.#moving) throw new Error("PlacementBook: a decision started moves; build a new book from the copies as they are now");
    const byName = byComponent(demands);
    const fleet = this.fleet;
    const moves = this.#moves;
    const remove: RemovedCopy[] = this.#orphans;
    this.#orphans = [];
    for (const [component, demand] of byName) {
      const list = this.#activeOf(component);
      const wanted = Math.max(0, demand.copies);
      if (list.length <= wanted) continue;
      const reason = `scale-in: ${copies(wanted)} wanted, ${list.length} running`;
      const ctx = { fleet, strategy: strategies[demand.strategy], counts: countsOf(list), moves };
      for (const { copy } of scaleIn(list, wanted, ctx)) remove.push({ copy, reason });
    }

    const namer = new CopyNamer(this.ordinals, this.#taken);
    const add: AddedCopy[] = [];
    const short: { demand: ComponentDemand; missing: number }[] = [];
    const holders = holderIndices(fleet, hints.holders);
    const memoryHolders = holderIndices(fleet, hints.memoryHolders);
    const parkedHolders = holderIndices(fleet, hints.parkedHolders);
    for (const demand of [...byName.values()].sort(largestFirst)) {
      const { component, needs, share } = demand;
      const prefix = demand.namePrefix ?? component;
      const list = this.#activeOf(component);
      // Nothing to add (no copy short, none on a draining instance): its picker would never be asked.
      if (list.length >= demand.copies && list.every((h) => fleet.schedulable(h.instance))) continue;
      const counts = countsOf(list);
      const strategyPick = share
        ? sharePicker(fleet, needs, share, counts, demand.strategy === "SPREAD")
        : strategies[demand.strategy].picker(fleet, needs, counts);
      const artifact = demand.artifact ?? "";
      const tiers = [parkedHolders.get(component) ?? [], memoryHolders.get(artifact) ?? [], holders.get(artifact) ?? []];
      const pick = preferHolders(fleet, strategyPick, { needs, share }, counts, demand.strategy, tiers);
      const added: Held[] = [];
      const addOne = (reason: string, replaces?: string): boolean => {
        const i = pick();
        if (i < 0) return false;
        const instanceId = fleet.instances[i].id;
        const parked = parkedDevices?.[component]?.[instanceId];
        const devices = share ? fleet.allocateShare(i, needs, share, parked) : fleet.allocate(i, needs, parked);
        const id = namer.next(prefix);
        // Every copy gets the same keys in the same order, so the code reading copies sees one object shape.
        const made: AddedCopy = { id, component, instanceId, devices, resources: { ...needs }, share: share && { ...share }, ready: false, replaces, reason };
        add.push(made);
        added.push({ copy: made, instance: i });
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
      // A replacement counts instead of the copy it replaces, which place() already left out of `list`.
      for (const h of added) if (h.copy.replaces === undefined) list.push(h);
    }
    for (const [prefix, next] of namer.advanced()) this.ordinals[prefix] = next;
    // The copies a replacement moves count differently from then on (moves.ts): this book is done.
    this.#moving = add.some((a) => a.replaces !== undefined);
    for (const a of add) this.#taken.add(a.id);
    for (const { copy } of remove) this.#taken.delete(copy.id);

    const unplaced = describeUnplaced(fleet, short).sort((a, b) => compareText(a.component, b.component));
    return { add, remove: remove.sort((a, b) => compareText(a.copy.id, b.copy.id)), unplaced };
  }

  /** False once a decision started moves (replacements): the next decision needs a new book. */
  get reusable(): boolean {
    return !this.#moving;
  }

  #activeOf(component: string): Held[] {
    let list = this.#active.get(component);
    if (list === undefined) this.#active.set(component, (list = []));
    return list;
  }
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
  const sorted = packed(demands).sort((a, b) => compareText(a.component, b.component));
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

/**
 * The items in a new array with no holes. Callers' instance lists come packed or holey (a spread of a holey
 * array stays holey), and every array kind the scheduler's compiled code meets anew deoptimizes it.
 */
function packed<T>(items: readonly T[]): T[] {
  const out: T[] = [];
  for (const item of items) out.push(item);
  return out;
}
