import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { ResolvedSpec, RolloutPolicy, RolloutState } from "../../src/domain/resources.js";
import { startRollout, stepRollout } from "../../src/rollout/decide.js";
import type { RolloutObservation } from "../../src/rollout/types.js";

const spec = (version: number): ResolvedSpec => ({
  version,
  image: "berth/echo",
  environment: { V: String(version) },
  needs: { accelerators: 1, cpuMillis: 1000, memoryMiB: 1024 },
  strategy: "SPREAD",
  startupTimeoutSeconds: 60,
  downloadTimeoutSeconds: 60,
});

const rolling = (batch: number, rollbackBatch = 100, waitMs = 1000): RolloutPolicy => ({
  kind: "rolling",
  batchSize: batch,
  rollbackBatchSize: rollbackBatch,
  waitMs,
  timeoutMs: 600_000,
  alarms: ["errors"],
});

/** A tiny world where copies become ready one step after they are wanted, and drained copies leave at once. */
function run(state: RolloutState, desired: number, options: { failNew?: boolean; alarmAt?: number; maxSteps?: number } = {}) {
  let newActive = 0;
  let newReady = 0;
  let oldActive = desired;
  let oldReady = desired;
  let now = 0;
  const history: { targetNew: number; targetOld: number; newReady: number; oldReady: number; phase: string }[] = [];
  for (let step = 0; step < (options.maxSteps ?? 200); step++) {
    now += 500;
    const obs: RolloutObservation = {
      desired,
      newActive,
      newReady,
      oldActive,
      oldReady,
      alarmsFiring: options.alarmAt !== undefined && step === options.alarmAt ? ["errors"] : [],
      newCopyFailure: options.failNew && newActive > newReady ? "GET /ping answered 503" : undefined,
      now,
    };
    const result = stepRollout(state, obs);
    state = result.state;
    history.push({ targetNew: state.targetNew, targetOld: state.targetOld, newReady, oldReady, phase: state.phase });
    if (result.outcome.kind !== "continue") return { outcome: result.outcome, history, state };
    newReady = options.failNew ? 0 : Math.min(newActive, state.targetNew);
    newActive = state.targetNew;
    oldReady = Math.min(oldActive, state.targetOld);
    oldActive = state.targetOld;
  }
  throw new Error("rollout did not finish");
}

describe("rollout decisions", () => {
  it("replaces copies batch by batch and completes", () => {
    const { outcome, history } = run(startRollout(rolling(1), spec(1), spec(2), 4, 0), 4);
    assert.equal(outcome.kind, "completed");
    const news = [...new Set(history.map((h) => h.targetNew))];
    assert.deepEqual(news, [1, 2, 3, 4], "one new copy per batch");
  });

  it("never wants more than one batch of extra copies", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 6 }), (desired, batch) => {
        const { outcome, history, state } = run(startRollout(rolling(batch), spec(1), spec(2), desired, 0), desired);
        assert.equal(outcome.kind, "completed");
        for (const h of history) assert.ok(h.targetNew + h.targetOld <= desired + Math.min(batch, desired), JSON.stringify(h));
        assert.ok(state.peakExtra <= Math.min(batch, desired));
        for (const h of history) assert.ok(h.newReady + h.oldReady >= desired, "serving capacity never drops below the desired count");
      }),
    );
  });

  it("brings up the full new set first for blue/green, then drains the old", () => {
    const policy: RolloutPolicy = { ...rolling(1), kind: "blue-green" };
    const { outcome, history } = run(startRollout(policy, spec(1), spec(2), 3, 0), 3);
    assert.equal(outcome.kind, "completed");
    assert.deepEqual(history[0], { targetNew: 3, targetOld: 3, newReady: 0, oldReady: 3, phase: "starting-batch" });
    assert.ok(history.some((h) => h.targetNew === 3 && h.targetOld === 0));
  });

  it("rolls back when an alarm fires during the bake", () => {
    const { outcome, state } = run(startRollout(rolling(1), spec(1), spec(2), 4, 0), 4, { alarmAt: 3 });
    assert.equal(outcome.kind, "rolled-back");
    assert.match(outcome.kind === "rolled-back" ? outcome.reason : "", /alarm errors went into ALARM/);
    assert.equal(state.targetNew, 0);
    assert.equal(state.targetOld, 4);
  });

  it("rolls back when new copies never pass their health checks, without dropping old ones first", () => {
    const { outcome, history } = run(startRollout(rolling(2), spec(1), spec(2), 4, 0), 4, { failNew: true });
    assert.equal(outcome.kind, "rolled-back");
    for (const h of history) assert.equal(h.targetOld, 4, "old copies are never drained while the batch is unhealthy");
  });

  it("restores old copies in rollback batches", () => {
    const start = startRollout(rolling(4, 1), spec(1), spec(2), 4, 0);
    const { outcome, history } = run(start, 4, { alarmAt: 4 });
    assert.equal(outcome.kind, "rolled-back");
    const olds = history.filter((h) => h.phase === "rolling-back").map((h) => h.targetOld);
    assert.deepEqual([...new Set(olds)], [1, 2, 3, 4]);
  });

  it("rolls back when the deadline passes", () => {
    const state = startRollout({ ...rolling(1), timeoutMs: 1000 }, spec(1), spec(2), 2, 0);
    const step = stepRollout(state, { desired: 2, newActive: 1, newReady: 0, oldActive: 2, oldReady: 2, alarmsFiring: [], now: 5000 });
    assert.equal(step.state.phase, "rolling-back");
    assert.match(step.reason, /MaximumExecutionTimeoutInSeconds/);
  });
});
