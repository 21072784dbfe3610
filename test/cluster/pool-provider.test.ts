import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { AgentPoolProvider } from "../../src/cluster/agent-pool-provider.js";
import { InstanceCatalog } from "../../src/domain/catalog/instance-catalog.js";
import { InstanceUnavailableError, type LaunchRequest } from "../../src/instances/provider.js";
import type { BerthRecords, BerthStore } from "../../src/state/records.js";
import { EtcdStore } from "../../src/store/etcd-store.js";
import { systemClock } from "../../src/util/clock.js";
import { startEtcd, type EtcdCluster } from "../support/etcd.js";
import { claims, deadAgent, joinAgent } from "./pool-agents.js";

// The agent pool provider against a real etcd: agents are written as registration writes them.

const catalog = new InstanceCatalog();
const log = pino({ level: "silent" });
let prefixes = 0;

function launchRequest(instanceId: string, instanceType = "ml.p4d.24xlarge"): LaunchRequest {
  return {
    instanceId,
    endpointName: "ep",
    variantName: "AllTraffic",
    instanceType: catalog.get(instanceType)!,
    capacity: { accelerators: 8, cpuMillis: 96_000, memoryMiB: 1_000_000 },
  };
}

describe("agent pool provider", () => {
  let etcd: EtcdCluster;
  const stores: BerthStore[] = [];

  before(async () => {
    etcd = await startEtcd({ members: 1 });
  });
  after(async () => {
    for (const store of stores) await store.close();
    await etcd.stop();
  });

  /** A store of its own prefix, so tests never see each other's agents. */
  async function openStore(prefix = `/pool-${process.pid}-${++prefixes}/`): Promise<BerthStore> {
    const store = await EtcdStore.open<BerthRecords>({ endpoints: etcd.endpoints, prefix });
    stores.push(store);
    return store;
  }

  it("claims only a live, free agent of the instance's type, and says plainly when none is left", async () => {
    const store = await openStore();
    await joinAgent(store, "gpu-a", "ml.g5.xlarge");
    await deadAgent(store, "gpu-b", "ml.p4d.24xlarge");
    await joinAgent(store, "gpu-c", "ml.p4d.24xlarge");
    await joinAgent(store, "gpu-d", "ml.p4d.24xlarge");
    const provider = new AgentPoolProvider({ store, catalog, clock: systemClock, log });

    const first = await provider.launch(launchRequest("ep.AllTraffic.g1.1"));
    assert.equal(first.host, "gpu-c", "the dead gpu-b and the ml.g5.xlarge gpu-a are passed over");
    assert.deepEqual(
      first.devices.map((d) => d.name),
      ["A10G"],
      "the instance gets the agent's devices",
    );
    const claim = (await store.get("agent", "gpu-c"))!.value.claim!;
    assert.deepEqual({ ...claim, since: 0 }, { instanceId: "ep.AllTraffic.g1.1", endpointName: "ep", variantName: "AllTraffic", since: 0 });

    assert.equal((await provider.launch(launchRequest("ep.AllTraffic.g1.2"))).host, "gpu-d", "a claimed agent is not free");
    assert.deepEqual(await claims(store), ["gpu-a=free", "gpu-b=free", "gpu-c=ep.AllTraffic.g1.1", "gpu-d=ep.AllTraffic.g1.2"]);
    await assert.rejects(
      provider.launch(launchRequest("ep.AllTraffic.g1.3")),
      (error: Error) => InstanceUnavailableError.is(error) && error.message.startsWith("waiting for an instance of ml.p4d.24xlarge: 0 free of 2 registered"),
    );
  });

  it("launching an instance again returns the host it already holds", async () => {
    const store = await openStore();
    await joinAgent(store, "gpu-a", "ml.p4d.24xlarge");
    await joinAgent(store, "gpu-b", "ml.p4d.24xlarge");
    const provider = new AgentPoolProvider({ store, catalog, clock: systemClock, log });
    const first = await provider.launch(launchRequest("i-1"));
    const again = await provider.launch(launchRequest("i-1"));
    assert.equal(again.host, first.host);
    assert.deepEqual(await claims(store), ["gpu-a=i-1", "gpu-b=free"]);
  });

  it("never gives one agent to two instances, however many launches race across replicas", async () => {
    const prefix = `/pool-race-${process.pid}/`;
    const store = await openStore(prefix);
    const agents = ["gpu-1", "gpu-2", "gpu-3", "gpu-4", "gpu-5"];
    for (const id of agents) await joinAgent(store, id, "ml.p4d.24xlarge");
    // Two replicas, each with its own connection to etcd and its own provider.
    const replicas = [
      new AgentPoolProvider({ store, catalog, clock: systemClock, log }),
      new AgentPoolProvider({ store: await openStore(prefix), catalog, clock: systemClock, log }),
    ];
    const instances = Array.from({ length: 8 }, (_, k) => `i-${k + 1}`);
    const results = await Promise.allSettled(instances.map((id, k) => replicas[k % 2]!.launch(launchRequest(id))));
    const hosts = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.host] : []));
    assert.equal(hosts.length, agents.length, "every agent was claimed once");
    assert.equal(new Set(hosts).size, hosts.length, `no agent was claimed twice: ${hosts.join(", ")}`);
    for (const r of results) if (r.status === "rejected") assert.ok(InstanceUnavailableError.is(r.reason), String(r.reason));
    const claimed = await claims(store);
    assert.equal(claimed.filter((c) => !c.endsWith("=free")).length, agents.length);
    for (const [k, r] of results.entries()) {
      if (r.status === "fulfilled") assert.ok(claimed.includes(`${r.value.host}=${instances[k]}`), `${r.value.host} is recorded as ${instances[k]}'s`);
    }
  });

  it("gives the agent back on terminate, so the next launch can claim it", async () => {
    const store = await openStore();
    await joinAgent(store, "gpu-a", "ml.p4d.24xlarge");
    const provider = new AgentPoolProvider({ store, catalog, clock: systemClock, log });
    await provider.launch(launchRequest("i-1"));
    await assert.rejects(provider.launch(launchRequest("i-2")), (error: Error) => InstanceUnavailableError.is(error));
    await provider.terminate("i-1");
    assert.deepEqual(await claims(store), ["gpu-a=free"]);
    assert.equal((await provider.launch(launchRequest("i-2"))).host, "gpu-a");
    await provider.terminate("not-an-instance");
    assert.deepEqual(await claims(store), ["gpu-a=i-2"]);
  });

  it("releases claims of instances that no longer exist when asked, and keeps the others", async () => {
    const store = await openStore();
    await joinAgent(store, "gpu-a", "ml.p4d.24xlarge");
    await joinAgent(store, "gpu-b", "ml.p4d.24xlarge");
    const provider = new AgentPoolProvider({ store, catalog, clock: systemClock, log });
    await provider.launch(launchRequest("i-1"));
    await provider.launch(launchRequest("i-2"));
    await provider.releaseOrphans(new Set(["i-2"]));
    assert.deepEqual(await claims(store), ["gpu-a=free", "gpu-b=i-2"]);
  });
});
