import type { MetricsReader } from "../metrics/types.js";
import { type ChangeEvent } from "../store/store.js";
import { put, StoreConflictError, unchanged, type Entry, type BerthStore } from "../state/records.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import type { TimeScale } from "../util/time-scale.js";
import { ActionRegistry, runActions } from "./actions.js";
import { actionsFor, alarmPeriodSeconds, type MetricAlarmConfig } from "./alarm-config.js";
import { alarmWindow } from "./alarm-window.js";
import { evaluateAlarm } from "./evaluate.js";
import { applyStateChange } from "./transition.js";
import type { AlarmActionHandler, AlarmRecord, AlarmTransition } from "./types.js";
import { StorageFaultError } from "../store/storage-fault.js";

export interface AlarmControllerOptions {
  store: BerthStore;
  reader: MetricsReader;
  clock: Clock;
  log: Logger;
  timeScale: TimeScale;
  actions?: ActionRegistry;
  /** Runs before each evaluation pass, so the recorder can close the buckets that just ended. */
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
 * evaluated at once.
 */
export class AlarmController {
  readonly actions: ActionRegistry;
  readonly #options: AlarmControllerOptions;
  readonly #scheduled = new Map<string, Scheduled>();
  readonly #pending = new Set<Promise<void>>();
  #chain: Promise<void> = Promise.resolve();
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  #unwatch?: () => void;
  #stopped = false;

  constructor(options: AlarmControllerOptions) {
    this.#options = options;
    this.actions = options.actions ?? new ActionRegistry();
  }

  registerActionHandler(handler: AlarmActionHandler): () => void {
    return this.actions.register(handler);
  }

  async start(): Promise<void> {
    this.#unwatch = this.#options.store.watch((events) => this.#onChanges(events));
    const now = this.#options.clock.now();
    for (const entry of await this.#options.store.list("alarm")) {
      if (!this.#scheduled.has(entry.key))
        this.#scheduled.set(entry.key, { dueAt: this.#nextDue(entry.value, now), configuredAt: entry.value.configurationUpdatedAt });
    }
    this.#arm();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unwatch?.();
    if (this.#timer) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#chain;
    await Promise.allSettled([...this.#pending]);
  }

  /** Evaluates every alarm now and waits for the actions this runs. */
  evaluateNow(): Promise<void> {
    return this.#exclusive(async () => {
      const now = this.#options.clock.now();
      this.#options.beforeEvaluate?.(now);
      for (const entry of await this.#options.store.list("alarm")) {
        await this.#evaluate(entry.key, now);
        this.#scheduled.set(entry.key, { dueAt: this.#nextDue(entry.value, now), configuredAt: entry.value.configurationUpdatedAt });
      }
    });
  }

  /** Runs the actions of a transition made elsewhere (SetAlarmState) in the background. */
  runTransitionActions(arns: string[], transition: AlarmTransition): void {
    if (arns.length === 0) return;
    const run = runActions(this.actions, arns, transition, this.#options.log).finally(() => this.#pending.delete(run));
    this.#pending.add(run);
  }

  #onChanges(events: ChangeEvent[]): void {
    let changed = false;
    for (const event of events) {
      if (event.kind !== "alarm") continue;
      if (event.type === "delete") {
        this.#scheduled.delete(event.key);
        continue;
      }
      const alarm = event.value as AlarmRecord;
      const known = this.#scheduled.get(event.key);
      if (known && known.configuredAt === alarm.configurationUpdatedAt) continue;
      this.#scheduled.set(event.key, { dueAt: this.#options.clock.now(), configuredAt: alarm.configurationUpdatedAt });
      changed = true;
    }
    if (changed) this.#arm();
  }

  #nextDue(alarm: AlarmRecord, now: number): number {
    const periodMs = this.#options.timeScale.ms(alarmPeriodSeconds(alarm.config as unknown as MetricAlarmConfig));
    return (Math.floor(now / periodMs) + 1) * periodMs + this.#settleMs(periodMs);
  }

  /** Evaluation waits a little past the period's end for the last samples (and the recorder's zeros). */
  #settleMs(periodMs: number): number {
    return Math.min(periodMs / 4, this.#options.timeScale.ms(2));
  }

  #arm(): void {
    if (this.#stopped) return;
    let next = Infinity;
    for (const s of this.#scheduled.values()) if (s.dueAt < next) next = s.dueAt;
    if (next === Infinity || next >= this.#timerAt) return;
    if (this.#timer) this.#options.clock.clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = this.#options.clock.setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Infinity;
        void this.#exclusive(() => this.#runDue()).finally(() => this.#arm());
      },
      Math.max(0, next - this.#options.clock.now()),
    );
    this.#timer.unref?.();
  }

  async #runDue(): Promise<void> {
    const now = this.#options.clock.now();
    const due = [...this.#scheduled].filter(([, s]) => s.dueAt <= now).map(([name]) => name);
    if (due.length === 0) return;
    this.#options.beforeEvaluate?.(now);
    for (const name of due) {
      const scheduled = this.#scheduled.get(name);
      if (!scheduled) continue;
      const alarm = await this.#evaluate(name, now);
      if (alarm) this.#scheduled.set(name, { dueAt: this.#nextDue(alarm, now), configuredAt: scheduled.configuredAt });
      else this.#scheduled.delete(name);
    }
  }

  /** One evaluation; returns the alarm as read (undefined once deleted). Errors are logged, never thrown. */
  async #evaluate(name: string, now: number): Promise<AlarmRecord | undefined> {
    const { store, log } = this.#options;
    let entry: Entry<AlarmRecord> | undefined;
    try {
      entry = await store.get("alarm", name);
      if (!entry) return undefined;
      await this.#step(entry, now);
    } catch (error) {
      if (StoreConflictError.is(error)) log.debug({ alarm: name }, "alarm changed while it was evaluated; the next evaluation uses the new version");
      else if (!StorageFaultError.is(error)) log.warn({ err: error, alarm: name }, `evaluating alarm ${name} failed; trying again next period`);
    }
    return entry?.value;
  }

  async #step(entry: Entry<AlarmRecord>, now: number): Promise<void> {
    const { store, reader, timeScale, log } = this.#options;
    const alarm = entry.value;
    const config = alarm.config as unknown as MetricAlarmConfig;
    const window = alarmWindow(reader, config, timeScale, now);
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
      await store.commit([put("alarm", entry.key, record, unchanged(entry))]);
      log.info({ alarm: alarm.name, from: alarm.state, to: record.state }, `alarm ${alarm.name} is now ${record.state}: ${record.stateReason}`);
      await runActions(this.actions, actions, { alarm: record, previous: alarm.state, ...event }, log);
      return;
    }
    if (config.ActionsEnabled === false) return;
    const halfPeriod = timeScale.ms(alarmPeriodSeconds(config)) / 2;
    const repeat = actionsFor(config, alarm.state).filter((arn) => this.actions.repeats(arn) && now - (alarm.lastActionAt?.[arn] ?? -Infinity) >= halfPeriod);
    if (repeat.length === 0) return;
    const record: AlarmRecord = { ...alarm, lastActionAt: { ...(alarm.lastActionAt ?? {}) } };
    for (const arn of repeat) record.lastActionAt![arn] = now;
    await store.commit([put("alarm", entry.key, record, unchanged(entry))]);
    await runActions(this.actions, repeat, { alarm: record, previous: alarm.state, ...event }, log);
  }

  #exclusive(step: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(step, step);
    this.#chain = run.catch(() => undefined);
    return run;
  }
}
