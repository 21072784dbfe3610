import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ScalableTargetRecord, ScalingActivityRecord } from "../../src/autoscaling/records.js";
import { activityKey } from "../../src/controllers/autoscaling/activity-summary.js";
import { keptActivitiesPerTarget } from "../../src/controllers/autoscaling/autoscaler.js";
import { keys } from "../../src/state/keys.js";
import { put, type BerthStore } from "../../src/state/records.js";
import { component, newStore } from "../state/builders.js";
import { autoscalerAt } from "../support/autoscaling.js";

const dimension = "sagemaker:inference-component:DesiredCopyCount" as const;
const resourceId = "inference-component/history";
const now = 1_800_000_000_000;

function target(summary?: ScalableTargetRecord["activities"]): ScalableTargetRecord {
  return {
    serviceNamespace: "sagemaker",
    resourceId,
    scalableDimension: dimension,
    minCapacity: 1,
    maxCapacity: 2,
    roleArn: "arn:aws:iam::000000000000:role/test",
    arn: "arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target/history",
    suspendedState: {},
    createdAt: 1,
    ...(summary ? { activities: summary } : {}),
  };
}

function activity(i: number): ScalingActivityRecord {
  return {
    activityId: `activity-${String(i).padStart(4, "0")}`,
    serviceNamespace: "sagemaker",
    resourceId,
    scalableDimension: dimension,
    description: "Setting desired copy count to 1.",
    cause: "an earlier test decision",
    startTime: now - 1_000_000 + i,
    endTime: now - 1_000_000 + i,
    statusCode: "Successful",
    desired: 1,
  };
}

/** A component at `copies` copies with a target of 1–2 copies and `stored` finished activities. */
async function seed(store: BerthStore, copies: number, stored: number, summary: boolean): Promise<string[]> {
  const activities = Array.from({ length: stored }, (_, i) => activity(i));
  await store.commit([
    put("inference-component", keys.component("history"), { ...component("history", "endpoint"), desiredCopyCount: copies }),
    put("scalable-target", keys.scalableTarget(resourceId, dimension), target(summary ? { count: stored, open: [] } : undefined)),
    ...activities.map((a) => put("scaling-activity", activityKey(a), a)),
  ]);
  return activities.map(activityKey);
}

async function stored(store: BerthStore) {
  const activities = await store.list("scaling-activity", { prefix: keys.underTarget(resourceId, dimension) });
  const summary = (await store.get("scalable-target", keys.scalableTarget(resourceId, dimension)))!.value.activities;
  return { keys: activities.map((a) => a.key), values: activities.map((a) => a.value), summary };
}

describe("a target's activity history", () => {
  it("keeps the newest activities when a pass adds one beyond the kept number, and the count and open activities in the target", async () => {
    const store = newStore();
    const before = await seed(store, 3, keptActivitiesPerTarget, true);
    const scaler = autoscalerAt(store, now);
    // Clamping 3 copies into 1–2 records one InProgress activity: the oldest stored one goes in the same commit.
    scaler.clampTarget(resourceId, dimension);
    await scaler.reconcile(keys.scalableTarget(resourceId, dimension));
    const after = await stored(store);
    assert.equal(after.keys.length, keptActivitiesPerTarget, "the target keeps the kept number of activities");
    assert.ok(!after.keys.includes(before[0]!), "the oldest activity is pruned");
    const added = after.values.find((a) => a.statusCode === "InProgress");
    assert.equal(added?.description, "Setting desired copy count to 2.");
    assert.deepEqual(after.summary, { count: keptActivitiesPerTarget, open: [activityKey(added!)] });
    await store.close();
  });

  it("counts the history of a target stored without a count, the first time a pass commits", async () => {
    const store = newStore();
    await seed(store, 3, 5, false);
    const scaler = autoscalerAt(store, now);
    scaler.clampTarget(resourceId, dimension);
    await scaler.reconcile(keys.scalableTarget(resourceId, dimension));
    const after = await stored(store);
    const open = after.values.filter((a) => a.statusCode === "InProgress").map(activityKey);
    assert.equal(open.length, 1);
    assert.deepEqual(after.summary, { count: 6, open });
    await store.close();
  });
});
