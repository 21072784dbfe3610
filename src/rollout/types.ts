import type { RolloutState } from "../domain/resources.js";

export interface RolloutObservation {
  /** The component's desired copy count. */
  desired: number;
  newActive: number;
  newReady: number;
  oldActive: number;
  oldReady: number;
  /** Old copies already stopped that still serve their open stateful sessions (up to the session drain limit). */
  oldHoldingSessions?: number;
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
