import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildRoutingTable } from "../../src/router/table.js";
import { copyOf, endpoint, inService, instance, ready } from "../controllers/endpoint-builders.js";

// Routers stop sending to a host the moment its agent's lease is gone: its copies leave the table.

function inputs(liveHosts?: Set<string>) {
  const component = inService("chat", 2);
  // Without leases (one machine) instances are the local provider's; with them, agents'.
  const onA = liveHosts ? instance(1, "agent-a") : instance(1, "local", { provider: "local" });
  const onB = liveHosts ? instance(2, "agent-b") : instance(2, "local", { provider: "local" });
  const copies = [copyOf(component, 1, onA), copyOf(component, 2, onB)];
  return {
    endpoints: [endpoint(2)],
    components: [component],
    instances: [onA, onB],
    copies,
    statuses: [ready(copies[0]!, "10.0.0.1"), ready(copies[1]!, "10.0.0.2")],
    wakeable: new Set<string>(),
    liveHosts,
    agentAuthorization: liveHosts ? new Map([...liveHosts].map((host) => [host, `Bearer key-of-${host}`])) : undefined,
    now: 1,
  };
}

function routedCopies(liveHosts?: Set<string>): string[] {
  const table = buildRoutingTable(inputs(liveHosts));
  return table.endpoints
    .get("ep")!
    .components.get("chat")!
    .copies.map((c) => `${c.id} ${c.origin}${c.headers ? ` ${c.headers.authorization}` : ""}`);
}

describe("routing table and host leases", () => {
  it("leaves out the copies of a host without a live lease", () => {
    assert.deepEqual(routedCopies(new Set(["agent-a"])), ["chat-1 http://10.0.0.1:9000 Bearer key-of-agent-a"]);
  });

  it("routes to every host when all hold leases, or when hosts have no leases (one machine)", () => {
    assert.deepEqual(routedCopies(new Set(["agent-a", "agent-b"])), [
      "chat-1 http://10.0.0.1:9000 Bearer key-of-agent-a",
      "chat-2 http://10.0.0.2:9000 Bearer key-of-agent-b",
    ]);
    assert.deepEqual(routedCopies(undefined), ["chat-1 http://10.0.0.1:9000", "chat-2 http://10.0.0.2:9000"]);
  });

  it("routes nothing when no host holds a lease", () => {
    assert.deepEqual(routedCopies(new Set()), []);
  });

  it("names the origins of the hosts left out, so requests in flight there are failed at once", () => {
    assert.deepEqual([...(buildRoutingTable(inputs(new Set(["agent-a"]))).lostOrigins ?? [])], ["http://10.0.0.2:9000"]);
    assert.equal(buildRoutingTable(inputs(new Set(["agent-a", "agent-b"]))).lostOrigins, undefined);
    assert.equal(buildRoutingTable(inputs(undefined)).lostOrigins, undefined);
  });
});
