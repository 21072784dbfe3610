import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateInferenceComponentCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteInferenceComponentCommand,
  DescribeEndpointCommand,
  DescribeInferenceComponentCommand,
  ListEndpointsCommand,
  ListInferenceComponentsCommand,
  UpdateEndpointCommand,
  UpdateInferenceComponentRuntimeConfigCommand,
  waitUntilEndpointDeleted,
  waitUntilEndpointInService,
} from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName, waitForComponent, waitForEndpoint } from "../support/fixtures.js";
import { eventually } from "../support/wait.js";
import { berthFetch } from "../support/http.js";
import { invoke, waitForInFlight } from "../support/invoke.js";
import { placement } from "../support/placement.js";

const fastWaiter = { minDelay: 1, maxDelay: 1, maxWaitTime: 60 };

describe("endpoint and inference component lifecycle", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth();
  });
  after(async () => {
    await berth.stop();
  });

  it("takes an endpoint from Creating to InService and the SDK waiter sees it", async () => {
    const name = uniqueName("ep");
    await berth.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${name}-cfg`,
        ProductionVariants: [{ VariantName: "AllTraffic", InstanceType: "ml.g5.xlarge", InitialInstanceCount: 2 }],
      }),
    );
    const created = await berth.sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-cfg` }));
    assert.equal(created.EndpointArn, `arn:aws:sagemaker:us-east-1:000000000000:endpoint/${name.toLowerCase()}`);
    const first = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
    assert.ok(["Creating", "InService"].includes(first.EndpointStatus!));
    const waited = await waitUntilEndpointInService({ client: berth.sagemaker, ...fastWaiter }, { EndpointName: name });
    assert.equal(waited.state, "SUCCESS");
    const described = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
    assert.equal(described.EndpointStatus, "InService");
    assert.equal(described.EndpointConfigName, `${name}-cfg`);
    assert.equal(described.ProductionVariants![0]!.CurrentInstanceCount, 2);
    assert.equal(described.ProductionVariants![0]!.DesiredInstanceCount, 2);
    assert.ok(described.LastModifiedTime! >= described.CreationTime!);
    const listed = await berth.sagemaker.send(new ListEndpointsCommand({ NameContains: name, StatusEquals: "InService" }));
    assert.deepEqual(
      listed.Endpoints!.map((e) => e.EndpointName),
      [name],
    );
  });

  it("deletes an endpoint; Describe then answers ValidationException and the deleted-waiter succeeds", async () => {
    const name = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.m5.large" });
    await berth.sagemaker.send(new DeleteEndpointCommand({ EndpointName: name }));
    const waited = await waitUntilEndpointDeleted({ client: berth.sagemaker, ...fastWaiter }, { EndpointName: name });
    assert.equal(waited.state, "SUCCESS");
    await assert.rejects(berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name })), {
      name: "ValidationException",
      message: `Could not find endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/${name.toLowerCase()}".`,
    });
  });

  it("refuses to delete an endpoint that still hosts inference components, naming them", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker);
    const component = await createComponent(berth.sagemaker, echoComponent(endpoint));
    await assert.rejects(berth.sagemaker.send(new DeleteEndpointCommand({ EndpointName: endpoint })), (e: Error) => {
      assert.equal(e.name, "ValidationException");
      assert.ok(e.message.includes(component), e.message);
      return true;
    });
    const still = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    assert.equal(still.EndpointStatus, "InService");
  });

  it("deletes an endpoint whose inference components are already Deleting (delete_predictor(); delete_endpoint()), leaving nothing behind", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker);
    const component = await createComponent(berth.sagemaker, echoComponent(endpoint));
    // A request in flight keeps the component's copy draining, so the component is still Deleting below.
    const slow = invoke(berth.runtime, endpoint, component, "slow", "latency_ms=3000");
    await waitForInFlight(berth.url, component, 1, "the slow request to reach the copy");
    await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: component }));
    const deleting = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: component }));
    assert.equal(deleting.InferenceComponentStatus, "Deleting");

    await berth.sagemaker.send(new DeleteEndpointCommand({ EndpointName: endpoint }));
    assert.equal((await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }))).EndpointStatus, "Deleting");
    assert.equal((await slow).body, "slow", "the request in flight is answered");
    const waited = await waitUntilEndpointDeleted({ client: berth.sagemaker, ...fastWaiter }, { EndpointName: endpoint });
    assert.equal(waited.state, "SUCCESS");
    await assert.rejects(berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: component })), {
      name: "ValidationException",
      message: new RegExp(`^Could not find inference component`),
    });
    const listed = await berth.sagemaker.send(new ListInferenceComponentsCommand({ EndpointNameEquals: endpoint }));
    assert.deepEqual(listed.InferenceComponents, []);
    assert.deepEqual(await placement(berth.url, endpoint), [], "no instance or copy of the endpoint is left");
  });

  it("still refuses to delete an endpoint while one of its components is not Deleting", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker);
    const going = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0 }));
    const staying = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0 }));
    await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: going }));
    await assert.rejects(berth.sagemaker.send(new DeleteEndpointCommand({ EndpointName: endpoint })), (e: Error) => {
      assert.equal(e.name, "ValidationException");
      assert.ok(e.message.includes(staying) && !e.message.includes(going), e.message);
      return true;
    });
    assert.equal((await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }))).EndpointStatus, "InService");
  });

  it("lists an endpoint created at exactly CreationTimeAfter (greater than or equal, as the model documents), and not at CreationTimeBefore", async () => {
    const name = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.m5.large" });
    const created = (await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }))).CreationTime!;
    const list = async (filter: { CreationTimeAfter?: Date; CreationTimeBefore?: Date }) =>
      (await berth.sagemaker.send(new ListEndpointsCommand({ NameContains: name, ...filter }))).Endpoints!.map((e) => e.EndpointName);
    assert.deepEqual(await list({ CreationTimeAfter: created }), [name]);
    assert.deepEqual(await list({ CreationTimeAfter: new Date(created.getTime() + 1) }), []);
    assert.deepEqual(await list({ CreationTimeBefore: created }), []);
    assert.deepEqual(await list({ CreationTimeBefore: new Date(created.getTime() + 1) }), [name]);
  });

  it("shows the DeploymentConfig given to CreateEndpoint as LastDeploymentConfig", async () => {
    const name = uniqueName("ep-dc");
    await berth.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${name}-cfg`,
        ProductionVariants: [{ VariantName: "AllTraffic", InstanceType: "ml.m5.large", InitialInstanceCount: 1 }],
      }),
    );
    const deploymentConfig = {
      BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: "ALL_AT_ONCE" as const, WaitIntervalInSeconds: 0 }, TerminationWaitInSeconds: 0 },
    };
    await berth.sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-cfg`, DeploymentConfig: deploymentConfig }));
    const described = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
    assert.deepEqual(described.LastDeploymentConfig, deploymentConfig);
  });

  it("creates an inference component that becomes InService with its copies, then lists and filters it", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker);
    const input = echoComponent(endpoint, { copies: 2 });
    const created = await berth.sagemaker.send(new CreateInferenceComponentCommand(input));
    const name = input.InferenceComponentName!;
    assert.equal(created.InferenceComponentArn, `arn:aws:sagemaker:us-east-1:000000000000:inference-component/${name.toLowerCase()}`);
    const first = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
    assert.ok(["Creating", "InService"].includes(first.InferenceComponentStatus!));
    const ready = await waitForComponent(berth.sagemaker, name, "InService");
    assert.equal(ready.RuntimeConfig!.DesiredCopyCount, 2);
    assert.equal(ready.RuntimeConfig!.CurrentCopyCount, 2);
    assert.equal(ready.EndpointName, endpoint);
    assert.equal(ready.VariantName, "AllTraffic");
    assert.equal(ready.Specification!.Container!.DeployedImage!.SpecifiedImage, "berth/echo");
    assert.deepEqual(ready.Specification!.ComputeResourceRequirements, {
      NumberOfAcceleratorDevicesRequired: 1,
      NumberOfCpuCoresRequired: 1,
      MinMemoryRequiredInMb: 1024,
    });
    const byEndpoint = await berth.sagemaker.send(new ListInferenceComponentsCommand({ EndpointNameEquals: endpoint }));
    assert.deepEqual(
      byEndpoint.InferenceComponents!.map((c) => c.InferenceComponentName),
      [name],
    );
    assert.equal(byEndpoint.InferenceComponents![0]!.InferenceComponentStatus, "InService");
    const byStatus = await berth.sagemaker.send(new ListInferenceComponentsCommand({ EndpointNameEquals: endpoint, StatusEquals: "Creating" }));
    assert.deepEqual(byStatus.InferenceComponents, []);
    const byVariant = await berth.sagemaker.send(new ListInferenceComponentsCommand({ VariantNameEquals: "Other", EndpointNameEquals: endpoint }));
    assert.deepEqual(byVariant.InferenceComponents, []);
  });

  it("pages inference components sorted by name and by creation time", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker);
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const input = echoComponent(endpoint, { copies: 0, name: `${endpoint}-c${i}` });
      await berth.sagemaker.send(new CreateInferenceComponentCommand(input));
      names.push(input.InferenceComponentName!);
    }
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await berth.sagemaker.send(
        new ListInferenceComponentsCommand({ EndpointNameEquals: endpoint, SortBy: "Name", SortOrder: "Ascending", MaxResults: 2, NextToken: token }),
      );
      assert.ok(page.InferenceComponents!.length <= 2);
      seen.push(...page.InferenceComponents!.map((c) => c.InferenceComponentName!));
      token = page.NextToken;
    } while (token);
    assert.deepEqual(seen, names);
    const newest = await berth.sagemaker.send(new ListInferenceComponentsCommand({ EndpointNameEquals: endpoint, MaxResults: 1 }));
    assert.equal(newest.InferenceComponents![0]!.InferenceComponentName, names[4]);
    assert.ok(newest.NextToken);
  });

  it("changes the copy count with UpdateInferenceComponentRuntimeConfig, through Updating back to InService", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker);
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 1 }));
    await berth.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: name, DesiredRuntimeConfig: { CopyCount: 3 } }));
    const updating = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
    assert.equal(updating.RuntimeConfig!.DesiredCopyCount, 3);
    const done = await waitForComponent(berth.sagemaker, name, "InService");
    assert.equal(done.RuntimeConfig!.CurrentCopyCount, 3);
    await berth.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: name, DesiredRuntimeConfig: { CopyCount: 0 } }));
    const zero = await eventually(async () => {
      const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
      return d.InferenceComponentStatus === "InService" && d.RuntimeConfig!.CurrentCopyCount === 0 ? d : undefined;
    });
    assert.equal(zero.RuntimeConfig!.DesiredCopyCount, 0);
  });

  it("deletes an inference component: Deleting, then gone with the verbatim not-found text", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker);
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint));
    await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: name }));
    await assert.rejects(
      berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: name })).then(async () => {
        // A second delete while the first drains may have found it already gone.
        throw Object.assign(new Error("second delete accepted"), { name: "Accepted" });
      }),
      (e: Error) => e.name === "ValidationException",
    );
    await eventually(async () => {
      try {
        await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
        return undefined;
      } catch (error) {
        assert.equal((error as Error).message, `Could not find inference component "${name}".`);
        return true;
      }
    });
  });

  it("switches an endpoint to another configuration with UpdateEndpoint and moves its copies to the new instances", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
    const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 2 }));
    await berth.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${endpoint}-v2`,
        ProductionVariants: [{ VariantName: "AllTraffic", InstanceType: "ml.g5.48xlarge", InitialInstanceCount: 1 }],
      }),
    );
    await berth.sagemaker.send(new UpdateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: `${endpoint}-v2` }));
    const updating = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    assert.ok(["Updating", "InService"].includes(updating.EndpointStatus!));
    await waitForEndpoint(berth.sagemaker, endpoint, "InService");
    const after = await eventually(async () => {
      const d = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
      return d.EndpointConfigName === `${endpoint}-v2` ? d : undefined;
    });
    assert.equal(after.PendingDeploymentSummary, undefined);
    const view = await eventually(async () => {
      const v = (await (await berthFetch(`${berth.url}/berth/v1/instances?endpoint=${endpoint}`)).json()) as {
        instances: { instanceType: string; copies: unknown[] }[];
      };
      return v.instances.length === 1 ? v : undefined;
    });
    assert.equal(view.instances[0]!.instanceType, "ml.g5.48xlarge");
    assert.equal(view.instances[0]!.copies.length, 2);
    const ic = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: component }));
    assert.equal(ic.RuntimeConfig!.CurrentCopyCount, 2);
    await berth.sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: `${endpoint}-v2` }));
    const kept = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    assert.equal(kept.EndpointStatus, "InService", "an endpoint keeps running after its configuration is deleted");
  });
});
