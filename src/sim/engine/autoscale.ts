import {
  decideTargetTracking,
  inCooldown,
  scaleInThresholdFraction,
  scaleInWanted,
  scaleOutWanted,
  trackingWindows,
  type TrackingWindows,
} from "../../autoscaling/target-tracking.js";
import { trackedMetric } from "../../autoscaling/tracked-metric.js";
import { TimeScale } from "../../util/time-scale.js";
import type { CopyScaling } from "./types.js";

/** Virtual time is API time: one simulated second is one API second. */
const apiTime = new TimeScale(60);
const invocationRing = 64;
/** 10 s bins ahead of and behind the clock; a request's outstanding time past this horizon is cut off. */
export const concurrencyRing = 1024;

/**
 * One model's target-tracking policy in the simulator. It keeps the metric the server would record
 * (InvocationsPerCopy: Sum of 1/ready copies per request per 60 s; ConcurrentRequestsPerCopy: Average
 * of each ready copy's outstanding requests per 10 s) and asks the server's own decideTargetTracking.
 *
 * The decision is a pure function of (history, capacity, cooldown stamps, now), and `now` only matters
 * inside a cooldown check, so a call whose inputs have not changed since the last one (and whose answer
 * was not "cooldown in progress") would answer the same: it is skipped. That is the only shortcut; an
 * idle model's window of zeros, for one, stops changing after 15 minutes.
 */
export class TargetTracker {
  readonly kind: "invocations" | "concurrency";
  readonly periodS: number;
  readonly label: string;
  readonly windows: TrackingWindows;
  /** The closed periods' values, a ring from #oldest (NaN: no data); history() lists them oldest first. */
  readonly #values: Float64Array;
  #oldest = 0;
  readonly #list: (number | undefined)[];
  /** The last closed period's value, and whether it had data (kept apart so the field stays a plain float). */
  #latest = NaN;
  #latestPresent = false;
  readonly min: number;
  readonly max: number;
  lastScaleOutAt: number | undefined;
  lastScaleInAt: number | undefined;
  calls = 0;
  readonly #policy: Extract<CopyScaling, { kind: "target-tracking" }>;
  readonly #name: string;
  readonly #invocations = new Float64Array(invocationRing);
  readonly #outstanding = new Float64Array(concurrencyRing);
  #changed = true;
  /** How many periods in a row closed with the same value. */
  #same = 0;
  #lastCapacity = -1;
  #lastReady = -1;
  #cooling = false;
  readonly #goal: number;
  readonly #low: number;
  /** How many periods in a row, up to the last, closed above the target; below 90% of it. */
  #above = 0;
  #below = 0;
  /** The scale-in window's largest value as last found (NaN: find it again), and how many periods ago it closed. */
  #peakValue = NaN;
  #peakAge = 0;

  constructor(name: string, policy: Extract<CopyScaling, { kind: "target-tracking" }>) {
    const tracked = trackedMetric(policy.config, policy.resource);
    if (!tracked.ok) throw new Error(`model ${name}: ${tracked.problem}`);
    this.#policy = policy;
    this.#name = name;
    this.kind = tracked.tracked.statistic === "Sum" ? "invocations" : "concurrency";
    this.periodS = tracked.tracked.periodSeconds;
    this.label = tracked.tracked.label;
    this.windows = trackingWindows(this.periodS);
    this.#values = new Float64Array(Math.max(this.windows.scaleInPeriods, this.windows.scaleOutPeriods)).fill(NaN);
    this.#list = new Array<number | undefined>(this.#values.length).fill(undefined);
    this.min = policy.min;
    this.max = policy.max;
    this.#goal = policy.config.TargetValue;
    this.#low = this.#goal * scaleInThresholdFraction;
  }

  /** A request arrived at `at` while `ready` copies were serving (the server records 1/max(1, ready)). */
  recordInvocation(at: number, ready: number): void {
    this.#invocations[Math.floor(at / this.periodS) & (invocationRing - 1)] += ready > 1 ? 1 / ready : 1;
  }

  /** A request was held by a ready copy from `from` to `to` (seconds). */
  recordOutstanding(from: number, to: number, clock: number): void {
    const p = this.periodS;
    const limit = (Math.floor(clock / p) + concurrencyRing - 1) * p;
    const end = to < limit ? to : limit;
    for (let b = Math.floor(from / p), lo = from; lo < end; b++) {
      const hi = Math.min(end, (b + 1) * p);
      this.#outstanding[b & (concurrencyRing - 1)] += hi - lo;
      lo = hi;
    }
  }

  /** Adds `seconds` of outstanding requests to the period holding time `at`. */
  addOutstanding(at: number, seconds: number): void {
    this.#outstanding[Math.floor(at / this.periodS) & (concurrencyRing - 1)] += seconds;
  }

  /** Whether a metric period ends at time t (then call close). */
  periodEndsAt(t: number): boolean {
    return t > 0 && t % this.periodS === 0;
  }

  /** Appends the value of the period that ends at t. readySeconds: ready copy-seconds in that period (concurrency only). */
  close(t: number, readySeconds: number): void {
    const b = t / this.periodS - 1;
    let value = NaN;
    let present = true;
    if (this.kind === "invocations") {
      value = this.#invocations[b & (invocationRing - 1)];
      this.#invocations[b & (invocationRing - 1)] = 0;
    } else {
      const slot = b & (concurrencyRing - 1);
      present = readySeconds > 0;
      if (present) value = this.#outstanding[slot] / readySeconds;
      this.#outstanding[slot] = 0;
    }
    this.#above = present && value > this.#goal ? this.#above + 1 : 0;
    this.#below = present && value < this.#low ? this.#below + 1 : 0;
    this.#peakAge++;
    if (present && !Number.isNaN(this.#peakValue) && value >= this.#peakValue) {
      this.#peakValue = value;
      this.#peakAge = 0;
    } else if (this.#peakAge >= this.windows.scaleInPeriods) this.#peakValue = NaN;
    const same = present ? this.#latestPresent && value === this.#latest : !this.#latestPresent;
    this.#same = same ? this.#same + 1 : 1;
    this.#latest = value;
    this.#latestPresent = present;
    const values = this.#values;
    values[this.#oldest] = value;
    this.#oldest = this.#oldest + 1 === values.length ? 0 : this.#oldest + 1;
    // Once every value in the window is the one just pushed, the window no longer changes.
    if (this.#same <= values.length) this.#changed = true;
  }

  /** The largest value of the scale-in window (called when every value in it is present); scanned again only once the last peak left it. */
  #peak(): number {
    if (!Number.isNaN(this.#peakValue)) return this.#peakValue;
    const values = this.#values;
    let peak = -Infinity;
    for (let i = 0, j = this.#oldest; i < this.windows.scaleInPeriods; i++) {
      j = j === 0 ? values.length - 1 : j - 1;
      if (values[j] > peak) {
        peak = values[j];
        this.#peakAge = i;
      }
    }
    this.#peakValue = peak;
    return peak;
  }

  /**
   * One value per period, oldest first, ending with the last closed period (undefined: no data), as
   * decideTargetTracking takes it. The same list every time, refilled: the decision keeps no reference.
   */
  history(): (number | undefined)[] {
    const values = this.#values;
    const list = this.#list;
    for (let i = 0, j = this.#oldest; i < values.length; i++, j = j + 1 === values.length ? 0 : j + 1)
      list[i] = Number.isNaN(values[j]) ? undefined : values[j];
    return list;
  }

  /** The new desired count, or undefined to keep `desired`. */
  decide(desired: number, ready: number, nowS: number): number | undefined {
    if (desired === 0) return undefined;
    if (!this.#changed && desired === this.#lastCapacity && ready === this.#lastReady && !this.#cooling) return undefined;
    this.#changed = false;
    this.#lastCapacity = desired;
    this.#lastReady = ready;
    // decideTargetTracking changes the count only when its windows ask for another one (trackingSignal);
    // otherwise it answers "none" with no cooldown, whatever the time. So it is asked only then. The
    // windows are read from the running counts: a whole window above the target is `above` periods in a
    // row, a whole window below 90% of it `below` periods.
    const windows = this.windows;
    const out = this.#above >= windows.scaleOutPeriods;
    if (!out && (this.#below < windows.scaleInPeriods || desired <= this.min)) {
      this.#cooling = false;
      return undefined;
    }
    const capacity = { current: desired, min: this.min, max: this.max };
    const wanted = out ? scaleOutWanted(Math.min(desired, ready), this.#latest, this.#goal, capacity) : scaleInWanted(this.#peak(), this.#goal, capacity);
    if (out ? wanted <= desired : wanted >= desired) {
      this.#cooling = false;
      return undefined;
    }
    const now = nowS * 1000;
    // A count it would change but a cooldown holds (for scale-in, one the policy allows): "cooldown in progress", as the decision says.
    const target = { lastScaleOutAt: this.lastScaleOutAt, lastScaleInAt: this.lastScaleInAt };
    if ((out || !this.#policy.config.DisableScaleIn) && inCooldown(out ? "out" : "in", this.#policy.config, target, now, apiTime)) {
      this.#cooling = true;
      return undefined;
    }
    const history = this.history();
    this.calls++;
    const decision = decideTargetTracking({
      policyName: this.#name,
      config: this.#policy.config,
      metricLabel: this.label,
      windows: this.windows,
      history,
      capacity,
      measured: ready,
      target,
      now,
      scale: apiTime,
      unit: this.#policy.resource.kind === "component" ? "copies" : "instances",
    });
    this.#cooling = decision.notScaled?.code === "CooldownInProgress";
    if (decision.direction === "none" || decision.desired === desired) return undefined;
    if (decision.direction === "out") this.lastScaleOutAt = now;
    else this.lastScaleInAt = now;
    return decision.desired;
  }

  /** A wake from zero counts as a scale-out for the cooldowns, as the server stamps it. */
  stampScaleOut(nowS: number): void {
    this.lastScaleOutAt = nowS * 1000;
  }
}
