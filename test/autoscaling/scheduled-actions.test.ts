import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ApplicationAutoScalingClient,
  DeleteScheduledActionCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
  DescribeScheduledActionsCommand,
  LimitExceededException,
  ObjectNotFoundException,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
  ValidationException,
} from "@aws-sdk/client-application-auto-scaling";
import { DescribeInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { eventually } from "../support/wait.js";

const dimension = "sagemaker:inference-component:DesiredCopyCount" as const;

/** at() text for a moment `minutes` schedule-minutes from now, in a zone `hoursAhead` of UTC (a zone without DST). */
function atIn(minutes: number, hoursAhead = 0): string {
  return `at(${new Date(Date.now() + minutes * 60_000 + hoursAhead * 3_600_000).toISOString().slice(0, 19)})`;
}

describe("scheduled scaling (Application Auto Scaling scheduled actions)", () => {
  let berth: BerthProcess;
  let aas: ApplicationAutoScalingClient;
  let endpoint: string;
  // At a 1 s scaling period a schedule minute lasts one real second.
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 1 } });
    aas = new ApplicationAutoScalingClient({ endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 });
    endpoint = await createIcEndpoint(berth.sagemaker);
  });
  after(async () => {
    await berth.stop();
  });

  async function scalableComponent(copies: number, min: number, max: number) {
    const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies, accelerators: 0 }));
    const target = { ServiceNamespace: "sagemaker" as const, ResourceId: `inference-component/${component}`, ScalableDimension: dimension };
    await aas.send(new RegisterScalableTargetCommand({ ...target, MinCapacity: min, MaxCapacity: max }));
    return { component, target };
  }

  async function copies(component: string) {
    const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: component }));
    return { desired: d.RuntimeConfig!.DesiredCopyCount!, current: d.RuntimeConfig!.CurrentCopyCount! };
  }

  async function limits(resourceId: string) {
    const t = (await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", ResourceIds: [resourceId] }))).ScalableTargets![0]!;
    return [t.MinCapacity, t.MaxCapacity];
  }

  async function activities(resourceId: string): Promise<string[]> {
    const found = await aas.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: "sagemaker", ResourceId: resourceId }));
    return found.ScalingActivities!.map((a) => `${a.Description} | ${a.Cause} | ${a.StatusCode}`);
  }

  /** Waits for activities with these "Description | Cause | StatusCode" lines to be listed. */
  async function listed(resourceId: string, ...lines: string[]) {
    let seen: string[] = [];
    await eventually(
      async () => {
        seen = await activities(resourceId);
        return lines.every((line) => seen.includes(line)) ? true : undefined;
      },
      { timeoutMs: 30_000, what: () => `activities ${lines.join("; ")} (listed: ${seen.join("; ")})` },
    );
  }

  async function reaches(component: string, wanted: number, what: string) {
    await eventually(
      async () => {
        const state = await copies(component);
        return state.desired === wanted && state.current === wanted ? true : undefined;
      },
      { timeoutMs: 30_000, what },
    );
  }

  it("creates, lists, replaces and deletes scheduled actions, paging and filtering as AAS does", async () => {
    const { target } = await scalableComponent(1, 1, 4);
    const start = new Date("2030-01-01T00:00:00Z");
    await aas.send(
      new PutScheduledActionCommand({
        ...target,
        ScheduledActionName: "business-hours",
        Schedule: "cron(0 8 ? * MON-FRI *)",
        Timezone: "Europe/Berlin",
        StartTime: start,
        ScalableTargetAction: { MinCapacity: 3 },
      }),
    );
    await aas.send(
      new PutScheduledActionCommand({ ...target, ScheduledActionName: "nights", Schedule: "cron(0 20 * * ? *)", ScalableTargetAction: { MinCapacity: 1 } }),
    );
    const first = await aas.send(new DescribeScheduledActionsCommand({ ServiceNamespace: "sagemaker", ResourceId: target.ResourceId, MaxResults: 1 }));
    assert.equal(first.ScheduledActions!.length, 1);
    assert.ok(first.NextToken, "a second page");
    const action = first.ScheduledActions![0]!;
    assert.equal(action.ScheduledActionName, "business-hours");
    assert.equal(action.Schedule, "cron(0 8 ? * MON-FRI *)");
    assert.equal(action.Timezone, "Europe/Berlin");
    assert.equal(action.StartTime?.toISOString(), start.toISOString());
    assert.deepEqual(action.ScalableTargetAction, { MinCapacity: 3 });
    assert.match(
      action.ScheduledActionARN!,
      /^arn:aws:autoscaling:us-east-1:\d+:scheduledAction:[0-9a-f-]+:resource\/sagemaker\/inference-component\/.+:scheduledActionName\/business-hours$/,
    );
    assert.ok(action.CreationTime instanceof Date);
    const second = await aas.send(
      new DescribeScheduledActionsCommand({ ServiceNamespace: "sagemaker", ResourceId: target.ResourceId, MaxResults: 1, NextToken: first.NextToken }),
    );
    assert.deepEqual(
      second.ScheduledActions!.map((a) => a.ScheduledActionName),
      ["nights"],
    );
    assert.equal(second.NextToken, undefined);

    // A put with the same name replaces the action; what it leaves out keeps its value.
    await aas.send(new PutScheduledActionCommand({ ...target, ScheduledActionName: "nights", Schedule: "cron(0 22 * * ? *)" }));
    const named = await aas.send(
      new DescribeScheduledActionsCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: target.ResourceId,
        ScalableDimension: dimension,
        ScheduledActionNames: ["nights"],
      }),
    );
    assert.deepEqual(
      named.ScheduledActions!.map((a) => [a.Schedule, a.ScalableTargetAction]),
      [["cron(0 22 * * ? *)", { MinCapacity: 1 }]],
    );

    await aas.send(new DeleteScheduledActionCommand({ ...target, ScheduledActionName: "nights" }));
    const left = await aas.send(new DescribeScheduledActionsCommand({ ServiceNamespace: "sagemaker", ResourceId: target.ResourceId }));
    assert.deepEqual(
      left.ScheduledActions!.map((a) => a.ScheduledActionName),
      ["business-hours"],
    );
    const missing = await aas.send(new DeleteScheduledActionCommand({ ...target, ScheduledActionName: "nights" })).catch((e: unknown) => e);
    assert.ok(missing instanceof ObjectNotFoundException, String(missing));
    assert.match(
      missing.message,
      /No scheduled action found for service namespace: sagemaker, resource ID: inference-component\/.+, scheduled action name: nights/,
    );

    // Deregistering the target removes its scheduled actions.
    await aas.send(new DeregisterScalableTargetCommand(target));
    const gone = await aas.send(new DescribeScheduledActionsCommand({ ServiceNamespace: "sagemaker", ResourceId: target.ResourceId }));
    assert.deepEqual(gone.ScheduledActions, []);
  });

  it("refuses bad schedules, time zones and limits, and actions on a target that is not registered, with AAS's exception classes", async () => {
    const { target } = await scalableComponent(1, 1, 4);
    const put = (input: Partial<ConstructorParameters<typeof PutScheduledActionCommand>[0]>) =>
      aas.send(new PutScheduledActionCommand({ ...target, ScheduledActionName: "bad", Schedule: "rate(5 minutes)", ...input })).catch((e: unknown) => e);
    const cases: [Partial<ConstructorParameters<typeof PutScheduledActionCommand>[0]>, RegExp][] = [
      [{ Schedule: "rate(1 minutes)" }, /Schedule expression 'rate\(1 minutes\)' is not valid: use the singular unit/],
      [{ Schedule: "cron(0 9 * * MON *)" }, /one of the Day-of-month and Day-of-week fields must be \?/],
      [{ Schedule: "cron(0 9 * *)" }, /6 fields/],
      [{ Schedule: "at(2030-13-01T00:00:00)" }, /no valid date and time/],
      [{ Timezone: "Mars/Olympus_Mons" }, /Timezone 'Mars\/Olympus_Mons' is not a valid time zone/],
      [{ ScalableTargetAction: { MinCapacity: 5, MaxCapacity: 2 } }, /Minimum capacity \(5\) cannot be greater than maximum capacity \(2\)/],
      [{ StartTime: new Date("2030-01-02T00:00:00Z"), EndTime: new Date("2030-01-01T00:00:00Z") }, /StartTime must be before EndTime/],
    ];
    for (const [input, message] of cases) {
      const error = await put(input);
      assert.ok(error instanceof ValidationException, `${JSON.stringify(input)}: ${String(error)}`);
      assert.match(error.message, message);
    }
    // The copy quota RegisterScalableTarget holds MaxCapacity to holds the action's capacities too.
    for (const field of ["MinCapacity", "MaxCapacity"] as const) {
      const overQuota = await put({ ScalableTargetAction: { [field]: 2147483647 } });
      assert.ok(overQuota instanceof LimitExceededException, String(overQuota));
      assert.match(overQuota.message, new RegExp(`ScalableTargetAction\\.${field} 2147483647 for .+ exceeds the limit of \\d+ copies per inference component`));
    }
    const unregistered = await put({ ResourceId: "inference-component/not-registered" });
    assert.ok(unregistered instanceof ObjectNotFoundException, String(unregistered));
    assert.match(unregistered.message, /No scalable target registered/);
    const listed = await aas.send(new DescribeScheduledActionsCommand({ ServiceNamespace: "sagemaker", ResourceId: target.ResourceId }));
    assert.deepEqual(listed.ScheduledActions, [], "nothing refused was stored");
  });

  it("raises the minimum at the scheduled time in the action's time zone, scaling the component out, and lists the runs as activities", async () => {
    const { component, target } = await scalableComponent(1, 1, 4);
    // Two schedule minutes from now in Tokyo time (UTC+9, no DST): two real seconds at this scaling period.
    await aas.send(
      new PutScheduledActionCommand({
        ...target,
        ScheduledActionName: "morning",
        Schedule: atIn(2, 9),
        Timezone: "Asia/Tokyo",
        ScalableTargetAction: { MinCapacity: 3 },
      }),
    );
    await reaches(component, 3, "the component to scale out to the scheduled minimum of 3 copies");
    assert.deepEqual(await limits(target.ResourceId), [3, 4]);
    await listed(
      target.ResourceId,
      "Setting min capacity to 3 | scheduled action name morning was triggered | Successful",
      "Setting desired copy count to 3. | minimum capacity was set to 3 | Successful",
    );
  });

  it("lowers the maximum on a recurring schedule, scaling the component in", async () => {
    const { component, target } = await scalableComponent(3, 1, 4);
    // Every schedule minute (every real second here), until ten schedule minutes from now; each run is an activity.
    await aas.send(
      new PutScheduledActionCommand({
        ...target,
        ScheduledActionName: "evening",
        Schedule: "cron(* * * * ? *)",
        EndTime: new Date(Date.now() + 10 * 60_000),
        ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 1 },
      }),
    );
    await reaches(component, 1, "the component to scale in to the scheduled maximum of 1 copy");
    assert.deepEqual(await limits(target.ResourceId), [1, 1]);
    await listed(target.ResourceId, "Setting desired copy count to 1. | maximum capacity was set to 1 | Successful");
  });

  it("scales a component to zero copies at night and back to one in the morning", async () => {
    const { component, target } = await scalableComponent(1, 0, 2);
    await aas.send(
      new PutScheduledActionCommand({ ...target, ScheduledActionName: "night", Schedule: atIn(1), ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 } }),
    );
    await reaches(component, 0, "the component to scale to zero copies at night");
    await aas.send(
      new PutScheduledActionCommand({ ...target, ScheduledActionName: "morning", Schedule: atIn(1), ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 2 } }),
    );
    await reaches(component, 1, "the component to come back to one copy in the morning");
    await listed(
      target.ResourceId,
      "Setting min capacity to 0 and max capacity to 0 | scheduled action name night was triggered | Successful",
      "Setting min capacity to 1 and max capacity to 2 | scheduled action name morning was triggered | Successful",
    );
  });
});
