import type { MetricAlarmConfig } from "../../alarms/alarm-config.js";
import { keys } from "../../state/keys.js";
import { put, unchanged, type Op } from "../../state/records.js";
import { withConflictRetry } from "../../state/retry.js";
import type { CloudWatchDeps } from "./deps.js";

/**
 * EnableAlarmActions / DisableAlarmActions: sets ActionsEnabled on each named alarm in one commit. The
 * alarm keeps evaluating and changing state; with actions disabled no action runs, neither on a state
 * change (evaluation or SetAlarmState) nor the repeats of scaling actions. Names that are no alarm are
 * skipped, as the service model declares no error for them.
 */
export async function setAlarmActions(deps: Pick<CloudWatchDeps, "store">, input: { AlarmNames: string[] }, enabled: boolean): Promise<Record<string, never>> {
  await withConflictRetry(async () => {
    const entries = await Promise.all([...new Set(input.AlarmNames)].map((name) => deps.store.get("alarm", keys.alarm(name))));
    const ops: Op[] = [];
    for (const entry of entries) {
      if (!entry || ((entry.value.config as unknown as MetricAlarmConfig).ActionsEnabled ?? true) === enabled) continue;
      ops.push(put("alarm", entry.key, { ...entry.value, config: { ...entry.value.config, ActionsEnabled: enabled } }, unchanged(entry)));
    }
    if (ops.length > 0) await deps.store.commit(ops);
  });
  return {};
}
