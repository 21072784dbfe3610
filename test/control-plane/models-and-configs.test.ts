import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  paginateListModels,
} from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { uniqueName } from "../support/fixtures.js";

describe("models and endpoint configurations", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth();
  });
  after(async () => {
    await berth.stop();
  });

  it("creates, describes, lists and deletes a model with a lower-cased ARN and epoch timestamps", async () => {
    const name = uniqueName("Model-Case");
    const created = await berth.sagemaker.send(
      new CreateModelCommand({
        ModelName: name,
        PrimaryContainer: { Image: "berth/echo", Environment: { A: "1" } },
        ExecutionRoleArn: "arn:aws:iam::000000000000:role/x",
      }),
    );
    assert.equal(created.ModelArn, `arn:aws:sagemaker:us-east-1:000000000000:model/${name.toLowerCase()}`);
    const described = await berth.sagemaker.send(new DescribeModelCommand({ ModelName: name }));
    assert.equal(described.ModelName, name);
    assert.deepEqual(described.PrimaryContainer, { Image: "berth/echo", Environment: { A: "1" } });
    assert.ok(described.CreationTime instanceof Date);
    assert.ok(Math.abs(described.CreationTime!.getTime() - Date.now()) < 60_000);
    const listed = await berth.sagemaker.send(new ListModelsCommand({ NameContains: name.slice(0, 20).toLowerCase() }));
    assert.ok(listed.Models!.some((m) => m.ModelName === name));
    await berth.sagemaker.send(new DeleteModelCommand({ ModelName: name }));
    await assert.rejects(berth.sagemaker.send(new DescribeModelCommand({ ModelName: name })), (e: Error) => {
      assert.equal(e.name, "ValidationException");
      assert.match(e.message, /^Could not find model "arn:aws:sagemaker:us-east-1:000000000000:model\//);
      return true;
    });
  });

  it("refuses a second model whose name differs only in case", async () => {
    const name = uniqueName("dup");
    await berth.sagemaker.send(new CreateModelCommand({ ModelName: name, PrimaryContainer: { Image: "berth/echo" } }));
    await assert.rejects(
      berth.sagemaker.send(new CreateModelCommand({ ModelName: name.toUpperCase(), PrimaryContainer: { Image: "berth/echo" } })),
      (e: Error) => {
        assert.equal(e.name, "ValidationException");
        assert.match(e.message, /Cannot create already existing model/);
        return true;
      },
    );
  });

  it("pages through models in both sort orders without repeating or skipping any", async () => {
    const prefix = uniqueName("page");
    const names = Array.from({ length: 7 }, (_, i) => `${prefix}-${i}`);
    for (const name of names) await berth.sagemaker.send(new CreateModelCommand({ ModelName: name, PrimaryContainer: { Image: "berth/echo" } }));
    const seen: string[] = [];
    for await (const page of paginateListModels({ client: berth.sagemaker, pageSize: 3 }, { NameContains: prefix, SortBy: "Name", SortOrder: "Ascending" })) {
      assert.ok(page.Models!.length <= 3);
      seen.push(...page.Models!.map((m) => m.ModelName!));
    }
    assert.deepEqual(seen, [...names].sort());
    const descending = await berth.sagemaker.send(new ListModelsCommand({ NameContains: prefix, SortBy: "Name", SortOrder: "Descending", MaxResults: 100 }));
    assert.deepEqual(
      descending.Models!.map((m) => m.ModelName),
      [...names].sort().reverse(),
    );
    const byTime = await berth.sagemaker.send(new ListModelsCommand({ NameContains: prefix, MaxResults: 100 }));
    assert.equal(byTime.Models![0]!.ModelName, names[names.length - 1], "newest first by default");
  });

  it("rejects a forged or stale NextToken with ValidationException", async () => {
    await assert.rejects(berth.sagemaker.send(new ListModelsCommand({ NextToken: "not-a-token" })), {
      name: "ValidationException",
      message: /NextToken is not valid/,
    });
  });

  it("stores an endpoint configuration as given and describes it back", async () => {
    const name = uniqueName("cfg");
    const variant = {
      VariantName: "AllTraffic",
      InstanceType: "ml.g5.12xlarge" as const,
      InitialInstanceCount: 2,
      ManagedInstanceScaling: { Status: "ENABLED" as const, MinInstanceCount: 0, MaxInstanceCount: 4 },
      RoutingConfig: { RoutingStrategy: "LEAST_OUTSTANDING_REQUESTS" as const },
    };
    const created = await berth.sagemaker.send(new CreateEndpointConfigCommand({ EndpointConfigName: name, ProductionVariants: [variant] }));
    assert.equal(created.EndpointConfigArn, `arn:aws:sagemaker:us-east-1:000000000000:endpoint-config/${name.toLowerCase()}`);
    const described = await berth.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
    assert.deepEqual(described.ProductionVariants, [variant]);
    const listed = await berth.sagemaker.send(new ListEndpointConfigsCommand({ NameContains: name }));
    assert.deepEqual(
      listed.EndpointConfigs!.map((c) => c.EndpointConfigName),
      [name],
    );
    await berth.sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name }));
    await assert.rejects(berth.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name })), {
      name: "ValidationException",
      message: /^Could not find endpoint configuration "arn:aws:sagemaker:us-east-1:000000000000:endpoint-config\//,
    });
  });

  it("refuses an instance type outside the catalog and names types it does know", async () => {
    await assert.rejects(
      berth.sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: uniqueName("cfg"),
          ProductionVariants: [{ VariantName: "v", InstanceType: "ml.g4dn.xlarge", InitialInstanceCount: 1 }],
        }),
      ),
      (e: Error) => {
        assert.equal(e.name, "ValidationException");
        assert.match(e.message, /Instance type 'ml\.g4dn\.xlarge' is not in Berth's instance catalog/);
        assert.match(e.message, /ml\.g5\.xlarge|ml\.m5\.large/);
        return true;
      },
    );
  });

  it("refuses a variant that names a model that does not exist", async () => {
    await assert.rejects(
      berth.sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: uniqueName("cfg"),
          ProductionVariants: [{ VariantName: "v", ModelName: "no-such-model", InstanceType: "ml.m5.large", InitialInstanceCount: 1 }],
        }),
      ),
      { name: "ValidationException", message: 'Could not find model "arn:aws:sagemaker:us-east-1:000000000000:model/no-such-model".' },
    );
  });
});
