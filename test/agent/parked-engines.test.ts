import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { UpdateInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { resolveImage } from "../../src/agent/images.js";
import { loadConfig } from "../../src/config/config.js";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, setCopyCount, waitForComponent } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { placement } from "../support/placement.js";
import { processAlive } from "../support/probe.js";
import { eventually } from "../support/wait.js";
import { registerCopyRange } from "../support/autoscaling.js";

/** A configured image that declares itself parkable; each copy holds 100 MiB, so a 250 MiB budget keeps one parked engine, not two. */
const parkableImage = {
  "test/parkable": { command: [process.execPath, fileURLToPath(new URL("../../../test/fixtures/parkable-server.mjs", import.meta.url))], parkable: true },
};

/** The same image, put to sleep when parked and woken when taken over, as vLLM's sleep mode is. */
const sleepyImage = { "test/parkable": { ...parkableImage["test/parkable"], sleepPath: "/sleep", wakePath: "/wake_up" } };

async function copyPid(berth: BerthProcess, endpoint: string, component: string): Promise<number> {
  return eventually(
    async () => (await placement(berth.url, endpoint)).flatMap((i) => i.copies).find((c) => c.owner === component && c.state === "Active" && c.pid)?.pid,
    { what: `a copy of ${component} with a PID` },
  );
}

function logged(berth: BerthProcess, ...parts: string[]): Promise<unknown> {
  return berth.waitForLog((l) => typeof l.msg === "string" && parts.every((p) => (l.msg as string).includes(p)));
}

async function allowWakeFromZero(berth: BerthProcess, component: string): Promise<void> {
  await registerCopyRange(new ApplicationAutoScalingClient({ endpoint: berth.url, region: "us-east-1", credentials }), component, 0, 1);
}

/** A component of test/parkable whose copies hold 100 MiB; `env` adds to its environment. */
async function parkableComponent(
  berth: BerthProcess,
  endpoint: string,
  options: { accelerators?: number; env?: Record<string, string> } = {},
): Promise<string> {
  return createComponent(
    berth.sagemaker,
    echoComponent(endpoint, {
      image: "test/parkable",
      accelerators: options.accelerators ?? 0,
      cpu: 0.5,
      memory: 256,
      env: { BALLAST_MB: "100", ...options.env },
    }),
  );
}

describe("parked engines (artifacts.parkedEnginesMb)", () => {
  it("are off unless artifacts.parkedEnginesMb or BERTH_ARTIFACT_PARKED_ENGINES_MB gives them a budget", () => {
    assert.equal(loadConfig({ env: {} }).artifacts.parkedEnginesMb, 0);
    assert.equal(loadConfig({ env: { BERTH_ARTIFACT_PARKED_ENGINES_MB: "2048" } }).artifacts.parkedEnginesMb, 2048);
  });

  it("wakes a berth/llm component from zero copies on its parked engine (same process), and never reuses it for a new version", async () => {
    const berth = await startBerth({ config: { artifacts: { parkedEnginesMb: 4096 } } });
    try {
      const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
      const llm = await createComponent(berth.sagemaker, echoComponent(endpoint, { image: "berth/llm", accelerators: 0, cpu: 1, memory: 1024 }));
      await allowWakeFromZero(berth, llm);
      const pid = await copyPid(berth, endpoint, llm);

      await setCopyCount(berth.sagemaker, llm, 0);
      await logged(berth, `its engine (pid ${pid},`, "is parked");
      assert.ok(processAlive(pid), "the parked engine's process keeps running");

      const body = JSON.stringify({ inputs: "def fib(n):", parameters: { max_new_tokens: 4 } });
      const woken = JSON.parse((await invoke(berth.runtime, endpoint, llm, body)).body) as { generated_text: string }[];
      assert.equal(typeof woken[0]!.generated_text, "string", "the request that woke the component is answered");
      assert.equal(await copyPid(berth, endpoint, llm), pid, "the woken copy runs in the parked process");
      await logged(berth, "took over the parked engine", `pid ${pid},`, "no new process");

      await berth.sagemaker.send(
        new UpdateInferenceComponentCommand({
          InferenceComponentName: llm,
          Specification: echoComponent(endpoint, { image: "berth/llm", accelerators: 0, cpu: 1, memory: 1024, env: { MODEL_VERSION: "2" } }).Specification,
        }),
      );
      await waitForComponent(berth.sagemaker, llm, "InService", 60_000);
      const updated = await copyPid(berth, endpoint, llm);
      assert.notEqual(updated, pid, "a copy of the new version starts its own process");
      assert.equal(typeof (JSON.parse((await invoke(berth.runtime, endpoint, llm, body)).body) as { generated_text: string }[])[0]!.generated_text, "string");
    } finally {
      await berth.stop();
    }
  });

  it("stops the least recently parked engine when the budget cannot hold another", async () => {
    const berth = await startBerth({ config: { images: parkableImage, artifacts: { parkedEnginesMb: 250 } } });
    try {
      const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
      const first = await parkableComponent(berth, endpoint);
      const second = await parkableComponent(berth, endpoint);
      const [firstPid, secondPid] = [await copyPid(berth, endpoint, first), await copyPid(berth, endpoint, second)];

      await setCopyCount(berth.sagemaker, first, 0);
      await logged(berth, `its engine (pid ${firstPid},`, "is parked");
      await setCopyCount(berth.sagemaker, second, 0);
      await logged(berth, `its engine (pid ${secondPid},`, "is parked");
      await logged(berth, "stopped the parked engine", `(pid ${firstPid},`, "least recently used");
      await eventually(async () => (processAlive(firstPid) ? undefined : true), { what: `the evicted engine ${firstPid} to exit` });
      assert.ok(processAlive(secondPid), "the most recently parked engine stays");

      await setCopyCount(berth.sagemaker, second, 1);
      assert.equal(await copyPid(berth, endpoint, second), secondPid);
      await setCopyCount(berth.sagemaker, first, 1);
      assert.notEqual(await copyPid(berth, endpoint, first), firstPid, "an evicted engine's component starts a new process");
    } finally {
      await berth.stop();
    }
  });

  it("puts an engine that frees its accelerator memory only when asked to sleep when it parks, and wakes it before its new copy serves", async () => {
    const berth = await startBerth({ config: { images: sleepyImage, artifacts: { parkedEnginesMb: 250 } } });
    try {
      const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
      const component = await parkableComponent(berth, endpoint);
      await allowWakeFromZero(berth, component);
      const pid = await copyPid(berth, endpoint, component);

      await setCopyCount(berth.sagemaker, component, 0);
      await logged(berth, `its engine (pid ${pid},`, "is parked");
      const woken = JSON.parse((await invoke(berth.runtime, endpoint, component, "{}")).body) as {
        pid: number;
        asleep: boolean;
        sleeps: number;
        wakes: number;
      };
      assert.deepEqual(
        { pid: woken.pid, asleep: woken.asleep, sleeps: woken.sleeps, wakes: woken.wakes },
        { pid, asleep: false, sleeps: 1, wakes: 1 },
        "the request that woke the component is answered by the parked process, put to sleep once and woken once",
      );
    } finally {
      await berth.stop();
    }
  });

  it("starts a new process when a parked engine does not wake", async () => {
    const berth = await startBerth({ config: { images: sleepyImage, artifacts: { parkedEnginesMb: 250 } } });
    try {
      const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
      const component = await parkableComponent(berth, endpoint, { env: { FAIL_WAKE: "1" } });
      const pid = await copyPid(berth, endpoint, component);
      await setCopyCount(berth.sagemaker, component, 0);
      await logged(berth, `its engine (pid ${pid},`, "is parked");
      await setCopyCount(berth.sagemaker, component, 1);
      await logged(berth, "did not wake (POST /wake_up answered 500); starting a new process");
      const fresh = JSON.parse((await invoke(berth.runtime, endpoint, component, "{}")).body) as { pid: number; asleep: boolean };
      assert.notEqual(fresh.pid, pid, "the copy runs in a new process");
      assert.equal(fresh.asleep, false);
      await eventually(async () => (processAlive(pid) ? undefined : true), { what: `the engine ${pid} that did not wake to exit` });
    } finally {
      await berth.stop();
    }
  });

  it("places the next copy on the devices its parked engine was started on, though lower ones are free, and takes the engine over", async () => {
    const berth = await startBerth({ config: { images: parkableImage, artifacts: { parkedEnginesMb: 250 } } });
    try {
      const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
      const parked = await parkableComponent(berth, endpoint, { accelerators: 1 });
      // berth/echo is not parkable: its stop leaves nothing behind to share the budget with.
      const other = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 1, cpu: 0.5, memory: 256 }));
      await setCopyCount(berth.sagemaker, parked, 2);
      await waitForComponent(berth.sagemaker, parked, "InService");
      const running = (copyId: string) =>
        eventually(async () => (await placement(berth.url, endpoint)).flatMap((i) => i.copies).find((c) => c.copyId === copyId && c.pid), {
          what: `copy ${copyId} running, with its PID`,
        });
      const before = await running(`${parked}-2`);
      assert.deepEqual(before.devices, [2], "devices 0 and 1 went to the first copies of each component");

      await setCopyCount(berth.sagemaker, parked, 1);
      await logged(berth, `its engine (pid ${before.pid},`, "is parked");
      await setCopyCount(berth.sagemaker, other, 0);
      await eventually(async () => ((await placement(berth.url, endpoint)).flatMap((i) => i.copies).some((c) => c.owner === other) ? undefined : true), {
        what: `the copy of ${other} on device 1 to stop`,
      });
      await setCopyCount(berth.sagemaker, parked, 2);
      const after = await running(`${parked}-3`);
      assert.deepEqual(after.devices, [2], "the new copy is on the parked engine's device, not on device 1, which is free");
      assert.equal(after.pid, before.pid, "it took the parked engine over: no new process");
    } finally {
      await berth.stop();
    }
  });

  it("refuses sleep and wake paths that cannot work, saying what to write", () => {
    const command = parkableImage["test/parkable"].command;
    const reason = (image: Record<string, unknown>) => {
      const resolved = resolveImage("test/parkable", { configured: { "test/parkable": { command, ...image } } });
      return resolved.ok ? "accepted" : resolved.reason;
    };
    assert.match(reason({ sleepPath: "/sleep", wakePath: "/wake_up" }), /but not parkable: true/);
    assert.match(reason({ parkable: true, sleepPath: "/sleep" }), /only one of sleepPath and wakePath/);
    assert.match(reason({ parkable: true, sleepPath: "sleep", wakePath: "/wake_up" }), /must start with '\/'/);
    assert.equal(reason({ parkable: true, sleepPath: "/sleep?level=1", wakePath: "/wake_up" }), "accepted");
  });

  it("leaves no parked engine behind when the server is killed", async () => {
    const berth = await startBerth({ config: { images: parkableImage, artifacts: { parkedEnginesMb: 250 } } });
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
    const component = await parkableComponent(berth, endpoint);
    const pid = await copyPid(berth, endpoint, component);
    await setCopyCount(berth.sagemaker, component, 0);
    await logged(berth, `its engine (pid ${pid},`, "is parked");
    await berth.kill();
    await eventually(async () => (processAlive(pid) ? undefined : true), { what: `parked engine ${pid} to exit after the server was killed` });
  });
});
