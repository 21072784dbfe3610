import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { startAgent, type AgentProcess } from "../support/agent-process.js";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { startEtcdOnHosts } from "../support/etcd-hosts.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName } from "../support/fixtures.js";
import { createHosts, type TestHost } from "../support/hosts.js";
import { berthFetch } from "../support/http.js";
import { invoke, copyOf } from "../support/invoke.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";
import { clusterView, copyProcessesIn, describeOutcomes, sendOne, steadyTraffic } from "./failure-support.js";

const hostType = "ml.g5.12xlarge";

describe("a GPU host silently cut off from the cluster (network namespaces, nftables drop)", () => {
  it("routers drop it when its lease expires, its copies serve again elsewhere, it stops its own copies, and it comes back free", async () => {
    const { hosts, cleanup } = await createHosts(6);
    const [etcdHost, replicaHostA, replicaHostB, agentHostA, agentHostB, clientHost] = hosts as [TestHost, TestHost, TestHost, TestHost, TestHost, TestHost];
    const stops: (() => Promise<unknown>)[] = [];
    try {
      const etcd = await startEtcdOnHosts([etcdHost]);
      stops.push(() => etcd.stop());
      const replicas: BerthProcess[] = [];
      for (const [id, host] of [
        ["replica-a", replicaHostA],
        ["replica-b", replicaHostB],
      ] as const) {
        const replica = await startBerth({ host, args: ["--store", etcd.storeUrl, "--replica-id", id] });
        stops.push(() => replica.kill());
        replicas.push(replica);
      }
      const [a, b] = replicas as [BerthProcess, BerthProcess];
      const joinToken = await eventually(
        async () => {
          const response = await berthFetch(`${a.url}/berth/v1/cluster/join-token`);
          return response.ok ? ((await response.json()) as { joinToken: string }).joinToken : undefined;
        },
        { what: "the join token" },
      );
      const agents = new Map<string, { agent: AgentProcess; host: TestHost }>();
      for (const [name, host] of [
        ["host-a", agentHostA],
        ["host-b", agentHostB],
      ] as const) {
        const agent = startAgent({ name, host, instanceType: hostType, servers: replicas.map((r) => r.listenUrl), token: joinToken });
        stops.push(() => agent.kill());
        agents.set(name, { agent, host });
      }
      await eventually(async () => ((await clusterView(a.url)).agents.filter((x) => x.lease.alive).length === 2 ? true : undefined), {
        what: "both agents to register",
      });

      const endpoint = await createIcEndpoint(a.sagemaker, { instanceType: hostType, instanceCount: 1 });
      const component = await createComponent(a.sagemaker, echoComponent(endpoint, { name: uniqueName("ic"), copies: 2 }));
      const claimed = (await clusterView(a.url)).agents.find((x) => x.claim?.endpointName.toLowerCase() === endpoint.toLowerCase());
      assert.ok(claimed, "one host serves the endpoint");
      const cut = agents.get(claimed.id)!;
      const otherName = [...agents.keys()].find((name) => name !== claimed.id)!;
      const oldCopies = new Set((await placement(a.url, endpoint)).flatMap((i) => i.copies.map((c) => c.copyId)));
      assert.equal(oldCopies.size, 2);
      assert.equal((await copyProcessesIn(cut.host)).length, 2, "the claimed host runs both copies");

      // Clients on their own host, one through each router.
      const runtimeVia = async (replica: BerthProcess, host: TestHost) => {
        const forward = await clientHost.forward({ address: host.address, port: Number(new URL(replica.listenUrl).port) });
        return new SageMakerRuntimeClient({ endpoint: forward.url, region: "us-east-1", credentials, maxAttempts: 1 });
      };
      const clients = [
        { via: "replica-a", runtime: await runtimeVia(a, replicaHostA) },
        { via: "replica-b", runtime: await runtimeVia(b, replicaHostB) },
      ];
      const traffic = steadyTraffic(clients, endpoint, component);
      stops.push(() => traffic.stop());
      await eventually(async () => (traffic.served().length >= 4 ? true : undefined), { what: "traffic to flow before the cut-off" });

      const cutAt = Date.now();
      await cut.host.cutOff();
      // A burst just after the cut needs new connections to the silent host: their connects time out.
      const burst = Promise.all(
        clients.flatMap(({ via, runtime }) =>
          Array.from({ length: 3 }, async () => traffic.outcomes.push(await sendOne(`${via} burst`, runtime, endpoint, component))),
        ),
      );
      stops.push(() => burst);

      // Each replica's router logs when it drops the host for a lost lease, and when a lost host holds a lease again.
      const lostLine = (line: Record<string, unknown>) => String(line.msg).startsWith(`host ${claimed.id} lost its lease`);
      const regainedLine = (line: Record<string, unknown>) => String(line.msg) === `host ${claimed.id} holds a lease again`;

      let copiesGoneAt: number | undefined;
      const processesGone = eventually(
        async () => {
          if ((await copyProcessesIn(cut.host)).length > 0) return undefined;
          copiesGoneAt = Date.now();
          return true;
        },
        { intervalMs: 50, timeoutMs: 60_000, what: "the cut-off host's copy processes to stop" },
      );
      const servedAgain = await eventually(async () => traffic.served().find((o) => o.startedAt > cutAt && !oldCopies.has(o.copy!)), {
        intervalMs: 20,
        timeoutMs: 90_000,
        what: () =>
          `a request served by a new copy after the cut-off; outcomes since:\n${describeOutcomes(
            traffic.outcomes.filter((o) => o.endedAt > cutAt),
            cutAt,
          )}`,
      });
      await processesGone;
      const leaseGoneAt = (await Promise.all(replicas.map((replica) => replica.waitForLog(lostLine, 60_000)))).map((line) => Number(line.time));
      const firstLeaseGone = Math.min(...leaseGoneAt);
      const lastLeaseGone = Math.max(...leaseGoneAt);
      const stoppedLine = await cut.agent.waitForLog((line) => String(line.msg).startsWith("no lease renewal for"));
      const declaredCutOffAt = Number(stoppedLine.time);
      console.log(
        `host cut off: lease gone on the replicas after ${firstLeaseGone - cutAt}/${lastLeaseGone - cutAt} ms; ` +
          `the cut agent declared itself cut off after ${declaredCutOffAt - cutAt} ms; ` +
          `its copy processes gone after ${copiesGoneAt! - cutAt} ms; ` +
          `served again by a new copy after ${servedAgain.endedAt - cutAt} ms`,
      );
      // The agent counts the TTL from before its last renewal was sent, so its proxy refuses every request
      // before any replica can see the lease gone and the leader place the copies again.
      assert.ok(declaredCutOffAt <= firstLeaseGone, "the cut agent stops serving before its lease is seen gone");

      // The copies moved to the other host, and only there.
      const moved = await eventually(
        async () => {
          const instances = await placement(a.url, endpoint);
          const active = instances.flatMap((i) => i.copies.filter((c) => c.state === "Active").map((c) => ({ host: i.host, copy: c.copyId })));
          return active.length === 2 && active.every((c) => c.host === otherName) ? active : undefined;
        },
        { timeoutMs: 60_000, what: "both copies to be placed on the other host" },
      );

      // Taken before the heal: the agent may renew while heal() is still removing the drop rules.
      const healedAt = Date.now();
      await cut.host.heal();
      await eventually(
        async () => {
          const view = await clusterView(a.url);
          const back = view.agents.find((x) => x.id === claimed.id);
          return back?.lease.alive ? back : undefined;
        },
        { timeoutMs: 30_000, what: "the healed agent to register again" },
      );
      console.log(`healed host registered again after ${Date.now() - healedAt} ms`);
      const servedBeforeHeal = traffic.served().length;
      await eventually(async () => (traffic.served().length >= servedBeforeHeal + 10 ? true : undefined), {
        what: "traffic to flow after the heal",
      });
      await traffic.stop();
      await burst;

      const view = await clusterView(b.url);
      assert.equal(view.agents.find((x) => x.id === claimed.id)?.claim, undefined, "the healed host comes back free");
      assert.equal(view.agents.find((x) => x.id === otherName)?.claim?.endpointName.toLowerCase(), endpoint.toLowerCase());
      const relisted = replicas.flatMap((replica) => replica.logs.filter((line) => regainedLine(line) && Number(line.time) < healedAt));
      assert.deepEqual(relisted, [], "no replica lists the cut host's lease again before it re-registers");
      const leftOnHealed = await copyProcessesIn(cut.host);
      if (leftOnHealed.length > 0) {
        const recent = cut.agent.logs.slice(-20).map((line) => String(line.msg));
        const where = (await placement(a.url, endpoint)).map((i) => `${i.host}: ${i.copies.map((c) => `${c.copyId} ${c.state}`).join(", ")}`);
        assert.fail(
          `the healed host runs copy processes ${leftOnHealed.join(", ")}; placement: ${where.join(" | ")}; its agent's last log lines:\n${recent.join("\n")}`,
        );
      }
      assert.equal((await copyProcessesIn(agents.get(otherName)!.host)).length, 2, "the other host runs the two copies, no more");
      const newCopies = new Set(moved.map((c) => c.copy));
      const afterExpiry = traffic.served().filter((o) => o.startedAt > lastLeaseGone);
      assert.deepEqual(
        afterExpiry.filter((o) => !newCopies.has(o.copy!)),
        [],
        "after the lease expired every request was served by the replacement copies",
      );
      for (const replica of replicas) assert.ok(newCopies.has(copyOf((await invoke(replica.runtime, endpoint, component, "after")).customAttributes)));

      const bursts = traffic.outcomes.filter((o) => o.via.endsWith("burst"));
      const burstServed = bursts.filter((o) => o.copy !== undefined);
      console.log(
        `burst of ${bursts.length} requests sent just after the cut-off (new connections to the silent host): ${burstServed.length} served, ` +
          `the last ${Math.max(...burstServed.map((o) => o.endedAt)) - cutAt} ms after the cut-off`,
      );
      const failed = traffic.failed();
      console.log(`requests: ${traffic.served().length} served, ${failed.length} failed${failed.length ? `:\n${describeOutcomes(failed, cutAt)}` : ""}`);
      // Only a request already on its way to the cut host may fail: one sent before the routers dropped it.
      assert.deepEqual(
        failed.filter((o) => o.startedAt > lastLeaseGone),
        [],
        `no request sent after the lease expired fails; every outcome since the cut-off (ms after it):\n${describeOutcomes(
          traffic.outcomes.filter((o) => o.endedAt > cutAt),
          cutAt,
        )}`,
      );
      assert.deepEqual(
        failed.filter((o) => !/lost its lease \(dead or cut off\) while the request was in flight/.test(o.error!)),
        [],
        "every request that failed was on its way to the cut host when its lease expired",
      );
    } finally {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      await cleanup();
    }
  });
});
