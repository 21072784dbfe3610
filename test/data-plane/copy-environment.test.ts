import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { CreateInferenceComponentCommand, CreateModelCommand } from "@aws-sdk/client-sagemaker";
import { startBerth, testArtifactSettings, type BerthProcess } from "../support/berth-process.js";
import { createIcEndpoint, echoComponent, uniqueName, waitForComponent } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { placement } from "../support/placement.js";
import { tempDir } from "../support/temp-dir.js";

const envServer = fileURLToPath(new URL("../../../test/fixtures/env-server.mjs", import.meta.url));

interface EnvAnswer {
  env: Record<string, string>;
  files: string[];
  argv: string[];
}

describe("what a copy is started with", () => {
  let berth: BerthProcess;
  let endpoint: string;
  let artifacts: string;
  let http: Server;
  let httpUrl: string;
  before(async () => {
    artifacts = tempDir("berth-artifacts-");
    // A directory used in place must be readable by the unprivileged user copies run as.
    chmodSync(artifacts, 0o755);
    const source = join(artifacts, "src");
    mkdirSync(source);
    writeFileSync(join(source, "weights.bin"), "0123");
    writeFileSync(join(source, "config.json"), "{}");
    execFileSync("tar", ["-czf", join(artifacts, "model.tar.gz"), "-C", source, "."]);
    const tarball = readFileSync(join(artifacts, "model.tar.gz"));
    http = createServer((req, res) => {
      if (req.url === "/model.tar.gz") res.end(tarball);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    httpUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    berth = await startBerth({
      config: {
        images: { "test/env": { command: [process.execPath, envServer, "--model-dir={modelDir}"] } },
        artifacts: { ...testArtifactSettings, allowedHosts: ["127.0.0.1"] },
      },
    });
    endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
  });
  after(async () => {
    await berth.stop();
    http.close();
  });

  async function deploy(options: { artifact?: string; accelerators?: number; env?: Record<string, string>; model?: string; maxMemory?: number }) {
    const input = echoComponent(endpoint, { image: "test/env", accelerators: options.accelerators ?? 0, env: options.env });
    const spec = input.Specification!;
    if (options.artifact) spec.Container!.ArtifactUrl = options.artifact;
    if (options.model) {
      spec.ModelName = options.model;
      delete spec.Container;
    }
    if (options.maxMemory) spec.ComputeResourceRequirements!.MaxMemoryRequiredInMb = options.maxMemory;
    await berth.sagemaker.send(new CreateInferenceComponentCommand(input));
    await waitForComponent(berth.sagemaker, input.InferenceComponentName!, "InService");
    const answer = JSON.parse((await invoke(berth.runtime, endpoint, input.InferenceComponentName!, "{}")).body) as EnvAnswer;
    return { name: input.InferenceComponentName!, answer };
  }

  it("passes the assigned devices, its port and the container environment", async () => {
    const { name, answer } = await deploy({ accelerators: 2, env: { USER_SETTING: "on" } });
    const copy = (await placement(berth.url, endpoint)).flatMap((i) => i.copies).find((c) => c.owner === name)!;
    assert.equal(answer.env.CUDA_VISIBLE_DEVICES, copy.devices.join(","));
    assert.equal(answer.env.NVIDIA_VISIBLE_DEVICES, copy.devices.join(","));
    assert.equal(answer.env.SAGEMAKER_BIND_TO_PORT, String(copy.port));
    assert.equal(answer.env.BERTH_COPY_ID, `${name}-1`);
    assert.equal(answer.env.USER_SETTING, "on");
  });

  it("unpacks a .tar.gz artifact named by file:// URL into the copy's model directory", async () => {
    const { answer } = await deploy({ artifact: `file://${join(artifacts, "model.tar.gz")}` });
    assert.deepEqual(answer.files, ["config.json", "weights.bin"]);
    assert.equal(answer.argv[0], `--model-dir=${answer.env.BERTH_MODEL_DIR}`);
  });

  it("uses a local directory in place, and downloads an http artifact once for every copy that names it", async () => {
    const local = await deploy({ artifact: join(artifacts, "src") });
    assert.equal(local.answer.env.BERTH_MODEL_DIR, join(artifacts, "src"));
    const first = await deploy({ artifact: `${httpUrl}/model.tar.gz` });
    const second = await deploy({ artifact: `${httpUrl}/model.tar.gz` });
    assert.deepEqual(first.answer.files, ["config.json", "weights.bin"]);
    assert.equal(first.answer.env.BERTH_MODEL_DIR, second.answer.env.BERTH_MODEL_DIR, "one cached copy of the artifact");
    assert.ok(first.answer.env.BERTH_MODEL_DIR!.startsWith(join(`${berth.dataDir}-copies`, "artifacts")));
  });

  it("layers the component's environment over its model's", async () => {
    const model = uniqueName("env-model");
    await berth.sagemaker.send(
      new CreateModelCommand({ ModelName: model, PrimaryContainer: { Image: "test/env", Environment: { MODEL_SETTING: "model", USER_SETTING: "model" } } }),
    );
    const { answer } = await deploy({ model });
    assert.equal(answer.env.MODEL_SETTING, "model");
  });

  it("reports the resource limits it applied, or why it could not", async () => {
    const { name } = await deploy({ maxMemory: 2048 });
    const copy = (await placement(berth.url, endpoint)).flatMap((i) => i.copies).find((c) => c.owner === name)!;
    assert.match(copy.limits!.memory, /^(cgroup v[12] memory\.(max|limit_in_bytes) 2048 MiB|not enforced: .+)$/);
    assert.match(copy.limits!.cpu, /^(cgroup v[12] cpu\.(max|cfs_quota_us) 1 cores|not enforced: .+)$/);
    if (copy.limits!.memory.startsWith("cgroup")) {
      const groups = readFileSync(`/proc/${copy.pid}/cgroup`, "utf8");
      assert.match(groups, new RegExp(`berth-copies/${name}-1`), "the process runs inside its own cgroup");
    } else {
      assert.ok(berth.logs.some((l) => typeof l.msg === "string" && l.msg.startsWith("resource limits are not enforced")));
    }
  });
});
