import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { CreateInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { startOrigin, type ArtifactOrigin } from "../support/artifact-origin.js";
import { createIcEndpoint, echoComponent, waitForComponent } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { writeTarball } from "../support/tarball.js";
import { eventually } from "../support/wait.js";
import { tempDir } from "../support/temp-dir.js";

const envServer = fileURLToPath(new URL("../../../test/fixtures/env-server.mjs", import.meta.url));
const maxDownloadBytes = 1024 * 1024;

describe("downloading artifacts over http", () => {
  let berth: BerthProcess;
  let endpoint: string;
  let allowed: ArtifactOrigin;
  let loopback: ArtifactOrigin;
  let unlisted: ArtifactOrigin;
  before(async () => {
    const dir = tempDir("berth-fetch-");
    writeTarball(join(dir, "model.tar.gz"), [{ path: "weights.bin", body: "0123" }]);
    const tarball = readFileSync(join(dir, "model.tar.gz"));
    const serve = (_req: unknown, res: import("node:http").ServerResponse) => res.end(tarball);
    loopback = await startOrigin("127.0.0.1", { "/model.tar.gz": serve });
    unlisted = await startOrigin("127.0.0.3", { "/model.tar.gz": serve });
    allowed = await startOrigin("127.0.0.2", {
      "/model.tar.gz": serve,
      "/to-localhost": (_req, res) => res.writeHead(302, { location: `http://localhost:${new URL(loopback.url).port}/model.tar.gz` }).end(),
      "/to-unlisted": (_req, res) => res.writeHead(307, { location: `${unlisted.url}/model.tar.gz` }).end(),
      "/to-file": (_req, res) => res.writeHead(301, { location: "file:///etc/passwd" }).end(),
      "/loop": (_req, res) => res.writeHead(302, { location: "/loop" }).end(),
      "/declared-huge.tar.gz": (_req, res) => res.writeHead(200, { "content-length": String(10 * maxDownloadBytes) }).end(),
      "/endless.tar.gz": (_req, res) => {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024);
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once("drain", pump);
        };
        pump();
      },
    });
    berth = await startBerth({
      config: {
        images: { "test/env": { command: [process.execPath, envServer] } },
        artifacts: { localRoots: [tmpdir()], allowedHosts: ["127.0.0.2", "localhost"], maxDownloadBytes },
      },
    });
    endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
  });
  after(async () => {
    await berth.stop();
    await Promise.all([allowed, loopback, unlisted].map((o) => o.close()));
  });

  async function deploy(url: string, until: "InService" | "Failed") {
    const input = echoComponent(endpoint, { image: "test/env", accelerators: 0 });
    input.Specification!.Container!.ArtifactUrl = url;
    await berth.sagemaker.send(new CreateInferenceComponentCommand(input));
    const described = await waitForComponent(berth.sagemaker, input.InferenceComponentName!, until);
    return { name: input.InferenceComponentName!, reason: described.FailureReason ?? "" };
  }

  it("fetches from a loopback server the allow-list names explicitly", async () => {
    const { name } = await deploy(`${allowed.url}/model.tar.gz`, "InService");
    const answer = JSON.parse((await invoke(berth.runtime, endpoint, name, "{}")).body) as { files: string[] };
    assert.deepEqual(answer.files, ["weights.bin"]);
  });

  it("refuses an allowed host name that resolves to a loopback address, without connecting to it", async () => {
    const { reason } = await deploy(`http://localhost:${new URL(loopback.url).port}/model.tar.gz`, "Failed");
    assert.match(reason, /Artifact host 'localhost' .* resolves to 127\.0\.0\.1, a loopback address.*artifacts\.allowPrivateNetworks: true/);
    assert.equal(loopback.requests.length, 0, "nothing connected to the loopback server");
  });

  it("refuses a redirect from an allowed host to a forbidden address", async () => {
    const { reason } = await deploy(`${allowed.url}/to-localhost`, "Failed");
    assert.match(reason, /resolves to 127\.0\.0\.1, a loopback address/);
    assert.equal(loopback.requests.length, 0, "the redirect was not followed to the loopback server");
  });

  it("refuses a redirect to a host missing from the allow-list", async () => {
    const { reason } = await deploy(`${allowed.url}/to-unlisted`, "Failed");
    assert.match(
      reason,
      /was redirected somewhere Berth does not fetch from: Artifact host '127\.0\.0\.3'.*not in artifacts\.allowedHosts \(127\.0\.0\.2, localhost\)/,
    );
    assert.equal(unlisted.requests.length, 0);
  });

  it("refuses a redirect to a file URL", async () => {
    const { reason } = await deploy(`${allowed.url}/to-file`, "Failed");
    assert.match(reason, /redirected somewhere Berth does not fetch from: Artifact URL 'file:\/\/\/etc\/passwd' has an unsupported scheme/);
  });

  it("stops following a redirect loop", async () => {
    const { reason } = await deploy(`${allowed.url}/loop`, "Failed");
    assert.match(reason, /was redirected more than 5 times/);
  });

  it("refuses a download whose declared length is over artifacts.maxDownloadBytes", async () => {
    const { reason } = await deploy(`${allowed.url}/declared-huge.tar.gz`, "Failed");
    assert.match(reason, /larger than artifacts\.maxDownloadBytes \(1048576 bytes\)/);
  });

  it("stops an endless download at artifacts.maxDownloadBytes and keeps nothing of it", async () => {
    const { reason } = await deploy(`${allowed.url}/endless.tar.gz`, "Failed");
    assert.match(reason, /larger than artifacts\.maxDownloadBytes \(1048576 bytes\), so the download was stopped/);
    await eventually(async () => (readdirSync(join(`${berth.dataDir}-copies`, "artifacts", "tmp")).length === 0 ? true : undefined), {
      what: "the partial download to be removed",
    });
  });
});
