import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CreateEndpointConfigCommand,
  CreateInferenceComponentCommand,
  CreateModelCommand,
  DescribeEndpointConfigCommand,
  DescribeInferenceComponentCommand,
  DescribeModelCommand,
  ListInferenceComponentsCommand,
  ListModelsCommand,
  UpdateInferenceComponentRuntimeConfigCommand,
} from "@aws-sdk/client-sagemaker";
import { newDataDir, startBerth } from "../support/berth-process.js";
import { createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { eventually } from "../support/wait.js";

describe("durability across kill -9", () => {
  it("finds every acknowledged change whole after the server is killed mid-stream, and nothing half-written", async () => {
    const dataDir = newDataDir();
    const first = await startBerth({ dataDir });
    const endpoint = await createIcEndpoint(first.sagemaker, { instanceType: "ml.g5.48xlarge" });
    const component = "durable-ic";
    await first.sagemaker.send(new CreateInferenceComponentCommand(echoComponent(endpoint, { name: component, copies: 0 })));

    const ackedModels: string[] = [];
    const ackedConfigs: string[] = [];
    let ackedCopyCount = 0;
    /** A copy count sent but not yet acknowledged when the server died may or may not have been written. */
    let pendingCopyCount: number | undefined;
    let stop = false;
    const writer = async (id: number) => {
      for (let i = 0; !stop; i++) {
        const name = `m-${id}-${i}`;
        try {
          await first.sagemaker.send(
            new CreateModelCommand({ ModelName: name, PrimaryContainer: { Image: "berth/echo", Environment: { WRITER: String(id), SEQ: String(i) } } }),
          );
          ackedModels.push(name);
          await first.sagemaker.send(
            new CreateEndpointConfigCommand({
              EndpointConfigName: `c-${id}-${i}`,
              ProductionVariants: [{ VariantName: "v", InstanceType: "ml.g5.xlarge", InitialInstanceCount: 1 + (i % 3) }],
            }),
          );
          ackedConfigs.push(`c-${id}-${i}`);
          if (id === 0) {
            const count = (i % 5) + 1;
            pendingCopyCount = count;
            await first.sagemaker.send(
              new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: component, DesiredRuntimeConfig: { CopyCount: count } }),
            );
            ackedCopyCount = count;
            pendingCopyCount = undefined;
          }
        } catch {
          return;
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    // The kill lands while the writers are mid-stream, after a number of acknowledged writes, however slow the machine.
    await eventually(async () => (ackedModels.length >= 24 && ackedConfigs.length >= 12 && ackedCopyCount > 0 ? true : undefined), {
      timeoutMs: 60_000,
      what: () => `24 acknowledged models, 12 configs and a copy count before the kill (got ${ackedModels.length}, ${ackedConfigs.length}, ${ackedCopyCount})`,
    });
    await first.kill();
    stop = true;
    await Promise.all(writers);

    const second = await startBerth({ dataDir });
    try {
      for (const name of ackedModels) {
        const [, writerId, seq] = name.split("-");
        const model = await second.sagemaker.send(new DescribeModelCommand({ ModelName: name }));
        assert.deepEqual(model.PrimaryContainer, { Image: "berth/echo", Environment: { WRITER: writerId, SEQ: seq } });
      }
      for (const name of ackedConfigs) {
        const config = await second.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
        assert.equal(config.ProductionVariants!.length, 1);
      }
      const models = (await second.sagemaker.send(new ListModelsCommand({ MaxResults: 100, NameContains: "m-" }))).Models!;
      for (const summary of models) {
        const model = await second.sagemaker.send(new DescribeModelCommand({ ModelName: summary.ModelName }));
        assert.equal(model.PrimaryContainer!.Image, "berth/echo", "any model that exists, acknowledged or not, is whole");
      }
      const ic = await second.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: component }));
      const possible = pendingCopyCount === undefined ? [ackedCopyCount] : [ackedCopyCount, pendingCopyCount];
      assert.ok(
        possible.includes(ic.RuntimeConfig!.DesiredCopyCount!),
        `the copy count is the last acknowledged one or the one in flight at the kill (${possible.join(" or ")}), not ${ic.RuntimeConfig!.DesiredCopyCount}`,
      );
      const listed = await second.sagemaker.send(new ListInferenceComponentsCommand({ EndpointNameEquals: endpoint }));
      assert.deepEqual(
        listed.InferenceComponents!.map((c) => c.InferenceComponentName),
        [component],
      );
    } finally {
      await second.stop();
    }
  });
});
