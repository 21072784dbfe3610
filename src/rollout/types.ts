import type { ResolvedSpec } from "../domain/resources.js";

/** How a component moves from one specification to another, as stored in its record while it runs. */
export interface RolloutPolicy {
  kind: "rolling" | "blue-green";
  /** Copies started per batch (rolling). */
  batchSize: number;
  /** Copies restored per batch when rolling back. */
  rollbackBatchSize: number;
  /** Bake time after each batch, real ms. */
  waitMs: number;
  /** Whole-deployment deadline, real ms from the start. */
  timeoutMs: number;
  /** CloudWatch alarms that roll the update back when in ALARM. */
  alarms: string[];
}

export type RolloutPhase = "starting-batch" | "baking" | "rolling-back";

export interface RolloutState {
  policy: RolloutPolicy;
  /** The specification being replaced; old copies run it, and a rollback returns to it. */
  from: ResolvedSpec;
  /** The specification being deployed. */
  to: ResolvedSpec;
  phase: RolloutPhase;
  startedAt: number;
  /** Copies of the new specification wanted now. */
  targetNew: number;
  /** Copies of the old specification wanted now. */
  targetOld: number;
  bakeUntil?: number;
  /** Why the update is rolling back. */
  rollbackReason?: string;
  /** The most extra copies (beyond the desired count) wanted at any moment, for the record. */
  peakExtra: number;
}

export interface RolloutObservation {
  /** The component's desired copy count. */
  desired: number;
  newActive: number;
  newReady: number;
  oldActive: number;
  oldReady: number;
  /** A new copy that cannot start (terminal error, or no health check passed within the startup timeout). */
  newCopyFailure?: string;
  /** Names of the policy's alarms that are in ALARM now. */
  alarmsFiring: string[];
  now: number;
}

export type RolloutOutcome = { kind: "continue" } | { kind: "completed"; reason: string } | { kind: "rolled-back"; reason: string };

export interface RolloutStep {
  state: RolloutState;
  outcome: RolloutOutcome;
  /** What changed and why, for logs and the component's status text. */
  reason: string;
}
