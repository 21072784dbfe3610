import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DescribeInferenceComponentCommand, UpdateInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, waitForComponent } from "../support/fixtures.js";
import { steadyLoad } from "../support/load.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";
import { copiesStopped, copyPeaks } from "../support/copy-history.js";

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
    const load = steadyLoad(berth.runtime, endpoint, name, { workers: 3, maxMs: 300_000 });
    await eventually(async () => (load.samples.length >= 10 ? true : undefined), { what: "the steady load to get 10 answers before the update" });
    let seen = "";
    const watching = eventually(
      async () => {
        const copies = (await placement(berth.url, endpoint)).flatMap((i) => i.copies).filter((c) => c.owner === name);
        const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
        seen = `${d.InferenceComponentStatus}, copies ${copies.map((c) => c.copyId).join(" ")}`;
        return d.InferenceComponentStatus === "InService" &&
          d.Specification?.Container?.Environment?.MODEL_VERSION === "2" &&
          copies.every((c) => ordinal(c.copyId) > 4)
          ? d
          : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 50, what: () => `the update to replace all four copies (last seen: ${seen})` },
    );
    await berth.sagemaker.send(
      new UpdateInferenceComponentCommand({
        InferenceComponentName: name,
        Specification: { ...echoComponent(endpoint, { env: { MODEL_VERSION: "2" } }).Specification },
        DeploymentConfig: { RollingUpdatePolicy: { MaximumBatchSize: { Type: "COPY_COUNT", Value: 1 }, WaitIntervalInSeconds: 30 } },
      }),
    );
    const updating = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
    assert.equal(updating.InferenceComponentStatus, "Updating");
    let done: Awaited<typeof watching>;
    try {
      done = await watching;
      // Requests sent before the last old copy left may still finish after it; then only new copies answer.
      await eventually(
        async () => {
          const served = load.samples.filter((s) => s.copy).map((s) => ordinal(s.copy!));
          return served.slice(-5).every((o) => o > 4) && new Set(served.filter((o) => o > 4)).size === 4 ? true : undefined;
        },
        { what: "the load to be answered by the four new copies only" },
      );
    } finally {
      await load.stop();
    }
    const samples = load.samples;
    const old = [1, 2, 3, 4].map((n) => `${name}-${n}`);
    await eventually(async () => (copiesStopped(berth.logs, old) ? true : undefined), { what: `the server to log that ${old.join(", ")} stopped` });
    // A replaced copy may still drain (finish its requests) while the next batch starts: only active copies count.
    const peakCopies = copyPeaks(berth.logs, name).active;
    assert.deepEqual(
      samples.filter((s) => s.error).map((s) => s.error),
      [],
      "no request failed during the update",
    );
    assert.deepEqual(done.LastDeploymentConfig?.RollingUpdatePolicy?.MaximumBatchSize, { Type: "COPY_COUNT", Value: 1 });
    assert.ok(peakCopies <= 5, `at most one batch of extra active copies at any moment (saw ${peakCopies} copies for 4 wanted)`);
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
    const rolledBack = await waitForComponent(berth.sagemaker, name, "InService", 90_000).finally(() => load.stop());
    const samples = load.samples;
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
    let copies: string[] = [];
    await eventually(
      async () => {
        copies = (await placement(berth.url, endpoint))
          .flatMap((i) => i.copies)
          .filter((c) => c.owner === name)
          .map((c) => c.copyId)
          .sort();
        return copies.length === 2 ? true : undefined;
      },
      { what: () => `the new copy to be removed after the rollback (copies: ${copies.join(", ")})` },
    );
    assert.deepEqual(copies, [`${name}-1`, `${name}-2`]);
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
    await waitForComponent(berth.sagemaker, name, "InService", 90_000);
  });

  it("updates blue/green without a deployment config: the full new set first, then the old drains", async () => {
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 2 }));
    const load = steadyLoad(berth.runtime, endpoint, name, { maxMs: 300_000 });
    await berth.sagemaker.send(
      new UpdateInferenceComponentCommand({
        InferenceComponentName: name,
        Specification: echoComponent(endpoint, { env: { ECHO_STARTUP_MS: "300" } }).Specification,
      }),
    );
    const done = await waitForComponent(berth.sagemaker, name, "InService", 90_000);
    await eventually(async () => (load.samples.slice(-3).every((s) => s.copy && ordinal(s.copy) > 2) ? true : undefined), {
      what: "the load to be answered by the new copies only",
    }).finally(() => load.stop());
    const samples = load.samples;
    const old = [`${name}-1`, `${name}-2`];
    await eventually(async () => (copiesStopped(berth.logs, old) ? true : undefined), { what: `the server to log that ${old.join(", ")} stopped` });
    const peak = copyPeaks(berth.logs, name).present;
    assert.equal(done.LastDeploymentConfig, undefined);
    assert.equal(peak, 4, "blue/green runs the whole new set beside the old one");
    assert.deepEqual(
      samples.filter((s) => s.error),
      [],
    );
    assert.ok(samples.slice(-3).every((s) => ordinal(s.copy!) > 2));
  });
});
