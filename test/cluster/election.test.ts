import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Election } from "../../src/cluster/election.js";
import { FencedStore, NotLeaderError } from "../../src/cluster/fenced-store.js";
import { requestWake, WakeController } from "../../src/cluster/wakes.js";
import { Controllers } from "../../src/controllers/runtime/controllers.js";
import { keys } from "../../src/state/keys.js";
import { absent, put, putLeased, type BerthRecords, type BerthStore } from "../../src/state/records.js";
import { EtcdStore } from "../../src/store/etcd-store.js";
import { systemClock } from "../../src/util/clock.js";
import { createLogger } from "../../src/util/logger.js";
import { startEtcd, type EtcdCluster } from "../support/etcd.js";
import { eventually } from "../support/wait.js";

const log = createLogger({ level: "error", pretty: false });

/** One replica's view of the election: its own etcd client, its fenced store, whether its controllers run. */
async function replica(endpoints: string[], prefix: string, replicaId: string) {
  const store = (await EtcdStore.open<BerthRecords>({ endpoints, prefix })) as BerthStore;
  const fenced = new FencedStore(store, (reason) => void election.depose(reason));
  const state = { running: false, elections: 0 };
  const election: Election = new Election({
    store,
    replicaId,
    url: `http://${replicaId}.invalid`,
    ttlSeconds: 2,
    clock: systemClock,
    log,
    onElected: async (fence) => {
      fenced.setFence(fence);
      state.running = true;
      state.elections++;
    },
    onDeposed: async () => {
      fenced.setFence(undefined);
      state.running = false;
    },
  });
  return { store, fenced, election, state };
}

/** A controller decision, as any record the leader commits. */
const decision = (name: string) => put("wake", keys.wake(name), { componentName: name, replicaId: "test", at: 0 });

describe("controller leadership", () => {
  let etcd: EtcdCluster;
  const stores: BerthStore[] = [];
  before(async () => {
    etcd = await startEtcd({ members: 1 });
  });
  after(async () => {
    for (const store of stores) await store.close().catch(() => undefined);
    await etcd?.stop();
  });

  it("lets one of two replicas lead, and hands over at once when the leader stops cleanly", async () => {
    const prefix = `/elect-${Date.now()}/`;
    const a = await replica(etcd.endpoints, prefix, "a");
    const b = await replica(etcd.endpoints, prefix, "b");
    stores.push(a.store, b.store);
    a.election.start();
    b.election.start();
    const first = await eventually(async () => (a.state.running ? a : b.state.running ? b : undefined), { what: "one replica to lead" });
    const second = first === a ? b : a;
    assert.equal(second.state.running, false, "only one replica runs the controllers");
    assert.equal((await a.store.get("leader", keys.leader()))?.value.replicaId, first === a ? "a" : "b");
    await first.fenced.commit([decision("while-leading")]);
    await assert.rejects(second.fenced.commit([decision("not-leading")]), NotLeaderError);

    await first.election.stop();
    assert.equal(first.state.running, false);
    await eventually(async () => second.state.running || undefined, { what: "the other replica to take over" });
    await second.fenced.commit([decision("new-leader")]);
    await second.election.stop();
  });

  it("refuses a deposed leader's late commit and applies none of it", async () => {
    const prefix = `/fence-${Date.now()}/`;
    const a = (await EtcdStore.open<BerthRecords>({ endpoints: etcd.endpoints, prefix })) as BerthStore;
    stores.push(a);
    // Replica a won the election, then stalled (a long pause, or cut off) while still holding its fence.
    const leaseId = await a.leases!.grant(2);
    const fence = await a.commit([
      putLeased("leader", keys.leader(), { replicaId: "a", url: "http://a.invalid", since: Date.now(), leaseId }, leaseId, absent),
    ]);
    const stalled = new FencedStore(a);
    stalled.setFence(fence);
    await stalled.commit([decision("before-the-stall")]);

    const b = await replica(etcd.endpoints, prefix, "b");
    stores.push(b.store);
    b.election.start();
    assert.equal(b.state.running, false);
    // Its lease ends (as if it expired during the stall); b takes the controllers over.
    await a.leases!.revoke(leaseId);
    await eventually(async () => b.state.running || undefined, { what: "replica b to take the controllers over" });
    assert.equal((await b.store.get("leader", keys.leader()))?.value.replicaId, "b");

    await assert.rejects(stalled.commit([decision("late-write")]), NotLeaderError);
    assert.equal(await b.store.get("wake", keys.wake("late-write")), undefined, "the late commit was not applied");
    await b.fenced.commit([decision("from-the-new-leader")]);
    assert.ok(await a.get("wake", keys.wake("from-the-new-leader")));
    await b.election.stop();
  });

  it("carries a wake from a replica that does not lead to the leader, which deletes it", async () => {
    const prefix = `/wake-${Date.now()}/`;
    const leader = (await EtcdStore.open<BerthRecords>({ endpoints: etcd.endpoints, prefix })) as BerthStore;
    const other = (await EtcdStore.open<BerthRecords>({ endpoints: etcd.endpoints, prefix })) as BerthStore;
    stores.push(leader, other);
    const woken: string[] = [];
    const controllers = new Controllers({ clock: systemClock, log }, [new WakeController({ store: leader, wake: (name) => woken.push(name) })]);
    await controllers.start();
    try {
      await requestWake(other, "Sleepy-Component", "b", systemClock);
      await eventually(async () => (woken.includes("Sleepy-Component") ? true : undefined), { what: "the leader to wake the component" });
      await eventually(async () => ((await other.list("wake")).length === 0 ? true : undefined), { what: "the wake entry to be deleted" });
    } finally {
      await controllers.stop();
    }
  });
});
