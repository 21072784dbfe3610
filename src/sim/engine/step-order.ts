import type { Workload } from "./workload.js";

/**
 * The workload's requests regrouped for the engine: decision step by decision step (the requests that
 * arrive in [t, t + tickS)), and within a step model by model, each model's requests in arrival order.
 * Between two decision steps one model's requests touch nothing another model's do (placement runs at
 * the steps and decides its demands in name order), so replaying a step model by model gives the same
 * results as in global arrival order, with each model's state loaded once per step. Copies of different
 * models sharing one device do touch each other (device-sharing.ts: a request's speed depends on its
 * neighbours busy when it starts), so with `byModel` false the requests stay in arrival order, each
 * segment a run of one model's consecutive requests. Built once per workload, step length and grouping,
 * shared by every strategy; indices below are positions in this order.
 */
export interface StepOrder {
  time: Float64Array;
  service: Float32Array;
  /** The same array as `service` when no model is judged by its first token (as in Workload). */
  judged: Float32Array;
  /** Segment s holds the requests [segmentStart[s], segmentStart[s + 1]) of model segmentModel[s]. */
  segmentModel: Int32Array;
  segmentStart: Int32Array;
  /** Step j (the window from j·tickS) holds the segments [stepStart[j], stepStart[j + 1]). */
  stepStart: Int32Array;
}

const cache = new WeakMap<Workload, Map<string, StepOrder>>();

export function stepOrder(workload: Workload, tickS: number, durationS: number, byModel: boolean): StepOrder {
  let built = cache.get(workload);
  if (built === undefined) cache.set(workload, (built = new Map()));
  const key = `${tickS}/${durationS}/${byModel}`;
  let order = built.get(key);
  if (order === undefined) built.set(key, (order = byModel ? build(workload, tickS, durationS) : inArrivalOrder(workload, tickS, durationS)));
  return order;
}

/** The same windows the engine's loop walks: t from 0 by tickS while t < durationS, each up to min(t + tickS, durationS). */
function windowEnds(tickS: number, durationS: number): number[] {
  const ends: number[] = [];
  for (let t = 0; t < durationS; t += tickS) ends.push(Math.min(t + tickS, durationS));
  return ends;
}

function inArrivalOrder(w: Workload, tickS: number, durationS: number): StepOrder {
  const count = w.time.length;
  const perStep: number[] = [];
  const segModel: number[] = [];
  const segStart: number[] = [];
  let n = 0;
  for (const end of windowEnds(tickS, durationS)) {
    perStep.push(segModel.length);
    while (n < count && w.time[n] < end) {
      const m = w.model[n];
      segModel.push(m);
      segStart.push(n++);
      while (n < count && w.time[n] < end && w.model[n] === m) n++;
    }
  }
  perStep.push(segModel.length);
  segStart.push(n);
  return {
    time: w.time,
    service: w.service,
    judged: w.judged,
    segmentModel: Int32Array.from(segModel),
    segmentStart: Int32Array.from(segStart),
    stepStart: Int32Array.from(perStep),
  };
}

function build(w: Workload, tickS: number, durationS: number): StepOrder {
  const count = w.time.length;
  const windowEnd = windowEnds(tickS, durationS);
  const models = w.models.length;
  const seen = new Int32Array(models).fill(-1);
  const fill = new Int32Array(models);
  const touched: number[] = [];
  const perStep: number[] = [];
  const segModel: number[] = [];
  const segStart: number[] = [];
  const source = new Int32Array(count);
  let placed = 0;
  let n = 0;
  for (let j = 0; j < windowEnd.length; j++) {
    const end = windowEnd[j];
    const lo = n;
    while (n < count && w.time[n] < end) {
      const m = w.model[n++];
      if (seen[m] !== j) {
        seen[m] = j;
        fill[m] = 0;
        touched.push(m);
      }
      fill[m]++;
    }
    perStep.push(segModel.length);
    for (const m of touched) {
      segModel.push(m);
      segStart.push(placed);
      const size = fill[m];
      fill[m] = placed;
      placed += size;
    }
    for (let i = lo; i < n; i++) source[fill[w.model[i]]++] = i;
    touched.length = 0;
  }
  perStep.push(segModel.length);
  segStart.push(placed);
  const time = new Float64Array(placed);
  const service = new Float32Array(placed);
  const judged = w.judged === w.service ? service : new Float32Array(placed);
  for (let k = 0; k < placed; k++) {
    const i = source[k];
    time[k] = w.time[i];
    service[k] = w.service[i];
    if (judged !== service) judged[k] = w.judged[i];
  }
  return {
    time,
    service,
    judged,
    segmentModel: Int32Array.from(segModel),
    segmentStart: Int32Array.from(segStart),
    stepStart: Int32Array.from(perStep),
  };
}
