import { describe, it, type TestContext } from "node:test";
import { buildReport } from "../../src/sim/report/report.js";
import { headlineRows, sloAttainment } from "../../src/sim/report/table.js";
import type { Stream } from "../../src/sim/input/index.js";
import { simulateLoaded } from "../../src/sim/simulate.js";
import { every, portfolioOf, traceOf } from "./builders.js";

/** The headline row whose first cell is `label`, as a map from column label to cell. */
function headline(results: Parameters<typeof headlineRows>[0], label: string): Map<string, string> {
  const rows = headlineRows(results);
  const row = rows.find((r) => r[0] === label);
  if (!row) throw new Error(`no headline row '${label}' in ${rows.map((r) => r[0]).join(", ")}`);
  return new Map(rows[0].slice(1).map((column, i) => [column, row[i + 1]]));
}

// chat is an LLM (its latency gives a first-token time): 4 s responses whose first token comes after 0.5 s.
// embed is not: 4 s responses judged end to end. Both have a 1 s SLO.
const llmAndEncoder = `
models:
  - name: chat
    sizeGB: 14
    accelerators: 1
    memoryGiB: 30
    startupSeconds: 40
    latency: { fixedMs: 4000, firstTokenMs: 500 }
    concurrency: 1
    sloMs: 1000
    scaling: { minCopies: 1, maxCopies: 4 }
  - name: embed
    sizeGB: 1
    accelerators: 1
    memoryGiB: 4
    startupSeconds: 10
    latency: { fixedMs: 4000 }
    concurrency: 4
    sloMs: 1000
    scaling: { minCopies: 1, maxCopies: 2 }
endpoint: { instanceType: ml.p4d.24xlarge, minInstances: 1, maxInstances: 4, pricePerHour: 10 }
mapping: { explicit: { chat: chat-traffic, embed: embed-traffic } }
`;

describe("what the simulation report tells its reader", () => {
  it("prints both dedicated baselines and says the ratio is against the cheaper one", async (t: TestContext) => {
    t.plan(6);
    // chat: a 4 s request every 2 s, one at a time per copy: its busiest minute needs 2 copies.
    // (a) one copy per instance: 2 instances for chat + 1 for embed. (a2) 8 workers per instance: 1 + 1.
    const trace = traceOf(3600, { "chat-traffic": every(2, 1800), "embed-traffic": every(60, 60) });
    const sim = simulateLoaded(await portfolioOf(llmAndEncoder), trace);
    const a = sim.results.find((r) => r.key === "a")!;
    const a2 = sim.results.find((r) => r.key === "a2")!;
    t.assert.deepStrictEqual([a.cost, a2.cost], [30, 20]);
    t.assert.equal(headline(sim.results, "cost ratio: (a2) ÷ this (cheaper baseline)").get(a.label), "0.67×");
    t.assert.equal(headline(sim.results, "cost ratio: (a) ÷ this").get(a2.label), "1.50×");
    const { markdown } = buildReport(sim);
    t.assert.ok(
      markdown.includes(
        "Cost ratios are against **(a2) dedicated, a worker per GPU group, sized for peak** ($20), the cheaper of the dedicated baselines run; " +
          "the other ((a) dedicated, sized for peak, $30) gets its own ratio row.",
      ),
      "the report names the baseline of its ratio in words",
    );
    t.assert.match(markdown, /- chat: 2 instances\n- embed: 1 instance\n/);
    t.assert.match(markdown, /- chat: 1 instance × 8 workers\n- embed: 1 instance × 8 workers\n/);
  });

  it("judges the LLM by time to first token and the other model end to end", async (t: TestContext) => {
    t.plan(4);
    const trace = traceOf(3600, { "chat-traffic": every(2, 1800), "embed-traffic": every(60, 60) });
    const sim = simulateLoaded(await portfolioOf(llmAndEncoder), trace, { strategies: ["a2"] });
    const [a2] = sim.results;
    // Every chat request starts at once on a free worker: first token after 0.5 s ≤ 1 s. Every embed response takes 4 s > 1 s.
    t.assert.deepStrictEqual(
      a2.engine!.models.map((m) => [m.name, m.withinSlo, m.requests]),
      [
        ["chat", 1800, 1800],
        ["embed", 0, 60],
      ],
    );
    const { markdown } = buildReport(sim);
    t.assert.match(markdown, /\| chat +\| .*\| TTFT ≤ 1,000 ms \| +100\.00% \|/);
    t.assert.match(markdown, /\| embed +\| .*\| +e2e ≤ 1,000 ms \| +0\.00% \|/);
    t.assert.ok(markdown.includes("SLOs are judged by time to first token for chat, and end to end for the other 1 model."));
  });

  it("takes a token profile's time to first token from its prefill: firstTokenMs + perInputTokenMs × input tokens", async (t: TestContext) => {
    t.plan(1);
    const yaml = `
models:
  - { name: coder, sizeGB: 14, accelerators: 1, memoryGiB: 30, startupSeconds: 40, latency: { firstTokenMs: 200, perInputTokenMs: 1, perOutputTokenMs: 50 }, concurrency: 1, sloMs: 1000, scaling: { maxCopies: 1 } }
endpoint: { instanceType: ml.p4d.24xlarge, pricePerHour: 10 }
mapping: { explicit: { coder: coder-traffic } }
`;
    // One request a minute, alternating 500 and 1,000 input tokens, 100 output tokens each (a 5 s response or more):
    // the first token comes after 0.7 s (within the 1 s SLO) or 1.2 s (outside it).
    const trace = traceOf(3600, { "coder-traffic": every(60, 60) });
    const stream = trace.streams[0] as { -readonly [K in keyof Stream]: Stream[K] };
    stream.inputTokens = Int32Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? 500 : 1000));
    stream.outputTokens = new Int32Array(60).fill(100);
    const sim = simulateLoaded(await portfolioOf(yaml), trace, { strategies: ["a"] });
    t.assert.deepStrictEqual([sim.portfolio.models[0].slo, sim.results[0].withinSlo], ["ttft", 30]);
  });

  it("keeps the lower bound (busy accelerator time) below every strategy's cost", async (t: TestContext) => {
    t.plan(8);
    const trace = traceOf(3600, { "chat-traffic": every(2, 1800), "embed-traffic": every(60, 60) });
    const sim = simulateLoaded(await portfolioOf(llmAndEncoder), trace);
    const bound = sim.results.find((r) => r.key === "e")!;
    t.assert.equal(bound.label, "(e) lower bound (busy accelerator time)");
    // chat: 1,800 × 4 s × 1 GPU ÷ 1 = 7,200 GPU-seconds, less the 2 s the request at 3,598 s runs past the window;
    // embed: 60 × 4 s × 1 GPU ÷ 4 = 60.
    t.assert.ok(Math.abs(bound.gpuHours - 7258 / 3600) < 1e-9, `bound ${bound.gpuHours} GPU-hours`);
    for (const r of sim.results.filter((x) => x !== bound)) t.assert.ok(bound.cost <= r.cost, `bound ${bound.cost} above ${r.label} ${r.cost}`);
  });

  it("fails a request whose only copy never frees a slot instead of crashing", async (t: TestContext) => {
    t.plan(2);
    // A duration beyond float32 (the trace's, which the portfolio bounds cannot reach) holds the copy's one slot forever.
    const yaml = `
models:
  - { name: fn, sizeGB: 4, accelerators: 1, memoryGiB: 8, startupSeconds: 10, latency: { fixedMs: 1000, useTraceDuration: true }, concurrency: 1, sloMs: 5000, scaling: { minCopies: 1, maxCopies: 1 } }
endpoint: { instanceType: ml.p4d.24xlarge, pricePerHour: 10 }
mapping: { explicit: { fn: fn-traffic } }
`;
    const trace = traceOf(600, { "fn-traffic": { arrivals: [10, 20], durationMs: [1e42, 100] } });
    const [a] = simulateLoaded(await portfolioOf(yaml), trace, { strategies: ["a"] }).results;
    t.assert.deepStrictEqual([a.requests, a.failed], [2, 1]);
    t.assert.deepStrictEqual(a.failedBy, { queue: 1, startup: 0, noCopy: 0, windowEnd: 0 });
  });

  it("counts failed requests as outside the SLO and at +∞ in the percentiles, and says why they failed", async (t: TestContext) => {
    t.plan(7);
    // slow: one copy serving one 30 s request at a time, a request every 10 s: most wait past the 60 s hold limit.
    // cold: scales to zero; a request at 2,000 s wakes it, and its copy needs 120 s to start: longer than the hold limit.
    const yaml = `
models:
  - { name: slow, sizeGB: 4, accelerators: 1, memoryGiB: 8, startupSeconds: 10, latency: { fixedMs: 30000 }, concurrency: 1, sloMs: 60000, scaling: { minCopies: 1, maxCopies: 1 } }
  - { name: cold, sizeGB: 4, accelerators: 1, memoryGiB: 8, startupSeconds: 120, latency: { fixedMs: 1000 }, concurrency: 1, sloMs: 5000, scaling: { maxCopies: 1, scaleToZero: true } }
endpoint: { instanceType: ml.p4d.24xlarge, minInstances: 1, maxInstances: 2, pricePerHour: 10 }
mapping: { explicit: { slow: slow-traffic, cold: cold-traffic } }
`;
    const trace = traceOf(3600, { "slow-traffic": every(10, 360), "cold-traffic": [5, 2000] });
    const sim = simulateLoaded(await portfolioOf(yaml), trace, { strategies: ["a", "d"] });
    const [a, d] = sim.results;
    const slowFailed = d.engine!.models[0].failed;
    t.assert.ok(slowFailed > 100, `slow failed ${slowFailed}`);
    t.assert.deepStrictEqual(d.failedBy, { queue: slowFailed, startup: 1, noCopy: 0, windowEnd: 0 });
    t.assert.ok(sloAttainment(d) <= 1 - d.failed / d.requests, "a failed request is never within its SLO");
    t.assert.equal(headline(sim.results, "failed requests").get(d.label), String(slowFailed + 1));
    t.assert.equal(headline(sim.results, "p99 SLO latency").get(a.label), "∞ (failed)");
    const { markdown } = buildReport(sim);
    t.assert.match(markdown, new RegExp(`\\| waited longer than the hold limit behind other requests on a busy copy +\\| +${a.failed} \\| +${slowFailed} \\|`));
    t.assert.match(markdown, /\| waited longer than the hold limit for a copy that was still starting \(a cold start or a scale-out\) +\| +0 \| +1 \|/);
  });
});
