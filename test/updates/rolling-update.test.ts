import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DescribeInferenceComponentCommand, UpdateInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, waitForComponent } from "../support/fixtures.js";
import { steadyLoad } from "../support/load.js";
import { placement } from "../support/placement.js";

const ordinal = (copy: string) => Number(copy.slice(copy.lastIndexOf("-") + 1));

describe("rolling updates of inference components", () => {
  let berth: BerthProcess;
  let endpoint: string;
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 1 } });
    endpoint = await createIcEndpoint(berth.sagemaker, {
      instanceType: "ml.g5.48xlarge",
      variant: { RoutingConfig: { RoutingStrategy: "LEAST_OUTSTANDING_REQUESTS" } },
    });
  });
  after(async () => {
    await berth.stop();
  });

  it("replaces copies batch by batch under steady load without failing a request", async () => {
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 4, env: { MODEL_VERSION: "1" } }));
    const load = steadyLoad(berth.runtime, endpoint, name, { workers: 3 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    let peakCopies = 0;
    const watching = (async () => {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
        const copies = (await placement(berth.url, endpoint)).flatMap((i) => i.copies).filter((c) => c.owner === name);
        peakCopies = Math.max(peakCopies, copies.length);
        const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
        if (
          d.InferenceComponentStatus === "InService" &&
          d.Specification?.Container?.Environment?.MODEL_VERSION === "2" &&
          copies.every((c) => ordinal(c.copyId) > 4)
        )
          return d;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error("the update did not complete within 30 s");
    })();
    await berth.sagemaker.send(
      new UpdateInferenceComponentCommand({
        InferenceComponentName: name,
        Specification: { ...echoComponent(endpoint, { env: { MODEL_VERSION: "2" } }).Specification },
        DeploymentConfig: { RollingUpdatePolicy: { MaximumBatchSize: { Type: "COPY_COUNT", Value: 1 }, WaitIntervalInSeconds: 30 } },
      }),
    );
    const updating = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
    assert.equal(updating.InferenceComponentStatus, "Updating");
    const done = await watching;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const samples = await load.stop();
    assert.deepEqual(
      samples.filter((s) => s.error).map((s) => s.error),
      [],
      "no request failed during the update",
    );
    assert.ok(samples.length > 50, `steady load kept flowing (${samples.length} requests)`);
    assert.deepEqual(done.LastDeploymentConfig?.RollingUpdatePolicy?.MaximumBatchSize, { Type: "COPY_COUNT", Value: 1 });
    assert.ok(peakCopies <= 5, `at most one batch of extra copies at any moment (saw ${peakCopies} copies for 4 wanted)`);
    // Responses move from old to new copies: once a new copy answers, old and new mix, then only new ones answer.
    const served = samples.map((s) => ordinal(s.copy!));
    const firstNew = served.findIndex((o) => o > 4);
    const lastOld = served.length - 1 - [...served].reverse().findIndex((o) => o <= 4);
    assert.ok(firstNew > 0 && lastOld > firstNew, "old and new copies both served during the update");
    assert.ok(
      served.slice(-5).every((o) => o > 4),
      "only new copies serve at the end",
    );
    const newCopiesSeenOverTime = new Set<number>();
    let batches = 0;
    for (const o of served) {
      if (o > 4 && !newCopiesSeenOverTime.has(o)) {
        newCopiesSeenOverTime.add(o);
        batches++;
      }
    }
    assert.equal(batches, 4, "four new copies came into service, one batch at a time");
  });
});

describe("updates that roll back or switch whole fleets", () => {
  let berth: BerthProcess;
  let endpoint: string;
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 1 } });
    endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.48xlarge" });
  });
  after(async () => {
    await berth.stop();
  });

  it("rolls back by itself when the new copies never pass /ping, and no request fails", async () => {
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 2, env: { MODEL_VERSION: "1" } }));
    const load = steadyLoad(berth.runtime, endpoint, name, { workers: 2 });
    await berth.sagemaker.send(
      new UpdateInferenceComponentCommand({
        InferenceComponentName: name,
        Specification: { ...echoComponent(endpoint, { env: { MODEL_VERSION: "2", ECHO_FAIL_PING: "true" } }).Specification },
        // 600 API seconds last 10 s at a 1 s scaling period.
        DeploymentConfig: {
          RollingUpdatePolicy: { MaximumBatchSize: { Type: "COPY_COUNT", Value: 1 }, WaitIntervalInSeconds: 0, MaximumExecutionTimeoutInSeconds: 600 },
        },
      }),
    );
    const rolledBack = await waitForComponent(berth.sagemaker, name, "InService", 30_000);
    const samples = await load.stop();
    assert.match(rolledBack.FailureReason ?? "", /^The update was rolled back: the update did not finish within MaximumExecutionTimeoutInSeconds/);
    assert.equal(rolledBack.Specification?.Container?.Environment?.MODEL_VERSION, "1", "Describe shows the previous specification again");
    assert.deepEqual(
      samples.filter((s) => s.error).map((s) => s.error),
      [],
    );
    assert.ok(
      samples.every((s) => ordinal(s.copy!) <= 2),
      "only old copies ever answered",
    );
    const copies = (await placement(berth.url, endpoint)).flatMap((i) => i.copies).filter((c) => c.owner === name);
    assert.deepEqual(copies.map((c) => c.copyId).sort(), [`${name}-1`, `${name}-2`]);
  });

  it("refuses an update while another runs, a deployment config alone, and a batch over half the copies", async () => {
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 2 }));
    await assert.rejects(
      berth.sagemaker.send(
        new UpdateInferenceComponentCommand({
          InferenceComponentName: name,
          DeploymentConfig: { RollingUpdatePolicy: { MaximumBatchSize: { Type: "COPY_COUNT", Value: 1 }, WaitIntervalInSeconds: 0 } },
        }),
      ),
      { name: "ValidationException", message: /changes nothing: set Specification or RuntimeConfig/ },
    );
    await assert.rejects(
      berth.sagemaker.send(
        new UpdateInferenceComponentCommand({
          InferenceComponentName: name,
          Specification: echoComponent(endpoint).Specification,
          DeploymentConfig: { RollingUpdatePolicy: { MaximumBatchSize: { Type: "COPY_COUNT", Value: 2 }, WaitIntervalInSeconds: 0 } },
        }),
      ),
      { name: "ValidationException", message: /MaximumBatchSize .* is 2 copies, more than half of its 2 copies/ },
    );
    await berth.sagemaker.send(
      new UpdateInferenceComponentCommand({
        InferenceComponentName: name,
        Specification: echoComponent(endpoint, { env: { ECHO_STARTUP_MS: "1500" } }).Specification,
        DeploymentConfig: { RollingUpdatePolicy: { MaximumBatchSize: { Type: "CAPACITY_PERCENT", Value: 50 }, WaitIntervalInSeconds: 0 } },
      }),
    );
    await assert.rejects(berth.sagemaker.send(new UpdateInferenceComponentCommand({ InferenceComponentName: name, RuntimeConfig: { CopyCount: 3 } })), {
      name: "ValidationException",
      message: /while it is in state UPDATE_IN_PROGRESS/,
    });
    await waitForComponent(berth.sagemaker, name, "InService", 30_000);
  });

  it("updates blue/green without a deployment config: the full new set first, then the old drains", async () => {
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 2 }));
    let peak = 0;
    let stop = false;
    const watcher = (async () => {
      while (!stop) {
        peak = Math.max(peak, (await placement(berth.url, endpoint)).flatMap((i) => i.copies).filter((c) => c.owner === name).length);
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    })();
    const load = steadyLoad(berth.runtime, endpoint, name);
    await berth.sagemaker.send(
      new UpdateInferenceComponentCommand({
        InferenceComponentName: name,
        Specification: echoComponent(endpoint, { env: { ECHO_STARTUP_MS: "300" } }).Specification,
      }),
    );
    const done = await waitForComponent(berth.sagemaker, name, "InService", 30_000);
    stop = true;
    await watcher;
    const samples = await load.stop();
    assert.equal(done.LastDeploymentConfig, undefined);
    assert.equal(peak, 4, "blue/green runs the whole new set beside the old one");
    assert.deepEqual(
      samples.filter((s) => s.error),
      [],
    );
    assert.ok(samples.slice(-3).every((s) => ordinal(s.copy!) > 2));
  });
});
