import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HostHeldArtifacts } from "../../src/controllers/endpoint/world.js";
import { decide, endpoint, inService, instance, world } from "./endpoint-builders.js";

// The endpoint controller hands the hosts' reported artifacts to the scheduler: pure, no store.

const url = "http://models.internal/chat.tar.gz";

function scaleFromZero(hostArtifacts?: Map<string, HostHeldArtifacts>, hosts = ["agent-a", "agent-b"]) {
  const chat = inService("chat", 1);
  const component = { ...chat, resolved: { ...chat.resolved, artifactUrl: url } };
  const instances = hosts.map((host, k) => instance(k + 1, host));
  return decide(world({ endpoint: endpoint(hosts.length), components: [component], instances, hostArtifacts }));
}

describe("a component's new copy and the artifacts its hosts hold", () => {
  it("goes to the instance whose host holds the component's artifact", () => {
    const plan = scaleFromZero(new Map([["agent-b", { urls: [url] }]]));
    assert.deepEqual(
      plan.copies.add.map((c) => c.instanceId),
      [instance(2, "agent-b").id],
    );
  });

  it("goes to the older instance when no host holds it", () => {
    const plan = scaleFromZero(new Map([["agent-b", { urls: ["http://models.internal/other.tar.gz"] }]]));
    assert.deepEqual(
      plan.copies.add.map((c) => c.instanceId),
      [instance(1, "agent-a").id],
    );
  });

  it("goes to a host holding it in memory before one holding it on disk only", () => {
    const held = new Map([
      ["agent-b", { urls: [url] }],
      ["agent-c", { urls: [url], memoryUrls: [url] }],
    ]);
    const plan = scaleFromZero(held, ["agent-a", "agent-b", "agent-c"]);
    assert.deepEqual(
      plan.copies.add.map((c) => c.instanceId),
      [instance(3, "agent-c").id],
    );
  });
});
