import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { instanceId } from "../../src/controllers/endpoint/plan-instances.js";
import { copyOf, decide, endpoint, inService, instance, ready, world } from "./endpoint-builders.js";

// The endpoint controller's decision when a host's agent lease is gone (cluster mode): pure, no store.

/** Two instances on hosts a and b, a component with one ready copy on each. */
function twoHosts(liveHosts?: Set<string>) {
  const component = inService("chat", 2);
  const onA = instance(1, "agent-a");
  const onB = instance(2, "agent-b");
  const copies = [copyOf(component, 1, onA), copyOf(component, 2, onB)];
  return world({
    endpoint: endpoint(2),
    components: [component],
    instances: [onA, onB],
    copies,
    statuses: new Map(copies.map((c, k) => [c.id, ready(c, `10.0.0.${k + 1}`)])),
    liveHosts,
  });
}

describe("instances on a host whose lease is gone", () => {
  it("removes the instance on the dead host with its copies, and places the copies again on the live instances at once", () => {
    const plan = decide(twoHosts(new Set(["agent-a"])));
    assert.deepEqual(plan.lost, [{ id: instanceId("ep", "AllTraffic", 1, 2), host: "agent-b", copies: ["chat-2"] }]);
    assert.ok(plan.forget.includes("chat-2"), "the dead host's copy is forgotten");
    assert.deepEqual(
      plan.copies.add.map((c) => `${c.owner.type === "component" ? c.owner.name : ""}@${c.instanceId}`),
      [`chat@${instanceId("ep", "AllTraffic", 1, 1)}`],
      "the component gets its second copy back on the live instance",
    );
    assert.ok(!plan.copies.add.some((c) => c.id === "chat-2"), "the new copy does not reuse the dead copy's id");
  });

  it("asks for a replacement instance under a new id, so the variant gets back to its desired count", () => {
    const plan = decide(twoHosts(new Set(["agent-a"])));
    assert.deepEqual(
      plan.instances.create.map((i) => [i.id, i.state]),
      [[instanceId("ep", "AllTraffic", 1, 3), "Pending"]],
    );
  });

  it("keeps the component InService and the endpoint as it was while the copy comes back", () => {
    const plan = decide(twoHosts(new Set(["agent-a"])));
    const chat = plan.components.get("chat");
    assert.ok(chat && chat !== "delete");
    assert.equal(chat.status, "InService");
    assert.equal(plan.status.endpoint.record?.status ?? "InService", "InService");
  });

  it("loses nothing when every host is live, or when hosts have no leases at all (one machine)", () => {
    for (const live of [new Set(["agent-a", "agent-b"]), undefined]) {
      const plan = decide(twoHosts(live));
      assert.deepEqual(plan.lost, []);
      assert.deepEqual(plan.forget, []);
      assert.deepEqual(plan.copies.add, []);
      assert.deepEqual(plan.instances.create, []);
    }
  });

  it("leaves a Pending instance alone: it has no host yet", () => {
    const plan = decide(world({ endpoint: endpoint(1), instances: [instance(1, "")], liveHosts: new Set() }));
    assert.deepEqual(plan.lost, []);
    assert.deepEqual(plan.instances.create, []);
  });

  it("removes every instance when all hosts are gone, and orders as many new ones", () => {
    const plan = decide(twoHosts(new Set()));
    assert.deepEqual(plan.lost.map((l) => l.host).sort(), ["agent-a", "agent-b"]);
    assert.deepEqual(plan.copies.add, [], "no live instance to place on yet");
    assert.deepEqual(
      plan.instances.create.map((i) => i.id),
      [instanceId("ep", "AllTraffic", 1, 3), instanceId("ep", "AllTraffic", 1, 4)],
    );
  });
});
