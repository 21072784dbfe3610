import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateEndpointConfigCommand, DescribeEndpointCommand, UpdateEndpointCommand } from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { eventually } from "../support/wait.js";

// UpdateEndpoint to a configuration whose instances cannot hold the copies the endpoint's inference
// components want used to be accepted: the blue/green move could never place those copies, and the endpoint
// stayed Updating for good, with no FailureReason, refusing every further UpdateEndpoint. It is refused now,
// as a lowered DesiredInstanceCount is, and the endpoint keeps serving on its configuration.
describe("UpdateEndpoint to a configuration too small for the copies", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 1 } });
  });
  after(async () => {
    await berth.stop();
  });

  async function config(name: string, variant: Record<string, unknown>) {
    await berth.sagemaker.send(
      new CreateEndpointConfigCommand({ EndpointConfigName: name, ProductionVariants: [{ VariantName: "AllTraffic", ...variant }] as never }),
    );
  }

  async function refused(endpoint: string, configName: string): Promise<Error & { name: string }> {
    const error = await berth.sagemaker.send(new UpdateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: configName })).then(
      () => assert.fail(`UpdateEndpoint to ${configName} was accepted`),
      (e: Error) => e,
    );
    const d = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    assert.equal(d.EndpointStatus, "InService", "the endpoint keeps its configuration");
    assert.equal(d.EndpointConfigName, `${endpoint}-cfg`);
    assert.equal(d.PendingDeploymentSummary, undefined);
    return error;
  }

  it("refuses fewer instances than the copies need in sum, also with managed scaling room, and accepts enough", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceCount: 2 });
    await createComponent(berth.sagemaker, echoComponent(endpoint, { name: `${endpoint}-ic`, copies: 3, cpu: 20, memory: 256, accelerators: 0 }));
    await config(`${endpoint}-one`, { InstanceType: "ml.g5.12xlarge", InitialInstanceCount: 1 });
    const error = await refused(endpoint, `${endpoint}-one`);
    assert.equal(error.name, "ValidationException");
    assert.match(error.message, /cannot go to 1 instance: .*need at least 2 instances \(CPU cores: 60 in all, 48 on each ml\.g5\.12xlarge instance\)/);
    await config(`${endpoint}-managed`, {
      InstanceType: "ml.g5.12xlarge",
      InitialInstanceCount: 1,
      ManagedInstanceScaling: { Status: "ENABLED", MinInstanceCount: 1, MaxInstanceCount: 2 },
    });
    // Managed instance scaling adds no instance while the update is pending, so its room does not count.
    assert.match((await refused(endpoint, `${endpoint}-managed`)).message, /cannot go to 1 instance/);
    await config(`${endpoint}-two`, { InstanceType: "ml.g5.12xlarge", InitialInstanceCount: 2 });
    await berth.sagemaker.send(new UpdateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: `${endpoint}-two` }));
    await eventually(
      async () => {
        const d = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
        return d.EndpointStatus === "InService" && d.EndpointConfigName === `${endpoint}-two` ? d : undefined;
      },
      { timeoutMs: 60_000, what: `endpoint ${endpoint} to be InService on ${endpoint}-two` },
    );
  });

  it("refuses instances that hold the copies in sum but not as whole copies pack, and accepts enough of them", async () => {
    // 3 copies of 30 CPU cores: 90 in all fits 2 × 48, but one instance holds only one such copy.
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceCount: 3 });
    await createComponent(berth.sagemaker, echoComponent(endpoint, { name: `${endpoint}-ic`, copies: 3, cpu: 30, memory: 256, accelerators: 0 }));
    await config(`${endpoint}-two`, { InstanceType: "ml.g5.12xlarge", InitialInstanceCount: 2 });
    const error = await refused(endpoint, `${endpoint}-two`);
    assert.equal(error.name, "ValidationException");
    assert.match(
      error.message,
      new RegExp(
        `cannot move to 2 ml\\.g5\\.12xlarge instances: only 2 of the 3 copies of inference component '${endpoint}-ic' can be placed on them\\. ` +
          `Each copy needs 30 CPU cores, 256 MiB memory on one instance, and each instance offers 48 CPU cores, .*at least 3 ml\\.g5\\.12xlarge instances`,
      ),
    );
    // The endpoint is not left Updating: it takes a configuration that holds the copies.
    await config(`${endpoint}-three`, { InstanceType: "ml.g5.12xlarge", InitialInstanceCount: 3 });
    await berth.sagemaker.send(new UpdateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: `${endpoint}-three` }));
    await eventually(
      async () => {
        const d = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
        return d.EndpointStatus === "InService" && d.EndpointConfigName === `${endpoint}-three` ? d : undefined;
      },
      { timeoutMs: 60_000, what: `endpoint ${endpoint} to be InService on ${endpoint}-three` },
    );
  });

  it("refuses an instance type smaller than one copy, even with managed instance scaling", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceCount: 1 });
    await createComponent(berth.sagemaker, echoComponent(endpoint, { name: `${endpoint}-ic`, copies: 1, cpu: 8, memory: 256, accelerators: 0 }));
    await config(`${endpoint}-small`, {
      InstanceType: "ml.m5.large",
      InitialInstanceCount: 1,
      ManagedInstanceScaling: { Status: "ENABLED", MinInstanceCount: 1, MaxInstanceCount: 3 },
    });
    const error = await refused(endpoint, `${endpoint}-small`);
    assert.equal(error.name, "ValidationException");
    assert.match(error.message, /cannot move to ml\.m5\.large instances: one copy of inference component '.*-ic' needs more .*CPU cores: needs 8, has 2/);
  });
});
