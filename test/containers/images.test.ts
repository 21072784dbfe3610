import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { after, before, describe, it } from "node:test";
import { startBerth, testArtifactSettings, type BerthProcess } from "../support/berth-process.js";
import { buildContractImages, buildExampleImage, imageExists, removeContainersLabelled, removeImage } from "../support/container-images.js";
import { ask, createContainerComponent } from "../support/container-models.js";
import { createIcEndpoint, waitForComponent } from "../support/fixtures.js";
import { exportImage, startRegistry, writeAuthFile, writeRegistriesConf, type TestRegistry } from "../support/registry.js";
import { tempDir } from "../support/temp-dir.js";

describe("where a container copy's image comes from", () => {
  let berth: BerthProcess;
  let endpoint: string;
  let images: Awaited<ReturnType<typeof buildContractImages>>;
  /** Serves the v1 image to the right credentials, which the auth file holds. */
  let registry: TestRegistry;
  /** Serves it too, but the auth file holds the wrong password for it. */
  let refusing: TestRegistry;
  let authFile: string;
  let layout: string | undefined;
  let confDir: string | undefined;
  const shortName = "berth-test-local:short";
  before(async () => {
    images = await buildContractImages();
    await buildExampleImage(`localhost/${shortName}`, "short");
    layout = await exportImage(images.v1);
    registry = await startRegistry({ layout, repository: "team/model", tag: "v1", credentials: { username: "berth", password: "right-password" } });
    refusing = await startRegistry({ layout, repository: "team/model", tag: "v1", credentials: { username: "berth", password: "other-password" } });
    const dir = (confDir = tempDir("berth-registry-conf-"));
    const registriesConf = writeRegistriesConf(dir, [registry.host, refusing.host]);
    authFile = writeAuthFile(dir, {
      [registry.host]: { username: "berth", password: "right-password" },
      [refusing.host]: { username: "berth", password: "wrong-password" },
    });
    berth = await startBerth({
      config: {
        artifacts: testArtifactSettings,
        containers: { engine: "podman", allowedRegistries: [registry.host, refusing.host], registryAuthFile: authFile },
      },
      env: { CONTAINERS_REGISTRIES_CONF: registriesConf },
    });
    endpoint = await createIcEndpoint(berth.sagemaker);
  });
  after(async () => {
    await berth?.stop();
    if (endpoint) await removeContainersLabelled(`berth.endpoint=${endpoint}`);
    for (const r of [registry, refusing]) {
      if (!r) continue;
      await removeImage(r.image);
      await r.close();
    }
    if (layout) rmSync(dirname(layout), { recursive: true, force: true });
    if (confDir) rmSync(confDir, { recursive: true, force: true });
  });

  it("pulls a missing image once for the host, with the configured credentials, logging its progress", async () => {
    assert.equal(await imageExists(registry.image), false, `${registry.image} is not on this host yet`);
    const { name } = await createContainerComponent(berth.sagemaker, endpoint, { image: registry.image, copies: 2 });
    assert.equal(registry.manifestGets(), 1, "two copies, one pull");
    assert.ok(await imageExists(registry.image));
    const pullLines = berth.logs.filter((l) => typeof l.msg === "string" && l.msg.startsWith(`pulling image ${registry.image}`));
    assert.ok(pullLines.length >= 2, `the pull's progress is logged: ${JSON.stringify(pullLines.map((l) => l.msg))}`);
    assert.ok(
      pullLines.some((l) => String(l.msg).includes(authFile)),
      "the log says where the credentials came from",
    );
    assert.ok(
      pullLines.some((l) => /Copying blob|Writing manifest/.test(String(l.msg))),
      `the engine's own progress lines reach the log: ${JSON.stringify(pullLines.map((l) => l.msg))}`,
    );
    for (const copy of [1, 2]) {
      const answer = await ask(berth.runtime, endpoint, name, { env: ["MODEL_VERSION"] });
      assert.equal(answer.version, "v1", `copy answer ${copy}`);
    }
  });

  it("fails the component with the registry's error and what to do when the credentials are wrong", async () => {
    const { name } = await createContainerComponent(berth.sagemaker, endpoint, { image: refusing.image }, null);
    const failed = await waitForComponent(berth.sagemaker, name, "Failed", 120_000);
    assert.match(failed.FailureReason!, new RegExp(`Could not pull image '${escape(refusing.image)}'`));
    assert.match(failed.FailureReason!, /unauthorized/);
    assert.match(
      failed.FailureReason!,
      new RegExp(`Check the credentials for ${escape(refusing.host)} in ${escape(authFile)} \\(containers\\.registryAuthFile`),
    );
    assert.ok(refusing.unauthorized() >= 1, "the registry was asked, and refused");
    assert.equal(await imageExists(refusing.image), false);
  });

  it("fails the component, naming containers.allowedRegistries, when the image's registry is not allowed", async () => {
    const image = "registry.example.com/team/model:v1";
    const { name } = await createContainerComponent(berth.sagemaker, endpoint, { image }, null);
    const failed = await waitForComponent(berth.sagemaker, name, "Failed", 60_000);
    assert.match(failed.FailureReason!, /not in containers\.allowedRegistries/);
    assert.match(failed.FailureReason!, /registry\.example\.com/);
    assert.ok(!berth.logs.some((l) => typeof l.msg === "string" && l.msg.startsWith(`pulling image ${image}`)), "no pull was tried");
  });

  it("runs an image already on the host as it is, from no registry and without a pull", async () => {
    const { name } = await createContainerComponent(berth.sagemaker, endpoint, { image: shortName });
    const answer = await ask(berth.runtime, endpoint, name, {});
    assert.equal(answer.version, "short");
    const local = await createContainerComponent(berth.sagemaker, endpoint, { image: images.v1 });
    assert.equal((await ask(berth.runtime, endpoint, local.name, {})).version, "v1");
    assert.ok(
      !berth.logs.some((l) => typeof l.msg === "string" && (l.msg.startsWith(`pulling image ${shortName}`) || l.msg.startsWith(`pulling image ${images.v1}`))),
      "nothing was pulled",
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
