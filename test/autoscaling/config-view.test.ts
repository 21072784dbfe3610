import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ScalableTargetRecord, ScalingPolicyRecord, ScheduledActionRecord } from "../../src/autoscaling/records.js";
import { Autoscaler } from "../../src/controllers/autoscaling/autoscaler.js";
import { ScalingConfigView } from "../../src/controllers/autoscaling/scaling-config-view.js";
import { done } from "../../src/controllers/runtime/outcome.js";
import { WorkQueue } from "../../src/controllers/runtime/work-queue.js";
import { keys } from "../../src/state/keys.js";
import { del, put, StoreConflictError, type BerthStore, type ChangeEvent } from "../../src/state/records.js";
import { systemClock } from "../../src/util/clock.js";
import { silentLogger } from "../../src/util/logger.js";
import { component, newStore } from "../state/builders.js";
import { autoscalerAt } from "../support/autoscaling.js";

const dimension = "sagemaker:inference-component:DesiredCopyCount" as const;
const at = Date.parse("2026-12-05T09:00:30Z");

function target(name: string, limits: { min: number; max: number }): ScalableTargetRecord {
  return {
    serviceNamespace: "sagemaker",
    resourceId: `inference-component/${name}`,
    scalableDimension: dimension,
    minCapacity: limits.min,
    maxCapacity: limits.max,
    roleArn: "arn:aws:iam::000000000000:role/test",
    arn: `arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target/${name}`,
    suspendedState: {},
    createdAt: 1,
  };
}

function policy(name: string, policyName: string): ScalingPolicyRecord {
  return {
    name: policyName,
    arn: `arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:x:resource/sagemaker/inference-component/${name}:policyName/${policyName}`,
    serviceNamespace: "sagemaker",
    resourceId: `inference-component/${name}`,
    scalableDimension: dimension,
    policyType: "TargetTrackingScaling",
    targetTracking: {
      TargetValue: 4,
      PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution" },
    },
    alarms: [],
    createdAt: 1,
  };
}

/** Every morning at 09:00 UTC, at least `min` copies. */
function mornings(name: string, min: number): ScheduledActionRecord {
  return {
    name: "mornings",
    arn: "action-arn",
    serviceNamespace: "sagemaker",
    resourceId: `inference-component/${name}`,
    scalableDimension: dimension,
    schedule: "cron(0 9 * * ? *)",
    minCapacity: min,
    createdAt: Date.parse("2026-12-04T00:00:00Z"),
    putAt: Date.parse("2026-12-04T00:00:00Z"),
  };
}

async function seed(store: BerthStore, name: string, copies: number, limits: { min: number; max: number }): Promise<string> {
  const key = keys.scalableTarget(`inference-component/${name}`, dimension);
  await store.commit([
    put("inference-component", keys.component(name), { ...component(name, "endpoint"), desiredCopyCount: copies }),
    put("scalable-target", key, target(name, limits)),
  ]);
  return key;
}

/** An autoscaler started on the store, whose passes the test runs itself (the queue's own do nothing). */
async function started(store: BerthStore): Promise<{ scaler: Autoscaler; stop: () => Promise<void> }> {
  const scaler = autoscalerAt(store, at);
  const queue = new WorkQueue({ name: "autoscaling", reconcile: async () => done, clock: systemClock, log: silentLogger() });
  const end = await scaler.begin(queue);
  return {
    scaler,
    stop: async () => {
      end();
      await queue.stop();
    },
  };
}

/** The store with its watch held back while `held` is true, as an etcd watch reports a commit after it. */
function withLaggingWatch(store: BerthStore): { store: BerthStore; hold: () => void; release: () => void } {
  const listeners = new Set<(events: ChangeEvent[]) => void>();
  let held: ChangeEvent[][] | undefined;
  store.watch((events) => (held ? held.push(events) : listeners.forEach((l) => l(events))));
  const lagging: BerthStore = {
    get: (kind, key) => store.get(kind, key),
    list: (kind, options) => store.list(kind, options),
    commit: (ops) => store.commit(ops),
    revision: () => store.revision(),
    close: () => store.close(),
    watch: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    store: lagging,
    hold: () => (held = []),
    release: () => {
      const events = held ?? [];
      held = undefined;
      for (const batch of events) listeners.forEach((l) => l(batch));
    },
  };
}

async function copies(store: BerthStore, name: string): Promise<number | undefined> {
  return (await store.get("inference-component", keys.component(name)))?.value.desiredCopyCount;
}

describe("the autoscaler's view of targets, policies and scheduled actions", () => {
  it("runs a scheduled action put after the autoscaler started, at its time", async () => {
    const store = newStore();
    const key = await seed(store, "mornings", 1, { min: 1, max: 4 });
    const { scaler, stop } = await started(store);
    await store.commit([put("scheduled-action", keys.scheduledAction("inference-component/mornings", dimension, "mornings"), mornings("mornings", 3))]);
    await scaler.reconcile(key);
    assert.equal(await copies(store, "mornings"), 3, "the pass ran the action it learned of from the store's watch");
    assert.equal((await store.get("scalable-target", key))?.value.minCapacity, 3);
    await stop();
    await store.close();
  });

  it("reads a target from the store again after deciding on a stale copy, and never commits the stale decision", async () => {
    const base = newStore();
    const key = await seed(base, "stale", 3, { min: 1, max: 2 });
    const { store, hold, release } = withLaggingWatch(base);
    const { scaler, stop } = await started(store);
    hold();
    // Raised to 3–4 copies while the autoscaler's view still says 1–2.
    const current = (await base.get("scalable-target", key))!;
    await base.commit([put("scalable-target", key, { ...current.value, minCapacity: 3, maxCapacity: 4 })]);
    scaler.clampTarget("inference-component/stale", dimension);
    await assert.rejects(scaler.reconcile(key), (error) => StoreConflictError.is(error), "a clamp decided from the stale limits fails its compare-and-set");
    assert.equal(await copies(base, "stale"), 3, "the stale decision (down to 2 copies) was not committed");
    await scaler.reconcile(key);
    assert.equal(await copies(base, "stale"), 3, "the pass after the conflict decides from the stored limits: 3 copies are within 3–4");
    release();
    await stop();
    await base.close();
  });

  it("keeps each target's policies and scheduled actions apart, and follows their deletion", async () => {
    const store = newStore();
    const first = await seed(store, "first", 1, { min: 1, max: 2 });
    const second = await seed(store, "second", 1, { min: 1, max: 2 });
    const firstPolicy = keys.scalingPolicy("inference-component/first", dimension, "concurrency");
    await store.commit([
      put("scaling-policy", firstPolicy, policy("first", "concurrency")),
      put("scaling-policy", keys.scalingPolicy("inference-component/second", dimension, "b"), policy("second", "b")),
      put("scaling-policy", keys.scalingPolicy("inference-component/second", dimension, "a"), policy("second", "a")),
      put("scheduled-action", keys.scheduledAction("inference-component/second", dimension, "mornings"), mornings("second", 2)),
    ]);
    const view = new ScalingConfigView();
    store.watch((events) => view.apply(events));
    await view.load(store);
    assert.deepEqual(
      view.config(first)?.policies.map((p) => p.value.name),
      ["concurrency"],
    );
    assert.deepEqual(view.config(first)?.scheduled, []);
    assert.deepEqual(
      view.config(second)?.policies.map((p) => p.value.name),
      ["a", "b"],
      "in key order, as a store list gives them",
    );
    assert.equal(view.config(second)?.scheduled.length, 1);
    await store.commit([del("scaling-policy", firstPolicy)]);
    assert.deepEqual(view.config(first)?.policies, []);
    view.conflicted(second);
    assert.equal(view.config(second), undefined, "a target whose commit conflicted is read from the store");
    await store.commit([del("scalable-target", first)]);
    assert.equal(view.config(first), undefined);
    await store.close();
  });
});
