import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateInferenceComponentCommand,
  CreateModelCommand,
  DescribeInferenceComponentCommand,
  DescribeModelCommand,
  UpdateInferenceComponentCommand,
  type CreateInferenceComponentCommandInput,
} from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName } from "../support/fixtures.js";
import { tempDir } from "../support/temp-dir.js";

async function refusal(send: () => Promise<unknown>): Promise<string> {
  const error = await send().then(
    () => assert.fail("the request was accepted"),
    (e: Error) => e,
  );
  assert.equal(error.name, "ValidationException", error.message);
  return error.message;
}

describe("artifact URLs are checked when a model or component is created", () => {
  let berth: BerthProcess;
  let endpoint: string;
  let root: string;
  before(async () => {
    root = tempDir("berth-roots-");
    mkdirSync(join(root, "llm"));
    berth = await startBerth({ config: { artifacts: { localRoots: [root], allowedHosts: ["models.example.com", "*"] } } });
    endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
  });
  after(async () => {
    await berth.stop();
  });

  function component(url: string, name = uniqueName("art")): CreateInferenceComponentCommandInput {
    const input = echoComponent(endpoint, { name, accelerators: 0 });
    input.Specification!.Container!.ArtifactUrl = url;
    return input;
  }

  const refused: [string, RegExp][] = [
    ["file://../..", /names host '\.\.'/],
    ["models/llm", /is relative/],
    ["/", /Artifact path \/ .*not under an allowed local root/],
    ["/etc/passwd", /Artifact path \/etc\/passwd/],
    ["file:///etc/passwd", /Artifact path \/etc\/passwd/],
    ["s3://bucket/model.tar.gz", /is in S3/],
    ["http://169.254.169.254/latest/meta-data/", /169\.254\.169\.254, a link-local address/],
    ["http://10.0.0.5/model.tar.gz", /a private \(RFC 1918\) address.*artifacts\.allowPrivateNetworks: true/],
  ];
  for (const [url, reason] of refused) {
    it(`CreateInferenceComponent refuses ArtifactUrl ${JSON.stringify(url)} and stores nothing`, async () => {
      const input = component(url);
      const message = await refusal(() => berth.sagemaker.send(new CreateInferenceComponentCommand(input)));
      assert.match(message, /^Specification\.Container\.ArtifactUrl is refused\./);
      assert.ok(message.includes(`'${url}'`) || message.includes("Artifact path"), `the message names the URL: ${message}`);
      assert.match(message, reason);
      assert.match(message, /artifacts\.(localRoots|allowedHosts|allowPrivateNetworks)|three slashes|absolute path|S3/, "says what to configure or write");
      if (/localRoots/.test(message)) assert.ok(message.includes(root), "names the allowed roots");
      await assert.rejects(
        berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: input.InferenceComponentName })),
        /Could not find/,
      );
    });
  }

  it("accepts a path under a configured root", async () => {
    await berth.sagemaker.send(new CreateInferenceComponentCommand(component(join(root, "llm"))));
  });

  it("checks every entry of Specifications", async () => {
    const input = component(join(root, "llm"));
    input.Specifications = [{ ...input.Specification!, InstanceType: "ml.g5.12xlarge", Container: { Image: "berth/echo", ArtifactUrl: "/etc" } }];
    delete input.Specification;
    const message = await refusal(() => berth.sagemaker.send(new CreateInferenceComponentCommand(input)));
    assert.match(message, /^Specifications\.1\.Container\.ArtifactUrl is refused\. Artifact path \/etc/);
  });

  it("UpdateInferenceComponent refuses a bad ArtifactUrl and leaves the component as it was", async () => {
    const name = await createComponent(berth.sagemaker, component(join(root, "llm")));
    const update = component("file:///etc/shadow", name);
    const message = await refusal(() =>
      berth.sagemaker.send(new UpdateInferenceComponentCommand({ InferenceComponentName: name, Specification: update.Specification })),
    );
    assert.match(message, /Artifact path \/etc\/shadow/);
    const described = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
    assert.equal(described.InferenceComponentStatus, "InService");
    assert.equal(described.Specification?.Container?.ArtifactUrl, join(root, "llm"));
  });

  it("CreateModel refuses ModelDataUrl, ModelDataSource and Containers entries outside the policy", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ PrimaryContainer: { Image: "berth/echo", ModelDataUrl: "/etc/passwd" } }, /^PrimaryContainer\.ModelDataUrl is refused\. Artifact path \/etc\/passwd/],
      [{ PrimaryContainer: { Image: "berth/echo", ModelDataUrl: "file://../.." } }, /^PrimaryContainer\.ModelDataUrl is refused\..*names host '\.\.'/],
      [
        {
          PrimaryContainer: {
            Image: "berth/echo",
            ModelDataSource: { S3DataSource: { S3Uri: "s3://bucket/model/", S3DataType: "S3Prefix", CompressionType: "None" } },
          },
        },
        /^PrimaryContainer\.ModelDataSource\.S3DataSource\.S3Uri is refused\..*is in S3/,
      ],
      [
        { Containers: [{ Image: "berth/echo" }, { Image: "berth/echo", ModelDataUrl: "http://127.0.0.1:9/x.tar.gz" }] },
        /^Containers\.2\.ModelDataUrl is refused\..*loopback/,
      ],
    ];
    for (const [definition, reason] of cases) {
      const name = uniqueName("model");
      const message = await refusal(() => berth.sagemaker.send(new CreateModelCommand({ ModelName: name, ...definition })));
      assert.match(message, reason);
      await assert.rejects(berth.sagemaker.send(new DescribeModelCommand({ ModelName: name })), /Could not find/);
    }
    await berth.sagemaker.send(
      new CreateModelCommand({
        ModelName: uniqueName("model"),
        PrimaryContainer: { Image: "berth/echo", ModelDataUrl: "https://models.example.com/m.tar.gz" },
      }),
    );
  });
});
