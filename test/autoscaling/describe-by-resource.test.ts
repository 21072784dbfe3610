import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ApplicationAutoScalingClient,
  DeleteScalingPolicyCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  type ScalableDimension,
} from "@aws-sdk/client-application-auto-scaling";
import { CreateInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createIcEndpoint, echoComponent, uniqueName } from "../support/fixtures.js";

const dimension: ScalableDimension = "sagemaker:inference-component:DesiredCopyCount";

const stepPolicy = (ResourceId: string, PolicyName: string, ScalingAdjustment: number) =>
  new PutScalingPolicyCommand({
    ServiceNamespace: "sagemaker",
    ResourceId,
    ScalableDimension: dimension,
    PolicyName,
    PolicyType: "StepScaling",
    StepScalingPolicyConfiguration: { AdjustmentType: "ChangeInCapacity", StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment }] },
  });

describe("Application Auto Scaling describes by resource", () => {
  let berth: BerthProcess;
  let aas: ApplicationAutoScalingClient;
  let resources: string[];
  let endpoint: string;
  before(async () => {
    berth = await startBerth();
    aas = new ApplicationAutoScalingClient({ endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 });
    endpoint = await createIcEndpoint(berth.sagemaker);
    // The second name starts with the first, so a resource id is a prefix of another one.
    const first = uniqueName("ic");
    const names = [first, `${first}-b`, uniqueName("ic")];
    for (const name of names) await berth.sagemaker.send(new CreateInferenceComponentCommand(echoComponent(endpoint, { name, copies: 0 })));
    resources = names.map((name) => `inference-component/${name}`);
    for (const [i, ResourceId] of resources.entries()) {
      await aas.send(
        new RegisterScalableTargetCommand({ ServiceNamespace: "sagemaker", ResourceId, ScalableDimension: dimension, MinCapacity: 0, MaxCapacity: 2 + i }),
      );
      for (const PolicyName of ["out", "in"]) await aas.send(stepPolicy(ResourceId, PolicyName, PolicyName === "out" ? 1 : -1));
    }
  });
  after(async () => {
    await berth.stop();
  });

  it("lists the targets of the resources asked for, in the order of the full listing", async () => {
    const all = (await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker" }))).ScalableTargets!.map((t) => t.ResourceId);
    const asked = [resources[2]!, resources[0]!];
    const some = (await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", ResourceIds: asked }))).ScalableTargets!;
    assert.deepEqual(
      some.map((t) => t.ResourceId),
      all.filter((id) => asked.includes(id!)),
    );
    const one = (
      await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", ResourceIds: [resources[0]!], ScalableDimension: dimension }))
    ).ScalableTargets!;
    assert.deepEqual(
      one.map((t) => [t.ResourceId, t.MaxCapacity]),
      [[resources[0], 2]],
      "not the target of the resource whose id starts the same",
    );
  });

  it("lists the policies of one resource only, with or without its dimension", async () => {
    for (const ScalableDimension of [undefined, dimension]) {
      const policies = (await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker", ResourceId: resources[0], ScalableDimension })))
        .ScalingPolicies!;
      assert.deepEqual(
        policies.map((p) => [p.ResourceId, p.PolicyName]),
        [
          [resources[0], "in"],
          [resources[0], "out"],
        ],
      );
    }
    for (const ResourceId of resources) {
      const policies = (await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker", ResourceId }))).ScalingPolicies!;
      assert.deepEqual(
        policies.map((p) => p.ResourceId),
        [ResourceId, ResourceId],
      );
    }
  });

  it("takes a ResourceId spelled in another case as the same component, with one target in the spelling it was created with", async () => {
    const shouted = `inference-component/${resources[1]!.slice("inference-component/".length).toUpperCase()}`;
    assert.notEqual(shouted, resources[1]);
    await aas.send(
      new RegisterScalableTargetCommand({ ServiceNamespace: "sagemaker", ResourceId: shouted, ScalableDimension: dimension, MinCapacity: 0, MaxCapacity: 5 }),
    );
    const targets = (await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker" }))).ScalableTargets!.filter(
      (t) => t.ResourceId!.toLowerCase() === resources[1]!.toLowerCase(),
    );
    assert.deepEqual(
      targets.map((t) => [t.ResourceId, t.MaxCapacity]),
      [[resources[1], 5]],
      "the registration updated the one target",
    );
    const policies = (await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker", ResourceId: shouted }))).ScalingPolicies!;
    assert.deepEqual(
      policies.map((p) => [p.ResourceId, p.PolicyName]),
      [
        [resources[1], "in"],
        [resources[1], "out"],
      ],
    );
  });

  it("pages policies from where the last page ended: a policy deleted between pages hides none of the others", async () => {
    const name = uniqueName("paged");
    await berth.sagemaker.send(new CreateInferenceComponentCommand(echoComponent(endpoint, { name, copies: 0 })));
    const ResourceId = `inference-component/${name}`;
    await aas.send(
      new RegisterScalableTargetCommand({ ServiceNamespace: "sagemaker", ResourceId, ScalableDimension: dimension, MinCapacity: 0, MaxCapacity: 2 }),
    );
    for (const PolicyName of ["in", "mid", "out"]) await aas.send(stepPolicy(ResourceId, PolicyName, 1));
    const page = async (NextToken?: string) =>
      aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker", ResourceId, MaxResults: 1, NextToken }));
    const first = await page();
    assert.deepEqual(
      first.ScalingPolicies!.map((p) => p.PolicyName),
      ["in"],
    );
    await aas.send(new DeleteScalingPolicyCommand({ ServiceNamespace: "sagemaker", ResourceId, ScalableDimension: dimension, PolicyName: "in" }));
    const second = await page(first.NextToken);
    assert.deepEqual(
      second.ScalingPolicies!.map((p) => p.PolicyName),
      ["mid"],
    );
    const third = await page(second.NextToken);
    assert.deepEqual(
      third.ScalingPolicies!.map((p) => p.PolicyName),
      ["out"],
    );
    assert.equal(third.NextToken, undefined);
  });
});
