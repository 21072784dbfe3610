import { assembleTrace } from "./assemble.js";
import { countInWindow, cutRequests, type RequestColumns } from "./requests.js";
import { selectBusiest } from "./select.js";
import type { ResolvedTraceOptions, Trace, TraceFormat } from "./trace.js";

/**
 * A window that runs to the end of the trace ends this long after its last request: the engine
 * replays arrivals before the window's end, so a window ending at the last timestamp left the requests
 * there unreplayed while still counting them.
 */
export const pastLastRequestS = 0.001;

/** Shared tail of the per-request readers: window, maxStreams, thinning, speed-up, statistics. */
export function requestTrace(format: TraceFormat, source: string, files: RequestColumns[], options: ResolvedTraceOptions): Trace {
  if (options.rateScale > 1) {
    throw new RangeError(
      `${source}: rateScale ${options.rateScale} cannot add requests to a per-request trace; use speedup to replay it faster, or a rateScale of at most 1 to thin it`,
    );
  }
  const traceEnd = Math.max(0, ...files.map((f) => (f.times.length > 0 ? f.times[f.times.length - 1] : 0)));
  if (options.startS > traceEnd) {
    throw new RangeError(`${source}: the window starts at ${options.startS} s but the trace ends at ${traceEnd.toFixed(1)} s; pick an earlier startS`);
  }
  const windowS = Math.min(options.endS, traceEnd + pastLastRequestS) - options.startS;
  const { keep, dropped } = selectBusiest(
    files.map((f) => countInWindow(f, options)),
    options.maxStreams,
  );
  return assembleTrace({
    format,
    source,
    streams: keep.map((i) => cutRequests(files[i], options)),
    windowS,
    options,
    dropped,
    notes: [],
  });
}
