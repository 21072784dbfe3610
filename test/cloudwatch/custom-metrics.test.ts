import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  paginateListMetrics,
  PutMetricDataCommand,
  type CloudWatchClient,
  type MetricDatum,
} from "@aws-sdk/client-cloudwatch";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { uniqueName } from "../support/fixtures.js";
import { cloudWatchClient, expectError } from "./client.js";

describe("custom metrics over the API", () => {
  let berth: BerthProcess;
  let cw: CloudWatchClient;
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 1 } });
    cw = cloudWatchClient(berth.url);
  });
  after(async () => {
    await berth?.stop();
  });

  // At this time scale an API minute lasts one real second.
  const minuteStart = () => Math.floor(Date.now() / 1000) * 1000 - 5_000;

  it("stores Value, Values with Counts and StatisticValues at their Timestamp", async () => {
    const namespace = uniqueName("Custom");
    const at = minuteStart();
    await cw.send(
      new PutMetricDataCommand({
        Namespace: namespace,
        MetricData: [
          { MetricName: "Load", Value: 4, Timestamp: new Date(at + 100), Unit: "Count" },
          { MetricName: "Load", Values: [1, 10], Counts: [3, 1], Timestamp: new Date(at + 200), Unit: "Count" },
          { MetricName: "Load", StatisticValues: { SampleCount: 2, Sum: 20, Minimum: 8, Maximum: 12 }, Timestamp: new Date(at + 1_100), Unit: "Count" },
        ],
      }),
    );
    const stats = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: namespace,
        MetricName: "Load",
        StartTime: new Date(at),
        EndTime: new Date(at + 2_000),
        Period: 60,
        Statistics: ["Sum", "SampleCount", "Minimum", "Maximum", "Average"],
        Unit: "Count",
      }),
    );
    assert.deepEqual(
      stats.Datapoints!.map((d) => [d.Timestamp!.getTime() - at, d.Sum, d.SampleCount, d.Minimum, d.Maximum, d.Average, d.Unit]),
      [
        [0, 17, 5, 1, 10, 3.4, "Count"],
        [1_000, 20, 2, 8, 12, 10, "Count"],
      ],
    );
    const otherUnit = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: namespace,
        MetricName: "Load",
        StartTime: new Date(at),
        EndTime: new Date(at + 2_000),
        Period: 60,
        Statistics: ["Sum"],
        Unit: "Seconds",
      }),
    );
    assert.deepEqual(otherUnit.Datapoints, []);
  });

  it("accepts a gzipped batch of 1000 data and lists its series 500 a page", async () => {
    const namespace = uniqueName("Batch");
    const data: MetricDatum[] = Array.from({ length: 1000 }, (_, i) => ({
      MetricName: "Hits",
      Dimensions: [{ Name: "Shard", Value: `s${String(i % 600).padStart(3, "0")}` }],
      Value: 1,
    }));
    await cw.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data }));
    const first = await cw.send(new ListMetricsCommand({ Namespace: namespace }));
    assert.equal(first.Metrics!.length, 500);
    assert.ok(first.NextToken);
    const second = await cw.send(new ListMetricsCommand({ Namespace: namespace, NextToken: first.NextToken }));
    assert.equal(second.Metrics!.length, 100);
    assert.equal(second.NextToken, undefined);
    const shard = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: namespace,
        MetricName: "Hits",
        Dimensions: [{ Name: "Shard", Value: "s001" }],
        StartTime: new Date(Date.now() - 10_000),
        EndTime: new Date(Date.now() + 2_000),
        Period: 60,
        Statistics: ["Sum"],
      }),
    );
    assert.equal(
      shard.Datapoints!.reduce((n, d) => n + d.Sum!, 0),
      2,
    );
  });

  it("lists a filter that matches few of many series in pages that may come back short or empty, with a NextToken until the end", async () => {
    // One call looks at 5,000 series at most (list-metrics.ts): 6,000 series take two.
    const namespace = uniqueName("Sparse");
    for (let call = 0; call < 6; call++) {
      const data: MetricDatum[] = Array.from({ length: 1000 }, (_, i) => ({
        MetricName: "Hits",
        Dimensions: [
          { Name: "Shard", Value: String(call * 1000 + i).padStart(4, "0") },
          { Name: "Kind", Value: i === 999 ? "rare" : "common" },
        ],
        Value: 1,
      }));
      await cw.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data }));
    }
    const rare = { Namespace: namespace, Dimensions: [{ Name: "Kind", Value: "rare" }] };
    // Series sort by their dimensions (Kind before Shard): the 5,994 common ones come first.
    const first = await cw.send(new ListMetricsCommand(rare));
    assert.deepEqual(first.Metrics, []);
    assert.ok(first.NextToken, "an empty page that did not reach the end has a NextToken");
    const shards: string[] = [];
    for await (const page of paginateListMetrics({ client: cw }, rare))
      shards.push(...page.Metrics!.map((m) => m.Dimensions!.find((d) => d.Name === "Shard")!.Value!));
    assert.deepEqual(shards, ["0999", "1999", "2999", "3999", "4999", "5999"]);
    const all: number[] = [];
    for await (const page of paginateListMetrics({ client: cw }, { Namespace: namespace })) all.push(page.Metrics!.length);
    assert.deepEqual(all, [...Array(12).fill(500)], "a filter that matches every series fills every page");
    await assert.rejects(
      cw.send(new ListMetricsCommand({ Namespace: namespace, NextToken: first.NextToken })),
      expectError("InvalidNextToken", "InvalidNextToken"),
    );
  });

  it("pages GetMetricData by MaxDatapoints, newest first by default", async () => {
    const namespace = uniqueName("Paged");
    const at = minuteStart() - 2_000;
    await cw.send(
      new PutMetricDataCommand({
        Namespace: namespace,
        MetricData: [0, 1, 2].map((i) => ({ MetricName: "Depth", Value: i, Timestamp: new Date(at + i * 1_000 + 10) })),
      }),
    );
    const query = { Id: "d", MetricStat: { Metric: { Namespace: namespace, MetricName: "Depth" }, Period: 60, Stat: "Maximum" } };
    const range = { StartTime: new Date(at), EndTime: new Date(at + 3_000) };
    const page1 = await cw.send(new GetMetricDataCommand({ ...range, MetricDataQueries: [query], MaxDatapoints: 2 }));
    assert.deepEqual(page1.MetricDataResults![0]!.Values, [2, 1]);
    assert.equal(page1.MetricDataResults![0]!.StatusCode, "PartialData");
    const page2 = await cw.send(new GetMetricDataCommand({ ...range, MetricDataQueries: [query], MaxDatapoints: 2, NextToken: page1.NextToken }));
    assert.deepEqual(page2.MetricDataResults![0]!.Values, [0]);
    assert.equal(page2.MetricDataResults![0]!.StatusCode, "Complete");
    assert.equal(page2.NextToken, undefined);
    await assert.rejects(
      cw.send(new GetMetricDataCommand({ ...range, MetricDataQueries: [{ ...query, Id: "other" }], NextToken: page1.NextToken })),
      expectError("InvalidNextToken", "InvalidNextToken"),
    );
  });

  it("refuses data older than the retention and conflicting value fields", async () => {
    const namespace = uniqueName("Refused");
    await assert.rejects(
      cw.send(
        new PutMetricDataCommand({
          Namespace: namespace,
          MetricData: [{ MetricName: "Old", Value: 1, Timestamp: new Date(Date.now() - 3 * 24 * 3600 * 1000) }],
        }),
      ),
      expectError("InvalidParameterValueException", "InvalidParameterValue", /older than the metric retention/),
    );
    await assert.rejects(
      cw.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: "Both", Value: 1, Values: [1] }] })),
      expectError("InvalidParameterCombinationException", "InvalidParameterCombination"),
    );
    assert.deepEqual((await cw.send(new ListMetricsCommand({ Namespace: namespace }))).Metrics, []);
  });

  it("refuses values beyond ±2^360 and counts beyond 0..2^360, so sums stay finite", async () => {
    const namespace = uniqueName("Range");
    const refused: [MetricDatum, string][] = [
      [{ MetricName: "Big", Value: 1.7e308 }, "MetricData.member.1.Value"],
      [{ MetricName: "Big", Values: [1, -1e109] }, "MetricData.member.1.Values.member.2"],
      [{ MetricName: "Big", Values: [1, 2], Counts: [1, 1e300] }, "MetricData.member.1.Counts.member.2"],
      [{ MetricName: "Big", Values: [1], Counts: [-1] }, "MetricData.member.1.Counts.member.1"],
      [{ MetricName: "Big", StatisticValues: { SampleCount: 1, Sum: 1e200, Minimum: 1e200, Maximum: 1e200 } }, "MetricData.member.1.StatisticValues.Sum"],
    ];
    for (const [datum, member] of refused) {
      await assert.rejects(
        cw.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [datum] })),
        expectError("InvalidParameterValueException", "InvalidParameterValue", new RegExp(`parameter ${member.replace(/\./g, "\\.")} is invalid`)),
      );
    }
    assert.deepEqual((await cw.send(new ListMetricsCommand({ Namespace: namespace }))).Metrics, []);

    const at = minuteStart();
    const edge = 2 ** 360;
    await cw.send(
      new PutMetricDataCommand({
        Namespace: namespace,
        MetricData: [
          { MetricName: "Edge", Value: edge, Timestamp: new Date(at + 100) },
          { MetricName: "Edge", Values: [edge], Counts: [edge], Timestamp: new Date(at + 200) },
        ],
      }),
    );
    const stats = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: namespace,
        MetricName: "Edge",
        StartTime: new Date(at),
        EndTime: new Date(at + 1_000),
        Period: 60,
        Statistics: ["Sum", "SampleCount", "Average"],
      }),
    );
    assert.deepEqual(
      stats.Datapoints!.map((d) => [d.Sum, d.SampleCount, d.Average]),
      [[edge + edge * edge, 1 + edge, (edge + edge * edge) / (1 + edge)]],
    );
  });
});
