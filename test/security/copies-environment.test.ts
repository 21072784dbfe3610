import type { BerthRecords } from "../../src/state/records.js";
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateInferenceComponentCommand,
  CreateModelCommand,
  DescribeInferenceComponentCommand,
  DescribeModelCommand,
  UpdateInferenceComponentCommand,
} from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createIcEndpoint, echoComponent, uniqueName } from "../support/fixtures.js";
import { askProbe, deployProbe, probeImage, probeImages } from "../support/probe.js";
import { SqliteStore } from "../../src/store/sqlite-store.js";
import type { ComponentRecord, CopyRecord } from "../../src/domain/resources.js";
import { put } from "../../src/state/records.js";
import { eventually } from "../support/wait.js";

async function refusal(action: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await action;
  } catch (error) {
    return error as { name: string; message: string };
  }
  assert.fail("the request was accepted");
}

const containerImage = "registry.example.com/team/model:1.0";

describe("what a copy's environment may hold", () => {
  let berth: BerthProcess;
  let endpoint: string;
  before(async () => {
    berth = await startBerth({ config: { images: probeImages }, env: { AWS_SECRET_ACCESS_KEY: "server-secret", NODE_OPTIONS: "--max-old-space-size=256" } });
    endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
  });
  after(async () => {
    await berth.stop();
  });

  it("refuses loader and interpreter variables in a model for a process image, listing each one", async () => {
    const name = uniqueName("model");
    const error = await refusal(
      berth.sagemaker.send(
        new CreateModelCommand({
          ModelName: name,
          PrimaryContainer: {
            Image: "berth/echo",
            Environment: { NODE_OPTIONS: "--import=data:text/javascript,1", LD_PRELOAD: "/tmp/x.so", PATH: "/tmp", SAFE: "1" },
          },
        }),
      ),
    );
    assert.equal(error.name, "ValidationException");
    assert.match(error.message, /NODE_OPTIONS, LD_PRELOAD, PATH/);
    assert.doesNotMatch(error.message, /SAFE/);
    assert.equal((await refusal(berth.sagemaker.send(new DescribeModelCommand({ ModelName: name })))).name, "ValidationException", "no model was stored");
    const inList = await refusal(
      berth.sagemaker.send(new CreateModelCommand({ ModelName: name, Containers: [{ Image: probeImage, Environment: { PYTHONSTARTUP: "/tmp/x.py" } }] })),
    );
    assert.match(inList.message, /Containers\[0\].*PYTHONSTARTUP/);
  });

  it("refuses them in a component's container, on create and on update, and stores nothing", async () => {
    const input = echoComponent(endpoint, { image: probeImage, accelerators: 0, env: { PYTHONPATH: "/tmp", LD_AUDIT: "/tmp/a.so", GLIBC_TUNABLES: "x" } });
    const created = await refusal(berth.sagemaker.send(new CreateInferenceComponentCommand(input)));
    assert.equal(created.name, "ValidationException");
    assert.match(created.message, /PYTHONPATH, LD_AUDIT, GLIBC_TUNABLES/);
    assert.equal(
      (await refusal(berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: input.InferenceComponentName! })))).name,
      "ValidationException",
    );

    const { name } = await deployProbe(berth.sagemaker, berth.url, endpoint, { KEEP: "1" });
    const update = echoComponent(endpoint, { image: probeImage, accelerators: 0, env: { BASH_ENV: "/tmp/x.sh" } });
    const updated = await refusal(
      berth.sagemaker.send(new UpdateInferenceComponentCommand({ InferenceComponentName: name, Specification: update.Specification })),
    );
    assert.match(updated.message, /BASH_ENV/);
    const described = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
    assert.equal(described.InferenceComponentStatus, "InService");
    assert.deepEqual(described.Specification?.Container?.Environment, { KEEP: "1" });
  });

  it("accepts them for an image that runs in a container", async () => {
    const name = uniqueName("model");
    await berth.sagemaker.send(
      new CreateModelCommand({
        ModelName: name,
        PrimaryContainer: { Image: containerImage, Environment: { LD_PRELOAD: "/opt/lib.so", PYTHONPATH: "/opt/code" } },
      }),
    );
    const model = await berth.sagemaker.send(new DescribeModelCommand({ ModelName: name }));
    assert.deepEqual(model.PrimaryContainer?.Environment, { LD_PRELOAD: "/opt/lib.so", PYTHONPATH: "/opt/code" });
  });

  it("refuses a NUL byte in a value at create time, naming the variable (it used to leave the component Creating)", async () => {
    const input = echoComponent(endpoint, { image: probeImage, accelerators: 0, env: { GOOD: "1", BROKEN: "a\u0000b" } });
    const error = await refusal(berth.sagemaker.send(new CreateInferenceComponentCommand(input)));
    assert.equal(error.name, "ValidationException");
    assert.match(error.message, /'BROKEN'.*NUL byte/);
    const forContainer = await refusal(
      berth.sagemaker.send(
        new CreateModelCommand({ ModelName: uniqueName("model"), PrimaryContainer: { Image: containerImage, Environment: { BROKEN: "\u0000" } } }),
      ),
    );
    assert.match(forContainer.message, /'BROKEN'/);
  });

  it("refuses an image name that a container engine would read as an option", async () => {
    for (const image of ["--privileged", "-v/:/host", "berth/echo --privileged"]) {
      const error = await refusal(berth.sagemaker.send(new CreateModelCommand({ ModelName: uniqueName("model"), PrimaryContainer: { Image: image } })));
      assert.equal(error.name, "ValidationException", image);
      const input = echoComponent(endpoint, { image });
      const component = await refusal(berth.sagemaker.send(new CreateInferenceComponentCommand(input)));
      assert.equal(component.name, "ValidationException", image);
    }
    const error = await refusal(berth.sagemaker.send(new CreateModelCommand({ ModelName: uniqueName("model"), PrimaryContainer: { Image: "--privileged" } })));
    assert.match(error.message, /image '--privileged', which is not a container image reference/);
  });

  it("starts a copy from a minimal environment, none of the server's own", async () => {
    const { name } = await deployProbe(berth.sagemaker, berth.url, endpoint, { USER_SETTING: "on" });
    const { env } = await askProbe(berth.runtime, endpoint, name);
    assert.equal(env.USER_SETTING, "on");
    assert.equal(env.PATH, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    assert.equal(env.LANG, "C.UTF-8");
    assert.equal(env.AWS_SECRET_ACCESS_KEY, undefined, "the server's secrets do not reach copies");
    assert.equal(env.NODE_OPTIONS, undefined);
  });
});

describe("a stored copy that predates the create-time checks", () => {
  it("never passes loader variables to its process", async () => {
    const first = await startBerth({ config: { images: probeImages } });
    const endpoint = await createIcEndpoint(first.sagemaker, { instanceType: "ml.g5.12xlarge" });
    const { name } = await deployProbe(first.sagemaker, first.url, endpoint, { KEEP: "1" });
    await first.stop();
    // Write what an older Berth would have accepted straight into the stored records.
    const store = new SqliteStore<BerthRecords>(join(first.dataDir, "berth.db"));
    const injected = { KEEP: "1", LD_PRELOAD: "/nonexistent/inject.so", NODE_OPTIONS: "--require=/nonexistent/inject.js" };
    const component = (await store.list("inference-component")).find((e) => e.value.name === name)!;
    const copies = (await store.list("copy")).filter((e) => e.value.owner.type === "component" && e.value.owner.name === name);
    await store.commit([
      put("inference-component", component.key, { ...component.value, resolved: { ...component.value.resolved, environment: injected } }),
      ...copies.map((c) => put("copy", c.key, { ...c.value, spec: { ...c.value.spec, environment: injected } })),
    ]);
    await store.close();

    const second = await startBerth({ dataDir: first.dataDir, config: { images: probeImages } });
    try {
      const { env } = await eventually(() => askProbe(second.runtime, endpoint, name), { what: "the restarted copy to answer" });
      assert.equal(env.KEEP, "1");
      assert.equal(env.LD_PRELOAD, undefined);
      assert.equal(env.NODE_OPTIONS, undefined);
      await second.waitForLog((l) => String(l.msg).includes("not passing environment variable(s) LD_PRELOAD, NODE_OPTIONS to a process on the host"));
    } finally {
      await second.stop();
    }
  });
});
