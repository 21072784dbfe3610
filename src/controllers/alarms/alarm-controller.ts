import { nextPeriodClose } from "../../metrics/periods.js";
import { gathered, type MetricsReader } from "../../metrics/types.js";
import { changes, put, StoreConflictError, unchanged, type BerthStore, type ChangeEvent, type ReadEntry } from "../../state/records.js";
import { keys } from "../../state/keys.js";
import { asRead, WatchedEntries } from "../../state/watched-entries.js";
import type { Clock } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import type { TimeScale } from "../../util/time-scale.js";
import { ActionRegistry, runActions } from "./actions.js";
import { actionsFor, alarmPeriodSeconds, type MetricAlarmConfig } from "../../alarms/alarm-config.js";
import { alarmScope, alarmWindow, type AlarmWindow } from "../../alarms/alarm-window.js";
import { BerthError } from "../../domain/errors/berth-error.js";
import { evaluateAlarm } from "../../alarms/evaluate.js";
import { applyStateChange } from "../../alarms/transition.js";
import type { AlarmActionHandler, AlarmRecord, AlarmTransition } from "../../alarms/types.js";
import type { Controller } from "../runtime/controllers.js";
import { againAfter, done, type PassOutcome } from "../runtime/outcome.js";
import type { WorkQueue } from "../runtime/work-queue.js";

export interface AlarmControllerOptions {
  store: BerthStore;
  reader: MetricsReader;
  clock: Clock;
  log: Logger;
  timeScale: TimeScale;
  actions?: ActionRegistry;
  /** Runs before each evaluation, so the recorder can close the buckets that just ended. */
  beforeEvaluate?: (now: number) => void;
}

interface Scheduled {
  dueAt: number;
  configuredAt: number;
}

/**
 * Evaluates every alarm once per its Period, just after each period ends (real time
 * timeScale.ms(Period)), over the last EvaluationPeriods complete periods. State changes are written
 * with compare-and-set; then the entered state's actions run. Actions whose handler repeats (scaling
 * policies) run again every period while the alarm stays in the state. A new or reconfigured alarm is
 * evaluated at once. Keyed by alarm name; the runtime's queue times the evaluations.
 */
export class AlarmController implements Controller {
  readonly name = "alarms";
  readonly actions: ActionRegistry;
  readonly #options: AlarmControllerOptions;
  readonly #scheduled = new Map<string, Scheduled>();
  readonly #pending = new Set<Promise<void>>();
  #queue?: WorkQueue;
  /** While the controllers run, the alarms as the store's watch keeps them: an evaluation reads its alarm here. */
  #alarms?: WatchedEntries<"alarm", ReadAlarm>;

  constructor(options: AlarmControllerOptions) {
    this.#options = options;
    this.actions = options.actions ?? new ActionRegistry();
  }

  registerActionHandler(handler: AlarmActionHandler): () => void {
    return this.actions.register(handler);
  }

  async begin(queue: WorkQueue): Promise<() => void> {
    const { store, clock } = this.#options;
    this.#queue = queue;
    // A view per term: events from before this watch went unseen.
    const alarms = (this.#alarms = watchedAlarms());
    const unwatch = store.watch((events) => this.#onChanges(queue, events));
    const now = clock.now();
    const listed = await store.list("alarm");
    alarms.load(listed);
    for (const entry of listed) {
      if (this.#scheduled.has(entry.key)) continue;
      const dueAt = this.#nextDue(entry.value, now);
      this.#scheduled.set(entry.key, { dueAt, configuredAt: entry.value.configurationUpdatedAt });
      queue.enqueueAfter(entry.key, dueAt - now);
    }
    return () => {
      unwatch();
      if (this.#alarms === alarms) this.#alarms = undefined;
      this.#scheduled.clear();
      if (this.#queue === queue) this.#queue = undefined;
    };
  }

  /**
   * Evaluates every alarm now and waits for the actions this runs: through the queue while the
   * controllers run, else pass by pass here (a conflict leaves that alarm to its next evaluation).
   */
  async evaluateNow(): Promise<void> {
    const queue = this.#queue;
    const now = this.#options.clock.now();
    const names: string[] = [];
    for (const entry of await this.#options.store.list("alarm")) {
      this.#scheduled.set(entry.key, { dueAt: now, configuredAt: entry.value.configurationUpdatedAt });
      names.push(entry.key);
    }
    if (queue && !queue.stopped) {
      for (const name of names) queue.enqueue(name);
      return queue.idle();
    }
    for (const name of names) await this.reconcile(name).catch((error) => (StoreConflictError.is(error) ? undefined : Promise.reject(error)));
  }

  /** Runs the actions of a transition made elsewhere (SetAlarmState) in the background. */
  runTransitionActions(arns: string[], transition: AlarmTransition): void {
    if (arns.length === 0) return;
    const run = runActions(this.actions, arns, transition, this.#options.log).finally(() => this.#pending.delete(run));
    this.#pending.add(run);
  }

  /** Waits for the background actions of SetAlarmState. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  async reconcile(name: string): Promise<PassOutcome> {
    const { clock } = this.#options;
    const now = clock.now();
    const key = keys.alarm(name);
    const entry = this.#alarms?.kept.get(key) ?? (await this.#read(key));
    if (!entry) {
      this.#scheduled.delete(name);
      return done;
    }
    let scheduled = this.#scheduled.get(name);
    if (!scheduled) {
      scheduled = { dueAt: now, configuredAt: entry.value.configurationUpdatedAt };
      this.#scheduled.set(name, scheduled);
    }
    if (scheduled.dueAt > now) return againAfter(scheduled.dueAt - now);
    this.#options.beforeEvaluate?.(now);
    // A conflict (the alarm changed while it was evaluated) makes the runtime evaluate again from a fresh read.
    await this.#step(entry, now);
    const dueAt = this.#nextDue(entry.value, now);
    this.#scheduled.set(name, { dueAt, configuredAt: scheduled.configuredAt });
    return againAfter(dueAt - now);
  }

  #onChanges(queue: WorkQueue, events: ChangeEvent[]): void {
    for (const event of changes(events)) {
      if (event.kind !== "alarm") continue;
      this.#alarms?.apply(event);
      if (event.type === "delete") {
        this.#scheduled.delete(event.key);
        continue;
      }
      const alarm = event.value;
      const known = this.#scheduled.get(event.key);
      if (known && known.configuredAt === alarm.configurationUpdatedAt) continue;
      this.#scheduled.set(event.key, { dueAt: this.#options.clock.now(), configuredAt: alarm.configurationUpdatedAt });
      queue.enqueue(event.key);
    }
  }

  #nextDue(alarm: AlarmRecord, now: number): number {
    const { timeScale } = this.#options;
    return nextPeriodClose(now, timeScale.ms(alarmPeriodSeconds(alarm.config as unknown as MetricAlarmConfig)), timeScale);
  }

  async #step(entry: ReadAlarm, now: number): Promise<void> {
    const { reader, timeScale, log } = this.#options;
    const alarm = entry.value;
    const config = alarm.config as unknown as MetricAlarmConfig;
    let window: AlarmWindow;
    try {
      window = alarmWindow(await gathered(reader, alarmScope(config, timeScale, now)), config, timeScale, now);
    } catch (error) {
      // An alarm PutMetricAlarm accepted before a bound it now checks (metric math, datapoints read): the same refusal, as its state.
      if (!BerthError.is(error) || error.httpStatus !== 400) throw error;
      await this.#cannotEvaluate(entry, now, error.message);
      return;
    }
    const result = evaluateAlarm(
      { ...config, Statistic: config.Statistic ?? "expression", Period: alarmPeriodSeconds(config) },
      window.datapoints,
      alarm.state,
      now,
      window,
    );
    const event = { value: result.value?.Average, aggregates: result.value };
    if (result.state !== alarm.state) {
      const { record, actions } = applyStateChange(alarm, { state: result.state, reason: result.reason, reasonData: result.reasonData, now });
      await this.#write(entry, record);
      log.info({ alarm: alarm.name, from: alarm.state, to: record.state }, `alarm ${alarm.name} is now ${record.state}: ${record.stateReason}`);
      await runActions(this.actions, actions, { alarm: record, previous: alarm.state, ...event }, log);
      return;
    }
    if (config.ActionsEnabled === false) return;
    // The alarms Application Auto Scaling manages for a target-tracking policy call a policy Berth's
    // autoscaler evaluates itself every period: running their action again did nothing but rewrite two
    // alarms per autoscaled component every period.
    if (alarm.managedBy !== undefined) return;
    const halfPeriod = timeScale.ms(alarmPeriodSeconds(config)) / 2;
    const repeat = actionsFor(config, alarm.state).filter((arn) => this.actions.repeats(arn) && now - (alarm.lastActionAt?.[arn] ?? -Infinity) >= halfPeriod);
    if (repeat.length === 0) return;
    const record: AlarmRecord = { ...alarm, lastActionAt: { ...(alarm.lastActionAt ?? {}) } };
    for (const arn of repeat) record.lastActionAt![arn] = now;
    await this.#write(entry, record);
    await runActions(this.actions, repeat, { alarm: record, previous: alarm.state, ...event }, log);
  }

  /** INSUFFICIENT_DATA, saying why the alarm's metrics cannot be evaluated and what to do; written once, not every period. */
  async #cannotEvaluate(entry: ReadAlarm, now: number, why: string): Promise<void> {
    const alarm = entry.value;
    const reason = `Unchecked: this alarm's metrics cannot be evaluated: ${why} Update the alarm with PutMetricAlarm.`;
    if (alarm.state === "INSUFFICIENT_DATA" && alarm.stateReason === reason) return;
    const reasonData = JSON.stringify({ version: "1.0", queryDate: new Date(now).toISOString().replace("Z", "+0000") });
    const { record, actions } = applyStateChange(alarm, { state: "INSUFFICIENT_DATA", reason, reasonData, now });
    await this.#write(entry, record);
    this.#options.log.warn({ alarm: alarm.name, from: alarm.state }, `alarm ${alarm.name} is now INSUFFICIENT_DATA: ${reason}`);
    if (actions.length > 0) await runActions(this.actions, actions, { alarm: record, previous: alarm.state }, this.#options.log);
  }

  async #read(key: string): Promise<ReadAlarm | undefined> {
    const entry = await this.#options.store.get("alarm", key);
    if (entry) this.#alarms?.load([entry]);
    return entry;
  }

  /**
   * Writes an alarm this controller read, and keeps what it wrote: on etcd the watch reports it later. A
   * conflict means the kept alarm is stale, so the evaluation the runtime runs again reads the store.
   */
  async #write(read: ReadAlarm, record: AlarmRecord): Promise<void> {
    const alarms = this.#alarms;
    try {
      const revision = await this.#options.store.commit([put("alarm", read.key, record, unchanged(read))]);
      alarms?.load([{ ...read, value: record, modRevision: revision }]);
    } catch (error) {
      if (StoreConflictError.is(error)) alarms?.forget(read.key);
      throw error;
    }
  }
}

/** An alarm as read, with the revision its writes are conditioned on. */
type ReadAlarm = ReadEntry<AlarmRecord>;

function watchedAlarms(): WatchedEntries<"alarm", ReadAlarm> {
  return new WatchedEntries("alarm", asRead);
}
