import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parkedEngineKey } from "../../src/domain/parked-engine-key.js";
import { decide, endpoint, inService, instance, world } from "./endpoint-builders.js";

// The endpoint controller hands the engines the hosts keep parked to the scheduler: pure, no store.

const url = "http://models.internal/chat.tar.gz";

describe("a component's new copy and the engines its hosts keep parked", () => {
  const chat = inService("chat", 1);
  const component = { ...chat, resolved: { ...chat.resolved, artifactUrl: url } };
  const hosts = ["agent-a", "agent-b", "agent-c"];
  const scaleFromZero = (parked: string) =>
    decide(
      world({
        endpoint: endpoint(hosts.length),
        components: [component],
        instances: hosts.map((host, k) => instance(k + 1, host)),
        hostArtifacts: new Map([
          ["agent-b", { urls: [url], parked: [parked] }],
          ["agent-c", { urls: [url], memoryUrls: [url] }],
        ]),
      }),
    ).copies.add.map((c) => c.instanceId);

  it("goes to the host keeping an engine of its version parked, before one holding its artifact in memory", () => {
    assert.deepEqual(scaleFromZero(parkedEngineKey("ep", { type: "component", name: "chat" }, component.resolved)), [instance(2, "agent-b").id]);
  });

  it("does not go there for an engine of another version", () => {
    const old = parkedEngineKey("ep", { type: "component", name: "chat" }, { version: component.resolved.version + 1 });
    assert.deepEqual(scaleFromZero(old), [instance(3, "agent-c").id]);
  });
});
