import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DescribeInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { startBerth } from "../support/berth-process.js";
import { startFleet } from "../support/cluster.js";
import { startEtcd } from "../support/etcd.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { eventually } from "../support/wait.js";
import { clusterView, describeOutcomes, steadyTraffic } from "./failure-support.js";

const hostType = "ml.g5.12xlarge";

describe("a server replica restarted", () => {
  it("the other replica keeps serving; the restarted one catches up from the store and serves again", async () => {
    const fleet = await startFleet({ replicas: 2, agents: [{ name: "host-r", instanceType: hostType }] });
    try {
      const leader = await fleet.leader();
      const other = fleet.replicas.find((r) => r !== leader)!;
      const endpoint = await createIcEndpoint(other.sagemaker, { instanceType: hostType, instanceCount: 1 });
      const first = await createComponent(other.sagemaker, echoComponent(endpoint, { name: uniqueName("ic"), copies: 1 }));
      const traffic = steadyTraffic([{ via: "the other replica", runtime: other.runtime }], endpoint, first);
      try {
        await eventually(async () => (traffic.served().length >= 5 ? true : undefined), { what: "traffic to flow" });
        // The leading replica goes down, as for an upgrade (SIGTERM), and comes back with its data dir and id.
        const stoppedAt = Date.now();
        const servedBefore = traffic.served().length;
        assert.equal(await leader.stop(), 0);
        // Created while it is down, through the other replica (which now leads).
        const second = await createComponent(other.sagemaker, echoComponent(endpoint, { name: uniqueName("ic"), copies: 1 }));
        const restarted = await startBerth({ dataDir: leader.dataDir, args: ["--store", fleet.etcd.storeUrl, "--replica-id", fleet.idOf(leader)] });
        fleet.replicas.push(restarted);
        const startedAt = Date.now();
        const described = await restarted.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: second }));
        assert.equal(described.InferenceComponentStatus, "InService", "the restarted replica sees what was created while it was down");
        const answered = await eventually(
          async () => {
            const answer = await invoke(restarted.runtime, endpoint, second, "after restart");
            return answer.body === "after restart" ? Date.now() : undefined;
          },
          { what: "the restarted replica to route to the component created while it was down" },
        );
        assert.equal((await invoke(restarted.runtime, endpoint, first, "first")).body, "first");
        const view = await eventually(
          async () => {
            const v = await clusterView(other.url);
            return v.replicas.some((r) => r.id === fleet.idOf(leader)) ? v : undefined;
          },
          { what: "the restarted replica to be listed in the cluster again" },
        );
        console.log(
          `replica restarted: down ${startedAt - stoppedAt} ms (including a component created meanwhile); ` +
            `served the new component ${answered - startedAt} ms after it listened again; ` +
            `the other replica served ${traffic.served().length - servedBefore} requests meanwhile; leader now ${view.leader?.replicaId}`,
        );
      } finally {
        await traffic.stop();
      }
      assert.deepEqual(traffic.failed(), [], `the other replica failed no request:\n${describeOutcomes(traffic.failed(), 0)}`);
    } finally {
      await fleet.stop();
    }
  });

  it("a second replica started under a live replica's id exits saying so, and the first stays in the cluster", async () => {
    const etcd = await startEtcd({ members: 1 });
    try {
      const first = await startBerth({ args: ["--store", etcd.storeUrl, "--replica-id", "twin"] });
      try {
        await assert.rejects(
          startBerth({ args: ["--store", etcd.storeUrl, "--replica-id", "twin"] }),
          (e: Error) => /exited with 1/.test(e.message) && /replica id twin is held by another live replica, advertised as/.test(e.message),
        );
        const view = await clusterView(first.url);
        assert.deepEqual(
          view.replicas.map((r) => [r.id, r.url]),
          [["twin", first.listenUrl]],
          "the first replica is still the one listed",
        );
      } finally {
        await first.stop();
      }
    } finally {
      await etcd.stop();
    }
  });
});
