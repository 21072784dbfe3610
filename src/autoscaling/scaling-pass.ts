import {
  setCopyCount,
  setVariantCapacity,
  variantInstanceRoom,
  type CapacityChange,
  type CapacityRefusal,
  type VariantCopies,
} from "../domain/capacity-rules.js";
import { capacityRefusalReason } from "../domain/errors/capacity.js";
import { quotaFailures } from "../domain/errors/quotas.js";
import type { Quotas } from "../domain/quotas.js";
import type { ComponentRecord, EndpointRecord } from "../domain/resources.js";
import type { TimeScale } from "../util/time-scale.js";
import type { ScalingDecision, TargetState } from "./decision.js";
import type { ScalableTargetRecord, ScalingActivityRecord, ScalingPolicyRecord, ScheduledActionRecord } from "./records.js";
import { capacityLimit } from "./resource-id.js";
import type { ZoneOffset } from "./schedule.js";
import { dueActions } from "./scheduled-scaling.js";
import { decideStepScaling } from "./step-scaling.js";
import { concurrencyTargetPerCopy, decideBacklogGrowth } from "./backlog-growth.js";
import { decideTargetTracking, type TrackingWindows } from "./target-tracking.js";

/** Why a pass runs: the period's target tracking, or one of the events that scale at once. */
export type ScalingTrigger =
  | { kind: "track" }
  /** A request arrived for a component with no copies. */
  | { kind: "wake"; component: string }
  /** Requests wait for a copy (held or queued) in the router or the simulator: Berth's immediate growth. */
  | { kind: "backlog"; component: string; waiting: number }
  /** RegisterScalableTarget changed the limits. */
  | { kind: "clamp" }
  /** A CloudWatch alarm in ALARM called a step scaling policy. */
  | { kind: "step"; policyName: string; alarmName: string; threshold: number; value?: number; aggregates?: Record<string, number> };

/** A target-tracking policy with the metric history its decision needs (read by the caller). */
export interface TrackedPolicy {
  policy: ScalingPolicyRecord;
  metricLabel: string;
  windows: TrackingWindows;
  /** One value per period, oldest first, ending with the last complete period. */
  history: (number | undefined)[];
}

/**
 * The record that holds the capacity: a component, or the endpoint of a variant. Undefined when it is gone.
 * A variant's holder carries the copies its inference components want, which a lowered instance count must leave room for.
 */
export type CapacityHolder =
  { kind: "component"; record: ComponentRecord } | { kind: "variant"; record: EndpointRecord; variant: string; copies?: VariantCopies };

export interface ScalingPassInput {
  target: ScalableTargetRecord;
  /** Every policy of the target. */
  policies: ScalingPolicyRecord[];
  trigger: ScalingTrigger;
  /** The target-tracking policies whose metrics could be read; used by the "track" trigger. */
  tracked: TrackedPolicy[];
  holder: CapacityHolder | undefined;
  /** What is running: ready copies or instances in service. */
  observed: number | undefined;
  /** The target's scheduled actions; the "track" trigger runs those that are due. */
  scheduled: ScheduledActionRecord[];
  /** A time zone's UTC offsets, by IANA name. */
  zoneOf: (name: string) => ZoneOffset;
  /** The target's stored activities, oldest first. */
  activities: ScalingActivityRecord[];
  now: number;
  /** Ids for new activities. */
  newId: () => string;
  scale: TimeScale;
  quotas: Quotas;
  /** Activities kept per target; older ones are pruned in the same commit. */
  keep: number;
}

/** Everything one pass decided, to be committed together. Records present here changed. */
export interface ScalingPassResult {
  holder?: ComponentRecord | EndpointRecord;
  target?: ScalableTargetRecord;
  policies: ScalingPolicyRecord[];
  /** Scheduled actions that ran (their last run stamped). */
  scheduledActions: ScheduledActionRecord[];
  /** New activities and settled ones. */
  activities: ScalingActivityRecord[];
  /** Activities past the kept number. */
  pruned: ScalingActivityRecord[];
  /** What happened, for the log. */
  events: string[];
}

const refusalKey = "";

/**
 * One scaling pass over a target: the trigger's decision, the capacity change it makes under the
 * capacity rules, the activity that records it, the cooldown stamps, and the settling of earlier
 * activities (Successful once the capacity is running, Overridden by a later one). Pure.
 */
export function decideScalingPass(input: ScalingPassInput): ScalingPassResult {
  const pass = new Pass(input);
  const current = currentCapacity(input.holder);
  if (current !== undefined) pass.decide(current);
  pass.settle();
  pass.prune();
  return pass.result();
}

function currentCapacity(holder: CapacityHolder | undefined): number | undefined {
  if (!holder) return undefined;
  if (holder.kind === "component") return holder.record.desiredCopyCount;
  return holder.record.current.variants[holder.variant]?.desiredInstanceCount;
}

class Pass {
  readonly #in: ScalingPassInput;
  #target: ScalableTargetRecord;
  #targetChanged = false;
  readonly #policies = new Map<string, ScalingPolicyRecord>();
  readonly #actions = new Map<string, ScheduledActionRecord>();
  #holder?: ComponentRecord | EndpointRecord;
  readonly #created: ScalingActivityRecord[] = [];
  readonly #settled: ScalingActivityRecord[] = [];
  readonly #pruned: ScalingActivityRecord[] = [];
  readonly #events: string[] = [];

  constructor(input: ScalingPassInput) {
    this.#in = input;
    this.#target = input.target;
  }

  decide(current: number): void {
    const { trigger, target } = this.#in;
    switch (trigger.kind) {
      case "track":
        if (this.#scheduled(current)) return;
        return this.#track(current);
      case "clamp": {
        const clamped = Math.min(target.maxCapacity, Math.max(target.minCapacity, current));
        if (clamped === current) return;
        return this.#apply(
          {
            desired: clamped,
            direction: clamped > current ? "out" : "in",
            reason: `the scalable target's limits changed to ${target.minCapacity}–${target.maxCapacity}`,
          },
          current,
        );
      }
      case "wake": {
        if (target.maxCapacity < 1 || target.suspendedState.DynamicScalingOutSuspended || current > 0) return;
        // A target wired the SageMaker way (a step policy on a NoCapacityInvocationFailures alarm) scales
        // from zero through its alarm; waking it as well would add a second copy.
        if (this.#in.policies.some((p) => p.policyType === "StepScaling")) return;
        return this.#apply(
          {
            desired: Math.max(1, target.minCapacity),
            direction: "out",
            reason: `a request arrived for inference component ${trigger.component} while it had no copies; Berth holds such requests and scales from zero at once`,
          },
          current,
        );
      }
      case "step":
        return this.#step(trigger, current);
      case "backlog":
        return this.#backlog(trigger, current);
    }
  }

  #backlog(trigger: Extract<ScalingTrigger, { kind: "backlog" }>, current: number): void {
    const target = this.#target;
    const perCopy = concurrencyTargetPerCopy(this.#in.policies.map((p) => (p.policyType === "TargetTrackingScaling" ? p.targetTracking : undefined)));
    if (perCopy === undefined || current === 0) return;
    const decision = decideBacklogGrowth({
      waiting: trigger.waiting,
      ready: this.#in.observed ?? 0,
      perCopy,
      capacity: { current, min: target.minCapacity, max: target.maxCapacity },
      scaleOutSuspended: target.suspendedState.DynamicScalingOutSuspended,
    });
    if (decision.direction === "out") this.#apply(decision, current);
  }

  #step(trigger: Extract<ScalingTrigger, { kind: "step" }>, current: number): void {
    const { target, now, scale } = this.#in;
    const policy = this.#in.policies.find((p) => p.name === trigger.policyName);
    if (!policy || policy.policyType !== "StepScaling") return;
    const decision = decideStepScaling({
      policyName: policy.name,
      config: policy.step ?? {},
      alarmName: trigger.alarmName,
      threshold: trigger.threshold,
      value: trigger.aggregates?.[policy.step?.MetricAggregationType ?? "Average"] ?? trigger.value ?? trigger.threshold,
      capacity: { current, min: target.minCapacity, max: target.maxCapacity },
      target: targetState(target),
      lastActivityAt: policy.lastActivityAt,
      now,
      scale,
    });
    if (decision.direction === "none") return this.#notScaled(policy, decision, current);
    this.#apply(decision, current, policy);
  }

  /**
   * Runs the scheduled actions that are due: each sets the target's limits (an activity each), and the
   * capacity then moves inside the new limits. True when the capacity changed, so that target tracking
   * waits for the next pass.
   */
  #scheduled(current: number): boolean {
    const { scheduled, now, scale, zoneOf, target, holder, quotas } = this.#in;
    const due = dueActions(scheduled, now, scale, zoneOf);
    if (due.length === 0 || !holder) return false;
    const limit = capacityLimit(holder.kind, quotas);
    const suspended = target.suspendedState.ScheduledScalingSuspended;
    for (const { action, runAt } of due) {
      // While scheduled scaling is suspended, runs pass without effect; they do not run on resuming.
      this.#actions.set(action.name, { ...action, lastRunAt: runAt });
      if (suspended) continue;
      const min = action.minCapacity ?? this.#target.minCapacity;
      const max = action.maxCapacity ?? this.#target.maxCapacity;
      const setting = [
        action.minCapacity !== undefined ? `min capacity to ${min}` : undefined,
        action.maxCapacity !== undefined ? `max capacity to ${max}` : undefined,
      ]
        .filter(Boolean)
        .join(" and ");
      // An action giving only one limit can cross the other one, and one put before the quota was checked
      // (or under a higher quota) can ask past it; the run then fails and changes nothing.
      const asked = Math.max(action.minCapacity ?? 0, action.maxCapacity ?? 0);
      const problem =
        min > max
          ? `the minimum capacity (${min}) would be greater than the maximum capacity (${max}).`
          : asked > limit
            ? quotaFailures.scheduledAction(asked, limit, holder.kind)
            : undefined;
      const ok = problem === undefined;
      this.#created.push(
        this.#activity({
          description: `Setting ${setting}`,
          cause: `scheduled action name ${action.name} was triggered`,
          startTime: now,
          endTime: now,
          statusCode: ok ? "Successful" : "Failed",
          statusMessage: ok ? `Successfully set ${setting}` : `Failed to set ${setting}. Reason: ${problem}`,
          desired: current,
        }),
      );
      if (!ok) continue;
      this.#setTarget({ ...this.#target, minCapacity: min, maxCapacity: max });
      this.#events.push(`autoscaling ${target.resourceId}: scheduled action ${action.name} set ${setting}`);
    }
    const { minCapacity, maxCapacity } = this.#target;
    const clamped = Math.min(maxCapacity, Math.max(minCapacity, current));
    if (clamped === current) return false;
    const reason = clamped > current ? `minimum capacity was set to ${minCapacity}` : `maximum capacity was set to ${maxCapacity}`;
    this.#apply({ desired: clamped, direction: clamped > current ? "out" : "in", reason }, current);
    return true;
  }

  #track(current: number): void {
    const { tracked, observed, now, scale, holder } = this.#in;
    const target = this.#target;
    if (tracked.length === 0) return;
    const decisions = tracked.map(({ policy, metricLabel, windows, history }) => ({
      policy,
      decision: decideTargetTracking({
        policyName: policy.name,
        config: policy.targetTracking!,
        metricLabel,
        windows,
        history,
        capacity: { current, min: target.minCapacity, max: target.maxCapacity },
        measured: observed,
        target: targetState(target),
        now,
        scale,
        unit: holder?.kind === "variant" ? "instances" : "copies",
      }),
    }));
    // The policy asking for the most capacity wins; scale-in happens only when every policy agrees.
    const outs = decisions.filter((d) => d.decision.direction === "out").sort((a, b) => b.decision.desired - a.decision.desired);
    const ins = decisions.filter((d) => d.decision.direction === "in");
    const chosen = outs[0] ?? (ins.length === decisions.length ? ins.sort((a, b) => b.decision.desired - a.decision.desired)[0] : undefined);
    if (chosen) return this.#apply(chosen.decision, current, chosen.policy);
    for (const d of decisions) if (d.decision.notScaled?.code !== "NoCapacityToTrack") this.#notScaled(d.policy, d.decision, current);
  }

  #apply(decision: ScalingDecision, current: number, policy?: ScalingPolicyRecord): void {
    const { holder, now, target } = this.#in;
    if (!holder) return;
    const change = this.#changeCapacity(holder, decision.desired);
    if (!change.ok) return this.#refused(change.refusal, decision, current);
    if (!change.changed) return;
    this.#holder = change.record;
    const desired = currentCapacity({ ...holder, record: change.record } as CapacityHolder)!;
    const unit = holder.kind === "component" ? "desired copy count" : "desired instance count";
    this.#created.push(
      this.#activity({
        description: `Setting ${unit} to ${desired}.`,
        cause: decision.reason,
        startTime: now,
        statusCode: "InProgress",
        statusMessage: `Waiting for the change to take effect (was ${current}).`,
        desired,
      }),
    );
    const stamp = decision.direction === "in" ? { lastScaleInAt: now } : { lastScaleOutAt: now };
    const next: ScalableTargetRecord = { ...this.#target, ...stamp };
    delete next.notScaled;
    this.#setTarget(next);
    if (policy) this.#policies.set(policy.name, { ...policy, lastActivityAt: now });
    this.#events.push(`autoscaling ${target.resourceId}: ${current} → ${desired} (${decision.reason})`);
  }

  /** The change under the capacity rules, held within the quota as Application Auto Scaling does. */
  #changeCapacity(holder: CapacityHolder, asked: number): CapacityChange<ComponentRecord | EndpointRecord> {
    const { quotas, now } = this.#in;
    if (holder.kind === "component") return setCopyCount(holder.record, Math.min(asked, quotas.maxCopiesPerComponent), quotas, now);
    const instances = Math.max(0, Math.min(asked, variantInstanceRoom(holder.record, holder.variant, quotas)));
    return setVariantCapacity(holder.record, [{ variant: holder.variant, instances }], quotas, now, () => holder.copies);
  }

  #refused(refusal: CapacityRefusal, decision: ScalingDecision, current: number): void {
    const { target, now } = this.#in;
    const reason = capacityRefusalReason(refusal);
    // Keyed by what was refused, not by the refused count: a policy asking a little more each period is one failure.
    if (!this.#firstTime(refusalKey, `${refusal.code}|${current}`)) return;
    const unit = this.#in.holder?.kind === "variant" ? "desired instance count" : "desired copy count";
    this.#created.push(
      this.#activity({
        description: `Setting ${unit} to ${decision.desired}.`,
        cause: decision.reason,
        startTime: now,
        endTime: now,
        statusCode: "Failed",
        statusMessage: `Failed to set ${unit} to ${decision.desired}. Reason: ${reason}`,
        desired: current,
      }),
    );
    this.#events.push(`autoscaling ${target.resourceId}: could not set the ${unit} to ${decision.desired}: ${reason}`);
  }

  #notScaled(policy: ScalingPolicyRecord, decision: ScalingDecision, current: number): void {
    const { target, now } = this.#in;
    if (!decision.notScaled || !this.#firstTime(policy.name, `${decision.notScaled.code}|${current}`)) return;
    this.#created.push(
      this.#activity({
        description: "Failed to set desired capacity.",
        cause: decision.reason,
        startTime: now,
        endTime: now,
        statusCode: "Failed",
        statusMessage: decision.notScaled.detail,
        desired: current,
        notScaledReasons: [{ Code: decision.notScaled.code, MinCapacity: target.minCapacity, MaxCapacity: target.maxCapacity, CurrentCapacity: current }],
      }),
    );
  }

  /** True the first time this failure is seen since the target last scaled; remembers it in the target. */
  #firstTime(key: string, signature: string): boolean {
    if (this.#target.notScaled?.[key] === signature) return false;
    this.#setTarget({ ...this.#target, notScaled: { ...this.#target.notScaled, [key]: signature } });
    return true;
  }

  #setTarget(next: ScalableTargetRecord): void {
    this.#target = next;
    this.#targetChanged = true;
  }

  #activity(fields: Omit<ScalingActivityRecord, "activityId" | "serviceNamespace" | "resourceId" | "scalableDimension">): ScalingActivityRecord {
    const { target, newId } = this.#in;
    return { activityId: newId(), serviceNamespace: "sagemaker", resourceId: target.resourceId, scalableDimension: target.scalableDimension, ...fields };
  }

  /** InProgress activities become Successful once the capacity is really there, or Overridden by a later one. */
  settle(): void {
    const { now, observed, holder } = this.#in;
    const open = [...this.#in.activities, ...this.#created].filter((a) => a.statusCode === "InProgress");
    if (open.length === 0) return;
    const unit = holder?.kind === "variant" ? "instance count" : "copy count";
    const newest = open[open.length - 1]!;
    for (const activity of open) {
      let next: ScalingActivityRecord | undefined;
      if (activity !== newest)
        next = { ...activity, statusCode: "Overridden", statusMessage: "A later scaling activity changed the desired capacity.", endTime: now };
      else if (observed !== undefined && observed === activity.desired)
        next = {
          ...activity,
          statusCode: "Successful",
          statusMessage: `Successfully set desired ${unit} to ${activity.desired}. Change successfully fulfilled by sagemaker.`,
          endTime: now,
        };
      if (!next) continue;
      const created = this.#created.indexOf(activity);
      if (created >= 0) this.#created[created] = next;
      else this.#settled.push(next);
    }
  }

  /** The oldest stored activities beyond the kept number go in the same commit. */
  prune(): void {
    const { activities, keep } = this.#in;
    const surplus = activities.length + this.#created.length - keep;
    if (surplus <= 0) return;
    const gone = activities.slice(0, surplus);
    this.#pruned.push(...gone);
    const ids = new Set(gone.map((a) => a.activityId));
    for (let i = this.#settled.length - 1; i >= 0; i--) if (ids.has(this.#settled[i]!.activityId)) this.#settled.splice(i, 1);
  }

  result(): ScalingPassResult {
    return {
      holder: this.#holder,
      target: this.#targetChanged ? this.#target : undefined,
      policies: [...this.#policies.values()],
      scheduledActions: [...this.#actions.values()],
      activities: [...this.#settled, ...this.#created],
      pruned: this.#pruned,
      events: this.#events,
    };
  }
}

function targetState(target: ScalableTargetRecord): TargetState {
  return {
    lastScaleOutAt: target.lastScaleOutAt,
    lastScaleInAt: target.lastScaleInAt,
    scaleOutSuspended: target.suspendedState.DynamicScalingOutSuspended,
    scaleInSuspended: target.suspendedState.DynamicScalingInSuspended,
  };
}
