import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateInferenceComponentCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  ListInferenceComponentsCommand,
  CreateTrainingJobCommand,
  ListModelsCommand,
  SageMakerServiceException,
  UpdateInferenceComponentRuntimeConfigCommand,
  type ProductionVariantInstanceType,
} from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createIcEndpoint, echoComponent, uniqueName } from "../support/fixtures.js";
import { berthFetch } from "../support/http.js";

async function rawCall(url: string, target: string, body: string, headers: Record<string, string> = {}) {
  const response = await berthFetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target, ...headers },
    body,
  });
  return { status: response.status, errorType: response.headers.get("x-amzn-errortype"), body: (await response.json()) as Record<string, unknown> };
}

describe("validation and wire errors", () => {
  let berth: BerthProcess;
  let storedModels: number;
  before(async () => {
    berth = await startBerth();
    await berth.sagemaker.send(new CreateModelCommand({ ModelName: "kept-model", PrimaryContainer: { Image: "berth/echo" } }));
    storedModels = (await berth.sagemaker.send(new ListModelsCommand({ MaxResults: 100 }))).Models!.length;
  });
  after(async () => {
    const models = (await berth.sagemaker.send(new ListModelsCommand({ MaxResults: 100 }))).Models!;
    assert.equal(models.length, storedModels, "no rejected request left a model behind");
    assert.equal(await berth.stop(), 0);
  });

  const cases: { title: string; input: Record<string, unknown>; message: RegExp }[] = [
    {
      title: "a missing required name",
      input: { PrimaryContainer: { Image: "x" } },
      message: /Value null at 'modelName' failed to satisfy constraint: Member must not be null/,
    },
    {
      title: "a name that breaks the pattern",
      input: { ModelName: "bad_name!", PrimaryContainer: { Image: "x" } },
      message: /at 'modelName' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    },
    {
      title: "a name longer than 63 characters",
      input: { ModelName: "a".repeat(64), PrimaryContainer: { Image: "x" } },
      message: /Member must have length less than or equal to 63/,
    },
    {
      title: "an environment key with a dash",
      input: { ModelName: "ok", PrimaryContainer: { Image: "x", Environment: { "BAD-KEY": "v" } } },
      message: /primaryContainer\.environment\.key/,
    },
    {
      title: "an enum value outside the set",
      input: { ModelName: "ok", PrimaryContainer: { Image: "x", Mode: "Sideways" } },
      message: /Member must satisfy enum value set: \[SingleModel, MultiModel\]/,
    },
    {
      title: "more than 50 tags",
      input: { ModelName: "ok", PrimaryContainer: { Image: "x" }, Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" })) },
      message: /at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50/,
    },
    { title: "a model with no container", input: { ModelName: "ok" }, message: /must have a PrimaryContainer or Containers with an Image/ },
    {
      title: "a model with both PrimaryContainer and Containers",
      input: { ModelName: "ok", PrimaryContainer: { Image: "berth/echo" }, Containers: [{ Image: "berth/echo" }] },
      message: /has both PrimaryContainer and Containers; give only one/,
    },
  ];
  for (const c of cases) {
    it(`answers ValidationException for ${c.title}`, async () => {
      await assert.rejects(berth.sagemaker.send(new CreateModelCommand(c.input as never)), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, "ValidationException");
        assert.equal(e.$metadata?.httpStatusCode, 400);
        assert.match(e.message, c.message);
        return true;
      });
    });
  }

  it("counts several violations in one message", async () => {
    const reply = await rawCall(berth.url, "SageMaker.CreateModel", JSON.stringify({ ModelName: "bad_name!", Tags: [{ Key: "", Value: "v" }] }));
    assert.equal(reply.status, 400);
    assert.equal(reply.errorType, "ValidationException");
    assert.match(String(reply.body.message), /^2 validation errors detected: /);
  });

  it("checks numeric ranges from the service model", async () => {
    await assert.rejects(
      berth.sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: uniqueName("cfg"),
          ProductionVariants: [{ VariantName: "v", InstanceType: "ml.g5.xlarge", InitialInstanceCount: 0 }],
        }),
      ),
      {
        name: "ValidationException",
        message:
          /Value '0' at 'productionVariants\.1\.member\.initialInstanceCount' failed to satisfy constraint: Member must have value greater than or equal to 1/,
      },
    );
    await assert.rejects(berth.sagemaker.send(new ListInferenceComponentsCommand({ MaxResults: 101 })), {
      name: "ValidationException",
      message: /less than or equal to 100/,
    });
  });

  it("answers SerializationException when a field has the wrong JSON type", async () => {
    const reply = await rawCall(
      berth.url,
      "SageMaker.UpdateInferenceComponentRuntimeConfig",
      JSON.stringify({ InferenceComponentName: "x", DesiredRuntimeConfig: { CopyCount: "three" } }),
    );
    assert.equal(reply.status, 400);
    assert.equal(reply.body.__type, "SerializationException");
    assert.match(String(reply.body.message), /desiredRuntimeConfig\.copyCount' must be an integer/);
  });

  it("answers a clear 4xx for malformed JSON, a wrong content type, an oversized body and an unknown operation", async () => {
    const malformed = await rawCall(berth.url, "SageMaker.CreateModel", "{ not json");
    assert.equal(malformed.status, 400);
    assert.equal(malformed.errorType, "SerializationException");
    assert.match(String(malformed.body.message), /not valid JSON/);

    const wrongType = await rawCall(berth.url, "SageMaker.ListModels", "{}", { "content-type": "text/plain" });
    assert.equal(wrongType.status, 415);
    assert.match(String(wrongType.body.message), /Content-Type 'text\/plain' is not supported.*application\/x-amz-json-1\.1/);

    const huge = await rawCall(
      berth.url,
      "SageMaker.CreateModel",
      JSON.stringify({ ModelName: "huge", PrimaryContainer: { Image: "x".repeat(3 * 1024 * 1024) } }),
    );
    assert.equal(huge.status, 413);
    assert.equal(huge.errorType, "RequestEntityTooLargeException");

    const unknown = await rawCall(berth.url, "SageMaker.LaunchRocket", "{}");
    assert.equal(unknown.status, 400);
    assert.equal(unknown.errorType, "UnknownOperationException");

    const noTarget = await berthFetch(berth.url, { method: "POST", headers: { "content-type": "application/x-amz-json-1.1" }, body: "{}" });
    assert.equal(noTarget.status, 400);
    assert.equal(noTarget.headers.get("x-amzn-errortype"), "UnknownOperationException");

    const notObject = await rawCall(berth.url, "SageMaker.ListModels", "[1,2]");
    assert.equal(notObject.status, 400);
    assert.equal(notObject.errorType, "SerializationException");

    const health = await berthFetch(`${berth.url}/healthz`);
    assert.equal(health.status, 200, "the server is still healthy after bad requests");
  });

  it("refuses an endpoint whose configuration does not exist", async () => {
    await assert.rejects(berth.sagemaker.send(new CreateEndpointCommand({ EndpointName: uniqueName("ep"), EndpointConfigName: "missing-cfg" })), {
      name: "ValidationException",
      message: 'Could not find endpoint configuration "arn:aws:sagemaker:us-east-1:000000000000:endpoint-config/missing-cfg".',
    });
  });

  it("refuses an inference component on a missing endpoint, or naming a missing model or variant", async () => {
    await assert.rejects(berth.sagemaker.send(new CreateInferenceComponentCommand(echoComponent("no-such-endpoint"))), {
      name: "ValidationException",
      message: 'Could not find endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/no-such-endpoint".',
    });
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.xlarge" });
    const withModel = echoComponent(endpoint);
    withModel.Specification = { ModelName: "no-such-model", ComputeResourceRequirements: { MinMemoryRequiredInMb: 1024 } };
    await assert.rejects(berth.sagemaker.send(new CreateInferenceComponentCommand(withModel)), {
      name: "ValidationException",
      message: /Could not find model "arn:aws:sagemaker:us-east-1:000000000000:model\/no-such-model"/,
    });
    await assert.rejects(berth.sagemaker.send(new CreateInferenceComponentCommand({ ...echoComponent(endpoint), VariantName: "Nope" })), {
      name: "ValidationException",
      message: /Variant 'Nope' does not exist on endpoint/,
    });
  });

  it("refuses a copy larger than one instance, naming the component, the resource and both numbers", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.xlarge" });
    const name = uniqueName("too-big");
    await assert.rejects(
      berth.sagemaker.send(new CreateInferenceComponentCommand(echoComponent(endpoint, { name, accelerators: 2, cpu: 8, memory: 1024 }))),
      (e: Error) => {
        assert.equal(e.name, "ValidationException");
        assert.match(e.message, /not enough hardware resources/);
        assert.ok(e.message.includes(`'${name}'`), e.message);
        assert.match(e.message, /accelerator devices: needs 2, has 1/);
        assert.match(e.message, /CPU cores: needs 8, has 4/);
        return true;
      },
    );
    await assert.rejects(
      berth.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: name, DesiredRuntimeConfig: { CopyCount: 1 } })),
      {
        name: "ValidationException",
        message: `Could not find inference component "${name}".`,
      },
    );
  });

  it("keeps the endpoint untouched when an inference component is refused", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.xlarge" });
    const before = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    await assert.rejects(berth.sagemaker.send(new CreateInferenceComponentCommand(echoComponent(endpoint, { memory: 10_000_000 }))));
    const listed = await berth.sagemaker.send(new ListInferenceComponentsCommand({ EndpointNameEquals: endpoint }));
    assert.deepEqual(listed.InferenceComponents, []);
    const afterwards = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    assert.deepEqual(afterwards.LastModifiedTime, before.LastModifiedTime);
  });

  it("refuses a configuration naming an instance type the service model does not know", async () => {
    await assert.rejects(
      berth.sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: uniqueName("cfg"),
          ProductionVariants: [{ VariantName: "v", InstanceType: "ml.banana.large" as ProductionVariantInstanceType, InitialInstanceCount: 1 }],
        }),
      ),
      { name: "ValidationException", message: /instanceType' failed to satisfy constraint: Member must satisfy enum value set/ },
    );
  });

  it("refuses an operation of SageMaker's model that Berth does not serve, saying what it serves, in the class the SDK raises", async () => {
    const refused = await berth.sagemaker
      .send(
        new CreateTrainingJobCommand({
          TrainingJobName: uniqueName("train"),
          AlgorithmSpecification: { TrainingInputMode: "File", TrainingImage: "berth/echo" },
          RoleArn: "arn:aws:iam::000000000000:role/berth",
          OutputDataConfig: { S3OutputPath: "s3://bucket/out" },
          ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
          StoppingCondition: { MaxRuntimeInSeconds: 60 },
        }),
      )
      .then(
        () => assert.fail("CreateTrainingJob was accepted"),
        (error: Error & { $metadata?: { httpStatusCode?: number } }) => error,
      );
    assert.ok(refused instanceof SageMakerServiceException);
    assert.equal(refused.name, "UnknownOperationException");
    assert.equal(refused.$metadata?.httpStatusCode, 400);
    assert.equal(
      refused.message,
      'SageMaker.CreateTrainingJob is not served: Berth implements SageMaker hosting only (models, endpoint configurations, endpoints, inference components, tags). See README "The calls tools make".',
    );
    const madeUp = await rawCall(berth.url, "SageMaker.LaunchRocket", "{}");
    assert.equal(madeUp.body.message, "Operation 'SageMaker.LaunchRocket' is not supported by this server. Check the X-Amz-Target header.");
  });

  it("answers UnknownOperationException for targets named after Object's own members, not 500 or a bare 200", async () => {
    for (const operation of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
      const reply = await rawCall(berth.url, `SageMaker.${operation}`, "{}");
      assert.equal(reply.status, 400, operation);
      assert.equal(reply.errorType, "UnknownOperationException", operation);
      assert.match(String(reply.body.message), new RegExp(`Operation 'SageMaker\\.${operation.replace(/_/g, "_")}' is not supported`));
    }
  });

  it("answers SerializationException for a number outside its wire type, and stores nothing", async () => {
    const name = uniqueName("cfg");
    const count = await rawCall(
      berth.url,
      "SageMaker.CreateEndpointConfig",
      JSON.stringify({ EndpointConfigName: name, ProductionVariants: [{ VariantName: "v", InstanceType: "ml.g5.xlarge", InitialInstanceCount: 1e308 }] }),
    );
    assert.equal(count.status, 400);
    assert.equal(count.errorType, "SerializationException");
    assert.match(
      String(count.body.message),
      /productionVariants\.1\.member\.initialInstanceCount' must be an integer from -2147483648 to 2147483647, but the request has number 1e\+308/,
    );
    await assert.rejects(berth.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name })), {
      name: "ValidationException",
      message: /Could not find endpoint configuration/,
    });

    const weight = await rawCall(
      berth.url,
      "SageMaker.UpdateEndpointWeightsAndCapacities",
      JSON.stringify({ EndpointName: "any", DesiredWeightsAndCapacities: [{ VariantName: "v", DesiredWeight: 2e71 }] }),
    );
    assert.equal(weight.status, 400);
    assert.equal(weight.errorType, "SerializationException");
    assert.match(String(weight.body.message), /desiredWeight' must be a number of at most 3\.4028235e38 in size/);
  });

  it("answers SerializationException for a timestamp no date can hold", async () => {
    const reply = await rawCall(
      berth.url,
      "GraniteServiceVersion20100801.GetMetricStatistics",
      JSON.stringify({ Namespace: "N", MetricName: "M", StartTime: 1e308, EndTime: 1, Period: 60, Statistics: ["Sum"] }),
      { "content-type": "application/x-amz-json-1.0" },
    );
    assert.equal(reply.status, 400);
    assert.equal(reply.errorType, "SerializationException");
    assert.match(String(reply.body.message), /'startTime' must be a timestamp/);
  });

  it("keeps a map key named __proto__ as an ordinary key", async () => {
    const name = uniqueName("proto-env");
    const created = await rawCall(
      berth.url,
      "SageMaker.CreateModel",
      `{"ModelName":"${name}","PrimaryContainer":{"Image":"berth/echo","Environment":{"__proto__":"kept","OTHER":"1"}}}`,
    );
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const described = await rawCall(berth.url, "SageMaker.DescribeModel", JSON.stringify({ ModelName: name }));
    const environment = (described.body.PrimaryContainer as { Environment: Record<string, string> }).Environment;
    assert.deepEqual(Object.entries(environment), [
      ["__proto__", "kept"],
      ["OTHER", "1"],
    ]);
    storedModels++;
  });
});
