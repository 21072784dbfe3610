import type { ActionRegistry } from "../../controllers/alarms/actions.js";
import type { AlarmTransition } from "../../alarms/types.js";
import type { Account } from "../../domain/arn.js";
import type { CustomMetricsWriter, MetricsReader, MetricsWriter } from "../../metrics/types.js";
import { type BerthStore } from "../../state/records.js";
import type { Clock } from "../../util/clock.js";
import type { TimeScale } from "../../util/time-scale.js";

/** What the CloudWatch operations need; the composition root (src/server/monitoring.ts) builds it once. */
export interface CloudWatchDeps {
  store: BerthStore;
  account: Account;
  clock: Clock;
  timeScale: TimeScale;
  reader: MetricsReader;
  /** PutMetricData writes through recordCustom, which holds its series to limits.maxCustomMetricSeries. */
  writer: MetricsWriter & CustomMetricsWriter;
  /** Decides which action ARNs PutMetricAlarm accepts. */
  actions: ActionRegistry;
  /** Runs the actions of a state change made by SetAlarmState (in the background). */
  onTransition?: (actions: string[], transition: AlarmTransition) => void;
  /** How long metrics are kept, real ms: PutMetricData refuses older timestamps. */
  retentionMs: number;
}
