import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { AgentPoolProvider } from "../../src/cluster/agent-pool-provider.js";
import { EndpointController } from "../../src/controllers/endpoint/controller.js";
import { Controllers } from "../../src/controllers/runtime/controllers.js";
import { InstanceCatalog } from "../../src/domain/catalog/instance-catalog.js";
import { createInferenceComponent, describeInferenceComponent, updateInferenceComponentRuntimeConfig } from "../../src/operations/components.js";
import type { ControlDeps } from "../../src/operations/deps.js";
import { createEndpointConfig } from "../../src/operations/endpoint-configs.js";
import { createEndpoint, describeEndpoint } from "../../src/operations/endpoints.js";
import { keys } from "../../src/state/keys.js";
import { put, type BerthRecords, type BerthStore } from "../../src/state/records.js";
import { EtcdStore } from "../../src/store/etcd-store.js";
import { systemClock } from "../../src/util/clock.js";
import { TimeScale } from "../../src/util/time-scale.js";
import { startEtcd, type EtcdCluster } from "../support/etcd.js";
import { eventually } from "../support/wait.js";
import { claims, joinAgent } from "./pool-agents.js";

// The endpoint controller with the agent pool on a real etcd: what DescribeEndpoint and
// DescribeInferenceComponent say while an endpoint waits for a host, and when a host dies.

const log = pino({ level: "silent" });
let prefixes = 0;

describe("endpoints on the agent pool", () => {
  let etcd: EtcdCluster;
  const running: { store: BerthStore; controllers: Controllers }[] = [];

  before(async () => {
    etcd = await startEtcd({ members: 1 });
  });
  after(async () => {
    for (const { store, controllers } of running) {
      await controllers.stop();
      await store.close();
    }
    await etcd.stop();
  });

  /** A controller leader with the agent pool as its provider, on a prefix of its own. */
  async function start(options: { scalingPeriodSeconds?: number } = {}): Promise<ControlDeps> {
    const store = await EtcdStore.open<BerthRecords>({ endpoints: etcd.endpoints, prefix: `/pool-ep-${process.pid}-${++prefixes}/` });
    const catalog = new InstanceCatalog();
    const deps: ControlDeps = {
      store,
      account: { region: "us-east-1", accountId: "000000000000" },
      catalog,
      clock: systemClock,
      capacity: { memoryHeadroomFraction: 0.1 },
      scale: new TimeScale(options.scalingPeriodSeconds ?? 60),
      artifacts: { localRoots: [], allowedHosts: [], allowPrivateNetworks: false },
      runsInContainer: () => false,
      quotas: { maxInstancesPerEndpoint: 4, maxCopiesPerComponent: 100 },
    };
    const endpoints = new EndpointController({
      store,
      provider: new AgentPoolProvider({ store, catalog, clock: systemClock, log }),
      catalog,
      capacity: deps.capacity,
      clock: systemClock,
      log,
      scale: deps.scale,
      idleReleaseSeconds: 60,
      quotas: deps.quotas,
    });
    const controllers = new Controllers({ clock: systemClock, log }, [endpoints]);
    await controllers.start();
    running.push({ store, controllers });
    return deps;
  }

  async function endpointWithComponent(deps: ControlDeps, name: string): Promise<void> {
    await createEndpointConfig(deps, {
      EndpointConfigName: `${name}-cfg`,
      ExecutionRoleArn: "arn:aws:iam::000000000000:role/berth",
      ProductionVariants: [{ VariantName: "AllTraffic", InstanceType: "ml.g5.xlarge", InitialInstanceCount: 1 }],
    });
    await createEndpoint(deps, { EndpointName: name, EndpointConfigName: `${name}-cfg` });
    await createInferenceComponent(deps, {
      InferenceComponentName: `${name}-ic`,
      EndpointName: name,
      VariantName: "AllTraffic",
      Specification: {
        Container: { Image: "berth/echo" },
        ComputeResourceRequirements: { NumberOfCpuCoresRequired: 1, MinMemoryRequiredInMb: 512 },
      },
      RuntimeConfig: { CopyCount: 1 },
    });
  }

  /** An ml.g5.xlarge endpoint with managed instance scaling from 1 to `max` instances, once InService on one agent. */
  async function managedEndpoint(deps: ControlDeps, name: string, max: number): Promise<void> {
    await createEndpointConfig(deps, {
      EndpointConfigName: `${name}-cfg`,
      ExecutionRoleArn: "arn:aws:iam::000000000000:role/berth",
      ProductionVariants: [
        {
          VariantName: "AllTraffic",
          InstanceType: "ml.g5.xlarge",
          InitialInstanceCount: 1,
          ManagedInstanceScaling: { Status: "ENABLED", MinInstanceCount: 1, MaxInstanceCount: max },
        },
      ],
    });
    await createEndpoint(deps, { EndpointName: name, EndpointConfigName: `${name}-cfg` });
    await eventually(async () => ((await describeEndpoint(deps, { EndpointName: name })).EndpointStatus === "InService" ? true : undefined), {
      what: `endpoint ${name} to be InService on one agent`,
    });
  }

  /** Component `<endpoint>-ic` of berth/echo copies that each take one accelerator, or `shareMiB` of one. */
  async function gpuComponent(deps: ControlDeps, endpoint: string, copies: number, options: { cpu: number; shareMiB?: string }): Promise<void> {
    await createInferenceComponent(deps, {
      InferenceComponentName: `${endpoint}-ic`,
      EndpointName: endpoint,
      VariantName: "AllTraffic",
      Specification: {
        Container: { Image: "berth/echo" },
        ComputeResourceRequirements: { NumberOfAcceleratorDevicesRequired: 1, NumberOfCpuCoresRequired: options.cpu, MinMemoryRequiredInMb: 512 },
      },
      RuntimeConfig: { CopyCount: copies },
      ...(options.shareMiB ? { Tags: [{ Key: "berth:AcceleratorMemoryRequiredInMb", Value: options.shareMiB }] } : {}),
    });
  }

  /** "instance@host" of the endpoint's instances, and which instance each copy is on. */
  async function layout(deps: ControlDeps, name: string): Promise<{ instances: string[]; copies: string[] }> {
    const [instances, copies] = await Promise.all([
      deps.store.list("instance", { prefix: keys.children(name) }),
      deps.store.list("copy", { prefix: keys.children(name) }),
    ]);
    const hostOf = new Map(instances.map((i) => [i.value.id, i.value.host]));
    return {
      instances: instances.map((i) => `${i.value.state}@${i.value.host}`).sort(),
      copies: copies.map((c) => `${c.value.id}@${hostOf.get(c.value.instanceId) ?? "gone"}`).sort(),
    };
  }

  it("waits for a free instance, saying so, and goes on by itself when an agent of the type joins", async () => {
    const deps = await start();
    await joinAgent(deps.store, "other-type", "ml.p4d.24xlarge");
    await endpointWithComponent(deps, "waits");
    const waiting = /^waiting for an instance of ml\.g5\.xlarge: 0 free of 0 registered/;
    const described = await eventually(
      async () => {
        const d = await describeEndpoint(deps, { EndpointName: "waits" });
        return waiting.test(d.FailureReason ?? "") ? d : undefined;
      },
      { what: "DescribeEndpoint to say it waits for an instance" },
    );
    assert.equal(described.EndpointStatus, "Creating", "waiting is not failing");
    await eventually(
      async () => (waiting.test((await describeInferenceComponent(deps, { InferenceComponentName: "waits-ic" })).FailureReason ?? "") ? true : undefined),
      { what: "DescribeInferenceComponent to say its copies wait for an instance" },
    );

    await joinAgent(deps.store, "gpu-a", "ml.g5.xlarge");
    const done = await eventually(
      async () => {
        const d = await describeEndpoint(deps, { EndpointName: "waits" });
        return d.EndpointStatus === "InService" ? d : undefined;
      },
      { what: "the endpoint to go InService once an agent joined" },
    );
    assert.equal(done.FailureReason, undefined, "the waiting message is gone");
    await eventually(async () => ((await describeInferenceComponent(deps, { InferenceComponentName: "waits-ic" })).FailureReason ? undefined : true), {
      what: "the component's waiting message to clear",
    });
    assert.deepEqual(await layout(deps, "waits"), { instances: ["InService@gpu-a"], copies: ["waits-ic-1@gpu-a"] });
    assert.deepEqual(await claims(deps.store), ["gpu-a=waits.AllTraffic.g1.1", "other-type=free"]);
  });

  it("places the copies of a host whose lease is gone on another host, and frees the dead host", async () => {
    const deps = await start();
    const leaseA = await joinAgent(deps.store, "gpu-a", "ml.g5.xlarge");
    await endpointWithComponent(deps, "moves");
    await eventually(async () => ((await layout(deps, "moves")).copies.length === 1 ? true : undefined), { what: "the copy to be placed on gpu-a" });
    assert.deepEqual(await layout(deps, "moves"), { instances: ["InService@gpu-a"], copies: ["moves-ic-1@gpu-a"] });
    // The agent on gpu-a started the copy.
    await deps.store.commit([
      put("copy-status", keys.child("moves", "moves-ic-1"), { copyId: "moves-ic-1", phase: "Ready", address: "10.9.0.5", port: 9000, restarts: 0, since: 1 }),
    ]);
    await joinAgent(deps.store, "gpu-b", "ml.g5.xlarge");

    await deps.store.leases!.revoke(leaseA);
    const moved = await eventually(
      async () => {
        const now = await layout(deps, "moves");
        return now.instances.length === 1 && now.instances[0] === "InService@gpu-b" && now.copies.length === 1 && now.copies[0]!.endsWith("@gpu-b")
          ? now
          : undefined;
      },
      { what: "the copy to be placed again on gpu-b" },
    );
    assert.notEqual(moved.copies[0], "moves-ic-1@gpu-b", "a new copy, not the dead one");
    assert.equal(await deps.store.get("copy-status", keys.child("moves", "moves-ic-1")), undefined, "the dead copy's status is gone");
    assert.deepEqual(await claims(deps.store), ["gpu-a=free", "gpu-b=moves.AllTraffic.g1.2"]);
  });

  it("managed instance scaling claims another agent when copies need one, and gives it back once it stands empty", async () => {
    // A one-second scaling period: an empty instance is released after one real second (60 API seconds).
    const deps = await start({ scalingPeriodSeconds: 1 });
    await joinAgent(deps.store, "gpu-a", "ml.g5.xlarge");
    await joinAgent(deps.store, "gpu-b", "ml.g5.xlarge");
    await managedEndpoint(deps, "grows", 2);
    // Each copy takes the one GPU of an ml.g5.xlarge, so two copies need two hosts.
    await gpuComponent(deps, "grows", 2, { cpu: 1 });
    await eventually(
      async () => {
        const now = await layout(deps, "grows");
        return now.copies.length === 2 && now.instances.join() === "InService@gpu-a,InService@gpu-b" ? true : undefined;
      },
      { what: "a second agent to be claimed and the second copy placed on it" },
    );
    assert.deepEqual(await claims(deps.store), ["gpu-a=grows.AllTraffic.g1.1", "gpu-b=grows.AllTraffic.g1.2"]);

    await updateInferenceComponentRuntimeConfig(deps, { InferenceComponentName: "grows-ic", DesiredRuntimeConfig: { CopyCount: 1 } });
    // The host is freed first and the instance record deleted in the commit after it: wait for both.
    const { given, now } = await eventually(
      async () => {
        const held = (await claims(deps.store)).filter((c) => !c.endsWith("=free"));
        const now = await layout(deps, "grows");
        return held.length === 1 && now.instances.length === 1 ? { given: held, now } : undefined;
      },
      { what: "the emptied instance's agent to be given back and its instance record removed" },
    );
    assert.equal(now.instances.length, 1);
    assert.equal(now.copies.length, 1);
    assert.ok(now.instances[0]!.endsWith(`@${given[0]!.split("=")[0]}`), "the agent still held is the one the remaining instance runs on");
  });

  it("managed instance scaling orders one instance for device shares while it waits for a host, not one per share", async () => {
    const deps = await start();
    await joinAgent(deps.store, "gpu-a", "ml.g5.xlarge");
    await managedEndpoint(deps, "shares", 4);
    // Two 10 GiB shares fill the 24 GiB A10G of gpu-a; the other two need one more instance, which waits for a host.
    await gpuComponent(deps, "shares", 4, { cpu: 0.5, shareMiB: "10240" });
    await eventually(
      async () =>
        /waiting for an instance/.test((await describeInferenceComponent(deps, { InferenceComponentName: "shares-ic" })).FailureReason ?? "")
          ? true
          : undefined,
      { what: "the component to say its copies wait for an instance" },
    );
    const waiting = await describeEndpoint(deps, { EndpointName: "shares" });
    assert.equal(waiting.ProductionVariants![0]!.DesiredInstanceCount, 2, "the launching instance counts with its two shares");

    await joinAgent(deps.store, "gpu-b", "ml.g5.xlarge");
    await joinAgent(deps.store, "gpu-c", "ml.g5.xlarge");
    await eventually(async () => ((await layout(deps, "shares")).copies.length === 4 ? true : undefined), { what: "all four copies to be placed" });
    const placed = await layout(deps, "shares");
    assert.equal(placed.instances.length, 2);
    assert.equal((await claims(deps.store)).filter((c) => c.endsWith("=free")).length, 1, "one of the two agents that joined stays free");
  });
});
