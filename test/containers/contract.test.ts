import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { promisify } from "node:util";
import { defaultArtifactSettings } from "../../src/config/artifacts.js";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import {
  buildContractImages,
  contractImage,
  containersLabelled,
  exampleDir,
  inspectContainer,
  processesMatching,
  removeContainersLabelled,
} from "../support/container-images.js";
import { ask, createContainerComponent, modelDirectory, startContainerServer, stopContainerServer } from "../support/container-models.js";
import { copyOf, invoke, invokeStream } from "../support/invoke.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";

describe("a SageMaker-style container as a copy", () => {
  let berth: BerthProcess;
  let endpoint: string;
  before(async () => ({ berth, endpoint } = await startContainerServer()));
  after(() => stopContainerServer(berth, endpoint));

  it("starts the image with `serve`, the model's environment under the component's, and the model read-only at /opt/ml/model", async () => {
    const artifact = modelDirectory({ "weights.txt": "weights of the example model\n" });
    const { name } = await createContainerComponent(berth.sagemaker, endpoint, {
      image: contractImage.v1,
      artifact,
      modelEnv: { MODEL_SETTING: "from-model", SHARED_SETTING: "from-model" },
      componentEnv: { SHARED_SETTING: "from-component", COMPONENT_SETTING: "from-component" },
    });
    const answer = await ask(berth.runtime, endpoint, name, {
      env: ["MODEL_SETTING", "SHARED_SETTING", "COMPONENT_SETTING", "SAGEMAKER_BIND_TO_PORT", "SM_MODEL_DIR", "BERTH_COPY_ID", "MODEL_VERSION"],
      readModelFile: "weights.txt",
      writeModelFile: "written-by-the-container",
    });
    assert.deepEqual(answer.argv, ["serve"]);
    assert.deepEqual(answer.env, {
      MODEL_SETTING: "from-model",
      SHARED_SETTING: "from-component",
      COMPONENT_SETTING: "from-component",
      SAGEMAKER_BIND_TO_PORT: "8080",
      SM_MODEL_DIR: "/opt/ml/model",
      BERTH_COPY_ID: `${name}-1`,
      MODEL_VERSION: "v1",
    });
    assert.deepEqual(answer.modelFiles, ["weights.txt"]);
    assert.equal(answer.modelFileText, "weights of the example model\n");
    assert.equal(answer.modelDirWritable, false, "the model directory is mounted read-only");
    assert.equal(answer.writeError, "EROFS");

    const [container] = await containersLabelled(`berth.component=${name}`);
    assert.ok(container, `a container labelled berth.component=${name}`);
    const inspected = await inspectContainer(container.id);
    const mount = inspected.Mounts.find((m) => m.Destination === "/opt/ml/model");
    assert.ok(mount, `/opt/ml/model is mounted (mounts: ${JSON.stringify(inspected.Mounts)})`);
    assert.equal(mount.Source, artifact);
    assert.equal(mount.RW, false);

    // The environment travels in a private file, not on the client's command line (which any local user can read).
    const [client] = processesMatching((argv) => basename(argv[0] ?? "") === "podman" && argv.includes("run") && argv.includes(`--label=berth.copy=${name}-1`));
    assert.ok(client, "the copy's podman run client is running");
    const argv = readFileSync(`/proc/${client}/cmdline`, "utf8").split("\0");
    assert.ok(!argv.some((a) => a.includes("from-component") || a.includes("from-model")), `no environment value on the command line: ${argv.join(" ")}`);
    const envFile = argv.find((a) => a.startsWith("--env-file="))?.slice("--env-file=".length);
    assert.ok(envFile, `the client reads an env file: ${argv.join(" ")}`);
    assert.equal(statSync(envFile).mode & 0o077, 0, "the env file is readable by its owner only");
  });

  it("answers InvokeEndpoint, and streams InvokeEndpointWithResponseStream chunk by chunk", async () => {
    const { name } = await createContainerComponent(berth.sagemaker, endpoint, { image: contractImage.v1 });
    const answer = await invoke(berth.runtime, endpoint, name, JSON.stringify({ prompt: "hello" }));
    const parsed = JSON.parse(answer.body) as { version: string; body: unknown };
    assert.equal(parsed.version, "v1");
    assert.deepEqual(parsed.body, { prompt: "hello" });
    assert.equal(answer.contentType, "application/json");
    assert.equal(copyOf(answer.customAttributes), `${name}-1`, "the container's custom attributes come back");

    const streamed = await invokeStream(berth.runtime, endpoint, name, JSON.stringify({ stream: 4 }));
    const lines = streamed.parts
      .join("")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as { version: string; part: number; of: number });
    assert.deepEqual(
      lines,
      [0, 1, 2, 3].map((part) => ({ version: "v1", part, of: 4 })),
    );
    assert.ok(streamed.parts.length > 1, `the chunks arrive as separate payload parts (got ${JSON.stringify(streamed.parts)})`);
    assert.equal(streamed.contentType, "application/jsonlines");
  });

  it("labels the container, runs it with an init process and the copy's CPU and memory limits, and publishes 8080 on 127.0.0.1", async () => {
    const { name } = await createContainerComponent(berth.sagemaker, endpoint, { image: contractImage.v1, cpu: 0.5, minMemory: 256, maxMemory: 384 });
    const containers = await containersLabelled(`berth.component=${name}`);
    assert.equal(containers.length, 1, `one container for the one copy: ${JSON.stringify(containers)}`);
    const inspected = await inspectContainer(containers[0]!.id);
    const labels = inspected.Config.Labels ?? {};
    assert.equal(labels["berth.copy"], `${name}-1`);
    assert.equal(labels["berth.endpoint"], endpoint);
    assert.equal(labels["berth.component"], name);
    assert.ok(labels["berth.agent"], "the container names the agent that started it");
    assert.equal(inspected.HostConfig.Init, true, "--init");
    assert.ok(inspected.HostConfig.SecurityOpt?.includes("no-new-privileges"), `no-new-privileges: ${JSON.stringify(inspected.HostConfig.SecurityOpt)}`);
    assert.equal(inspected.HostConfig.Memory, 384 * 1024 * 1024, "--memory from MaxMemoryRequiredInMb");
    assert.equal(inspected.HostConfig.NanoCpus, 0.5e9, "--cpus from NumberOfCpuCoresRequired");
    const bindings = inspected.HostConfig.PortBindings["8080/tcp"] ?? [];
    assert.equal(bindings.length, 1, `8080 is published once: ${JSON.stringify(inspected.HostConfig.PortBindings)}`);
    assert.equal(bindings[0]!.HostIp, "127.0.0.1");
    const copy = (await placement(berth.url, endpoint)).flatMap((i) => i.copies).find((c) => c.copyId === `${name}-1`)!;
    assert.equal(Number(bindings[0]!.HostPort), copy.port, "the host port is the copy's port in the placement view");
    assert.deepEqual(inspected.Args.slice(-1), ["serve"]);
  });

  it("runs two copies of one image on one host, on different host ports, both serving", async () => {
    const { name } = await createContainerComponent(berth.sagemaker, endpoint, { image: contractImage.v1, copies: 2 });
    const instances = await placement(berth.url, endpoint);
    assert.equal(instances.length, 1, "one instance, so one host");
    const copies = instances[0]!.copies.filter((c) => c.owner === name);
    assert.equal(copies.length, 2);
    const containers = await containersLabelled(`berth.component=${name}`);
    assert.equal(containers.length, 2, `two containers: ${JSON.stringify(containers.map((c) => c.name))}`);
    const ports = await Promise.all(containers.map(async (c) => (await inspectContainer(c.id)).HostConfig.PortBindings["8080/tcp"]?.[0]?.HostPort));
    assert.equal(new Set(ports).size, 2, `different host ports: ${ports.join(", ")}`);
    const seen = new Set<string>();
    await eventually(
      async () => {
        seen.add(copyOf((await invoke(berth.runtime, endpoint, name, "{}")).customAttributes));
        return seen.size === 2 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 10, what: () => `both copies of ${name} to answer (seen: ${[...seen].join(", ")})` },
    );
  });
});

describe("the worked example of the README (examples/container)", () => {
  let berth: BerthProcess;
  before(async () => {
    await buildContractImages();
    // Default artifact settings, as the demo server of the README has them.
    berth = await startBerth({ config: { artifacts: { localRoots: defaultArtifactSettings.localRoots }, containers: { engine: "podman" } } });
  });
  after(async () => {
    await berth?.stop();
    await removeContainersLabelled("berth.endpoint=example");
  });

  it("deploys the image with deploy.mjs and the AWS SDK, and answers as the README shows", async () => {
    // The README runs it against the demo server, whose default artifacts.localRoots hold this folder.
    const model = `${exampleDir}model`;
    const { stdout } = await promisify(execFile)(process.execPath, [`${exampleDir}deploy.mjs`, "localhost/berth-test-contract:v1", model], {
      env: {
        ...process.env,
        BERTH_URL: berth.url,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
      timeout: 120_000,
    });
    const lines = stdout.trim().split("\n");
    assert.equal(lines[0], "example-ic is InService");
    assert.deepEqual(JSON.parse(lines[1]!), {
      version: "v1",
      argv: ["serve"],
      env: { GREETING: "hello from the component", SM_MODEL_DIR: "/opt/ml/model" },
      modelFiles: ["greeting.txt"],
      body: { env: ["GREETING", "SM_MODEL_DIR"], readModelFile: "greeting.txt" },
      modelFileText: "hello from the model directory\n",
    });
    assert.deepEqual(
      lines.slice(2).map((l) => JSON.parse(l)),
      [0, 1, 2].map((part) => ({ version: "v1", part, of: 3 })),
    );
    assert.equal((await containersLabelled("berth.component=example-ic")).length, 2, "two copies, two containers");
  });
});
