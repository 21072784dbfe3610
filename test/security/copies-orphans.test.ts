import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { describe, it } from "node:test";
import { newDataDir, startBerth } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { placement } from "../support/placement.js";
import { deployProbe, processAlive, probeImages } from "../support/probe.js";
import { eventually } from "../support/wait.js";

function sleeper(env: Record<string, string>): ChildProcess {
  const child = spawn("sleep", ["600"], { env: { PATH: process.env.PATH!, ...env }, stdio: "ignore", detached: true });
  child.unref();
  return child;
}

describe("copies die with the agent", () => {
  it("kills every copy process when the server is killed with SIGKILL, without a restart", async () => {
    const berth = await startBerth({ config: { images: probeImages } });
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
    await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 2, accelerators: 0 }));
    await deployProbe(berth.sagemaker, berth.url, endpoint);
    const pids = (await placement(berth.url, endpoint)).flatMap((i) => i.copies).map((c) => c.pid!);
    assert.equal(pids.length, 3);
    assert.ok(pids.every(processAlive));
    await berth.kill();
    await eventually(async () => (pids.some(processAlive) ? undefined : true), {
      what: `copy processes ${pids.join(", ")} to exit after the server was killed`,
    });
  });

  it("records a copy's PID before the copy can serve", async () => {
    const berth = await startBerth();
    try {
      const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
      const input = echoComponent(endpoint, { accelerators: 0, env: { ECHO_FAIL_PING: "true" } });
      await createComponent(berth.sagemaker, input, null);
      const copy = await eventually(
        async () =>
          (await placement(berth.url, endpoint)).flatMap((i) => i.copies).find((c) => c.owner === input.InferenceComponentName && c.pid !== undefined),
        { what: "the starting copy's PID to be recorded" },
      );
      assert.equal(copy.phase, "Starting", "recorded while it has not passed /ping");
      assert.ok(processAlive(copy.pid!));
    } finally {
      await berth.stop();
    }
  });

  it("on start, stops processes that carry its marker and spares a recycled PID that does not", async () => {
    const dataDir = newDataDir();
    const leftover = sleeper({ BERTH_AGENT: `${dataDir}-copies`, BERTH_COPY_ID: "ic-gone-1" });
    const stranger = sleeper({ BERTH_COPY_ID: "ic-gone-1" });
    const elsewhere = sleeper({ BERTH_AGENT: `${dataDir}-elsewhere-copies` });
    const berth = await startBerth({ dataDir });
    try {
      const stopped = berth.logs.findIndex((l) => String(l.msg) === `stopped 1 leftover copy process(es) from a previous run: pids ${leftover.pid}`);
      const serving = berth.logs.findIndex((l) => typeof l.url === "string");
      assert.ok(stopped >= 0 && stopped < serving, "the leftover was stopped before the server started serving");
      // SIGKILL takes effect once the process next runs, which on a busy machine may be a moment later.
      await eventually(async () => (processAlive(leftover.pid!) ? undefined : true), { what: `leftover copy process ${leftover.pid} to die` });
      assert.ok(processAlive(stranger.pid!), "a process without the agent's marker is not killed");
      assert.ok(processAlive(elsewhere.pid!), "another agent's copies are not killed");
    } finally {
      await berth.stop();
      stranger.kill("SIGKILL");
      elsewhere.kill("SIGKILL");
    }
  });
});
