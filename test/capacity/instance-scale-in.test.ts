import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  DescribeEndpointCommand,
  DescribeInferenceComponentCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  waitUntilEndpointInService,
  type DescribeEndpointCommandOutput,
} from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, deleteComponent, echoComponent, setCopyCount, waitForEndpoint } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";

// UpdateEndpointWeightsAndCapacities lowering an instance-based variant under the copies of its inference
// components: refused when the copies cannot fit (0 instances while any copy is wanted, fewer than their
// needs take in sum), and where a drain still cannot finish, the endpoint goes back to InService and says
// why instead of staying Updating, so the count can be changed again. ml.g5.12xlarge: 4 accelerators each.

const fastWaiter = { minDelay: 1, maxDelay: 1, maxWaitTime: 60 };

describe("lowering a variant's instance count under its inference components' copies", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 0.5 } });
  });
  after(() => berth?.stop());

  const describeEndpoint = (name: string) => berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
  const setInstances = (name: string, count: number) =>
    berth.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: name,
        DesiredWeightsAndCapacities: [{ VariantName: "AllTraffic", DesiredInstanceCount: count }],
      }),
    );
  const variant = (d: DescribeEndpointCommandOutput) => d.ProductionVariants![0]!;
  const instances = async (name: string) => (await placement(berth.url, name)).map((i) => ({ id: i.instanceId, state: i.state, copies: i.copies }));
  const inServiceAt = async (name: string, count: number) => {
    assert.equal((await waitUntilEndpointInService({ client: berth.sagemaker, ...fastWaiter }, { EndpointName: name })).state, "SUCCESS");
    return eventually(
      async () => {
        const d = await describeEndpoint(name);
        const held = await instances(name);
        return d.EndpointStatus === "InService" && variant(d).CurrentInstanceCount === count && held.length === count ? d : undefined;
      },
      { what: `endpoint ${name} InService with ${count} instances` },
    );
  };

  for (const managed of [false, true]) {
    const how = managed ? "with managed instance scaling (MinInstanceCount 0)" : "with a fixed instance count";
    it(`${how}: refuses 0 instances while a component wants a copy; at 0 copies it goes to 0 instances and back`, async () => {
      const name = await createIcEndpoint(berth.sagemaker, {
        variant: managed ? { ManagedInstanceScaling: { Status: "ENABLED", MinInstanceCount: 0, MaxInstanceCount: 2 } } : {},
      });
      const ic = await createComponent(berth.sagemaker, echoComponent(name));

      await assert.rejects(setInstances(name, 0), (e: Error) => {
        assert.equal(e.name, "ValidationException");
        assert.match(
          e.message,
          new RegExp(`Variant 'AllTraffic' of endpoint '${name}' cannot go to 0 instances: its inference components still want copies \\(${ic}: 1 copy\\)`),
        );
        assert.match(e.message, /Scale those inference components to 0 copies \(UpdateInferenceComponentRuntimeConfig\) or delete them first/);
        return true;
      });
      const kept = await describeEndpoint(name);
      assert.equal(kept.EndpointStatus, "InService");
      assert.equal(variant(kept).DesiredInstanceCount, 1);
      assert.deepEqual(
        (await instances(name)).map((i) => i.state),
        ["InService"],
      );
      assert.equal((await invoke(berth.runtime, name, ic, "still served")).body, "still served");

      // With the component at 0 copies, 0 instances is allowed: the endpoint is InService with none.
      await setCopyCount(berth.sagemaker, ic, 0);
      await setInstances(name, 0);
      const empty = await inServiceAt(name, 0);
      assert.equal(variant(empty).DesiredInstanceCount, 0);
      assert.equal(empty.FailureReason, undefined);

      // And back: an instance, then the copy on it (managed instance scaling adds the instance for the copy itself).
      if (!managed) {
        await setInstances(name, 1);
        await inServiceAt(name, 1);
      }
      await setCopyCount(berth.sagemaker, ic, 1);
      await inServiceAt(name, 1);
      assert.equal((await invoke(berth.runtime, name, ic, "back")).body, "back");
    });
  }

  it("refuses fewer instances than the copies need in sum, saying how many they need", async () => {
    const name = await createIcEndpoint(berth.sagemaker, { instanceCount: 2 });
    const ic = await createComponent(berth.sagemaker, echoComponent(name, { copies: 2, accelerators: 4 }));
    await assert.rejects(setInstances(name, 1), (e: Error) => {
      assert.equal(e.name, "ValidationException");
      assert.match(
        e.message,
        new RegExp(
          `Variant 'AllTraffic' of endpoint '${name}' cannot go to 1 instance: the copies its inference components want \\(${ic}: 2 copies\\) need at least 2 instances ` +
            `\\(accelerator devices: 8 in all, 4 on each ml.g5.12xlarge instance\\)`,
        ),
      );
      return true;
    });
    const kept = await describeEndpoint(name);
    assert.equal(kept.EndpointStatus, "InService");
    assert.equal(variant(kept).DesiredInstanceCount, 2);
    assert.deepEqual(
      (await instances(name)).map((i) => i.state),
      ["InService", "InService"],
    );
  });

  it("when a drained instance's copies fit on no other instance, returns to InService saying so, and the count can change again", async () => {
    // 3 + 3 + 2 accelerators fit 2 instances in sum but pack onto none fewer than 3: whichever instance drains keeps its copy.
    const name = await createIcEndpoint(berth.sagemaker, { instanceCount: 3 });
    const big = await createComponent(berth.sagemaker, echoComponent(name, { accelerators: 3 }));
    const other = await createComponent(berth.sagemaker, echoComponent(name, { accelerators: 3 }));
    const small = await createComponent(berth.sagemaker, echoComponent(name, { accelerators: 2 }));
    const before = (await instances(name)).map((i) => i.id).sort();

    await setInstances(name, 2);
    const stuck = await eventually(
      async () => {
        const d = await describeEndpoint(name);
        return d.EndpointStatus === "InService" && d.FailureReason ? d : undefined;
      },
      { what: `endpoint ${name} back InService with a FailureReason` },
    );
    const draining = (await instances(name)).find((i) => i.state === "Draining");
    assert.ok(draining, "one instance is still draining");
    const held = draining.copies.filter((c) => c.state === "Active").map((c) => c.owner);
    assert.equal(held.length, 1);
    assert.equal(
      stuck.FailureReason,
      `Cannot release instance ${draining.id} of variant AllTraffic: no other instance has room for its copies of ${held[0]}, so it keeps serving them. ` +
        `Raise the variant's DesiredInstanceCount to 3 to keep it, or scale those inference components down or delete them.`,
    );
    assert.equal(variant(stuck).DesiredInstanceCount, 2);
    assert.equal(variant(stuck).CurrentInstanceCount, 2);
    for (const ic of [big, other, small]) {
      const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: ic }));
      assert.equal(d.InferenceComponentStatus, "InService");
      assert.equal((await invoke(berth.runtime, name, ic, `from ${ic}`)).body, `from ${ic}`);
    }

    // Raising the count again takes the draining instance back into service: no instance is launched.
    await setInstances(name, 3);
    const kept = await inServiceAt(name, 3);
    assert.equal(kept.FailureReason, undefined);
    assert.deepEqual((await instances(name)).map((i) => i.id).sort(), before);

    // Lowered again, the drain waits for the copy as before; deleting its component lets the instance go.
    await setInstances(name, 2);
    await eventually(
      async () => {
        const d = await describeEndpoint(name);
        return d.EndpointStatus === "InService" && d.FailureReason?.startsWith("Cannot release instance") ? true : undefined;
      },
      { what: `endpoint ${name} InService and saying which instance cannot be released` },
    );
    const again = (await instances(name)).find((i) => i.state === "Draining")!;
    await deleteComponent(berth.sagemaker, again.copies.find((c) => c.state === "Active")!.owner);
    const smaller = await eventually(
      async () => {
        const d = await describeEndpoint(name);
        return d.EndpointStatus === "InService" && d.FailureReason === undefined && (await instances(name)).length === 2 ? d : undefined;
      },
      { what: `endpoint ${name} InService on 2 instances, its FailureReason gone` },
    );
    assert.equal(variant(smaller).CurrentInstanceCount, 2);
    await waitForEndpoint(berth.sagemaker, name, "InService");
  });
});
