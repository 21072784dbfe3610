import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { CreateInferenceComponentCommand, DescribeInferenceComponentCommand, UpdateInferenceComponentRuntimeConfigCommand } from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { startOrigin, type ArtifactOrigin } from "../support/artifact-origin.js";
import { createIcEndpoint, deleteComponent, echoComponent, waitForComponent } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { writeTarball } from "../support/tarball.js";
import { eventually } from "../support/wait.js";

const envServer = fileURLToPath(new URL("../../../test/fixtures/env-server.mjs", import.meta.url));
const testEnvImage = { "test/env": { command: [process.execPath, envServer] } };
/** Each artifact unpacks to 600 KiB, so two fit no 1 MiB budget. */
const artifactBytes = 600 * 1024;

describe("the warm artifact cache (artifacts.cacheBudgetMb: 1)", () => {
  let berth: BerthProcess;
  let endpoint: string;
  let origin: ArtifactOrigin;
  const bodies = new Map<string, Buffer>();
  /** Full downloads (200 answers) per path; a conditional re-check answered 304 is not one. */
  const downloads = new Map<string, number>();

  before(async () => {
    const work = mkdtempSync(join(tmpdir(), "berth-warm-"));
    const route = (req: IncomingMessage, res: ServerResponse) => {
      const path = req.url ?? "";
      const body = bodies.get(path)!;
      const etag = `"${createHash("sha256").update(body).digest("hex").slice(0, 16)}"`;
      if (req.headers["if-none-match"] === etag) return res.writeHead(304).end();
      downloads.set(path, (downloads.get(path) ?? 0) + 1);
      res.writeHead(200, { etag }).end(body);
    };
    const paths = ["/a.tar.gz", "/b.tar.gz", "/c.tar.gz", "/d.tar.gz", "/zero.tar.gz"];
    for (const path of paths) {
      const file = join(work, path.slice(1));
      writeTarball(file, [{ path: "weights.bin", body: randomBytes(artifactBytes / 2).toString("hex") }]);
      bodies.set(path, readFileSync(file));
    }
    origin = await startOrigin("127.0.0.1", Object.fromEntries(paths.map((p) => [p, route])));
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
    assert.ok(evictionLogged("/a.tar.gz"), "the eviction is logged with the budget");
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
    const setCopies = (n: number) =>
      berth.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: name, DesiredRuntimeConfig: { CopyCount: n } }));
    const copiesAre = (n: number) => async () => {
      const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
      return d.RuntimeConfig?.CurrentCopyCount === n && d.InferenceComponentStatus === "InService" ? true : undefined;
    };
    await setCopies(0);
    await eventually(copiesAre(0), { what: `${name} to be InService at zero copies` });
    assert.ok(existsSync(entryOf("/zero.tar.gz")), "the artifact stays in the cache at zero copies");
    await setCopies(1);
    await eventually(copiesAre(1), { what: `${name} to serve one copy again` });
    const answer = JSON.parse((await invoke(berth.runtime, endpoint, name, "{}")).body) as { env: Record<string, string> };
    assert.equal(answer.env.BERTH_MODEL_DIR, entryOf("/zero.tar.gz"));
    assert.equal(downloads.get("/zero.tar.gz"), 1, "one download only: the second start re-checked the cached copy (304)");
  });
});
