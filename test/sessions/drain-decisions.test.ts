import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CopyRecord, RolloutPolicy } from "../../src/domain/resources.js";
import { ConfigError, loadConfig } from "../../src/config/config.js";
import { startRollout, stepRollout } from "../../src/rollout/decide.js";
import { copyOf, decide, endpoint, inService, instance, now, ready, world } from "../controllers/endpoint-builders.js";

/** The endpoint controller's pure decision about copies being stopped while they hold stateful sessions. */
describe("session drain decisions", () => {
  const host = instance(1, "host-a");
  const chat = inService("chat", 1);
  const [one, two] = [copyOf(chat, 1, host), copyOf(chat, 2, host)];
  const statuses = new Map([one, two].map((c) => [c.id, ready(c, "10.0.0.1")]));
  const base = { endpoint: endpoint(1), instances: [host], components: [chat], statuses };

  it("stops a copy with open sessions only after keeping it for them, up to the limit", () => {
    const plan = decide(
      world({
        ...base,
        copies: [one, two],
        openSessions: new Map([
          [one.id, 1],
          [two.id, 2],
        ]),
        sessionsEndAt: new Map([
          [one.id, now + 5_000],
          [two.id, now + 90_000],
        ]),
      }),
    );
    const stopped = plan.copies.drain.map((d) => d.id);
    assert.equal(stopped.length, 1);
    assert.equal(plan.sessionDrain.hold.get(stopped[0]!), now + 60_000, "held for the 60 s default limit");
    // Looked at again when its last session expires, if that comes before the limit.
    assert.equal(plan.sessionDrain.wakeAt, Math.min(now + 60_000, stopped[0] === one.id ? now + 5_000 : now + 90_000));
  });

  it("does not hold a copy without open sessions", () => {
    const plan = decide(world({ ...base, copies: [one, two], openSessions: new Map([[two.id, 1]]) }));
    assert.deepEqual(
      plan.copies.drain.map((d) => d.id),
      [one.id],
      "the copy without sessions is the one stopped",
    );
    assert.equal(plan.sessionDrain.hold.size, 0);
    assert.equal(plan.sessionDrain.wakeAt, undefined);
  });

  const held = (until: number): CopyRecord => ({ ...two, state: "Draining", sessionsDrainUntil: until });

  it("keeps a held copy while its sessions are open and the limit has not passed", () => {
    const plan = decide(world({ ...base, copies: [one, held(now + 10_000)], openSessions: new Map([[two.id, 1]]) }));
    assert.deepEqual(plan.sessionDrain.release, []);
    assert.equal(plan.sessionDrain.wakeAt, now + 10_000);
  });

  it("lets a held copy stop once its sessions end, or once the limit passes", () => {
    const ended = decide(world({ ...base, copies: [one, held(now + 10_000)], openSessions: new Map() }));
    assert.deepEqual(ended.sessionDrain.release, [{ id: two.id, reason: "its stateful sessions ended" }]);
    const late = decide(world({ ...base, copies: [one, held(now)], openSessions: new Map([[two.id, 3]]) }));
    assert.deepEqual(late.sessionDrain.release, [{ id: two.id, reason: "the session drain limit passed with 3 stateful sessions open" }]);
  });

  it("does not hold the copies of a component being deleted", () => {
    const deleting = { ...chat, status: "Deleting" as const };
    const plan = decide(world({ ...base, components: [deleting], copies: [one], openSessions: new Map([[one.id, 1]]) }));
    assert.deepEqual(
      plan.copies.drain.map((d) => d.id),
      [one.id],
    );
    assert.equal(plan.sessionDrain.hold.size, 0);
  });

  it("starts a rolling update's next batch only once the stopped old copies' sessions have ended", () => {
    const policy: RolloutPolicy = { kind: "rolling", batchSize: 1, rollbackBatchSize: 1, waitMs: 0, timeoutMs: 600_000, alarms: [] };
    const state = { ...startRollout(policy, chat.resolved, { ...chat.resolved, version: 2 }, 2, 0), phase: "baking" as const, targetOld: 1, bakeUntil: 0 };
    const seen = { desired: 2, newActive: 1, newReady: 1, oldActive: 1, oldReady: 1, alarmsFiring: [], now: 1 };
    const waiting = stepRollout(state, { ...seen, oldHoldingSessions: 1 });
    assert.equal(waiting.state, state);
    assert.match(waiting.reason, /stateful sessions of 1 stopped old copy/);
    assert.equal(stepRollout(state, seen).state.targetNew, 2, "without held copies the next batch starts");
  });

  it("reads the limit from sessionDrainSeconds: 60 by default, 0 to stop at once", () => {
    assert.equal(loadConfig({ env: {} }).sessionDrainSeconds, 60);
    assert.equal(loadConfig({ env: {}, flags: { sessionDrainSeconds: 0 } }).sessionDrainSeconds, 0);
    assert.equal(loadConfig({ env: {}, flags: { sessionDrainSeconds: "2m" as unknown as number } }).sessionDrainSeconds, 120);
    assert.throws(() => loadConfig({ env: {}, flags: { sessionDrainSeconds: -1 } }), ConfigError);
  });
});
