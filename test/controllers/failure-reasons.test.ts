import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ComponentRecord, CopyStatusRecord } from "../../src/domain/resources.js";
import { component } from "../state/builders.js";
import { copyOf, decide, endpoint, instance, now, world } from "./endpoint-builders.js";

// What a component's FailureReason says while its copies are restarted (pure decision).

const timedOut = "No copy passed its /ping health check within ContainerStartupHealthCheckTimeoutInSeconds (60 s).";

function starting(copyId: string): CopyStatusRecord {
  return { copyId, phase: "Starting", restarts: 0, since: 1 };
}

function planFor(chat: ComponentRecord) {
  const host = instance(1, "agent-a");
  const copy = copyOf(chat, 1, host);
  const plan = decide(
    world({
      endpoint: endpoint(1),
      components: [chat],
      instances: [host],
      copies: [copy],
      statuses: new Map([[copy.id, starting(copy.id)]]),
      liveHosts: new Set(["agent-a"]),
    }),
  );
  return plan.status.components.find((c) => c.name === "chat");
}

describe("a component's FailureReason while its copy starts again", () => {
  it("keeps the reason a Failed component failed with, where the copy has no error of its own yet", () => {
    const failed: ComponentRecord = {
      ...component("chat", "ep"),
      status: "Failed",
      failureReason: timedOut,
      nextCopyOrdinal: 2,
      lastModifiedAt: now - 120_000,
    };
    const change = planFor(failed);
    assert.notEqual(change?.failureReason, null, "a Failed component is never left without a FailureReason");
    assert.equal(change?.status, undefined, "it stays Failed");
  });

  it("still clears a stale reason of a component that is Creating", () => {
    const creating: ComponentRecord = { ...component("chat", "ep"), failureReason: "an old reason", nextCopyOrdinal: 2, lastModifiedAt: now };
    assert.equal(planFor(creating)?.failureReason, null);
  });
});
