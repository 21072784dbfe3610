import { PlacementBook } from "./book.js";
import { compareText } from "./ids.js";
import type { PlacementDecision, PlacementInput } from "./types.js";

/**
 * Decides which copies stay, which start and which stop so every demand gets its copies. Pure and
 * deterministic: inputs are sorted by stable keys first, so their order does not matter.
 *
 * A copy named in another copy's `replaces` is on its way out: it is kept, holds its resources, is
 * not counted, and is left for the caller to stop (see moves.ts).
 */
export function place(input: PlacementInput): PlacementDecision {
  const book = new PlacementBook(input);
  const decision = book.decide(input.demands, input);
  const removed = new Set(decision.remove.map((r) => r.copy));
  const nextOrdinals: Record<string, number> = {};
  for (const k of Object.keys(book.ordinals).sort(compareText)) nextOrdinals[k] = book.ordinals[k];
  return {
    keep: book.current.filter((c) => !removed.has(c)),
    ...decision,
    nextOrdinals,
  };
}
