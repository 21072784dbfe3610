import { describe, it, type TestContext } from "node:test";
import { headlineRows } from "../../src/sim/report/table.js";
import { simulateLoaded } from "../../src/sim/simulate.js";
import { every, portfolioOf, traceOf } from "./builders.js";

// Two 4-GPU models: two copies fill one 8-GPU instance.
const half = (name: string, scaling: string) =>
  `  - { name: ${name}, sizeGB: 30, accelerators: 4, memoryGiB: 40, startupSeconds: 60, latency: { fixedMs: 1000 }, concurrency: 4, sloMs: 5000, scaling: ${scaling} }`;
const halves = [
  "models:",
  half("alpha", "{ minCopies: 1, maxCopies: 3, targetInvocationsPerCopy: 60, scaleInCooldownS: 300 }"),
  half("beta", "{ minCopies: 1, maxCopies: 1 }"),
  "endpoint: { instanceType: ml.p4d.24xlarge, minInstances: 1, maxInstances: 4, pricePerHour: 10 }",
  "mapping: { explicit: { alpha: alpha-traffic, beta: beta-traffic } }",
].join("\n");

describe("strategy (d) consolidates with the server's CONSOLIDATION scale-in", () => {
  it("when load drops, the copies left on two half-empty instances move onto one and the other is released", async (t: TestContext) => {
    // alpha: 150 requests a minute for 10 minutes (3 copies: two fill the first instance, the third
    // shares the second with beta), then one a minute for the rest of three hours.
    const busy = every(0.4, 1500);
    const quiet = every(60, 170, 600);
    const trace = traceOf(3 * 3600, { "alpha-traffic": [...busy, ...quiet], "beta-traffic": every(60, 180, 5) });
    const sim = simulateLoaded(await portfolioOf(halves), trace, { strategies: ["c", "d"] });
    const [c, d] = sim.results;

    t.assert.equal(d.sizing[0].startsWith("1–4 instances, 2 instances at the start"), true, d.sizing[0]);
    // Scale-in leaves one alpha copy and one beta copy, each on its own instance; neither instance is ever empty.
    t.assert.deepEqual(d.consolidation && { freed: d.consolidation.freed, moves: d.consolidation.moves }, { freed: 1, moves: 1 });
    const [releasedAt] = d.consolidation!.freedAtS;
    // Not before the cooldown (20 minutes after the endpoint last grew, here the start).
    t.assert.ok(releasedAt >= 20 * 60, `released at ${releasedAt} s`);
    // One instance from then on: fewer instance-hours than the fixed two of (c).
    t.assert.ok(d.instanceHours < c.instanceHours, `(d) ${d.instanceHours} instance-hours, (c) ${c.instanceHours}`);
    t.assert.equal(d.engine!.series.instances.at(-1), 1);
    // The move starts the new copy before the old one stops: no request fails or waits for a copy.
    t.assert.equal(d.failed, 0);
    t.assert.equal(d.withinSlo, d.requests);

    const row = headlineRows(sim.results).find((r) => r[0] === "instances freed by consolidation");
    t.assert.deepEqual(row, ["instances freed by consolidation", "—", "1"]);
  });

  it("a steady fleet that cannot shrink is left alone", async (t: TestContext) => {
    const trace = traceOf(2 * 3600, { "alpha-traffic": every(60, 120, 30), "beta-traffic": every(60, 120, 5) });
    const [d] = simulateLoaded(await portfolioOf(halves), trace, { strategies: ["d"] }).results;
    t.assert.deepEqual(d.consolidation, { freed: 0, moves: 0, freedAtS: [] });
    t.assert.equal(d.peakInstances, 1);
  });
});
