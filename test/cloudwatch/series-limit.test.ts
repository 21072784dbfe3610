import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GetMetricStatisticsCommand, ListMetricsCommand, PutMetricDataCommand, type CloudWatchClient, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { eventually } from "../support/wait.js";
import { cloudWatchClient, expectError } from "./client.js";

const shard = (i: number, value = 1): MetricDatum => ({
  MetricName: "Depth",
  Dimensions: [{ Name: "Shard", Value: `s${String(i).padStart(2, "0")}` }],
  Value: value,
});
const shards = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => shard(from + i));

describe("the limit on the metric series PutMetricData creates (limits.maxCustomMetricSeries)", () => {
  let berth: BerthProcess;
  let cw: CloudWatchClient;
  const namespace = uniqueName("Limited");
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 1, limits: { maxCustomMetricSeries: 20 } } });
    cw = cloudWatchClient(berth.url);
  });
  after(async () => {
    await berth?.stop();
  });

  const put = (data: MetricDatum[]) => cw.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data }));
  const listed = async () => ((await cw.send(new ListMetricsCommand({ Namespace: namespace }))).Metrics ?? []).map((m) => m.Dimensions![0]!.Value);
  const sum = async (i: number) => {
    const stats = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: namespace,
        MetricName: "Depth",
        Dimensions: shard(i).Dimensions,
        StartTime: new Date(Date.now() - 120_000),
        EndTime: new Date(Date.now() + 5_000),
        Period: 60,
        Statistics: ["Sum"],
      }),
    );
    return (stats.Datapoints ?? []).reduce((total, d) => total + d.Sum!, 0);
  };

  it("refuses a call that would pass the limit as a whole, saying the limit, the series held and what to do", async () => {
    await put(shards(0, 15));
    const refused = await put([shard(0, 5), ...shards(15, 25)]).then(
      () => assert.fail("PutMetricData over the limit was accepted"),
      (error: Error & { $metadata?: { httpStatusCode?: number } }) => error,
    );
    expectError(
      "LimitExceededException",
      "LimitExceededException",
      new RegExp(
        "^The request would create 10 new metric series, but Berth already holds 15 series created by PutMetricData and holds at most 20 " +
          "\\(limits\\.maxCustomMetricSeries\\)\\. Nothing from this request was stored\\. Use fewer dimension combinations, wait for series " +
          "no longer written to expire with the metric retention \\(86400 API seconds\\), or raise limits\\.maxCustomMetricSeries in the server config",
      ),
    )(refused);
    assert.equal(refused.$metadata?.httpStatusCode, 400);
    assert.deepEqual(
      await listed(),
      shards(0, 15).map((d) => d.Dimensions![0]!.Value),
    );
    assert.equal(await sum(0), 1, "the refused call's datum for a series already held was not stored either");

    await put(shards(15, 20));
    assert.equal((await listed()).length, 20, "a call that reaches the limit exactly is accepted");
    await put([shard(0, 2), shard(19, 2)]);
    assert.equal(await sum(0), 3, "series already held take data at the limit");
    await assert.rejects(
      put([shard(20)]),
      expectError("LimitExceededException", "LimitExceededException", /would create 1 new metric series, but Berth already holds 20 /),
    );
  });

  it("records Berth's own metrics while PutMetricData's series are at the limit, without counting them", async () => {
    await assert.rejects(put([shard(20)]), expectError("LimitExceededException", "LimitExceededException", /already holds 20 /), "the limit is reached");
    const endpoint = await createIcEndpoint(berth.sagemaker);
    const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0, copies: 1, cpu: 0.25, memory: 128 }));
    for (let i = 0; i < 3; i++) await invoke(berth.runtime, endpoint, component, `{"n":${i}}`);
    const dimensions = [{ Name: "InferenceComponentName", Value: component }];
    await eventually(
      async () => {
        const stats = await cw.send(
          new GetMetricStatisticsCommand({
            Namespace: "AWS/SageMaker",
            MetricName: "Invocations",
            Dimensions: dimensions,
            StartTime: new Date(Date.now() - 120_000),
            EndTime: new Date(Date.now() + 5_000),
            Period: 60,
            Statistics: ["Sum"],
          }),
        );
        return (stats.Datapoints ?? []).reduce((total, d) => total + d.Sum!, 0) === 3 ? true : undefined;
      },
      { what: "the component's 3 invocations in AWS/SageMaker Invocations" },
    );
    const own = await cw.send(new ListMetricsCommand({ Namespace: "AWS/SageMaker", Dimensions: dimensions }));
    assert.ok((own.Metrics ?? []).length >= 5, `Berth lists its own series of the component: ${JSON.stringify(own.Metrics)}`);
    await assert.rejects(
      put([shard(20)]),
      expectError("LimitExceededException", "LimitExceededException", /already holds 20 /),
      "Berth's own series take none of PutMetricData's room",
    );
  });
});

describe("metric series past the retention free their room under limits.maxCustomMetricSeries", () => {
  let berth: BerthProcess;
  let cw: CloudWatchClient;
  before(async () => {
    // An API minute lasts a real second: the retention is 2 real seconds.
    berth = await startBerth({ config: { scalingPeriodSeconds: 1, metricRetentionSeconds: 120, limits: { maxCustomMetricSeries: 2 } } });
    cw = cloudWatchClient(berth.url);
  });
  after(async () => {
    await berth?.stop();
  });

  it("accepts new series once the ones no longer written have expired", async () => {
    const namespace = uniqueName("Expiring");
    const put = (from: number, to: number) => cw.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: shards(from, to) }));
    await put(0, 2);
    await assert.rejects(put(2, 3), expectError("LimitExceededException", "LimitExceededException", /\(120 API seconds\)/));
    await eventually(() => put(2, 4).then(() => true), { what: "PutMetricData of 2 new series to be accepted once s00 and s01 expired" });
    const listed = await cw.send(new ListMetricsCommand({ Namespace: namespace }));
    assert.deepEqual(
      listed.Metrics!.map((m) => m.Dimensions![0]!.Value),
      ["s02", "s03"],
    );
  });
});
