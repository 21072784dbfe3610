import type { Fleet } from "./fleet.js";
import { newerFirst } from "./ids.js";
import type { Held, Moves } from "./moves.js";
import type { CopyCounts, Strategy } from "./strategies/index.js";

/**
 * Stops copies until `active` holds `wanted`, one at a time so each pick sees the last one gone.
 * Order: copies whose stop lowers the count before replacements still moving a copy (stopping one
 * brings its target back); then not-ready copies (they serve nothing yet); then copies on draining
 * instances (saves a move); then the strategy's instance; then the newest copy. Updates `fleet`,
 * `counts` and `active`, and returns the stopped copies.
 */
export function scaleIn(
  active: Held[],
  wanted: number,
  ctx: { fleet: Fleet; strategy: Strategy; counts: CopyCounts; moves: Moves },
): Held[] {
  const { fleet, strategy, counts, moves } = ctx;
  const stopped: Held[] = [];
  while (active.length > wanted) {
    let pick = 0;
    for (let j = 1; j < active.length; j++) {
      if (before(active[j], active[pick])) pick = j;
    }
    const victim = active.splice(pick, 1)[0];
    fleet.release(victim.instance, victim.copy);
    counts.set(victim.instance, (counts.get(victim.instance) ?? 0) - 1);
    stopped.push(victim);
    const back = moves.stop(victim.copy);
    if (back !== undefined) {
      active.push(back);
      counts.set(back.instance, (counts.get(back.instance) ?? 0) + 1);
    }
  }
  return stopped;

  function before(a: Held, b: Held): boolean {
    const aMoving = moves.isMoving(a.copy);
    if (aMoving !== moves.isMoving(b.copy)) return !aMoving;
    if (a.copy.ready !== b.copy.ready) return !a.copy.ready;
    const aDraining = !fleet.schedulable(a.instance);
    if (aDraining !== !fleet.schedulable(b.instance)) return aDraining;
    if (a.instance !== b.instance) {
      const rank = strategy.scaleInRank(fleet, a.instance, counts) - strategy.scaleInRank(fleet, b.instance, counts);
      if (rank !== 0) return rank > 0;
    }
    return newerFirst(a.copy.id, b.copy.id) < 0;
  }
}
