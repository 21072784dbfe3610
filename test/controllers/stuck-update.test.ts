import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { instanceId } from "../../src/controllers/endpoint/plan-instances.js";
import type { CopyRecord, EndpointRecord } from "../../src/domain/resources.js";
import { copyOf, decide, endpoint, inService, instance, now, ready, world } from "./endpoint-builders.js";

// An endpoint update whose new instances hold the copies in sum but not as whole copies pack (3 copies of
// 2.5 CPU cores, 2 new instances of 4): one copy stays on an old instance with no replacement, and the update
// used to stay Updating for good, refusing every UpdateEndpoint and DeleteEndpoint. Once nothing is under way
// it rolls back, as a failed update does, with a FailureReason that says what does not fit and what to do.
describe("an endpoint update whose copies cannot be placed on the new instances", () => {
  const chat = (() => {
    const c = inService("chat", 3);
    return { ...c, resolved: { ...c.resolved, needs: { accelerators: 0, cpuMillis: 2500, memoryMiB: 1024 } } };
  })();
  const updating = (): EndpointRecord => {
    const ep = endpoint(3, { status: "Updating", lastModifiedAt: now - 10 });
    return {
      ...ep,
      pending: {
        generation: 2,
        configName: "two",
        config: { ProductionVariants: [{ VariantName: "AllTraffic", InstanceType: "ml.g5.xlarge", InitialInstanceCount: 2 }] },
        variants: { AllTraffic: { desiredInstanceCount: 2, desiredWeight: 1 } },
        startedAt: now - 10,
      },
      nextGeneration: 3,
    };
  };
  const fresh = (ordinal: number, host: string) => instance(ordinal, host, { id: instanceId("ep", "AllTraffic", 2, ordinal), generation: 2 });
  const stuckWorld = (options: { newReady?: boolean; launching?: boolean } = {}) => {
    const old = [instance(1, "agent-a"), instance(2, "agent-a"), instance(3, "agent-a")];
    const moved = [fresh(1, "agent-b"), fresh(2, options.launching ? "" : "agent-c")];
    const copies: CopyRecord[] = [copyOf(chat, 1, old[0]), copyOf(chat, 4, moved[0])];
    if (!options.launching) copies.push(copyOf(chat, 5, moved[1]));
    const statuses = new Map(copies.filter((c) => options.newReady !== false || c.instanceId === old[0].id).map((c, i) => [c.id, ready(c, `10.0.0.${i + 1}`)]));
    return world({ endpoint: updating(), instances: [...old, ...moved], components: [chat], copies, statuses });
  };

  it("rolls back to the running configuration with a FailureReason naming the component, what does not fit and what to do", () => {
    const plan = decide(stuckWorld());
    assert.deepEqual(plan.copies.add, []);
    const record = plan.status.endpoint.record!;
    assert.equal(record.status, "RollingBack");
    assert.equal(record.pending, undefined);
    assert.equal(record.current.configName, "cfg");
    assert.match(
      record.failureReason ?? "",
      /^Update to endpoint configuration 'two' was rolled back: its 2 ml\.g5\.xlarge instances of variant 'AllTraffic' cannot hold every copy of inference component 'chat' \(chat: 1 of its 3 copies found no room; each copy needs 2\.5 CPU cores, 1024 MiB memory on one instance, and the most free on any new instance is 1\.5 CPU cores, 15360 MiB memory\)\. A copy never spans instances: choose an instance type or count that holds each copy, or scale those inference components down, and call UpdateEndpoint again\.$/,
    );
  });

  it("then moves the copies back to the old instances and releases the new ones", () => {
    const w = stuckWorld();
    const rolled = decide(w).status.endpoint.record!;
    const plan = decide({ ...w, endpoint: rolled });
    assert.deepEqual(plan.instances.drain.map((d) => d.id).sort(), [instanceId("ep", "AllTraffic", 2, 1), instanceId("ep", "AllTraffic", 2, 2)]);
    assert.deepEqual(plan.copies.add.map((c) => [c.replaces, c.instanceId.includes(".g1.")]).sort(), [
      ["chat-4", true],
      ["chat-5", true],
    ]);
    assert.equal(plan.status.endpoint.record?.status ?? "RollingBack", "RollingBack");
  });

  it("waits, Updating, while a new instance is still launching", () => {
    const plan = decide(stuckWorld({ launching: true }));
    assert.equal(plan.status.endpoint.record?.status ?? "Updating", "Updating");
  });

  it("waits, Updating, while copies on the new instances are still starting", () => {
    const plan = decide(stuckWorld({ newReady: false }));
    assert.equal(plan.status.endpoint.record?.status ?? "Updating", "Updating");
  });
});
