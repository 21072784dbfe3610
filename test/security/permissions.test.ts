import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, DeleteAlarmsCommand, DisableAlarmActionsCommand, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import {
  AddTagsCommand,
  CreateModelCommand,
  DeleteModelCommand,
  DescribeModelCommand,
  ListModelsCommand,
  ListTagsCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, InvokeEndpointWithResponseStreamCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { berthFetch } from "../support/http.js";
import { createKey } from "./keys-cli.js";

type Key = { accessKeyId: string; secretAccessKey: string };

async function refusal(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  assert.fail("the request was allowed");
}

const user = (name: string) => `arn:aws:iam::000000000000:user/${name}`;
const modelArn = (name: string) => `arn:aws:sagemaker:us-east-1:000000000000:model/${name}`;

describe("key policies", () => {
  let berth: BerthProcess;
  let reader: Key;
  let teamA: Key;
  let noDelete: Key;
  let invoker: Key;
  let notShared: Key;
  const client = <T>(Client: new (options: object) => T, key: Key) =>
    new Client({ endpoint: berth.url, region: "us-east-1", credentials: key, maxAttempts: 1 });

  before(async () => {
    berth = await startBerth();
    reader = createKey(berth.dataDir, "reader", {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["sagemaker:Describe*", "sagemaker:List*"], Resource: "*" }],
    });
    teamA = createKey(berth.dataDir, "team-a", {
      Version: "2012-10-17",
      Statement: { Effect: "Allow", Action: "sagemaker:*Model", Resource: "arn:aws:sagemaker:*:*:model/team-a-*" },
    });
    noDelete = createKey(berth.dataDir, "no-delete", {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "*", Resource: "*" },
        { Effect: "Deny", Action: ["sagemaker:Delete*", "cloudwatch:DeleteAlarms", "cloudwatch:DisableAlarmActions"], Resource: "*" },
      ],
    });
    invoker = createKey(berth.dataDir, "invoker", {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "sagemaker:InvokeEndpoint", Resource: "arn:aws:sagemaker:us-east-1:000000000000:endpoint/open-?" }],
    });
    notShared = createKey(berth.dataDir, "not-shared", {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "*", Resource: "*" },
        { Effect: "Deny", Action: "sagemaker:*", Resource: "arn:aws:sagemaker:*:*:model/shared" },
      ],
    });
    await berth.sagemaker.send(new CreateModelCommand({ ModelName: "shared", PrimaryContainer: { Image: "berth/echo" } }));
  });
  after(async () => {
    await berth.stop();
  });

  it("allows what a policy allows and denies the rest by default, worded as AWS words it", async () => {
    const sm = client(SageMakerClient, reader);
    assert.deepEqual(
      (await sm.send(new ListModelsCommand({}))).Models?.map((m) => m.ModelName),
      ["shared"],
    );
    assert.equal((await sm.send(new DescribeModelCommand({ ModelName: "shared" }))).ModelName, "shared");
    const denied = await refusal(sm.send(new CreateModelCommand({ ModelName: "made-by-reader", PrimaryContainer: { Image: "berth/echo" } })));
    assert.equal(denied.name, "AccessDeniedException");
    assert.equal(denied.$metadata?.httpStatusCode, 403);
    assert.equal(
      denied.message,
      `User: ${user("reader")} is not authorized to perform: sagemaker:CreateModel on resource: ${modelArn("made-by-reader")} because no identity-based policy allows the sagemaker:CreateModel action`,
    );
    const aas = await refusal(client(ApplicationAutoScalingClient, reader).send(new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker" })));
    assert.equal(aas.name, "AccessDeniedException");
    assert.match(aas.message, /application-autoscaling:DescribeScalableTargets on resource: \*/);
    const cw = await refusal(client(CloudWatchClient, reader).send(new ListMetricsCommand({})));
    assert.match(cw.message, /cloudwatch:ListMetrics on resource: \*/);
    await assert.rejects(
      berth.sagemaker.send(new DescribeModelCommand({ ModelName: "made-by-reader" })),
      /Could not find model/,
      "the denied create changed nothing",
    );
  });

  it("matches resources by ARN pattern", async () => {
    const sm = client(SageMakerClient, teamA);
    await sm.send(new CreateModelCommand({ ModelName: "team-a-model", PrimaryContainer: { Image: "berth/echo" } }));
    const other = await refusal(sm.send(new CreateModelCommand({ ModelName: "team-b-model", PrimaryContainer: { Image: "berth/echo" } })));
    assert.match(other.message, new RegExp(`sagemaker:CreateModel on resource: ${modelArn("team-b-model")} because`));
    const list = await refusal(sm.send(new ListModelsCommand({})));
    assert.match(list.message, /sagemaker:ListModels on resource: \* because/, "List actions ask for Resource *");
  });

  it("lets an explicit Deny win over an Allow", async () => {
    const denied = await refusal(client(SageMakerClient, noDelete).send(new DeleteModelCommand({ ModelName: "shared" })));
    assert.equal(
      denied.message,
      `User: ${user("no-delete")} is not authorized to perform: sagemaker:DeleteModel on resource: ${modelArn("shared")} with an explicit deny in an identity-based policy`,
    );
    const alarms = await refusal(client(CloudWatchClient, noDelete).send(new DeleteAlarmsCommand({ AlarmNames: ["first", "second"] })));
    assert.match(alarms.message, /cloudwatch:DeleteAlarms on resource: arn:aws:cloudwatch:us-east-1:000000000000:alarm:first with an explicit deny/);
    const actions = await refusal(client(CloudWatchClient, noDelete).send(new DisableAlarmActionsCommand({ AlarmNames: ["first"] })));
    assert.match(actions.message, /cloudwatch:DisableAlarmActions on resource: arn:aws:cloudwatch:us-east-1:000000000000:alarm:first with an explicit deny/);
    assert.equal((await berth.sagemaker.send(new DescribeModelCommand({ ModelName: "shared" }))).ModelName, "shared");
  });

  it("checks a tag call's ARN as SageMaker resolves it, so a name in other case does not slip past a Deny", async () => {
    const sm = client(SageMakerClient, notShared);
    for (const name of ["shared", "SHARED", "Shared"]) {
      const ResourceArn = `arn:aws:sagemaker:us-east-1:000000000000:model/${name}`;
      const added = await refusal(sm.send(new AddTagsCommand({ ResourceArn, Tags: [{ Key: "owner", Value: "not-shared" }] })));
      assert.equal(added.name, "AccessDeniedException", name);
      assert.match(added.message, /sagemaker:AddTags on resource: arn:aws:sagemaker:us-east-1:000000000000:model\/shared with an explicit deny/);
      const listed = await refusal(sm.send(new ListTagsCommand({ ResourceArn })));
      assert.equal(listed.name, "AccessDeniedException", name);
    }
    const tags = await berth.sagemaker.send(new ListTagsCommand({ ResourceArn: "arn:aws:sagemaker:us-east-1:000000000000:model/SHARED" }));
    assert.deepEqual(tags.Tags, [], "the administrator key reaches the model by that ARN, and the refused calls changed nothing");
  });

  it("needs sagemaker:InvokeEndpoint on the endpoint for both runtime calls", async () => {
    const runtime = client(SageMakerRuntimeClient, invoker);
    const passed = await refusal(runtime.send(new InvokeEndpointCommand({ EndpointName: "open-1", Body: "{}" })));
    assert.equal(passed.name, "ValidationError", "allowed, then refused only because the endpoint does not exist");
    const denied = await refusal(runtime.send(new InvokeEndpointCommand({ EndpointName: "closed", Body: "{}" })));
    assert.equal(denied.name, "AccessDeniedException");
    assert.match(denied.message, /sagemaker:InvokeEndpoint on resource: arn:aws:sagemaker:us-east-1:000000000000:endpoint\/closed because/);
    const stream = await refusal(runtime.send(new InvokeEndpointWithResponseStreamCommand({ EndpointName: "closed-too", Body: "{}" })));
    assert.equal(stream.name, "AccessDeniedException");
    assert.match(stream.message, /sagemaker:InvokeEndpoint on resource: .*endpoint\/closed-too/);
  });

  it("guards Berth's own views with berth:DescribeInstances and berth:GetMetrics", async () => {
    for (const [path, action] of [
      ["/berth/v1/instances", "berth:DescribeInstances"],
      ["/metrics", "berth:GetMetrics"],
    ]) {
      const refused = await berthFetch(`${berth.url}${path}`, {}, { credentials: reader });
      assert.equal(refused.status, 403);
      const body = (await refused.json()) as { __type: string; message: string };
      assert.equal(body.__type, "AccessDeniedException");
      assert.match(body.message, new RegExp(`perform: ${action} on resource: \\*`));
      assert.equal((await berthFetch(`${berth.url}${path}`)).status, 200, "the administrator key may");
    }
  });
});
