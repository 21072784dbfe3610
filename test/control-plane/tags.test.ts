import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import {
  AddTagsCommand,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteInferenceComponentCommand,
  DeleteModelCommand,
  DeleteTagsCommand,
  DescribeEndpointCommand,
  DescribeInferenceComponentCommand,
  ListTagsCommand,
  paginateListTags,
  type Tag,
} from "@aws-sdk/client-sagemaker";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { createKey } from "../security/keys-cli.js";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, echoComponent, uniqueName, waitForEndpoint } from "../support/fixtures.js";
import { eventually } from "../support/wait.js";

const arnPrefix = "arn:aws:sagemaker:us-east-1:000000000000";
const role = "arn:aws:iam::000000000000:role/berth";
const python = "/usr/bin/python3";
const hasBoto3 = spawnSync(python, ["-c", "import boto3"]).status === 0;

const numbered = (count: number, prefix = "k"): Tag[] => Array.from({ length: count }, (_, i) => ({ Key: `${prefix}${i}`, Value: `v${i}` }));

function rejectsWith(name: string, message: RegExp) {
  return (e: Error) => {
    assert.equal(e.name, name);
    assert.match(e.message, message);
    return true;
  };
}

describe("tags on SageMaker resources", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth();
  });
  after(async () => {
    await berth.stop();
  });

  const listTags = async (arn: string) => (await berth.sagemaker.send(new ListTagsCommand({ ResourceArn: arn }))).Tags;
  const createModel = async (name: string, tags?: Tag[]) =>
    (await berth.sagemaker.send(new CreateModelCommand({ ModelName: name, PrimaryContainer: { Image: "berth/echo" }, ExecutionRoleArn: role, Tags: tags })))
      .ModelArn!;
  const createConfig = async (name: string, tags?: Tag[]) =>
    (
      await berth.sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: name,
          ExecutionRoleArn: role,
          ProductionVariants: [{ VariantName: "AllTraffic", InstanceType: "ml.g5.12xlarge", InitialInstanceCount: 1 }],
          Tags: tags,
        }),
      )
    ).EndpointConfigArn!;
  const createEndpoint = async (name: string, config: string, tags?: Tag[]) =>
    (await berth.sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: config, Tags: tags }))).EndpointArn!;

  it("reads back the tags given when each kind of resource was created, by the ARN the create call returned", async () => {
    const name = uniqueName("Tagged");
    const modelArn = await createModel(name, [{ Key: "team", Value: "search" }]);
    const configArn = await createConfig(`${name}-cfg`, [{ Key: "cost-center", Value: "42" }]);
    const endpointArn = await createEndpoint(name, `${name}-cfg`, [{ Key: "env", Value: "prod" }]);
    await waitForEndpoint(berth.sagemaker, name, "InService");
    const component = echoComponent(name, { accelerators: 0 });
    await createComponent(berth.sagemaker, { ...component, Tags: [{ Key: "owner", Value: "ana@example.com" }] });
    const componentArn = (await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: component.InferenceComponentName })))
      .InferenceComponentArn!;

    assert.equal(modelArn, `${arnPrefix}:model/${name.toLowerCase()}`);
    assert.deepEqual(await listTags(modelArn), [{ Key: "team", Value: "search" }]);
    assert.deepEqual(await listTags(configArn), [{ Key: "cost-center", Value: "42" }]);
    assert.deepEqual(await listTags(endpointArn), [{ Key: "env", Value: "prod" }], "the endpoint's status changes since creation kept its tags");
    assert.deepEqual(await listTags(componentArn), [{ Key: "owner", Value: "ana@example.com" }]);
    assert.deepEqual(
      await listTags(`${arnPrefix}:model/${name.toUpperCase()}`),
      [{ Key: "team", Value: "search" }],
      "the name in an ARN is matched in any case",
    );
  });

  it("adds tags, replaces the value of a key it already has, and deletes tags by key", async () => {
    const arn = await createModel(uniqueName("add"), [
      { Key: "team", Value: "search" },
      { Key: "stage", Value: "dev" },
    ]);
    const added = await berth.sagemaker.send(
      new AddTagsCommand({
        ResourceArn: arn,
        Tags: [
          { Key: "stage", Value: "prod" },
          { Key: "Project", Value: "ranking v2" },
          { Key: "empty", Value: "" },
        ],
      }),
    );
    assert.deepEqual(added.Tags, [
      { Key: "stage", Value: "prod" },
      { Key: "Project", Value: "ranking v2" },
      { Key: "empty", Value: "" },
    ]);
    assert.deepEqual(await listTags(arn), [
      { Key: "team", Value: "search" },
      { Key: "stage", Value: "prod" },
      { Key: "Project", Value: "ranking v2" },
      { Key: "empty", Value: "" },
    ]);
    await berth.sagemaker.send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: ["team", "project", "not-there"] }));
    assert.deepEqual(
      await listTags(arn),
      [
        { Key: "stage", Value: "prod" },
        { Key: "Project", Value: "ranking v2" },
        { Key: "empty", Value: "" },
      ],
      "keys are case-sensitive, and a key the resource lacks is ignored",
    );
  });

  it("holds 50 tags in one page and refuses a 51st, counting keys after the merge", async () => {
    const arn = await createModel(uniqueName("limit"), numbered(30));
    await berth.sagemaker.send(new AddTagsCommand({ ResourceArn: arn, Tags: [...numbered(10), ...numbered(20, "x")] }));
    const pages = [];
    for await (const page of paginateListTags({ client: berth.sagemaker, pageSize: 50 }, { ResourceArn: arn })) pages.push(page);
    assert.equal(pages.length, 1);
    assert.equal(pages[0]!.Tags!.length, 50);
    assert.equal(pages[0]!.NextToken, undefined);
    await assert.rejects(
      berth.sagemaker.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: "one-more", Value: "" }] })),
      rejectsWith("ValidationException", /would have 51 tags, more than the limit of 50 tags per resource/),
    );
    await berth.sagemaker.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: "k0", Value: "replaced" }] }));
    assert.equal((await listTags(arn))!.find((t) => t.Key === "k0")!.Value, "replaced", "replacing a value at the limit is allowed");
    await assert.rejects(
      berth.sagemaker.send(new AddTagsCommand({ ResourceArn: arn, Tags: numbered(51, "y") })),
      rejectsWith("ValidationException", /at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50/),
    );
    await assert.rejects(
      berth.sagemaker.send(new ListTagsCommand({ ResourceArn: arn, MaxResults: 49 })),
      rejectsWith("ValidationException", /at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 50/),
    );
    await assert.rejects(
      berth.sagemaker.send(new ListTagsCommand({ ResourceArn: arn, NextToken: "not-a-token" })),
      rejectsWith("ValidationException", /NextToken is not valid/),
    );
  });

  it("refuses keys and values outside AWS's lengths and characters, and the reserved aws: and berth: prefixes", async () => {
    const arn = await createModel(uniqueName("rules"));
    const refused: [Tag, RegExp][] = [
      [{ Key: "k".repeat(129), Value: "" }, /at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128/],
      [{ Key: "", Value: "v" }, /at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1/],
      [{ Key: "k", Value: "v".repeat(257) }, /at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256/],
      [{ Key: "semi;colon", Value: "" }, /at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern/],
      [{ Key: "aws:createdBy", Value: "me" }, /^Tag key 'aws:createdBy' is refused: tag keys starting with 'aws:' are reserved for AWS use\.$/],
      [{ Key: "AWS:x", Value: "" }, /reserved for AWS use/],
      [{ Key: "berth:owner", Value: "me" }, /^Tag key 'berth:owner' is refused: tag keys starting with 'berth:' are reserved for Berth's own tags\.$/],
    ];
    for (const [tag, message] of refused) {
      await assert.rejects(berth.sagemaker.send(new AddTagsCommand({ ResourceArn: arn, Tags: [tag] })), rejectsWith("ValidationException", message));
    }
    await berth.sagemaker.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: "ünïcode é 1/2=+-@_.:", Value: "aws:is-fine-in-a-value" }] }));
    assert.deepEqual(await listTags(arn), [{ Key: "ünïcode é 1/2=+-@_.:", Value: "aws:is-fine-in-a-value" }]);
    await assert.rejects(
      createModel(uniqueName("reserved"), [{ Key: "aws:cloudformation:stack-name", Value: "s" }]),
      rejectsWith("ValidationException", /reserved for AWS use/),
    );
  });

  it("answers ValidationException for an ARN that names nothing Berth holds", async () => {
    const missing = `${arnPrefix}:endpoint/no-such-endpoint`;
    for (const send of [
      () => berth.sagemaker.send(new ListTagsCommand({ ResourceArn: missing })),
      () => berth.sagemaker.send(new AddTagsCommand({ ResourceArn: missing, Tags: [{ Key: "a", Value: "b" }] })),
      () => berth.sagemaker.send(new DeleteTagsCommand({ ResourceArn: missing, TagKeys: ["a"] })),
    ]) {
      await assert.rejects(
        send(),
        rejectsWith("ValidationException", /^Could not find endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint\/no-such-endpoint"\.$/),
      );
    }
    const name = uniqueName("acct");
    await createModel(name);
    await assert.rejects(
      berth.sagemaker.send(new ListTagsCommand({ ResourceArn: `arn:aws:sagemaker:us-east-1:111111111111:model/${name}` })),
      rejectsWith("ValidationException", /^Could not find model/),
      "another account's ARN",
    );
    await assert.rejects(
      berth.sagemaker.send(new ListTagsCommand({ ResourceArn: `${arnPrefix}:training-job/${name}` })),
      rejectsWith(
        "ValidationException",
        /Berth cannot tag resource .*training-job.* it serves tags on models, endpoint configurations, endpoints and inference components/,
      ),
    );
    await assert.rejects(
      berth.sagemaker.send(new ListTagsCommand({ ResourceArn: "arn:aws:s3:::bucket" })),
      rejectsWith("ValidationException", /at 'resourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern/),
    );
  });

  it("drops a resource's tags with it: the same name created again has only its new tags", async () => {
    const name = uniqueName("Reborn");
    const config = `${name}-cfg`;
    await createModel(name, [{ Key: "generation", Value: "1" }]);
    await createConfig(config, [{ Key: "generation", Value: "1" }]);
    await createEndpoint(name, config, [{ Key: "generation", Value: "1" }]);
    await waitForEndpoint(berth.sagemaker, name, "InService");
    const component = echoComponent(name, { accelerators: 0 });
    await createComponent(berth.sagemaker, { ...component, Tags: [{ Key: "generation", Value: "1" }] });
    const componentName = component.InferenceComponentName!;

    await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: componentName }));
    await eventually(
      () =>
        berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: componentName })).then(
          () => undefined,
          () => true,
        ),
      { what: `inference component ${componentName} to be gone` },
    );
    await berth.sagemaker.send(new DeleteEndpointCommand({ EndpointName: name }));
    await eventually(
      () =>
        berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name })).then(
          () => undefined,
          () => true,
        ),
      { what: `endpoint ${name} to be gone` },
    );
    await berth.sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: config }));
    await berth.sagemaker.send(new DeleteModelCommand({ ModelName: name }));
    const gone = rejectsWith("ValidationException", /^Could not find /);
    await assert.rejects(listTags(`${arnPrefix}:model/${name.toLowerCase()}`), gone);
    await assert.rejects(listTags(`${arnPrefix}:endpoint-config/${config.toLowerCase()}`), gone);
    await assert.rejects(listTags(`${arnPrefix}:endpoint/${name.toLowerCase()}`), gone);
    await assert.rejects(listTags(`${arnPrefix}:inference-component/${componentName.toLowerCase()}`), gone);

    const modelArn = await createModel(name);
    const configArn = await createConfig(config);
    const endpointArn = await createEndpoint(name, config, [{ Key: "generation", Value: "2" }]);
    await waitForEndpoint(berth.sagemaker, name, "InService");
    await createComponent(berth.sagemaker, component);
    const componentArn = (await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: componentName }))).InferenceComponentArn!;
    assert.deepEqual(await listTags(modelArn), []);
    assert.deepEqual(await listTags(configArn), []);
    assert.deepEqual(await listTags(endpointArn), [{ Key: "generation", Value: "2" }]);
    assert.deepEqual(await listTags(componentArn), []);
  });

  it("authorizes each tag call against the ARN it names", async () => {
    const key = createKey(berth.dataDir, uniqueName("tagger"), {
      Version: "2012-10-17",
      Statement: { Effect: "Allow", Action: ["sagemaker:AddTags", "sagemaker:ListTags"], Resource: "arn:aws:sagemaker:*:*:model/team-a-*" },
    });
    const sm = new SageMakerClient({ endpoint: berth.url, region: "us-east-1", credentials: key, maxAttempts: 1 });
    const own = await createModel(uniqueName("team-a"));
    const other = await createModel(uniqueName("team-b"));
    await sm.send(new AddTagsCommand({ ResourceArn: own, Tags: [{ Key: "team", Value: "a" }] }));
    assert.deepEqual((await sm.send(new ListTagsCommand({ ResourceArn: own }))).Tags, [{ Key: "team", Value: "a" }]);
    await assert.rejects(
      sm.send(new AddTagsCommand({ ResourceArn: other, Tags: [{ Key: "team", Value: "a" }] })),
      rejectsWith("AccessDeniedException", /AddTags/),
    );
    await assert.rejects(sm.send(new DeleteTagsCommand({ ResourceArn: own, TagKeys: ["team"] })), rejectsWith("AccessDeniedException", /DeleteTags/));
    assert.deepEqual(await listTags(other), []);
  });

  it(
    "raises boto3's ClientError with the ValidationException code for a reserved key",
    { skip: hasBoto3 ? false : "boto3 is not installed for /usr/bin/python3" },
    async () => {
      const arn = await createModel(uniqueName("boto"));
      const script = `
import json, sys, boto3
from botocore.exceptions import ClientError
url, key_id, secret, arn = sys.argv[1:5]
sm = boto3.client("sagemaker", endpoint_url=url, region_name="us-east-1", aws_access_key_id=key_id, aws_secret_access_key=secret)
sm.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "search"}])
out = {"tags": sm.list_tags(ResourceArn=arn)["Tags"]}
try:
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "aws:x", "Value": "y"}])
except ClientError as e:
    out["code"] = e.response["Error"]["Code"]
print(json.dumps(out))
`;
      const output = JSON.parse(
        execFileSync(python, ["-c", script, berth.url, credentials.accessKeyId, credentials.secretAccessKey, arn], { encoding: "utf8" }),
      );
      assert.deepEqual(output, { tags: [{ Key: "team", Value: "search" }], code: "ValidationException" });
    },
  );
});
