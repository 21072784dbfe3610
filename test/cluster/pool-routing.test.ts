import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import type { RoutingTable } from "../../src/router/table.js";
import { RoutingTablePublisher } from "../../src/server/routing-table-publisher.js";
import { keys } from "../../src/state/keys.js";
import { put, type BerthRecords, type BerthStore } from "../../src/state/records.js";
import { EtcdStore } from "../../src/store/etcd-store.js";
import { ensureClusterSecrets } from "../../src/cluster/secrets.js";
import { systemClock } from "../../src/util/clock.js";
import { copyOf, endpoint, inService, instance, ready } from "../controllers/endpoint-builders.js";
import { startEtcd, type EtcdCluster } from "../support/etcd.js";
import { eventually } from "../support/wait.js";
import { joinAgent } from "./pool-agents.js";

// Every replica's routing table drops a host's copies as soon as the host's lease entry is gone.

describe("routing table publisher with host leases", () => {
  let etcd: EtcdCluster;
  let store: BerthStore;
  let publisher: RoutingTablePublisher;

  before(async () => {
    etcd = await startEtcd({ members: 1 });
    store = await EtcdStore.open<BerthRecords>({ endpoints: etcd.endpoints, prefix: `/pool-routing-${process.pid}/` });
    // Routers reach agents' copies with keys derived from the cluster's secrets, made by the first replica.
    await ensureClusterSecrets(store, systemClock);
  });
  after(async () => {
    publisher?.stop();
    await store.close();
    await etcd.stop();
  });

  it("stops routing to a host the moment its lease is revoked, and keeps routing to the others", async () => {
    const leaseA = await joinAgent(store, "agent-a", "ml.g5.xlarge");
    await joinAgent(store, "agent-b", "ml.g5.xlarge");
    const component = inService("chat", 2);
    const onA = instance(1, "agent-a");
    const onB = instance(2, "agent-b");
    const copies = [copyOf(component, 1, onA), copyOf(component, 2, onB)];
    await store.commit([
      put("endpoint", keys.endpoint("ep"), endpoint(2)),
      put("inference-component", keys.component("chat"), component),
      ...[onA, onB].map((i) => put("instance", keys.child("ep", i.id), i)),
      ...copies.map((c) => put("copy", keys.child("ep", c.id), c)),
      ...copies.map((c, k) => put("copy-status", keys.child("ep", c.id), ready(c, `10.0.0.${k + 1}`))),
    ]);
    let latest: RoutingTable | undefined;
    publisher = new RoutingTablePublisher({ store, clock: systemClock, log: pino({ level: "silent" }) });
    publisher.subscribe((table) => (latest = table));
    await publisher.start();
    const routed = () =>
      latest?.endpoints
        .get("ep")
        ?.components.get("chat")
        ?.copies.map((c) => c.id) ?? [];
    assert.deepEqual(routed(), ["chat-1", "chat-2"]);

    await store.leases!.revoke(leaseA);
    await eventually(async () => (routed().join() === "chat-2" ? true : undefined), { what: () => `only chat-2 to be routed, not ${routed().join()}` });
  });
});
