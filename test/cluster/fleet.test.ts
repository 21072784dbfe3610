import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DescribeInferenceComponentCommand, UpdateInferenceComponentRuntimeConfigCommand } from "@aws-sdk/client-sagemaker";
import { startFleet } from "../support/cluster.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { eventually } from "../support/wait.js";

const hostType = "ml.g5.12xlarge";

describe("a cluster: replicas on etcd, agents on hosts", () => {
  it("serves from every replica, and another replica runs the controllers when the leader is killed", async () => {
    const fleet = await startFleet({
      replicas: 2,
      agents: [
        { name: "host-a", instanceType: hostType },
        { name: "host-b", instanceType: hostType },
      ],
    });
    try {
      const [first, second] = fleet.replicas as [(typeof fleet.replicas)[0], (typeof fleet.replicas)[0]];
      const endpoint = await createIcEndpoint(first.sagemaker, { instanceType: hostType, instanceCount: 1 });
      const component = await createComponent(first.sagemaker, echoComponent(endpoint, { name: uniqueName("ic"), copies: 2 }));
      for (const replica of fleet.replicas) assert.equal((await invoke(replica.runtime, endpoint, component, "hello")).body, "hello");

      const leader = await fleet.leader();
      const survivor = leader === first ? second : first;
      const killedAt = Date.now();
      await leader.kill();
      await eventually(async () => ((await fleet.view(survivor)).leader?.replicaId === fleet.idOf(survivor) ? true : undefined), {
        intervalMs: 20,
        what: "the surviving replica to take the lead",
      });
      console.log(`leader failover: ${Date.now() - killedAt} ms (replica ${fleet.idOf(survivor)} leads)`);

      // The controllers now run on the survivor: a new copy count is placed and served.
      await survivor.sagemaker.send(
        new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: component, DesiredRuntimeConfig: { CopyCount: 3 } }),
      );
      await eventually(
        async () => {
          const d = await survivor.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: component }));
          return d.RuntimeConfig?.CurrentCopyCount === 3 && d.InferenceComponentStatus === "InService" ? true : undefined;
        },
        { timeoutMs: 60_000, what: "the new leader to place the third copy" },
      );
      assert.equal((await invoke(survivor.runtime, endpoint, component, "after failover")).body, "after failover");
    } finally {
      await fleet.stop();
    }
  });

  it("places a dead host's copies on another host and keeps serving, failing at most the request in flight", async () => {
    const fleet = await startFleet({
      replicas: 2,
      agents: [
        { name: "host-c", instanceType: hostType },
        { name: "host-d", instanceType: hostType },
      ],
    });
    try {
      const replica = fleet.replicas[0]!;
      const endpoint = await createIcEndpoint(replica.sagemaker, { instanceType: hostType, instanceCount: 1 });
      const component = await createComponent(replica.sagemaker, echoComponent(endpoint, { name: uniqueName("ic"), copies: 2 }));
      const claimed = (await fleet.view()).agents.find((a) => a.claim?.endpointName.toLowerCase() === endpoint.toLowerCase());
      assert.ok(claimed, "one host serves the endpoint");
      const other = fleet.agents.find((a) => a.name !== claimed.id)!;

      let failures = 0;
      let served = 0;
      let running = true;
      const traffic = (async () => {
        while (running) {
          try {
            await invoke(fleet.replicas[1]!.runtime, endpoint, component, "through the failure");
            served++;
          } catch {
            failures++;
          }
        }
      })();
      await eventually(async () => (served > 0 ? true : undefined), { what: "traffic to flow before the host dies" });
      const diedAt = Date.now();
      await fleet.agents.find((a) => a.name === claimed.id)!.kill();
      await eventually(
        async () => {
          const view = await fleet.view();
          const d = await replica.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: component }));
          const moved = view.agents.find((a) => a.id === other.name)?.claim?.endpointName.toLowerCase() === endpoint.toLowerCase();
          return moved && d.RuntimeConfig?.CurrentCopyCount === 2 ? true : undefined;
        },
        { timeoutMs: 60_000, what: "the dead host's copies to be placed on the other host" },
      );
      console.log(`dead host to copies replaced: ${Date.now() - diedAt} ms`);
      const servedBefore = served;
      await eventually(async () => (served > servedBefore ? true : undefined), { what: "requests to be served by the new copies" });
      running = false;
      await traffic;
      assert.ok(failures <= 1, `only the request in flight when the host died may fail; ${failures} failed, ${served} served`);
    } finally {
      await fleet.stop();
    }
  });
});
