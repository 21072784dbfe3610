import type { StreamStats } from "./trace.js";

const binS = 60;

/** Summary of one stream's sorted arrivals; the mean rate is taken over the whole trace's duration. */
export function streamStats(arrivals: Float64Array, durationS: number): StreamStats {
  const count = arrivals.length;
  let peak = 0;
  let run = 0;
  let bin = -1;
  for (let i = 0; i < count; i++) {
    const b = Math.floor(arrivals[i] / binS);
    if (b === bin) run++;
    else {
      bin = b;
      run = 1;
    }
    if (run > peak) peak = run;
  }
  return {
    count,
    meanRatePerS: durationS > 0 ? count / durationS : 0,
    peakRatePerS60: peak / binS,
    firstArrivalS: count > 0 ? arrivals[0] : NaN,
    lastArrivalS: count > 0 ? arrivals[count - 1] : NaN,
  };
}
