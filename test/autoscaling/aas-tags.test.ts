import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { homedir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  ApplicationAutoScalingClient,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  ListTagsForResourceCommand,
  RegisterScalableTargetCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  TooManyTagsException,
  UntagResourceCommand,
  ValidationException,
} from "@aws-sdk/client-application-auto-scaling";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";

const dimension = "sagemaker:inference-component:DesiredCopyCount" as const;
/** A Python whose boto3 knows Application Auto Scaling's tag calls (added in 2023; older distribution packages lack them). */
const python = ["/usr/bin/python3", join(homedir(), ".pyenv/versions/3.11.7/bin/python")].find(
  (candidate) => spawnSync(candidate, ["-c", "import boto3; boto3.client('application-autoscaling', region_name='us-east-1').tag_resource"]).status === 0,
);

const numbered = (count: number, prefix = "k") => Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, `v${i}`]));

describe("tags on scalable targets (Application Auto Scaling)", () => {
  let berth: BerthProcess;
  let aas: ApplicationAutoScalingClient;
  let endpoint: string;
  before(async () => {
    berth = await startBerth();
    aas = new ApplicationAutoScalingClient({ endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 });
    endpoint = await createIcEndpoint(berth.sagemaker);
  });
  after(async () => {
    await berth.stop();
  });

  /** A new component and its scalable target; returns the target's ARN. */
  async function register(tags?: Record<string, string>) {
    const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0 }), null);
    const target = { ServiceNamespace: "sagemaker" as const, ResourceId: `inference-component/${component}`, ScalableDimension: dimension };
    const { ScalableTargetARN } = await aas.send(new RegisterScalableTargetCommand({ ...target, MinCapacity: 1, MaxCapacity: 3, Tags: tags }));
    return { arn: ScalableTargetARN!, target };
  }
  const tagsOf = async (arn: string) => (await aas.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags;

  it("reads back the tags given at registration, adds and replaces tags, and removes them by key", async () => {
    const { arn, target } = await register({ team: "search", stage: "dev" });
    const described = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", ResourceIds: [target.ResourceId] }));
    assert.equal(described.ScalableTargets![0]!.ScalableTargetARN, arn);
    assert.deepEqual(await tagsOf(arn), { team: "search", stage: "dev" });
    await aas.send(new TagResourceCommand({ ResourceARN: arn, Tags: { stage: "prod", owner: "ana" } }));
    assert.deepEqual(await tagsOf(arn), { team: "search", stage: "prod", owner: "ana" });
    await aas.send(new RegisterScalableTargetCommand({ ...target, MaxCapacity: 4, Tags: { release: "7" } }));
    assert.deepEqual(await tagsOf(arn), { team: "search", stage: "prod", owner: "ana", release: "7" }, "tags given on an update are added");
    await aas.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ["team", "release", "not-there"] }));
    assert.deepEqual(await tagsOf(arn), { stage: "prod", owner: "ana" });
  });

  it("answers ResourceNotFoundException for an ARN that is no scalable target", async () => {
    const missing = "arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target/0123456789abcdef0123456789abcdef";
    for (const send of [
      () => aas.send(new ListTagsForResourceCommand({ ResourceARN: missing })),
      () => aas.send(new TagResourceCommand({ ResourceARN: missing, Tags: { a: "b" } })),
      () => aas.send(new UntagResourceCommand({ ResourceARN: missing, TagKeys: ["a"] })),
    ]) {
      await assert.rejects(send(), (e: Error) => {
        assert.ok(e instanceof ResourceNotFoundException, `${e.name}: ${e.message}`);
        assert.equal(e.ResourceName, missing);
        assert.match(e.message, /^The specified resource doesn't exist: no scalable target has ARN /);
        return true;
      });
    }
    await assert.rejects(aas.send(new ListTagsForResourceCommand({ ResourceARN: "arn:aws:sagemaker:us-east-1:000000000000:endpoint/x" })), (e: Error) => {
      assert.ok(e instanceof ValidationException);
      assert.match(e.message, /at 'resourceARN' failed to satisfy constraint: Member must satisfy regular expression pattern/);
      return true;
    });
  });

  it("refuses a 51st tag with TooManyTagsException, and long or reserved keys with ValidationException", async () => {
    const { arn, target } = await register(numbered(40));
    await aas.send(new TagResourceCommand({ ResourceARN: arn, Tags: { ...numbered(5), ...numbered(10, "x") } }));
    assert.equal(Object.keys((await tagsOf(arn))!).length, 50);
    await assert.rejects(aas.send(new TagResourceCommand({ ResourceARN: arn, Tags: { "one-more": "" } })), (e: Error) => {
      assert.ok(e instanceof TooManyTagsException, `${e.name}: ${e.message}`);
      assert.equal(e.ResourceName, arn);
      assert.match(e.message, /^The request contains too many tags: the scalable target would have 51 tags, more than the limit of 50/);
      return true;
    });
    await assert.rejects(aas.send(new RegisterScalableTargetCommand({ ...target, Tags: { "one-more": "" } })), (e: Error) => {
      assert.ok(e instanceof ValidationException);
      assert.match(e.message, /would have 51 tags, more than the limit of 50/);
      return true;
    });
    const refused: [Record<string, string>, RegExp][] = [
      [{ ["k".repeat(129)]: "" }, /at 'tags.key' failed to satisfy constraint: Member must have length less than or equal to 128/],
      [{ k: "v".repeat(257) }, /failed to satisfy constraint: Member must have length less than or equal to 256/],
      [{ "aws:owner": "x" }, /^Tag key 'aws:owner' is refused: tag keys starting with 'aws:' are reserved for AWS use\.$/],
      [{ "berth:owner": "x" }, /^Tag key 'berth:owner' is refused: tag keys starting with 'berth:' are reserved for Berth's own tags\.$/],
    ];
    const { arn: other } = await register();
    for (const [tags, message] of refused) {
      await assert.rejects(aas.send(new TagResourceCommand({ ResourceARN: other, Tags: tags })), (e: Error) => {
        assert.ok(e instanceof ValidationException, `${e.name}: ${e.message}`);
        assert.match(e.message, message);
        return true;
      });
    }
    assert.deepEqual(await tagsOf(other), {});
  });

  it("drops a target's tags when it is deregistered: registered again, it has only its new tags", async () => {
    const { arn, target } = await register({ generation: "1", team: "search" });
    await aas.send(new DeregisterScalableTargetCommand(target));
    await assert.rejects(aas.send(new ListTagsForResourceCommand({ ResourceARN: arn })), ResourceNotFoundException);
    const again = await aas.send(new RegisterScalableTargetCommand({ ...target, MinCapacity: 1, MaxCapacity: 2, Tags: { generation: "2" } }));
    assert.deepEqual(await tagsOf(again.ScalableTargetARN!), { generation: "2" });
  });

  it(
    "raises boto3's TooManyTagsException class",
    { skip: python ? false : "no Python here has a boto3 with Application Auto Scaling's tag calls" },
    async () => {
      const { arn } = await register(numbered(50));
      const script = `
import sys, boto3
url, key_id, secret, arn = sys.argv[1:5]
aas = boto3.client("application-autoscaling", endpoint_url=url, region_name="us-east-1", aws_access_key_id=key_id, aws_secret_access_key=secret)
try:
    aas.tag_resource(ResourceARN=arn, Tags={"one-more": ""})
    print("no error")
except aas.exceptions.TooManyTagsException as e:
    print("TooManyTagsException", e.response["ResourceName"] == arn)
`;
      const output = execFileSync(python!, ["-c", script, berth.url, credentials.accessKeyId, credentials.secretAccessKey, arn], { encoding: "utf8" });
      assert.equal(output.trim(), "TooManyTagsException True");
    },
  );
});
