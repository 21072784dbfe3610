import { streamStats } from "./stats.js";
import type { DroppedStreams, PrefixBlocks, ResolvedTraceOptions, Stream, Trace, TraceFormat } from "./trace.js";

/** A stream as a reader leaves it: arrivals in seconds from the window start, before the speed-up. */
export interface RawStream {
  id: string;
  arrivals: Float64Array;
  inputTokens?: Int32Array;
  outputTokens?: Int32Array;
  durationMs?: Float32Array;
  prefixBlocks?: PrefixBlocks;
  attributes?: Record<string, string | number>;
}

export interface AssembleInput {
  format: TraceFormat;
  source: string;
  streams: RawStream[];
  /** Length of the window in original trace seconds. */
  windowS: number;
  options: ResolvedTraceOptions;
  dropped: DroppedStreams;
  notes: string[];
}

/** The longest window the simulator replays, in simulated seconds: a year, 3,153,600 of the engine's 10 s decision steps. */
export const maxWindowS = 365 * 86_400;

/** Applies the speed-up (in place) and computes the per-stream statistics. */
export function assembleTrace(input: AssembleInput): Trace {
  const { speedup } = input.options;
  const durationS = input.windowS / speedup;
  // The engine walks every 10 s step of the window and keeps per-step and per-minute arrays: a trace
  // spanning a century (or a tiny speed-up) ran V8 out of array size.
  if (!(durationS <= maxWindowS)) {
    const { startS } = input.options;
    const days = (durationS / 86_400).toLocaleString("en-US", { maximumFractionDigits: 1 });
    const slowed = speedup < 1 ? `, slowed down by --speedup ${speedup}` : speedup > 1 ? `, at --speedup ${speedup}` : "";
    throw new RangeError(
      `${input.source}: the window to simulate is ${days} days long (from ${startS} s, ${input.windowS.toLocaleString("en-US", { maximumFractionDigits: 0 })} s of the trace${slowed}), more than the ` +
        `${maxWindowS / 86_400} days the simulator replays; simulate part of it with --duration (and --start)${speedup < 1 ? ", or a larger --speedup" : ""}`,
    );
  }
  let totalRequests = 0;
  const streams: Stream[] = input.streams.map((raw) => {
    if (speedup !== 1) for (let i = 0; i < raw.arrivals.length; i++) raw.arrivals[i] /= speedup;
    totalRequests += raw.arrivals.length;
    const stream: Stream = {
      id: raw.id,
      arrivals: raw.arrivals,
      attributes: raw.attributes ?? {},
      stats: streamStats(raw.arrivals, durationS),
      ...(raw.inputTokens && { inputTokens: raw.inputTokens }),
      ...(raw.outputTokens && { outputTokens: raw.outputTokens }),
      ...(raw.durationMs && { durationMs: raw.durationMs }),
      ...(raw.prefixBlocks && { prefixBlocks: raw.prefixBlocks }),
    };
    return stream;
  });
  return {
    format: input.format,
    source: input.source,
    streams,
    durationS,
    totalRequests,
    options: input.options,
    dropped: input.dropped,
    notes: input.notes,
  };
}
