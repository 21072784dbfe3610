import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CreateInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import type { ArtifactOrigin } from "../support/artifact-origin.js";
import { testEnvImage } from "../support/env-image.js";
import { createIcEndpoint, deleteComponent, echoComponent, setCopyCount, waitForComponent } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { startTarballOrigin } from "../support/tarball-origin.js";
import { eventually } from "../support/wait.js";

/** Each artifact unpacks to 600 KiB, so two fit no 1 MiB budget. */
const artifactBytes = 600 * 1024;

describe("the warm artifact cache (artifacts.cacheBudgetMb: 1)", () => {
  let berth: BerthProcess;
  let endpoint: string;
  let origin: ArtifactOrigin;
  let bodies: Map<string, Buffer>;
  /** Full downloads (200 answers) per path; a conditional re-check answered 304 is not one. */
  let downloads: Map<string, number>;

  before(async () => {
    ({ origin, bodies, downloads } = await startTarballOrigin(["/a.tar.gz", "/b.tar.gz", "/c.tar.gz", "/d.tar.gz", "/zero.tar.gz"], artifactBytes));
    berth = await startBerth({ config: { images: testEnvImage, artifacts: { allowedHosts: ["127.0.0.1"], allowPrivateNetworks: true, cacheBudgetMb: 1 } } });
    endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
  });
  after(async () => {
    await berth.stop();
    await origin.close();
  });

  function entryOf(path: string): string {
    return join(`${berth.dataDir}-copies`, "artifacts", "entries", createHash("sha256").update(bodies.get(path)!).digest("hex"));
  }

  async function deploy(path: string): Promise<string> {
    const input = echoComponent(endpoint, { image: "test/env", accelerators: 0 });
    input.Specification!.Container!.ArtifactUrl = `${origin.url}${path}`;
    await berth.sagemaker.send(new CreateInferenceComponentCommand(input));
    await waitForComponent(berth.sagemaker, input.InferenceComponentName!, "InService");
    return input.InferenceComponentName!;
  }

  async function remove(name: string) {
    await deleteComponent(berth.sagemaker, name);
  }

  function evictionLogged(path: string): boolean {
    const key = entryOf(path).split("/").pop()!;
    return berth.logs.some(
      (l) => typeof l.msg === "string" && l.msg.includes(`evicted artifact cache entry ${key}`) && l.msg.includes("artifacts.cacheBudgetMb (1.0 MiB)"),
    );
  }

  it("keeps an artifact no copy uses while it fits the budget, and evicts the least recently used one first", async () => {
    await remove(await deploy("/a.tar.gz"));
    assert.ok(existsSync(entryOf("/a.tar.gz")), "kept after its last copy stopped: it fits the budget");
    await remove(await deploy("/b.tar.gz"));
    await eventually(async () => (existsSync(entryOf("/a.tar.gz")) ? undefined : true), { what: "the least recently used entry (a) to be evicted" });
    assert.ok(existsSync(entryOf("/b.tar.gz")), "the most recently used entry stays");
    await eventually(async () => (evictionLogged("/a.tar.gz") ? true : undefined), { what: "the eviction to be logged with the budget" });
  });

  it("never evicts an artifact that a running copy uses, even over the budget", async () => {
    const c = await deploy("/c.tar.gz");
    const d = await deploy("/d.tar.gz");
    assert.ok(existsSync(entryOf("/c.tar.gz")) && existsSync(entryOf("/d.tar.gz")), "both in use, so both stay over the budget");
    await remove(d);
    await eventually(async () => (existsSync(entryOf("/d.tar.gz")) ? undefined : true), { what: "the unused entry (d) to be evicted" });
    assert.ok(existsSync(entryOf("/c.tar.gz")), "the entry a running copy uses is never evicted");
    assert.ok(!evictionLogged("/c.tar.gz"));
    await remove(c);
  });

  it("starts a component again from zero copies out of the cache, without downloading its artifact again", async () => {
    const name = await deploy("/zero.tar.gz");
    assert.equal(downloads.get("/zero.tar.gz"), 1);
    await setCopyCount(berth.sagemaker, name, 0);
    assert.ok(existsSync(entryOf("/zero.tar.gz")), "the artifact stays in the cache at zero copies");
    await setCopyCount(berth.sagemaker, name, 1);
    const answer = JSON.parse((await invoke(berth.runtime, endpoint, name, "{}")).body) as { env: Record<string, string> };
    assert.equal(answer.env.BERTH_MODEL_DIR, entryOf("/zero.tar.gz"));
    assert.equal(downloads.get("/zero.tar.gz"), 1, "one download only: the second start re-checked the cached copy (304)");
  });
});
