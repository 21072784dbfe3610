import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { CreateInferenceComponentCommand, DescribeInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { newDataDir, startBerth, type BerthProcess } from "../support/berth-process.js";
import { startOrigin, type ArtifactOrigin } from "../support/artifact-origin.js";
import { createIcEndpoint, deleteComponent, echoComponent, uniqueName, waitForComponent } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { writeTarball } from "../support/tarball.js";
import { eventually } from "../support/wait.js";
import { tempDir } from "../support/temp-dir.js";

const envServer = fileURLToPath(new URL("../../../test/fixtures/env-server.mjs", import.meta.url));
const testEnvImage = { "test/env": { command: [process.execPath, envServer] } };

interface Served {
  body: Buffer;
  etag: string;
}

describe("the artifact cache", () => {
  let berth: BerthProcess;
  let endpoint: string;
  let origin: ArtifactOrigin;
  let work: string;
  const served = new Map<string, Served>();

  function tarball(name: string, body: string): Buffer {
    const file = join(work, name);
    writeTarball(file, [{ path: "weights.bin", body }]);
    return readFileSync(file);
  }

  function serve(path: string, body: Buffer): void {
    served.set(path, { body, etag: `"${createHash("sha256").update(body).digest("hex").slice(0, 16)}"` });
  }

  before(async () => {
    work = tempDir("berth-cache-");
    const route = (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => {
      const item = served.get(req.url ?? "")!;
      if (req.headers["if-none-match"] === item.etag) return res.writeHead(304).end();
      res.writeHead(200, { etag: item.etag }).end(item.body);
    };
    origin = await startOrigin("127.0.0.1", { "/a.tar.gz": route, "/b.tar.gz": route });
    // No budget: an entry goes with its last copy (the warm cache is tested in test/artifacts/warm-cache.test.ts).
    berth = await startBerth({ config: { images: testEnvImage, artifacts: { localRoots: [tmpdir()], allowedHosts: ["127.0.0.1"], cacheBudgetMb: 0 } } });
    endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
  });
  after(async () => {
    await berth.stop();
    await origin.close();
  });

  async function deploy(url: string, until: "InService" | "Failed" = "InService") {
    const input = echoComponent(endpoint, { image: "test/env", accelerators: 0 });
    input.Specification!.Container!.ArtifactUrl = url;
    await berth.sagemaker.send(new CreateInferenceComponentCommand(input));
    const described = await waitForComponent(berth.sagemaker, input.InferenceComponentName!, until);
    if (until === "Failed") return { name: input.InferenceComponentName!, dir: "", reason: described.FailureReason ?? "" };
    const answer = JSON.parse((await invoke(berth.runtime, endpoint, input.InferenceComponentName!, "{}")).body) as { env: Record<string, string> };
    return { name: input.InferenceComponentName!, dir: answer.env.BERTH_MODEL_DIR!, reason: "" };
  }

  async function remove(name: string) {
    await deleteComponent(berth.sagemaker, name);
  }

  it("shares one entry between two URLs serving the same bytes, and re-checks an unchanged URL with a conditional request", async () => {
    const bytes = tarball("same.tar.gz", "same bytes");
    serve("/a.tar.gz", bytes);
    serve("/b.tar.gz", bytes);
    const first = await deploy(`${origin.url}/a.tar.gz`);
    const second = await deploy(`${origin.url}/b.tar.gz`);
    assert.equal(first.dir, second.dir, "one entry for the same bytes");
    assert.equal(
      first.dir,
      join(`${berth.dataDir}-copies`, "artifacts", "entries", createHash("sha256").update(bytes).digest("hex")),
      "named by the sha256 of the bytes",
    );
    const seen = origin.requests.length;
    const again = await deploy(`${origin.url}/b.tar.gz`);
    assert.equal(again.dir, second.dir);
    const recheck = origin.requests.slice(seen).find((r) => r.path === "/b.tar.gz");
    assert.equal(recheck?.headers["if-none-match"], served.get("/b.tar.gz")!.etag, "the cached copy was re-checked with its ETag");
  });

  it("gives changed bytes at the same URL a new entry", async () => {
    serve("/a.tar.gz", tarball("v1.tar.gz", "version 1"));
    const v1 = await deploy(`${origin.url}/a.tar.gz`);
    serve("/a.tar.gz", tarball("v2.tar.gz", "version 2"));
    const v2 = await deploy(`${origin.url}/a.tar.gz`);
    assert.notEqual(v2.dir, v1.dir);
    assert.equal(readFileSync(join(v2.dir, "weights.bin"), "utf8"), "version 2");
    assert.equal(readFileSync(join(v1.dir, "weights.bin"), "utf8"), "version 1", "the running copy keeps the bytes it started with");
  });

  it("keys local archives by content too: two paths to the same bytes share, a rewritten file gets a new entry", async () => {
    const dir = join(work, "local");
    mkdirSync(dir);
    writeTarball(join(dir, "one.tar.gz"), [{ path: "weights.bin", body: "local bytes" }]);
    copyFileSync(join(dir, "one.tar.gz"), join(dir, "two.tar.gz"));
    const one = await deploy(join(dir, "one.tar.gz"));
    const two = await deploy(`file://${join(dir, "two.tar.gz")}`);
    assert.equal(one.dir, two.dir);
    writeTarball(join(dir, "one.tar.gz"), [{ path: "weights.bin", body: "rewritten" }]);
    const rewritten = await deploy(join(dir, "one.tar.gz"));
    assert.notEqual(rewritten.dir, one.dir);
    assert.equal(readFileSync(join(rewritten.dir, "weights.bin"), "utf8"), "rewritten");
  });

  it("with artifacts.cacheBudgetMb 0, removes an entry once the last copy using it is removed", async () => {
    const file = join(work, `gc-${uniqueName("x")}.tar.gz`);
    writeTarball(file, [{ path: "weights.bin", body: file }]);
    const first = await deploy(file);
    const second = await deploy(file);
    assert.equal(first.dir, second.dir);
    await remove(first.name);
    assert.ok(existsSync(second.dir), "still used by the second copy");
    await remove(second.name);
    await eventually(async () => (existsSync(first.dir) ? undefined : true), { what: `the unused entry ${first.dir} to be removed` });
  });

  it("unpacks with owners and special bits dropped, readable by the copies' user", async () => {
    const file = join(work, "modes.tar.gz");
    writeTarball(file, [
      { path: "run", mode: 0o6755, uid: 4321, body: "#!/bin/sh\n" },
      { path: "secret", mode: 0o600, uid: 4321, body: "s" },
    ]);
    const { dir } = await deploy(file);
    assert.equal(statSync(join(dir, "run")).mode & 0o7777, 0o755);
    assert.equal(statSync(join(dir, "secret")).mode & 0o7777, 0o644);
    assert.equal(statSync(join(dir, "run")).uid, process.getuid!());
  });

  it("fails a component whose path leads out of the local roots through a symbolic link", async () => {
    const link = join(work, "escape");
    symlinkSync("/etc", link);
    const { reason } = await deploy(join(link, "passwd"), "Failed");
    assert.match(reason, /resolves \(through symbolic links\) to \/etc\/passwd, which is not under artifacts\.localRoots/);
  });

  it("fails a component whose archive holds a device file, with the reason, instead of restarting it", async () => {
    const file = join(work, "device.tar.gz");
    writeTarball(file, [{ path: "dev-null", type: "CharacterDevice" }]);
    const { reason } = await deploy(file, "Failed");
    assert.match(reason, /holds entry 'dev-null', which Berth refuses to unpack: it is a device file/);
  });
});

describe("collecting unused artifacts when the server starts", () => {
  it("removes entries that no component names, and keeps the ones in use", async () => {
    const dataDir = newDataDir();
    const work = tempDir("berth-collect-");
    const file = join(work, "kept.tar.gz");
    writeTarball(file, [{ path: "weights.bin", body: "kept" }]);
    const config = { images: testEnvImage, artifacts: { localRoots: [tmpdir()] } };
    let berth = await startBerth({ dataDir, config });
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
    const input = echoComponent(endpoint, { image: "test/env", accelerators: 0 });
    input.Specification!.Container!.ArtifactUrl = file;
    await berth.sagemaker.send(new CreateInferenceComponentCommand(input));
    await waitForComponent(berth.sagemaker, input.InferenceComponentName!, "InService");
    const kept = join(`${dataDir}-copies`, "artifacts", "entries", createHash("sha256").update(readFileSync(file)).digest("hex"));
    assert.ok(existsSync(kept));
    assert.equal(await berth.stop(), 0);
    const stray = join(`${dataDir}-copies`, "artifacts", "entries", "0".repeat(64));
    mkdirSync(stray);
    const oldLayout = join(`${dataDir}-copies`, "artifacts", "0123456789abcdef01234567");
    mkdirSync(oldLayout);
    berth = await startBerth({ dataDir, config });
    try {
      assert.ok(!existsSync(stray), "an entry nothing names was collected on start");
      assert.ok(!existsSync(oldLayout), "the cache of an earlier version, keyed by URL text, was removed");
      assert.ok(existsSync(kept), "the entry a component names was kept");
    } finally {
      await berth.stop();
    }
  });

  it("checks a stored URL again when the copy starts, refusing what today's config no longer allows", async () => {
    const dataDir = newDataDir();
    const work = tempDir("berth-recheck-");
    const file = join(work, "model.tar.gz");
    writeTarball(file, [{ path: "weights.bin", body: "recheck" }]);
    let berth = await startBerth({ dataDir, config: { images: testEnvImage, artifacts: { localRoots: [tmpdir()] } } });
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
    const input = echoComponent(endpoint, { image: "test/env", accelerators: 0 });
    input.Specification!.Container!.ArtifactUrl = file;
    await berth.sagemaker.send(new CreateInferenceComponentCommand(input));
    await waitForComponent(berth.sagemaker, input.InferenceComponentName!, "InService");
    assert.equal(await berth.stop(), 0);
    const elsewhere = tempDir("berth-other-root-");
    berth = await startBerth({ dataDir, config: { images: testEnvImage, artifacts: { localRoots: [elsewhere] } } });
    try {
      const reason = await eventually(
        async () => (await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: input.InferenceComponentName }))).FailureReason,
        { what: "the copy to report that its artifact is no longer allowed" },
      );
      assert.match(reason, /is not under an allowed local root \(artifacts\.localRoots: .*berth-other-root-/);
    } finally {
      await berth.stop();
    }
  });
});
