import type { AlarmRecord } from "../../alarms/types.js";
import { absent, del, put, unchanged, type Op } from "../../state/records.js";
import { withConflictRetry } from "../../state/retry.js";
import { checkAlarmInput, type PutMetricAlarmInput } from "./alarm-input.js";
import { nextRecord } from "./alarms.js";
import type { CloudWatchDeps } from "./deps.js";
import { keys } from "../../state/keys.js";

type ManagedDeps = Pick<CloudWatchDeps, "store" | "account" | "clock">;

/** A managed alarm's settings: PutMetricAlarm's input (AlarmName, metric, statistic, period, M-of-N, threshold, operator, actions). */
export type ManagedAlarmInput = PutMetricAlarmInput;

/**
 * Creates or replaces the alarms another subsystem manages (Application Auto Scaling's target-tracking
 * AlarmHigh/AlarmLow), marked with `managedBy` (the policy ARN), in one atomic write. The settings are
 * checked as PutMetricAlarm checks them, except that action ARNs are the manager's business.
 */
export async function putManagedAlarms(deps: ManagedDeps, alarms: ManagedAlarmInput[], managedBy: string): Promise<{ AlarmName: string; AlarmARN: string }[]> {
  const configs = alarms.map((alarm) => ({ name: alarm.AlarmName, config: checkAlarmInput(alarm) }));
  const records = await withConflictRetry(async () => {
    const ops: Op[] = [];
    const out: AlarmRecord[] = [];
    for (const { name, config } of configs) {
      const existing = await deps.store.get("alarm", keys.alarm(name));
      const record = await nextRecord(deps, name, config, existing, managedBy);
      ops.push(put("alarm", keys.alarm(name), record, existing ? unchanged(existing) : absent));
      out.push(record);
    }
    if (ops.length > 0) await deps.store.commit(ops);
    return out;
  });
  return records.map((r) => ({ AlarmName: r.name, AlarmARN: r.arn }));
}

/** One managed alarm; see putManagedAlarms. */
export async function putManagedAlarm(deps: ManagedDeps, alarm: ManagedAlarmInput, managedBy: string): Promise<{ AlarmName: string; AlarmARN: string }> {
  return (await putManagedAlarms(deps, [alarm], managedBy))[0]!;
}

/** Deletes every alarm managed by `managedBy`; returns their names. */
export async function deleteManagedAlarms(deps: ManagedDeps, managedBy: string): Promise<string[]> {
  return withConflictRetry(async () => {
    const owned = (await deps.store.list("alarm")).filter((e) => e.value.managedBy === managedBy);
    if (owned.length > 0) await deps.store.commit(owned.map((e) => del("alarm", e.key, unchanged(e))));
    return owned.map((e) => e.value.name);
  });
}

/** The alarms by name as stored (for readers such as rollback guards); missing names are left out. */
export async function getAlarms(deps: Pick<CloudWatchDeps, "store">, names: string[]): Promise<AlarmRecord[]> {
  const entries = await Promise.all(names.map((name) => deps.store.get("alarm", keys.alarm(name))));
  return entries.filter((e) => e !== undefined).map((e) => e!.value);
}
