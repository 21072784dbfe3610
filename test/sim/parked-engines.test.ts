import { describe, it, type TestContext } from "node:test";
import { simulateLoaded } from "../../src/sim/simulate.js";
import { portfolioOf, traceOf } from "./builders.js";

/** One 20 GB model that scales to zero on an instance that stays; remote weights load at 1 GB/s after a 10 s start. */
function portfolio(weightCache: string): string {
  return `
models:
  - name: gamma
    sizeGB: 20
    accelerators: 1
    memoryGiB: 20
    startup: { loadGBps: 1, fixedSeconds: 10 }
    latency: { fixedMs: 1000 }
    concurrency: 1
    sloMs: 60000
    scaling: { maxCopies: 1, scaleToZero: true }
endpoint: { instanceType: ml.p4d.24xlarge, minInstances: 1, maxInstances: 1, pricePerHour: 36, weightCache: { diskBudgetGB: 0${weightCache} } }
mapping: { explicit: { gamma: gamma-traffic } }
`;
}

/** The second request arrives at zero copies (the first copy went at 910 s) and waits for the woken copy. */
async function wake(weightCache: string): Promise<{ p99Ms: number; notes: readonly string[] }> {
  const sim = simulateLoaded(await portfolioOf(portfolio(weightCache)), traceOf(3600, { "gamma-traffic": [5, 2000] }), { strategies: ["d"] });
  return { p99Ms: sim.results[0].p99Ms, notes: sim.results[0].engine?.notes ?? [] };
}

describe("the simulator's parked engines", () => {
  it("wakes a scaled-to-zero model from the engine its last copy parked: the fixed wake plus its weights from host memory", async (t: TestContext) => {
    const cold = await wake("");
    const parked = await wake(", parkedBudgetGB: 20");
    // Hand-worked: a new engine takes 10 s + 20 GB at 1 GB/s = 30 s; a parked one 1 s + 20 GB at 12 GB/s ≈ 2.7 s.
    t.assert.ok(cold.p99Ms >= 30_000 && cold.p99Ms <= 32_000, `a new engine: 30 s start + 1 s service, got ${cold.p99Ms} ms`);
    t.assert.ok(parked.p99Ms >= 3_600 && parked.p99Ms <= 4_000, `a parked engine: 2.7 s wake + 1 s service, got ${parked.p99Ms} ms`);
    t.assert.ok(
      parked.notes.some((n) => n.startsWith("parked engines: 1 copy took a parked engine over")),
      `the report counts the wake: ${JSON.stringify(parked.notes)}`,
    );
    const slow = await wake(", parkedBudgetGB: 20, parkedWakeS: 5");
    t.assert.ok(slow.p99Ms - parked.p99Ms >= 3_500 && slow.p99Ms - parked.p99Ms <= 4_500, `a 5 s wake is 4 s slower, got ${slow.p99Ms - parked.p99Ms} ms`);
  });

  it("parks nothing whose weights exceed the budget", async (t: TestContext) => {
    const small = await wake(", parkedBudgetGB: 19");
    t.assert.ok(small.p99Ms >= 30_000, `20 GB of weights do not fit a 19 GB budget: a new engine starts, got ${small.p99Ms} ms`);
    t.assert.ok(
      small.notes.some((n) => n.startsWith("parked engines: 0 copies")),
      `no wake counted: ${JSON.stringify(small.notes)}`,
    );
  });
});
