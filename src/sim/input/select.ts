import type { DroppedStreams, ResolvedTraceOptions } from "./trace.js";

export interface Selection {
  /** Indices of the kept streams, in their original order. */
  keep: number[];
  dropped: DroppedStreams;
}

/** Keeps the maxStreams busiest streams (ties go to the earlier one), judged by expected request counts. */
export function selectBusiest(expected: readonly number[], maxStreams: number): Selection {
  const all = expected.map((_, i) => i);
  if (expected.length <= maxStreams) return { keep: all, dropped: { streams: 0, requests: 0 } };
  const ranked = [...all].sort((a, b) => expected[b] - expected[a] || a - b);
  const keep = ranked.slice(0, maxStreams).sort((a, b) => a - b);
  const droppedIdx = ranked.slice(maxStreams);
  const requests = droppedIdx.reduce((sum, i) => sum + expected[i], 0);
  return { keep, dropped: { streams: droppedIdx.length, requests: Math.round(requests) } };
}

/** Rate traces are expanded up front; refuse before allocating more than the caller allowed. */
export function checkArrivalBudget(source: string, expected: number, options: ResolvedTraceOptions): void {
  if (expected <= options.maxArrivals) return;
  const n = (x: number): string => Math.round(x).toLocaleString("en-US");
  throw new RangeError(
    `${source}: expanding this trace would give about ${n(expected)} arrivals, more than maxArrivals (${n(options.maxArrivals)}). ` +
      "Cut a window (startS/durationS), lower rateScale or maxStreams, or raise maxArrivals.",
  );
}
