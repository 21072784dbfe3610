import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  type CloudWatchClient,
} from "@aws-sdk/client-cloudwatch";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateInferenceComponentCommand,
  CreateModelCommand,
  DescribeInferenceComponentCommand,
  DescribeModelCommand,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { ApplicationAutoScalingClient, DescribeScalingActivitiesCommand, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import type { ClusterView } from "../../src/cluster/cluster-view.js";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { startEtcd, type EtcdCluster } from "../support/etcd.js";
import { echoComponent, uniqueName } from "../support/fixtures.js";
import { berthFetch } from "../support/http.js";
import { eventually } from "../support/wait.js";
import { cloudWatchClient } from "../cloudwatch/client.js";

const run = promisify(execFile);
const berthBin = fileURLToPath(new URL("../../../bin/berth.js", import.meta.url));

async function viewOf(replica: BerthProcess): Promise<ClusterView> {
  const response = await berthFetch(`${replica.url}/berth/v1/cluster`);
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as ClusterView;
}

describe("server replicas on etcd", () => {
  let etcd: EtcdCluster;
  let a: BerthProcess;
  let b: BerthProcess;
  const startReplica = (id: string, dataDir?: string) =>
    startBerth({ dataDir, args: ["--store", etcd.storeUrl, "--replica-id", id], config: { scalingPeriodSeconds: 1, holdSeconds: 1 } });

  before(async () => {
    etcd = await startEtcd({ members: 1 });
    a = await startReplica("a");
    await eventually(async () => ((await viewOf(a)).leader?.replicaId === "a" ? true : undefined), { what: "replica a to lead" });
    b = await startReplica("b");
  });
  after(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await etcd?.stop();
  });

  it("shows both replicas, the leader and the agents, through the signed GET and berth cluster", async () => {
    const view = await eventually(
      async () => {
        const v = await viewOf(b);
        return v.replicas.length === 2 ? v : undefined;
      },
      { what: "both replicas in the cluster view" },
    );
    assert.equal(view.mode, "cluster");
    assert.deepEqual(
      view.replicas.map((r) => [r.id, r.url, r.leader]),
      [
        ["a", a.url, true],
        ["b", b.url, false],
      ],
    );
    assert.equal(view.leader?.replicaId, "a");
    assert.deepEqual(view.agents, []);
    assert.deepEqual(await viewOf(a), view, "every replica shows the same cluster");

    const table = await run(process.execPath, [berthBin, "cluster", "--url", b.url, "--data-dir", b.dataDir]);
    assert.match(table.stdout, /^mode: cluster\nleader: a since /);
    assert.match(table.stdout, /^a\s+http:\/\/127\.0\.0\.1:\d+\s+yes\s/m);
    assert.match(table.stdout, /^b\s+http:\/\/127\.0\.0\.1:\d+\s+\d{4}-/m);
    const json = await run(process.execPath, [berthBin, "cluster", "--json", "--url", a.url, "--data-dir", a.dataDir]);
    assert.deepEqual(JSON.parse(json.stdout), view);
    const tokens = await Promise.all(
      [a, b].map((r) => run(process.execPath, [berthBin, "cluster", "join-token", "--url", r.url, "--data-dir", r.dataDir]).then((x) => x.stdout.trim())),
    );
    assert.ok(tokens[0]!.length >= 20);
    assert.equal(tokens[0], tokens[1], "one join token for the whole cluster");
  });

  it("answers CloudWatch reads with the same figures, summed over the replicas, from either replica", async () => {
    const namespace = uniqueName("Replicas");
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_000);
    const datum = (value: number) => ({ Namespace: namespace, MetricData: [{ MetricName: "Load", Value: value, Timestamp: at, Unit: "Count" as const }] });
    const [cwA, cwB] = [cloudWatchClient(a.url), cloudWatchClient(b.url)];
    await cwA.send(new PutMetricDataCommand(datum(1)));
    await cwA.send(new PutMetricDataCommand(datum(2)));
    await cwB.send(new PutMetricDataCommand(datum(3)));
    const statistics = async (cw: CloudWatchClient) => {
      const answer = await cw.send(
        new GetMetricStatisticsCommand({
          Namespace: namespace,
          MetricName: "Load",
          StartTime: new Date(at.getTime() - 1_000),
          EndTime: new Date(at.getTime() + 1_000),
          Period: 60,
          Statistics: ["Sum", "SampleCount", "Minimum", "Maximum"],
        }),
      );
      return answer.Datapoints!.map((d) => [d.Sum, d.SampleCount, d.Minimum, d.Maximum]);
    };
    assert.deepEqual(await statistics(cwA), [[6, 3, 1, 3]]);
    assert.deepEqual(await statistics(cwB), [[6, 3, 1, 3]]);
    const data = async (cw: CloudWatchClient) =>
      (
        await cw.send(
          new GetMetricDataCommand({
            StartTime: new Date(at.getTime() - 1_000),
            EndTime: new Date(at.getTime() + 1_000),
            MetricDataQueries: [{ Id: "load", MetricStat: { Metric: { Namespace: namespace, MetricName: "Load" }, Period: 60, Stat: "Sum" } }],
          }),
        )
      ).MetricDataResults![0]!.Values;
    assert.deepEqual(await data(cwA), [6]);
    assert.deepEqual(await data(cwB), [6]);
  });

  it("wakes a component held at zero copies on a replica that does not lead, through the leader", async () => {
    assert.equal((await viewOf(b)).leader?.replicaId, "a");
    const endpoint = uniqueName("wake-ep");
    const component = `${endpoint}-ic`;
    const sm = b.sagemaker;
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${endpoint}-cfg`,
        ExecutionRoleArn: "arn:aws:iam::000000000000:role/berth",
        ProductionVariants: [{ VariantName: "AllTraffic", InstanceType: "ml.g5.12xlarge", InitialInstanceCount: 1 }],
      }),
    );
    await sm.send(new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: `${endpoint}-cfg` }));
    await sm.send(new CreateInferenceComponentCommand(echoComponent(endpoint, { name: component, copies: 0, accelerators: 1 })));
    const aas = new ApplicationAutoScalingClient({ endpoint: b.url, region: "us-east-1", credentials, maxAttempts: 1 });
    await aas.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: `inference-component/${component}`,
        ScalableDimension: "sagemaker:inference-component:DesiredCopyCount",
        MinCapacity: 0,
        MaxCapacity: 1,
      }),
    );
    // Routed by b, which does not lead: the request is held (no agent runs copies here) and b asks the leader to wake the component.
    await eventually(
      async () => {
        await b.runtime
          .send(new InvokeEndpointCommand({ EndpointName: endpoint, InferenceComponentName: component, Body: Buffer.from("x") }))
          .catch(() => undefined);
        const activities = await aas.send(
          new DescribeScalingActivitiesCommand({ ServiceNamespace: "sagemaker", ResourceId: `inference-component/${component}` }),
        );
        return activities.ScalingActivities!.some((x) => /a request arrived for inference component .* while it had no copies/.test(x.Cause ?? ""))
          ? true
          : undefined;
      },
      { timeoutMs: 30_000, what: "the leader to wake the component" },
    );
    const described = await a.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: component }));
    assert.equal(described.RuntimeConfig?.DesiredCopyCount, 1);
  });

  it("hands the controllers to the other replica when the leader is killed, and a restarted replica catches up", async (t) => {
    const killedAt = Date.now();
    await a.kill();
    await eventually(async () => ((await viewOf(b)).leader?.replicaId === "b" ? true : undefined), {
      intervalMs: 20,
      what: "replica b to lead after replica a was killed",
    });
    t.diagnostic(`failover after kill -9 of the leader: ${Date.now() - killedAt} ms (leader lease TTL 2 s)`);

    // The alarm controller now runs on b: an alarm created after the kill is evaluated.
    const cw = cloudWatchClient(b.url);
    const name = uniqueName("after-failover");
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: "Berth/Replicas",
        MetricName: name,
        Statistic: "Maximum",
        Period: 10,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      }),
    );
    await eventually(
      async () => {
        await cw.send(new PutMetricDataCommand({ Namespace: "Berth/Replicas", MetricData: [{ MetricName: name, Value: 5 }] }));
        const alarm = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0]!;
        return alarm.StateValue === "ALARM" ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: `alarm ${name} to be evaluated by the new leader` },
    );

    const model = uniqueName("while-a-was-down");
    await b.sagemaker.send(new CreateModelCommand({ ModelName: model, PrimaryContainer: { Image: "berth/echo" } }));
    a = await startReplica("a", a.dataDir);
    const described = await a.sagemaker.send(new DescribeModelCommand({ ModelName: model }));
    assert.equal(described.ModelName, model);
    const view = await eventually(
      async () => {
        const v = await viewOf(a);
        return v.replicas.length === 2 ? v : undefined;
      },
      { what: "the restarted replica in the cluster view" },
    );
    assert.equal(view.leader?.replicaId, "b", "a restarted replica does not take the controllers back");

    // A clean stop revokes the leader lease: the other replica takes over without waiting for it to expire.
    const stoppedAt = Date.now();
    await b.stop();
    await eventually(async () => ((await viewOf(a)).leader?.replicaId === "a" ? true : undefined), {
      intervalMs: 20,
      what: "replica a to lead after replica b stopped cleanly",
    });
    t.diagnostic(`handover after a clean stop of the leader: ${Date.now() - stoppedAt} ms`);
  });
});
