import { LatencyHistogram } from "../../src/sim/engine/histogram.js";
import { stepOrder } from "../../src/sim/engine/step-order.js";
import type { Workload } from "../../src/sim/engine/workload.js";

/**
 * The simulator's floor on a workload: the least work any exact replay of its requests does, one request
 * at a time. Each model gets one copy, ready from the start, and no scaling, placement or decision step
 * runs: a request starts at its arrival or its copy's earliest free slot (a min-heap of the copy's
 * concurrency slots, first come first served), and its latency goes into a histogram and its SLO count.
 * The requests are walked step by step, model by model, as the engine walks them when no device is
 * shared (step-order.ts). Every strategy's run does at least this for each request, and more (picking
 * among copies, metrics, the decisions), so no strategy can be faster than this on the same machine;
 * bench:placement prints it next to the strategies.
 *
 * Returns a check value (requests within their SLO) so the loop cannot be optimized away.
 */
export function simulatorFloor(workload: Workload, concurrency: readonly number[], sloS: readonly number[], tickS: number): () => number {
  const order = stepOrder(workload, tickS, workload.durationS, true);
  const offset = new Int32Array(concurrency.length + 1);
  for (let m = 0; m < concurrency.length; m++) offset[m + 1] = offset[m] + concurrency[m];
  const slots = new Float64Array(offset[concurrency.length]);
  const slo = Float64Array.from(sloS);
  const { time, service, segmentModel, segmentStart } = order;
  return () => {
    slots.fill(0);
    const latency = new LatencyHistogram();
    let within = 0;
    for (let s = 0; s < segmentModel.length; s++) {
      const m = segmentModel[s];
      const base = offset[m];
      const size = offset[m + 1] - base;
      for (let n = segmentStart[s]; n < segmentStart[s + 1]; n++) {
        const a = time[n];
        const free = slots[base];
        const done = (free > a ? free : a) + service[n];
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= size) break;
          const r = l + 1;
          const c = r < size && slots[base + r] < slots[base + l] ? r : l;
          if (slots[base + c] >= done) break;
          slots[base + i] = slots[base + c];
          i = c;
        }
        slots[base + i] = done;
        latency.add(done - a);
        if (done - a <= slo[m]) within++;
      }
    }
    return within;
  };
}
