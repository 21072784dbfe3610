import assert from "node:assert/strict";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteInferenceComponentCommand,
  DescribeEndpointCommand,
  DescribeInferenceComponentCommand,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  UpdateInferenceComponentCommand,
  UpdateInferenceComponentRuntimeConfigCommand,
  waitUntilEndpointInService,
  type ProductionVariant,
} from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName, waitForComponent, waitForEndpoint } from "../support/fixtures.js";
import { berthFetch } from "../support/http.js";
import { invoke, waitForInFlight } from "../support/invoke.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";
import { tempDir } from "../support/temp-dir.js";

// Each row of the README's status table, observed through the SDK. Copies of `berth/echo` with
// ECHO_READY_FILE stay unready until the test writes that file, so the states in between hold still.

const fastWaiter = { minDelay: 1, maxDelay: 1, maxWaitTime: 60 };

describe("status transitions of endpoints and inference components", () => {
  let berth: BerthProcess;
  let gates: string;
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 1 } });
    gates = tempDir("berth-status-gates-");
    // Copies may run as another user, who must be able to see the files.
    chmodSync(gates, 0o755);
  });
  after(async () => {
    await berth.stop();
    rmSync(gates, { recursive: true, force: true });
  });

  /** A file whose existence lets the copies that name it pass /ping (they stay healthy once they have seen it). */
  const gate = (name: string) => join(gates, name);
  const open = (file: string) => writeFileSync(file, "ready", { mode: 0o644 });
  const close = (file: string) => rmSync(file, { force: true });

  const endpoint = (name: string) => berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
  const component = (name: string) => berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));

  /** Waits until Describe answers ValidationException: the resource is gone. */
  const untilGone = (describe: () => Promise<unknown>, name: string) =>
    eventually(
      () =>
        describe().then(
          () => undefined,
          (e: Error) => (e.name === "ValidationException" ? true : undefined),
        ),
      { what: `${name} to be gone` },
    );

  /** A single-model endpoint whose copies wait for `file`; returns once the request is accepted. */
  async function createModelEndpoint(name: string, file: string, variant: Partial<ProductionVariant> = {}, image = "berth/echo"): Promise<void> {
    await berth.sagemaker.send(new CreateModelCommand({ ModelName: `${name}-m`, PrimaryContainer: { Image: image, Environment: { ECHO_READY_FILE: file } } }));
    await berth.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${name}-c`,
        ProductionVariants: [{ VariantName: "Main", ModelName: `${name}-m`, InstanceType: "ml.g5.2xlarge", InitialInstanceCount: 1, ...variant }],
      }),
    );
    await berth.sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-c` }));
  }

  /** A single-model endpoint InService, whose copies have passed their gate. */
  async function servingModelEndpoint(prefix: string, variant: Partial<ProductionVariant> = {}): Promise<{ name: string; file: string }> {
    const name = uniqueName(prefix);
    const file = gate(name);
    open(file);
    await createModelEndpoint(name, file, variant);
    await waitForEndpoint(berth.sagemaker, name, "InService");
    return { name, file };
  }

  /** Waits until `count` copies of the endpoint are placed and starting (their instances launched), not ready. */
  async function copiesStarting(name: string, count: number): Promise<void> {
    await eventually(
      async () => {
        const copies = (await placement(berth.url, name)).flatMap((i) => (i.state === "InService" ? i.copies : []));
        return copies.filter((c) => c.state === "Active" && c.phase === "Starting").length === count ? true : undefined;
      },
      { what: `${count} copies of ${name} to be starting on launched instances` },
    );
  }

  it("CreateEndpoint: Creating, with CurrentInstanceCount counting only instances whose copy serves, then InService", async () => {
    const name = uniqueName("st-create");
    const file = gate(name);
    await createModelEndpoint(name, file, { InitialInstanceCount: 2 });
    await copiesStarting(name, 2);
    const creating = await endpoint(name);
    assert.equal(creating.EndpointStatus, "Creating");
    assert.equal(creating.ProductionVariants![0]!.CurrentInstanceCount, 0);
    assert.equal(creating.ProductionVariants![0]!.DesiredInstanceCount, 2);
    open(file);
    assert.equal((await waitUntilEndpointInService({ client: berth.sagemaker, ...fastWaiter }, { EndpointName: name })).state, "SUCCESS");
    const ready = await endpoint(name);
    assert.equal(ready.EndpointStatus, "InService");
    assert.equal(ready.ProductionVariants![0]!.CurrentInstanceCount, 2);
  });

  it("CreateEndpoint: Creating, then Failed when the model can never start; a Failed endpoint can only be deleted", async () => {
    const name = uniqueName("st-fail");
    await createModelEndpoint(name, gate(name), {}, "example.com/private/model:1.0");
    await waitForEndpoint(berth.sagemaker, name, "Failed");
    const failed = await endpoint(name);
    assert.match(failed.FailureReason!, /example\.com\/private\/model:1\.0/);
    await assert.rejects(berth.sagemaker.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-c` })), {
      name: "ValidationException",
      message: new RegExp(`while it is in status Failed`),
    });
    await berth.sagemaker.send(new DeleteEndpointCommand({ EndpointName: name }));
    await untilGone(() => endpoint(name), name);
  });

  it("UpdateEndpointWeightsAndCapacities adding an instance: Updating until the new instance's copy serves, then InService", async () => {
    const { name, file } = await servingModelEndpoint("st-uewc");
    close(file);
    await berth.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: name, DesiredWeightsAndCapacities: [{ VariantName: "Main", DesiredInstanceCount: 2 }] }),
    );
    assert.equal((await endpoint(name)).EndpointStatus, "Updating");
    await copiesStarting(name, 1);
    const updating = await endpoint(name);
    assert.equal(updating.EndpointStatus, "Updating");
    assert.equal(updating.ProductionVariants![0]!.CurrentInstanceCount, 1);
    assert.equal(updating.ProductionVariants![0]!.DesiredInstanceCount, 2);
    assert.equal(updating.ProductionVariants![0]!.VariantStatus![0]!.Status, "Updating");
    await assert.rejects(
      berth.sagemaker.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: name, DesiredWeightsAndCapacities: [{ VariantName: "Main", DesiredInstanceCount: 3 }] }),
      ),
      { name: "ValidationException", message: /while it is in status Updating/ },
    );
    open(file);
    assert.equal((await waitUntilEndpointInService({ client: berth.sagemaker, ...fastWaiter }, { EndpointName: name })).state, "SUCCESS");
    const served = await endpoint(name);
    assert.equal(served.ProductionVariants![0]!.CurrentInstanceCount, 2);
    assert.equal(served.ProductionVariants![0]!.VariantStatus, undefined);
  });

  it("UpdateEndpointWeightsAndCapacities removing an instance and changing a weight: Updating until the instance has drained, then InService", async () => {
    const { name } = await servingModelEndpoint("st-shrink", {
      InitialInstanceCount: 2,
      RoutingConfig: { RoutingStrategy: "LEAST_OUTSTANDING_REQUESTS" },
    });
    // Slow requests on both copies (least outstanding requests spreads them), so the instance that goes keeps draining for a while.
    const slow = [0, 1, 2, 3, 4, 5].map((i) => invoke(berth.runtime, name, undefined, `slow-${i}`, "latency_ms=4000"));
    await eventually(
      async () => {
        const text = await (await berthFetch(`${berth.url}/metrics`)).text();
        const busy = text.split("\n").filter((l) => l.startsWith("berth_in_flight_requests{") && l.includes(`endpoint="${name}"`) && !/\} 0$/.test(l));
        return busy.length === 2 ? true : undefined;
      },
      { intervalMs: 20, what: "slow requests in flight on both copies" },
    );
    await berth.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: name,
        DesiredWeightsAndCapacities: [{ VariantName: "Main", DesiredInstanceCount: 1, DesiredWeight: 2 }],
      }),
    );
    const updating = await endpoint(name);
    assert.equal(updating.EndpointStatus, "Updating");
    assert.equal(updating.ProductionVariants![0]!.DesiredInstanceCount, 1);
    assert.deepEqual(
      (await Promise.all(slow)).map((a) => a.body),
      [0, 1, 2, 3, 4, 5].map((i) => `slow-${i}`),
    );
    assert.equal((await waitUntilEndpointInService({ client: berth.sagemaker, ...fastWaiter }, { EndpointName: name })).state, "SUCCESS");
    const smaller = await endpoint(name);
    assert.equal(smaller.ProductionVariants![0]!.CurrentInstanceCount, 1);
    assert.equal(smaller.ProductionVariants![0]!.CurrentWeight, 2);
    assert.equal((await placement(berth.url, name)).length, 1);
  });

  it("managed instance scaling adding an instance: the endpoint is Updating until the copies placed on it are ready", async () => {
    const name = await createIcEndpoint(berth.sagemaker, {
      instanceType: "ml.g5.xlarge",
      variant: { ManagedInstanceScaling: { Status: "ENABLED", MinInstanceCount: 1, MaxInstanceCount: 2 } },
    });
    const file = gate(name);
    open(file);
    const ic = await createComponent(berth.sagemaker, echoComponent(name, { copies: 1, env: { ECHO_READY_FILE: file } }));
    close(file);
    await berth.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: ic, DesiredRuntimeConfig: { CopyCount: 2 } }));
    assert.equal((await component(ic)).InferenceComponentStatus, "Updating");
    await copiesStarting(name, 1);
    const updating = await endpoint(name);
    assert.equal(updating.EndpointStatus, "Updating");
    assert.equal(updating.ProductionVariants![0]!.DesiredInstanceCount, 2);
    const scaling = await component(ic);
    assert.equal(scaling.InferenceComponentStatus, "Updating");
    assert.deepEqual([scaling.RuntimeConfig!.CurrentCopyCount, scaling.RuntimeConfig!.DesiredCopyCount], [1, 2]);
    open(file);
    assert.equal((await waitUntilEndpointInService({ client: berth.sagemaker, ...fastWaiter }, { EndpointName: name })).state, "SUCCESS");
    const served = await endpoint(name);
    assert.equal(served.ProductionVariants![0]!.CurrentInstanceCount, 2);
    assert.equal((await waitForComponent(berth.sagemaker, ic, "InService")).RuntimeConfig!.CurrentCopyCount, 2);
  });

  it("UpdateEndpoint: Updating with a pending deployment until the components' copies serve on the new fleet, then InService", async () => {
    const name = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.m5.large" });
    const file = gate(name);
    open(file);
    const ic = await createComponent(berth.sagemaker, echoComponent(name, { copies: 1, accelerators: 0, env: { ECHO_READY_FILE: file } }));
    close(file);
    await berth.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${name}-cfg2`,
        ExecutionRoleArn: "arn:aws:iam::000000000000:role/berth",
        ProductionVariants: [{ VariantName: "AllTraffic", InstanceType: "ml.m5.xlarge", InitialInstanceCount: 1 }],
      }),
    );
    await berth.sagemaker.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-cfg2` }));
    await copiesStarting(name, 1);
    const updating = await endpoint(name);
    assert.equal(updating.EndpointStatus, "Updating");
    assert.equal(updating.EndpointConfigName, `${name}-cfg`);
    assert.equal(updating.PendingDeploymentSummary!.EndpointConfigName, `${name}-cfg2`);
    open(file);
    assert.equal((await waitUntilEndpointInService({ client: berth.sagemaker, ...fastWaiter }, { EndpointName: name })).state, "SUCCESS");
    const done = await endpoint(name);
    assert.equal(done.EndpointConfigName, `${name}-cfg2`);
    assert.equal(done.PendingDeploymentSummary, undefined);
    assert.equal((await waitForComponent(berth.sagemaker, ic, "InService")).RuntimeConfig!.CurrentCopyCount, 1);
  });

  it("UpdateEndpoint whose new model cannot start: Updating, RollingBack, then InService on the old configuration with a FailureReason", async () => {
    const { name } = await servingModelEndpoint("st-rollback");
    await berth.sagemaker.send(new CreateModelCommand({ ModelName: `${name}-bad`, PrimaryContainer: { Image: "example.com/private/model:1.0" } }));
    await berth.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${name}-bad`,
        ProductionVariants: [{ VariantName: "Main", ModelName: `${name}-bad`, InstanceType: "ml.g5.2xlarge", InitialInstanceCount: 1 }],
      }),
    );
    await berth.sagemaker.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-bad` }));
    assert.equal((await endpoint(name)).EndpointStatus, "Updating");
    // RollingBack lasts while the new configuration's instance is released: too short to catch by polling, so the log shows it.
    await eventually(
      async () =>
        berth.logs.some((l) => String(l.msg).startsWith(`endpoint ${name} is RollingBack: Update to endpoint configuration '${name}-bad'`)) ? true : undefined,
      { what: `the controller to log ${name} as RollingBack` },
    );
    await waitForEndpoint(berth.sagemaker, name, "InService");
    const back = await endpoint(name);
    assert.equal(back.EndpointConfigName, `${name}-c`);
    assert.match(back.FailureReason!, new RegExp(`^Update to endpoint configuration '${name}-bad' was rolled back: .*example\\.com\\/private\\/model:1\\.0`));
    assert.equal(back.ProductionVariants![0]!.CurrentInstanceCount, 1);
    assert.deepEqual(
      (await placement(berth.url, name)).map((i) => i.generation),
      [1],
    );
  });

  it("DeleteEndpoint: Deleting while its copy finishes a request, then gone", async () => {
    const { name } = await servingModelEndpoint("st-delete");
    const slow = invoke(berth.runtime, name, undefined, "slow", "latency_ms=3000");
    const pattern = new RegExp(`berth_in_flight_requests\\{[^}]*endpoint="${name}"[^}]*\\} 1\\b`);
    await eventually(async () => (pattern.test(await (await berthFetch(`${berth.url}/metrics`)).text()) ? true : undefined), {
      intervalMs: 20,
      what: "the slow request to reach the copy",
    });
    await berth.sagemaker.send(new DeleteEndpointCommand({ EndpointName: name }));
    assert.equal((await endpoint(name)).EndpointStatus, "Deleting");
    assert.equal((await slow).body, "slow");
    await untilGone(() => endpoint(name), name);
  });

  it("CreateInferenceComponent: Creating with CurrentCopyCount 0 until a copy is ready, then InService", async () => {
    const name = await createIcEndpoint(berth.sagemaker);
    const file = gate(name);
    const ic = await createComponent(berth.sagemaker, echoComponent(name, { copies: 2, env: { ECHO_READY_FILE: file } }), null);
    await copiesStarting(name, 2);
    const creating = await component(ic);
    assert.equal(creating.InferenceComponentStatus, "Creating");
    assert.deepEqual([creating.RuntimeConfig!.CurrentCopyCount, creating.RuntimeConfig!.DesiredCopyCount], [0, 2]);
    open(file);
    assert.equal((await waitForComponent(berth.sagemaker, ic, "InService")).RuntimeConfig!.CurrentCopyCount, 2);
  });

  it("UpdateInferenceComponentRuntimeConfig: Updating while new copies start, counting only ready ones, then InService", async () => {
    const name = await createIcEndpoint(berth.sagemaker);
    const file = gate(name);
    open(file);
    const ic = await createComponent(berth.sagemaker, echoComponent(name, { copies: 1, env: { ECHO_READY_FILE: file } }));
    close(file);
    await berth.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: ic, DesiredRuntimeConfig: { CopyCount: 3 } }));
    await copiesStarting(name, 2);
    const updating = await component(ic);
    assert.equal(updating.InferenceComponentStatus, "Updating");
    assert.deepEqual([updating.RuntimeConfig!.CurrentCopyCount, updating.RuntimeConfig!.DesiredCopyCount], [1, 3]);
    assert.equal((await endpoint(name)).EndpointStatus, "InService", "copies added on the instances it has leave the endpoint InService");
    open(file);
    assert.equal((await waitForComponent(berth.sagemaker, ic, "InService")).RuntimeConfig!.CurrentCopyCount, 3);
  });

  it("UpdateInferenceComponent: Updating, then InService on the new specification, or back on the old one with a FailureReason", async () => {
    const name = await createIcEndpoint(berth.sagemaker);
    const ic = await createComponent(berth.sagemaker, echoComponent(name, { copies: 1 }));
    const spec = echoComponent(name, { env: { VERSION: "2" } }).Specification!;
    await berth.sagemaker.send(new UpdateInferenceComponentCommand({ InferenceComponentName: ic, Specification: spec }));
    assert.equal((await component(ic)).InferenceComponentStatus, "Updating");
    const updated = await waitForComponent(berth.sagemaker, ic, "InService");
    assert.deepEqual(updated.Specification!.Container!.Environment, { VERSION: "2" });
    const bad = echoComponent(name, { image: "example.com/private/model:1.0" }).Specification!;
    await berth.sagemaker.send(new UpdateInferenceComponentCommand({ InferenceComponentName: ic, Specification: bad }));
    assert.equal((await component(ic)).InferenceComponentStatus, "Updating");
    const back = await eventually(async () => {
      const d = await component(ic);
      return d.InferenceComponentStatus === "InService" && d.FailureReason ? d : undefined;
    });
    assert.match(back.FailureReason!, /rolled back/);
    assert.equal(back.Specification!.Container!.DeployedImage!.SpecifiedImage, "berth/echo");
  });

  it("an inference component goes Creating → Failed when its image cannot run, Failed → Updating on an update, then InService", async () => {
    const name = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.m5.large" });
    const ic = await createComponent(berth.sagemaker, echoComponent(name, { image: "example.com/private/model:1.0", accelerators: 0 }), null);
    assert.match((await waitForComponent(berth.sagemaker, ic, "Failed")).FailureReason!, /example\.com\/private\/model:1\.0/);
    const file = gate(name);
    const fixed = echoComponent(name, { accelerators: 0, env: { ECHO_READY_FILE: file } }).Specification!;
    await berth.sagemaker.send(new UpdateInferenceComponentCommand({ InferenceComponentName: ic, Specification: fixed }));
    await copiesStarting(name, 1);
    const updating = await component(ic);
    assert.equal(updating.InferenceComponentStatus, "Updating");
    assert.equal(updating.RuntimeConfig!.CurrentCopyCount, 0);
    open(file);
    const served = await waitForComponent(berth.sagemaker, ic, "InService");
    assert.equal(served.RuntimeConfig!.CurrentCopyCount, 1);
    assert.equal(served.FailureReason, undefined);
  });

  it("DeleteInferenceComponent: Deleting while its copy finishes a request, then gone", async () => {
    const name = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.m5.large" });
    const running = await createComponent(berth.sagemaker, echoComponent(name, { copies: 1, accelerators: 0 }));
    const slow = invoke(berth.runtime, name, running, "slow", "latency_ms=3000");
    await waitForInFlight(berth.url, running, 1, "the slow request to reach the copy");
    await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: running }));
    assert.equal((await component(running)).InferenceComponentStatus, "Deleting");
    assert.equal((await slow).body, "slow");
    await untilGone(() => component(running), running);
  });
});
