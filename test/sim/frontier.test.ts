import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { frontier } from "../../src/sim/frontier/frontier.js";
import { applySettings } from "../../src/sim/frontier/settings.js";
import { loadCatalog, readTrace } from "../../src/sim/input/index.js";
import { simulateLoaded } from "../../src/sim/simulate.js";
import { fixtures } from "../sim/input/paths.js";
import { portfolioOf } from "./builders.js";

/** Two catalog models on one P4d endpoint; `extra` adds per-model fields, `cache` the endpoint's weight cache. */
function portfolio(extra: { big?: string; small?: string; cache?: string } = {}): string {
  return `
models:
  - { name: big, catalogModel: codegen-6B, accelerators: 1, ${extra.big ?? ""} latency: { fixedMs: 1500, firstTokenMs: 120 }, concurrency: 8, sloMs: 5000,
      scaling: { minCopies: 1, maxCopies: 4, targetConcurrencyPerCopy: 4.5 } }
  - { name: small, catalogModel: codegen-2B, accelerators: 1, ${extra.small ?? ""} latency: { fixedMs: 600, firstTokenMs: 50 }, concurrency: 16, sloMs: 2000,
      scaling: { maxCopies: 2, targetConcurrencyPerCopy: 12, scaleToZero: true } }
endpoint: { instanceType: ml.p4d.24xlarge, minInstances: 1, maxInstances: 3${extra.cache ?? ""} }
mapping: { byRank: { streamsPerModel: 1 } }
`;
}

describe("the cost frontier", () => {
  it("runs each setting through the same simulation a user gets by writing the setting into the portfolio", async (t: TestContext) => {
    t.plan(3);
    const catalog = await loadCatalog();
    const trace = await readTrace(join(fixtures, "servegen", "group-a"), { seed: 2 });
    const settings = { shares: "one-accelerator-models", targetFactor: 1.5, idleToZeroS: 900, memoryCacheGB: 50, idleReleaseS: 120 } as const;
    const [row] = frontier(await portfolioOf(portfolio()), catalog, trace, [{ label: "shares", feature: "shares", settings }], 1000);
    // The same settings, written by hand: shares are weights + KV cache for concurrency × 2,048 tokens + 2 GB, in GiB.
    const written = await portfolioOf(
      portfolio({ big: "acceleratorMemoryGiB: 23.28,", small: "acceleratorMemoryGiB: 17.05,", cache: ", weightCache: { memoryBudgetGB: 50 }" })
        .replace("targetConcurrencyPerCopy: 4.5 }", "targetConcurrencyPerCopy: 6.75 }")
        .replace("targetConcurrencyPerCopy: 12, scaleToZero: true }", "targetConcurrencyPerCopy: 18, scaleToZero: true, scaleInCooldownS: 900 }"),
    );
    t.assert.deepStrictEqual(
      applySettings(await portfolioOf(portfolio()), catalog, settings).models.map((m) => m.acceleratorMemoryGiB),
      [23.28, 17.05],
      "the shares sized from the catalog",
    );
    const byHand = simulateLoaded(written, trace, { strategies: ["d"], idleReleaseS: 120 }).results[0]!;
    const pick = (r: typeof byHand) => ({ cost: r.cost, withinSlo: r.withinSlo, failed: r.failed, peak: r.peakInstances });
    t.assert.deepStrictEqual(pick(row!.result), pick(byHand), "the frontier row is the hand-written portfolio's strategy (d)");
    t.assert.strictEqual(row!.ratio, 1000 / byHand.cost, "the ratio is against the baseline cost given");
  });
});
