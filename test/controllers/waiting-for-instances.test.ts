import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { waitingForInstanceMessage } from "../../src/domain/instance-pool.js";
import { component } from "../state/builders.js";
import { decide, endpoint, instance, world } from "./endpoint-builders.js";

// What the endpoint and its components say while the pool has no free instance (pure decision).

const waiting = waitingForInstanceMessage("ml.g5.xlarge", 0, 3);

describe("an endpoint waiting for a free instance", () => {
  it("says so in the endpoint's FailureReason and stays Creating, not Failed", () => {
    const plan = decide(world({ endpoint: endpoint(1, { status: "Creating" }), instances: [instance(1, "", { waiting })] }));
    assert.equal(plan.status.endpoint.record?.status, "Creating");
    assert.equal(plan.status.endpoint.record?.failureReason, waiting);
    assert.match(waiting, /^waiting for an instance of ml\.g5\.xlarge: 0 free of 3 registered/);
  });

  it("gives a component whose copies cannot be placed the same reason, and keeps it Creating", () => {
    const chat = component("chat", "ep");
    const plan = decide(world({ endpoint: endpoint(1, { status: "Creating" }), components: [chat], instances: [instance(1, "", { waiting })] }));
    const change = plan.status.components.find((c) => c.name === "chat");
    assert.equal(change?.failureReason, waiting);
    assert.notEqual(change?.status, "Failed");
  });

  it("says nothing while an instance is merely launching", () => {
    const plan = decide(world({ endpoint: endpoint(1, { status: "Creating" }), instances: [instance(1, "")] }));
    assert.equal(plan.status.endpoint.record, undefined);
  });

  it("clears the message once the instance has launched", () => {
    const plan = decide(world({ endpoint: endpoint(1, { failureReason: waiting }), instances: [instance(1, "agent-a")], liveHosts: new Set(["agent-a"]) }));
    assert.equal(plan.status.endpoint.record?.status, "InService");
    assert.equal(plan.status.endpoint.record?.failureReason, undefined);
  });
});
