import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { UpdateInferenceComponentRuntimeConfigCommand } from "@aws-sdk/client-sagemaker";
import { keys } from "../../src/state/keys.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { copyOf, invoke, invokeStream } from "../support/invoke.js";
import { probeImages, processAlive } from "../support/probe.js";
import { berthFetch, rawGet } from "../support/http.js";
import { startBerth } from "../support/berth-process.js";
import { eventually } from "../support/wait.js";
import { lastMessages, messageOf, startAgent, type AgentProcess } from "../support/agent-process.js";
import type { CopyStatusRecord } from "../../src/domain/resources.js";
import { agentCall, assignInstance, keyOf, leftoverCopy, proxyAddress, startCluster, statusesOf, type TestCluster } from "./agent-support.js";

/** Starts an agent, gives it an endpoint's instance and deploys one echo copy there; returns what the test needs. */
async function deployOnAgent(cluster: TestCluster, name: string, agentOptions: { dataDir?: string } = {}) {
  const agent = startAgent({ servers: cluster.servers.map((s) => s.url), token: cluster.secrets.joinToken, name, ...agentOptions });
  await agent.waitForLog((l) => messageOf(l).startsWith(`registered with ${cluster.server.url}: agent ${name}, ml.g5.12xlarge, 4 modelled GPU(s)`));
  const endpoint = await createIcEndpoint(cluster.server.sagemaker, { instanceType: "ml.g5.12xlarge" });
  await assignInstance(cluster.store, endpoint, name);
  const component = await createComponent(cluster.server.sagemaker, echoComponent(endpoint, { accelerators: 1 }));
  const [status] = await statusesOf(cluster.store, endpoint);
  assert.ok(status, "the agent reported the copy's status");
  return { agent, endpoint, component, status };
}

describe("berth agent", () => {
  let cluster: TestCluster;
  // A cluster per test: an endpoint of one test never waits for, or takes, another test's agent.
  beforeEach(async () => {
    cluster = await startCluster();
  });
  afterEach(async () => {
    await cluster?.stop();
  });

  it("is refused with a wrong join token and exits saying so", async () => {
    const agent = startAgent({ servers: [cluster.server.url], token: "not-the-token", name: "gpu-wrong-token" });
    try {
      assert.equal(await agent.exited, 1);
      assert.ok(
        agent.logs.some((l) => messageOf(l).includes("refused to register agent gpu-wrong-token (401): the join token is missing or wrong")),
        `the agent said why: ${agent.logs.map(messageOf).join(" | ")}`,
      );
      assert.equal(await cluster.store.get("agent", keys.agent("gpu-wrong-token")), undefined, "nothing was registered");
    } finally {
      await agent.kill();
    }
  });

  it("runs a copy placed on it, reports it Ready, and serves invocations through its proxy, streams included", async () => {
    const { agent, endpoint, component, status } = await deployOnAgent(cluster, "gpu-serve");
    try {
      const proxy = await proxyAddress(agent);
      assert.equal(status.phase, "Ready");
      assert.equal(`${status.address}:${status.port}`, proxy, "routers are sent to the agent's proxy, not to the copy's own port");
      const answer = await invoke(cluster.server.runtime, endpoint, component, '{"hello":"agent"}');
      assert.equal(answer.body, '{"hello":"agent"}');
      assert.equal(copyOf(answer.customAttributes), status.copyId);
      const body = JSON.stringify({ text: "x".repeat(400) });
      const streamed = await invokeStream(cluster.server.runtime, endpoint, component, body);
      assert.equal(streamed.parts.join(""), body);
      // How many parts arrive depends on how writes coalesce on a busy machine; more than one shows it was not buffered whole.
      assert.ok(streamed.parts.length >= 2, `the answer streamed in parts through the proxy (got ${streamed.parts.length})`);
    } finally {
      await agent.stop();
    }
  });

  it("lets an agent read and write only what belongs to its own instances", async () => {
    const { agent, endpoint, status } = await deployOnAgent(cluster, "gpu-own");
    try {
      const url = cluster.server.url;
      const other = await agentCall(url, "POST", "/berth/v1/agents/register", cluster.secrets.joinToken, {
        agentId: "gpu-other",
        instanceType: "ml.g5.12xlarge",
        advertise: "127.0.0.1:9",
        devices: [],
      });
      assert.equal(other.status, 200);
      const otherKey = String(other.body.agentKey);
      const copyKey = keys.child(endpoint, status.copyId);

      const write = await agentCall(url, "POST", "/berth/v1/agents/gpu-other/status", otherKey, {
        ops: [{ type: "put", kind: "copy-status", key: copyKey, value: { ...status, phase: "Failed" } }],
      });
      assert.equal(write.status, 403);
      assert.match(write.body.message!, /does not run on agent gpu-other; an agent may only write the status of its own copies/);
      const other_kind = await agentCall(url, "POST", "/berth/v1/agents/gpu-other/status", otherKey, {
        ops: [{ type: "put", kind: "endpoint", key: endpoint, value: {} }],
      });
      assert.equal(other_kind.status, 403);
      assert.equal((await cluster.store.get("copy-status", copyKey))?.value.phase, "Ready", "the status is unchanged");

      const view = await agentCall(url, "GET", "/berth/v1/agents/gpu-other/state", otherKey);
      assert.equal(view.status, 200);
      assert.deepEqual(view.body.entries, [], "another agent's copies are not in its view");
      const own = await agentCall(url, "GET", "/berth/v1/agents/gpu-own/state", keyOf(cluster, "gpu-own"));
      assert.ok(
        (own.body.entries as { key: string }[]).some((e) => e.key === copyKey),
        "an agent sees its own copy",
      );
      const borrowed = await agentCall(url, "GET", "/berth/v1/agents/gpu-own/state", otherKey);
      assert.equal(borrowed.status, 401, "one agent's key does not open another's view");

      const badType = await agentCall(url, "POST", "/berth/v1/agents/register", cluster.secrets.joinToken, {
        agentId: "gpu-bad",
        instanceType: "ml.nope.large",
        advertise: "127.0.0.1:9",
        devices: [],
      });
      assert.equal(badType.status, 400);
      assert.match(badType.body.message!, /instanceType 'ml.nope.large' is not a known instance type/);
      const garbled = await agentCall(url, "POST", "/berth/v1/agents/gpu-other/status", otherKey, "{not json");
      assert.equal(garbled.status, 400);
      assert.match(garbled.body.message!, /not valid JSON/);
      const noKey = await agentCall(url, "POST", "/berth/v1/agents/gpu-other/renew", undefined, { leaseId: "x" });
      assert.equal(noKey.status, 401);
      for (const path of ["/berth/v1/agents/../instances", "/berth/v1/agents/gpu-other/../../instances", "/berth/v1/agents/%2e%2e/instances"]) {
        const { status } = await rawGet(url, path);
        assert.equal(status, 403, `${path} is not let past SigV4: the agent prefix opens no other route`);
      }
      await agentCall(url, "DELETE", "/berth/v1/agents/gpu-other/lease", otherKey);
    } finally {
      await agent.stop();
    }
  });

  it("its proxy serves only requests that carry the agent's key and name a copy it runs", async () => {
    const { agent, status } = await deployOnAgent(cluster, "gpu-proxy");
    try {
      const proxy = `http://${await proxyAddress(agent)}`;
      const bare = await fetch(`${proxy}/invocations`, { method: "POST", headers: { "x-berth-copy": status.copyId }, body: "{}" });
      assert.equal(bare.status, 401);
      assert.match(((await bare.json()) as { message: string }).message, /send the agent key/);
      const wrongKey = await fetch(`${proxy}/invocations`, {
        method: "POST",
        headers: { "x-berth-copy": status.copyId, authorization: `Bearer ${keyOf(cluster, "gpu-elsewhere")}` },
        body: "{}",
      });
      assert.equal(wrongKey.status, 401);
      const unknownCopy = await fetch(`${proxy}/invocations`, {
        method: "POST",
        headers: { "x-berth-copy": "ic-nope-1", authorization: `Bearer ${keyOf(cluster, "gpu-proxy")}` },
        body: "{}",
      });
      assert.equal(unknownCopy.status, 503, "a copy it does not run: the router may try another");
      assert.equal(unknownCopy.headers.get("x-berth-copy-absent"), "ic-nope-1");
      const served = await fetch(`${proxy}/invocations`, {
        method: "POST",
        headers: { "x-berth-copy": status.copyId, authorization: `Bearer ${keyOf(cluster, "gpu-proxy")}`, "content-type": "application/json" },
        body: '{"direct":true}',
      });
      assert.equal(served.status, 200);
      assert.equal(await served.text(), '{"direct":true}');
    } finally {
      await agent.stop();
    }
  });

  it("on SIGTERM stops its copies, leaves the cluster and exits, leaving no process", async () => {
    const { agent, status } = await deployOnAgent(cluster, "gpu-term");
    assert.ok(status.pid && processAlive(status.pid));
    assert.equal(await agent.stop(), 0);
    assert.equal(processAlive(status.pid!), false, `copy process ${status.pid} is gone`);
    assert.ok(agent.logs.some((l) => messageOf(l) === "left the cluster: the lease of agent gpu-term is revoked"));
    assert.equal(await cluster.store.get("agent-lease", keys.agentLease("gpu-term")), undefined, "its lease is gone at once");
  });

  it("killed with SIGKILL, takes its copies down, and on its next start kills any leftover and runs the copy again", async () => {
    const { agent, endpoint, status } = await deployOnAgent(cluster, "gpu-crash");
    const leftover = leftoverCopy(`${agent.dataDir}-copies`);
    let again: AgentProcess | undefined;
    try {
      await agent.kill();
      await eventually(async () => (processAlive(status.pid!) ? undefined : true), { what: `copy process ${status.pid} to die with its agent` });
      again = startAgent({ servers: [cluster.server.url], token: cluster.secrets.joinToken, name: "gpu-crash", dataDir: agent.dataDir });
      await again.waitForLog((l) => messageOf(l).includes("leftover copy process(es) from a previous run") && messageOf(l).includes(String(leftover)));
      await eventually(async () => (processAlive(leftover) ? undefined : true), { what: `leftover process ${leftover} to be killed` });
      const restarted = await eventually(async () => (await statusesOf(cluster.store, endpoint)).find((s) => s.phase === "Ready" && s.pid !== status.pid), {
        // The restarted agent registers, kills the leftover and starts the copy: bounded generously for a loaded CI machine.
        timeoutMs: 60_000,
        what: "the component's copy to run again under the restarted agent",
      });
      assert.ok(processAlive(restarted.pid!));
    } finally {
      await again?.stop();
      try {
        process.kill(leftover, "SIGKILL");
      } catch {
        // Already gone, as it should be.
      }
    }
  });

  it("refuses a second host registering under a live agent's name, so the first keeps its copies; the second joins once the first is gone", async () => {
    const { agent, status } = await deployOnAgent(cluster, "gpu-twin");
    // Another host with the same --name (two hosts with one host name) and its own data dir.
    const twin = startAgent({ servers: [cluster.server.url], token: cluster.secrets.joinToken, name: "gpu-twin" });
    try {
      await twin.waitForLog((l) => messageOf(l).includes("agent id gpu-twin is held by another live agent") && messageOf(l).includes("--name"));
      assert.ok(processAlive(status.pid!), "the first agent's copy still runs");
      assert.ok(!agent.logs.some((l) => /lease is gone/.test(messageOf(l))), `the first agent kept its lease: ${lastMessages(agent.logs)}`);
      assert.ok(!twin.logs.some((l) => messageOf(l).startsWith("registered with")), "the twin did not register");
      await agent.kill();
      await twin.waitForLog((l) => messageOf(l).startsWith(`registered with ${cluster.server.url}: agent gpu-twin`), 30_000);
    } finally {
      await twin.stop();
    }
  });
});

describe("routers and agent leases", () => {
  it("drop a killed agent's copies from the routing table when its lease expires", async () => {
    const cluster = await startCluster();
    try {
      const { agent, component } = await deployOnAgent(cluster, "gpu-lapse");
      const readyCopies = async () => {
        const text = await (await berthFetch(`${cluster.server.url}/metrics`)).text();
        const line = text.split("\n").find((l) => l.startsWith("berth_copies{") && l.includes(`component="${component}"`) && l.includes('state="ready"'));
        return Number(line?.split(" ").pop());
      };
      assert.equal(await readyCopies(), 1);
      await agent.kill();
      await eventually(async () => ((await cluster.store.get("agent-lease", keys.agentLease("gpu-lapse"))) ? undefined : true), {
        what: "the killed agent's lease to expire",
      });
      await eventually(async () => ((await readyCopies()) === 0 ? true : undefined), { what: "the router to drop the copy of the agent without a lease" });
    } finally {
      await cluster.stop();
    }
  });
});

describe("an agent cut off from the servers", () => {
  it("stops its copies itself once it could not renew its lease for its TTL, and joins again when a server answers", async () => {
    const cluster = await startCluster();
    let agent: AgentProcess | undefined;
    try {
      const deployed = await deployOnAgent(cluster, "gpu-cut");
      agent = deployed.agent;
      await cluster.server.kill();
      await agent.waitForLog((l) => messageOf(l).startsWith("no lease renewal for 3 s (cut off from the servers); stopping every copy"));
      await eventually(async () => (processAlive(deployed.status.pid!) ? undefined : true), { what: "the copy to be stopped by its cut-off agent" });
      assert.equal(agent.child.exitCode, null, "the agent keeps trying to register again");
      // The server comes back at the same address: the agent registers again and its host serves again.
      const { port, dataDir } = cluster.server;
      cluster.servers.push(await startBerth({ port, dataDir, args: ["--store", cluster.etcd.storeUrl], config: { images: probeImages } }));
      await eventually(async () => (agent!.logs.filter((l) => messageOf(l).startsWith("registered with")).length === 2 ? true : undefined), {
        what: "the agent to register again once a server answers",
      });
      let statuses: CopyStatusRecord[] = [];
      await eventually(
        async () => {
          statuses = await statusesOf(cluster.store, deployed.endpoint);
          return statuses.find((s) => s.phase === "Ready" && s.pid !== deployed.status.pid);
        },
        {
          // Registering, placing on the new instance and starting the copy: bounded generously for a loaded CI machine.
          timeoutMs: 60_000,
          what: () =>
            `the endpoint's copy to run again on the agent; its statuses: ${JSON.stringify(statuses.map(({ copyId, phase, pid }) => ({ copyId, phase, pid })))}\n` +
            `the agent's last lines:\n${lastMessages(agent!.logs)}\nthe server's last lines:\n${lastMessages(cluster.servers.at(-1)!.logs)}`,
        },
      );
    } finally {
      await agent?.kill();
      await cluster.stop();
    }
  });
});

describe("an agent whose server replica dies", () => {
  it("renews and follows the store through the next replica, keeps its copies running and misses no change", async () => {
    const cluster = await startCluster({ servers: 2 });
    let agent: AgentProcess | undefined;
    try {
      const deployed = await deployOnAgent(cluster, "gpu-failover");
      agent = deployed.agent;
      const [first, second] = cluster.servers;
      await first!.kill();
      await agent.waitForLog((l) => messageOf(l) === `following the store again through ${second!.url}`);
      // A change made after the move reaches the agent: a second copy starts there.
      await second!.sagemaker.send(
        new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: deployed.component, DesiredRuntimeConfig: { CopyCount: 2 } }),
      );
      const statuses = await eventually(
        async () => {
          const ready = (await statusesOf(cluster.store, deployed.endpoint)).filter((s) => s.phase === "Ready");
          return ready.length === 2 ? ready : undefined;
        },
        { what: "both copies to be Ready on the agent" },
      );
      const kept = statuses.find((s) => s.copyId === deployed.status.copyId);
      assert.equal(kept?.pid, deployed.status.pid, "the first copy kept running through the move");
      assert.ok(!agent.logs.some((l) => messageOf(l).startsWith("no lease renewal")), "the lease never lapsed");
      const answer = await invoke(second!.runtime, deployed.endpoint, deployed.component, '{"after":"failover"}');
      assert.equal(answer.body, '{"after":"failover"}');
    } finally {
      await agent?.kill();
      await cluster.stop();
    }
  });
});

describe("an agent while etcd is wholly down", () => {
  it("keeps its copies serving from the routers' last table, and renews its lease again once etcd is back", async () => {
    const cluster = await startCluster();
    let agent: AgentProcess | undefined;
    try {
      const deployed = await deployOnAgent(cluster, "gpu-outage");
      agent = deployed.agent;
      await cluster.etcd.kill(0);
      const downSince = Date.now();
      await agent.waitForLog((l) => messageOf(l).startsWith("the servers cannot reach the store to renew the lease; copies keep serving"));
      // Watch for longer than the lease's TTL (3 s) without etcd: every request is answered by the copy.
      let served = 0;
      while (Date.now() - downSince < 2 * 3_000 + 1_000) {
        const answer = await invoke(cluster.server.runtime, deployed.endpoint, deployed.component, `{"n":${served}}`);
        assert.equal(answer.body, `{"n":${served}}`);
        served++;
      }
      assert.ok(processAlive(deployed.status.pid!), "the copy kept running");
      assert.ok(!agent.logs.some((l) => messageOf(l).startsWith("no lease renewal")), "the agent did not take itself for cut off");
      await cluster.etcd.restart(0);
      await agent.waitForLog((l) => messageOf(l) === "lease renewed again");
    } finally {
      await agent?.kill();
      await cluster.stop();
    }
  });
});
