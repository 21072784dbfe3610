import assert from "node:assert/strict";
import { before, describe, it, type TestContext } from "node:test";
import fc from "fast-check";
import { place } from "../../../src/scheduler/index.js";
import { copyNeeds, loadCatalog, parsePortfolio, PortfolioError, type Catalog, type PortfolioEndpoint } from "../../../src/sim/input/index.js";
import { instanceTemplate } from "../../../src/sim/strategies/index.js";

let catalog: Catalog;
before(async () => {
  catalog = await loadCatalog();
});

interface CopySize {
  accelerators: number;
  memoryGiB: number;
  cpuCores: number;
}

function portfolio(instanceType: string, size: CopySize): string {
  return `models:
  - { name: a, accelerators: ${size.accelerators}, memoryGiB: ${size.memoryGiB}, cpuCores: ${size.cpuCores}, startupSeconds: 1, latency: { fixedMs: 1 }, sloMs: 9, scaling: { maxCopies: 1 } }
endpoint:
  instanceType: ${instanceType}
`;
}

/** The reader's problems with the portfolio; empty when it accepts it. */
function problems(instanceType: string, size: CopySize): string[] {
  try {
    parsePortfolio(portfolio(instanceType, size), "portfolio.yaml", catalog);
    return [];
  } catch (error) {
    if (error instanceof PortfolioError) return error.message.split("\n");
    throw error;
  }
}

function endpointOf(instanceType: string): PortfolioEndpoint {
  return parsePortfolio(portfolio(instanceType, { accelerators: 1, memoryGiB: 1, cpuCores: 1 }), "portfolio.yaml", catalog).endpoint;
}

describe("portfolio copies and the scheduler's fit check", () => {
  it("refuses memory the instance has but the server keeps back, and says how much can be reserved", (t: TestContext) => {
    t.plan(1);
    t.assert.deepStrictEqual(problems("ml.g5.4xlarge", { accelerators: 1, memoryGiB: 60, cpuCores: 1 }), [
      "portfolio.yaml line 2, models[0].memoryGiB: a copy needs 60 GiB but one instance has 64 GiB of memory, of which 57.59 GiB can be reserved " +
        "(10% is kept for the system); lower it or pick a larger instanceType",
    ]);
  });

  it("accepts a copy exactly when the scheduler places it on an empty instance of the endpoint's type", () => {
    const types = ["ml.g5.4xlarge", "ml.g5.48xlarge", "ml.p4d.24xlarge"];
    const templates = new Map(types.map((type) => [type, instanceTemplate(endpointOf(type))]));
    const sized = fc.constantFrom(...types).chain((type) => {
      const capacity = templates.get(type)!.capacity;
      return fc.record({
        type: fc.constant(type),
        accelerators: fc.integer({ min: 1, max: capacity.accelerators + 1 }),
        memoryGiB: fc.integer({ min: -300, max: 300 }).map((d) => Math.max(0.01, Math.round((capacity.memoryMiB / 1024) * 100 + d) / 100)),
        cpuCores: fc.integer({ min: -3, max: 3 }).map((d) => capacity.cpuMillis / 1000 + d / 1000),
      });
    });
    fc.assert(
      fc.property(sized, ({ type, ...size }) => {
        const template = templates.get(type)!;
        const decision = place({
          instances: [{ id: "i-1", ...template, schedulable: true, order: 0 }],
          demands: [{ component: "a", copies: 1, needs: copyNeeds(size), strategy: "BINPACK" }],
          current: [],
          nextOrdinals: {},
        });
        const found = problems(type, size);
        assert.equal(found.length === 0, decision.add.length === 1, `${type} ${JSON.stringify(size)}: ${found.join("; ") || "accepted"}`);
      }),
      { numRuns: 300 },
    );
  });
});
