import { randomUUID } from "node:crypto";
import { nameKey } from "../../domain/arn.js";
import { BerthError } from "../../domain/errors/berth-error.js";
import type { AlarmActionHandler, AlarmTransition } from "../../alarms/types.js";
import type { ScalableTargetRecord } from "../../autoscaling/records.js";
import { componentResourceId, parseResourceId, type ScalableResource } from "../../autoscaling/resource-id.js";
import { decideScalingPass, type CapacityHolder, type ScalingPassResult, type ScalingTrigger } from "../../autoscaling/scaling-pass.js";
import { nextPeriodClose } from "../../metrics/periods.js";
import type { MetricsReader } from "../../metrics/types.js";
import type { Quotas } from "../../domain/quotas.js";
import type { Resources } from "../../domain/compute.js";
import { keys } from "../../state/keys.js";
import { StoreConflictError, type BerthStore } from "../../state/records.js";
import type { Clock } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import { metricResolutionSeconds, type TimeScale } from "../../util/time-scale.js";
import { zoneOffset } from "../../util/time-zones.js";
import type { Controller } from "../runtime/controllers.js";
import { againAfter, done, TerminalError, type PassOutcome } from "../runtime/outcome.js";
import type { WorkQueue } from "../runtime/work-queue.js";
import { ObservedCapacity } from "./observed-capacity.js";
import { needsWholeHistory } from "./activity-summary.js";
import { commitScalingPass, readScalingWorld, withWholeHistory, type ScalingWorld } from "./scaling-world.js";
import { readTargetConfig, ScalingConfigView, type TargetConfig } from "./scaling-config-view.js";

export interface AutoscalerOptions {
  store: BerthStore;
  clock: Clock;
  log: Logger;
  scale: TimeScale;
  metrics: MetricsReader;
  quotas: Quotas;
  /** What one instance of a type offers (the catalog's shape): a variant's lowered instance count must leave room for its copies. */
  instanceCapacityOf?: (instanceType: string) => Resources | undefined;
  /** Ids of new scaling activities. */
  newId?: () => string;
  /**
   * Deregisters a target with its policies, their alarms and its scheduled actions, as
   * DeregisterScalableTarget does: used when the component or variant it scales is gone, as AAS does
   * when an endpoint is deleted.
   */
  deregister: (resourceId: string, dimension: string) => Promise<void>;
}

interface PendingTrigger {
  trigger: ScalingTrigger;
  /** Resolves whoever asked once the trigger's pass is committed (or the controllers stop). */
  settle: () => void;
}

const componentDimension = "sagemaker:inference-component:DesiredCopyCount";

/**
 * Runs Application Auto Scaling for Berth, keyed by scalable target: every metric resolution period a
 * pass runs the scheduled actions that are due, evaluates the target-tracking policies and settles
 * earlier activities; step policies (called by
 * their alarms), waking a component from zero copies and clamping to new limits are passes of the same
 * key, queued with their trigger. Each pass is one pure decision (decideScalingPass) committed in one
 * compare-and-set commit.
 */
export class Autoscaler implements Controller {
  readonly name = "autoscaling";
  readonly #options: AutoscalerOptions;
  /** Triggers not yet committed, by target key, oldest first. */
  readonly #triggers = new Map<string, PendingTrigger[]>();
  readonly #known = new Set<string>();
  #queue?: WorkQueue;
  /** Latest waiting count per component whose target lookup for a backlog report is running. */
  readonly #backlogs = new Map<string, number>();

  readonly #observed: ObservedCapacity;
  /** Targets, policies and scheduled actions while running; a new view each start, as events before it went unseen. */
  #view: ScalingConfigView | undefined;

  constructor(options: AutoscalerOptions) {
    this.#options = options;
    this.#observed = new ObservedCapacity(options.store);
  }

  /** Scaling-policy ARNs in CloudWatch alarm actions run step scaling, again every period while in ALARM. */
  actionHandler(): AlarmActionHandler {
    return { matches: (arn) => arn.startsWith("arn:aws:autoscaling:"), repeats: true, invoke: (arn, event) => this.onAlarmAction(arn, event) };
  }

  async begin(queue: WorkQueue): Promise<() => void> {
    const { store } = this.#options;
    this.#queue = queue;
    this.#observed.clear();
    const view = new ScalingConfigView();
    const unwatch = store.watch((events) => {
      this.#observed.changed(events);
      view.apply(events);
      for (const event of events) {
        // A deleted component or endpoint: its targets look now, and go with it.
        if ((event.kind === "inference-component" || event.kind === "endpoint") && event.type === "delete") {
          for (const key of this.#known) queue.enqueue(key);
          continue;
        }
        if (event.kind !== "scalable-target") continue;
        // A target's own passes stamp it; only new and deleted targets need a look now.
        if (event.type === "delete") this.#known.delete(event.key);
        else if (this.#known.has(event.key)) continue;
        else this.#known.add(event.key);
        queue.enqueue(event.key);
      }
    });
    await view.load(store);
    this.#view = view;
    for (const key of [...view.targetKeys()]) {
      this.#known.add(key);
      queue.enqueue(key);
    }
    for (const key of this.#triggers.keys()) queue.enqueue(key);
    return () => {
      unwatch();
      if (this.#view === view) this.#view = undefined;
      if (this.#queue === queue) this.#queue = undefined;
      this.#known.clear();
      // Triggers stay queued for the next start; only their callers stop waiting.
      for (const pending of this.#triggers.values()) for (const p of pending) p.settle();
    };
  }

  /** After RegisterScalableTarget: bring the capacity inside the new limits at once, as AAS does. */
  clampTarget(resourceId: string, dimension: string): void {
    void this.#trigger(keys.scalableTarget(resourceId, dimension), { kind: "clamp" });
  }

  /**
   * A request arrived for a component with no copies. With a scalable target allowing at least one copy
   * (and no step policy of its own), Berth starts one at once rather than failing requests until an
   * alarm notices.
   */
  wake(componentName: string): void {
    void this.#targetOfComponent(componentName)
      .then((key) => (key ? this.#trigger(key, { kind: "wake", component: componentName }) : undefined))
      .catch((error) => this.#options.log.warn({ err: error, component: componentName }, `could not wake inference component ${componentName}`));
  }

  /**
   * Requests wait for a copy of a component (held, or queued behind busy copies). Berth's addition: when
   * more wait than its ready and starting copies absorb, it grows at once (decideBacklogGrowth). Only
   * while this process runs the controllers: a later request reports the backlog again.
   */
  backlog(componentName: string, waiting: number): void {
    if (!this.#queue || this.#queue.stopped) return;
    // The router reports every request that starts waiting: while one lookup of the component's target
    // runs, later reports only update the count it will pass on, so a burst costs one store read, not one per request.
    const lookingUp = this.#backlogs.has(componentName);
    this.#backlogs.set(componentName, waiting);
    if (lookingUp) return;
    void this.#targetOfComponent(componentName)
      .then((key) => {
        const latest = this.#backlogs.get(componentName) ?? waiting;
        this.#backlogs.delete(componentName);
        return key ? this.#trigger(key, { kind: "backlog", component: componentName, waiting: latest }) : undefined;
      })
      .catch((error) => {
        this.#backlogs.delete(componentName);
        this.#options.log.warn({ err: error, component: componentName }, `could not grow inference component ${componentName}`);
      });
  }

  async onAlarmAction(policyArn: string, event: AlarmTransition): Promise<void> {
    if (event.alarm.state !== "ALARM") return;
    const key = policyKeyOfArn(policyArn);
    const policy = key ? (await this.#options.store.get("scaling-policy", key))?.value : undefined;
    if (!policy || policy.arn !== policyArn || policy.policyType !== "StepScaling") return;
    const config = event.alarm.config as { Threshold?: number };
    await this.#trigger(keys.scalableTarget(policy.resourceId, policy.scalableDimension), {
      kind: "step",
      policyName: policy.name,
      alarmName: event.alarm.name,
      threshold: config.Threshold ?? 0,
      value: event.value,
      aggregates: event.aggregates,
    });
  }

  async reconcile(key: string): Promise<PassOutcome> {
    const { store, clock, log, scale, quotas } = this.#options;
    const view = this.#view;
    const config = view?.config(key) ?? (await this.#readConfig(key, view));
    if (!config) {
      this.#drop(key);
      return done;
    }
    const target = config.target;
    const resource = parseResourceId(target.value.resourceId, target.value.scalableDimension);
    if (!resource) throw new TerminalError(`scalable target ${target.value.resourceId} (${target.value.scalableDimension}) names no resource Berth can scale`);
    const pending = this.#triggers.get(key)?.[0];
    const trigger: ScalingTrigger = pending?.trigger ?? { kind: "track" };
    let world = await readScalingWorld(
      store,
      this.#observed,
      this.#options.metrics,
      scale,
      config,
      resource,
      trigger,
      clock.now(),
      this.#options.instanceCapacityOf,
    );
    if (!world.input.holder) return this.#deregisterOrphan(key, target.value);
    const decide = (input: ScalingWorld["input"]) =>
      decideScalingPass({ ...input, trigger, newId: this.#options.newId ?? randomUUID, zoneOf: zoneOffset, scale, quotas, keep: keptActivitiesPerTarget });
    let result = decide(world.input);
    if (needsWholeHistory(world.activities, result, keptActivitiesPerTarget)) {
      world = await withWholeHistory(store, world);
      result = decide(world.input);
    }
    // A conflict throws: the runtime runs the pass again from a fresh read, with the trigger still queued.
    try {
      const committed = await commitScalingPass(store, world, result);
      if (committed) view?.committed(committed.ops, committed.revision);
    } catch (error) {
      if (StoreConflictError.is(error)) view?.conflicted(key);
      throw error;
    }
    if (pending) this.#consume(key, pending);
    logPass(log, target.value, result);
    if ((this.#triggers.get(key)?.length ?? 0) > 0) return againAfter(0);
    // Just after the period closes, as the alarms evaluate: a breach is acted on at once rather than up to a
    // period later, and every target's pass of a period runs in one burst rather than one wake-up each.
    return againAfter(Math.max(50, nextPeriodClose(clock.now(), scale.ms(metricResolutionSeconds), scale) - clock.now()));
  }

  async #readConfig(key: string, view: ScalingConfigView | undefined): Promise<TargetConfig | undefined> {
    const config = await readTargetConfig(this.#options.store, key);
    if (config) view?.keep(config);
    return config;
  }

  async #deregisterOrphan(key: string, target: ScalableTargetRecord): Promise<PassOutcome> {
    const { resourceId, scalableDimension } = target;
    try {
      await this.#options.deregister(resourceId, scalableDimension);
    } catch (error) {
      // Deregistered meanwhile by its owner: nothing is left to remove.
      if (!BerthError.is(error) || error.code !== "ObjectNotFoundException") throw error;
    }
    this.#options.log.info(
      { resourceId },
      `scalable target ${resourceId} deregistered, with its policies and scheduled actions: the resource it scaled was deleted`,
    );
    this.#drop(key);
    return done;
  }

  #trigger(key: string, trigger: ScalingTrigger): Promise<void> {
    const pending = this.#triggers.get(key) ?? [];
    // Waking and clamping look at the capacity when they run, so one of each pending is enough; every step action counts.
    const same = trigger.kind !== "step" ? pending.find((p) => p.trigger.kind === trigger.kind) : undefined;
    // A backlog pass acts on the latest count reported.
    if (same && same.trigger.kind === "backlog" && trigger.kind === "backlog") same.trigger = trigger;
    const promise = same
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          pending.push({ trigger, settle: resolve });
          this.#triggers.set(key, pending);
        });
    if (!this.#queue || this.#queue.stopped) return Promise.resolve();
    this.#queue.enqueue(key);
    return promise;
  }

  #consume(key: string, pending: PendingTrigger): void {
    const list = this.#triggers.get(key);
    if (!list) return;
    const at = list.indexOf(pending);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.#triggers.delete(key);
    pending.settle();
  }

  #drop(key: string): void {
    this.#known.delete(key);
    for (const p of this.#triggers.get(key) ?? []) p.settle();
    this.#triggers.delete(key);
  }

  async #targetOfComponent(componentName: string): Promise<string | undefined> {
    const { store } = this.#options;
    const exact = keys.scalableTarget(componentResourceId(componentName), componentDimension);
    if (await store.get("scalable-target", exact)) return exact;
    const wanted = nameKey(componentResourceId(componentName));
    const found = (await store.list("scalable-target")).find((t) => t.value.scalableDimension === componentDimension && nameKey(t.value.resourceId) === wanted);
    return found?.key;
  }
}

/** The store key of the policy an ARN names (…:resource/sagemaker/<resource id>:policyName/<name>); resource ids hold no ':'. */
function policyKeyOfArn(arn: string): string | undefined {
  const match = /:resource\/sagemaker\/([^:]+):policyName\/(.+)$/.exec(arn);
  if (!match) return undefined;
  const resourceId = match[1]!;
  const dimension = resourceId.startsWith("inference-component/") ? componentDimension : "sagemaker:variant:DesiredInstanceCount";
  return keys.scalingPolicy(resourceId, dimension, match[2]!);
}

/** Activities kept per target; a pass that records more prunes the oldest in the same commit. */
export const keptActivitiesPerTarget = 200;

function logPass(log: Logger, target: ScalableTargetRecord, result: ScalingPassResult): void {
  for (const line of result.events) log.info({ resourceId: target.resourceId }, line);
}

export type { CapacityHolder, ScalableResource };
