import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stepOrder } from "../../src/sim/engine/step-order.js";
import type { Workload } from "../../src/sim/engine/workload.js";

/** Requests as [arrival s, model], in arrival order; service time = arrival + 100 s, so a request can be told by its service time. */
function workloadOf(requests: [number, number][], durationS: number): Workload {
  const service = Float32Array.from(requests, ([a]) => a + 100);
  return {
    durationS,
    time: Float64Array.from(requests, ([a]) => a),
    model: Int32Array.from(requests, ([, m]) => m),
    service,
    judged: service,
    judgesFirstToken: false,
    models: ["x", "y", "z"],
    requestsPerModel: new Float64Array(3),
  };
}

/** Per step, per segment: [model, arrivals]. */
function segments(order: ReturnType<typeof stepOrder>): [number, number[]][][] {
  const steps: [number, number[]][][] = [];
  for (let j = 0; j + 1 < order.stepStart.length; j++) {
    const step: [number, number[]][] = [];
    for (let s = order.stepStart[j]; s < order.stepStart[j + 1]; s++) {
      step.push([order.segmentModel[s], Array.from(order.time.subarray(order.segmentStart[s], order.segmentStart[s + 1]))]);
    }
    steps.push(step);
  }
  return steps;
}

describe("the engine's request order", () => {
  const requests: [number, number][] = [
    [0, 0],
    [1, 1],
    [2, 0],
    [3, 2],
    [4, 1],
    [9.5, 0],
    [10, 1],
    [12, 1],
    [13, 0],
    [25, 2],
    [31, 0],
  ];
  const workload = workloadOf(requests, 30);

  it("groups each decision step's requests model by model, each model's in arrival order, and drops those past the window", () => {
    const order = stepOrder(workload, 10, 30, true);
    assert.deepEqual(segments(order), [
      [
        [0, [0, 2, 9.5]],
        [1, [1, 4]],
        [2, [3]],
      ],
      [
        [1, [10, 12]],
        [0, [13]],
      ],
      [[2, [25]]],
    ]);
    assert.deepEqual(
      Array.from(order.service),
      Array.from(order.time, (a) => a + 100),
      "service times move with their requests",
    );
  });

  it("keeps arrival order when models may not be regrouped (copies sharing a device)", () => {
    const order = stepOrder(workload, 10, 30, false);
    assert.equal(order.time, workload.time);
    assert.deepEqual(segments(order), [
      [
        [0, [0]],
        [1, [1]],
        [0, [2]],
        [2, [3]],
        [1, [4]],
        [0, [9.5]],
      ],
      [
        [1, [10, 12]],
        [0, [13]],
      ],
      [[2, [25]]],
    ]);
  });
});
