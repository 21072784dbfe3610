import { actionsFor, type MetricAlarmConfig } from "./alarm-config.js";
import type { AlarmRecord, AlarmState } from "./types.js";

export interface StateChange {
  state: AlarmState;
  reason: string;
  reasonData?: string;
  now: number;
}

/** The record after a state change, with the entered state's actions (if enabled) marked as run now. */
export function applyStateChange(alarm: AlarmRecord, change: StateChange): { record: AlarmRecord; actions: string[] } {
  const config = alarm.config as unknown as MetricAlarmConfig;
  const changed = change.state !== alarm.state;
  const actions = changed && config.ActionsEnabled !== false ? actionsFor(config, change.state) : [];
  const lastActionAt = { ...(alarm.lastActionAt ?? {}) };
  for (const arn of actions) lastActionAt[arn] = change.now;
  const record: AlarmRecord = {
    ...alarm,
    state: change.state,
    stateReason: change.reason,
    stateReasonData: change.reasonData,
    stateUpdatedAt: change.now,
    stateTransitionedAt: changed ? change.now : (alarm.stateTransitionedAt ?? alarm.stateUpdatedAt),
    lastActionAt: Object.keys(lastActionAt).length > 0 ? lastActionAt : undefined,
  };
  return { record, actions };
}
