import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DescribeInferenceComponentCommand, UpdateInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import type { BerthProcess } from "../support/berth-process.js";
import { contractImage, containersLabelled } from "../support/container-images.js";
import {
  ask,
  containerSpecification,
  createContainerComponent,
  createContainerModel,
  startContainerServer,
  stopContainerServer,
} from "../support/container-models.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";

const ordinal = (copy: string) => Number(copy.slice(copy.lastIndexOf("-") + 1));

describe("a rolling update from one container image to another", () => {
  let berth: BerthProcess;
  let endpoint: string;
  before(
    async () =>
      ({ berth, endpoint } = await startContainerServer({
        config: { scalingPeriodSeconds: 1 },
        variant: { RoutingConfig: { RoutingStrategy: "LEAST_OUTSTANDING_REQUESTS" } },
      })),
  );
  after(() => stopContainerServer(berth, endpoint));

  it("moves a component from a model on image v1 to a model on image v2 under load, failing no request", async () => {
    const { name } = await createContainerComponent(berth.sagemaker, endpoint, { image: contractImage.v1, copies: 2 });
    const modelV2 = await createContainerModel(berth.sagemaker, { image: contractImage.v2 });

    // Steady traffic from three workers, each answer noting the image version and copy that served it.
    const samples: { version?: string; copy?: string; error?: string }[] = [];
    let stopped = false;
    const deadline = Date.now() + 300_000;
    const worker = async () => {
      while (!stopped && Date.now() < deadline) {
        try {
          const answer = await ask(berth.runtime, endpoint, name, { env: ["BERTH_COPY_ID"] });
          samples.push({ version: answer.version, copy: answer.env.BERTH_COPY_ID });
        } catch (error) {
          samples.push({ error: `${(error as Error).name}: ${(error as Error).message}` });
        }
      }
    };
    const load = Promise.all([worker(), worker(), worker()]);
    try {
      await eventually(async () => (samples.length >= 10 ? true : undefined), { what: "the load to get 10 answers before the update" });
      await berth.sagemaker.send(
        new UpdateInferenceComponentCommand({
          InferenceComponentName: name,
          Specification: containerSpecification(modelV2, {}),
          RuntimeConfig: { CopyCount: 2 },
          DeploymentConfig: { RollingUpdatePolicy: { MaximumBatchSize: { Type: "COPY_COUNT", Value: 1 }, WaitIntervalInSeconds: 5 } },
        }),
      );
      let seen = "";
      await eventually(
        async () => {
          const copies = (await placement(berth.url, endpoint)).flatMap((i) => i.copies).filter((c) => c.owner === name);
          const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
          seen = `${d.InferenceComponentStatus} on ${d.Specification?.ModelName}, copies ${copies.map((c) => `${c.copyId}:${c.phase}`).join(" ")}`;
          return d.InferenceComponentStatus === "InService" &&
            d.Specification?.ModelName === modelV2 &&
            copies.length === 2 &&
            copies.every((c) => ordinal(c.copyId) > 2)
            ? true
            : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 100, what: () => `the update to replace both copies (last seen: ${seen})` },
      );
      // Requests sent before the last old copy left may finish after it; then only v2 answers.
      await eventually(async () => (samples.length >= 10 && samples.slice(-10).every((s) => s.version === "v2") ? true : undefined), {
        timeoutMs: 60_000,
        what: "the last 10 answers to come from image v2",
      });
    } finally {
      stopped = true;
      await load;
    }
    assert.deepEqual(
      samples.filter((s) => s.error).map((s) => s.error),
      [],
      "no request failed during the update",
    );
    const versions = samples.map((s) => s.version);
    const firstV2 = versions.indexOf("v2");
    assert.ok(firstV2 > 0, "v1 answered before the update");
    assert.ok(
      versions.slice(firstV2).some((v) => v === "v1"),
      "old and new copies served side by side during the update",
    );
    assert.deepEqual(new Set(versions), new Set(["v1", "v2"]));
    // The containers of the old copies are gone; those left run image v2.
    await eventually(
      async () => {
        const containers = await containersLabelled(`berth.component=${name}`);
        return containers.length === 2 && containers.every((c) => ordinal(c.labels["berth.copy"] ?? "") > 2) ? true : undefined;
      },
      { what: `only the two new copies' containers of ${name} to remain` },
    );
  });
});
