import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decide, endpoint, inService, instance, world } from "./endpoint-builders.js";

// The endpoint controller hands the hosts' reported artifacts to the scheduler: pure, no store.

const url = "http://models.internal/chat.tar.gz";

function scaleFromZero(hostArtifacts?: Map<string, string[]>) {
  const chat = inService("chat", 1);
  const component = { ...chat, resolved: { ...chat.resolved, artifactUrl: url } };
  return decide(world({ endpoint: endpoint(2), components: [component], instances: [instance(1, "agent-a"), instance(2, "agent-b")], hostArtifacts }));
}

describe("a component's new copy and the artifacts its hosts hold", () => {
  it("goes to the instance whose host holds the component's artifact", () => {
    const plan = scaleFromZero(new Map([["agent-b", [url]]]));
    assert.deepEqual(
      plan.copies.add.map((c) => c.instanceId),
      [instance(2, "agent-b").id],
    );
  });

  it("goes to the older instance when no host holds it", () => {
    const plan = scaleFromZero(new Map([["agent-b", ["http://models.internal/other.tar.gz"]]]));
    assert.deepEqual(
      plan.copies.add.map((c) => c.instanceId),
      [instance(1, "agent-a").id],
    );
  });
});
