import { alarmArn, allActions, type MetricAlarmConfig } from "../../alarms/alarm-config.js";
import { applyStateChange } from "../../alarms/transition.js";
import type { AlarmRecord, AlarmState } from "../../alarms/types.js";
import { cloudWatchErrors } from "../../domain/errors/cloudwatch.js";
import { absent, del, put, unchanged, type Entry, type Op } from "../../state/records.js";
import { withConflictRetry } from "../../state/retry.js";
import { checkAlarmInput, type PutMetricAlarmInput } from "./alarm-input.js";
import { checkNoControlCharacters } from "./metric-input.js";
import { metricAlarmOutput } from "./alarm-output.js";
import type { CloudWatchDeps } from "./deps.js";
import { decodeToken, encodeToken, fingerprint } from "./tokens.js";
import { keys } from "../../state/keys.js";
import type { Tag } from "../../domain/resources.js";
import { alarmTags, checkedAlarmTags } from "./alarm-tags.js";

/** CloudWatch itself no longer limits alarms; Berth keeps a generous cap so one client cannot flood the store. */
export const maxAlarms = 10_000;

type AlarmDeps = Pick<CloudWatchDeps, "store" | "account" | "clock">;

/**
 * Create-or-update. A new alarm starts INSUFFICIENT_DATA ("Unchecked: Initial alarm creation") and is
 * evaluated at once; an updated alarm keeps its state (as CloudWatch documents) and is re-evaluated at once.
 */
export async function putMetricAlarm(deps: CloudWatchDeps, input: PutMetricAlarmInput): Promise<Record<string, never>> {
  checkNoControlCharacters(input.AlarmName, "AlarmName");
  const config = checkAlarmInput(input, deps.actions);
  const tags = checkedAlarmTags(input.AlarmName, input.Tags);
  await storeAlarm(deps, input.AlarmName, config, undefined, tags);
  return {};
}

/** Writes one alarm's configuration (shared with the alarms Application Auto Scaling manages); `tags` count only when it creates the alarm. */
export async function storeAlarm(deps: AlarmDeps, name: string, config: MetricAlarmConfig, managedBy?: string, tags?: Tag[]): Promise<AlarmRecord> {
  return withConflictRetry(async () => {
    const existing = await deps.store.get("alarm", keys.alarm(name));
    const record = await nextRecord(deps, name, config, existing, managedBy, tags);
    await deps.store.commit([put("alarm", keys.alarm(name), record, existing ? unchanged(existing) : absent)]);
    return record;
  });
}

export async function nextRecord(
  deps: AlarmDeps,
  name: string,
  config: MetricAlarmConfig,
  existing: Entry<AlarmRecord> | undefined,
  managedBy?: string,
  tags?: Tag[],
): Promise<AlarmRecord> {
  const now = deps.clock.now();
  if (existing) {
    // As CloudWatch documents, tags given when updating an alarm are ignored.
    return {
      ...existing.value,
      tags: alarmTags(existing.value),
      config: config as unknown as Record<string, unknown>,
      // Strictly increasing, so the alarm controller notices every update.
      configurationUpdatedAt: Math.max(now, existing.value.configurationUpdatedAt + 1),
      managedBy: managedBy ?? existing.value.managedBy,
    };
  }
  if ((await deps.store.list("alarm")).length >= maxAlarms) throw cloudWatchErrors.tooManyAlarms(maxAlarms);
  return {
    name,
    arn: alarmArn(deps.account, name),
    config: config as unknown as Record<string, unknown>,
    state: "INSUFFICIENT_DATA",
    stateReason: "Unchecked: Initial alarm creation",
    stateUpdatedAt: now,
    stateTransitionedAt: now,
    configurationUpdatedAt: now,
    managedBy,
    tags: tags && tags.length > 0 ? tags : undefined,
  };
}

export interface DescribeAlarmsInput {
  AlarmNames?: string[];
  AlarmNamePrefix?: string;
  AlarmTypes?: string[];
  ChildrenOfAlarmName?: string;
  ParentsOfAlarmName?: string;
  StateValue?: AlarmState;
  ActionPrefix?: string;
  MaxRecords?: number;
  NextToken?: string;
}

/** Alarm keys are their names: named alarms are read by key, and a name prefix is a key prefix. */
async function candidateAlarms(deps: CloudWatchDeps, input: DescribeAlarmsInput): Promise<AlarmRecord[]> {
  if (input.AlarmNames) {
    const entries = await Promise.all([...new Set(input.AlarmNames)].map((name) => deps.store.get("alarm", keys.alarm(name))));
    return entries.flatMap((e) => (e ? [e.value] : []));
  }
  const prefix = input.AlarmNamePrefix ? keys.alarm(input.AlarmNamePrefix) : undefined;
  return (await deps.store.list("alarm", { prefix })).map((e) => e.value);
}

/** Metric alarms only (Berth has no composite alarms), sorted by name, MaxRecords (default 50) per page. */
export async function describeAlarms(deps: CloudWatchDeps, input: DescribeAlarmsInput) {
  if (input.AlarmNames && input.AlarmNamePrefix !== undefined) throw cloudWatchErrors.alarmNamesAndPrefix();
  const wantsMetric = !input.AlarmTypes || input.AlarmTypes.includes("MetricAlarm");
  if (!wantsMetric || input.ChildrenOfAlarmName !== undefined || input.ParentsOfAlarmName !== undefined) return { MetricAlarms: [], CompositeAlarms: [] };
  const names = input.AlarmNames ? new Set(input.AlarmNames) : undefined;
  const filter = fingerprint([input.AlarmNames, input.AlarmNamePrefix, input.StateValue, input.ActionPrefix]);
  let alarms = (await candidateAlarms(deps, input))
    .filter((a) => {
      if (names && !names.has(a.name)) return false;
      if (input.AlarmNamePrefix !== undefined && !a.name.startsWith(input.AlarmNamePrefix)) return false;
      if (input.StateValue !== undefined && a.state !== input.StateValue) return false;
      if (input.ActionPrefix !== undefined && !allActions(a.config as unknown as MetricAlarmConfig).some((arn) => arn.startsWith(input.ActionPrefix!)))
        return false;
      return true;
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (input.NextToken !== undefined) {
    const cursor = decodeToken<{ after: string; filter: string }>(input.NextToken, (c) => typeof c.after === "string" && c.filter === filter);
    alarms = alarms.filter((a) => a.name > cursor.after);
  }
  const max = input.MaxRecords ?? 50;
  const page = alarms.slice(0, max);
  const nextToken = alarms.length > max ? encodeToken({ after: page[page.length - 1]!.name, filter }) : undefined;
  return { MetricAlarms: page.map(metricAlarmOutput), CompositeAlarms: [], NextToken: nextToken };
}

/** All or nothing: if any name is not an alarm, ResourceNotFound names them and no alarm is deleted. */
export async function deleteAlarms(deps: CloudWatchDeps, input: { AlarmNames: string[] }): Promise<Record<string, never>> {
  await withConflictRetry(async () => {
    const names = [...new Set(input.AlarmNames)];
    const entries = await Promise.all(names.map((name) => deps.store.get("alarm", keys.alarm(name))));
    const missing = names.filter((_, i) => !entries[i]);
    if (missing.length > 0) throw cloudWatchErrors.alarmsNotFound(missing);
    const ops: Op[] = entries.map((e) => del("alarm", e!.key, unchanged(e!)));
    if (ops.length > 0) await deps.store.commit(ops);
  });
  return {};
}

export interface SetAlarmStateInput {
  AlarmName: string;
  StateValue: AlarmState;
  StateReason: string;
  StateReasonData?: string;
}

/** Sets the state until the next evaluation; the entered state's actions run (in the background) if the state changed. */
export async function setAlarmState(deps: CloudWatchDeps, input: SetAlarmStateInput): Promise<Record<string, never>> {
  let reasonData: unknown;
  if (input.StateReasonData !== undefined) {
    try {
      reasonData = JSON.parse(input.StateReasonData);
    } catch (error) {
      throw cloudWatchErrors.invalidReasonData((error as Error).message);
    }
  }
  const { record, actions, previous } = await withConflictRetry(async () => {
    const entry = await deps.store.get("alarm", keys.alarm(input.AlarmName));
    if (!entry) throw cloudWatchErrors.alarmNotFound(input.AlarmName);
    const change = applyStateChange(entry.value, {
      state: input.StateValue,
      reason: input.StateReason,
      reasonData: input.StateReasonData,
      now: deps.clock.now(),
    });
    await deps.store.commit([put("alarm", entry.key, change.record, unchanged(entry))]);
    return { ...change, previous: entry.value.state };
  });
  const aggregates = valuesFrom(reasonData);
  deps.onTransition?.(actions, { alarm: record, previous, value: aggregates?.Average, aggregates });
  return {};
}

/**
 * As for CloudWatch, a scaling policy triggered by SetAlarmState takes its metric value from
 * StateReasonData: the recentDatapoints list, when the caller gives one.
 */
function valuesFrom(reasonData: unknown): { Average: number; Minimum: number; Maximum: number } | undefined {
  const recent = (reasonData as { recentDatapoints?: unknown } | undefined)?.recentDatapoints;
  if (!Array.isArray(recent) || recent.length === 0 || !recent.every((v) => typeof v === "number" && Number.isFinite(v))) return undefined;
  const values = recent as number[];
  return { Average: values.reduce((a, b) => a + b, 0) / values.length, Minimum: Math.min(...values), Maximum: Math.max(...values) };
}
