import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { performance } from "node:perf_hooks";
import { GetMetricDataCommand, GetMetricStatisticsCommand, ListMetricsCommand, type CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { eventually } from "../support/wait.js";
import { cloudWatchClient } from "./client.js";

describe("SageMaker invocation metrics in CloudWatch", () => {
  let berth: BerthProcess;
  let cw: CloudWatchClient;
  let endpoint: string;
  let component: string;
  let startedAt: Date;
  /** The longest any request took, seen from the client: the model's own latency cannot exceed it. */
  let slowestClientMs = 0;
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 1 } });
    cw = cloudWatchClient(berth.url);
    endpoint = await createIcEndpoint(berth.sagemaker);
    component = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0, copies: 2, cpu: 0.5, memory: 256 }));
    // InvocationsPerCopy divides by the ready copies the recorder knows: wait until it has recorded both.
    await eventually(
      async () => {
        const ready = await cw.send(
          new GetMetricStatisticsCommand({
            Namespace: "AWS/SageMaker",
            MetricName: "CurrentCopyCount",
            Dimensions: [{ Name: "InferenceComponentName", Value: component }],
            StartTime: new Date(Date.now() - 60_000),
            EndTime: new Date(Date.now() + 5_000),
            Period: 60,
            Statistics: ["Maximum"],
          }),
        );
        return ready.Datapoints!.some((d) => d.Maximum === 2) ? true : undefined;
      },
      { what: "the metrics recorder to count both copies ready (CurrentCopyCount 2)" },
    );
    startedAt = new Date(Date.now() - 60_000);
    for (let i = 0; i < 6; i++) {
      const sentAt = performance.now();
      await invoke(berth.runtime, endpoint, component, `{"n":${i}}`);
      slowestClientMs = Math.max(slowestClientMs, performance.now() - sentAt);
    }
  });
  after(async () => {
    await berth?.stop();
  });

  const componentDims = () => [{ Name: "InferenceComponentName", Value: component }];
  const statistics = (
    metricName: string,
    dimensions: { Name: string; Value: string }[],
    stats: ("Sum" | "SampleCount" | "Average" | "Maximum")[],
    start = startedAt,
  ) =>
    cw.send(
      new GetMetricStatisticsCommand({
        Namespace: "AWS/SageMaker",
        MetricName: metricName,
        Dimensions: dimensions,
        StartTime: start,
        EndTime: new Date(Date.now() + 5_000),
        Period: 60,
        Statistics: stats,
      }),
    );
  const total = (points: { Sum?: number }[] | undefined) => (points ?? []).reduce((sum, p) => sum + (p.Sum ?? 0), 0);

  it("counts Invocations and InvocationsPerCopy per component, and Invocations per variant", async () => {
    const invocations = await statistics("Invocations", componentDims(), ["Sum"]);
    assert.equal(invocations.Label, "Invocations");
    assert.equal(total(invocations.Datapoints), 6);
    assert.ok(invocations.Datapoints!.every((d) => d.Timestamp instanceof Date && d.Unit === "None"));
    assert.equal(total((await statistics("InvocationsPerCopy", componentDims(), ["Sum"])).Datapoints), 3);
    const variant = await statistics(
      "Invocations",
      [
        { Name: "EndpointName", Value: endpoint },
        { Name: "VariantName", Value: "AllTraffic" },
      ],
      ["Sum"],
    );
    assert.equal(total(variant.Datapoints), 6);
  });

  it("records ModelLatency in microseconds, once per request", async () => {
    const latency = await statistics("ModelLatency", componentDims(), ["SampleCount", "Average", "Maximum"]);
    assert.equal(
      latency.Datapoints!.reduce((n, d) => n + d.SampleCount!, 0),
      6,
    );
    assert.ok(
      latency.Datapoints!.every((d) => d.Unit === "Microseconds" && d.Average! > 0 && d.Maximum! <= slowestClientMs * 1000),
      `latency in microseconds, within the ${slowestClientMs.toFixed(1)} ms the slowest request took: ${JSON.stringify(latency.Datapoints)}`,
    );
  });

  it("answers GetMetricData for metric queries and expressions over them", async () => {
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: startedAt,
        EndTime: new Date(Date.now() + 5_000),
        ScanBy: "TimestampAscending",
        MetricDataQueries: [
          {
            Id: "inv",
            MetricStat: { Metric: { Namespace: "AWS/SageMaker", MetricName: "Invocations", Dimensions: componentDims() }, Period: 60, Stat: "Sum" },
          },
          {
            Id: "percopy",
            MetricStat: { Metric: { Namespace: "AWS/SageMaker", MetricName: "InvocationsPerCopy", Dimensions: componentDims() }, Period: 60, Stat: "Sum" },
            ReturnData: false,
          },
          { Id: "copies", Expression: "inv / percopy", Label: "copies" },
        ],
      }),
    );
    const [inv, copies] = out.MetricDataResults!;
    assert.equal(inv!.Id, "inv");
    assert.equal(inv!.Label, "Invocations");
    assert.equal(inv!.StatusCode, "Complete");
    assert.equal(
      inv!.Values!.reduce((a, b) => a + b, 0),
      6,
    );
    assert.ok(inv!.Timestamps!.every((t, i, all) => t instanceof Date && (i === 0 || all[i - 1]!.getTime() < t.getTime())));
    assert.equal(copies!.Label, "copies");
    assert.ok(copies!.Values!.length > 0 && copies!.Values!.every((v) => v === 2), `copies: ${copies!.Values}`);
  });

  it("lists the component's metrics, and idle zeros keep Invocations present", async () => {
    const listed = await cw.send(new ListMetricsCommand({ Namespace: "AWS/SageMaker", Dimensions: [{ Name: "InferenceComponentName", Value: component }] }));
    const names = new Set(listed.Metrics!.map((m) => m.MetricName));
    for (const name of [
      "Invocations",
      "InvocationsPerCopy",
      "ModelLatency",
      "OverheadLatency",
      "Invocation4XXErrors",
      "NoCapacityInvocationFailures",
      "ConcurrentRequestsPerCopy",
      "DesiredCopyCount",
      "CurrentCopyCount",
    ]) {
      assert.ok(names.has(name), `${name} is listed (got ${[...names].join(", ")})`);
    }
    const recent = new Date(Date.now() - 1_000);
    await eventually(
      async () => {
        const idle = await statistics("Invocations", componentDims(), ["SampleCount", "Sum"], recent);
        return idle.Datapoints!.some((d) => d.SampleCount! > 0 && d.Sum === 0) ? true : undefined;
      },
      { timeoutMs: 30_000, what: "an idle period with an explicit zero" },
    );
    const copies = await statistics("CurrentCopyCount", componentDims(), ["Maximum"]);
    assert.ok(copies.Datapoints!.some((d) => d.Maximum === 2));
  });

  it("keeps the metric history across a restart with the same data directory", async () => {
    assert.equal(await berth.stop(), 0);
    berth = await startBerth({ dataDir: berth.dataDir, config: { scalingPeriodSeconds: 1 } });
    cw = cloudWatchClient(berth.url);
    assert.equal(total((await statistics("Invocations", componentDims(), ["Sum"])).Datapoints), 6);
  });
});
