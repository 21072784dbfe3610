import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApplicationAutoScalingClient, LimitExceededException, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateInferenceComponentCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeInferenceComponentCommand,
  ResourceLimitExceeded,
  UpdateEndpointWeightsAndCapacitiesCommand,
  UpdateInferenceComponentCommand,
  UpdateInferenceComponentRuntimeConfigCommand,
  type ProductionVariant,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { credentials, newDataDir, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName, waitForComponent, waitForEndpoint } from "../support/fixtures.js";
import { berthFetch } from "../support/http.js";
import { eventually } from "../support/wait.js";

const smallCpu = { accelerators: 0, cpu: 0.25, memory: 128 };

async function refused<T extends Error>(call: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await call.then(
    () => assert.fail("the request was accepted"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof type, `expected ${type.name}, got ${(error as Error).name}: ${(error as Error).message}`);
  assert.equal((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 400);
  return error as T;
}

function config(sm: SageMakerClient, name: string, variants: Partial<ProductionVariant>[]) {
  return sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: variants.map((v, i) => ({ VariantName: `v${i}`, InstanceType: "ml.m5.large", InitialInstanceCount: 1, ...v }) as ProductionVariant),
    }),
  );
}

describe("quotas: requests over a limit are refused with ResourceLimitExceeded", () => {
  let berth: BerthProcess;
  let aas: ApplicationAutoScalingClient;
  before(async () => {
    berth = await startBerth({ config: { quotas: { maxInstancesPerEndpoint: 4, maxCopiesPerComponent: 3 } } });
    aas = new ApplicationAutoScalingClient({ endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 });
  });
  after(async () => {
    assert.equal(await berth.stop(), 0);
  });

  it("refuses endpoint configurations whose variants ask for more instances than an endpoint may have", async () => {
    const cases: [string, Partial<ProductionVariant>[], RegExp][] = [
      ["initial", [{ InitialInstanceCount: 1_000_000_000 }], /asks for 1000000000 Instances \(InitialInstanceCount of variant 'v0'\)/],
      [
        "managed",
        [{ ManagedInstanceScaling: { Status: "ENABLED", MinInstanceCount: 1, MaxInstanceCount: 1_000_000_000 } }],
        /ManagedInstanceScaling\.MaxInstanceCount of variant 'v0'/,
      ],
      ["summed", [{ InitialInstanceCount: 3 }, { InitialInstanceCount: 3 }], /asks for 6 Instances \(InitialInstanceCount summed over 2 variants\)/],
    ];
    for (const [label, variants, detail] of cases) {
      const name = uniqueName(`cfg-${label}`);
      const error = await refused(config(berth.sagemaker, name, variants), ResourceLimitExceeded);
      assert.match(error.message, /'Maximum number of instances per endpoint' is 4 Instances/);
      assert.match(error.message, detail);
      assert.match(error.message, /raise quotas\.maxInstancesPerEndpoint in the server config/);
      await assert.rejects(
        berth.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name })),
        /Could not find endpoint configuration/,
        "a refused configuration is not stored",
      );
    }
  });

  it("refuses instance counts over the limit in UpdateEndpointWeightsAndCapacities and keeps the old count", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.m5.large", instanceCount: 2 });
    const error = await refused(
      berth.sagemaker.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: endpoint,
          DesiredWeightsAndCapacities: [{ VariantName: "AllTraffic", DesiredInstanceCount: 1_000_000_000 }],
        }),
      ),
      ResourceLimitExceeded,
    );
    assert.match(error.message, /asks for 1000000000 Instances \(DesiredInstanceCount of variant 'AllTraffic'\)/);
    const described = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    assert.equal(described.ProductionVariants![0]!.DesiredInstanceCount, 2);
    assert.equal(described.EndpointStatus, "InService");
  });

  it("refuses copy counts over the limit at create, runtime-config update and update", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.m5.xlarge" });
    const tooMany = echoComponent(endpoint, { ...smallCpu, copies: 1_000_000_000 });
    const created = await refused(berth.sagemaker.send(new CreateInferenceComponentCommand(tooMany)), ResourceLimitExceeded);
    assert.match(
      created.message,
      /'Maximum number of copies per inference component' is 3 Copies, and the request asks for 1000000000 Copies \(RuntimeConfig\.CopyCount\)/,
    );
    assert.match(created.message, /quotas\.maxCopiesPerComponent/);
    await assert.rejects(
      berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: tooMany.InferenceComponentName })),
      /Could not find inference component/,
    );

    const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { ...smallCpu, copies: 1 }));
    await refused(
      berth.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: component, DesiredRuntimeConfig: { CopyCount: 4 } })),
      ResourceLimitExceeded,
    );
    await refused(
      berth.sagemaker.send(new UpdateInferenceComponentCommand({ InferenceComponentName: component, RuntimeConfig: { CopyCount: 4 } })),
      ResourceLimitExceeded,
    );
    const described = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: component }));
    assert.equal(described.RuntimeConfig!.DesiredCopyCount, 1);
    assert.equal(described.InferenceComponentStatus, "InService");
  });

  it("refuses scalable targets whose MaxCapacity is over the quota of their dimension, with LimitExceededException", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.m5.xlarge" });
    const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { ...smallCpu, copies: 1 }));
    const copies = await refused(
      aas.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: "sagemaker",
          ResourceId: `inference-component/${component}`,
          ScalableDimension: "sagemaker:inference-component:DesiredCopyCount",
          MinCapacity: 1,
          MaxCapacity: 1_000_000_000,
        }),
      ),
      LimitExceededException,
    );
    assert.match(
      copies.message,
      /MaxCapacity 1000000000 for inference-component\/.* exceeds the limit of 3 copies per inference component.*quotas\.maxCopiesPerComponent/,
    );
    const instances = await refused(
      aas.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: "sagemaker",
          ResourceId: `endpoint/${endpoint}/variant/AllTraffic`,
          ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
          MinCapacity: 1,
          MaxCapacity: 5,
        }),
      ),
      LimitExceededException,
    );
    assert.match(instances.message, /exceeds the limit of 4 instances per endpoint.*quotas\.maxInstancesPerEndpoint/);
    await aas.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: `inference-component/${component}`,
        ScalableDimension: "sagemaker:inference-component:DesiredCopyCount",
        MinCapacity: 1,
        MaxCapacity: 3,
      }),
    );
  });
});

describe("quotas: settings", () => {
  it("refuses unknown quota names and values that are not whole numbers of at least 1", async () => {
    await assert.rejects(
      startBerth({ config: { quotas: { maxInstances: 3 } } }),
      /unknown setting 'quotas\.maxInstances'\. Known settings in quotas: maxInstancesPerEndpoint, maxCopiesPerComponent/,
    );
    await assert.rejects(
      startBerth({ config: { quotas: { maxCopiesPerComponent: 0 } } }),
      /quotas\.maxCopiesPerComponent must be a whole number from 1 to 1000000, got '0'/,
    );
  });
});

describe("quotas: a stored record over today's limits cannot stop the server", () => {
  it("marks the record Failed with a reason on start, serves everything else, and resumes it once within the limits", async () => {
    const dataDir = newDataDir();
    const generous = { quotas: { maxInstancesPerEndpoint: 5, maxCopiesPerComponent: 4 } };
    const first = await startBerth({ dataDir, config: generous });
    const big = uniqueName("big");
    let hosting: string;
    let component: string;
    try {
      await createIcEndpoint(first.sagemaker, { name: big, instanceType: "ml.m5.large", instanceCount: 5 });
      hosting = await createIcEndpoint(first.sagemaker, { instanceType: "ml.m5.4xlarge" });
      component = await createComponent(first.sagemaker, echoComponent(hosting, { ...smallCpu, copies: 4 }));
    } finally {
      assert.equal(await first.stop(), 0);
    }

    const strict = await startBerth({ dataDir, config: { quotas: { maxInstancesPerEndpoint: 4, maxCopiesPerComponent: 3 } } });
    try {
      await waitForEndpoint(strict.sagemaker, big, "Failed");
      const failed = await strict.sagemaker.send(new DescribeEndpointCommand({ EndpointName: big }));
      assert.match(failed.FailureReason!, /asks for 5 instances, more than quotas\.maxInstancesPerEndpoint \(4\)/);
      assert.match(failed.FailureReason!, /Delete the endpoint and create it again with at most 4 instances, or raise quotas\.maxInstancesPerEndpoint/);
      const failedComponent = await waitForComponent(strict.sagemaker, component, "Failed");
      assert.match(failedComponent.FailureReason!, /asks for 4 copies, more than quotas\.maxCopiesPerComponent \(3\)/);

      // Everything else is served: the healthy endpoint, new resources, invocations.
      assert.equal((await berthFetch(`${strict.url}/healthz`)).status, 200);
      assert.equal((await strict.sagemaker.send(new DescribeEndpointCommand({ EndpointName: hosting }))).EndpointStatus, "InService");
      const fresh = await createComponent(strict.sagemaker, echoComponent(hosting, { ...smallCpu, copies: 1 }));
      const answer = await strict.runtime.send(
        new InvokeEndpointCommand({
          EndpointName: hosting,
          InferenceComponentName: fresh,
          ContentType: "application/json",
          Body: JSON.stringify({ hello: 1 }),
        }),
      );
      assert.equal(answer.$metadata.httpStatusCode, 200);
      await createIcEndpoint(strict.sagemaker, { instanceType: "ml.m5.large", instanceCount: 4 });

      // The reason's advice works: a copy count within the limit brings the component back.
      await strict.sagemaker.send(
        new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: component, DesiredRuntimeConfig: { CopyCount: 2 } }),
      );
      const back = await waitForComponent(strict.sagemaker, component, "InService");
      assert.equal(back.RuntimeConfig!.CurrentCopyCount, 2);
    } finally {
      assert.equal(await strict.stop(), 0);
    }

    const raised = await startBerth({ dataDir, config: generous });
    try {
      await waitForEndpoint(raised.sagemaker, big, "InService");
      const resumed = await raised.sagemaker.send(new DescribeEndpointCommand({ EndpointName: big }));
      assert.equal(resumed.FailureReason, undefined);
      assert.equal(resumed.ProductionVariants![0]!.CurrentInstanceCount, 5);
    } finally {
      assert.equal(await raised.stop(), 0);
    }
  });
});

describe("quotas: instances are created in batches", () => {
  const count = 2000;
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth({ config: { quotas: { maxInstancesPerEndpoint: count } } });
  });
  after(async () => {
    assert.equal(await berth.stop(), 0);
  });

  it(`keeps answering the API while an endpoint with ${count} instances comes up`, async () => {
    const name = uniqueName("wide");
    await config(berth.sagemaker, `${name}-cfg`, [{ InitialInstanceCount: count }]);
    await berth.sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-cfg` }));
    const seen = new Set<number>();
    let answers = 0;
    const deadline = Date.now() + 180_000;
    let final;
    // Any failed answer fails the test: the API must keep answering while the instances are created.
    for (;;) {
      assert.equal((await berthFetch(`${berth.url}/healthz`)).status, 200, "/healthz answers during the ramp");
      const d = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
      answers++;
      seen.add(d.ProductionVariants![0]!.CurrentInstanceCount!);
      if (d.EndpointStatus === "InService") {
        final = d;
        break;
      }
      assert.ok(Date.now() < deadline, `endpoint ${name} did not reach ${count} instances (counts seen: ${[...seen].join(", ")})`);
    }
    assert.equal(final.ProductionVariants![0]!.CurrentInstanceCount, count);
    const between = [...seen].filter((n) => n > 0 && n < count);
    assert.ok(between.length >= 3, `the API answered while instances were being created (counts seen: ${[...seen].sort((a, b) => a - b).join(", ")})`);
    assert.ok(answers >= between.length);
  });
});

describe("quotas: managed instance scaling stays within the endpoint's quota", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 1, quotas: { maxInstancesPerEndpoint: 3 } } });
  });
  after(async () => {
    assert.equal(await berth.stop(), 0);
  });

  it("adds instances to a variant only up to what the other variants leave of the quota", async () => {
    const name = uniqueName("shared");
    await config(berth.sagemaker, `${name}-cfg`, [
      { VariantName: "fixed", InitialInstanceCount: 1 },
      { VariantName: "scaling", InitialInstanceCount: 1, ManagedInstanceScaling: { Status: "ENABLED", MinInstanceCount: 1, MaxInstanceCount: 3 } },
    ]);
    await berth.sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-cfg` }));
    await waitForEndpoint(berth.sagemaker, name, "InService");
    // One copy fills an ml.m5.large, so three copies want three instances; the other variant leaves room for two.
    const component = echoComponent(name, { accelerators: 0, cpu: 1.5, memory: 256, copies: 3 });
    await berth.sagemaker.send(new CreateInferenceComponentCommand({ ...component, VariantName: "scaling" }));
    const placed = await eventually(
      async () => {
        const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: component.InferenceComponentName }));
        return d.RuntimeConfig!.CurrentCopyCount === 2 && /cannot be placed/.test(d.FailureReason ?? "") ? d : undefined;
      },
      { timeoutMs: 60_000, what: "two copies to run and the third to wait for capacity" },
    );
    assert.equal(placed.InferenceComponentStatus, "Creating");
    // The endpoint is not pushed over its quota, so it does not fail: it settles InService (it may still show
    // Updating for a moment after its second instance came up).
    await waitForEndpoint(berth.sagemaker, name, "InService");
    const endpoint = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
    const scaling = endpoint.ProductionVariants!.find((v) => v.VariantName === "scaling")!;
    assert.deepEqual([scaling.DesiredInstanceCount, scaling.CurrentInstanceCount], [2, 2]);
    assert.ok(
      berth.logs.some((l) => String(l.msg).includes(`variant scaling of ${name.toLowerCase()} wants 2 instances`)),
      "managed scaling asked for 2 instances",
    );
    assert.ok(!berth.logs.some((l) => String(l.msg).includes("wants 3 instances")), "and never for 3");
  });
});
