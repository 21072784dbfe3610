import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import fc from "fast-check";
import type { InstanceTypeSpec } from "../../src/domain/catalog/instance-type.js";
import { resolveSpec } from "../../src/domain/component-spec.js";
import { instanceCapacity, requirementsToResources, type ComputeResourceRequirements } from "../../src/domain/compute.js";
import { BerthError } from "../../src/domain/errors/berth-error.js";
import { fits, freeResources, place, shortfalls, type PlacementInput } from "../../src/scheduler/index.js";
import { copy, instance, res } from "./builders.js";

describe("fit check", () => {
  it("fits when every resource is covered, including an exact fit", (t: TestContext) => {
    t.plan(2);
    t.assert.equal(fits(res(2, 1000, 1024), res(2, 1000, 1024)), true);
    t.assert.equal(fits(res(2, 1000, 1024), res(2, 1001, 1024)), false);
  });

  it("lists each short resource with what one copy needs and what is available", (t: TestContext) => {
    t.plan(1);
    t.assert.deepStrictEqual(shortfalls(res(1, 4000, 1024), res(2, 1000, 2048)), [
      { resource: "accelerators", needed: 2, available: 1 },
      { resource: "memoryMiB", needed: 2048, available: 1024 },
    ]);
  });

  it("fits exactly when nothing falls short", () => {
    const amounts = fc.record({
      accelerators: fc.integer({ min: -2, max: 9 }),
      cpuMillis: fc.integer({ min: -500, max: 9000 }),
      memoryMiB: fc.integer({ min: -1, max: 9 }),
    });
    fc.assert(
      fc.property(amounts, amounts, (available, needs) => {
        assert.equal(fits(available, needs), shortfalls(available, needs).length === 0);
      }),
      { numRuns: 1000 },
    );
  });

  it("counts only device indices nobody holds as free accelerators", (t: TestContext) => {
    t.plan(1);
    const inst = instance("i-1", { capacity: res(4, 8000, 8192) });
    const copies = [copy("m-1", "i-1", { resources: res(1), devices: [0, 1] }), copy("m-2", "i-2")];
    t.assert.deepStrictEqual(freeResources(inst, copies), res(2, 7000, 7168));
  });
});

const instanceTypeArb: fc.Arbitrary<InstanceTypeSpec> = fc
  .record({
    accelerators: fc.integer({ min: 0, max: 8 }),
    vcpus: fc.integer({ min: 1, max: 192 }),
    memoryGiB: fc.oneof(fc.integer({ min: 1, max: 2048 }), fc.constantFrom(0.5, 1.5, 3.75, 7.5, 15.25)),
  })
  .map(({ accelerators, vcpus, memoryGiB }) => ({
    instanceType: "ml.test.xlarge",
    family: "test",
    accelerator: accelerators > 0 ? { vendor: "nvidia", model: "T", count: accelerators, memoryPerDeviceGiB: 24 } : null,
    vcpus,
    memoryGiB,
    pricePerHour: null,
    priceStatus: "none",
  }));

/** Requirements around the instance's own capacity, so both sides of every boundary come up often. */
function requirementsNear(type: InstanceTypeSpec, headroom: number): fc.Arbitrary<ComputeResourceRequirements> {
  const capacity = instanceCapacity(type, { memoryHeadroomFraction: headroom });
  return fc.record(
    {
      NumberOfAcceleratorDevicesRequired: fc.oneof(
        fc.integer({ min: 0, max: capacity.accelerators + 1 }),
        fc.integer({ min: 0, max: 4 * (capacity.accelerators + 1) }).map((q) => q / 4),
      ),
      NumberOfCpuCoresRequired: fc.oneof(
        fc.integer({ min: 0, max: type.vcpus + 1 }),
        fc.integer({ min: -3, max: 3 }).map((d) => Math.max(0, type.vcpus + d / 1000)),
        fc.integer({ min: -3, max: 3 }).map((d) => Math.max(0, type.vcpus + d / 10_000)),
      ),
      MinMemoryRequiredInMb: fc.oneof(
        fc.integer({ min: -2, max: 2 }).map((d) => Math.max(0, capacity.memoryMiB + d)),
        fc.integer({ min: 0, max: capacity.memoryMiB * 2 }),
      ),
    },
    { requiredKeys: ["MinMemoryRequiredInMb"] },
  );
}

const validationCase = fc
  .record({ type: instanceTypeArb, headroom: fc.constantFrom(0, 0.1, 0.25) })
  .chain(({ type, headroom }) => fc.record({ type: fc.constant(type), headroom: fc.constant(headroom), requirements: requirementsNear(type, headroom) }));

describe("validation and the scheduler share one fit check", () => {
  it("accepts a component exactly when the scheduler places one copy on an empty instance of the variant's type, and names the same shortfalls", () => {
    fc.assert(
      fc.property(validationCase, ({ type, headroom, requirements }) => {
        const capacity = { memoryHeadroomFraction: headroom };
        let accepted = true;
        let message = "";
        try {
          resolveSpec(
            { Container: { Image: "berth/echo" }, ComputeResourceRequirements: requirements },
            { componentName: "c", endpointName: "e", variant: { VariantName: "v", InstanceType: type.instanceType }, instanceType: type, capacity, version: 1 },
          );
        } catch (e) {
          assert.ok(e instanceof BerthError && e.code === "ValidationException", String(e));
          accepted = false;
          message = e.message;
        }
        const whole = instanceCapacity(type, capacity);
        const input: PlacementInput = {
          instances: [{ id: "i-1", capacity: whole, deviceIndices: Array.from({ length: whole.accelerators }, (_, d) => d), schedulable: true, order: 0 }],
          demands: [{ component: "c", copies: 1, needs: requirementsToResources(requirements), strategy: "BINPACK" }],
          current: [],
          nextOrdinals: {},
        };
        const decision = place(input);
        assert.equal(
          accepted,
          decision.add.length === 1,
          `validation ${accepted ? "accepts" : "refuses"} ${JSON.stringify(requirements)} on ${JSON.stringify(whole)}`,
        );
        if (accepted) return;
        const labels = { accelerators: "accelerator devices", cpuMillis: "CPU cores", memoryMiB: "memory" };
        const named = decision.unplaced[0].shortfalls.map((s) => labels[s.resource]);
        assert.deepEqual(
          [...message.matchAll(/(accelerator devices|CPU cores|memory): needs/g)].map((m) => m[1]),
          named,
        );
      }),
      { numRuns: 2000 },
    );
  });
});
