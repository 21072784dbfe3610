import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateModelCommand, DescribeModelCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { DescribeAlarmsCommand, PutMetricAlarmCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { cloudWatchClient } from "../cloudwatch/client.js";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { startEtcd, type EtcdCluster } from "../support/etcd.js";
import { uniqueName } from "../support/fixtures.js";
import { eventually } from "../support/wait.js";

const createModel = (replica: BerthProcess, name: string) =>
  replica.sagemaker.send(new CreateModelCommand({ ModelName: name, PrimaryContainer: { Image: "berth/echo" } }));

describe("a replica while etcd members fail", () => {
  let etcd: EtcdCluster;
  let replica: BerthProcess;
  before(async () => {
    etcd = await startEtcd({ members: 3 });
    replica = await startBerth({ args: ["--store", etcd.storeUrl, "--replica-id", "outage"], config: { scalingPeriodSeconds: 1 } });
  });
  after(async () => {
    await replica?.kill();
    await etcd?.stop();
  });

  it("keeps serving the API with one of three members killed", async () => {
    await etcd.kill(0);
    try {
      for (let i = 0; i < 5; i++) {
        const name = uniqueName("one-member-down");
        await createModel(replica, name);
        assert.equal((await replica.sagemaker.send(new DescribeModelCommand({ ModelName: name }))).ModelName, name);
      }
    } finally {
      await etcd.restart(0);
    }
  });

  it("answers writes with a retryable 503 ServiceUnavailable while etcd is down, keeps routing, and takes writes again when it is back", async () => {
    for (const i of [0, 1, 2]) await etcd.kill(i);
    const refused = await createModel(replica, uniqueName("etcd-down")).then(
      () => undefined,
      (error: Error & { $metadata?: { httpStatusCode?: number }; $retryable?: unknown }) => error,
    );
    assert.ok(refused, "a write with etcd down must fail");
    assert.equal(refused.name, "ServiceUnavailable", refused.message);
    assert.equal(refused.$metadata?.httpStatusCode, 503);
    assert.match(refused.message, /cluster store \(etcd\) cannot be reached.*Retry/);
    const retrying = new SageMakerClient({ endpoint: replica.url, region: "us-east-1", credentials, maxAttempts: 3 });
    const retried = await retrying
      .send(new CreateModelCommand({ ModelName: uniqueName("etcd-down"), PrimaryContainer: { Image: "berth/echo" } }))
      .catch((e) => e);
    assert.equal(retried.name, "ServiceUnavailable");
    assert.equal(retried.$metadata.attempts, 3, "the SDK retries ServiceUnavailable");

    // The router answers from its last routing table, without the store.
    const routed = await replica.runtime.send(new InvokeEndpointCommand({ EndpointName: "no-such-endpoint", Body: Buffer.from("x") })).catch((e: Error) => e);
    assert.equal((routed as Error).name, "ValidationError");
    assert.match((routed as Error).message, /Endpoint no-such-endpoint .* not found/);

    await Promise.all([0, 1, 2].map((i) => etcd.restart(i)));
    const name = uniqueName("etcd-back");
    await eventually(async () => (await createModel(replica, name), true), { timeoutMs: 30_000, what: "writes to succeed once etcd is back" });
    assert.equal((await replica.sagemaker.send(new DescribeModelCommand({ ModelName: name }))).ModelName, name);

    // The controllers resume too: an alarm created now is evaluated.
    const cw = cloudWatchClient(replica.url);
    const alarm = uniqueName("after-outage");
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: alarm,
        Namespace: "Berth/Outage",
        MetricName: alarm,
        Statistic: "Maximum",
        Period: 10,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      }),
    );
    await eventually(
      async () => {
        await cw.send(new PutMetricDataCommand({ Namespace: "Berth/Outage", MetricData: [{ MetricName: alarm, Value: 5 }] }));
        const state = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [alarm] }))).MetricAlarms![0]!.StateValue;
        return state === "ALARM" ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: `alarm ${alarm} to be evaluated once etcd is back` },
    );
  });
});
