import type { RouteCopy, RoutingStrategy } from "./table.js";

export interface CopyLoad {
  inFlight: number;
}

/**
 * LEAST_OUTSTANDING_REQUESTS takes the copy with the fewest requests in flight, rotating among ties so
 * idle copies share the load; RANDOM picks uniformly. Copies with `limit` requests in flight are full:
 * undefined when every copy is, and the request waits in its component's queue.
 */
export function pickCopy(
  copies: RouteCopy[],
  strategy: RoutingStrategy,
  loadOf: (copy: RouteCopy) => CopyLoad,
  options: { exclude?: ReadonlySet<string>; rotation: number; random: () => number; limit: number },
): RouteCopy | undefined {
  const n = copies.length;
  if (n === 0) return undefined;
  if (strategy === "RANDOM") {
    const start = Math.floor(options.random() * n);
    for (let i = 0; i < n; i++) {
      const copy = copies[(start + i) % n]!;
      if (!options.exclude?.has(copy.id) && (options.limit === Infinity || loadOf(copy).inFlight < options.limit)) return copy;
    }
    return undefined;
  }
  let best: RouteCopy | undefined;
  let bestLoad = Infinity;
  for (let i = 0; i < n; i++) {
    const copy = copies[(options.rotation + i) % n]!;
    if (options.exclude?.has(copy.id)) continue;
    const load = loadOf(copy).inFlight;
    if (load < bestLoad) {
      best = copy;
      bestLoad = load;
      if (load === 0) break;
    }
  }
  return bestLoad < options.limit ? best : undefined;
}
