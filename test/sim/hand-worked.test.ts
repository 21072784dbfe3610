import { describe, it, type TestContext } from "node:test";
import { simulateLoaded } from "../../src/sim/simulate.js";
import { every, portfolioOf, traceOf } from "./builders.js";

const twoModels = `
models:
  - name: alpha
    sizeGB: 10
    accelerators: 1
    memoryGiB: 20
    startupSeconds: 40
    latency: { fixedMs: 1000 }
    concurrency: 4
    sloMs: 2000
    scaling: { minCopies: 1, maxCopies: 2 }
  - name: beta
    sizeGB: 30
    accelerators: 2
    memoryGiB: 40
    startupSeconds: 60
    latency: { fixedMs: 2000 }
    concurrency: 2
    sloMs: 5000
    scaling: { minCopies: 1, maxCopies: 1 }
endpoint: { instanceType: ml.p4d.24xlarge, minInstances: 1, maxInstances: 4, pricePerHour: 10 }
mapping:
  explicit: { alpha: alpha-traffic, beta: beta-traffic }
`;

const close = (t: TestContext, actual: number, expected: number, what: string) =>
  t.assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: expected ${expected}, got ${actual}`);

describe("GPU-hours and cost worked out by hand", () => {
  it("two small models: dedicated endpoints hold two whole P4d, packing fits both on one", async (t: TestContext) => {
    t.plan(25);
    // One hour. alpha (1 GPU, 1 s per request) gets a request every minute from t = 30 s: 60 requests;
    // beta (2 GPUs, 2 s per request) every two minutes from t = 10 s: 30 requests. Price $10 per instance-hour.
    const trace = traceOf(3600, { "alpha-traffic": every(60, 60, 30), "beta-traffic": every(120, 30, 10) });
    const sim = simulateLoaded(await portfolioOf(twoModels), trace);
    const [a, a2, b, c, d, e, f] = sim.results;
    t.assert.deepStrictEqual(
      sim.results.map((r) => r.key),
      ["a", "a2", "b", "c", "d", "e", "f"],
    );

    // (a) Each model's busiest minute needs one copy (1 s of work per minute against 4 slots), so one
    // 8-GPU instance each: 2 instances × 8 GPUs × 1 h = 16 GPU-hours, 2 instance-hours × $10 = $20.
    close(t, a.gpuHours, 16, "(a) GPU-hours");
    close(t, a.cost, 20, "(a) cost");
    // Busy GPU-time: alpha 60 × 1 s × 1 GPU + beta 30 × 2 s × 2 GPUs = 180 GPU-seconds of 16 × 3600.
    close(t, a.meanGpuUtilization, 180 / (16 * 3600), "(a) utilization");

    // (a2) One copy each is still one dedicated instance each (8 workers of alpha, 4 of beta, most of them idle): as (a).
    close(t, a2.gpuHours, 16, "(a2) GPU-hours");
    close(t, a2.cost, 20, "(a2) cost");

    // (b) The load never comes near the targets, and each endpoint is at its minimum of 1: as (a).
    close(t, b.gpuHours, 16, "(b) GPU-hours");
    close(t, b.cost, 20, "(b) cost");

    // (c) One copy of each, 1 + 2 GPUs and 20 + 40 GiB, fit one instance: 8 GPU-hours, $10.
    close(t, c.gpuHours, 8, "(c) GPU-hours");
    close(t, c.cost, 10, "(c) cost");
    close(t, c.meanGpuUtilization, 180 / (8 * 3600), "(c) utilization");

    // (d) Nothing may scale to zero and the one instance is never empty: as (c).
    close(t, d.gpuHours, 8, "(d) GPU-hours");
    close(t, d.cost, 10, "(d) cost");

    // (e) Busy accelerator time: alpha 60 × 1 s × 1 GPU ÷ 4 concurrent = 15 GPU-seconds; beta 30 × 2 s × 2 GPUs ÷ 2 = 60.
    // 75 GPU-seconds at $10 / 8 GPUs per hour.
    close(t, e.gpuHours, 75 / 3600, "(e) GPU-hours");
    close(t, e.cost, (75 / 3600) * (10 / 8), "(e) cost");
    // (f) alpha: 60 one-minute bins with 1 s in service → ceil(1/60 / 4) = 1 copy × 1 GPU for 60 minutes = 1 GPU-hour;
    // beta: 30 bins with 2 s in service → 1 copy × 2 GPUs for 30 minutes = 1 GPU-hour. 2 GPU-hours at $10 / 8 GPUs = $2.50.
    close(t, f.gpuHours, 2, "(f) GPU-hours");
    close(t, f.cost, 2.5, "(f) cost");

    // Every request is served at once: alpha in 1 s, beta in 2 s, all within their SLOs.
    for (const r of [a, c, d]) t.assert.equal(r.withinSlo, 90);
    t.assert.ok(Math.abs(a.p50Ms - 1000) <= 4, `p50 ${a.p50Ms}`);
    t.assert.ok(Math.abs(a.p99Ms - 2000) <= 8, `p99 ${a.p99Ms}`);
    t.assert.deepStrictEqual([d.failed, d.held, d.coldStarts], [0, 0, 0]);
    t.assert.equal(a.peakInstances, 2);
    t.assert.equal(d.peakInstances, 1);
  });

  it("a model idle after its only request scales to zero, and consolidation releases its empty instance", async (t: TestContext) => {
    t.plan(9);
    const yaml = `
models:
  - name: gamma
    sizeGB: 10
    accelerators: 1
    memoryGiB: 20
    startupSeconds: 40
    latency: { fixedMs: 1000 }
    concurrency: 1
    sloMs: 2000
    scaling: { maxCopies: 1, scaleToZero: true }
endpoint: { instanceType: ml.p4d.24xlarge, minInstances: 0, maxInstances: 2, pricePerHour: 36 }
mapping: { explicit: { gamma: gamma-traffic } }
`;
    // One request at t = 5 s, served by the copy that runs when the window opens.
    const sim = simulateLoaded(await portfolioOf(yaml), traceOf(3600, { "gamma-traffic": [5] }), { strategies: ["a", "d", "e"] });
    const [a, d, e] = sim.results;
    close(t, a.cost, 36, "(a) cost: one instance for the hour");
    // (d) ConcurrentRequestsPerCopy per 10 s: 0.1 for [0, 10) (1 s of one request / 10 copy-seconds), then 0.
    // Scale-in needs 90 periods below 90% of the target (1): at t = 900 s the window still holds the 0.1 and
    // ceil(1 × 0.1 / 1) = 1 keeps the copy; at t = 910 s it holds only zeros, so the copy count goes to 0.
    // The instance is empty from 910 s. Idle release would take it once empty for 600 s (1,510 s), but
    // CONSOLIDATION comes first: its cooldown (20 minutes from the start) ends at 1,200 s, when the empty
    // instance's copies (none) fit elsewhere, so it drains then and is released at the next step, 1,210 s.
    close(t, d.instanceHours, 1210 / 3600, "(d) instance-hours");
    close(t, d.gpuHours, (8 * 1210) / 3600, "(d) GPU-hours");
    close(t, d.cost, (36 * 1210) / 3600, "(d) cost");
    t.assert.deepStrictEqual(d.engine!.models[0].scaleIns, 1);
    t.assert.deepStrictEqual(d.consolidation, { freed: 1, moves: 0, freedAtS: [1210] });
    // (e) One request keeps 1 GPU busy for 1 s: 1/3600 GPU-hour at $36 / 8 per GPU-hour.
    close(t, e.gpuHours, 1 / 3600, "(e) GPU-hours");
    close(t, e.cost, 36 / 8 / 3600, "(e) cost");
    t.assert.equal(d.withinSlo, 1);
  });
});
