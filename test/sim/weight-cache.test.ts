import { describe, it, type TestContext } from "node:test";
import { simulateLoaded } from "../../src/sim/simulate.js";
import { portfolioOf, traceOf } from "./builders.js";

/** One 20 GB model that scales to zero on an instance that stays (minInstances 1); remote weights load at 1 GB/s. */
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
endpoint: { instanceType: ml.p4d.24xlarge, minInstances: 1, maxInstances: 1, pricePerHour: 36${weightCache} }
mapping: { explicit: { gamma: gamma-traffic } }
`;
}

/** The second request arrives at zero copies (the copy went at 910 s) and waits for the woken copy to load. */
async function wake(weightCache: string): Promise<{ p99Ms: number; notes: readonly string[] }> {
  const sim = simulateLoaded(await portfolioOf(portfolio(weightCache)), traceOf(3600, { "gamma-traffic": [5, 2000] }), { strategies: ["d"] });
  return { p99Ms: sim.results[0].p99Ms, notes: sim.results[0].engine?.notes ?? [] };
}

async function wakeLatencyMs(weightCache: string): Promise<number> {
  return (await wake(weightCache)).p99Ms;
}

describe("the simulator's cold start follows where the weights are", () => {
  it("loads from the remote store, the instance's disk cache or its host memory at the portfolio's rates", async (t: TestContext) => {
    t.plan(4);
    const remote = await wakeLatencyMs(", weightCache: { diskBudgetGB: 0 }");
    const disk = await wakeLatencyMs("");
    const memory = await wakeLatencyMs(", weightCache: { memoryBudgetGB: 20 }");
    // Hand-worked load times: fixed 10 s + 20 GB at 1 GB/s (remote), 4 GB/s (disk default), 12 GB/s (memory default).
    t.assert.ok(remote > disk && disk > memory, `remote ${remote} ms > disk ${disk} ms > memory ${memory} ms`);
    t.assert.ok(remote - disk >= 15_000 - 1_000 && remote - disk <= 15_000 + 1_000, `remote − disk ≈ 20 − 5 = 15 s, got ${remote - disk} ms`);
    t.assert.ok(disk - memory >= 3_333 - 1_000 && disk - memory <= 3_333 + 1_000, `disk − memory ≈ 5 − 1.67 s, got ${disk - memory} ms`);
    const slow = await wakeLatencyMs(", weightCache: { diskGBps: 2 }");
    t.assert.ok(slow - disk >= 5_000 - 1_000 && slow - disk <= 5_000 + 1_000, `a 2 GB/s disk loads 20 GB 5 s slower, got ${slow - disk} ms`);
  });
});

describe("the simulator's parked engines", () => {
  it("wakes a scaled-to-zero model from the engine its last copy parked: the fixed wake plus its weights from host memory", async (t: TestContext) => {
    const cold = await wake(", weightCache: { diskBudgetGB: 0 }");
    const parked = await wake(", weightCache: { diskBudgetGB: 0, parkedBudgetGB: 20 }");
    // Hand-worked: a new engine takes 10 s + 20 GB at 1 GB/s = 30 s; a parked one 1 s + 20 GB at 12 GB/s ≈ 2.7 s.
    t.assert.ok(cold.p99Ms >= 30_000 && cold.p99Ms <= 32_000, `a new engine: 30 s start + 1 s service, got ${cold.p99Ms} ms`);
    t.assert.ok(parked.p99Ms >= 3_600 && parked.p99Ms <= 4_000, `a parked engine: 2.7 s wake + 1 s service, got ${parked.p99Ms} ms`);
    t.assert.ok(
      parked.notes.some((n) => n.startsWith("parked engines: 1 copy took a parked engine over")),
      `the report counts the wake: ${JSON.stringify(parked.notes)}`,
    );
    const slow = await wake(", weightCache: { diskBudgetGB: 0, parkedBudgetGB: 20, parkedWakeS: 5 }");
    t.assert.ok(slow.p99Ms - parked.p99Ms >= 3_500 && slow.p99Ms - parked.p99Ms <= 4_500, `a 5 s wake is 4 s slower, got ${slow.p99Ms - parked.p99Ms} ms`);
  });

  it("parks nothing whose weights exceed the budget", async (t: TestContext) => {
    const small = await wake(", weightCache: { diskBudgetGB: 0, parkedBudgetGB: 19 }");
    t.assert.ok(small.p99Ms >= 30_000, `20 GB of weights do not fit a 19 GB budget: a new engine starts, got ${small.p99Ms} ms`);
    t.assert.ok(
      small.notes.some((n) => n.startsWith("parked engines: 0 copies")),
      `no wake counted: ${JSON.stringify(small.notes)}`,
    );
  });
});
