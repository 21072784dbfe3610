import type { PlacedCopy } from "./types.js";

export interface Held {
  copy: PlacedCopy;
  /** Fleet index of the instance holding the copy. */
  instance: number;
}

/**
 * Copies in flight: a copy named in another copy's `replaces` is on its way out (kept, not counted,
 * left for the caller to stop) for as long as one of its replacements stays. Stopping the last
 * replacement brings it back, because nothing else will move it.
 */
export class Moves {
  readonly #targetOf = new Map<string, Held>();
  readonly #replacers = new Map<string, number>();

  constructor(held: readonly Held[]) {
    const byId = new Map(held.map((h) => [h.copy.id, h]));
    for (const { copy } of held) {
      const target = copy.replaces === undefined ? undefined : byId.get(copy.replaces);
      if (target === undefined || target === byId.get(copy.id)) continue;
      this.#replacers.set(target.copy.id, (this.#replacers.get(target.copy.id) ?? 0) + 1);
      // Only a target of the same component can return to the replacement's count.
      if (target.copy.component === copy.component) this.#targetOf.set(copy.id, target);
    }
  }

  isOutgoing(copy: PlacedCopy): boolean {
    return (this.#replacers.get(copy.id) ?? 0) > 0;
  }

  /** Whether stopping `copy` would bring back the copy it replaces, leaving the count as it was. */
  isMoving(copy: PlacedCopy): boolean {
    return this.#targetOf.has(copy.id);
  }

  /** Forgets a stopped replacement; returns its target when no other replacement is left for it. */
  stop(copy: PlacedCopy): Held | undefined {
    const target = this.#targetOf.get(copy.id);
    if (target === undefined) return undefined;
    this.#targetOf.delete(copy.id);
    const left = (this.#replacers.get(target.copy.id) ?? 1) - 1;
    this.#replacers.set(target.copy.id, left);
    return left === 0 ? target : undefined;
  }
}

/**
 * The moves that can finish: a copy that replaces another and is ready lets the old one stop, so the new
 * copy always starts before the old one stops. `active` says whether a copy still serves (neither
 * stopping nor gone); the endpoint controller and the simulator both ask this.
 */
export function finishedMoves<C extends { id: string; replaces?: string }>(
  copies: readonly C[],
  ready: (copy: C) => boolean,
  active: (copy: C) => boolean = () => true,
): { old: C; by: C }[] {
  const out: { old: C; by: C }[] = [];
  let byId: Map<string, C> | undefined;
  for (const copy of copies) {
    if (!copy.replaces || !active(copy) || !ready(copy)) continue;
    byId ??= new Map(copies.map((c) => [c.id, c]));
    const old = byId.get(copy.replaces);
    if (old !== undefined && active(old)) out.push({ old, by: copy });
  }
  return out;
}
