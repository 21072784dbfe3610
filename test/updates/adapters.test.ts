import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import {
  CreateInferenceComponentCommand,
  DeleteInferenceComponentCommand,
  DescribeInferenceComponentCommand,
  UpdateInferenceComponentRuntimeConfigCommand,
} from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName, waitForComponent } from "../support/fixtures.js";
import { copyOf, invoke } from "../support/invoke.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";

const demoAdapter = fileURLToPath(new URL("../../../models/adapters/berth-demo-lora", import.meta.url));

describe("adapter inference components", () => {
  let berth: BerthProcess;
  let endpoint: string;
  let base: string;
  let adapter: string;
  before(async () => {
    berth = await startBerth();
    endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
    base = await createComponent(berth.sagemaker, echoComponent(endpoint, { image: "berth/llm", accelerators: 1, cpu: 1, memory: 1024 }));
    adapter = uniqueName("lora");
    await berth.sagemaker.send(
      new CreateInferenceComponentCommand({
        InferenceComponentName: adapter,
        EndpointName: endpoint,
        Specification: { BaseInferenceComponentName: base, Container: { ArtifactUrl: demoAdapter } },
      }),
    );
    await waitForComponent(berth.sagemaker, adapter, "InService");
  });
  after(async () => {
    await berth.stop();
  });

  const prompt = JSON.stringify({ inputs: "def add(a, b):", parameters: { max_new_tokens: 16, temperature: 0 } });

  it("serves the adapter from the base's copies, with output that differs from the base's", async () => {
    const fromBase = await invoke(berth.runtime, endpoint, base, prompt);
    const fromAdapter = await invoke(berth.runtime, endpoint, adapter, prompt);
    const text = (answer: { body: string }) => (JSON.parse(answer.body) as { generated_text: string }[])[0]!.generated_text;
    assert.notEqual(text(fromAdapter), text(fromBase));
    assert.equal(copyOf(fromAdapter.customAttributes), `${base}-1`, "a copy of the base answered");
    assert.match(fromAdapter.customAttributes ?? "", /adapter=/);
    const again = await invoke(berth.runtime, endpoint, base, prompt);
    assert.equal(text(again), text(fromBase), "the base's own output is unchanged");
    const described = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: adapter }));
    assert.equal(described.Specification!.BaseInferenceComponentName, base);
    assert.equal(described.RuntimeConfig, undefined, "an adapter has no copies of its own");
    const [instance] = await placement(berth.url, endpoint);
    assert.equal(instance!.copies.length, 1, "the adapter reserves nothing");
  });

  it("follows the base when it scales out", async () => {
    await berth.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: base, DesiredRuntimeConfig: { CopyCount: 2 } }));
    await waitForComponent(berth.sagemaker, base, "InService");
    const served = await eventually(async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) seen.add(copyOf((await invoke(berth.runtime, endpoint, adapter, prompt)).customAttributes));
      return seen.size === 2 ? seen : undefined;
    });
    assert.deepEqual([...served].sort(), [`${base}-1`, `${base}-2`]);
  });

  it("refuses to delete a base that still has adapters, then deletes both in order", async () => {
    await assert.rejects(berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: base })), {
      name: "ValidationException",
      message: new RegExp(`is a base inference component for one or more associated adapter inference components \\(${adapter}\\)`),
    });
    await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: adapter }));
    await eventually(async () => {
      try {
        await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: adapter }));
        return undefined;
      } catch {
        return true;
      }
    });
    await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: base }));
  });

  it("refuses an adapter that names compute needs or a missing base", async () => {
    await assert.rejects(
      berth.sagemaker.send(
        new CreateInferenceComponentCommand({
          InferenceComponentName: uniqueName("bad-adapter"),
          EndpointName: endpoint,
          Specification: { BaseInferenceComponentName: "no-such-base", Container: { ArtifactUrl: demoAdapter } },
        }),
      ),
      { name: "ValidationException", message: 'Could not find inference component "no-such-base".' },
    );
  });
});
