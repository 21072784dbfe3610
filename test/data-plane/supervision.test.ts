import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DeleteInferenceComponentCommand, DescribeInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName, waitForComponent } from "../support/fixtures.js";
import { copyOf, invoke, waitForInFlight } from "../support/invoke.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";

const chattyServer = `
require("node:http").createServer((q, s) => s.end("ok")).listen(Number(process.argv[1]), "127.0.0.1");
const line = "x".repeat(1000) + "\\n";
const flood = () => { while (process.stdout.write(line)); process.stdout.once("drain", flood); };
flood();`;

// Passes its first /ping, then crashes on the next request (the first liveness ping).
const crashAfterReadyServer = `
let requests = 0;
require("node:http").createServer((q, s) => {
  if (++requests === 1) return s.end("ok");
  console.error("segfault in the tokenizer");
  process.exit(5);
}).listen(Number(process.argv[1]), "127.0.0.1");`;

// One 6,000-character line written in three pieces, one per request it answers (its startup and liveness
// pings), so each piece reaches the agent in a read of its own.
const splitLineServer = `
const pieces = ["split-line-begin " + "a".repeat(2000), "b".repeat(2000), "c".repeat(2000) + " split-line-end\\n"];
require("node:http").createServer((q, s) => {
  const piece = pieces.shift();
  if (piece) process.stdout.write(piece);
  s.end("ok");
}).listen(Number(process.argv[1]), "127.0.0.1");`;

const unhealthyServer = `require("node:http").createServer((q, s) => { s.statusCode = 500; s.end("loading"); }).listen(Number(process.argv[1]), "127.0.0.1");`;

describe("copy supervision", () => {
  let berth: BerthProcess;
  let endpoint: string;
  before(async () => {
    berth = await startBerth({
      config: {
        images: {
          "test/crash": { command: [process.execPath, "-e", "console.error('model weights are corrupt'); process.exit(3)"] },
          // A model server that answers /ping and prints 1 KB lines as fast as its stdout takes them.
          "test/chatty": { command: [process.execPath, "-e", chattyServer, "{port}"] },
          "test/split-line": { command: [process.execPath, "-e", splitLineServer, "{port}"] },
          // A model server that runs but never becomes healthy: /ping answers 500.
          "test/unhealthy": { command: [process.execPath, "-e", unhealthyServer, "{port}"] },
          "test/crash-after-ready": { command: [process.execPath, "-e", crashAfterReadyServer, "{port}"] },
        },
        // No container engine, so an unknown image cannot run whether or not podman is installed.
        containers: { engine: "none" },
        copies: { livenessIntervalSeconds: 1 },
      },
    });
    endpoint = await createIcEndpoint(berth.sagemaker, { variant: { RoutingConfig: { RoutingStrategy: "LEAST_OUTSTANDING_REQUESTS" } } });
  });
  after(async () => {
    await berth.stop();
  });

  it("restarts a copy killed with SIGKILL while the other copy keeps serving", async () => {
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 2, accelerators: 0 }));
    const before = (await placement(berth.url, endpoint)).flatMap((i) => i.copies).find((c) => c.copyId === `${name}-1`)!;
    process.kill(before.pid!, "SIGKILL");
    const failures: unknown[] = [];
    const served = new Set<string>();
    // Requests keep coming until the killed copy is back.
    const after = await eventually(
      async () => {
        try {
          served.add(copyOf((await invoke(berth.runtime, endpoint, name, "ping")).customAttributes));
        } catch (error) {
          failures.push(error);
        }
        const copy = (await placement(berth.url, endpoint)).flatMap((i) => i.copies).find((c) => c.copyId === `${name}-1`);
        return copy?.phase === "Ready" && copy.pid !== before.pid ? copy : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 10, what: `copy ${name}-1 to be restarted and Ready` },
    );
    // A request already on its way over the killed copy's open connection fails with the copy named (it may
    // have reached the model, so like nginx with a POST, Berth does not send it again); every other request
    // is served, by copy 2 while copy 1 is down.
    for (const failure of failures) assert.match(String((failure as Error).message), new RegExp(`could not be reached \\(\\w+ on copy ${name}-1\\)`));
    assert.ok(served.has(`${name}-2`));
    assert.equal(after.restarts, 1);
    assert.match(after.lastError ?? "", /killed by SIGKILL/);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(copyOf((await invoke(berth.runtime, endpoint, name, "x")).customAttributes));
    assert.ok(seen.has(`${name}-1`), "the restarted copy serves again");
  });

  it("restarts a copy that hangs (alive, but no longer answering /ping), warning at each missed check first", async () => {
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0 }));
    const copyId = `${name}-1`;
    const before = (await placement(berth.url, endpoint)).flatMap((i) => i.copies).find((c) => c.copyId === copyId)!;
    process.kill(before.pid!, "SIGSTOP");
    for (const miss of [1, 2])
      await berth.waitForLog((l) => typeof l.msg === "string" && l.msg.startsWith(`copy ${copyId} missed health check ${miss} of 3`), 30_000);
    // A hung process ignores SIGTERM, so it is killed once the stop grace (30 s) is over.
    const after = await eventually(
      async () => {
        const copy = (await placement(berth.url, endpoint)).flatMap((i) => i.copies).find((c) => c.copyId === copyId);
        return copy?.phase === "Ready" && copy.pid !== before.pid ? copy : undefined;
      },
      { timeoutMs: 120_000, what: `the hung copy ${copyId} to be restarted and Ready` },
    );
    assert.equal(after.restarts, 1);
    assert.match(after.lastError ?? "", /failed 3 health checks in a row/);
    assert.equal(copyOf((await invoke(berth.runtime, endpoint, name, "x")).customAttributes), copyId, "the restarted copy serves");
  });

  it("shows why a crash-looping copy does not start, with its restart count", async () => {
    const name = uniqueName("crashy");
    await createComponent(berth.sagemaker, echoComponent(endpoint, { name, image: "test/crash", accelerators: 0 }), null);
    const described = await eventually(async () => {
      const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
      return /restarted [2-9]/.test(d.FailureReason ?? "") ? d : undefined;
    });
    assert.equal(described.InferenceComponentStatus, "Creating");
    assert.match(described.FailureReason!, /the process exited with code 3 before passing \/ping/);
    assert.match(described.FailureReason!, /model weights are corrupt/);
    await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: name }));
  });

  it("backs off a copy that crashes soon after each start, as one that never starts", async () => {
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { image: "test/crash-after-ready", accelerators: 0 }), null);
    const copyId = `${name}-1`;
    const restart = (seconds: number) => (l: Record<string, unknown>) =>
      typeof l.msg === "string" &&
      l.msg.startsWith(`copy ${copyId}: the process exited with code 5 while serving.`) &&
      l.msg.endsWith(`restarting in ${seconds} s`);
    for (const seconds of [1, 2, 4]) await berth.waitForLog(restart(seconds), 30_000);
    await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: name }));
  });

  it("says what /ping last answered when a copy does not become healthy in time, and what to change", async () => {
    const input = echoComponent(endpoint, { image: "test/unhealthy", accelerators: 0 });
    input.Specification!.StartupParameters = { ContainerStartupHealthCheckTimeoutInSeconds: 60 };
    const name = await createComponent(berth.sagemaker, input, null);
    const described = await eventually(
      async () => {
        const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
        return /did not pass GET \/ping within 60 s/.test(d.FailureReason ?? "") ? d : undefined;
      },
      { timeoutMs: 180_000, what: `the FailureReason of ${name} to say why its copy is not ready` },
    );
    assert.match(described.FailureReason!, /\(last try: GET \/ping answered 500\)/);
    assert.match(
      described.FailureReason!,
      /must answer GET \/ping with 200; if the model takes longer than 60 s to load, raise ContainerStartupHealthCheckTimeoutInSeconds/,
    );
    await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: name }));
  });

  it("fails a component whose image Berth cannot run, saying what to configure", async () => {
    const name = uniqueName("unknown-image");
    await createComponent(berth.sagemaker, echoComponent(endpoint, { name, image: "example.com/private/model:1.0", accelerators: 0 }), null);
    const failed = await waitForComponent(berth.sagemaker, name, "Failed");
    assert.match(failed.FailureReason!, /cannot run image 'example\.com\/private\/model:1\.0'/);
    assert.match(failed.FailureReason!, /under 'images:' in the config file/);
  });

  it("leaves out of the server log what a copy writes beyond its output budget, and says how much", async () => {
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { image: "test/chatty", accelerators: 0 }));
    const copyId = `${name}-1`;
    await berth.waitForLog((l) => typeof l.msg === "string" && l.msg.startsWith(`copy ${copyId} writes output faster than the server log takes from one copy`));
    const counted = await berth.waitForLog(
      (l) => typeof l.msg === "string" && new RegExp(`^copy ${copyId}: \\d+ line\\(s\\) of its output \\(\\d+ bytes\\) were left out of this log`).test(l.msg),
    );
    assert.equal(counted.level, 40, "a warning");
    await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: name }));
  });

  it("logs a line that reaches the server across several reads as one line", async () => {
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { image: "test/split-line", accelerators: 0 }));
    const copyId = `${name}-1`;
    const whole = `[${copyId}] split-line-begin ${"a".repeat(2000)}${"b".repeat(2000)}${"c".repeat(2000)} split-line-end`;
    const line = await berth.waitForLog((l) => typeof l.msg === "string" && l.msg.startsWith(`[${copyId}] `) && l.msg.endsWith("split-line-end"));
    assert.equal(line.msg, whole);
    const pieces = berth.logs.filter((l) => typeof l.msg === "string" && l.msg.startsWith(`[${copyId}] `) && /^\[[^\]]+\] [abc]/.test(l.msg));
    assert.deepEqual(pieces, [], "no piece of the line is logged on its own");
    await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: name }));
  });

  it("drains a deleted component: requests in flight finish, then its copies stop", async () => {
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 1, accelerators: 0 }));
    const inFlight = [0, 1, 2].map((i) => invoke(berth.runtime, endpoint, name, `slow-${i}`, "latency_ms=3000"));
    await waitForInFlight(berth.url, name, 3, "the three slow requests to reach the copy");
    await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: name }));
    const answers = await Promise.all(inFlight);
    assert.deepEqual(
      answers.map((a) => a.body),
      ["slow-0", "slow-1", "slow-2"],
    );
    await assert.rejects(invoke(berth.runtime, endpoint, name, "late"), { name: "ValidationError" });
    await eventually(async () => ((await placement(berth.url, endpoint)).flatMap((i) => i.copies).some((c) => c.owner === name) ? undefined : true), {
      what: `the copies of ${name} to leave the placement`,
    });
    await berth.waitForLog((l) => typeof l.msg === "string" && l.msg.includes(`copy ${name}-1 stopped`), 10_000);
  });
});
