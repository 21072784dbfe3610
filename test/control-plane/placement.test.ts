import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeInferenceComponentCommand,
  UpdateInferenceComponentRuntimeConfigCommand,
} from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName, waitForComponent, waitForEndpoint } from "../support/fixtures.js";
import { copiesByInstance, placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";

describe("placement of copies on instances", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth();
  });
  after(async () => {
    await berth.stop();
  });

  it("SPREAD puts one component's copies on different instances; BINPACK fills one instance first", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge", instanceCount: 2 });
    const spread = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 2, strategy: "SPREAD" }));
    const binpack = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 2, strategy: "BINPACK" }));
    const view = await placement(berth.url, endpoint);
    assert.equal(view.length, 2);
    assert.equal(copiesByInstance(view, spread).size, 2, "SPREAD copies sit on two instances");
    const packed = [...copiesByInstance(view, binpack).values()];
    assert.equal(packed.length, 1, "BINPACK copies share one instance");
    assert.equal(packed[0]!.length, 2);
    for (const instance of view) {
      const held = instance.devices.filter((d) => d.heldBy).map((d) => d.index);
      assert.equal(new Set(held).size, held.length, "no device is held twice");
      assert.equal(instance.free.accelerators, instance.capacity.accelerators - held.length);
      for (const copy of instance.copies) assert.equal(copy.devices.length, 1);
    }
  });

  it("places what fits, explains the shortfall, and finishes placing once capacity frees up", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.xlarge", instanceCount: 1 });
    const holder = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 1, cpu: 1 }));
    const waiting = uniqueName("waiting");
    await createComponent(berth.sagemaker, echoComponent(endpoint, { name: waiting, copies: 1, cpu: 1 }), null);
    const short = await eventually(async () => {
      const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: waiting }));
      return d.FailureReason ? d : undefined;
    });
    assert.equal(short.InferenceComponentStatus, "Creating");
    assert.equal(short.RuntimeConfig!.DesiredCopyCount, 1);
    assert.equal(short.RuntimeConfig!.CurrentCopyCount, 0);
    assert.match(short.FailureReason!, /1 of 1 copy cannot be placed/);
    assert.match(short.FailureReason!, /accelerator devices short by 1/);
    await berth.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: holder, DesiredRuntimeConfig: { CopyCount: 0 } }));
    const placed = await waitForComponent(berth.sagemaker, waiting, "InService");
    assert.equal(placed.RuntimeConfig!.CurrentCopyCount, 1);
    assert.equal(placed.FailureReason, undefined);
  });

  it("reports the memory shortfall in MiB when memory is what runs out", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.m5.large", instanceCount: 1 });
    const name = uniqueName("hungry");
    await createComponent(
      berth.sagemaker,
      {
        ...echoComponent(endpoint, { name, copies: 3, accelerators: 0, cpu: 0.5, memory: 3000 }),
        Specification: { Container: { Image: "berth/echo" }, ComputeResourceRequirements: { NumberOfCpuCoresRequired: 0.5, MinMemoryRequiredInMb: 3000 } },
      },
      null,
    );
    const d = await eventually(async () => {
      const r = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
      return r.FailureReason && r.RuntimeConfig!.CurrentCopyCount === 2 ? r : undefined;
    });
    assert.match(d.FailureReason!, /1 of 3 copies cannot be placed: memory short by \d+ MiB/);
  });

  it("gives a single-model endpoint's instances whole to its model, beside IC endpoints", async () => {
    const model = uniqueName("whole");
    await berth.sagemaker.send(new CreateModelCommand({ ModelName: model, PrimaryContainer: { Image: "berth/echo" } }));
    const endpoint = uniqueName("single");
    await berth.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: endpoint,
        ProductionVariants: [{ VariantName: "AllTraffic", ModelName: model, InstanceType: "ml.g5.2xlarge", InitialInstanceCount: 2 }],
      }),
    );
    await berth.sagemaker.send(new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: endpoint }));
    await waitForEndpoint(berth.sagemaker, endpoint, "InService");
    const view = await placement(berth.url, endpoint);
    assert.equal(view.length, 2);
    for (const instance of view) {
      assert.equal(instance.copies.length, 1);
      assert.deepEqual(instance.free, { accelerators: 0, cpuCores: 0, memoryMiB: 0 });
      assert.equal(instance.copies[0]!.ownerType, "variant");
      assert.equal(instance.copies[0]!.phase, "Ready");
    }
    await assert.rejects(berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: endpoint })));
    await assert.rejects(createComponent(berth.sagemaker, echoComponent(endpoint)), {
      name: "ValidationException",
      message: /hosts model .* directly, so it cannot host inference components/,
    });
  });

  it("shows each copy's devices, CPU, memory, port and limits in the placement view", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 1, accelerators: 2, cpu: 2, memory: 2048 }));
    const [instance] = await placement(berth.url, endpoint);
    const copy = instance!.copies.find((c) => c.owner === name)!;
    assert.deepEqual(copy.devices, [0, 1]);
    assert.equal(copy.cpuCores, 2);
    assert.equal(copy.memoryMiB, 2048);
    assert.ok(copy.port! > 0);
    assert.ok(copy.limits?.memory && copy.limits.cpu, "limits are reported, enforced or not");
    assert.deepEqual(
      instance!.devices.filter((d) => d.heldBy === copy.copyId).map((d) => d.index),
      [0, 1],
    );
    assert.equal(instance!.devices[0]!.source, "modelled");
  });
});
