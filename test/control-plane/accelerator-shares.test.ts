import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import {
  AddTagsCommand,
  CreateInferenceComponentCommand,
  DeleteTagsCommand,
  DescribeInferenceComponentCommand,
  ListTagsCommand,
  UpdateInferenceComponentCommand,
  type CreateInferenceComponentCommandInput,
} from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName, waitForComponent } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";
import { berthCli } from "../security/keys-cli.js";

const envServer = fileURLToPath(new URL("../../../test/fixtures/env-server.mjs", import.meta.url));

/** A component of the env-reporting image asking for `memory` MiB (and maybe a compute percent) of one accelerator. */
function shareComponent(
  endpoint: string,
  memory: string,
  options: { compute?: string; accelerators?: number; name?: string } = {},
): CreateInferenceComponentCommandInput {
  const input = echoComponent(endpoint, { name: options.name, image: "test/env", accelerators: options.accelerators ?? 1 });
  const tags = [
    { Key: "berth:AcceleratorMemoryRequiredInMb", Value: memory },
    { Key: "team", Value: "search" },
  ];
  if (options.compute !== undefined) tags.push({ Key: "berth:AcceleratorComputePercent", Value: options.compute });
  return { ...input, Tags: tags };
}

describe("fractional accelerators", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth({
      config: { images: { "test/env": { command: [process.execPath, envServer] } }, copies: { mps: "on" } },
    });
  });
  after(async () => {
    await berth.stop();
  });

  it("puts two half-device copies on one device with the same CUDA_VISIBLE_DEVICES, and refuses a third naming the device-memory shortfall", async () => {
    // ml.g5.xlarge: one A10G of 24 GiB (24576 MiB), modelled from the catalog.
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.xlarge" });
    const first = await createComponent(berth.sagemaker, shareComponent(endpoint, "12288", { compute: "50" }));
    const second = await createComponent(berth.sagemaker, shareComponent(endpoint, "12288", { compute: "50" }));

    const [instance] = await placement(berth.url, endpoint);
    const device = instance!.devices[0]!;
    assert.deepEqual(
      device.shares?.map((s) => [s.copyId, s.memoryMiB, s.computePercent]),
      [
        [`${first}-1`, 12288, 50],
        [`${second}-1`, 12288, 50],
      ],
    );
    assert.equal(device.freeMemoryMiB, 0);
    assert.equal(device.heldBy, undefined);
    assert.equal(instance!.free.accelerators, 0, "a shared device is not free for a whole-device copy");
    for (const copy of instance!.copies) assert.deepEqual([copy.devices, copy.share?.memoryMiB], [[0], 12288]);
    const cli = berthCli(["instances", "--url", berth.url, "--endpoint", endpoint, "--data-dir", berth.dataDir]);
    assert.equal(cli.status, 0, cli.stderr);
    assert.ok(cli.stdout.includes(`  device 0 (A10G, 24576 MiB): 0 MiB free; shared by ${first}-1 12288 MiB 50%, ${second}-1 12288 MiB 50%\n`), cli.stdout);
    assert.match(cli.stdout, new RegExp(`${first}-1 +\\w+ +Active +12288 MiB of device 0 cpu 1`));

    for (const name of [first, second]) {
      const { env } = JSON.parse((await invoke(berth.runtime, endpoint, name, "{}")).body) as { env: Record<string, string> };
      assert.equal(env.CUDA_VISIBLE_DEVICES, "0");
      assert.equal(env.BERTH_ACCELERATOR_MEMORY_MB, "12288");
      assert.equal(env.BERTH_ACCELERATOR_MEMORY_FRACTION, "0.5");
      assert.equal(env.BERTH_ACCELERATOR_COMPUTE_PERCENT, "50");
      assert.equal(env.CUDA_MPS_PINNED_DEVICE_MEM_LIMIT, "0=12288M", "copies.mps: on");
      assert.equal(env.CUDA_MPS_ACTIVE_THREAD_PERCENTAGE, "50");
    }

    const third = await createComponent(berth.sagemaker, shareComponent(endpoint, "12288"), null);
    const refused = await eventually(
      async () => {
        const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: third }));
        return d.FailureReason ? d : undefined;
      },
      { what: "the third component's FailureReason" },
    );
    assert.equal(refused.InferenceComponentStatus, "Creating");
    assert.match(
      refused.FailureReason!,
      /1 of 1 copy cannot be placed: needs 12288 MiB of accelerator memory on one device; the most free on any ml\.g5\.xlarge device is 0 MiB/,
    );
  });

  it("has managed instance scaling add an instance when the shares outgrow one device", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, {
      instanceType: "ml.g5.xlarge",
      instanceCount: 1,
      variant: { ManagedInstanceScaling: { Status: "ENABLED", MinInstanceCount: 1, MaxInstanceCount: 3 } },
    });
    const input = shareComponent(endpoint, "10240");
    const name = await createComponent(berth.sagemaker, { ...input, RuntimeConfig: { CopyCount: 3 } });
    const view = await placement(berth.url, endpoint);
    assert.deepEqual(
      view.map((i) => i.devices[0]!.shares?.map((s) => s.copyId).sort()),
      [[`${name}-1`, `${name}-2`], [`${name}-3`]],
      "two 10 GiB shares fill the first A10G, the third buys a second instance",
    );
  });

  it("keeps the share through UpdateInferenceComponent, whose new copies hold the same part of the device", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.xlarge" });
    const input = shareComponent(endpoint, "8192");
    const name = await createComponent(berth.sagemaker, input);
    const spec = input.Specification!;
    await berth.sagemaker.send(
      new UpdateInferenceComponentCommand({
        InferenceComponentName: name,
        Specification: { ...spec, Container: { ...spec.Container, Environment: { USER_SETTING: "v2" } } },
      }),
    );
    await waitForComponent(berth.sagemaker, name, "InService");
    const { env } = JSON.parse((await invoke(berth.runtime, endpoint, name, "{}")).body) as { env: Record<string, string> };
    assert.deepEqual([env.USER_SETTING, env.BERTH_ACCELERATOR_MEMORY_MB, env.BERTH_ACCELERATOR_MEMORY_FRACTION], ["v2", "8192", "0.3333"]);
    const copies = (await placement(berth.url, endpoint)).flatMap((i) => i.copies).filter((c) => c.owner === name && c.state === "Active");
    assert.deepEqual(
      copies.map((c) => [c.copyId, c.share?.memoryMiB]),
      [[`${name}-2`, 8192]],
    );
    await assert.rejects(
      berth.sagemaker.send(
        new UpdateInferenceComponentCommand({
          InferenceComponentName: name,
          Specification: { ...spec, ComputeResourceRequirements: { ...spec.ComputeResourceRequirements!, NumberOfAcceleratorDevicesRequired: 2 } },
        }),
      ),
      (e: Error) => e.name === "ValidationException" && /NumberOfAcceleratorDevicesRequired must be 1; got 2\./.test(e.message),
    );
  });

  it("keeps the share tags on the component, readable through ListTags, and refuses changing them through AddTags or DeleteTags", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.xlarge" });
    const name = await createComponent(berth.sagemaker, shareComponent(endpoint, "4096"));
    const arn = (await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }))).InferenceComponentArn!;
    const { Tags } = await berth.sagemaker.send(new ListTagsCommand({ ResourceArn: arn }));
    assert.deepEqual(Tags, [
      { Key: "berth:AcceleratorMemoryRequiredInMb", Value: "4096" },
      { Key: "team", Value: "search" },
    ]);
    const fixed =
      /^Tag key 'berth:AcceleratorMemoryRequiredInMb' is refused: it sets an inference component's share of an accelerator, which is fixed by CreateInferenceComponent's Tags\./;
    await assert.rejects(
      berth.sagemaker.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: "berth:AcceleratorMemoryRequiredInMb", Value: "8192" }] })),
      (e: Error) => e.name === "ValidationException" && fixed.test(e.message),
    );
    await assert.rejects(
      berth.sagemaker.send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: ["berth:AcceleratorMemoryRequiredInMb"] })),
      (e: Error) => e.name === "ValidationException" && fixed.test(e.message),
    );
    const after = await berth.sagemaker.send(new ListTagsCommand({ ResourceArn: arn }));
    assert.deepEqual(after.Tags, Tags);
  });

  it("refuses share tags that are not whole numbers in range, or that do not fit one device of the endpoint's type", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.xlarge" });
    const cases: [CreateInferenceComponentCommandInput, RegExp][] = [
      [shareComponent(endpoint, "half"), /^Tag 'berth:AcceleratorMemoryRequiredInMb' must be a whole number of MiB greater than 0; got 'half'\.$/],
      [shareComponent(endpoint, "0"), /must be a whole number of MiB greater than 0; got '0'/],
      [shareComponent(endpoint, "1.5"), /must be a whole number of MiB greater than 0; got '1\.5'/],
      [shareComponent(endpoint, "4096", { compute: "101" }), /^Tag 'berth:AcceleratorComputePercent' must be a whole number from 1 to 100; got '101'\.$/],
      [
        shareComponent(endpoint, "30000"),
        /asks for 30000 MiB of accelerator memory \(tag 'berth:AcceleratorMemoryRequiredInMb'\), more than one ml\.g5\.xlarge device of endpoint '.+' has \(24576 MiB\)\./,
      ],
      [shareComponent(endpoint, "4096", { accelerators: 0 }), /NumberOfAcceleratorDevicesRequired must be 1; got none\./],
      [
        { ...echoComponent(endpoint), Tags: [{ Key: "berth:AcceleratorComputePercent", Value: "50" }] },
        /^Tag 'berth:AcceleratorComputePercent' needs tag 'berth:AcceleratorMemoryRequiredInMb' too/,
      ],
      [
        { ...echoComponent(endpoint), Tags: [{ Key: "berth:Other", Value: "1" }] },
        /^Tag key 'berth:Other' is refused: tag keys starting with 'berth:' are reserved/,
      ],
    ];
    const cpuOnly = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.m5.large" });
    cases.push([{ ...shareComponent(cpuOnly, "1024", { accelerators: 1 }) }, /but ml\.m5\.large, the instance type of endpoint '.+', has no accelerators\./]);
    for (const [input, message] of cases) {
      await assert.rejects(
        berth.sagemaker.send(new CreateInferenceComponentCommand({ ...input, InferenceComponentName: uniqueName("bad") })),
        (e: Error) => e.name === "ValidationException" && message.test(e.message),
        `${JSON.stringify(input.Tags)}: ${message}`,
      );
    }
  });
});
