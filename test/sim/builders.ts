import { streamStats } from "../../src/sim/input/stats.js";
import { loadCatalog, parsePortfolio, type Catalog, type Portfolio, type Stream, type Trace } from "../../src/sim/input/index.js";

let catalog: Promise<Catalog> | undefined;

/** A portfolio from YAML text, checked by the real parser against the shipped catalog. */
export async function portfolioOf(yaml: string, file = "test-portfolio.yaml"): Promise<Portfolio> {
  catalog ??= loadCatalog();
  return parsePortfolio(yaml, file, await catalog);
}

/** A trace in memory: stream id → arrival times in seconds (and optionally durations in ms). */
export function traceOf(durationS: number, streams: Record<string, number[] | { arrivals: number[]; durationMs: number[] }>): Trace {
  const list: Stream[] = Object.entries(streams).map(([id, s]) => {
    const arrivals = Float64Array.from(Array.isArray(s) ? s : s.arrivals);
    return {
      id,
      arrivals,
      ...(!Array.isArray(s) && { durationMs: Float32Array.from(s.durationMs) }),
      attributes: {},
      stats: streamStats(arrivals, durationS),
    };
  });
  return {
    format: "azure-functions",
    source: "test trace",
    streams: list,
    durationS,
    totalRequests: list.reduce((n, s) => n + s.arrivals.length, 0),
    options: { startS: 0, endS: durationS, speedup: 1, rateScale: 1, maxStreams: Infinity, seed: 1, prefixBlocks: false, maxArrivals: 1e9 },
    dropped: { streams: 0, requests: 0 },
    notes: [],
  };
}

/** Evenly spaced arrivals: count of them, the first at `first`, then every `every` seconds. */
export function every(every: number, count: number, first = 0): number[] {
  return Array.from({ length: count }, (_, i) => first + i * every);
}
