import { describe, it, type TestContext } from "node:test";
import { planCopies } from "../../src/controllers/endpoint/plan-copies.js";
import type { EndpointWorld } from "../../src/controllers/endpoint/world.js";
import type { ComponentRecord, CopyRecord, EndpointRecord, InstanceRecord, ResolvedSpec, RolloutState } from "../../src/domain/resources.js";
import { place } from "../../src/scheduler/index.js";
import { copy, demand, fleet, input, res } from "./builders.js";

describe("copy names", () => {
  it("counts one ordinal per name prefix, shared by every demand that names copies after it", (t: TestContext) => {
    t.plan(2);
    const d = place(
      input({
        instances: fleet(1),
        demands: [
          { ...demand("m", 2), namePrefix: "m" },
          { ...demand("m.v1", 1), namePrefix: "m" },
        ],
        current: [copy("m-5", "i-1")],
        nextOrdinals: { m: 5 },
      }),
    );
    t.assert.deepStrictEqual(d.add.map((c) => [c.component, c.id]).sort(), [
      ["m", "m-6"],
      ["m.v1", "m-7"],
    ]);
    t.assert.deepStrictEqual(d.nextOrdinals, { m: 8 });
  });

  it("never hands out the id of a copy outside the input, such as one still draining", (t: TestContext) => {
    t.plan(1);
    const d = place({ ...input({ instances: fleet(1), demands: [demand("m", 2)], nextOrdinals: { m: 1 } }), otherCopyIds: ["m-1", "m-3"] });
    t.assert.deepStrictEqual(
      d.add.map((c) => c.id),
      ["m-2", "m-4"],
    );
  });

  it("names a component's new copies of both versions <component>-<n> from its nextCopyOrdinal, once, in the scheduler", (t: TestContext) => {
    t.plan(3);
    const plan = planCopies(updatingWorld(), new Set());
    t.assert.deepStrictEqual(plan.add.map((c) => `${c.id} v${c.spec.version}`).sort(), ["m-4 v2", "m-5 v1"]);
    t.assert.deepStrictEqual(
      plan.add.map((c) => c.owner),
      [
        { type: "component", name: "m" },
        { type: "component", name: "m" },
      ],
    );
    t.assert.deepStrictEqual([...plan.nextOrdinals], [["m", 6]]);
  });
});

function spec(version: number): ResolvedSpec {
  return { version, image: "berth/echo", environment: {}, needs: res(1), strategy: "BINPACK", startupTimeoutSeconds: 600, downloadTimeoutSeconds: 600 };
}

/** Component m mid-update from version 1 to 2: two old copies run, m-3 (old) drains, and each version wants one copy more. */
function updatingWorld(): EndpointWorld {
  const endpoint: EndpointRecord = {
    name: "e",
    arn: "arn:aws:sagemaker:us-east-1:000000000000:endpoint/e",
    createdAt: 0,
    lastModifiedAt: 0,
    status: "InService",
    current: {
      generation: 1,
      configName: "c",
      config: { ProductionVariants: [{ VariantName: "v", InstanceType: "ml.g5.12xlarge" }] },
      variants: { v: { desiredInstanceCount: 1, desiredWeight: 1 } },
      startedAt: 0,
    },
    nextGeneration: 2,
    tags: [],
  };
  const instance: InstanceRecord = {
    id: "e.v.g1.1",
    endpointName: "e",
    variantName: "v",
    generation: 1,
    instanceType: "ml.g5.12xlarge",
    provider: "modelled",
    host: "",
    capacity: res(8, 48_000, 180_000),
    devices: [0, 1, 2, 3, 4, 5, 6, 7].map(
      (index) => ({ index, source: "modelled", name: `gpu${index}`, memoryMiB: 24_576 }) as InstanceRecord["devices"][number],
    ),
    state: "InService",
    createdAt: 0,
  };
  const rollout = { from: spec(1), to: spec(2), phase: "Deploying", startedAt: 0, targetNew: 1, targetOld: 3, peakExtra: 1 } as unknown as RolloutState;
  const component: ComponentRecord = {
    name: "m",
    arn: "arn:aws:sagemaker:us-east-1:000000000000:inference-component/m",
    endpointName: "e",
    variantName: "v",
    createdAt: 0,
    lastModifiedAt: 0,
    status: "Updating",
    specification: {},
    resolved: spec(2),
    desiredCopyCount: 2,
    // Behind the draining m-3: the names skip it rather than take it again.
    nextCopyOrdinal: 3,
    rollout,
    tags: [],
  } as ComponentRecord;
  const stored = (id: string, device: number, state: CopyRecord["state"]): CopyRecord => ({
    id,
    owner: { type: "component", name: "m" },
    endpointName: "e",
    variantName: "v",
    instanceId: instance.id,
    devices: [device],
    resources: res(1),
    spec: spec(1),
    state,
    createdAt: 0,
  });
  return {
    endpointName: "e",
    endpoint,
    components: [component],
    instances: [instance],
    copies: [stored("m-1", 0, "Active"), stored("m-2", 1, "Active"), stored("m-3", 2, "Draining")],
    statuses: new Map(),
    alarms: new Map(),
    now: 1000,
  };
}
