import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DescribeAlarmsCommand, GetMetricDataCommand, GetMetricStatisticsCommand, ListMetricsCommand, type CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { awsCli, awsCliJson } from "../support/aws-cli.js";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { uniqueName } from "../support/fixtures.js";
import { berthFetch } from "../support/http.js";
import { createKey } from "../security/keys-cli.js";
import { cloudWatchClient } from "./client.js";

/** Debian's AWS CLI v2 2.9.19 calls CloudWatch over awsQuery (form body, XML answers); the JS SDK uses awsJson. */
describe("CloudWatch over the awsQuery protocol (Debian's AWS CLI v2)", () => {
  let berth: BerthProcess;
  let cw: CloudWatchClient;
  const maxApiBodyBytes = 64 * 1024;
  before(async () => {
    berth = await startBerth({ config: { maxApiBodyBytes } });
    cw = cloudWatchClient(berth.url);
  });
  after(async () => {
    await berth?.stop();
  });

  const cli = (...args: string[]) => awsCliJson(berth.url, ["cloudwatch", ...args]);
  const iso = (ms: number) => new Date(ms).toISOString();

  it("puts metric data and reads it back through the CLI and, identically, through the JS SDK", async () => {
    const namespace = uniqueName("Query");
    // The minute before the current one: whole and in the past.
    const minute = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
    assert.deepEqual(
      await cli(
        "put-metric-data",
        "--namespace",
        namespace,
        "--metric-name",
        "Load",
        "--value",
        "4.5",
        "--unit",
        "Count",
        "--dimensions",
        "Model=m1",
        "--timestamp",
        iso(minute + 5_000),
      ),
      {},
    );
    const data = [
      { MetricName: "Load", Dimensions: [{ Name: "Model", Value: "m1" }], Values: [1, 10], Counts: [3, 1], Unit: "Count", Timestamp: iso(minute + 15_000) },
      {
        MetricName: "Load",
        Dimensions: [{ Name: "Model", Value: "m2" }],
        StatisticValues: { SampleCount: 2, Sum: 20, Minimum: 8, Maximum: 12 },
        Unit: "Count",
        Timestamp: iso(minute + 25_000),
      },
    ];
    await cli("put-metric-data", "--namespace", namespace, "--metric-data", JSON.stringify(data));

    const listed = await cli("list-metrics", "--namespace", namespace);
    const sdkListed = await cw.send(new ListMetricsCommand({ Namespace: namespace }));
    const names = (metrics: { Dimensions?: { Value?: string }[] }[]) => metrics.map((m) => m.Dimensions!.map((d) => d.Value).join()).sort();
    assert.deepEqual(names(listed.Metrics), ["m1", "m2"]);
    assert.deepEqual(
      listed.Metrics.sort((a: any, b: any) => a.Dimensions[0].Value.localeCompare(b.Dimensions[0].Value)),
      JSON.parse(JSON.stringify(sdkListed.Metrics!.sort((a, b) => a.Dimensions![0]!.Value!.localeCompare(b.Dimensions![0]!.Value!)))),
    );

    const range = { start: minute - 60_000, end: minute + 120_000 };
    const stats = await cli(
      "get-metric-statistics",
      ...["--namespace", namespace, "--metric-name", "Load", "--dimensions", "Name=Model,Value=m1"],
      ...["--start-time", iso(range.start), "--end-time", iso(range.end), "--period", "60"],
      ...["--statistics", "Sum", "SampleCount", "Minimum", "Maximum", "Average"],
    );
    assert.deepEqual(
      stats.Datapoints.map((d: any) => [Date.parse(d.Timestamp) - minute, d.Sum, d.SampleCount, d.Minimum, d.Maximum, d.Average, d.Unit]),
      [[0, 17.5, 5, 1, 10, 3.5, "Count"]],
    );
    const sdkStats = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: namespace,
        MetricName: "Load",
        Dimensions: [{ Name: "Model", Value: "m1" }],
        StartTime: new Date(range.start),
        EndTime: new Date(range.end),
        Period: 60,
        Statistics: ["Sum", "SampleCount", "Minimum", "Maximum", "Average"],
      }),
    );
    assert.deepEqual(
      stats.Datapoints.map((d: any) => ({ ...d, Timestamp: Date.parse(d.Timestamp) })),
      sdkStats.Datapoints!.map((d) => ({ ...d, Timestamp: d.Timestamp!.getTime() })),
    );

    const queries = [
      {
        Id: "m1",
        MetricStat: { Metric: { Namespace: namespace, MetricName: "Load", Dimensions: [{ Name: "Model", Value: "m1" }] }, Period: 60, Stat: "Sum" },
        ReturnData: false,
      },
      {
        Id: "m2",
        MetricStat: { Metric: { Namespace: namespace, MetricName: "Load", Dimensions: [{ Name: "Model", Value: "m2" }] }, Period: 60, Stat: "Sum" },
        ReturnData: false,
      },
      { Id: "total", Expression: "m1 + m2", Label: "Total <&> load" },
    ];
    const metricData = await cli(
      "get-metric-data",
      "--metric-data-queries",
      JSON.stringify(queries),
      "--start-time",
      iso(range.start),
      "--end-time",
      iso(range.end),
    );
    assert.deepEqual(
      metricData.MetricDataResults.map((r: any) => [r.Id, r.Label, r.Timestamps.map((t: string) => Date.parse(t) - minute), r.Values, r.StatusCode]),
      [["total", "Total <&> load", [0], [37.5], "Complete"]],
    );
    const sdkData = await cw.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(range.start), EndTime: new Date(range.end) }));
    assert.deepEqual(
      metricData.MetricDataResults.map((r: any) => ({ ...r, Timestamps: r.Timestamps.map(Date.parse) })),
      sdkData.MetricDataResults!.map((r) => ({ ...r, Timestamps: r.Timestamps!.map((t) => t.getTime()) })),
    );
  });

  it("runs an alarm's lifecycle: put, wait alarm-exists, describe, set state, delete", async () => {
    const name = uniqueName("query-alarm");
    const namespace = uniqueName("Query");
    await cli(
      "put-metric-alarm",
      ...["--alarm-name", name, "--alarm-description", 'Latency is "high" & rising', "--namespace", namespace, "--metric-name", "Latency"],
      ...["--statistic", "Average", "--period", "60", "--evaluation-periods", "3", "--datapoints-to-alarm", "2", "--threshold", "250.5"],
      // "ignore": with no data, an evaluation between set-alarm-state and the describe keeps the state it set.
      ...["--comparison-operator", "GreaterThanThreshold", "--dimensions", "Name=Model,Value=m1", "--treat-missing-data", "ignore", "--unit", "Milliseconds"],
    );
    const waited = await awsCli(berth.url, ["cloudwatch", "wait", "alarm-exists", "--alarm-names", name]);
    assert.equal(waited.code, 0, waited.stderr);

    const described = await cli("describe-alarms", "--alarm-names", name);
    assert.equal(described.MetricAlarms.length, 1);
    const alarm = described.MetricAlarms[0];
    assert.deepEqual(
      [
        alarm.AlarmName,
        alarm.AlarmDescription,
        alarm.StateValue,
        alarm.Threshold,
        alarm.DatapointsToAlarm,
        alarm.Dimensions,
        alarm.ActionsEnabled,
        alarm.OKActions,
      ],
      [name, 'Latency is "high" & rising', "INSUFFICIENT_DATA", 250.5, 2, [{ Name: "Model", Value: "m1" }], true, []],
    );
    const sdk = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
    const timestamps = ["AlarmConfigurationUpdatedTimestamp", "StateUpdatedTimestamp", "StateTransitionedTimestamp"];
    const withEpochs = (a: Record<string, unknown>, read: (v: any) => number) => ({ ...a, ...Object.fromEntries(timestamps.map((t) => [t, read(a[t])])) });
    assert.deepEqual(
      withEpochs(alarm, (v: string) => Date.parse(v)),
      withEpochs(sdk.MetricAlarms![0]! as Record<string, unknown>, (v: Date) => v.getTime()),
    );

    await cli(
      "set-alarm-state",
      "--alarm-name",
      name,
      "--state-value",
      "ALARM",
      "--state-reason",
      "Testing <the> query path",
      "--state-reason-data",
      '{"by":"cli"}',
    );
    const inAlarm = await cli("describe-alarms", "--alarm-name-prefix", name, "--state-value", "ALARM");
    assert.deepEqual(
      inAlarm.MetricAlarms.map((a: any) => [a.AlarmName, a.StateValue, a.StateReason, a.StateReasonData]),
      [[name, "ALARM", "Testing <the> query path", '{"by":"cli"}']],
    );

    await cli("delete-alarms", "--alarm-names", name);
    assert.deepEqual((await cli("describe-alarms", "--alarm-names", name)).MetricAlarms, []);
    const again = await awsCli(berth.url, ["cloudwatch", "delete-alarms", "--alarm-names", name]);
    assert.equal(again.code, 254);
    assert.match(again.stderr, new RegExp(`An error occurred \\(ResourceNotFound\\) when calling the DeleteAlarms operation.*: Alarm ${name} not found`));
  });

  it("pages through describe-alarms by NextToken, as the CLI's paginator does", async () => {
    const prefix = uniqueName("paged");
    for (const n of [1, 2, 3]) {
      await cli(
        "put-metric-alarm",
        ...["--alarm-name", `${prefix}-${n}`, "--namespace", prefix, "--metric-name", `M${n}`, "--statistic", "Sum", "--period", "60"],
        ...["--evaluation-periods", "1", "--threshold", "1", "--comparison-operator", "GreaterThanThreshold"],
      );
    }
    const alarms = await cli("describe-alarms", "--alarm-name-prefix", prefix, "--page-size", "1");
    assert.deepEqual(
      alarms.MetricAlarms.map((a: any) => a.AlarmName),
      [1, 2, 3].map((n) => `${prefix}-${n}`),
    );
    const firstPage = await cli("describe-alarms", "--alarm-name-prefix", prefix, "--max-items", "2");
    assert.equal(firstPage.MetricAlarms.length, 2);
    assert.ok(firstPage.NextToken);
  });

  it("prints the service's error code and message for a refused call", async () => {
    const result = await awsCli(berth.url, [
      "cloudwatch",
      "get-metric-statistics",
      ...["--namespace", "AnyNamespace", "--metric-name", "Load", "--period", "60"],
      ...["--start-time", "2026-01-01T00:00:00Z", "--end-time", "2026-01-01T01:00:00Z"],
    ]);
    assert.equal(result.code, 254);
    assert.match(
      result.stderr,
      /\(InvalidParameterCombination\) when calling the GetMetricStatistics operation.*: At least one of the parameters Statistics and ExtendedStatistics must be specified/,
    );
  });

  describe("raw requests", () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      berthFetch(`${berth.url}/`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", ...headers }, body });

    /** The status and the <Type>, <Code> and <Message> of an awsQuery ErrorResponse. */
    async function queryError(response: Response): Promise<{ status: number; type?: string; code?: string; message?: string; requestId?: string }> {
      const text = await response.text();
      assert.equal(response.headers.get("content-type"), "text/xml");
      assert.match(text, /^<ErrorResponse xmlns="http:\/\/monitoring\.amazonaws\.com\/doc\/2010-08-01\/"><Error>/);
      const tag = (name: string) => unescapeXml(new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1]);
      return { status: response.status, type: tag("Type"), code: tag("Code"), message: tag("Message"), requestId: tag("RequestId") };
    }

    it("answers a successful call in XML with the result wrapper and request id", async () => {
      const response = await post("Action=ListMetrics&Version=2010-08-01&Namespace=Nothing%2FHere");
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "text/xml");
      const text = await response.text();
      const requestId = response.headers.get("x-amzn-requestid");
      assert.equal(
        text,
        `<ListMetricsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><ListMetricsResult><Metrics></Metrics></ListMetricsResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></ListMetricsResponse>`,
      );
    });

    const refusals: [string, string, number, string, RegExp][] = [
      [
        "an unknown action",
        "Action=GetDashboard&Version=2010-08-01&DashboardName=x",
        400,
        "InvalidAction",
        /The action GetDashboard is not valid.*Berth serves these CloudWatch actions: .*ListMetrics/,
      ],
      ["no action", "Version=2010-08-01", 400, "MissingAction", /no Action parameter/],
      ["a body that is not a form", '{"Action": "ListMetrics"}', 400, "MissingAction", /no Action parameter/],
      ["another API version", "Action=ListMetrics&Version=2099-01-01", 400, "InvalidAction", /Version 2099-01-01 is not supported/],
      ["a missing required parameter", "Action=PutMetricData&Version=2010-08-01&Namespace=Q", 400, "MissingParameter", /The parameter MetricData is required/],
      [
        "a word where an integer belongs",
        "Action=GetMetricStatistics&Version=2010-08-01&Namespace=Q&MetricName=L&StartTime=2026-01-01T00:00:00Z&EndTime=2026-01-01T01:00:00Z&Period=sixty&Statistics.member.1=Sum",
        400,
        "InvalidParameterValue",
        /Value 'sixty' for parameter Period is invalid: it must be an integer/,
      ],
      [
        "an integer past 32 bits",
        "Action=GetMetricStatistics&Version=2010-08-01&Namespace=Q&MetricName=L&StartTime=2026-01-01T00:00:00Z&EndTime=2026-01-01T01:00:00Z&Period=99999999999&Statistics.member.1=Sum",
        400,
        "InvalidParameterValue",
        /parameter Period is invalid: it must be an integer from -2147483648 to 2147483647/,
      ],
      [
        "a number too large for a double",
        "Action=PutMetricData&Version=2010-08-01&Namespace=Q&MetricData.member.1.MetricName=L&MetricData.member.1.Value=1e400",
        400,
        "InvalidParameterValue",
        /parameter MetricData\.member\.1\.Value is invalid: it must be a finite number/,
      ],
      [
        "a word where a boolean belongs",
        "Action=PutMetricAlarm&Version=2010-08-01&AlarmName=a&ActionsEnabled=maybe",
        400,
        "InvalidParameterValue",
        /Value 'maybe' for parameter ActionsEnabled is invalid: it must be true or false/,
      ],
      [
        "a timestamp that is not one",
        "Action=GetMetricStatistics&Version=2010-08-01&Namespace=Q&MetricName=L&StartTime=yesterday&EndTime=2026-01-01T01:00:00Z&Period=60&Statistics.member.1=Sum",
        400,
        "InvalidParameterValue",
        /Value 'yesterday' for parameter StartTime is invalid: it must be an ISO 8601 timestamp/,
      ],
      [
        "a list without .member.",
        "Action=DeleteAlarms&Version=2010-08-01&AlarmNames.1=a",
        400,
        "MalformedQueryString",
        /AlarmNames is malformed: a list is given as AlarmNames\.member\.N/,
      ],
      [
        "a list position that is not a number",
        "Action=DeleteAlarms&Version=2010-08-01&AlarmNames.member.first=a",
        400,
        "MalformedQueryString",
        /AlarmNames\.member\.first is malformed/,
      ],
      [
        "nested parameters under a string",
        "Action=ListMetrics&Version=2010-08-01&Namespace.member.1=a",
        400,
        "MalformedQueryString",
        /Namespace is malformed: it takes a single value/,
      ],
      [
        "a constraint the model states",
        "Action=SetAlarmState&Version=2010-08-01&AlarmName=a&StateValue=RED&StateReason=x",
        400,
        "ValidationError",
        /Member must satisfy enum value set: \[OK, ALARM, INSUFFICIENT_DATA\]/,
      ],
    ];
    for (const [what, body, status, code, message] of refusals) {
      it(`refuses ${what} with ${code} in the query error shape`, async () => {
        const error = await queryError(await post(body));
        assert.deepEqual([error.status, error.type, error.code], [status, "Sender", code]);
        assert.match(error.message!, message);
        assert.ok(error.requestId);
      });
    }

    it("answers a body over the size limit with 413 in the query error shape", async () => {
      const body = `Action=ListMetrics&Version=2010-08-01&Namespace=${"x".repeat(maxApiBodyBytes)}`;
      const error = await queryError(await post(body));
      assert.deepEqual([error.status, error.code], [413, "RequestEntityTooLargeException"]);
    });

    it("answers an unsigned request in the query error shape", async () => {
      const response = await fetch(`${berth.url}/`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "Action=ListMetrics&Version=2010-08-01",
      });
      const error = await queryError(response);
      assert.equal(error.status, 403);
      assert.equal(error.type, "Sender");
      assert.ok(error.code);
    });

    it("applies key policies to query calls as to JSON calls", async () => {
      const key = createKey(berth.dataDir, uniqueName("no-delete"), {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: "cloudwatch:*", Resource: "*" },
          { Effect: "Deny", Action: "cloudwatch:DeleteAlarms", Resource: "*" },
        ],
      });
      const send = (body: string) =>
        berthFetch(`${berth.url}/`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body }, { credentials: key });
      assert.equal((await send("Action=ListMetrics&Version=2010-08-01")).status, 200);
      const error = await queryError(await send("Action=DeleteAlarms&Version=2010-08-01&AlarmNames.member.1=any"));
      assert.deepEqual([error.status, error.code], [403, "AccessDenied"]);
      assert.match(
        error.message!,
        /is not authorized to perform: cloudwatch:DeleteAlarms on resource: arn:aws:cloudwatch:us-east-1:000000000000:alarm:any with an explicit deny/,
      );
    });

    it("reads an empty list as empty and escapes stored text in the XML", async () => {
      const name = uniqueName("raw-alarm");
      const put = await post(
        `Action=PutMetricAlarm&Version=2010-08-01&AlarmName=${name}&AlarmDescription=${encodeURIComponent("a < b & 'c'\nnext")}&Namespace=Q&MetricName=L&Statistic=Sum&Period=60&EvaluationPeriods=1&Threshold=1&ComparisonOperator=GreaterThanThreshold&AlarmActions=&Dimensions=`,
      );
      assert.equal(put.status, 200, await put.clone().text());
      const described = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
      assert.deepEqual([described.MetricAlarms![0]!.AlarmDescription, described.MetricAlarms![0]!.AlarmActions], ["a < b & 'c'\nnext", []]);
      const cliView = await cli("describe-alarms", "--alarm-names", name);
      assert.equal(cliView.MetricAlarms[0].AlarmDescription, "a < b & 'c'\nnext");
    });
  });
});

const entities: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&amp;": "&", "&apos;": "'", "&quot;": '"', "&#xA;": "\n", "&#xD;": "\r" };

function unescapeXml(text: string | undefined): string | undefined {
  return text?.replace(/&(lt|gt|amp|apos|quot|#xA|#xD);/g, (entity) => entities[entity]!);
}
