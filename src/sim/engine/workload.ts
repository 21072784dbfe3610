import { mergeArrivals, type PortfolioModel, type StreamAssignment, type Trace } from "../input/index.js";

/**
 * The requests every strategy replays, in global time order, one typed-array slot per request:
 * arrival (s), model index, service time (s) and the part of the service time its SLO judges (s).
 * Built once and shared by all strategies.
 */
export interface Workload {
  durationS: number;
  time: Float64Array;
  model: Int32Array;
  service: Float32Array;
  /** Seconds from the start of service that the model's SLO counts: its first token (slo: ttft) or the whole service (e2e). */
  judged: Float32Array;
  /** Whether some request is judged by its first token; when none is, `judged` equals `service`. */
  judgesFirstToken: boolean;
  models: readonly string[];
  requestsPerModel: Float64Array;
}

/** A latency profile the trace cannot feed (e.g. token timings on a trace without token counts). */
export class WorkloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WorkloadError";
  }
}

export function buildWorkload(trace: Trace, assignment: StreamAssignment, models: readonly PortfolioModel[], portfolioFile: string): Workload {
  const serviceOf = trace.streams.map((stream, s) => {
    const m = assignment.modelOfStream[s];
    return m < 0 ? undefined : serviceTimes(stream, models[m], trace, portfolioFile);
  });
  const judgedOf = trace.streams.map((stream, s) => {
    const m = assignment.modelOfStream[s];
    return m < 0 ? undefined : judgedTimes(stream, models[m], serviceOf[s]!);
  });
  const merged = mergeArrivals(trace);
  let count = 0;
  for (let n = 0; n < merged.stream.length; n++) if (assignment.modelOfStream[merged.stream[n]] >= 0) count++;
  const time = new Float64Array(count);
  const model = new Int32Array(count);
  const service = new Float32Array(count);
  const judgesFirstToken = models.some((m) => m.slo === "ttft");
  const judged = judgesFirstToken ? new Float32Array(count) : service;
  const requestsPerModel = new Float64Array(models.length);
  for (let n = 0, k = 0; n < merged.stream.length; n++) {
    const s = merged.stream[n];
    const m = assignment.modelOfStream[s];
    if (m < 0) continue;
    time[k] = merged.time[n];
    model[k] = m;
    service[k] = serviceOf[s]![merged.index[n]];
    if (judgesFirstToken) judged[k] = judgedOf[s]![merged.index[n]];
    requestsPerModel[m]++;
    k++;
  }
  return { durationS: trace.durationS, time, model, service, judged, judgesFirstToken, models: models.map((m) => m.name), requestsPerModel };
}

function serviceTimes(stream: Trace["streams"][number], model: PortfolioModel, trace: Trace, file: string): Float32Array {
  const n = stream.arrivals.length;
  const out = new Float32Array(n);
  const profile = model.latency;
  if (profile.kind === "fixed") {
    const durations = profile.useTraceDuration ? stream.durationMs : undefined;
    for (let i = 0; i < n; i++) out[i] = (durations ? durations[i] : profile.fixedMs) / 1000;
    return out;
  }
  const input = stream.inputTokens;
  const output = stream.outputTokens;
  if (!output) {
    throw new WorkloadError(
      `${file}: model '${model.name}' has a token latency profile (firstTokenMs, perOutputTokenMs) but stream '${stream.id}' of the ${trace.format} trace ${trace.source} carries no token counts; give the model latency: { fixedMs: <ms> } instead`,
    );
  }
  for (let i = 0; i < n; i++) {
    const ms = profile.firstTokenMs + profile.perOutputTokenMs * output[i] + profile.perInputTokenMs * (input ? input[i] : 0);
    out[i] = ms / 1000;
  }
  return out;
}

/** Per request, the seconds of service its SLO counts: up to the first token for slo: ttft, all of it for e2e. */
function judgedTimes(stream: Trace["streams"][number], model: PortfolioModel, service: Float32Array): Float32Array {
  if (model.slo === "e2e") return service;
  const profile = model.latency;
  const input = stream.inputTokens;
  const out = new Float32Array(service.length);
  for (let i = 0; i < service.length; i++) {
    const ms = profile.kind === "tokens" ? profile.firstTokenMs + profile.perInputTokenMs * (input ? input[i] : 0) : (profile.firstTokenMs ?? Infinity);
    out[i] = Math.min(ms / 1000, service[i]);
  }
  return out;
}

/**
 * Per model and per bin (60 s by default) what an ideal system with no queueing would see: invocations
 * and in-service request-seconds (each request in service during [arrival, arrival + service time]).
 * Sizing for the peak and the lower bound both read this.
 */
export interface DemandProfile {
  binS: number;
  bins: number;
  invocations: Float64Array[];
  inServiceSeconds: Float64Array[];
}

export function demandProfile(workload: Workload, binS = 60): DemandProfile {
  const bins = Math.max(1, Math.ceil(workload.durationS / binS));
  const invocations = workload.models.map(() => new Float64Array(bins));
  const inServiceSeconds = workload.models.map(() => new Float64Array(bins));
  const end = workload.durationS;
  const { time, model, service } = workload;
  for (let k = 0; k < time.length; k++) {
    const m = model[k];
    const a = time[k];
    const b0 = Math.min(bins - 1, Math.floor(a / binS));
    invocations[m][b0]++;
    const done = Math.min(end, a + service[k]);
    const busy = inServiceSeconds[m];
    for (let b = b0, lo = a; lo < done; b++) {
      const hi = Math.min(done, (b + 1) * binS);
      busy[b] += hi - lo;
      lo = hi;
    }
  }
  return { binS, bins, invocations, inServiceSeconds };
}
