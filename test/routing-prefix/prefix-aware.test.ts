import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AddTagsCommand,
  CreateEndpointCommand,
  CreateModelCommand,
  CreateEndpointConfigCommand,
  DeleteTagsCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  type ProductionVariantRoutingConfig,
  type Tag,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, InvokeEndpointWithResponseStreamCommand } from "@aws-sdk/client-sagemaker-runtime";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, echoComponent, uniqueName, waitForComponent, waitForEndpoint } from "../support/fixtures.js";
import { copyOf, waitForInFlight } from "../support/invoke.js";

/** PREFIX_AWARE as SageMaker documents it: the first PrefixLength bytes of the body decide the copy. */
const prefixAware = (prefixLength: number, concurrencyThreshold: number): ProductionVariantRoutingConfig => ({
  RoutingStrategy: "PREFIX_AWARE",
  PrefixAwareRoutingConfig: { PrefixLength: prefixLength, ConcurrencyThreshold: concurrencyThreshold },
});

/** `bytes` bytes of text that differ for each seed: a system prompt, a conversation so far. */
function text(seed: string, bytes: number): string {
  return `${seed}:`.repeat(Math.ceil(bytes / (seed.length + 1))).slice(0, bytes);
}

describe("prefix-aware routing", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth();
  });
  after(async () => {
    await berth.stop();
  });

  function config(name: string, routing: ProductionVariantRoutingConfig | undefined, tags?: Tag[]) {
    return new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ExecutionRoleArn: "arn:aws:iam::000000000000:role/berth",
      ProductionVariants: [{ VariantName: "AllTraffic", InstanceType: "ml.g5.12xlarge", InitialInstanceCount: 1, RoutingConfig: routing }],
      Tags: tags,
    });
  }

  /** An endpoint routing by prefix with one echo component of `copies` copies; the echo image names its copy in CustomAttributes. */
  async function deploy(routing: ProductionVariantRoutingConfig, copies: number, tags?: Tag[]) {
    const endpoint = uniqueName("prefix");
    await berth.sagemaker.send(config(`${endpoint}-cfg`, routing, tags));
    await berth.sagemaker.send(new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: `${endpoint}-cfg` }));
    await waitForEndpoint(berth.sagemaker, endpoint, "InService");
    // Copies start slowly on a loaded machine: give them longer than the helper's default.
    const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies }), null);
    await waitForComponent(berth.sagemaker, component, "InService", 120_000);
    return { endpoint, component };
  }

  /** The input both invocations share. */
  const invocation = (target: { endpoint: string; component?: string }, body: string, id?: string) => ({
    EndpointName: target.endpoint,
    InferenceComponentName: target.component,
    Body: new TextEncoder().encode(body),
    ContentType: "text/plain",
    PrefixAwareId: id,
  });

  async function copyFor(
    target: { endpoint: string; component?: string },
    body: string,
    options: { id?: string; attributes?: string; signal?: AbortSignal } = {},
  ) {
    const input = { ...invocation(target, body, options.id), CustomAttributes: options.attributes };
    const response = await berth.runtime.send(new InvokeEndpointCommand(input), { abortSignal: options.signal });
    return copyOf(response.CustomAttributes);
  }

  /** InvokeEndpointWithResponseStream: the whole answer and the copy that streamed it. */
  async function streamed(target: { endpoint: string; component?: string }, body: string, id?: string) {
    const response = await berth.runtime.send(new InvokeEndpointWithResponseStreamCommand(invocation(target, body, id)));
    let answer = "";
    for await (const event of response.Body!) if (event.PayloadPart?.Bytes) answer += Buffer.from(event.PayloadPart.Bytes).toString("utf8");
    return { answer, copy: copyOf(response.CustomAttributes) };
  }

  it("sends every request sharing its first PrefixLength bytes to one copy, and spreads different prefixes over the copies", async () => {
    const target = await deploy(prefixAware(1024, 64), 4);
    for (const system of ["alpha", "beta", "gamma"]) {
      const copies = new Set<string>();
      for (let user = 0; user < 8; user++) copies.add(await copyFor(target, `${text(system, 1024)} user ${user} asks something different`));
      assert.equal(copies.size, 1, `requests with system prompt ${system} reached copies ${[...copies].join(", ")}`);
    }
    const owners = new Set<string>();
    for (let system = 0; system < 16; system++) owners.add(await copyFor(target, text(`prompt-${system}`, 2048)));
    assert.ok(owners.size > 1, "16 different prefixes all went to one of 4 copies");
  });

  it("keeps one PrefixAwareId's requests together, and lets different ids with the same prefix go to different copies", async () => {
    const target = await deploy(prefixAware(1024, 64), 4);
    const body = text("shared prompt", 1500);
    const tenantA = new Set<string>();
    for (let i = 0; i < 6; i++) tenantA.add(await copyFor(target, body, { id: "tenant-a" }));
    assert.equal(tenantA.size, 1);
    const byId = new Set<string>();
    for (let tenant = 0; tenant < 16; tenant++) byId.add(await copyFor(target, body, { id: `tenant-${tenant}` }));
    assert.ok(byId.size > 1, "16 PrefixAwareIds with one prefix all went to one of 4 copies");
  });

  it("routes the streaming invocation by the same prefix and PrefixAwareId as InvokeEndpoint", async () => {
    const target = await deploy(prefixAware(1024, 64), 4);
    for (let app = 0; app < 4; app++) {
      const body = text(`stream-${app}`, 1200);
      const invoked = await copyFor(target, body, { id: `app-${app}` });
      const { answer, copy } = await streamed(target, body, `app-${app}`);
      assert.equal(answer, body);
      assert.equal(copy, invoked, `app-${app}'s stream reached another copy than its InvokeEndpoint`);
    }
  });

  it("sends a prefix to another copy once its copy has ConcurrencyThreshold requests in flight, and back once it has room", async () => {
    const target = await deploy(prefixAware(1024, 1), 2);
    const body = text("busy prefix", 1024);
    const owner = await copyFor(target, body);
    const slow = new AbortController();
    const held = copyFor(target, body, { attributes: "latency_ms=60000", signal: slow.signal }).catch(() => "aborted");
    await waitForInFlight(berth.url, target.component, 1, "the slow request to reach its copy");
    const spilled = await copyFor(target, body);
    assert.notEqual(spilled, owner, "the request went to the copy at its ConcurrencyThreshold");
    slow.abort();
    assert.equal(await held, "aborted");
    await waitForInFlight(berth.url, target.component, 0, "the aborted request to end");
    assert.equal(await copyFor(target, body), owner);
  });

  it("routes a single-model endpoint's instances by prefix too", async () => {
    const model = uniqueName("prefix-model");
    await berth.sagemaker.send(new CreateModelCommand({ ModelName: model, PrimaryContainer: { Image: "berth/echo" } }));
    const endpoint = uniqueName("prefix-single");
    await berth.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: endpoint,
        ProductionVariants: [
          { VariantName: "Main", ModelName: model, InstanceType: "ml.m5.large", InitialInstanceCount: 3, RoutingConfig: prefixAware(1024, 64) },
        ],
      }),
    );
    await berth.sagemaker.send(new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: endpoint }));
    await waitForEndpoint(berth.sagemaker, endpoint, "InService", 120_000);
    const target = { endpoint, component: undefined };
    const owners = new Set<string>();
    for (let system = 0; system < 12; system++) {
      const body = text(`single-${system}`, 1024);
      const copy = await copyFor(target, `${body} first question`);
      assert.equal(await copyFor(target, `${body} second question`), copy);
      owners.add(copy);
    }
    assert.ok(owners.size > 1, "12 different prefixes all went to one of 3 instances");
  });

  it("describes PREFIX_AWARE and its PrefixAwareRoutingConfig on the configuration and the endpoint", async () => {
    const target = await deploy(prefixAware(8192, 16), 1);
    const described = await berth.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: `${target.endpoint}-cfg` }));
    assert.deepEqual(described.ProductionVariants?.[0]?.RoutingConfig, prefixAware(8192, 16));
    const endpoint = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: target.endpoint }));
    assert.deepEqual(endpoint.ProductionVariants?.[0]?.RoutingConfig, prefixAware(8192, 16));
  });

  it("refuses a PREFIX_AWARE configuration without its settings, settings without PREFIX_AWARE, and values outside the model's ranges", async () => {
    const refused = async (routing: ProductionVariantRoutingConfig, message: RegExp, tags?: Tag[]) =>
      assert.rejects(berth.sagemaker.send(config(uniqueName("bad"), routing, tags)), (e: Error) => {
        assert.equal(e.name, "ValidationException");
        assert.match(e.message, message);
        return true;
      });
    await refused(
      { RoutingStrategy: "PREFIX_AWARE" },
      /RoutingStrategy PREFIX_AWARE needs PrefixAwareRoutingConfig with PrefixLength .* missing: PrefixLength, ConcurrencyThreshold/,
    );
    await refused({ RoutingStrategy: "PREFIX_AWARE", PrefixAwareRoutingConfig: { PrefixLength: 2048 } }, /missing: ConcurrencyThreshold/);
    await refused(
      { RoutingStrategy: "LEAST_OUTSTANDING_REQUESTS", PrefixAwareRoutingConfig: { PrefixLength: 2048, ConcurrencyThreshold: 4 } },
      /PrefixAwareRoutingConfig is allowed only with RoutingStrategy PREFIX_AWARE, not LEAST_OUTSTANDING_REQUESTS/,
    );
    await refused(prefixAware(100, 4), /at 'productionVariants.1.member.routingConfig.prefixAwareRoutingConfig.prefixLength' .* greater than or equal to 1024/);
    await refused(prefixAware(2048, 2000), /prefixAwareRoutingConfig.concurrencyThreshold' .* less than or equal to 1024/);
    await refused(prefixAware(2048, 4), /Tag 'berth:PrefixMatching' must be 'blocks'; got 'tokens'/, [{ Key: "berth:PrefixMatching", Value: "tokens" }]);
    await refused({ RoutingStrategy: "RANDOM" }, /no variant of this configuration has RoutingConfig.RoutingStrategy PREFIX_AWARE/, [
      { Key: "berth:PrefixMatching", Value: "blocks" },
    ]);
    await refused(prefixAware(2048, 4), /'berth:PrefixBlockBytes' must be a whole number of bytes from 16 to 4096; got '8'/, [
      { Key: "berth:PrefixMatching", Value: "blocks" },
      { Key: "berth:PrefixBlockBytes", Value: "8" },
    ]);
  });

  it("refuses a PrefixAwareId outside the model's shape, on both invocations", async () => {
    const target = await deploy(prefixAware(1024, 4), 1);
    for (const id of ["x".repeat(65), "tab\there"]) {
      await assert.rejects(copyFor(target, "hello", { id }), (e: Error) => {
        assert.equal(e.name, "ValidationError");
        assert.match(e.message, /1 validation error detected: Value '.*' at 'prefixAwareId' failed to satisfy constraint/);
        return true;
      });
      await assert.rejects(streamed(target, "hello", id), { name: "ValidationError" });
    }
  });

  it("block matching (Berth's, opt-in by tag): a request goes to the copy holding the longest run of its leading blocks", async () => {
    const tags = [
      { Key: "berth:PrefixMatching", Value: "blocks" },
      { Key: "berth:PrefixBlockBytes", Value: "64" },
    ];
    const target = await deploy(prefixAware(1024, 1), 2, tags);
    const system = text("system", 320);
    const first = `${system}${text("first conversation", 320)}`;
    const second = `${system}${text("second conversation", 320)}`;
    // The first conversation's copy is busy (at its threshold), so the second one, sharing only the system prompt, goes to the other copy.
    const slow = new AbortController();
    const held = copyFor(target, first, { attributes: "latency_ms=60000", signal: slow.signal }).catch(() => "aborted");
    await waitForInFlight(berth.url, target.component, 1, "the first conversation to reach its copy");
    const secondCopy = await copyFor(target, second);
    slow.abort();
    await held;
    await waitForInFlight(berth.url, target.component, 0, "the aborted request to end");
    const firstCopy = await copyFor(target, `${first} and its next turn`);
    assert.notEqual(firstCopy, secondCopy);
    // Both copies hold the system prompt; each conversation's next turns go where more of it is cached.
    for (let turn = 0; turn < 4; turn++) {
      assert.equal(await copyFor(target, `${first} turn ${turn}`), firstCopy, "the first conversation left its copy");
      assert.equal(await copyFor(target, `${second} turn ${turn}`), secondCopy, "the second conversation left its copy");
    }
  });

  it("keeps the block-matching tags fixed: AddTags and DeleteTags naming them are refused", async () => {
    const name = uniqueName("blocks-cfg");
    const created = await berth.sagemaker.send(config(name, prefixAware(2048, 8), [{ Key: "berth:PrefixMatching", Value: "blocks" }]));
    for (const call of [
      new AddTagsCommand({ ResourceArn: created.EndpointConfigArn, Tags: [{ Key: "berth:PrefixBlockBytes", Value: "128" }] }),
      new DeleteTagsCommand({ ResourceArn: created.EndpointConfigArn, TagKeys: ["berth:PrefixMatching"] }),
    ]) {
      await assert.rejects(berth.sagemaker.send(call as AddTagsCommand), (e: Error) => {
        assert.equal(e.name, "ValidationException");
        assert.match(e.message, /fixed by CreateEndpointConfig's Tags\. To change it, create a new endpoint configuration/);
        return true;
      });
    }
  });
});
