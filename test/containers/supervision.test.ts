import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DeleteInferenceComponentCommand, DescribeInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import type { BerthProcess } from "../support/berth-process.js";
import { contractImage, containersLabelled, inspectContainer } from "../support/container-images.js";
import { ask, createContainerComponent, startContainerServer, stopContainerServer } from "../support/container-models.js";
import { waitForInFlight } from "../support/invoke.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";

describe("supervising container copies", () => {
  let berth: BerthProcess;
  let endpoint: string;
  before(async () => ({ berth, endpoint } = await startContainerServer()));
  after(() => stopContainerServer(berth, endpoint));

  async function copyOf(copyId: string) {
    return (await placement(berth.url, endpoint)).flatMap((i) => i.copies).find((c) => c.copyId === copyId);
  }

  it("enforces the memory limit, reports the kill as one, and restarts the copy", async () => {
    const { name } = await createContainerComponent(berth.sagemaker, endpoint, { image: contractImage.v1, minMemory: 128, maxMemory: 128 });
    const copyId = `${name}-1`;
    const [before] = await containersLabelled(`berth.copy=${copyId}`);
    assert.ok(before, `a container for ${copyId}`);
    // The request makes the model hold 400 MiB: the kernel kills it, so the request fails.
    await assert.rejects(ask(berth.runtime, endpoint, name, { allocateMiB: 400 }), { name: "ModelError" });
    const restarted = await eventually(
      async () => {
        const copy = await copyOf(copyId);
        return copy && copy.restarts >= 1 && copy.phase === "Ready" ? copy : undefined;
      },
      { timeoutMs: 120_000, what: `copy ${copyId} to be restarted after its memory kill, and Ready again` },
    );
    assert.match(restarted.lastError ?? "", /killed for running out of memory/);
    assert.match(restarted.lastError ?? "", /exit code 137/);
    assert.match(restarted.lastError ?? "", /memory limit of 128 MiB/);
    const [now] = await containersLabelled(`berth.copy=${copyId}`);
    assert.ok(now, `a container for ${copyId} again`);
    assert.notEqual(now.id, before.id, "the copy runs in a new container");
    const answer = await ask(berth.runtime, endpoint, name, { env: ["BERTH_COPY_ID"] });
    assert.equal(answer.env.BERTH_COPY_ID, copyId, "the restarted copy serves");
    await berth.waitForLog((l) => typeof l.msg === "string" && l.msg.includes(copyId) && /memory limit of 128 MiB/.test(l.msg), 10_000);
  });

  it("restarts a copy whose /ping starts failing, and the copy comes back Ready", async () => {
    const { name } = await createContainerComponent(berth.sagemaker, endpoint, { image: contractImage.v1 });
    const copyId = `${name}-1`;
    const [before] = await containersLabelled(`berth.copy=${copyId}`);
    assert.ok(before, `a container for ${copyId}`);
    // From now on the container answers /ping with 500 (it touches /tmp/fail-ping, inside that container only).
    await ask(berth.runtime, endpoint, name, { failPing: true });
    const restarted = await eventually(
      async () => {
        const copy = await copyOf(copyId);
        return copy && copy.restarts >= 1 && copy.phase === "Ready" ? copy : undefined;
      },
      { timeoutMs: 120_000, what: `copy ${copyId} to be restarted after failing /ping, and Ready again` },
    );
    assert.match(restarted.lastError ?? "", /health checks/);
    const [now] = await containersLabelled(`berth.copy=${copyId}`);
    assert.ok(now && now.id !== before.id, "the copy runs in a new container, whose /ping passes");
    const answer = await ask(berth.runtime, endpoint, name, { env: ["BERTH_COPY_ID"] });
    assert.equal(answer.env.BERTH_COPY_ID, copyId);
  });

  it("streams the container's output into the server log, one line per line, named by copy", async () => {
    const { name } = await createContainerComponent(berth.sagemaker, endpoint, { image: contractImage.v1 });
    const copyId = `${name}-1`;
    await berth.waitForLog((l) => l.msg === `[${copyId}] model v1 serving on 0.0.0.0:8080; model files: (none)`, 10_000);
    // The agent has the output; the engine keeps no log file of its own, which would grow on disk while the container runs.
    const [container] = await containersLabelled(`berth.copy=${copyId}`);
    assert.equal((await inspectContainer(container!.id)).HostConfig.LogConfig?.Type, "none");
    await ask(berth.runtime, endpoint, name, { allocateMiB: 1 });
    await berth.waitForLog((l) => l.msg === `[${copyId}] allocating 1 MiB`, 10_000);
    await berth.waitForLog((l) => typeof l.msg === "string" && l.msg.startsWith(`[${copyId}] POST /invocations 200 `), 10_000);
  });

  it("puts the container's last lines into FailureReason when it exits before passing /ping", async () => {
    const { name } = await createContainerComponent(
      berth.sagemaker,
      endpoint,
      { image: contractImage.v1, modelEnv: { FAIL_START: "cannot load the weights: model.safetensors is truncated" } },
      null,
    );
    const described = await eventually(
      async () => {
        const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
        return /restarted [1-9]/.test(d.FailureReason ?? "") ? d : undefined;
      },
      { timeoutMs: 120_000, what: `the FailureReason of ${name} to show a failed start and a restart` },
    );
    assert.match(described.FailureReason!, /the container exited with code 3 before passing \/ping/);
    assert.match(described.FailureReason!, /cannot load the weights: model\.safetensors is truncated/);
    await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: name }));
    await eventually(async () => ((await containersLabelled(`berth.component=${name}`)).length === 0 ? true : undefined), {
      timeoutMs: 60_000,
      what: `the containers of the deleted ${name} to be gone`,
    });
  });

  it("drains a deleted component: requests in flight finish, then its containers are removed", async () => {
    const { name } = await createContainerComponent(berth.sagemaker, endpoint, { image: contractImage.v1 });
    const inFlight = [0, 1, 2].map((i) => ask(berth.runtime, endpoint, name, { delayMs: 3000, request: i }));
    await waitForInFlight(berth.url, name, 3, "the three slow requests to reach the container");
    await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: name }));
    const answers = await Promise.all(inFlight);
    assert.deepEqual(
      answers.map((a) => a.body.request),
      [0, 1, 2],
    );
    await berth.waitForLog((l) => typeof l.msg === "string" && l.msg.includes(`copy ${name}-1 stopped`), 60_000);
    await eventually(async () => ((await containersLabelled(`berth.component=${name}`)).length === 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: `the container of ${name} to be removed`,
    });
  });
});
