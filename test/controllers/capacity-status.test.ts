import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CopyStatusRecord } from "../../src/domain/resources.js";
import { copyOf, decide, endpoint, inService, instance, now, ready, world } from "./endpoint-builders.js";

// When a capacity change is done, as the endpoint controller's pure decision sees it.

const starting = (id: string): CopyStatusRecord => ({ copyId: id, phase: "Starting", restarts: 0, since: 1 });

describe("an endpoint Updating for a capacity change", () => {
  it("stays Updating while an instance it asked for is still launching", () => {
    const ep = endpoint(2, { status: "Updating", lastModifiedAt: now - 10 });
    const plan = decide(world({ endpoint: ep, instances: [instance(1, "agent-a"), instance(2, "", { createdAt: now - 5 })] }));
    assert.equal(plan.status.endpoint.record?.status ?? "Updating", "Updating");
  });

  it("stays Updating while the copy this pass places on the added instance starts", () => {
    const ep = endpoint(2, { status: "Updating", lastModifiedAt: now - 10 });
    const old = instance(1, "agent-a");
    const added = instance(2, "agent-b", { createdAt: now - 5 });
    const chat = { ...inService("chat", 2), nextCopyOrdinal: 2 };
    const first = copyOf(chat, 1, old);
    const plan = decide(
      world({
        endpoint: ep,
        instances: [old, added],
        components: [chat],
        copies: [first],
        statuses: new Map([[first.id, ready(first, "10.0.0.1")]]),
        liveHosts: new Set(["agent-a", "agent-b"]),
      }),
    );
    assert.deepEqual(
      plan.copies.add.map((c) => c.instanceId),
      [added.id],
    );
    assert.equal(plan.status.endpoint.record?.status ?? "Updating", "Updating");
  });

  it("stays Updating while a copy placed on the added instance is not ready, and is InService once it is", () => {
    const ep = endpoint(2, { status: "Updating", lastModifiedAt: now - 10 });
    const old = instance(1, "agent-a");
    const added = instance(2, "agent-b", { createdAt: now - 5 });
    const chat = inService("chat", 2);
    const copies = [copyOf(chat, 1, old), copyOf(chat, 2, added)];
    const statuses = new Map([
      [copies[0]!.id, ready(copies[0]!, "10.0.0.1")],
      [copies[1]!.id, starting(copies[1]!.id)],
    ]);
    const waiting = decide(world({ endpoint: ep, instances: [old, added], components: [chat], copies, statuses }));
    assert.equal(waiting.status.endpoint.record?.status ?? "Updating", "Updating");
    statuses.set(copies[1]!.id, ready(copies[1]!, "10.0.0.2"));
    const done = decide(world({ endpoint: ep, instances: [old, added], components: [chat], copies, statuses }));
    assert.equal(done.status.endpoint.record?.status, "InService");
  });

  it("stays Updating until an instance it no longer wants has been drained", () => {
    const ep = endpoint(1, { status: "Updating", lastModifiedAt: now - 10 });
    const plan = decide(world({ endpoint: ep, instances: [instance(1, "agent-a"), instance(2, "agent-b")] }));
    assert.equal(plan.status.endpoint.record?.status ?? "Updating", "Updating");
    assert.equal(plan.instances.drain.length, 1);
  });
});

describe("a draining instance whose copies fit on no other instance", () => {
  const gpu = (name: string) => {
    const c = inService(name, 1);
    return { ...c, resolved: { ...c.resolved, needs: { ...c.resolved.needs, accelerators: 1 } } };
  };
  // One accelerator per instance: chat fills the instance that stays, so talk's copy has nowhere to go.
  const stuckWorld = (ep = endpoint(1, { status: "Updating", lastModifiedAt: now - 10 })) => {
    const kept = instance(1, "agent-a");
    const draining = instance(2, "agent-b", { state: "Draining" });
    const chat = gpu("chat");
    const talk = gpu("talk");
    const copies = [copyOf(chat, 1, kept), copyOf(talk, 1, draining)];
    return world({
      endpoint: ep,
      instances: [kept, draining],
      components: [chat, talk],
      copies,
      statuses: new Map(copies.map((c, i) => [c.id, ready(c, `10.0.0.${i + 1}`)])),
    });
  };

  it("ends a capacity change InService, keeps the instance serving, and says what lets it go", () => {
    const plan = decide(stuckWorld());
    assert.deepEqual(plan.copies.add, []);
    assert.deepEqual(plan.instances.terminate, []);
    const record = plan.status.endpoint.record!;
    assert.equal(record.status, "InService");
    assert.equal(
      record.failureReason,
      "Cannot release instance ep.AllTraffic.g1.2 of variant AllTraffic: no other instance has room for its copies of talk, so it keeps serving them. " +
        "Raise the variant's DesiredInstanceCount to 2 to keep it, or scale those inference components down or delete them.",
    );
  });

  it("waits, Updating, while something under way may still make room: an instance launching", () => {
    const w = stuckWorld();
    const plan = decide({ ...w, instances: [...w.instances, instance(3, "", { createdAt: now - 5 })] });
    assert.equal(plan.status.endpoint.record?.status ?? "Updating", "Updating");
  });

  it("takes the instance back into service when the variant wants it again, and the reason goes", () => {
    const raised = endpoint(2, { status: "Updating", lastModifiedAt: now - 10, failureReason: "Cannot release instance ep.AllTraffic.g1.2 of variant …" });
    const plan = decide(stuckWorld(raised));
    assert.deepEqual(
      plan.instances.undrain.map((u) => u.id),
      ["ep.AllTraffic.g1.2"],
    );
    assert.deepEqual(plan.instances.create, []);
    assert.equal(plan.status.endpoint.record?.status, "InService");
    assert.equal(plan.status.endpoint.record?.failureReason, undefined);
  });

  it("lets the instance go once its copies are no longer wanted, keeping the reason only while that is under way", () => {
    const reason = "Cannot release instance ep.AllTraffic.g1.2 of variant …";
    const w = stuckWorld(endpoint(1, { failureReason: reason }));
    const unwanted = w.components.map((c) => (c.name === "talk" ? { ...c, desiredCopyCount: 0 } : c));
    const stopping = decide({ ...w, components: unwanted });
    assert.deepEqual(
      stopping.copies.drain.map((d) => d.id),
      ["talk-1"],
    );
    assert.equal(stopping.status.endpoint.record, undefined, "the endpoint is left as it is while the copy stops");
    // The copy has stopped (its status is gone): nothing holds the instance, and the reason goes.
    const stopped = decide({
      ...w,
      components: unwanted,
      copies: w.copies.map((c) => (c.id === "talk-1" ? { ...c, state: "Draining" as const } : c)),
      statuses: new Map([...w.statuses].filter(([id]) => id !== "talk-1")),
    });
    assert.deepEqual(stopped.forget, ["talk-1"]);
    assert.equal(stopped.status.endpoint.record?.status, "InService");
    assert.equal(stopped.status.endpoint.record?.failureReason, undefined);
    const gone = decide({ ...w, components: unwanted, copies: w.copies.filter((c) => c.id !== "talk-1") });
    assert.deepEqual(
      gone.instances.terminate.map((t) => t.id),
      ["ep.AllTraffic.g1.2"],
    );
  });
});

describe("managed instance scaling and the endpoint's status", () => {
  const managed = (instances: number, status: "InService" | "Creating") => {
    const ep = endpoint(instances, { status });
    ep.current.config.ProductionVariants[0]!.ManagedInstanceScaling = { Status: "ENABLED", MinInstanceCount: 1, MaxInstanceCount: 3 };
    return ep;
  };

  const gpuChat = () => {
    const chat = inService("chat", 2);
    return { ...chat, resolved: { ...chat.resolved, needs: { ...chat.resolved.needs, accelerators: 1 } } };
  };

  it("makes an InService endpoint Updating when it adds an instance for copies that do not fit", () => {
    const only = instance(1, "agent-a");
    const chat = gpuChat();
    const copies = [copyOf(chat, 1, only)];
    const plan = decide(
      world({
        endpoint: managed(1, "InService"),
        instances: [only],
        components: [chat],
        copies,
        statuses: new Map([[copies[0]!.id, ready(copies[0]!, "10.0.0.1")]]),
      }),
    );
    const written = plan.status.endpoint.record ?? plan.endpoint;
    assert.equal(written?.status, "Updating");
    assert.equal(written?.current.variants.AllTraffic!.desiredInstanceCount, 2);
    assert.equal(written?.lastModifiedAt, now);
  });

  it("leaves a Creating endpoint Creating when it adds an instance", () => {
    const only = instance(1, "agent-a");
    const chat = gpuChat();
    const plan = decide(world({ endpoint: managed(1, "Creating"), instances: [only], components: [chat] }));
    const written = plan.status.endpoint.record ?? plan.endpoint;
    assert.equal(written?.status, "Creating");
  });
});

describe("an endpoint RollingBack", () => {
  it("stays RollingBack while an instance of the abandoned configuration remains, then is InService", () => {
    const ep = endpoint(1, { status: "RollingBack", failureReason: "Update to endpoint configuration 'cfg2' was rolled back: …" });
    const leftover = instance(1, "agent-b", { id: "ep-AllTraffic-g2-1", generation: 2, state: "Draining" });
    const rolling = decide(world({ endpoint: ep, instances: [instance(1, "agent-a"), leftover] }));
    assert.equal(rolling.status.endpoint.record?.status ?? "RollingBack", "RollingBack");
    const done = decide(world({ endpoint: ep, instances: [instance(1, "agent-a")] }));
    assert.equal(done.status.endpoint.record?.status, "InService");
    assert.match(done.status.endpoint.record!.failureReason!, /was rolled back/);
  });
});

describe("an inference component whose copies never pass /ping", () => {
  for (const status of ["Creating", "Updating"] as const) {
    it(`goes from ${status} to Failed once ContainerStartupHealthCheckTimeoutInSeconds has passed, not before`, () => {
      const only = instance(1, "agent-a");
      const chat = { ...inService("chat", 1), status, lastModifiedAt: now - 60_000 };
      const copy = copyOf(chat, 1, only);
      const seen = (at: number) =>
        decide(
          world({ endpoint: endpoint(1), instances: [only], components: [chat], copies: [copy], statuses: new Map([[copy.id, starting(copy.id)]]), now: at }),
        );
      const deadline = chat.lastModifiedAt + chat.resolved.startupTimeoutSeconds * 1000;
      assert.equal(seen(deadline - 1).status.components.find((c) => c.name === "chat")?.status, undefined);
      const failed = seen(deadline).status.components.find((c) => c.name === "chat");
      assert.equal(failed?.status, "Failed");
      assert.match(failed!.failureReason!, /^No copy passed its \/ping health check within ContainerStartupHealthCheckTimeoutInSeconds/);
    });
  }
});
