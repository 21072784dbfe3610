import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { readTrace } from "../../src/sim/input/index.js";
import { buildReport, writeReport } from "../../src/sim/report/report.js";
import { simulateLoaded } from "../../src/sim/simulate.js";
import { fixtures } from "../sim/input/paths.js";
import { every, portfolioOf, traceOf } from "./builders.js";
import { tempDir } from "../support/temp-dir.js";

const portfolio = `
description: Two tenants of a rate trace on one P4d endpoint
models:
  - name: steady
    sizeGB: 14
    accelerators: 1
    memoryGiB: 30
    latency: { fixedMs: 1500 }
    concurrency: 4
    sloMs: 4000
    scaling: { minCopies: 1, maxCopies: 4, targetInvocationsPerCopy: 60, scaleOutCooldownS: 60 }
  - name: bursty
    sizeGB: 32
    accelerators: 2
    memoryGiB: 60
    latency: { fixedMs: 3000 }
    concurrency: 2
    sloMs: 8000
    scaling: { maxCopies: 3, scaleToZero: true }
endpoint: { instanceType: ml.p4d.24xlarge, minInstances: 1, maxInstances: 3 }
mapping: { byRank: { streamsPerModel: 1 } }
`;

async function reportFiles(seed: number): Promise<Map<string, string>> {
  const trace = await readTrace(join(fixtures, "servegen", "group-a"), { seed });
  const sim = simulateLoaded(await portfolioOf(portfolio, "seeded.yaml"), trace);
  const dir = tempDir("berth-sim-report-");
  await writeReport(sim, dir);
  const files = new Map<string, string>();
  for (const name of (await readdir(dir)).sort()) files.set(name, await readFile(join(dir, name), "utf8"));
  return files;
}

describe("the report", () => {
  it("is byte for byte the same for the same inputs and seed", async (t: TestContext) => {
    t.plan(4);
    const first = await reportFiles(5);
    const second = await reportFiles(5);
    t.assert.deepStrictEqual(
      [...first.keys()],
      ["copies.svg", "cost-over-time.svg", "cost.svg", "instances.svg", "latency.svg", "occupancy-after.svg", "occupancy-before.svg", "report.md", "slo.svg"],
    );
    t.assert.deepStrictEqual(second, first);
    // The seed reaches the trace reader: another seed draws other arrivals and gives another report.
    const other = await reportFiles(6);
    t.assert.notEqual(other.get("report.md"), first.get("report.md"));
    t.assert.ok(first.get("report.md")!.includes("Apache-2.0"), "the report cites the trace's licence");
  });

  it("states device sharing as the engine does it, not that co-located copies never slow each other", async (t: TestContext) => {
    t.plan(2);
    const trace = await readTrace(join(fixtures, "servegen", "group-a"), { seed: 5 });
    const { markdown } = buildReport(simulateLoaded(await portfolioOf(portfolio, "seeded.yaml"), trace, { strategies: ["a"] }));
    t.assert.ok(!markdown.includes("co-located copies do not slow each other down"));
    t.assert.ok(
      markdown.includes(
        "Copies on whole GPUs do not slow each other down; copies holding shares of one GPU (`acceleratorMemoryGiB`) share its compute: " +
          "a request runs 1 + (the other copies on its device busy when it starts) times slower, for the whole request (processor sharing).",
      ),
    );
  });

  it("escapes a trace stream id's | and HTML in its tables", async (t: TestContext) => {
    t.plan(2);
    const yaml = `
models:
  - { name: chat, sizeGB: 4, accelerators: 1, memoryGiB: 8, startupSeconds: 10, latency: { fixedMs: 100 }, concurrency: 1, sloMs: 1000, scaling: { maxCopies: 1 } }
endpoint: { instanceType: ml.p4d.24xlarge, pricePerHour: 10 }
mapping: { explicit: { chat: "a|b<script>&" } }
`;
    const sim = simulateLoaded(await portfolioOf(yaml), traceOf(600, { "a|b<script>&": every(60, 10) }), { strategies: ["a"] });
    const { markdown } = buildReport(sim);
    t.assert.match(markdown, /\| chat +\| a\\\|b&lt;script&gt;&amp; +\| +10 \|/);
    t.assert.ok(!markdown.includes("<script>"), "no raw HTML from the inputs");
  });
});
