import type { RouteCopy, RoutingStrategy } from "./table.js";
import { pickByPrefix, type CopyPrefixState, type PrefixRequest, type PrefixRouting } from "./prefix/prefix-pick.js";

export interface CopyLoad {
  inFlight: number;
  /** Kept by prefix-aware routing (src/router/prefix/). */
  prefix?: CopyPrefixState;
}

/** Copies a pick passes over, by id: a request's tried copies, with or without the failing ones. */
export interface CopyIds {
  has(copyId: string): boolean;
}

export interface PickOptions {
  exclude?: CopyIds;
  rotation: number;
  random: () => number;
  limit: number;
  /** PREFIX_AWARE: the variant's settings and the request; without both, it picks as LEAST_OUTSTANDING_REQUESTS. */
  prefix?: PrefixRouting;
  request?: PrefixRequest;
}

/**
 * LEAST_OUTSTANDING_REQUESTS takes the copy with the fewest requests in flight, rotating among ties so
 * idle copies share the load; RANDOM picks uniformly; PREFIX_AWARE keeps a prefix on one copy
 * (src/router/prefix/prefix-pick.ts). Copies with `limit` requests in flight are full:
 * undefined when every copy is, and the request waits in its component's queue.
 */
export function pickCopy(copies: RouteCopy[], strategy: RoutingStrategy, loadOf: (copy: RouteCopy) => CopyLoad, options: PickOptions): RouteCopy | undefined {
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
  if (strategy === "PREFIX_AWARE" && options.prefix && options.request) {
    return pickByPrefix(copies, loadOf, options, options.prefix, options.request, leastOutstanding);
  }
  return leastOutstanding(copies, loadOf, options);
}

function leastOutstanding(copies: RouteCopy[], loadOf: (copy: RouteCopy) => CopyLoad, options: PickOptions): RouteCopy | undefined {
  const n = copies.length;
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
