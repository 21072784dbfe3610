import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateEndpointCommand, CreateEndpointConfigCommand, DescribeEndpointCommand, UpdateEndpointCommand } from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createEchoModelVersions, createIcEndpoint, echoComponent, uniqueName, waitForEndpoint } from "../support/fixtures.js";
import { steadyLoad } from "../support/load.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";

describe("UpdateEndpoint under steady load", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 1 } });
  });
  after(async () => {
    await berth.stop();
  });

  async function updateAndWait(endpoint: string, config: string) {
    await berth.sagemaker.send(new UpdateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: config }));
    await eventually(
      async () => {
        const d = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
        return d.EndpointStatus === "InService" && d.EndpointConfigName === config ? d : undefined;
      },
      { timeoutMs: 90_000, what: `endpoint ${endpoint} to be InService on ${config}` },
    );
  }

  /** The steady load has been answered this many times: it flows before an update starts. */
  const answered = (load: ReturnType<typeof steadyLoad>, count: number) =>
    eventually(async () => (load.samples.length >= count ? true : undefined), { what: `the steady load to get ${count} answers` });

  it("moves a single-model endpoint blue/green to a new model without failing a request", async () => {
    const name = uniqueName("single");
    await createEchoModelVersions(berth.sagemaker, name, [1, 2]);
    await berth.sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-c1` }));
    await waitForEndpoint(berth.sagemaker, name, "InService");
    const load = steadyLoad(berth.runtime, name, undefined, { workers: 3, maxMs: 300_000 });
    try {
      await answered(load, 10);
      await updateAndWait(name, `${name}-c2`);
      await eventually(async () => (load.samples.slice(-5).every((s) => s.copy?.startsWith("Main-g2-")) ? true : undefined), {
        what: "the new fleet to answer the load",
      });
    } finally {
      await load.stop();
    }
    const samples = load.samples;
    assert.deepEqual(
      samples.filter((s) => s.error).map((s) => s.error),
      [],
      "no request failed",
    );
    assert.ok(samples.some((s) => s.copy!.startsWith("Main-g1-")) && samples.some((s) => s.copy!.startsWith("Main-g2-")));
    assert.ok(
      samples.slice(-5).every((s) => s.copy!.startsWith("Main-g2-")),
      "the new fleet serves at the end",
    );
    const instances = await eventually(async () => {
      const view = await placement(berth.url, name);
      return view.every((i) => i.generation === 2) ? view : undefined;
    });
    assert.equal(instances.length, 2, "the old instances are released");
  });

  it("moves an inference-component endpoint to a new instance type while requests keep flowing", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge", instanceCount: 2 });
    const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 3 }));
    await berth.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${endpoint}-big`,
        ProductionVariants: [{ VariantName: "AllTraffic", InstanceType: "ml.g5.48xlarge", InitialInstanceCount: 1 }],
      }),
    );
    const load = steadyLoad(berth.runtime, endpoint, component, { workers: 3, maxMs: 300_000 });
    try {
      await answered(load, 10);
      await updateAndWait(endpoint, `${endpoint}-big`);
    } finally {
      await load.stop();
    }
    const samples = load.samples;
    assert.deepEqual(
      samples.filter((s) => s.error).map((s) => s.error),
      [],
    );
    const view = await eventually(async () => {
      const v = await placement(berth.url, endpoint);
      return v.length === 1 ? v : undefined;
    });
    assert.equal(view[0]!.instanceType, "ml.g5.48xlarge");
    assert.equal(view[0]!.copies.filter((c) => c.state === "Active").length, 3);
  });

  it("refuses deployment options Berth does not offer, saying what to use", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.m5.large" });
    await assert.rejects(
      berth.sagemaker.send(
        new UpdateEndpointCommand({
          EndpointName: endpoint,
          EndpointConfigName: `${endpoint}-cfg`,
          DeploymentConfig: {
            BlueGreenUpdatePolicy: {
              TrafficRoutingConfiguration: { Type: "CANARY", WaitIntervalInSeconds: 60, CanarySize: { Type: "INSTANCE_COUNT", Value: 1 } },
            },
          },
        }),
      ),
      { name: "ValidationException", message: /Traffic routing type CANARY is not supported by Berth\. .*ALL_AT_ONCE/ },
    );
    await assert.rejects(
      berth.sagemaker.send(
        new UpdateEndpointCommand({
          EndpointName: endpoint,
          EndpointConfigName: `${endpoint}-cfg`,
          DeploymentConfig: { RollingUpdatePolicy: { MaximumBatchSize: { Type: "INSTANCE_COUNT", Value: 1 }, WaitIntervalInSeconds: 0 } },
        }),
      ),
      { name: "ValidationException", message: /endpoint-level RollingUpdatePolicy is not supported/ },
    );
  });
});
