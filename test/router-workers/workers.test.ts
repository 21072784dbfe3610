import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, renameSync } from "node:fs";
import { Agent, request, type IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeInferenceComponentCommand, UpdateInferenceComponentRuntimeConfigCommand } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { registerCopyRange, trackConcurrency } from "../support/autoscaling.js";
import { credentials, newDataDir, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { berthFetch } from "../support/http.js";
import { copyOf, invoke } from "../support/invoke.js";
import { processAlive } from "../support/probe.js";
import { eventually } from "../support/wait.js";

/** The server's router workers: its child processes running the worker script. */
function workerPids(serverPid: number): number[] {
  let children: number[];
  try {
    children = readFileSync(`/proc/${serverPid}/task/${serverPid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return children.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("router-workers/worker.js");
    } catch {
      return false;
    }
  });
}

/** A client of its own, so its connection is a new one, which the port hands to the next worker in turn. */
const freshClient = (berth: BerthProcess) => new SageMakerRuntimeClient({ endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 });

async function invocationsCounted(berth: BerthProcess, component: string): Promise<number> {
  const text = await (await berthFetch(`${berth.url}/metrics`)).text();
  let total = 0;
  for (const match of text.matchAll(new RegExp(`^berth_invocations_total\\{[^}]*component="${component}"[^}]*\\} (\\d+)`, "gm"))) total += Number(match[1]);
  return total;
}

describe("--router-workers 2: two processes route on one port", () => {
  let berth: BerthProcess;
  let endpoint: string;
  let component: string;
  before(async () => {
    berth = await startBerth({ args: ["--router-workers", "2"] });
    endpoint = await createIcEndpoint(berth.sagemaker, { variant: { RoutingConfig: { RoutingStrategy: "RANDOM" } } });
    component = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0, copies: 3 }));
  });
  after(async () => {
    await berth.stop();
  });

  it("serves invocations on every worker and counts each one in /metrics", async () => {
    assert.equal(workerPids(berth.child.pid!).length, 2, "the server runs two router workers");
    const before = await invocationsCounted(berth, component);
    for (let i = 0; i < 10; i++) {
      const client = freshClient(berth);
      const answer = await invoke(client, endpoint, component, `{"n":${i}}`);
      assert.equal(answer.body, `{"n":${i}}`);
      client.destroy();
    }
    await eventually(async () => ((await invocationsCounted(berth, component)) - before === 10 ? true : undefined), {
      what: "berth_invocations_total to count the 10 requests the workers served",
    });
  });

  it("sends a session's requests to its copy whichever worker takes them", async () => {
    const opened = await invoke(freshClient(berth), endpoint, component, "{}", undefined, "NEW_SESSION");
    const id = opened.newSessionId!.split(";")[0]!;
    const copy = copyOf(opened.customAttributes);
    for (let i = 0; i < 8; i++) {
      const client = freshClient(berth);
      assert.equal(
        copyOf((await invoke(client, endpoint, component, `{"turn":${i}}`, undefined, id)).customAttributes),
        copy,
        `turn ${i} reached the session's copy`,
      );
      client.destroy();
    }
  });

  it("starts a worker that died again, and says so in the log", async () => {
    const [victim, other] = workerPids(berth.child.pid!);
    process.kill(victim!, "SIGKILL");
    await berth.waitForLog((line) => /router worker \d \(pid \d+\) exited with SIGKILL; starting another/.test(String(line.msg)));
    await berth.waitForLog((line) => /router worker \d \(pid \d+\) is listening again/.test(String(line.msg)));
    await eventually(async () => (workerPids(berth.child.pid!).filter((pid) => pid !== victim).length === 2 ? true : undefined), {
      what: "a new router worker beside the one still running",
    });
    assert.ok(workerPids(berth.child.pid!).includes(other!), "the other worker kept running");
    for (let i = 0; i < 4; i++) {
      const client = freshClient(berth);
      assert.equal((await invoke(client, endpoint, component, "{}")).body, "{}");
      client.destroy();
    }
  });

  it("takes the requests of workers that died out of berth_in_flight_requests", async () => {
    const clients = Array.from({ length: 4 }, () => freshClient(berth));
    const slow = clients.map((client) =>
      invoke(client, endpoint, component, "{}", "latency_ms=30000").then(
        () => "answered",
        (e: Error) => e.name,
      ),
    );
    await eventually(async () => ((await componentGauge(berth, "berth_in_flight_requests", component)) === 4 ? true : undefined), {
      what: "berth_in_flight_requests to count the 4 slow requests",
    });
    const workers = workerPids(berth.child.pid!);
    for (const pid of workers) process.kill(pid, "SIGKILL");
    for (const outcome of await Promise.all(slow)) assert.notEqual(outcome, "answered", "a request whose worker died is cut off");
    for (const client of clients) client.destroy();
    let inFlight: number | undefined;
    await eventually(async () => ((inFlight = await componentGauge(berth, "berth_in_flight_requests", component)) === 0 ? true : undefined), {
      what: () => `berth_in_flight_requests to fall to 0 once the workers holding the requests died (it shows ${inFlight})`,
    });
    await berth.waitForLog((line) => /router worker \d \(pid \d+\) exited with \d request\(s\) in flight; their connections were cut/.test(String(line.msg)));
  });
});

const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI. */
function selfSignedCertificate(dir: string): { cert: string; key: string } {
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.pem", "-days", "1"].concat(
      ["-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
    ),
    { cwd: dir, stdio: "pipe" },
  );
  return { cert: join(dir, "server.pem"), key: join(dir, "server.key") };
}

/** GET /healthz on a connection of its own (the test trusts the self-signed certificate by not checking it). */
function healthz(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpsGet(`${url}/healthz`, { agent: false, rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    }).on("error", reject);
  });
}

describe("--router-workers: a worker that dies before it listens", { skip: hasOpenssl ? false : "openssl is not installed" }, () => {
  it("is started again, with a growing pause, until one listens", async () => {
    const files = selfSignedCertificate(newDataDir());
    const berth = await startBerth({ args: ["--router-workers", "2", "--tls-cert", files.cert, "--tls-key", files.key] });
    try {
      const [victim, other] = workerPids(berth.child.pid!);
      // A worker reads the certificate as it starts: while it is gone, each new worker exits before it listens.
      renameSync(files.cert, `${files.cert}.away`);
      process.kill(victim!, "SIGKILL");
      await berth.waitForLog((line) => /router worker \d \(pid \d+\) exited with SIGKILL; starting another/.test(String(line.msg)));
      // Each new worker exits before it listens, and the next one is started after twice the pause before.
      const pauses = () =>
        berth.logs.flatMap((line) => {
          const match = /^router worker \d \(pid \d+\) exited with code 1 before it listened; starting another in (\d+) s$/.exec(String(line.msg));
          return match ? [Number(match[1])] : [];
        });
      const [first, second] = await eventually(async () => (pauses().length >= 2 ? pauses() : undefined), {
        what: "two new workers in a row to exit before they listen",
      });
      assert.equal(second, first! * 2, `the pause doubles: ${first} s, then ${second} s`);
      renameSync(`${files.cert}.away`, files.cert);
      await berth.waitForLog((line) => /router worker \d \(pid \d+\) is listening again$/.test(String(line.msg)));
      const pids = workerPids(berth.child.pid!);
      assert.equal(pids.length, 2, "two router workers run again");
      assert.ok(pids.includes(other!), "the other worker kept running");
      for (let i = 0; i < 4; i++) assert.equal(await healthz(berth.url), 200);
    } finally {
      await berth.stop();
    }
  });
});

/** Sends a POST over the agent's connection; its status, once answered, is waited for with `answered`. */
function post(agent: Agent, url: string, target: string, body: Buffer): { status?: number; error?: Error } {
  const outcome: { status?: number; error?: Error } = {};
  const req = request(
    `${url}/`,
    { method: "POST", agent, headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target, "content-length": body.length } },
    (res: IncomingMessage) => {
      res.resume();
      res.on("end", () => (outcome.status = res.statusCode));
    },
  );
  req.on("error", (error) => (outcome.error = error));
  req.end(body);
  return outcome;
}

/** Waits until the POST has its answer, and fails saying which request had none. */
async function answered(outcome: { status?: number; error?: Error }, what: string): Promise<number> {
  return eventually(
    async () => {
      if (outcome.error) throw outcome.error;
      return outcome.status;
    },
    { what: `an answer to ${what} on the kept-alive connection` },
  );
}

describe("--router-workers: requests the workers relay", () => {
  it("answers the next request on a connection whose last body the primary refused unread", async () => {
    const berth = await startBerth({ args: ["--router-workers", "2"] });
    // One connection: the second request can only go once the first one's body has been taken.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = Buffer.alloc(3_000_001, "x");
      assert.equal(await answered(post(agent, berth.url, "SageMaker.CreateModel", big), "the 3 MB unsigned request"), 403, "refused from its headers");
      assert.equal(await answered(post(agent, berth.url, "SageMaker.ListModels", Buffer.from("{}")), "the request after it"), 403);
    } finally {
      agent.destroy();
      await berth.stop();
    }
  });
});

/** A gauge or counter of /metrics with no labels. */
async function metric(berth: BerthProcess, name: string): Promise<number> {
  const text = await (await berthFetch(`${berth.url}/metrics`)).text();
  const match = new RegExp(`^${name} (\\d+)$`, "m").exec(text);
  if (!match) throw new Error(`no ${name} in /metrics`);
  return Number(match[1]);
}

describe("--router-workers: the body budget in /metrics", () => {
  it("shows the bytes the workers hold, and the whole budget", async () => {
    const budget = 64 * 1024 * 1024;
    const berth = await startBerth({ args: ["--router-workers", "2"], config: { holdSeconds: 120, limits: { bufferedBodyBudgetBytes: budget } } });
    const client = new AbortController();
    try {
      const endpoint = await createIcEndpoint(berth.sagemaker);
      // A copy that never passes /ping: a request for it is held, body and all.
      const stuck = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0, env: { ECHO_FAIL_PING: "true" } }), null);
      assert.equal(await metric(berth, "berth_buffered_body_budget_bytes"), budget);
      const body = Buffer.alloc(6 * 1024 * 1024, "x");
      const held = berth.runtime
        .send(new InvokeEndpointCommand({ EndpointName: endpoint, InferenceComponentName: stuck, Body: body, ContentType: "text/plain" }), {
          abortSignal: client.signal,
        })
        .then(
          () => "answered",
          (e: Error) => e.name,
        );
      await eventually(async () => ((await metric(berth, "berth_buffered_body_bytes")) >= body.length ? true : undefined), {
        what: "berth_buffered_body_bytes to count the 6 MiB body a worker holds",
      });
      client.abort();
      assert.equal(await held, "AbortError");
      await eventually(async () => ((await metric(berth, "berth_buffered_body_bytes")) === 0 ? true : undefined), {
        what: "berth_buffered_body_bytes to fall to 0 once the client left",
      });
    } finally {
      client.abort();
      await berth.stop();
    }
  });
});

/**
 * A component's series of a labelled gauge in /metrics (0 when it has none). Each read gives up after a
 * while, so a poll goes on: node:cluster loses a connection it hands to a worker in the instant between
 * that worker's death and the primary noticing it, and that request would never be answered.
 */
async function componentGauge(berth: BerthProcess, name: string, component: string): Promise<number> {
  const text = await (await berthFetch(`${berth.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  let total = 0;
  for (const match of text.matchAll(new RegExp(`^${name}\\{[^}]*component="${component}"[^}]*\\} (\\d+)$`, "gm"))) total += Number(match[1]);
  return total;
}

describe("--router-workers: held requests in /metrics", () => {
  it("counts the requests a worker holds in berth_held_requests", async () => {
    const berth = await startBerth({ args: ["--router-workers", "2"], config: { holdSeconds: 120 } });
    const client = new AbortController();
    try {
      const endpoint = await createIcEndpoint(berth.sagemaker);
      // A copy that never passes /ping: a request for it is held by the worker that took it.
      const stuck = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0, env: { ECHO_FAIL_PING: "true" } }), null);
      const held = berth.runtime
        .send(new InvokeEndpointCommand({ EndpointName: endpoint, InferenceComponentName: stuck, Body: Buffer.from("{}"), ContentType: "text/plain" }), {
          abortSignal: client.signal,
        })
        .then(
          () => "answered",
          (e: Error) => e.name,
        );
      await eventually(async () => ((await componentGauge(berth, "berth_held_requests", stuck)) === 1 ? true : undefined), {
        what: "berth_held_requests to count the request a worker holds",
      });
      client.abort();
      assert.equal(await held, "AbortError");
      await eventually(async () => ((await componentGauge(berth, "berth_held_requests", stuck)) === 0 ? true : undefined), {
        what: "berth_held_requests to fall to 0 once the client left",
      });
    } finally {
      client.abort();
      await berth.stop();
    }
  });
});

describe("--router-workers: the backlog the autoscaler hears", () => {
  it("drops a worker's backlog once its queue has drained, so it does not grow the component later", async () => {
    const berth = await startBerth({ args: ["--router-workers", "2"] });
    try {
      const aas = new ApplicationAutoScalingClient({ endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 });
      const endpoint = await createIcEndpoint(berth.sagemaker);
      const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0, cpu: 0.25, memory: 128 }));
      // One request per copy: a backlog of more than one request at a single starting copy grows the component.
      await trackConcurrency(aas, component, 0, 2);
      const scaleToZero = async () => {
        const describe = () => berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: component }));
        await eventually(
          async () => {
            const d = await describe();
            return d.InferenceComponentStatus === "InService" && d.RuntimeConfig?.CurrentCopyCount === d.RuntimeConfig?.DesiredCopyCount ? true : undefined;
          },
          { what: "the component to settle" },
        );
        await berth.sagemaker.send(
          new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: component, DesiredRuntimeConfig: { CopyCount: 0 } }),
        );
        await eventually(
          async () => {
            const d = await describe();
            return d.InferenceComponentStatus === "InService" && d.RuntimeConfig?.CurrentCopyCount === 0 ? true : undefined;
          },
          { what: "the component to reach zero copies" },
        );
      };
      const send = async (body: string) => {
        const client = freshClient(berth);
        try {
          return (await invoke(client, endpoint, component, body)).body;
        } finally {
          client.destroy();
        }
      };

      // Held at zero copies on both workers (each new connection goes to the next one): each reports a backlog.
      await scaleToZero();
      assert.deepEqual(
        await Promise.all([0, 1, 2, 3].map((i) => send(`{"held":${i}}`))),
        [0, 1, 2, 3].map((i) => `{"held":${i}}`),
      );
      await scaleToZero();
      // One request now: a backlog of 1, which the copy woken for it absorbs.
      assert.equal(await send('{"alone":true}'), '{"alone":true}');
      // The autoscaler's passes for a target run one at a time, in order: once it has acted on the new limits,
      // the passes for the request's backlog are done, and they left the one copy it woke.
      await registerCopyRange(aas, component, 2, 2);
      const said = () => berth.logs.map((line) => String(line.msg)).filter((msg) => msg.startsWith(`autoscaling inference-component/${component}:`));
      await eventually(
        async () =>
          said().some((msg) => msg.startsWith(`autoscaling inference-component/${component}: 1 → 2 (the scalable target's limits changed`)) ? true : undefined,
        { what: () => `the new limits to take the component from 1 copy to 2; the autoscaler said: ${said().join(" / ")}` },
      );
    } finally {
      await berth.stop();
    }
  });
});

describe("--router-workers: each worker's share of the body budget", () => {
  it("refuses for good a request that cannot fit in one worker's share, and names the share in every refusal", async () => {
    const budget = 8_000_000;
    const berth = await startBerth({ args: ["--router-workers", "2"], config: { holdSeconds: 120, limits: { bufferedBodyBudgetBytes: budget } } });
    const clients = [new AbortController(), new AbortController(), new AbortController()];
    try {
      const endpoint = await createIcEndpoint(berth.sagemaker);
      const echo = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0 }));
      const share = /4000000 bytes, the budget of 8000000 bytes split between 2 router workers/;
      const final = (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, "ValidationError", e.message);
        assert.equal(e.$metadata?.httpStatusCode, 400);
        assert.match(e.message, share);
        assert.match(
          e.message,
          /raise limits\.bufferedBodyBudgetBytes to at least \d+ \(2 × \d+: each router worker holds its share\), or run fewer router workers/,
        );
        return true;
      };
      // 1 MB and its 1 MB echo fit in a worker's 4 MB share.
      assert.equal((await invoke(berth.runtime, endpoint, echo, "x".repeat(1_000_000))).body.length, 1_000_000);
      // 3 MB and its 3 MB echo fit in the whole budget, never in one worker's share, however idle.
      await assert.rejects(
        invoke(berth.runtime, endpoint, echo, "x".repeat(3_000_000)),
        (e: Error) => final(e) && /body and the model's answer together/.test(e.message),
      );
      // 5 MB cannot fit from its Content-Length.
      await assert.rejects(
        invoke(berth.runtime, endpoint, echo, "x".repeat(5_000_000)),
        (e: Error) => final(e) && /body needs at least 5000000 bytes/.test(e.message),
      );

      // Held 3 MB bodies, three on two workers: one worker's share is spent by another request, which is worth a retry.
      const stuck = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0, env: { ECHO_FAIL_PING: "true" } }), null);
      const refusals: Error[] = [];
      const held = clients.map((client) => {
        const runtime = freshClient(berth);
        return runtime
          .send(
            new InvokeEndpointCommand({ EndpointName: endpoint, InferenceComponentName: stuck, Body: Buffer.alloc(3_000_000, "x"), ContentType: "text/plain" }),
            {
              abortSignal: client.signal,
            },
          )
          .catch((e: Error) => e.name !== "AbortError" && refusals.push(e))
          .finally(() => runtime.destroy());
      });
      const refused = await eventually(async () => refusals[0], { what: "one of three held 3 MB requests to be refused by a worker holding another" });
      assert.equal(refused.name, "ServiceUnavailable", refused.message);
      assert.match(
        refused.message,
        /^This router worker is holding as many request and response body bytes as its share of limits\.bufferedBodyBudgetBytes allows/,
      );
      assert.match(refused.message, share);
      for (const client of clients) client.abort();
      await Promise.all(held);
    } finally {
      for (const client of clients) client.abort();
      await berth.stop();
    }
  });
});

describe("--router-workers: stopping the server", () => {
  it("leaves no worker behind when the server is killed", async () => {
    const berth = await startBerth({ args: ["--router-workers", "2"] });
    const pids = workerPids(berth.child.pid!);
    assert.equal(pids.length, 2);
    await berth.kill();
    await eventually(async () => (pids.every((pid) => !processAlive(pid)) ? true : undefined), {
      what: "both router workers to exit after the server was killed",
    });
  });

  it("answers a request in flight on a kept-alive connection, counts it, and exits once it is answered", async () => {
    const dataDir = newDataDir();
    // Long enough that a stop which waits for it instead of for the open request is plain to see.
    const drainLimitSeconds = 60;
    const berth = await startBerth({ dataDir, args: ["--router-workers", "2"], config: { stopDrainSeconds: drainLimitSeconds } });
    const endpoint = await createIcEndpoint(berth.sagemaker);
    const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0 }));
    // The SDK's agent keeps this connection open, idle, once the answer is read.
    assert.equal((await invoke(berth.runtime, endpoint, component, "warm")).body, "warm");
    const inFlight = invoke(berth.runtime, endpoint, component, "still answered", "latency_ms=2000");
    await eventually(async () => ((await componentGauge(berth, "berth_in_flight_requests", component)) === 1 ? true : undefined), {
      what: "the slow request to be in flight at a worker",
    });
    const deadline = berth
      .waitForLog((line) => /stop drain limit/.test(String(line.msg)), (drainLimitSeconds + 30) * 1000)
      .then(() => "the drain limit passed first");
    const exit = berth.stop().then((code) => ({ code }));
    assert.equal((await inFlight).body, "still answered", "the request in flight at SIGTERM is answered");
    assert.deepEqual(await Promise.race([exit, deadline]), { code: 0 }, "the server exits, cleanly, before its drain limit");

    // Its metrics were taken in before the server stopped: a server started again on the data dir has them.
    const again = await startBerth({ dataDir });
    try {
      const cloudwatch = new CloudWatchClient({ endpoint: again.url, region: "us-east-1", credentials, maxAttempts: 1 });
      const latency = await cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: "AWS/SageMaker",
          MetricName: "ModelLatency",
          Dimensions: [{ Name: "InferenceComponentName", Value: component }],
          StartTime: new Date(Date.now() - 600_000),
          EndTime: new Date(Date.now() + 60_000),
          Period: 60,
          Statistics: ["SampleCount"],
        }),
      );
      const answered = latency.Datapoints!.reduce((sum, d) => sum + d.SampleCount!, 0);
      assert.equal(answered, 2, "ModelLatency counts the request answered during the stop, beside the first");
    } finally {
      await again.stop();
    }
  });

  it("gives the requests in flight the configured stop drain limit, then closes their connections and says so", async () => {
    // Longer than the 10 s the workers were once given, whatever the setting.
    const drainLimitSeconds = 15;
    const berth = await startBerth({ args: ["--router-workers", "2"], config: { stopDrainSeconds: drainLimitSeconds } });
    const endpoint = await createIcEndpoint(berth.sagemaker);
    const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0 }));
    const clients = [freshClient(berth), freshClient(berth)];
    const within = invoke(clients[0]!, endpoint, component, "within the limit", "latency_ms=12000");
    const past = invoke(clients[1]!, endpoint, component, "past the limit", "latency_ms=120000").then(
      () => "answered",
      (e: Error) => e.name,
    );
    await eventually(async () => ((await componentGauge(berth, "berth_in_flight_requests", component)) === 2 ? true : undefined), {
      what: "both slow requests to be in flight at the workers",
    });
    const exit = berth.stop();
    assert.equal((await within).body, "within the limit", "a request shorter than the drain limit is answered");
    await berth.waitForLog((line) =>
      new RegExp(
        `^1 connection\\(s\\) still had a request open after the stop drain limit of ${drainLimitSeconds} s \\(stopDrainSeconds\\); closing them$`,
      ).test(String(line.msg)),
    );
    assert.notEqual(await past, "answered", "the request past the limit is cut off");
    assert.equal(await exit, 0);
    for (const client of clients) client.destroy();
  });

  it("stops its workers on SIGTERM and exits 0", async () => {
    const berth = await startBerth({ args: ["--router-workers", "2"] });
    const pids = workerPids(berth.child.pid!);
    assert.equal(await berth.stop(), 0);
    assert.ok(
      pids.every((pid) => !processAlive(pid)),
      "no worker outlives the server",
    );
  });
});
