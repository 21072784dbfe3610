import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CloudWatchServiceException,
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DescribeAlarmsForMetricCommand,
  DisableAlarmActionsCommand,
  EnableAlarmActionsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  type CloudWatchClient,
  type GetMetricStatisticsCommandInput,
  type MetricAlarm,
  type PutMetricAlarmCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { uniqueName } from "../support/fixtures.js";
import { cloudWatchClient, expectError } from "./client.js";
import { berthFetch } from "../support/http.js";
import { eventually } from "../support/wait.js";

const namespace = "Berth/Tests";

describe("CloudWatch alarms over the API", () => {
  let berth: BerthProcess;
  let cw: CloudWatchClient;
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 1 } });
    cw = cloudWatchClient(berth.url);
  });
  after(async () => {
    await berth?.stop();
  });

  const alarm = (name: string, metricName: string, extra: Partial<PutMetricAlarmCommandInput> = {}): PutMetricAlarmCommandInput => ({
    AlarmName: name,
    Namespace: namespace,
    MetricName: metricName,
    Dimensions: [{ Name: "Queue", Value: "q1" }],
    Statistic: "Maximum",
    Period: 10, // 10 API seconds: 167 ms at this time scale
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: "GreaterThanOrEqualToThreshold",
    ...extra,
  });
  const describeOne = async (name: string): Promise<MetricAlarm> => (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0]!;
  const put = (metricName: string, value: number) =>
    cw.send(
      new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: metricName, Dimensions: [{ Name: "Queue", Value: "q1" }], Value: value }] }),
    );
  /** Feeds the value (if any) every 50 ms until the alarm reaches the state. */
  const feedUntil = async (name: string, metricName: string, value: number | undefined, state: string): Promise<MetricAlarm> => {
    let current: MetricAlarm | undefined;
    return eventually(
      async () => {
        if (value !== undefined) await put(metricName, value);
        current = await describeOne(name);
        return current.StateValue === state ? current : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: () => `alarm ${name} to reach ${state}; it stayed ${current?.StateValue} (${current?.StateReason})` },
    );
  };

  it("moves an alarm OK → ALARM → OK as the data crosses the threshold, keeping the state through gaps (ignore)", async () => {
    const name = uniqueName("alarm-flip");
    // The witness reads the same metric over two periods and treats missing data as missing: once it is
    // INSUFFICIENT_DATA, the evaluator has seen a gap of two periods, and evaluated the alarm over it.
    const witness = uniqueName("alarm-flip-witness");
    await cw.send(new PutMetricAlarmCommand(alarm(name, name, { TreatMissingData: "ignore", AlarmDescription: "flips" })));
    await cw.send(new PutMetricAlarmCommand(alarm(witness, name, { TreatMissingData: "missing", EvaluationPeriods: 2 })));
    const created = await describeOne(name);
    assert.equal(created.StateValue, "INSUFFICIENT_DATA");
    assert.equal(created.StateReason, "Unchecked: Initial alarm creation");
    assert.equal((await feedUntil(name, name, 0, "OK")).StateValue, "OK");
    const alarmed = await feedUntil(name, name, 5, "ALARM");
    assert.match(
      alarmed.StateReason!,
      /^Threshold Crossed: 1 out of the last 1 datapoints \[5\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\] was greater than or equal to the threshold \(1\.0\) \(minimum 1 datapoint for OK -> ALARM transition\)\.$/,
    );
    assert.equal(JSON.parse(alarmed.StateReasonData!).threshold, 1);
    await feedUntil(witness, name, 5, "ALARM");
    await feedUntil(witness, name, undefined, "INSUFFICIENT_DATA");
    assert.equal((await describeOne(name)).StateValue, "ALARM", "two periods without data leave an alarm that ignores missing data in its state");
    const ok = await feedUntil(name, name, 0, "OK");
    assert.match(ok.StateReason!, /was not greater than or equal to the threshold \(1\.0\) \(minimum 1 datapoint for ALARM -> OK transition\)/);
    assert.ok(ok.StateTransitionedTimestamp instanceof Date && ok.StateUpdatedTimestamp instanceof Date);
  });

  it("goes to INSUFFICIENT_DATA when the data stops (missing), ALARM (breaching) or OK (notBreaching)", async () => {
    const metric = uniqueName("silent");
    const names = { missing: uniqueName("tmd-missing"), breaching: uniqueName("tmd-breaching"), notBreaching: uniqueName("tmd-not") };
    await cw.send(new PutMetricAlarmCommand(alarm(names.missing, metric)));
    await cw.send(new PutMetricAlarmCommand(alarm(names.breaching, metric, { TreatMissingData: "breaching" })));
    await cw.send(new PutMetricAlarmCommand(alarm(names.notBreaching, metric, { TreatMissingData: "notBreaching" })));
    await feedUntil(names.missing, metric, 0, "OK");
    const insufficient = await feedUntil(names.missing, metric, undefined, "INSUFFICIENT_DATA");
    assert.equal(insufficient.StateReason, "Insufficient Data: 1 datapoint was unknown.");
    assert.match((await feedUntil(names.breaching, metric, undefined, "ALARM")).StateReason!, /treated as \[Breaching\]/);
    assert.equal((await feedUntil(names.notBreaching, metric, undefined, "OK")).StateValue, "OK");
  });

  it("needs DatapointsToAlarm of EvaluationPeriods breaching periods (M of N)", async () => {
    const name = uniqueName("m-of-n");
    await cw.send(new PutMetricAlarmCommand(alarm(name, name, { EvaluationPeriods: 3, DatapointsToAlarm: 2 })));
    const alarmed = await feedUntil(name, name, 7, "ALARM");
    assert.match(alarmed.StateReason!, /out of the last 3 datapoints .* \(minimum 2 datapoints for (INSUFFICIENT_DATA|OK) -> ALARM transition\)/);
    assert.equal(alarmed.DatapointsToAlarm, 2);
  });

  it("describes alarms with every field, filtered by names, prefix, state and action, a page at a time", async () => {
    const prefix = uniqueName("listed");
    const sns = "arn:aws:sns:us-east-1:000000000000:berth-ops";
    for (let i = 0; i < 5; i++) {
      // The metric never has data and alarm 3 ignores missing data, so the evaluator keeps the state SetAlarmState gives it below.
      const treatMissingData = i === 3 ? "ignore" : undefined;
      await cw.send(
        new PutMetricAlarmCommand(
          alarm(`${prefix}-${i}`, "Unused", { AlarmActions: i % 2 === 0 ? [sns] : undefined, Unit: "Count", TreatMissingData: treatMissingData }),
        ),
      );
    }
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, MaxRecords: 2, NextToken: token }));
      seen.push(...page.MetricAlarms!.map((a) => a.AlarmName!));
      token = page.NextToken;
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.deepEqual(
      seen,
      [0, 1, 2, 3, 4].map((i) => `${prefix}-${i}`),
    );

    const [first] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [`${prefix}-0`] }))).MetricAlarms!;
    assert.equal(first!.AlarmArn, `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${prefix}-0`);
    assert.deepEqual(first!.AlarmActions, [sns]);
    assert.deepEqual(first!.OKActions, []);
    assert.equal(first!.ActionsEnabled, true);
    assert.equal(first!.Namespace, namespace);
    assert.deepEqual(first!.Dimensions, [{ Name: "Queue", Value: "q1" }]);
    assert.equal(first!.Statistic, "Maximum");
    assert.equal(first!.Period, 10);
    assert.equal(first!.Unit, "Count");
    assert.equal(first!.Threshold, 1);
    assert.equal(first!.ComparisonOperator, "GreaterThanOrEqualToThreshold");
    assert.ok(first!.AlarmConfigurationUpdatedTimestamp instanceof Date);

    const withAction = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, ActionPrefix: "arn:aws:sns:" }));
    assert.deepEqual(
      withAction.MetricAlarms!.map((a) => a.AlarmName),
      [0, 2, 4].map((i) => `${prefix}-${i}`),
    );
    await cw.send(new SetAlarmStateCommand({ AlarmName: `${prefix}-3`, StateValue: "ALARM", StateReason: "by hand" }));
    const alarmed = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, StateValue: "ALARM" }));
    assert.deepEqual(
      alarmed.MetricAlarms!.map((a) => [a.AlarmName, a.StateReason]),
      [[`${prefix}-3`, "by hand"]],
    );
    await assert.rejects(
      cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, NextToken: "bm90IGEgdG9rZW4" })),
      expectError("InvalidNextToken", "InvalidNextToken"),
    );
    await assert.rejects(
      cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, AlarmNames: ["x"] })),
      expectError("InvalidParameterCombinationException", "InvalidParameterCombination"),
    );
  });

  it("deletes alarms all or nothing, answering ResourceNotFound for names that do not exist", async () => {
    const keep = uniqueName("deleted");
    await cw.send(new PutMetricAlarmCommand(alarm(keep, "Unused")));
    await assert.rejects(
      cw.send(new DeleteAlarmsCommand({ AlarmNames: [keep, "no-such-alarm"] })),
      expectError("ResourceNotFound", "ResourceNotFound", /no-such-alarm/),
    );
    assert.equal((await cw.send(new DescribeAlarmsCommand({ AlarmNames: [keep] }))).MetricAlarms!.length, 1);
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: [keep] }));
    assert.equal((await cw.send(new DescribeAlarmsCommand({ AlarmNames: [keep] }))).MetricAlarms!.length, 0);
    await assert.rejects(
      cw.send(new SetAlarmStateCommand({ AlarmName: keep, StateValue: "OK", StateReason: "x" })),
      expectError("ResourceNotFound", "ResourceNotFound"),
    );
  });

  it("refuses invalid alarms and metric requests with the SDK's modelled exceptions", async () => {
    const name = uniqueName("invalid");
    const cases: [string, () => Promise<unknown>, ReturnType<typeof expectError>][] = [
      [
        "a percentile statistic",
        () => cw.send(new PutMetricAlarmCommand({ ...alarm(name, "M"), Statistic: undefined, ExtendedStatistic: "p99" })),
        expectError("InvalidParameterValueException", "InvalidParameterValue", /percentiles/),
      ],
      [
        "DatapointsToAlarm above EvaluationPeriods",
        () => cw.send(new PutMetricAlarmCommand(alarm(name, "M", { EvaluationPeriods: 2, DatapointsToAlarm: 3 }))),
        expectError("InvalidParameterValueException", "InvalidParameterValue", /less than or equal to EvaluationPeriods/),
      ],
      [
        "an anomaly-detection operator",
        () => cw.send(new PutMetricAlarmCommand(alarm(name, "M", { ComparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold" }))),
        expectError("InvalidParameterValueException", "InvalidParameterValue", /anomaly detection/),
      ],
      [
        "an action ARN no one runs",
        () => cw.send(new PutMetricAlarmCommand(alarm(name, "M", { AlarmActions: ["arn:aws:lambda:us-east-1:000000000000:function:f"] }))),
        expectError("InvalidParameterValueException", "InvalidParameterValue", /Invalid action ARN/),
      ],
      [
        "six actions",
        () =>
          cw.send(new PutMetricAlarmCommand(alarm(name, "M", { OKActions: Array.from({ length: 6 }, (_, i) => `arn:aws:sns:us-east-1:000000000000:t${i}`) }))),
        expectError("ValidationException", "ValidationError", /oKActions' failed to satisfy constraint: Member must have length less than or equal to 5/),
      ],
      [
        "a missing Period",
        () => cw.send(new PutMetricAlarmCommand(alarm(name, "M", { Period: undefined }))),
        expectError("MissingRequiredParameterException", "MissingParameter", /Period/),
      ],
      [
        "GetMetricStatistics without statistics",
        () => cw.send(new GetStats({ Statistics: undefined })),
        expectError("InvalidParameterCombinationException", "InvalidParameterCombination"),
      ],
      [
        "a 5-second period",
        () => cw.send(new GetStats({ Period: 5 })),
        expectError("InvalidParameterValueException", "InvalidParameterValue", /multiple of 10/),
      ],
      [
        "a missing MetricName",
        () => cw.send(new GetStats({ MetricName: undefined })),
        expectError("MissingRequiredParameterException", "MissingParameter", /MetricName/),
      ],
      [
        "PutMetricData into AWS/",
        () => cw.send(new PutMetricDataCommand({ Namespace: "AWS/SageMaker", MetricData: [{ MetricName: "Invocations", Value: 1 }] })),
        expectError("InvalidParameterValueException", "InvalidParameterValue", /reserved/),
      ],
      ...["\u0000", "\u0007", "\u001b"].map((control): (typeof cases)[number] => [
        `an alarm name with control character ${JSON.stringify(control)}`,
        () => cw.send(new PutMetricAlarmCommand(alarm(`${name}${control}x`, "M"))),
        expectError("InvalidParameterValueException", "InvalidParameterValue", /parameter AlarmName is invalid: it contains the ASCII control character/),
      ]),
      [
        "an alarm dimension value with a control character",
        () => cw.send(new PutMetricAlarmCommand(alarm(name, "M", { Dimensions: [{ Name: "Queue", Value: "q\u007f" }] }))),
        expectError("InvalidParameterValueException", "InvalidParameterValue", /parameter Dimensions\.member\.1\.Value is invalid/),
      ],
      [
        "PutMetricData with a control character in the namespace",
        () => cw.send(new PutMetricDataCommand({ Namespace: "Berth/\u0001Tests", MetricData: [{ MetricName: "M", Value: 1 }] })),
        expectError("InvalidParameterValueException", "InvalidParameterValue", /parameter Namespace is invalid/),
      ],
      [
        "PutMetricData with a control character in a dimension name",
        () =>
          cw.send(
            new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: "M", Value: 1, Dimensions: [{ Name: "Q\tueue", Value: "q1" }] }] }),
          ),
        expectError("InvalidParameterValueException", "InvalidParameterValue", /parameter MetricData\.member\.1\.Dimensions\.member\.1\.Name is invalid/),
      ],
      [
        "GetMetricData with a control character in a queried dimension value",
        () =>
          cw.send(
            new GetMetricDataCommand({
              StartTime: new Date(Date.now() - 3_600_000),
              EndTime: new Date(),
              MetricDataQueries: [
                {
                  Id: "m",
                  MetricStat: { Metric: { Namespace: namespace, MetricName: "M", Dimensions: [{ Name: "Queue", Value: "q\u0000" }] }, Period: 60, Stat: "Sum" },
                },
              ],
            }),
          ),
        expectError(
          "InvalidParameterValueException",
          "InvalidParameterValue",
          /parameter MetricDataQueries\.member\.1\.MetricStat\.Metric\.Dimensions\.member\.1\.Value is invalid/,
        ),
      ],
      [
        "an alarm on metric math with a control character in a queried dimension name",
        () =>
          cw.send(
            new PutMetricAlarmCommand({
              ...alarm(name, "M", { MetricName: undefined, Namespace: undefined, Dimensions: undefined, Statistic: undefined, Period: undefined }),
              Metrics: [
                {
                  Id: "m",
                  MetricStat: { Metric: { Namespace: namespace, MetricName: "M", Dimensions: [{ Name: "Q\nueue", Value: "q1" }] }, Period: 60, Stat: "Sum" },
                },
              ],
            }),
          ),
        expectError(
          "InvalidParameterValueException",
          "InvalidParameterValue",
          /parameter Metrics\.member\.1\.MetricStat\.Metric\.Dimensions\.member\.1\.Name is invalid/,
        ),
      ],
      [
        "an alarm whose metric math could combine too many datapoints in one evaluation",
        () =>
          cw.send(
            new PutMetricAlarmCommand({
              ...alarm(name, "M", {
                MetricName: undefined,
                Namespace: undefined,
                Dimensions: undefined,
                Statistic: undefined,
                Period: undefined,
                EvaluationPeriods: 8640,
              }),
              Metrics: [
                { Id: "m", MetricStat: { Metric: { Namespace: namespace, MetricName: "M" }, Period: 10, Stat: "Sum" }, ReturnData: false },
                { Id: "total", Expression: Array(1000).fill("m").join("+") },
              ],
            }),
          ),
        expectError("InvalidParameterValueException", "InvalidParameterValue", /could combine up to [\d,]+ datapoints \(8,641 per series\)/),
      ],
      [
        "GetMetricData whose metric math could combine too many datapoints",
        () =>
          cw.send(
            new GetMetricDataCommand({
              StartTime: new Date(Date.now() - 86_400_000),
              EndTime: new Date(),
              MetricDataQueries: [
                { Id: "m", MetricStat: { Metric: { Namespace: namespace, MetricName: "M" }, Period: 10, Stat: "Sum" }, ReturnData: false },
                { Id: "total", Expression: Array(1000).fill("m").join("+") },
              ],
            }),
          ),
        expectError("InvalidParameterValueException", "InvalidParameterValue", /over the limit of 2,000,000/),
      ],
      [
        "SetAlarmState with reason data that is not JSON",
        () => cw.send(new SetAlarmStateCommand({ AlarmName: "x", StateValue: "OK", StateReason: "x", StateReasonData: "{" })),
        expectError("InvalidFormatFault", "InvalidFormat"),
      ],
    ];
    for (const [what, send, check] of cases) await assert.rejects(send(), check, what);
    assert.equal((await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: name }))).MetricAlarms!.length, 0, "a refused request creates nothing");
  });

  it("finds the standard alarms on a metric with DescribeAlarmsForMetric: exact dimensions, narrowed by statistic, period and unit", async () => {
    const metricName = uniqueName("ForMetric");
    const [maxAlarm, sumAlarm, otherQueue, noDimensions] = ["max", "sum", "other", "bare"].map((n) => uniqueName(`afm-${n}`));
    await cw.send(new PutMetricAlarmCommand(alarm(maxAlarm, metricName, { Unit: "Count" })));
    await cw.send(new PutMetricAlarmCommand(alarm(sumAlarm, metricName, { Statistic: "Sum", Period: 60 })));
    await cw.send(new PutMetricAlarmCommand(alarm(otherQueue, metricName, { Dimensions: [{ Name: "Queue", Value: "q2" }] })));
    await cw.send(new PutMetricAlarmCommand(alarm(noDimensions, metricName, { Dimensions: undefined })));
    await cw.send(
      new PutMetricAlarmCommand({
        ...alarm(uniqueName("afm-math"), metricName, {
          MetricName: undefined,
          Namespace: undefined,
          Dimensions: undefined,
          Statistic: undefined,
          Period: undefined,
        }),
        Metrics: [
          {
            Id: "m",
            MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: [{ Name: "Queue", Value: "q1" }] }, Period: 60, Stat: "Sum" },
          },
        ],
      }),
    );
    const find = async (extra: Record<string, unknown> = {}) =>
      (
        await cw.send(
          new DescribeAlarmsForMetricCommand({ Namespace: namespace, MetricName: metricName, Dimensions: [{ Name: "Queue", Value: "q1" }], ...extra }),
        )
      ).MetricAlarms!.map((a) => a.AlarmName);
    assert.deepEqual(await find(), [maxAlarm, sumAlarm].sort(), "metric-math alarms and other dimensions are left out");
    assert.deepEqual(await find({ Statistic: "Sum" }), [sumAlarm]);
    assert.deepEqual(await find({ Period: 10 }), [maxAlarm]);
    assert.deepEqual(await find({ Unit: "Count" }), [maxAlarm]);
    assert.deepEqual(await find({ ExtendedStatistic: "p99" }), []);
    assert.deepEqual(await find({ Dimensions: undefined }), [noDimensions]);
    const [described] = (
      await cw.send(new DescribeAlarmsForMetricCommand({ Namespace: namespace, MetricName: metricName, Dimensions: [{ Name: "Queue", Value: "q2" }] }))
    ).MetricAlarms!;
    assert.deepEqual(described, await describeOne(otherQueue), "each alarm as DescribeAlarms shows it");
  });

  it("switches an alarm's actions off and on with DisableAlarmActions and EnableAlarmActions, ignoring names that are no alarm", async () => {
    const name = uniqueName("switch");
    await cw.send(new PutMetricAlarmCommand(alarm(name, "Switch")));
    assert.equal((await describeOne(name)).ActionsEnabled, true);
    await cw.send(new DisableAlarmActionsCommand({ AlarmNames: [name, uniqueName("not-an-alarm")] }));
    assert.equal((await describeOne(name)).ActionsEnabled, false);
    await cw.send(new EnableAlarmActionsCommand({ AlarmNames: [name] }));
    assert.equal((await describeOne(name)).ActionsEnabled, true);
  });

  it("tags alarms: tags given on create, TagResource, UntagResource and ListTagsForResource by the alarm's ARN; an update keeps the tags", async () => {
    const name = uniqueName("tagged");
    await cw.send(new PutMetricAlarmCommand(alarm(name, "Tagged", { Tags: [{ Key: "team", Value: "search" }] })));
    const arn = (await describeOne(name)).AlarmArn!;
    assert.equal(arn, `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${name}`);
    const tags = async () => (await cw.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags;
    assert.deepEqual(await tags(), [{ Key: "team", Value: "search" }]);
    await cw.send(
      new TagResourceCommand({
        ResourceARN: arn,
        Tags: [
          { Key: "env", Value: "prod" },
          { Key: "team", Value: "ranking" },
        ],
      }),
    );
    assert.deepEqual(await tags(), [
      { Key: "team", Value: "ranking" },
      { Key: "env", Value: "prod" },
    ]);
    await cw.send(new PutMetricAlarmCommand(alarm(name, "Tagged", { Threshold: 2, Tags: [{ Key: "ignored", Value: "x" }] })));
    assert.equal((await describeOne(name)).Threshold, 2);
    assert.deepEqual(
      (await tags())!.map((t) => t.Key),
      ["team", "env"],
      "PutMetricAlarm on an existing alarm ignores Tags, as CloudWatch documents",
    );
    await cw.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ["team", "absent"] }));
    assert.deepEqual(await tags(), [{ Key: "env", Value: "prod" }]);

    const cases: [string, () => Promise<unknown>, ReturnType<typeof expectError>][] = [
      [
        "reserved prefix",
        () => cw.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: "aws:owner", Value: "x" }] })),
        expectError("InvalidParameterValueException", "InvalidParameterValue", /Tag key 'aws:owner' is refused/),
      ],
      [
        "over 50 tags",
        () => cw.send(new TagResourceCommand({ ResourceARN: arn, Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: "v" })) })),
        expectError("InvalidParameterValueException", "InvalidParameterValue", /would have 51 tags, more than the limit of 50/),
      ],
      [
        "missing alarm",
        () => cw.send(new ListTagsForResourceCommand({ ResourceARN: `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${uniqueName("gone")}` })),
        expectError("ResourceNotFoundException", "ResourceNotFoundException", /not found/),
      ],
      [
        "another account",
        () => cw.send(new ListTagsForResourceCommand({ ResourceARN: arn.replace("000000000000", "111111111111") })),
        expectError("ResourceNotFoundException", "ResourceNotFoundException"),
      ],
      [
        "a dashboard",
        () => cw.send(new ListTagsForResourceCommand({ ResourceARN: "arn:aws:cloudwatch::000000000000:dashboard/main" })),
        expectError("InvalidParameterValueException", "InvalidParameterValue", /metric alarms only/),
      ],
    ];
    for (const [what, send, check] of cases) await assert.rejects(send(), check, what);
    assert.deepEqual(await tags(), [{ Key: "env", Value: "prod" }], "a refused call changes nothing");

    await cw.send(new DeleteAlarmsCommand({ AlarmNames: [name] }));
    await cw.send(new PutMetricAlarmCommand(alarm(name, "Tagged")));
    assert.deepEqual(await tags(), [], "an alarm created again under the same name starts without the old tags");
  });

  it("refuses an operation of CloudWatch's model that Berth does not serve, saying what it serves", async () => {
    await assert.rejects(cw.send(new DescribeAlarmHistoryCommand({})), (error: Error) => {
      assert.ok(error instanceof CloudWatchServiceException);
      assert.equal(error.name, "UnknownOperationException");
      assert.equal(
        error.message,
        "CloudWatch.DescribeAlarmHistory is not served: Berth implements CloudWatch metrics and metric alarms only " +
          "(PutMetricData, GetMetricData, GetMetricStatistics, ListMetrics, metric alarms, their actions and tags). " +
          'See README "The calls tools make".',
      );
      return true;
    });
  });

  it("sends x-amzn-query-error with each error for query-compatible clients", async () => {
    const response = await berthFetch(berth.url, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "GraniteServiceVersion20100801.DeleteAlarms", "x-amzn-query-mode": "true" },
      body: JSON.stringify({ AlarmNames: ["not-there"] }),
    });
    assert.equal(response.status, 404);
    assert.equal(response.headers.get("x-amzn-query-error"), "ResourceNotFound;Sender");
    assert.equal(((await response.json()) as { __type: string }).__type, "ResourceNotFound");
  });
});

/** GetMetricStatistics with valid defaults, overridden per case. */
class GetStats extends GetMetricStatisticsCommand {
  constructor(override: Partial<GetMetricStatisticsCommandInput>) {
    super({
      Namespace: namespace,
      MetricName: "M",
      StartTime: new Date(Date.now() - 60_000),
      EndTime: new Date(),
      Period: 60,
      Statistics: ["Sum"],
      ...override,
    } as GetMetricStatisticsCommandInput);
  }
}
