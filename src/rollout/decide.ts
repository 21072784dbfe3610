import type { ResolvedSpec, RolloutPolicy, RolloutState } from "../domain/resources.js";
import type { RolloutObservation, RolloutStep } from "./types.js";

/** The first step of an update: start the first batch (rolling) or the whole new set (blue/green). */
export function startRollout(policy: RolloutPolicy, from: ResolvedSpec, to: ResolvedSpec, desired: number, now: number): RolloutState {
  const targetNew = policy.kind === "blue-green" ? desired : Math.min(policy.batchSize, desired);
  return { policy, from, to, phase: "starting-batch", startedAt: now, targetNew, targetOld: desired, peakExtra: targetNew };
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function rollBack(state: RolloutState, obs: RolloutObservation, reason: string): RolloutStep {
  // The copies of a failed batch go at once; ready new copies keep serving until old ones are back.
  const targetNew = Math.min(state.targetNew, obs.newReady);
  const targetOld = Math.min(obs.desired, obs.oldActive + state.policy.rollbackBatchSize);
  const next: RolloutState = {
    ...state,
    phase: "rolling-back",
    targetNew,
    targetOld: Math.max(targetOld, obs.desired - targetNew),
    rollbackReason: reason,
    bakeUntil: undefined,
  };
  return { state: track(next, obs.desired), outcome: { kind: "continue" }, reason: `rolling back: ${reason}` };
}

function track(state: RolloutState, desired: number): RolloutState {
  return { ...state, peakExtra: Math.max(state.peakExtra, state.targetNew + state.targetOld - desired) };
}

/**
 * One step of a rolling or blue/green update, a pure function of the rollout so far and what is
 * observed now. New copies take traffic only once healthy; a batch's worth of old copies drains only
 * after the batch is healthy, so at most one batch of extra capacity is used. An alarm in ALARM, a new
 * copy that cannot start, or the deadline rolls the update back in rollback batches.
 */
export function stepRollout(state: RolloutState, obs: RolloutObservation): RolloutStep {
  const { policy } = state;
  const n = obs.desired;
  if (state.phase !== "rolling-back") {
    if (obs.alarmsFiring.length > 0) return rollBack(state, obs, `alarm ${obs.alarmsFiring.join(", ")} went into ALARM during the update`);
    if (obs.newCopyFailure) return rollBack(state, obs, `a new copy failed its health checks: ${obs.newCopyFailure}`);
    if (obs.now - state.startedAt > policy.timeoutMs)
      return rollBack(state, obs, `the update did not finish within MaximumExecutionTimeoutInSeconds (${seconds(policy.timeoutMs)})`);
  }
  if (state.phase === "starting-batch") {
    if (obs.newReady < state.targetNew)
      return { state, outcome: { kind: "continue" }, reason: `waiting for ${state.targetNew - obs.newReady} new copies to pass their health checks` };
    const targetOld = policy.kind === "blue-green" ? 0 : Math.max(0, n - state.targetNew);
    const next: RolloutState = { ...state, phase: "baking", targetOld, bakeUntil: obs.now + policy.waitMs };
    return {
      state: next,
      outcome: { kind: "continue" },
      reason: `${state.targetNew} of ${n} new copies healthy and taking traffic; draining old copies down to ${targetOld}, then baking for ${seconds(policy.waitMs)}`,
    };
  }
  if (state.phase === "baking") {
    if (obs.now < (state.bakeUntil ?? 0) || obs.oldActive > state.targetOld) return { state, outcome: { kind: "continue" }, reason: "baking" };
    // A stopped old copy still serving its sessions holds its capacity: the next batch waits for it, so one batch stays the most extra.
    const holding = obs.oldHoldingSessions ?? 0;
    if (holding > 0)
      return {
        state,
        outcome: { kind: "continue" },
        reason: `waiting for the stateful sessions of ${holding} stopped old cop${holding === 1 ? "y" : "ies"} to end`,
      };
    if (state.targetNew >= n) return { state, outcome: { kind: "completed", reason: `all ${n} copies run the new specification` }, reason: "update completed" };
    const next = track({ ...state, phase: "starting-batch", targetNew: Math.min(n, state.targetNew + policy.batchSize), bakeUntil: undefined }, n);
    return { state: next, outcome: { kind: "continue" }, reason: `starting the next batch: ${next.targetNew} of ${n} new copies` };
  }
  if (obs.oldReady < state.targetOld)
    return { state, outcome: { kind: "continue" }, reason: `rolling back: waiting for ${state.targetOld - obs.oldReady} old copies to be healthy again` };
  const targetNew = Math.max(0, n - state.targetOld);
  if (state.targetOld >= n && obs.newActive === 0) {
    return { state: { ...state, targetNew: 0 }, outcome: { kind: "rolled-back", reason: state.rollbackReason ?? "rolled back" }, reason: "rollback completed" };
  }
  const targetOld = obs.newActive <= targetNew ? Math.min(n, state.targetOld + policy.rollbackBatchSize) : state.targetOld;
  return { state: track({ ...state, targetNew, targetOld }, n), outcome: { kind: "continue" }, reason: `rolling back: ${targetOld} of ${n} old copies wanted` };
}
