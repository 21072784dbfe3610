import type { Fleet } from "./fleet.js";
import { Heap } from "./heap.js";
import { compareText, copyOrdinal } from "./ids.js";
import type { Held, Moves } from "./moves.js";
import type { CopyCounts, Strategy } from "./strategies/index.js";

interface Candidate extends Held {
  /** 0 first: a not-ready copy whose stop lowers the count; 2: a ready one, 3 if sessions are open on it; 4 to 7: the same for a replacement still moving a copy. */
  tier: number;
  ordinal: number;
}

/** An instance's best victim, as it stood when offered; `version` tells a stale offer. */
interface Offer {
  head: Candidate;
  draining: boolean;
  rank: number;
  version: number;
}

/**
 * Stops copies until `active` holds `wanted`, one at a time so each pick sees the last one gone.
 * Order: copies whose stop lowers the count before replacements still moving a copy (stopping one
 * brings its target back); then not-ready copies (they serve nothing yet); then ready copies without open
 * stateful sessions before those with some (a stop ends them); then copies on draining
 * instances (saves a move); then the strategy's instance; then the newest copy. Updates `fleet`,
 * `counts` and `active`, and returns the stopped copies.
 *
 * A stop changes only its own instance's rank, so instances wait in a heap and only that one is
 * offered again: large scale-ins stay O(n log n).
 */
export function scaleIn(active: Held[], wanted: number, ctx: { fleet: Fleet; strategy: Strategy; counts: CopyCounts; moves: Moves }): Held[] {
  const { fleet, strategy, counts, moves } = ctx;
  if (active.length - wanted === 1 && !active.some((h) => moves.isMoving(h.copy))) return [stopOne(active, ctx)];
  const groups = new Map<number, Candidate[]>();
  const versions = new Map<number, number>();
  const heap = new Heap<Offer>(before);
  // Each instance's candidates in withinInstance order (a total order: the same whether sorted once or after each push).
  const file = (h: Held): Candidate[] => {
    const tier = (moves.isMoving(h.copy) ? 4 : 0) + (h.copy.ready ? 2 + (h.copy.openSessions ? 1 : 0) : 0);
    let group = groups.get(h.instance);
    if (group === undefined) groups.set(h.instance, (group = []));
    group.push({ ...h, tier, ordinal: copyOrdinal(h.copy.id) });
    return group;
  };
  const offer = (i: number): void => {
    const version = (versions.get(i) ?? 0) + 1;
    versions.set(i, version);
    const group = groups.get(i);
    if (group === undefined || group.length === 0) return;
    heap.push({ head: group[0], draining: !fleet.schedulable(i), rank: strategy.scaleInRank(fleet, i, counts), version });
  };
  for (const h of active) file(h);
  for (const group of groups.values()) group.sort(withinInstance);
  for (const i of groups.keys()) offer(i);

  const stopped: Held[] = [];
  for (let remaining = active.length; remaining > wanted;) {
    const top = heap.pop();
    if (top === undefined) break;
    const { copy, instance } = top.head;
    if (top.version !== versions.get(instance)) continue;
    groups.get(instance)!.shift();
    fleet.release(instance, copy);
    counts.set(instance, (counts.get(instance) ?? 0) - 1);
    stopped.push({ copy, instance });
    remaining--;
    const back = moves.stop(copy);
    if (back !== undefined) {
      active.push(back);
      counts.set(back.instance, (counts.get(back.instance) ?? 0) + 1);
      file(back).sort(withinInstance);
      remaining++;
      offer(back.instance);
    }
    offer(instance);
  }
  const gone = new Set(stopped.map((h) => h.copy));
  active.splice(0, active.length, ...active.filter((h) => !gone.has(h.copy)));
  return stopped;
}

/**
 * The common scale-in by one copy with no replacement in flight: the copy the heap would pop first,
 * found in one pass (each instance's head is its least copy by the same order, so the least offer is
 * the least copy of all), and stopped the same way.
 */
function stopOne(active: Held[], ctx: { fleet: Fleet; strategy: Strategy; counts: CopyCounts }): Held {
  const { fleet, strategy, counts } = ctx;
  const ranks = new Map<number, number>();
  let best: Offer | undefined;
  for (const h of active) {
    let rank = ranks.get(h.instance);
    if (rank === undefined) ranks.set(h.instance, (rank = strategy.scaleInRank(fleet, h.instance, counts)));
    const tier = h.copy.ready ? 2 + (h.copy.openSessions ? 1 : 0) : 0;
    const offer = { head: { ...h, tier, ordinal: copyOrdinal(h.copy.id) }, draining: !fleet.schedulable(h.instance), rank, version: 0 };
    if (best === undefined || before(offer, best)) best = offer;
  }
  const { copy, instance } = best!.head;
  fleet.release(instance, copy);
  counts.set(instance, (counts.get(instance) ?? 0) - 1);
  active.splice(
    active.findIndex((h) => h.copy === copy),
    1,
  );
  return { copy, instance };
}

function before(a: Offer, b: Offer): boolean {
  if (a.head.tier !== b.head.tier) return a.head.tier < b.head.tier;
  if (a.draining !== b.draining) return a.draining;
  if (a.rank !== b.rank) return a.rank > b.rank;
  return newer(a.head, b.head) < 0;
}

function withinInstance(a: Candidate, b: Candidate): number {
  return a.tier - b.tier || newer(a, b);
}

/** Negative when `a` is newer: higher ordinal, then the later id. */
function newer(a: Candidate, b: Candidate): number {
  return b.ordinal - a.ordinal || compareText(b.copy.id, a.copy.id);
}
