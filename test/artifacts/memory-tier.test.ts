import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CreateInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { testEnvImage } from "../support/env-image.js";
import { createIcEndpoint, deleteComponent, echoComponent, setCopyCount, waitForComponent } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { startTarballOrigin, type TarballOrigin } from "../support/tarball-origin.js";
import { eventually } from "../support/wait.js";

/** Each artifact unpacks to 600 KiB, so two fit no 1 MiB memory budget (the disk budget holds them all). */
const artifactBytes = 600 * 1024;

describe("the artifact memory tier (artifacts.memoryBudgetMb: 1)", () => {
  let berth: BerthProcess;
  let endpoint: string;
  let tarballs: TarballOrigin;
  let shm: string;
  let memoryDir: string;

  before(async () => {
    tarballs = await startTarballOrigin(["/wake.tar.gz", "/a.tar.gz", "/b.tar.gz", "/c.tar.gz", "/d.tar.gz"], artifactBytes);
    shm = mkdtempSync(join("/dev/shm", "berth-test-"));
    // Like /dev/shm itself, the parent lets the copy user through to the tier, which is the copy group's alone.
    chmodSync(shm, 0o755);
    memoryDir = join(shm, "tier");
    berth = await startBerth({
      config: {
        images: testEnvImage,
        artifacts: { allowedHosts: ["127.0.0.1"], allowPrivateNetworks: true, cacheBudgetMb: 64, memoryBudgetMb: 1, memoryDir },
      },
    });
    endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
  });
  after(async () => {
    await berth.stop();
    await tarballs.origin.close();
    rmSync(shm, { recursive: true, force: true });
  });

  const key = (path: string) => tarballs.entryKey(path);
  const inMemory = (path: string) => join(memoryDir, "entries", key(path));
  const onDisk = (path: string) => join(`${berth.dataDir}-copies`, "artifacts", "entries", key(path));

  async function deploy(path: string): Promise<string> {
    const input = echoComponent(endpoint, { image: "test/env", accelerators: 0 });
    input.Specification!.Container!.ArtifactUrl = `${tarballs.origin.url}${path}`;
    await berth.sagemaker.send(new CreateInferenceComponentCommand(input));
    await waitForComponent(berth.sagemaker, input.InferenceComponentName!, "InService");
    return input.InferenceComponentName!;
  }

  async function modelDir(name: string): Promise<string> {
    return (JSON.parse((await invoke(berth.runtime, endpoint, name, "{}")).body) as { env: Record<string, string> }).env.BERTH_MODEL_DIR!;
  }

  async function restartFromZero(name: string): Promise<void> {
    await setCopyCount(berth.sagemaker, name, 0);
    await setCopyCount(berth.sagemaker, name, 1);
  }

  const promoted = (path: string) => eventually(async () => (existsSync(inMemory(path)) ? true : undefined), { what: `${path} to be copied into host memory` });

  it("starts a component again from zero copies with its artifact loaded from host memory", async () => {
    const name = await deploy("/wake.tar.gz");
    assert.equal(await modelDir(name), onDisk("/wake.tar.gz"), "the first copy loads it from disk, where the download went");
    await promoted("/wake.tar.gz");
    await restartFromZero(name);
    assert.equal(await modelDir(name), inMemory("/wake.tar.gz"), "the woken copy loads it from memory");
    assert.deepEqual(readFileSync(join(inMemory("/wake.tar.gz"), "weights.bin")), readFileSync(join(onDisk("/wake.tar.gz"), "weights.bin")));
    assert.equal(tarballs.downloads.get("/wake.tar.gz"), 1);
    await deleteComponent(berth.sagemaker, name);
  });

  it("keeps the most recently used artifacts in memory within the budget, evicting the least recently used first, and keeps them on disk", async () => {
    const a = await deploy("/a.tar.gz");
    await promoted("/a.tar.gz");
    const b = await deploy("/b.tar.gz");
    await promoted("/b.tar.gz");
    await eventually(async () => (existsSync(inMemory("/a.tar.gz")) ? undefined : true), { what: "a, the least recently used, to leave memory" });
    assert.ok(existsSync(onDisk("/a.tar.gz")), "it stays in the disk tier");
    assert.ok(
      berth.logs.some(
        (l) => typeof l.msg === "string" && l.msg.includes(`evicted artifact ${key("/a.tar.gz")} from host memory`) && l.msg.includes("(1.0 MiB)"),
      ),
      "the eviction is logged with the budget",
    );
    await deleteComponent(berth.sagemaker, a);
    await deleteComponent(berth.sagemaker, b);
  });

  it("never evicts from memory an artifact a running copy loaded from there", async () => {
    const c = await deploy("/c.tar.gz");
    await promoted("/c.tar.gz");
    await restartFromZero(c);
    assert.equal(await modelDir(c), inMemory("/c.tar.gz"));
    const d = await deploy("/d.tar.gz");
    await eventually(
      async () => (berth.logs.some((l) => typeof l.msg === "string" && l.msg.includes(`evicted artifact ${key("/d.tar.gz")}`)) ? true : undefined),
      {
        what: "d to be copied into memory and evicted again, since c's copy holds the rest of the budget",
      },
    );
    assert.ok(existsSync(inMemory("/c.tar.gz")), "the artifact a running copy maps stays");
    assert.equal(await modelDir(c), inMemory("/c.tar.gz"));
    await deleteComponent(berth.sagemaker, c);
    await deleteComponent(berth.sagemaker, d);
  });
});

describe("an artifact memory tier copies cannot read", () => {
  it("is turned off, saying why, and copies load their artifacts from disk", async () => {
    const shm = mkdtempSync(join("/dev/shm", "berth-test-"));
    const memoryDir = join(shm, "tier");
    const berth = await startBerth({ config: { images: testEnvImage, artifacts: { memoryBudgetMb: 1, memoryDir } } });
    try {
      // mkdtemp made the parent 0700: the copy user cannot pass it. A server not running as root runs copies as itself, which can.
      const switched = berth.logs.some((l) => typeof l.msg === "string" && l.msg.startsWith("model copies run as") && !l.msg.includes("the server's own user"));
      const off = await eventually(
        async () =>
          berth.logs.find((l) => typeof l.msg === "string" && l.msg.startsWith(`the artifact memory tier at ${memoryDir} is off`)) ??
          (switched ? undefined : true),
        { what: "the log line saying the memory tier is off" },
      );
      if (switched) assert.match(String((off as { msg: string }).msg), /copies cannot read .*every directory above it must let the copy user through/);
    } finally {
      await berth.stop();
      rmSync(shm, { recursive: true, force: true });
    }
  });
});
