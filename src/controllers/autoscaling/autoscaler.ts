import { nameKey } from "../../domain/arn.js";
import type { ComponentRecord } from "../../domain/resources.js";
import type { AlarmActionHandler, AlarmTransition } from "../../alarms/types.js";
import type { ScalingDecision } from "../../autoscaling/decision.js";
import { targetKey, type ScalableTargetRecord, type ScalingActivityRecord, type ScalingPolicyRecord } from "../../autoscaling/records.js";
import { componentResourceId, parseResourceId, type ScalableResource } from "../../autoscaling/resource-id.js";
import { decideStepScaling } from "../../autoscaling/step-scaling.js";
import { decideTargetTracking, trackingWindows } from "../../autoscaling/target-tracking.js";
import { trackedMetric } from "../../autoscaling/tracked-metric.js";
import { newActivity, recordActivity } from "../../operations/autoscaling/activities.js";
import { readCapacity, writeCapacity } from "../../operations/capacity.js";
import type { MetricsReader } from "../../metrics/types.js";
import type { Quotas } from "../../domain/quotas.js";
import { put, unchanged, type BerthStore } from "../../state/records.js";
import type { Clock, TimerHandle } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import { metricResolutionSeconds, type TimeScale } from "../../util/time-scale.js";
import { observedCapacity } from "./observed-capacity.js";
import { StorageFaultError } from "../../store/storage-fault.js";

export interface AutoscalerOptions {
  store: BerthStore;
  clock: Clock;
  log: Logger;
  scale: TimeScale;
  metrics: MetricsReader;
  quotas: Quotas;
}

/**
 * Runs Application Auto Scaling for Berth: evaluates target-tracking policies every metric resolution
 * period, runs step policies when their alarms call, wakes components from zero copies on demand, and
 * records every decision as a scaling activity. The decisions themselves are pure functions.
 */
export class Autoscaler {
  readonly #options: AutoscalerOptions;
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #lastNotScaled = new Map<string, string>();
  #timer?: TimerHandle;
  #stopped = false;

  constructor(options: AutoscalerOptions) {
    this.#options = options;
  }

  start(): void {
    const every = Math.max(50, this.#options.scale.ms(metricResolutionSeconds));
    const loop = () => {
      if (this.#stopped) return;
      this.tick()
        .catch((error) => {
          if (!StorageFaultError.is(error)) this.#options.log.warn({ err: error }, "autoscaling pass failed; retrying next period");
        })
        .finally(() => {
          if (this.#stopped) return;
          this.#timer = this.#options.clock.setTimeout(loop, every);
          this.#timer.unref?.();
        });
    };
    loop();
  }

  stop(): Promise<unknown> {
    this.#stopped = true;
    if (this.#timer) this.#options.clock.clearTimeout(this.#timer);
    return Promise.allSettled([...this.#queues.values()]);
  }

  /** Scaling-policy ARNs in CloudWatch alarm actions run step scaling, again every period while in ALARM. */
  actionHandler(): AlarmActionHandler {
    return { matches: (arn) => arn.startsWith("arn:aws:autoscaling:"), repeats: true, invoke: (arn, event) => this.onAlarmAction(arn, event) };
  }

  async tick(): Promise<void> {
    const { store } = this.#options;
    const targets = await store.list("scalable-target");
    const policies = await store.list("scaling-policy");
    for (const target of targets) {
      const key = targetKey(target.value.resourceId, target.value.scalableDimension);
      const own = policies.filter((p) => p.key.startsWith(`${key}|`) && p.value.policyType === "TargetTrackingScaling");
      await this.#serial(key, async () => {
        const resource = parseResourceId(target.value.resourceId, target.value.scalableDimension);
        if (!resource) return;
        // Both steps may need what is running; read it at most once per pass.
        let observed: Promise<number | undefined> | undefined;
        const running = () => (observed ??= observedCapacity(this.#options.store, resource));
        await this.#trackTargets(
          target.value,
          resource,
          own.map((p) => p.value),
          running,
        );
        await this.#settleActivities(target.value, resource, running);
      });
    }
  }

  /** After RegisterScalableTarget: bring the capacity inside the new limits at once, as AAS does. */
  clampTarget(resourceId: string, dimension: string): void {
    const key = targetKey(resourceId, dimension);
    void this.#serial(key, async () => {
      const target = (await this.#options.store.get("scalable-target", key))?.value;
      const resource = parseResourceId(resourceId, dimension);
      if (!target || !resource) return;
      const current = await readCapacity(this.#options.store, resource);
      if (current === undefined) return;
      const clamped = Math.min(target.maxCapacity, Math.max(target.minCapacity, current));
      if (clamped !== current) {
        const direction = clamped > current ? "out" : "in";
        await this.#apply(
          target,
          resource,
          { desired: clamped, direction, reason: `the scalable target's limits changed to ${target.minCapacity}–${target.maxCapacity}` },
          current,
        );
      }
    }).catch((error) => this.#options.log.warn({ err: error }, "could not clamp a scalable target's capacity"));
  }

  /**
   * A request arrived for a component with no copies. With a scalable target allowing at least one copy
   * (and no step policy of its own), Berth starts one at once rather than failing requests until an
   * alarm notices.
   */
  wake(componentName: string): void {
    const resourceId = componentResourceId(componentName);
    const key = targetKey(resourceId, "sagemaker:inference-component:DesiredCopyCount");
    void this.#serial(key, async () => {
      const { store } = this.#options;
      const target = (await store.get("scalable-target", key))?.value ?? (await this.#findTarget(componentName));
      if (!target || target.maxCapacity < 1 || target.suspendedState.DynamicScalingOutSuspended) return;
      // A target wired the SageMaker way (a step policy on a NoCapacityInvocationFailures alarm) scales
      // from zero through its alarm; waking it as well would add a second copy.
      const targetPrefix = `${targetKey(target.resourceId, target.scalableDimension)}|`;
      if ((await store.list("scaling-policy", { prefix: targetPrefix })).some((p) => p.value.policyType === "StepScaling")) return;
      const resource: ScalableResource = { kind: "component", component: componentName };
      const current = await readCapacity(store, resource);
      if (current === undefined || current > 0) return;
      await this.#apply(
        target,
        resource,
        {
          desired: Math.max(1, target.minCapacity),
          direction: "out",
          reason: `a request arrived for inference component ${componentName} while it had no copies; Berth holds such requests and scales from zero at once`,
        },
        0,
      );
    }).catch((error) => this.#options.log.warn({ err: error }, `could not wake inference component ${componentName}`));
  }

  async onAlarmAction(policyArn: string, event: AlarmTransition): Promise<void> {
    const { store, clock, scale } = this.#options;
    const policy = (await store.list("scaling-policy")).find((p) => p.value.arn === policyArn);
    if (!policy || policy.value.policyType !== "StepScaling" || event.alarm.state !== "ALARM") return;
    const key = targetKey(policy.value.resourceId, policy.value.scalableDimension);
    await this.#serial(key, async () => {
      const target = (await store.get("scalable-target", key))?.value;
      const resource = parseResourceId(policy.value.resourceId, policy.value.scalableDimension);
      if (!target || !resource) return;
      const current = await readCapacity(store, resource);
      if (current === undefined) return;
      const fresh = (await store.get("scaling-policy", policy.key))?.value ?? policy.value;
      const config = event.alarm.config as { Threshold?: number };
      const decision = decideStepScaling({
        policyName: fresh.name,
        config: fresh.step ?? {},
        alarmName: event.alarm.name,
        threshold: config.Threshold ?? 0,
        value: event.aggregates?.[fresh.step?.MetricAggregationType ?? "Average"] ?? event.value ?? config.Threshold ?? 0,
        capacity: { current, min: target.minCapacity, max: target.maxCapacity },
        target: {
          lastScaleOutAt: target.lastScaleOutAt,
          lastScaleInAt: target.lastScaleInAt,
          scaleOutSuspended: target.suspendedState.DynamicScalingOutSuspended,
          scaleInSuspended: target.suspendedState.DynamicScalingInSuspended,
        },
        lastActivityAt: fresh.lastActivityAt,
        now: clock.now(),
        scale,
      });
      if (decision.direction === "none") return this.#notScaled(target, fresh, decision, current);
      await this.#apply(target, resource, decision, current, fresh);
    });
  }

  async #findTarget(componentName: string): Promise<ScalableTargetRecord | undefined> {
    const targets = await this.#options.store.list("scalable-target");
    return targets.find(
      (t) =>
        t.value.scalableDimension === "sagemaker:inference-component:DesiredCopyCount" &&
        nameKey(t.value.resourceId) === nameKey(componentResourceId(componentName)),
    )?.value;
  }

  async #trackTargets(
    target: ScalableTargetRecord,
    resource: ScalableResource,
    policies: ScalingPolicyRecord[],
    running: () => Promise<number | undefined>,
  ): Promise<void> {
    const { store, clock, scale, metrics } = this.#options;
    if (policies.length === 0) return;
    const current = await readCapacity(store, resource);
    if (current === undefined) return;
    const measured = await running();
    const now = clock.now();
    const decisions: { policy: ScalingPolicyRecord; decision: ScalingDecision }[] = [];
    for (const policy of policies) {
      const tracked = trackedMetric(policy.targetTracking!, resource);
      if (!tracked.ok) continue;
      const windows = trackingWindows(tracked.tracked.periodSeconds);
      const periodMs = scale.ms(tracked.tracked.periodSeconds);
      const end = Math.floor(now / periodMs) * periodMs;
      const count = Math.max(windows.scaleInPeriods, windows.scaleOutPeriods);
      const points = metrics.statistics({
        metric: tracked.tracked.metric,
        statistic: tracked.tracked.statistic,
        periodMs,
        startMs: end - count * periodMs,
        endMs: end,
      });
      const byTime = new Map(points.map((p) => [p.timestamp, p.value]));
      const history = Array.from({ length: count }, (_, i) => byTime.get(end - (count - i) * periodMs));
      decisions.push({
        policy,
        decision: decideTargetTracking({
          policyName: policy.name,
          config: policy.targetTracking!,
          metricLabel: tracked.tracked.label,
          windows,
          history,
          capacity: { current, min: target.minCapacity, max: target.maxCapacity },
          measured,
          target: {
            lastScaleOutAt: target.lastScaleOutAt,
            lastScaleInAt: target.lastScaleInAt,
            scaleOutSuspended: target.suspendedState.DynamicScalingOutSuspended,
            scaleInSuspended: target.suspendedState.DynamicScalingInSuspended,
          },
          now,
          scale,
          unit: resource.kind === "component" ? "copies" : "instances",
        }),
      });
    }
    // The policy asking for the most capacity wins; scale-in happens only when every policy agrees.
    const outs = decisions.filter((d) => d.decision.direction === "out").sort((a, b) => b.decision.desired - a.decision.desired);
    const ins = decisions.filter((d) => d.decision.direction === "in");
    const chosen = outs[0] ?? (ins.length === decisions.length && ins.length > 0 ? ins.sort((a, b) => b.decision.desired - a.decision.desired)[0] : undefined);
    if (chosen) return this.#apply(target, resource, chosen.decision, current, chosen.policy);
    for (const d of decisions)
      if (d.decision.notScaled && d.decision.notScaled.code !== "NoCapacityToTrack") await this.#notScaled(target, d.policy, d.decision, current);
  }

  async #apply(
    target: ScalableTargetRecord,
    resource: ScalableResource,
    decision: ScalingDecision,
    current: number,
    policy?: ScalingPolicyRecord,
  ): Promise<void> {
    const { store, clock, log } = this.#options;
    const changed = await writeCapacity(store, clock, resource, decision.desired, this.#options.quotas);
    if (!changed) return;
    const now = clock.now();
    const unit = resource.kind === "component" ? "desired copy count" : "desired instance count";
    await recordActivity(
      store,
      newActivity({
        resourceId: target.resourceId,
        scalableDimension: target.scalableDimension,
        description: `Setting ${unit} to ${decision.desired}.`,
        cause: decision.reason,
        startTime: now,
        statusCode: "InProgress",
        statusMessage: `Waiting for the change to take effect (was ${current}).`,
        desired: decision.desired,
      }),
    );
    log.info({ resourceId: target.resourceId }, `autoscaling ${target.resourceId}: ${current} → ${decision.desired} (${decision.reason})`);
    const key = targetKey(target.resourceId, target.scalableDimension);
    const entry = await store.get("scalable-target", key);
    if (entry) {
      const stamp = decision.direction === "out" ? { lastScaleOutAt: now } : { lastScaleInAt: now };
      await store.commit([put("scalable-target", key, { ...entry.value, ...stamp }, unchanged(entry))]).catch(() => undefined);
    }
    if (policy) {
      const policyKey = `${key}|${policy.name}`;
      const fresh = await store.get("scaling-policy", policyKey);
      if (fresh) await store.commit([put("scaling-policy", policyKey, { ...fresh.value, lastActivityAt: now }, unchanged(fresh))]).catch(() => undefined);
    }
    this.#lastNotScaled.delete(key);
  }

  async #notScaled(target: ScalableTargetRecord, policy: ScalingPolicyRecord, decision: ScalingDecision, current: number): Promise<void> {
    const key = `${targetKey(target.resourceId, target.scalableDimension)}|${policy.name}`;
    const signature = `${decision.notScaled?.code}|${current}`;
    if (!decision.notScaled || this.#lastNotScaled.get(key) === signature) return;
    this.#lastNotScaled.set(key, signature);
    const now = this.#options.clock.now();
    await recordActivity(
      this.#options.store,
      newActivity({
        resourceId: target.resourceId,
        scalableDimension: target.scalableDimension,
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

  /** InProgress activities become Successful once the capacity is really there, or Overridden by a later one. */
  async #settleActivities(target: ScalableTargetRecord, resource: ScalableResource, running: () => Promise<number | undefined>): Promise<void> {
    const { store, clock } = this.#options;
    const prefix = `${targetKey(target.resourceId, target.scalableDimension)}|`;
    const open = (await store.list("scaling-activity", { prefix })).filter((a) => a.value.statusCode === "InProgress");
    if (open.length === 0) return;
    const observed = await running();
    const unit = resource.kind === "component" ? "copy count" : "instance count";
    const newest = open[open.length - 1]!;
    for (const entry of open) {
      const activity = entry.value;
      let next: ScalingActivityRecord | undefined;
      if (entry !== newest)
        next = { ...activity, statusCode: "Overridden", statusMessage: "A later scaling activity changed the desired capacity.", endTime: clock.now() };
      else if (observed === activity.desired)
        next = {
          ...activity,
          statusCode: "Successful",
          statusMessage: `Successfully set desired ${unit} to ${activity.desired}. Change successfully fulfilled by sagemaker.`,
          endTime: clock.now(),
        };
      if (next) await store.commit([put("scaling-activity", entry.key, next, unchanged(entry))]).catch(() => undefined);
    }
  }

  #serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.#queues.set(key, next);
    void next
      .finally(() => {
        if (this.#queues.get(key) === next) this.#queues.delete(key);
      })
      .catch(() => undefined);
    return next;
  }
}

export type { ComponentRecord };
