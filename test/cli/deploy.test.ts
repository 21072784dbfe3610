import { DescribeScalableTargetsCommand, ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { DescribeEndpointCommand, DescribeEndpointConfigCommand, DescribeInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it, type TestContext } from "node:test";
import { stringify } from "yaml";
import { berth, cliEnv, stackTrace } from "../support/berth-cli.js";
import { eventually } from "../support/wait.js";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { uniqueName } from "../support/fixtures.js";

let server: BerthProcess;
before(async () => {
  server = await startBerth();
});
after(async () => {
  await server.stop();
});

/** A deploy file for one endpoint with an echo component (and, optionally, autoscaling), written to the server's data dir. */
function appFile(endpoint: string, component: string, options: { copies?: number; scaling?: boolean; extra?: Record<string, unknown> } = {}): string {
  const file = join(server.dataDir, `${uniqueName("app")}.yaml`);
  const spec = {
    endpoint: { name: endpoint, instanceType: "ml.g5.12xlarge", instanceCount: 1 },
    components: [
      {
        name: component,
        image: "berth/echo",
        copies: options.copies ?? 1,
        cpuCores: 0.5,
        memoryMiB: 256,
        ...(options.scaling ? { scaling: { minCopies: 1, maxCopies: 3, targetInvocationsPerCopy: 5 } } : {}),
      },
    ],
    ...options.extra,
  };
  writeFileSync(file, stringify(spec));
  return file;
}

async function describeComponent(name: string) {
  return server.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
}

describe("berth deploy -f", () => {
  it("creates what the file describes, waits until all is in service, and a second apply changes nothing and says so", async (t: TestContext) => {
    const endpoint = uniqueName("dep");
    const component = uniqueName("dep-echo");
    const file = appFile(endpoint, component, { copies: 2, scaling: true });

    const first = await berth(server, ["deploy", "-f", file, "--yes"]);
    t.assert.equal(first.code, 0, first.stderr);
    t.assert.match(first.stdout, new RegExp(`\\+ endpoint ${endpoint}\\b`));
    t.assert.match(first.stdout, new RegExp(`\\+ inference-component ${component} +2 copies of berth/echo`));
    t.assert.match(first.stdout, new RegExp(`\\+ scalable-target inference-component/${component} +copies 1\\.\\.3`));
    t.assert.match(first.stdout, /\+ scaling-policy .* +target 5 invocations per copy/);
    t.assert.match(first.stdout, new RegExp(`all in service: endpoint ${endpoint} with ${component}\\n`));

    const described = await describeComponent(component);
    t.assert.equal(described.InferenceComponentStatus, "InService");
    t.assert.equal(described.RuntimeConfig?.CurrentCopyCount, 2);
    t.assert.equal((await server.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }))).EndpointStatus, "InService");
    const aas = new ApplicationAutoScalingClient({ endpoint: server.url, region: "us-east-1", credentials });
    const targets = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", ResourceIds: [`inference-component/${component}`] }));
    t.assert.deepStrictEqual(
      targets.ScalableTargets?.map((x) => [x.MinCapacity, x.MaxCapacity]),
      [[1, 3]],
    );

    const again = await berth(server, ["deploy", "-f", file, "--yes"]);
    t.assert.equal(again.code, 0, again.stderr);
    t.assert.match(again.stdout, /0 to create, 0 to change, 4 unchanged/);
    t.assert.match(again.stdout, /no changes: .* matches what is deployed/);
    t.assert.doesNotMatch(again.stdout, /^(created|updated) /m);
    t.assert.deepStrictEqual((await describeComponent(component)).LastModifiedTime, described.LastModifiedTime, "the component was not touched");
  });

  it("shows the diff before changing anything: --dry-run and a missing --yes change nothing, --yes applies it", async (t: TestContext) => {
    const endpoint = uniqueName("dep");
    const component = uniqueName("dep-echo");
    t.assert.equal((await berth(server, ["deploy", "-f", appFile(endpoint, component), "--yes"])).code, 0);
    const changed = appFile(endpoint, component, { copies: 2 });
    const before = await describeComponent(component);

    const dry = await berth(server, ["deploy", "-f", changed, "--dry-run"]);
    t.assert.equal(dry.code, 0, dry.stderr);
    t.assert.match(dry.stdout, new RegExp(`~ inference-component ${component} +copies: 1 → 2`));
    t.assert.match(dry.stdout, new RegExp(`= endpoint ${endpoint} +unchanged`));
    t.assert.match(dry.stdout, /0 to create, 1 to change, 1 unchanged/);

    const unconfirmed = await berth(server, ["deploy", "-f", changed]);
    t.assert.equal(unconfirmed.code, 3);
    t.assert.match(unconfirmed.stdout, /copies: 1 → 2/, "the diff is shown before asking");
    t.assert.match(
      unconfirmed.stderr,
      /^berth: not applied: there is no terminal to ask on\. Pass --yes to apply these changes, or --dry-run to only show them\.\n$/,
    );
    const untouched = await describeComponent(component);
    t.assert.equal(untouched.RuntimeConfig?.DesiredCopyCount, 1);
    t.assert.deepStrictEqual(untouched.LastModifiedTime, before.LastModifiedTime);

    const applied = await berth(server, ["deploy", "-f", changed, "--yes"]);
    t.assert.equal(applied.code, 0, applied.stderr);
    t.assert.ok(applied.stdout.indexOf("copies: 1 → 2") < applied.stdout.indexOf(`updated inference-component ${component}`), applied.stdout);
    t.assert.equal((await describeComponent(component)).RuntimeConfig?.CurrentCopyCount, 2);
  });

  it("refuses a bad file with every wrong field named and what to write, exit code 2, and nothing created", async (t: TestContext) => {
    const endpoint = uniqueName("dep");
    const file = appFile(endpoint, uniqueName("dep-echo"), {
      extra: {
        endpoint: { name: endpoint, instanceTyp: "ml.g5.12xlarge" },
        components: [{ name: "bad_name", image: "berth/echo", copies: "two" }],
      },
    });
    const run = await berth(server, ["deploy", "-f", file, "--yes"]);
    t.assert.equal(run.code, 2);
    t.assert.equal(run.stdout, "");
    t.assert.match(run.stderr, /cannot be applied; nothing was changed:/);
    t.assert.match(run.stderr, /endpoint\.instanceTyp: unknown field; did you mean instanceType\?/);
    t.assert.match(run.stderr, /endpoint\.instanceType: required: the instance type/);
    t.assert.match(run.stderr, /components\[0\]\.name: must be a name of letters, digits and hyphens .*got "bad_name"/);
    t.assert.match(run.stderr, /components\[0\]\.copies: must be a whole number of at least 0, got "two"/);
    t.assert.match(run.stderr, /components\[0\]\.memoryMiB: required: the memory one copy needs, in MiB/);
    t.assert.doesNotMatch(run.stderr, stackTrace);
    await t.assert.rejects(server.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint })), /Could not find endpoint/);
  });

  it("refuses an empty file, and names that differ only in case, with exit code 2 and nothing created", async (t: TestContext) => {
    // An empty file used to crash the CLI with a TypeError and its stack; names differing only in case passed
    // the check, and the deploy created the endpoint and the first model before the server refused the second.
    for (const source of ["", "# nothing here yet\n"]) {
      const empty = join(server.dataDir, `${uniqueName("empty")}.yaml`);
      writeFileSync(empty, source);
      const run = await berth(server, ["deploy", "-f", empty, "--yes"]);
      t.assert.equal(run.code, 2);
      t.assert.match(run.stderr, /cannot be applied; nothing was changed:\n {2}the file is empty: it needs endpoint: and components:/);
      t.assert.doesNotMatch(run.stderr, stackTrace);
    }
    const endpoint = uniqueName("dep");
    const model = uniqueName("dep-model");
    const component = uniqueName("dep-echo");
    const file = appFile(endpoint, component, {
      extra: {
        models: [
          { name: model, image: "berth/echo" },
          { name: model.toUpperCase(), image: "berth/echo", environment: { ECHO_LATENCY_MS: "5" } },
        ],
        components: [
          { name: component, model, memoryMiB: 256 },
          { name: component.toUpperCase(), image: "berth/echo", memoryMiB: 256 },
        ],
      },
    });
    const run = await berth(server, ["deploy", "-f", file, "--yes"]);
    t.assert.equal(run.code, 2);
    t.assert.equal(run.stdout, "");
    t.assert.match(run.stderr, new RegExp(`models\\[1\\]\\.name: ${model.toUpperCase()} appears twice \\(as ${model} too: names are case-insensitive\\)`));
    t.assert.match(run.stderr, new RegExp(`components\\[1\\]\\.name: ${component.toUpperCase()} appears twice \\(as ${component} too`));
    await t.assert.rejects(server.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint })), /Could not find endpoint/);
  });

  it("refuses a file the server's own shapes would refuse before changing anything, naming the entry", async (t: TestContext) => {
    const endpoint = uniqueName("dep");
    const component = uniqueName("dep-echo");
    const file = appFile(endpoint, component, {
      extra: { components: [{ name: component, image: "berth/echo", memoryMiB: 256, environment: { "BAD KEY": "x" } }] },
    });
    const run = await berth(server, ["deploy", "-f", file, "--yes"]);
    t.assert.equal(run.code, 2);
    t.assert.match(
      run.stderr,
      new RegExp(`components\\[0\\] \\(${component}\\): Value 'BAD KEY' at 'specification\\.container\\.environment\\.key' failed to satisfy constraint`),
    );
    await t.assert.rejects(server.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint })), /Could not find endpoint/);
  });

  it("refuses a component whose copy cannot fit one instance of the endpoint's type before changing anything, exit code 2", async (t: TestContext) => {
    // The deploy used to create the endpoint config, the endpoint and the first component, and only then
    // exit 1 when the server refused the component too large for ml.g5.12xlarge (4 accelerators, 48 cores, 192 GiB).
    const endpoint = uniqueName("dep");
    const small = uniqueName("dep-echo");
    const big = uniqueName("dep-big");
    const huge = uniqueName("dep-huge");
    const file = appFile(endpoint, small, {
      extra: {
        components: [
          { name: small, image: "berth/echo", cpuCores: 0.5, memoryMiB: 256 },
          { name: big, image: "berth/echo", cpuCores: 100, memoryMiB: 256 },
          { name: huge, image: "berth/echo", accelerators: 8, memoryMiB: 300000 },
        ],
      },
    });
    const run = await berth(server, ["deploy", "-f", file, "--yes"]);
    t.assert.equal(run.code, 2, run.stderr);
    t.assert.equal(run.stdout, "");
    t.assert.match(run.stderr, /cannot be applied; nothing was changed:/);
    t.assert.match(
      run.stderr,
      new RegExp(
        `components\\[1\\] \\(${big}\\): one copy needs more than one ml\\.g5\\.12xlarge instance has \\(CPU cores: needs 100, has 48\\)\\. ` +
          `Lower the component's cpuCores, or use a larger endpoint\\.instanceType\\.`,
      ),
    );
    t.assert.match(
      run.stderr,
      new RegExp(
        `components\\[2\\] \\(${huge}\\): .*\\(accelerator devices: needs 8, has 4; memory: needs 300000 MiB, has 196608 MiB\\)\\. Lower the component's accelerators, memoryMiB,`,
      ),
    );
    t.assert.doesNotMatch(run.stderr, new RegExp(small));
    t.assert.doesNotMatch(run.stderr, stackTrace);
    await t.assert.rejects(server.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint })), /Could not find endpoint/);
    await t.assert.rejects(describeComponent(small), /Could not find inference component/);
  });

  it("refuses an image that is not an image reference before changing anything, exit code 2", async (t: TestContext) => {
    // The deploy used to create the endpoint config and the endpoint, and only then exit 1 when CreateModel refused the image.
    const endpoint = uniqueName("dep");
    const model = uniqueName("dep-model");
    const component = uniqueName("dep-echo");
    const file = appFile(endpoint, component, {
      extra: {
        models: [{ name: model, image: "Berth/Echo" }],
        components: [{ name: component, model, memoryMiB: 256 }],
      },
    });
    const run = await berth(server, ["deploy", "-f", file, "--yes"]);
    t.assert.equal(run.code, 2, run.stderr);
    t.assert.equal(run.stdout, "");
    t.assert.match(run.stderr, /models\[0\]\.image names image 'Berth\/Echo', which is not a container image reference\. Use a name such as/);
    t.assert.doesNotMatch(run.stderr, stackTrace);
    await t.assert.rejects(server.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint })), /Could not find endpoint/);
  });

  it("routes by prefix when the file asks for PREFIX_AWARE, shows a threshold change as a diff, and refuses routing without its prefixAware", async (t: TestContext) => {
    const endpoint = uniqueName("dep");
    const component = uniqueName("dep-echo");
    const prefixed = (concurrencyThreshold: number) =>
      appFile(endpoint, component, {
        extra: {
          endpoint: { name: endpoint, instanceType: "ml.g5.12xlarge", routing: "PREFIX_AWARE", prefixAware: { prefixLength: 2048, concurrencyThreshold } },
        },
      });
    const applied = await berth(server, ["deploy", "-f", prefixed(4), "--yes"]);
    t.assert.equal(applied.code, 0, applied.stderr);
    const described = await server.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    const config = await server.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: described.EndpointConfigName }));
    t.assert.deepStrictEqual(config.ProductionVariants?.[0]?.RoutingConfig, {
      RoutingStrategy: "PREFIX_AWARE",
      PrefixAwareRoutingConfig: { PrefixLength: 2048, ConcurrencyThreshold: 4 },
    });

    const dry = await berth(server, ["deploy", "-f", prefixed(8), "--dry-run"]);
    t.assert.equal(dry.code, 0, dry.stderr);
    t.assert.match(dry.stdout, /prefixAware: prefixLength 2048, concurrencyThreshold 4 → prefixLength 2048, concurrencyThreshold 8/);

    const missing = appFile(uniqueName("dep"), uniqueName("dep-echo"), {
      extra: { endpoint: { name: uniqueName("dep"), instanceType: "ml.g5.12xlarge", routing: "PREFIX_AWARE" } },
    });
    const refused = await berth(server, ["deploy", "-f", missing, "--yes"]);
    t.assert.equal(refused.code, 2);
    t.assert.match(refused.stderr, /endpoint\.prefixAware: required with routing: PREFIX_AWARE/);
  });

  it("deploys the README's example file, examples/deploy/app.yaml, as written", async (t: TestContext) => {
    const file = fileURLToPath(new URL("../../../examples/deploy/app.yaml", import.meta.url));
    const run = await berth(server, ["deploy", "-f", file, "--yes"]);
    t.assert.equal(run.code, 0, run.stderr);
    t.assert.match(run.stdout, /^\+ model shop-echo-model +berth\/echo$/m);
    t.assert.match(run.stdout, /all in service: endpoint shop with shop-echo, shop-echo-spread\n/);
    const again = await berth(server, ["deploy", "-f", file, "--dry-run"]);
    t.assert.match(again.stdout, /0 to create, 0 to change, 6 unchanged\nno changes/);
  });

  it("ends the wait with the failure reason when a component fails, exit code 1", async (t: TestContext) => {
    const endpoint = uniqueName("dep");
    const component = uniqueName("dep-broken");
    const file = appFile(endpoint, component, { extra: { components: [{ name: component, image: "nosuch.example/none:1", memoryMiB: 256 }] } });
    const run = await berth(server, ["deploy", "-f", file, "--yes"]);
    t.assert.equal(run.code, 1);
    t.assert.match(run.stdout, new RegExp(`^inference-component ${component}: Failed 0/1 copies \\(.*nosuch\\.example`, "m"));
    t.assert.match(
      run.stderr,
      new RegExp(`^berth: inference component ${component} failed: .*nosuch\\.example.*\\. Its copies' output: berth logs ${component}\\n$`),
    );
    t.assert.doesNotMatch(run.stderr, stackTrace);
  });

  it("on a terminal it asks before changing anything, and redraws its status lines in place", async (t: TestContext) => {
    const endpoint = uniqueName("dep");
    const component = uniqueName("dep-echo");
    const file = appFile(endpoint, component);
    const declined = await onTerminal(["deploy", "-f", file], "n");
    t.assert.equal(declined.code, 3);
    t.assert.match(declined.output, /berth: not applied: nothing was changed\./);
    await t.assert.rejects(server.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint })), /Could not find endpoint/);

    const accepted = await onTerminal(["deploy", "-f", file], "y");
    t.assert.equal(accepted.code, 0, accepted.output);
    t.assert.match(accepted.output, /all in service/);
    t.assert.match(accepted.output, /\x1b\[\d+A\r\x1b\[K(endpoint|inference-component) /, "the status block is redrawn in place");
  });
});

/** Runs `berth <args>` on a pseudo-terminal (util-linux script), answering the prompt once it appears. */
async function onTerminal(args: string[], answer: string): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, fileURLToPath(new URL("../../../bin/berth.js", import.meta.url)), ...args].map((a) => `'${a}'`).join(" ");
  const child = spawn("script", ["-qfec", command, "/dev/null"], { env: cliEnv(server), stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  await eventually(async () => (output.includes("Apply these changes? [y/N]") ? true : undefined), { what: () => `the prompt; output so far: ${output}` });
  child.stdin.write(`${answer}\n`);
  return { code: await exited, output };
}
