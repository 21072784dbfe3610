import type { RolloutState } from "../domain/resources.js";

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
