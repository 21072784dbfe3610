import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  DescribeEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  waitUntilEndpointInService,
  type DescribeEndpointCommandOutput,
} from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";

// UpdateEndpointWeightsAndCapacities raising DesiredInstanceCount on a variant with managed instance scaling
// was acknowledged, then undone in the next controller pass: managed scaling kept "the instances that exist"
// (1), so the endpoint went back to InService with DesiredInstanceCount 1 and no instance was ever launched.
// Now the raise stands: the instances launch and serve, and managed scaling releases them, as any instance,
// once they have held no copy for instanceIdleReleaseSeconds.

const fastWaiter = { minDelay: 1, maxDelay: 1, maxWaitTime: 60 };

describe("a raised instance count on a variant with managed instance scaling", () => {
  let berth: BerthProcess;
  before(async () => {
    // 600 API seconds of idle delay are 10 real seconds here.
    berth = await startBerth({ config: { scalingPeriodSeconds: 1, instanceIdleReleaseSeconds: 600 } });
  });
  after(() => berth?.stop());

  const variant = (d: DescribeEndpointCommandOutput) => d.ProductionVariants![0]!;
  const describeEndpoint = (name: string) => berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));

  it("launches the instances asked for, then releases the idle ones after the idle delay", async () => {
    const name = await createIcEndpoint(berth.sagemaker, {
      variant: { ManagedInstanceScaling: { Status: "ENABLED", MinInstanceCount: 1, MaxInstanceCount: 3 } },
    });
    await createComponent(berth.sagemaker, echoComponent(name, { accelerators: 0 }));
    await berth.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: name,
        DesiredWeightsAndCapacities: [{ VariantName: "AllTraffic", DesiredInstanceCount: 3 }],
      }),
    );
    assert.equal((await waitUntilEndpointInService({ client: berth.sagemaker, ...fastWaiter }, { EndpointName: name })).state, "SUCCESS");
    const raised = await describeEndpoint(name);
    assert.equal(variant(raised).DesiredInstanceCount, 3, "the acknowledged count stands");
    assert.equal(variant(raised).CurrentInstanceCount, 3, "and serves");
    assert.equal((await placement(berth.url, name)).length, 3);

    // The two instances that hold no copy are released once idle for the delay, down to MinInstanceCount.
    const released = await eventually(
      async () => {
        const d = await describeEndpoint(name);
        return d.EndpointStatus === "InService" && variant(d).DesiredInstanceCount === 1 && variant(d).CurrentInstanceCount === 1 ? d : undefined;
      },
      { timeoutMs: 60_000, what: `endpoint ${name} to release its idle instances` },
    );
    assert.equal(released.FailureReason, undefined);
    assert.equal((await placement(berth.url, name)).length, 1);
  });
});
