import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ComponentRecord, EndpointRecord, InstanceRecord } from "../../src/domain/resources.js";
import { copyOf, decide, endpoint, inService, instance, ready, world } from "./endpoint-builders.js";

// Managed instance scaling with copies that take part of a device (berth:AcceleratorMemoryRequiredInMb):
// an instance still launching has no devices yet, but will have the type's, so shares count on it.

const managed = (instances: number): EndpointRecord => {
  const ep = endpoint(instances);
  ep.current.config.ProductionVariants[0]!.ManagedInstanceScaling = { Status: "ENABLED", MinInstanceCount: 1, MaxInstanceCount: 4 };
  return ep;
};

/** A component whose copies each take 10 GiB of one 24 GiB A10G (two fit on a device, not three). */
const shares = (copies: number): ComponentRecord => {
  const c = inService("chat", copies);
  return { ...c, nextCopyOrdinal: 1, resolved: { ...c.resolved, share: { memoryMiB: 10_240 } } };
};

const desired = (ep: EndpointRecord, instances: InstanceRecord[], component: ComponentRecord, copies = [] as ReturnType<typeof copyOf>[]) => {
  const plan = decide(
    world({
      endpoint: ep,
      instances,
      components: [component],
      copies,
      statuses: new Map(copies.map((c, k) => [c.id, ready(c, `10.0.0.${k + 1}`)])),
    }),
  );
  return (plan.endpoint ?? ep).current.variants.AllTraffic!.desiredInstanceCount;
};

describe("managed instance scaling with device shares", () => {
  it("counts an instance still launching as the type's devices, and orders no instance beside it", () => {
    const first = instance(1, "agent-a");
    const launching = instance(2, "");
    const chat = { ...shares(3), nextCopyOrdinal: 3 };
    const held = [1, 2].map((n) => ({ ...copyOf(chat, n, first), devices: [0], share: { memoryMiB: 10_240 } }));
    assert.equal(desired(managed(2), [first, launching], chat, held), 2, "the third share fits on the launching instance");
  });

  it("sizes the first instances by the type's device memory when none has its devices yet", () => {
    assert.equal(desired(managed(1), [instance(1, "")], shares(4)), 2, "four 10 GiB shares take two 24 GiB devices, not four");
  });
});
