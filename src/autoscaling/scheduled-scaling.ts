import type { ScheduledActionRecord } from "./records.js";
import { latestRun, parseSchedule, type ZoneOffset } from "./schedule.js";
import type { TimeScale } from "../util/time-scale.js";

export interface DueAction {
  action: ScheduledActionRecord;
  /** The run, on the action's schedule clock. */
  runAt: number;
}

/**
 * The scheduled actions due now, in the order of their runs. An action that missed several runs (Berth
 * was down, or the pass came late) runs once, for the latest of them. Pure.
 */
export function dueActions(actions: ScheduledActionRecord[], now: number, scale: TimeScale, zoneOf: (name: string) => ZoneOffset): DueAction[] {
  const due: DueAction[] = [];
  for (const action of actions) {
    const parsed = parseSchedule(action.schedule);
    if (!parsed.ok) continue;
    const runAt = latestRun(parsed.schedule, {
      after: action.lastRunAt ?? action.putAt,
      upTo: scale.scheduleTime(now, action.putAt),
      offset: zoneOf(action.timezone ?? "UTC"),
      start: action.startTime,
      end: action.endTime,
      rateOrigin: action.putAt,
    });
    if (runAt !== undefined) due.push({ action, runAt });
  }
  return due.sort((a, b) => a.runAt - b.runAt || (a.action.name < b.action.name ? -1 : 1));
}
