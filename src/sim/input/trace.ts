/**
 * The normalised trace every reader produces: a set of streams (one source of traffic each, later
 * mapped to one model), with arrivals and per-request fields in typed arrays instead of one object
 * per request, so that hours of trace cost a few bytes per request and replay without allocation.
 */

export type TraceFormat = "azure-llm" | "mooncake" | "azure-functions" | "servegen";

/** Mooncake prefix blocks in compressed-row form: request i owns ids[offsets[i] .. offsets[i + 1]). */
export interface PrefixBlocks {
  readonly offsets: Int32Array;
  readonly ids: Int32Array;
}

export interface StreamStats {
  readonly count: number;
  /** count / the trace's durationS, so streams of one trace compare on the same period. */
  readonly meanRatePerS: number;
  /** The busiest 60 s bin (bins start at 0) divided by 60. */
  readonly peakRatePerS60: number;
  /** NaN when the stream has no request in the window. */
  readonly firstArrivalS: number;
  readonly lastArrivalS: number;
}

export interface Stream {
  /** Unique within the trace; what a portfolio's explicit mapping names. */
  readonly id: string;
  /** Seconds from the start of the (windowed, sped-up) trace, non-decreasing. */
  readonly arrivals: Float64Array;
  readonly inputTokens?: Int32Array;
  readonly outputTokens?: Int32Array;
  /** Execution time per request (Azure Functions), drawn from the function's duration percentiles. */
  readonly durationMs?: Float32Array;
  readonly prefixBlocks?: PrefixBlocks;
  /** Descriptive facts from the source, e.g. trigger and memory for a function. */
  readonly attributes: Readonly<Record<string, string | number>>;
  readonly stats: StreamStats;
}

export interface DroppedStreams {
  readonly streams: number;
  /** Requests they would have had (expected counts for rate traces). */
  readonly requests: number;
}

export interface Trace {
  readonly format: TraceFormat;
  /** The path readTrace was given. */
  readonly source: string;
  readonly streams: readonly Stream[];
  /** Length of the replayed period in simulated seconds, after the window cut and the speed-up. */
  readonly durationS: number;
  readonly totalRequests: number;
  readonly options: ResolvedTraceOptions;
  /** Streams left out by maxStreams (the least busy ones). */
  readonly dropped: DroppedStreams;
  /** Things the caller may want to know, e.g. a function with no duration row. */
  readonly notes: readonly string[];
}

export interface TraceOptions {
  /** Window start in seconds of the original trace; default 0. */
  startS?: number;
  /** Window end in seconds of the original trace; default: the end of the trace (for per-request traces, just past its last request). */
  endS?: number;
  /** Alternative to endS: startS + durationS. */
  durationS?: number;
  /** Divides every arrival time after the cut: 2 replays the window twice as fast. Default 1. */
  speedup?: number;
  /**
   * Multiplies the request rate without changing time. Rate traces draw more or fewer arrivals;
   * request traces can only be thinned (at most 1), keeping each request with this probability.
   */
  rateScale?: number;
  /** Keep only this many streams, the busiest first. */
  maxStreams?: number;
  /** Seed of all random draws (expansion, durations, thinning). Default 1. */
  seed?: number;
  /** Keep Mooncake hash ids. Default true. */
  prefixBlocks?: boolean;
  /** Refuse to expand rate traces beyond this many arrivals. Default 20,000,000. */
  maxArrivals?: number;
}

export interface ResolvedTraceOptions {
  readonly startS: number;
  readonly endS: number;
  readonly speedup: number;
  readonly rateScale: number;
  readonly maxStreams: number;
  readonly seed: number;
  readonly prefixBlocks: boolean;
  readonly maxArrivals: number;
}

export const defaultMaxArrivals = 20_000_000;

export function resolveTraceOptions(options: TraceOptions = {}): ResolvedTraceOptions {
  const startS = options.startS ?? 0;
  const positive = (name: string, value: number | undefined): void => {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new RangeError(`trace option ${name} must be a number above 0, found ${value}`);
  };
  if (!(Number.isFinite(startS) && startS >= 0)) throw new RangeError(`trace option startS must be a number of seconds of at least 0, found ${startS}`);
  positive("durationS", options.durationS);
  positive("speedup", options.speedup);
  positive("rateScale", options.rateScale);
  if (options.endS !== undefined && options.durationS !== undefined)
    throw new RangeError("trace options endS and durationS both set the window end; give one of them");
  const endS = options.endS ?? (options.durationS !== undefined ? startS + options.durationS : Infinity);
  if (!(endS > startS)) throw new RangeError(`trace option endS (${endS}) must be after startS (${startS})`);
  const maxStreams = options.maxStreams ?? Infinity;
  if (maxStreams !== Infinity && !(Number.isInteger(maxStreams) && maxStreams >= 1))
    throw new RangeError(`trace option maxStreams must be a whole number of at least 1, found ${maxStreams}`);
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) throw new RangeError(`trace option seed must be a whole number, found ${seed}`);
  const maxArrivals = options.maxArrivals ?? defaultMaxArrivals;
  positive("maxArrivals", maxArrivals);
  return {
    startS,
    endS,
    speedup: options.speedup ?? 1,
    rateScale: options.rateScale ?? 1,
    maxStreams,
    seed,
    prefixBlocks: options.prefixBlocks ?? true,
    maxArrivals,
  };
}
