import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  ApplicationAutoScalingClient,
  DescribeScalingActivitiesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import type { ScalingActivityRecord } from "../../src/autoscaling/records.js";
import { activityKey } from "../../src/controllers/autoscaling/activity-summary.js";
import { keys } from "../../src/state/keys.js";
import type { BerthRecords } from "../../src/state/records.js";
import { SqliteStore } from "../../src/store/sqlite-store.js";
import { credentials, newDataDir, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { eventually } from "../support/wait.js";

const dimension = "sagemaker:inference-component:DesiredCopyCount";
// At a 0.5 s scaling period a 60 s alarm period lasts 0.5 s: each alarm in ALARM calls its step policy twice a second.
const config = { scalingPeriodSeconds: 0.5 };
const rounds = 5;

function clients(berth: BerthProcess) {
  const options = { endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 };
  return { aas: new ApplicationAutoScalingClient(options), cloudwatch: new CloudWatchClient(options) };
}

/** Step policies, each called every period by an alarm that stays in ALARM (a metric nobody writes, missing data breaching). */
async function startBurst(
  berth: BerthProcess,
  component: string,
  limits: { min: number; max: number },
  policies: { name: string; adjustment: number; period: number }[],
): Promise<void> {
  const { aas, cloudwatch } = clients(berth);
  const target = { ServiceNamespace: "sagemaker" as const, ResourceId: `inference-component/${component}`, ScalableDimension: dimension as never };
  await aas.send(new RegisterScalableTargetCommand({ ...target, MinCapacity: limits.min, MaxCapacity: limits.max }));
  const step = async (name: string, adjustment: number, period: number) => {
    const policy = await aas.send(
      new PutScalingPolicyCommand({
        ...target,
        PolicyName: name,
        PolicyType: "StepScaling",
        StepScalingPolicyConfiguration: {
          AdjustmentType: "ChangeInCapacity",
          StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: adjustment }],
          Cooldown: 0,
        },
      }),
    );
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: `${component}-${name}`,
        Namespace: "Test/Crash",
        MetricName: "Unwritten",
        Dimensions: [{ Name: "InferenceComponentName", Value: component }],
        Statistic: "Sum",
        Period: period,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "breaching",
        AlarmActions: [policy.PolicyARN!],
      }),
    );
  };
  for (const policy of policies) await step(policy.name, policy.adjustment, policy.period);
}

async function activityCount(berth: BerthProcess, component: string): Promise<number> {
  const { aas } = clients(berth);
  let count = 0;
  let token: string | undefined;
  do {
    const page = await aas.send(
      new DescribeScalingActivitiesCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: `inference-component/${component}`,
        ScalableDimension: dimension as never,
        IncludeNotScaledActivities: true,
        NextToken: token,
      }),
    );
    count += page.ScalingActivities!.length;
    token = page.NextToken;
  } while (token);
  return count;
}

const isChange = (a: ScalingActivityRecord) => a.statusCode !== "Failed";

/** Reads the stopped server's store and checks every component's decisions. Returns the capacity changes and not-scaled activities of each. */
async function checkStoredState(dataDir: string, components: string[], initialCopies: number, round: number) {
  const store = new SqliteStore<BerthRecords>(join(dataDir, "berth.db"));
  try {
    const seen: { changes: number; refusals: number }[] = [];
    for (const component of components) seen.push(await checkComponent(store, component, initialCopies, `after kill ${round}, ${component}`));
    return seen;
  } finally {
    await store.close();
  }
}

/** Checks that every decision on one component was committed whole. */
async function checkComponent(store: SqliteStore<BerthRecords>, component: string, initialCopies: number, where: string) {
  {
    const resourceId = `inference-component/${component}`;
    const target = (await store.get("scalable-target", keys.scalableTarget(resourceId, dimension)))!.value;
    const policies = new Map((await store.list("scaling-policy", { prefix: keys.underTarget(resourceId, dimension) })).map((p) => [p.value.name, p.value]));
    const copies = (await store.get("inference-component", keys.component(component)))!.value.desiredCopyCount;
    const activities = (await store.list("scaling-activity", { prefix: keys.underTarget(resourceId, dimension) })).map((a) => a.value);

    assert.equal(new Set(activities.map((a) => a.activityId)).size, activities.length, `${where}: an activity id is recorded twice`);
    // The count and open activities a pass reads instead of the history are committed with the activities.
    if (activities.length > 0 || target.activities)
      assert.deepEqual(
        target.activities,
        {
          count: activities.length,
          open: activities
            .filter((a) => a.statusCode === "InProgress")
            .map(activityKey)
            .sort(),
        },
        `${where}: the target's activity count and open activities do not match the stored activities`,
      );

    // Capacity changes in the order they were made; each step moves the count by exactly one.
    const changes = activities.filter(isChange).sort((a, b) => a.startTime - b.startTime);
    let previous = initialCopies;
    let lastOut: ScalingActivityRecord | undefined;
    let lastIn: ScalingActivityRecord | undefined;
    for (const change of changes) {
      assert.equal(
        Math.abs(change.desired - previous),
        1,
        `${where}: the copy count went from ${previous} to ${change.desired} in one recorded step (a step doubled, or a change has no activity)`,
      );
      if (change.desired > previous) lastOut = change;
      else lastIn = change;
      previous = change.desired;
    }
    assert.equal(copies, previous, `${where}: the copy count (${copies}) is not what the recorded activities set (${previous})`);

    // Cooldowns: the last change each way is stamped on the target and on the policy that made it.
    assert.equal(target.lastScaleOutAt, lastOut?.startTime, `${where}: the target's lastScaleOutAt does not match the last scale-out activity`);
    assert.equal(target.lastScaleInAt, lastIn?.startTime, `${where}: the target's lastScaleInAt does not match the last scale-in activity`);
    assert.equal(policies.get("out")?.lastActivityAt, lastOut?.startTime, `${where}: policy out's cooldown stamp does not match its last activity`);
    assert.equal(policies.get("in")?.lastActivityAt, lastIn?.startTime, `${where}: policy in's cooldown stamp does not match its last activity`);

    // A refusal is recorded once until the capacity changes, restarts included.
    const timeline = [...activities].sort((a, b) => a.startTime - b.startTime);
    const seen = new Set<string>();
    for (const activity of timeline) {
      if (isChange(activity)) {
        seen.clear();
        continue;
      }
      const reason = activity.notScaledReasons?.[0];
      const signature = `${activity.cause.match(/policy (\w+)/)?.[1]}|${reason?.Code}|${reason?.CurrentCapacity}`;
      assert.ok(!seen.has(signature), `${where}: the same not-scaled activity (${signature}) was recorded twice without a change in between`);
      seen.add(signature);
    }
    return { changes: changes.length, refusals: activities.length - changes.length };
  }
}

describe("scaling decisions survive a crash at any point", () => {
  let berth: BerthProcess;
  let component: string;
  let pinned: string;
  const dataDir = newDataDir();
  const initialCopies = 1;

  before(async () => {
    berth = await startBerth({ dataDir, config });
    // One instance with one GPU: the first copy runs, a second cannot be placed, so the burst moves only the desired count.
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.xlarge" });
    component = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: initialCopies, accelerators: 1 }));
    pinned = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: initialCopies, accelerators: 0 }));
    // Two policies pull the copy count up and down by one; their alarms' periods differ, so their passes never share a millisecond.
    await startBurst(berth, component, { min: 1, max: 2 }, [
      { name: "out", adjustment: 1, period: 60 },
      { name: "in", adjustment: -1, period: 120 },
    ]);
    // A policy that can never scale: its refusal is one activity, however often the server restarts.
    await startBurst(berth, pinned, { min: 1, max: 1 }, [{ name: "out", adjustment: 1, period: 60 }]);
  });
  after(() => berth?.stop());

  it("keeps every cooldown, never doubles a step and records each activity once across SIGKILLs", async () => {
    let changes = 0;
    for (let round = 1; round <= rounds; round++) {
      const before = await activityCount(berth, component);
      // Kill after a random number of new activities, at whatever point of a pass the server then is.
      const wanted = before + 1 + Math.floor(Math.random() * 3);
      await eventually(async () => ((await activityCount(berth, component)) >= wanted && (await activityCount(berth, pinned)) >= 1 ? true : undefined), {
        timeoutMs: 60_000,
        intervalMs: 20,
        what: `${wanted - before} more scaling activities in round ${round}, and the pinned component's refusal`,
      });
      if (round % 2 === 0) {
        // Every other round, kill the moment the server logs a scaling decision: right after the decision's commit.
        const from = berth.logs.length;
        await berth.waitForLog((line) => berth.logs.indexOf(line) >= from && /^autoscaling .*: \d+ → \d+/.test(String(line.msg)), 60_000);
      }
      await berth.kill();
      const [burst, steady] = await checkStoredState(dataDir, [component, pinned], initialCopies, round);
      changes = burst!.changes;
      assert.deepEqual(steady, { changes: 0, refusals: 1 }, `after kill ${round}: the pinned component's refusal is recorded exactly once`);
      berth = await startBerth({ dataDir, config });
    }
    assert.ok(changes >= rounds, `the burst made only ${changes} capacity changes over ${rounds} rounds`);
  });
});
