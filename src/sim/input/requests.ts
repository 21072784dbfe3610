import type { RawStream } from "./assemble.js";
import { Rng } from "./prng.js";
import type { PrefixBlocks, ResolvedTraceOptions } from "./trace.js";

/** One per-request trace file after parsing: times in seconds of the original trace. */
export interface RequestColumns {
  id: string;
  times: Float64Array;
  inputTokens: Int32Array;
  outputTokens: Int32Array;
  prefixBlocks?: PrefixBlocks;
  attributes?: Record<string, string | number>;
}

export function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** First index whose time is at least t. */
export function lowerBound(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function countInWindow(columns: RequestColumns, options: ResolvedTraceOptions): number {
  return lowerBound(columns.times, options.endS) - lowerBound(columns.times, options.startS);
}

/** Rows are normally in time order already; a stable sort keeps equal times in file order otherwise. */
export function sortByTime(columns: RequestColumns): RequestColumns {
  const { times } = columns;
  let sorted = true;
  for (let i = 1; i < times.length && sorted; i++) sorted = times[i - 1] <= times[i];
  if (sorted) return columns;
  const order = Array.from({ length: times.length }, (_, i) => i).sort((a, b) => times[a] - times[b] || a - b);
  return { ...columns, ...permute(columns, Int32Array.from(order)) };
}

/** Cuts [startS, endS), rebases to the window start, and thins when rateScale is below 1. */
export function cutRequests(columns: RequestColumns, options: ResolvedTraceOptions): RawStream {
  const from = lowerBound(columns.times, options.startS);
  const to = lowerBound(columns.times, options.endS);
  let keep = Int32Array.from({ length: to - from }, (_, i) => from + i);
  if (options.rateScale < 1) {
    const rng = new Rng(options.seed, `${columns.id}/thin`);
    keep = keep.filter(() => rng.uniform() < options.rateScale);
  }
  const picked = permute(columns, keep);
  for (let i = 0; i < picked.times.length; i++) picked.times[i] -= options.startS;
  return {
    id: columns.id,
    arrivals: picked.times,
    inputTokens: picked.inputTokens,
    outputTokens: picked.outputTokens,
    ...(picked.prefixBlocks && { prefixBlocks: picked.prefixBlocks }),
    attributes: columns.attributes,
  };
}

function permute(columns: RequestColumns, order: Int32Array): Pick<RequestColumns, "times" | "inputTokens" | "outputTokens" | "prefixBlocks"> {
  const n = order.length;
  const times = new Float64Array(n);
  const inputTokens = new Int32Array(n);
  const outputTokens = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = order[i];
    times[i] = columns.times[j];
    inputTokens[i] = columns.inputTokens[j];
    outputTokens[i] = columns.outputTokens[j];
  }
  if (!columns.prefixBlocks) return { times, inputTokens, outputTokens };
  const src = columns.prefixBlocks;
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + (src.offsets[order[i] + 1] - src.offsets[order[i]]);
  const ids = new Int32Array(offsets[n]);
  for (let i = 0; i < n; i++) ids.set(src.ids.subarray(src.offsets[order[i]], src.offsets[order[i] + 1]), offsets[i]);
  return { times, inputTokens, outputTokens, prefixBlocks: { offsets, ids } };
}
