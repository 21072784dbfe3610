import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeInferenceComponentCommand, UpdateInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, waitForComponent } from "../support/fixtures.js";
import { steadyLoad } from "../support/load.js";
import { eventually } from "../support/wait.js";
import { berthFetch } from "../support/http.js";

describe("alarm-based rollback of a rolling update", () => {
  let berth: BerthProcess;
  let cloudwatch: CloudWatchClient;
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 1 } });
    cloudwatch = new CloudWatchClient({ endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 });
  });
  after(async () => {
    await berth.stop();
  });

  it("rolls back when a listed alarm goes into ALARM during the bake, without failing requests", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.48xlarge" });
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 3, env: { MODEL_VERSION: "1" } }));
    const alarm = `${name}-errors`;
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: alarm,
        Namespace: "Test/Berth",
        MetricName: "ClientErrors",
        Dimensions: [{ Name: "InferenceComponentName", Value: name }],
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
      }),
    );
    await eventually(async () =>
      (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarm] }))).MetricAlarms![0]!.StateValue === "OK" ? true : undefined,
    );
    const load = steadyLoad(berth.runtime, endpoint, name);
    await berth.sagemaker.send(
      new UpdateInferenceComponentCommand({
        InferenceComponentName: name,
        Specification: echoComponent(endpoint, { env: { MODEL_VERSION: "2" } }).Specification,
        DeploymentConfig: {
          // The bake of 600 API seconds lasts 10 s at a 1 s scaling period.
          RollingUpdatePolicy: {
            MaximumBatchSize: { Type: "COPY_COUNT", Value: 1 },
            WaitIntervalInSeconds: 600,
            RollbackMaximumBatchSize: { Type: "COPY_COUNT", Value: 1 },
          },
          AutoRollbackConfiguration: { Alarms: [{ AlarmName: alarm }] },
        },
      }),
    );
    await eventually(
      async () => {
        const copies = (await (await berthFetch(`${berth.url}/berth/v1/instances?endpoint=${endpoint}`)).json()) as {
          instances: { copies: { copyId: string; phase: string }[] }[];
        };
        return copies.instances.flatMap((i) => i.copies).some((c) => c.copyId === `${name}-4` && c.phase === "Ready") ? true : undefined;
      },
      { what: "the first new copy to be ready" },
    );
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: "Test/Berth",
        MetricData: [{ MetricName: "ClientErrors", Dimensions: [{ Name: "InferenceComponentName", Value: name }], Value: 5 }],
      }),
    );
    const rolledBack = await eventually(
      async () => {
        const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
        return d.InferenceComponentStatus === "InService" && d.FailureReason ? d : undefined;
      },
      { timeoutMs: 30_000, what: "the rollback to finish" },
    );
    const samples = await load.stop();
    assert.match(rolledBack.FailureReason!, new RegExp(`rolled back: alarm ${alarm} went into ALARM during the update`));
    assert.equal(rolledBack.Specification!.Container!.Environment!.MODEL_VERSION, "1");
    assert.deepEqual(
      samples.filter((s) => s.error).map((s) => s.error),
      [],
    );
    const final = await waitForComponent(berth.sagemaker, name, "InService");
    assert.equal(final.RuntimeConfig!.CurrentCopyCount, 3);
  });
});
