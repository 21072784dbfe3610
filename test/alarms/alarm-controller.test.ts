import { put, unchanged, type BerthRecords } from "../../src/state/records.js";
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { AlarmController } from "../../src/controllers/alarms/alarm-controller.js";
import { Controllers } from "../../src/controllers/runtime/controllers.js";
import type { AlarmRecord, AlarmTransition } from "../../src/alarms/types.js";
import { setAlarmActions } from "../../src/operations/cloudwatch/alarm-actions.js";
import { putMetricAlarm, setAlarmState } from "../../src/operations/cloudwatch/alarms.js";
import type { CloudWatchDeps } from "../../src/operations/cloudwatch/deps.js";
import { deleteManagedAlarms, putManagedAlarms } from "../../src/operations/cloudwatch/managed-alarms.js";
import { MemoryMetricsStore } from "../../src/metrics/memory-store.js";
import { metricId } from "../../src/metrics/types.js";
import { SqliteStore } from "../../src/store/sqlite-store.js";
import { silentLogger } from "../../src/util/logger.js";
import { TimeScale } from "../../src/util/time-scale.js";
import { ManualClock } from "../metrics/manual-clock.js";
import { eventually } from "../support/wait.js";
import { tempDir } from "../support/temp-dir.js";

const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);
const policyArn = "arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:1234:resource/sagemaker/inference-component/ic:policyName/wake";
const metric = metricId("Test/Alarms", "Failures", { InferenceComponentName: "ic" });

async function setup() {
  const clock = new ManualClock(T0);
  const store = new SqliteStore<BerthRecords>(join(tempDir("berth-alarms-"), "berth.db"));
  const metrics = new MemoryMetricsStore({ bucketMs: 10_000 });
  const timeScale = new TimeScale(60);
  const controller = new AlarmController({ store, reader: metrics, clock, log: silentLogger(), timeScale });
  const controllers = new Controllers({ clock, log: silentLogger() }, [controller]);
  const calls: { arn: string; event: AlarmTransition }[] = [];
  const deps: CloudWatchDeps = {
    store,
    account: { region: "us-east-1", accountId: "000000000000" },
    clock,
    timeScale,
    reader: metrics,
    writer: metrics,
    actions: controller.actions,
    onTransition: (actions, transition) => controller.runTransitionActions(actions, transition),
    retentionMs: 86_400_000,
  };
  const alarm = async (name: string) => (await store.get("alarm", name))!.value;
  const close = async () => {
    await controllers.stop();
    await controller.settled();
    await store.close();
  };
  return { clock, store, metrics, controller, controllers, calls, deps, alarm, close };
}

const alarmInput = (name: string, extra: Record<string, unknown> = {}) => ({
  AlarmName: name,
  Namespace: metric.namespace,
  MetricName: metric.name,
  Dimensions: metric.dimensions,
  Statistic: "Sum",
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 1,
  ComparisonOperator: "GreaterThanOrEqualToThreshold",
  ...extra,
});

describe("alarm controller", () => {
  it("runs a registered handler when the alarm enters ALARM, and again every period while it stays", async () => {
    const t = await setup();
    t.controller.registerActionHandler({
      matches: (arn) => arn.startsWith("arn:aws:autoscaling:"),
      repeats: true,
      invoke: async (arn, event) => void t.calls.push({ arn, event }),
    });
    await putMetricAlarm(t.deps, alarmInput("wake", { AlarmActions: [policyArn] }));
    t.metrics.record(metric, 2, T0 + 1_000);
    t.metrics.record(metric, 3, T0 + 2_000);
    t.clock.set(T0 + 61_000);
    await t.controller.evaluateNow();
    assert.equal((await t.alarm("wake")).state, "ALARM");
    assert.equal(t.calls.length, 1);
    assert.equal(t.calls[0]!.arn, policyArn);
    assert.equal(t.calls[0]!.event.previous, "INSUFFICIENT_DATA");
    assert.equal(t.calls[0]!.event.value, 5);
    assert.deepEqual(t.calls[0]!.event.aggregates, { Average: 5, Minimum: 5, Maximum: 5 });

    t.metrics.record(metric, 1, T0 + 62_000);
    t.clock.set(T0 + 121_000);
    await t.controller.evaluateNow();
    assert.equal(t.calls.length, 2, "a repeating handler runs again while the alarm stays in ALARM");
    assert.equal(t.calls[1]!.event.previous, "ALARM");
    await t.controller.evaluateNow();
    assert.equal(t.calls.length, 2, "but not twice in one period");

    t.metrics.record(metric, 0, T0 + 122_000);
    t.clock.set(T0 + 181_000);
    await t.controller.evaluateNow();
    const ok = await t.alarm("wake");
    assert.equal(ok.state, "OK");
    assert.match(ok.stateReason, /was not greater than or equal to the threshold \(1\.0\) \(minimum 1 datapoint for ALARM -> OK transition\)/);
    assert.equal(t.calls.length, 2, "the alarm has no OK actions");
    await t.close();
  });

  it("runs a handler that does not repeat only on entering the state", async () => {
    const t = await setup();
    t.controller.registerActionHandler({
      matches: (arn) => arn.startsWith("arn:aws:autoscaling:"),
      repeats: false,
      invoke: async (arn, event) => void t.calls.push({ arn, event }),
    });
    await putMetricAlarm(t.deps, alarmInput("once", { AlarmActions: [policyArn] }));
    for (let m = 0; m < 3; m++) {
      t.metrics.record(metric, 5, T0 + m * 60_000 + 1_000);
      t.clock.set(T0 + (m + 1) * 60_000 + 1_000);
      await t.controller.evaluateNow();
    }
    assert.equal(t.calls.length, 1);
    await t.close();
  });

  it("changes state but runs no action while ActionsEnabled is false", async () => {
    const t = await setup();
    t.controller.registerActionHandler({ matches: () => true, repeats: true, invoke: async (arn, event) => void t.calls.push({ arn, event }) });
    await putMetricAlarm(t.deps, alarmInput("quiet", { AlarmActions: [policyArn], ActionsEnabled: false }));
    t.metrics.record(metric, 5, T0 + 1_000);
    t.clock.set(T0 + 61_000);
    await t.controller.evaluateNow();
    assert.equal((await t.alarm("quiet")).state, "ALARM");
    assert.equal(t.calls.length, 0);
    await t.close();
  });

  it("runs no action of an alarm whose actions DisableAlarmActions switched off, and runs them again after EnableAlarmActions", async () => {
    const t = await setup();
    t.controller.registerActionHandler({ matches: () => true, repeats: true, invoke: async (arn, event) => void t.calls.push({ arn, event }) });
    await putMetricAlarm(t.deps, alarmInput("switched", { AlarmActions: [policyArn], OKActions: [policyArn] }));
    await setAlarmActions(t.deps, { AlarmNames: ["switched", "no-such-alarm"] }, false);
    t.metrics.record(metric, 5, T0 + 1_000);
    t.clock.set(T0 + 61_000);
    await t.controller.evaluateNow();
    assert.equal((await t.alarm("switched")).state, "ALARM", "the alarm still evaluates");
    t.metrics.record(metric, 5, T0 + 62_000);
    t.clock.set(T0 + 121_000);
    await t.controller.evaluateNow();
    await setAlarmState(t.deps, { AlarmName: "switched", StateValue: "OK", StateReason: "testing" });
    await t.controller.settled();
    assert.equal(t.calls.length, 0, "no action on entering ALARM, none repeated while in it, none after SetAlarmState");

    await setAlarmActions(t.deps, { AlarmNames: ["switched"] }, true);
    await setAlarmState(t.deps, { AlarmName: "switched", StateValue: "ALARM", StateReason: "testing" });
    await t.controller.settled();
    assert.deepEqual(
      t.calls.map((c) => [c.arn, c.event.alarm.state]),
      [[policyArn, "ALARM"]],
    );
    await t.close();
  });

  it("evaluates a new alarm at once and then just after each period ends, on its own timer", async () => {
    const t = await setup();
    await t.controllers.start();
    t.metrics.record(metric, 5, T0 + 1_000);
    t.clock.set(T0 + 61_000);
    await putMetricAlarm(t.deps, alarmInput("timed", { TreatMissingData: "notBreaching" }));
    t.clock.advance(0);
    await settle(
      () => t.alarm("timed"),
      (a) => a.state === "ALARM",
    );
    const nextEvaluation = T0 + 122_000; // minute 2 ends with no data (notBreaching); evaluation waits 2 s past the end
    await eventually(async () => (t.clock.pending().includes(nextEvaluation) ? true : undefined), {
      what: () => `the controller to arm its next evaluation for ${nextEvaluation - T0} ms after T0 (timers at ${t.clock.pending().map((at) => at - T0)})`,
    });
    t.clock.advance(60_500);
    assert.ok(t.clock.pending().includes(nextEvaluation), "not evaluated before the period's end plus the settling delay");
    assert.equal((await t.alarm("timed")).state, "ALARM");
    t.clock.advance(1_000);
    await settle(
      () => t.alarm("timed"),
      (a) => a.state === "OK",
    );
    await t.close();
  });

  it("runs the entered state's actions after SetAlarmState, until the next evaluation sets it back", async () => {
    const t = await setup();
    const sns = "arn:aws:sns:us-east-1:000000000000:berth-alerts";
    t.controller.registerActionHandler({
      matches: (arn) => arn.startsWith("arn:aws:autoscaling:"),
      repeats: true,
      invoke: async (arn, event) => void t.calls.push({ arn, event }),
    });
    await putMetricAlarm(t.deps, alarmInput("manual", { AlarmActions: [policyArn, sns], TreatMissingData: "notBreaching" }));
    const reasonData = JSON.stringify({ version: "1.0", recentDatapoints: [3, 5] });
    await setAlarmState(t.deps, { AlarmName: "manual", StateValue: "ALARM", StateReason: "testing", StateReasonData: reasonData });
    await t.controller.settled();
    assert.equal(t.calls.length, 1);
    assert.equal(t.calls[0]!.event.alarm.stateReason, "testing");
    assert.deepEqual(t.calls[0]!.event.aggregates, { Average: 4, Minimum: 3, Maximum: 5 }, "the policy's value comes from StateReasonData");
    const set = await t.alarm("manual");
    assert.equal(set.state, "ALARM");
    assert.equal(set.stateReasonData, reasonData);
    t.clock.set(T0 + 61_000);
    await t.controller.evaluateNow();
    assert.equal((await t.alarm("manual")).state, "OK");
    await t.close();
  });

  it("accepts only action ARNs a handler runs, or SNS topics", async () => {
    const t = await setup();
    await assert.rejects(
      putMetricAlarm(t.deps, alarmInput("bad", { AlarmActions: [policyArn] })),
      (e: Error) => e.name === "InvalidParameterValueException" && /Invalid action ARN/.test(e.message),
    );
    await putMetricAlarm(t.deps, alarmInput("sns", { OKActions: ["arn:aws:sns:us-east-1:000000000000:topic"] }));
    t.controller.registerActionHandler({ matches: (arn) => arn.startsWith("arn:aws:autoscaling:"), repeats: true, invoke: async () => undefined });
    await putMetricAlarm(t.deps, alarmInput("good", { AlarmActions: [policyArn] }));
    await t.close();
  });

  it("evaluates metric-math alarms over the query that returns data", async () => {
    const t = await setup();
    const other = metricId("Test/Alarms", "Requests", { InferenceComponentName: "ic" });
    t.metrics.record(metric, 3, T0 + 1_000);
    t.metrics.record(other, 4, T0 + 1_000);
    const stat = (id: string, m: typeof metric) => ({
      Id: id,
      MetricStat: { Metric: { Namespace: m.namespace, MetricName: m.name, Dimensions: m.dimensions }, Period: 60, Stat: "Sum" },
      ReturnData: false,
    });
    await putMetricAlarm(t.deps, {
      AlarmName: "ratio",
      Metrics: [stat("f", metric), stat("r", other), { Id: "rate", Expression: "f / r", ReturnData: true }],
      EvaluationPeriods: 1,
      Threshold: 0.5,
      ComparisonOperator: "GreaterThanThreshold",
    });
    t.clock.set(T0 + 61_000);
    await t.controller.evaluateNow();
    const alarm = await t.alarm("ratio");
    assert.equal(alarm.state, "ALARM");
    assert.match(alarm.stateReason, /\[0\.75 \(28\/11\/26 01:00:00\)\] was greater than the threshold \(0\.5\)/);
    await t.close();
  });

  it("runs a target-tracking alarm's action on entering ALARM only, and does not rewrite the alarm while it stays there", async () => {
    const t = await setup();
    t.controller.registerActionHandler({ matches: () => true, repeats: true, invoke: async (arn, event) => void t.calls.push({ arn, event }) });
    await putManagedAlarms(t.deps, [alarmInput("TargetTracking-high", { AlarmActions: [policyArn] })], policyArn);
    t.metrics.record(metric, 5, T0 + 1_000);
    t.clock.set(T0 + 61_000);
    await t.controller.evaluateNow();
    const entered = (await t.store.get("alarm", "TargetTracking-high"))!;
    assert.equal(entered.value.state, "ALARM");
    assert.equal(t.calls.length, 1, "entering ALARM runs the action");
    for (let m = 1; m < 4; m++) {
      t.metrics.record(metric, 5, T0 + m * 60_000 + 1_000);
      t.clock.set(T0 + (m + 1) * 60_000 + 1_000);
      await t.controller.evaluateNow();
    }
    assert.equal(t.calls.length, 1, "Berth's autoscaler tracks the policy itself: the action is not run again each period");
    assert.equal((await t.store.get("alarm", "TargetTracking-high"))!.modRevision, entered.modRevision, "the alarm is not rewritten");
    await t.close();
  });

  it("creates a manager's alarms together and deletes them by manager", async () => {
    const t = await setup();
    const created = await putManagedAlarms(
      t.deps,
      [alarmInput("TargetTracking-high"), alarmInput("TargetTracking-low", { ComparisonOperator: "LessThanThreshold", EvaluationPeriods: 15 })],
      policyArn,
    );
    assert.deepEqual(
      created.map((a) => a.AlarmARN),
      ["arn:aws:cloudwatch:us-east-1:000000000000:alarm:TargetTracking-high", "arn:aws:cloudwatch:us-east-1:000000000000:alarm:TargetTracking-low"],
    );
    await putMetricAlarm(t.deps, alarmInput("mine"));
    assert.equal((await t.alarm("TargetTracking-low")).managedBy, policyArn);
    assert.deepEqual((await deleteManagedAlarms(t.deps, policyArn)).sort(), ["TargetTracking-high", "TargetTracking-low"]);
    assert.deepEqual(
      (await t.store.list("alarm")).map((e) => e.key),
      ["mine"],
    );
    await t.close();
  });

  const queried = { Namespace: metric.namespace, MetricName: metric.name, Dimensions: metric.dimensions };
  it("puts an alarm stored before the metric math bounds into INSUFFICIENT_DATA, saying why, once", async () => {
    const t = await setup();
    const warnings: string[] = [];
    const log = { ...silentLogger(), warn: (_: unknown, message: string) => void warnings.push(message) } as unknown as ReturnType<typeof silentLogger>;
    const controller = new AlarmController({ store: t.store, reader: t.metrics, clock: t.clock, log, timeScale: t.deps.timeScale });
    await putMetricAlarm(t.deps, {
      ...alarmInput("old-math", { Namespace: undefined, MetricName: undefined, Dimensions: undefined, Statistic: undefined, Period: undefined }),
      EvaluationPeriods: 100,
      Metrics: [
        { Id: "m", MetricStat: { Metric: queried, Period: 60, Stat: "Sum" }, ReturnData: false },
        { Id: "total", Expression: "m+m" },
      ],
    });
    // As an older Berth stored it: math far past what PutMetricAlarm now accepts.
    const read = (await t.store.get("alarm", "old-math"))!;
    const config = {
      ...read.value.config,
      EvaluationPeriods: 8640,
      Metrics: [
        { Id: "m", MetricStat: { Metric: queried, Period: 10, Stat: "Sum" }, ReturnData: false },
        { Id: "total", Expression: Array(1000).fill("m").join("+") },
      ],
    };
    await t.store.commit([put("alarm", "old-math", { ...read.value, state: "OK", config }, unchanged(read))]);
    t.clock.set(T0 + 61_000);
    await controller.evaluateNow();
    const alarm = await t.alarm("old-math");
    assert.equal(alarm.state, "INSUFFICIENT_DATA");
    assert.match(
      alarm.stateReason,
      /^Unchecked: this alarm's metrics cannot be evaluated: The metric math .* could combine up to [\d,]+ datapoints.* Update the alarm with PutMetricAlarm\.$/,
    );
    t.clock.set(T0 + 121_000);
    await controller.evaluateNow();
    assert.equal((await t.alarm("old-math")).stateUpdatedAt, alarm.stateUpdatedAt, "the same reason is not written again every period");
    assert.equal(warnings.length, 1, `one warning, on the change: ${JSON.stringify(warnings)}`);
    await t.close();
  });
});

async function settle<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let last: T | undefined;
  return eventually(
    async () => {
      last = await read();
      return done(last) ? last : undefined;
    },
    { intervalMs: 5, what: () => `the alarm to settle; last value ${JSON.stringify(last)}` },
  );
}
