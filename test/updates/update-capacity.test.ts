import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DescribeEndpointCommand, DescribeInferenceComponentCommand, UpdateInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, waitForComponent } from "../support/fixtures.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";

const rolling = {
  RollingUpdatePolicy: { MaximumBatchSize: { Type: "COPY_COUNT" as const, Value: 1 }, WaitIntervalInSeconds: 0, MaximumExecutionTimeoutInSeconds: 600 },
};

describe("capacity during a rolling update", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 0.5 } });
  });
  after(async () => {
    await berth.stop();
  });

  it("waits with a clear status when the next batch does not fit, and never stops an old copy to make room", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.xlarge", instanceCount: 1 });
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 1, accelerators: 1, cpu: 1 }));
    await berth.sagemaker.send(
      new UpdateInferenceComponentCommand({
        InferenceComponentName: name,
        Specification: echoComponent(endpoint, { accelerators: 1, cpu: 1, env: { V: "2" } }).Specification,
        DeploymentConfig: rolling,
      }),
    );
    const waiting = await eventually(async () => {
      const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
      return d.FailureReason ? d : undefined;
    });
    assert.equal(waiting.InferenceComponentStatus, "Updating");
    assert.match(waiting.FailureReason!, /The update is waiting for capacity for its next batch: 1 of 1 copy cannot be placed: accelerator devices short by 1/);
    const copies = (await placement(berth.url, endpoint)).flatMap((i) => i.copies);
    assert.deepEqual(
      copies.map((c) => [c.copyId, c.state]),
      [[`${name}-1`, "Active"]],
      "the old copy keeps serving",
    );
    const rolledBack = await waitForComponent(berth.sagemaker, name, "InService", 20_000);
    assert.match(rolledBack.FailureReason!, /did not finish within MaximumExecutionTimeoutInSeconds/);
  });

  it("adds an instance through managed instance scaling when the batch needs one, then releases it", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, {
      instanceType: "ml.g5.xlarge",
      instanceCount: 1,
      variant: { ManagedInstanceScaling: { Status: "ENABLED", MinInstanceCount: 1, MaxInstanceCount: 2 } },
    });
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 1, accelerators: 1, cpu: 1 }));
    await berth.sagemaker.send(
      new UpdateInferenceComponentCommand({
        InferenceComponentName: name,
        Specification: echoComponent(endpoint, { accelerators: 1, cpu: 1, env: { V: "2" } }).Specification,
        DeploymentConfig: rolling,
      }),
    );
    let peakInstances = 0;
    const done = await eventually(
      async () => {
        peakInstances = Math.max(peakInstances, (await placement(berth.url, endpoint)).length);
        const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
        return d.InferenceComponentStatus === "InService" ? d : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 30 },
    );
    assert.equal(done.FailureReason, undefined);
    assert.equal(peakInstances, 2, "one extra instance for the one extra copy");
    await eventually(
      async () => {
        const d = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
        return d.ProductionVariants![0]!.CurrentInstanceCount === 1 ? true : undefined;
      },
      { timeoutMs: 20_000, what: "the spare instance to be released after the idle delay" },
    );
  });
});
