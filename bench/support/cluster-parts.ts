import { spawn, type ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { CreateInferenceComponentCommand, DescribeInferenceComponentCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import type { BerthRecords } from "../../src/state/records.js";
import { EtcdStore } from "../../src/store/etcd-store.js";
import { put, unchanged, type Store } from "../../src/store/store.js";
import { credentials, startBerth, type BerthProcess } from "../../test/support/berth-process.js";
import { startAgent, type AgentProcess } from "../../test/support/agent-process.js";
import { startEtcd, type EtcdCluster } from "../../test/support/etcd.js";
import { createIcEndpoint, echoComponent, uniqueName, waitForComponent } from "../../test/support/fixtures.js";
import { berthFetch } from "../../test/support/http.js";
import { median } from "./table.js";

/**
 * The parts of `npm run bench:cluster` that need a running cluster: etcd, `berth server --store etcd://…`
 * replicas and agents, all on loopback. Agents are real `berth agent` processes running real berth/echo
 * copies, except in the propagation run, where 100 light agents (bench/support/light-agent.ts: the real
 * agent protocol, copies reported Ready without a process) stand for 100 GPU hosts. bench/cluster.ts calls
 * these; a row whose part throws is printed "not measured" with the reason, and the benchmark fails.
 */
export const progress = (message: string) => process.stderr.write(`bench:cluster:   ${message}\n`);

export class NotMeasurable extends Error {
  override name = "NotMeasurable";
}

const lightAgentScript = fileURLToPath(new URL("./light-agent.js", import.meta.url));

export interface ClusterShape {
  /** etcd members, started on free loopback ports. */
  etcdMembers: 1 | 3;
  /** `berth server --store etcd://…` processes. */
  replicas: number;
  /** `berth agent` processes, each declaring the modelled GPUs of instanceType (no real GPU needed). */
  agents: number;
  /** Light agents instead (bench/support/light-agent.ts), spread over this many processes. */
  lightAgentProcesses?: number;
  instanceType: string;
}

/** The 4 modelled A10Gs of an ml.g5.12xlarge, as `berth agent` declares them without nvidia-smi. */
const g5Devices = Array.from({ length: 4 }, (_, index) => ({ index, source: "modelled", name: "A10G", memoryMiB: 24 * 1024 }));

interface LightAgents {
  children: ChildProcess[];
  output(): string;
  kill(): Promise<void>;
}

function startLightAgents(servers: string[], token: string, instanceType: string, count: number, processes: number): LightAgents {
  const names = Array.from({ length: count }, (_, i) => `light-agent-${i}`);
  let output = "";
  const children = Array.from({ length: processes }, (_, p) => {
    const config = { servers, token, instanceType, devices: g5Devices, names: names.filter((_, i) => i % processes === p) };
    const child = spawn(process.execPath, [lightAgentScript], {
      env: { ...process.env, LIGHT_AGENTS: JSON.stringify(config) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      // Registrations are routine; errors are what a failure message needs.
      for (const line of text.split("\n")) if (line !== "" && !line.includes('"registered"')) output = (output + line + "\n").slice(-4000);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    return child;
  });
  return {
    children,
    output: () => output,
    kill: async () => {
      await Promise.all(
        children.map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((resolve) => child.once("exit", resolve));
          child.kill("SIGKILL");
          await exited;
        }),
      );
    },
  };
}

export interface BenchCluster {
  etcd: EtcdCluster;
  replicas: BerthProcess[];
  agents: AgentProcess[];
  /** A client of replica 0 (every replica serves every API). */
  sagemaker: SageMakerClient;
  /** The cluster's own records, read straight from etcd (the replicas' prefix). */
  store: Store<BerthRecords>;
  stop(): Promise<void>;
}

/** Polls until check returns a value; fails after timeoutMs saying what did not happen. Short interval: these are timings. */
async function until<T>(check: () => Promise<T | undefined>, what: () => string, timeoutMs = 30_000, intervalMs = 10): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Starts etcd, the replicas and the agents, and resolves once every agent holds a lease. */
export async function startBenchCluster(shape: ClusterShape): Promise<BenchCluster> {
  const etcd = await startEtcd({ members: shape.etcdMembers });
  const replicas: BerthProcess[] = [];
  const agents: AgentProcess[] = [];
  let light: LightAgents | undefined;
  let store: Store<BerthRecords> | undefined;
  const stop = async () => {
    await light?.kill();
    await Promise.all(agents.map((a) => a.kill()));
    await Promise.all(replicas.map((r) => r.kill()));
    await store?.close();
    await etcd.stop();
  };
  try {
    // Quotas raised: the propagation run puts 100 instances on one endpoint and 100 copies in a component.
    const config = { quotas: { maxInstancesPerEndpoint: 1000, maxCopiesPerComponent: 1000 } };
    for (let i = 0; i < shape.replicas; i++) replicas.push(await startBerth({ args: ["--store", etcd.storeUrl, "--replica-id", `replica-${i}`], config }));
    store = await EtcdStore.open<BerthRecords>({ endpoints: etcd.endpoints });
    // The SDK's own retries, as a user's client has them: on this shared 2-core machine an etcd call of a
    // replica sometimes misses its deadline, and the replica answers ServiceUnavailable (nothing changed).
    const sagemaker = new SageMakerClient({ endpoint: replicas[0]!.url, region: "us-east-1", credentials, maxAttempts: 5 });
    const cluster = { etcd, replicas, agents, sagemaker, store, stop };
    if (shape.agents === 0) return cluster;
    const secrets = await until(
      async () => (await store!.get("cluster-secrets", "cluster"))?.value,
      () => "the first replica to write the cluster's secrets (cluster-secrets/cluster)",
      10_000,
    );
    const servers = replicas.map((r) => r.url);
    if (shape.lightAgentProcesses) light = startLightAgents(servers, secrets.joinToken, shape.instanceType, shape.agents, shape.lightAgentProcesses);
    else
      for (let i = 0; i < shape.agents; i++)
        agents.push(startAgent({ servers, token: secrets.joinToken, name: `bench-agent-${i}`, instanceType: shape.instanceType }));
    await until(
      async () => {
        const dead = agents.find((a) => a.child.exitCode !== null) ?? light?.children.find((c) => c.exitCode !== null);
        if (dead)
          throw new Error(
            `an agent process exited: ${
              light
                ? light.output()
                : agents
                    .find((a) => a.child.exitCode !== null)!
                    .stderr()
                    .slice(-2000)
            }`,
          );
        return (await store!.list("agent-lease")).length === shape.agents ? true : undefined;
      },
      () =>
        `${shape.agents} agents to register; ${light ? `light agents' errors: ${light.output()}` : `first agent's stderr: ${agents[0]?.stderr().slice(-2000)}`}`,
      60_000,
    );
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}

const propagationAgents = Number(process.env.BENCH_CLUSTER_AGENTS ?? 100);
const propagationCopies = Number(process.env.BENCH_CLUSTER_COPIES ?? 1000);
const propagationChanges = Number(process.env.BENCH_CLUSTER_CHANGES ?? 100);
const instancesPerEndpoint = 10;

/**
 * Routing-table propagation: 3 replicas, 100 light agents, 1,000 copies: 10 endpoints of 10 instances, each
 * with one component of 100 copies (SPREAD: 10 on each instance). Each sample: one copy's status flipped
 * Ready ↔ Starting by a commit straight to etcd, timed from just before the commit until EVERY replica's
 * router shows the new ready count for that component (`berth_copies{component,state="ready"}` on its
 * /metrics, set when a table is pushed to the router). Returns one sample per change, in ms.
 *
 * Why 10 endpoints and not one endpoint of 100 instances: an agent's watch stream re-reads its scope (every
 * copy of its endpoints) whenever a copy of a new component lands on it, so 10 components spread over one
 * endpoint of 100 instances cost 100 agents × 10 re-reads of up to 1,000 copies; on this 2-core machine that
 * setup did not reach InService in 5 minutes (etcd calls missed their 1 s deadline). See the bench notes.
 */
export async function propagationSamples(): Promise<number[]> {
  const cluster = await startBenchCluster({ etcdMembers: 1, replicas: 3, agents: propagationAgents, lightAgentProcesses: 2, instanceType: "ml.g5.12xlarge" });
  try {
    progress(`${propagationAgents} light agents registered with 3 replicas`);
    const endpointCount = Math.max(1, Math.round(propagationAgents / instancesPerEndpoint));
    const endpoints: string[] = [];
    for (let e = 0; e < endpointCount; e++)
      endpoints.push(
        await createIcEndpoint(cluster.sagemaker, { instanceType: "ml.g5.12xlarge", instanceCount: Math.round(propagationAgents / endpointCount) }),
      );
    progress(`${endpointCount} endpoints InService on ${propagationAgents} claimed instances`);
    const components: string[] = [];
    for (const [e, endpoint] of endpoints.entries()) {
      const input = echoComponent(endpoint, {
        name: uniqueName("bench-prop"),
        copies: Math.floor(propagationCopies / endpointCount) + (e < propagationCopies % endpointCount ? 1 : 0),
        accelerators: 0,
        cpu: 0.25,
        memory: 128,
        strategy: "SPREAD",
      });
      await cluster.sagemaker.send(new CreateInferenceComponentCommand(input));
      components.push(input.InferenceComponentName!);
    }
    const started = performance.now();
    for (const name of components) await waitForComponent(cluster.sagemaker, name, "InService", 150_000);
    progress(`${components.length} components InService after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await Promise.all(
      cluster.replicas.map((replica, r) =>
        until(
          async () => {
            const counts = await readyCounts(replica);
            const ready = components.reduce((sum, name) => sum + (counts.get(name) ?? 0), 0);
            return ready === propagationCopies ? true : undefined;
          },
          () => `replica ${r}'s router to hold all ${propagationCopies} copies`,
          60_000,
          100,
        ),
      ),
    );
    progress(`${components.length} components, ${propagationCopies} copies Ready in every replica's router`);
    // What each replica's table rebuild reads: every copy and copy status (and a few small kinds), from etcd.
    const listStarted = performance.now();
    const [copies, statuses] = await Promise.all([cluster.store.list("copy"), cluster.store.list("copy-status")]);
    const listMs = performance.now() - listStarted;
    const bytes = JSON.stringify(copies.map((e) => e.value)).length + JSON.stringify(statuses.map((e) => e.value)).length;
    progress(`one read of every copy and copy status from etcd, as a table rebuild does: ${listMs.toFixed(0)} ms, ${(bytes / 1024).toFixed(0)} KiB of JSON`);
    progress(`timing ${propagationChanges} changes`);
    return await flipAndWatch(cluster, components, propagationChanges);
  } finally {
    await cluster.stop();
  }
}

/** The ready count of every component in a replica's router, from its /metrics (set when a table is pushed to the router). */
async function readyCounts(replica: BerthProcess): Promise<Map<string, number>> {
  const text = await (await berthFetch(`${replica.url}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("berth_copies{") || !line.includes('state="ready"')) continue;
    const component = /component="([^"]*)"/.exec(line)?.[1];
    if (component !== undefined) counts.set(component, Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return counts;
}

async function readyOnRouter(replica: BerthProcess, component: string): Promise<number | undefined> {
  return (await readyCounts(replica)).get(component);
}

/** A replica's last few warning and error log lines, for a failure message. */
function warnings(replica: BerthProcess): string {
  const lines = replica.logs.filter((l) => Number(l.level) >= 40 || l.level === "warn" || l.level === "error").slice(-3);
  return lines.length === 0 ? "none" : lines.map((l) => `${String(l.msg)}${l.err ? ` (${String((l.err as { message?: string }).message)})` : ""}`).join(" | ");
}

async function flipAndWatch(cluster: BenchCluster, components: string[], changes: number): Promise<number[]> {
  const statuses = (await cluster.store.list("copy-status")).filter((e) => e.value.phase === "Ready");
  const copies = new Map((await cluster.store.list("copy")).map((e) => [e.value.id, e.value]));
  const samples: number[] = [];
  const perReplica: number[][] = cluster.replicas.map(() => []);
  let committedMs = 0;
  for (let i = 0; i < changes; i++) {
    const component = components[i % components.length]!;
    const target = statuses.find((e) => {
      const owner = copies.get(e.value.copyId)?.owner;
      return owner?.type === "component" && owner.name === component;
    });
    if (!target) throw new Error(`no Ready copy of ${component} to flip`);
    const before = await readyOnRouter(cluster.replicas[0]!, component);
    if (before === undefined) throw new Error(`replica 0's /metrics has no berth_copies ready series for ${component}`);
    const current = await cluster.store.get("copy-status", target.key);
    if (!current) throw new Error(`copy status ${target.key} vanished`);
    const down = current.value.phase === "Ready";
    const expected = down ? before - 1 : before + 1;
    const started = performance.now();
    await cluster.store.commit([put("copy-status", target.key, { ...current.value, phase: down ? "Starting" : "Ready" }, unchanged(current))]);
    committedMs += performance.now() - started;
    await Promise.all(
      cluster.replicas.map(async (replica, r) => {
        await until(
          async () => ((await readyOnRouter(replica, component)) === expected ? true : undefined),
          () => `replica ${r}'s router to show ${expected} ready copies of ${component}; its last warnings: ${warnings(replica)}`,
          10_000,
          Number(process.env.BENCH_CLUSTER_POLL_MS ?? 1),
        );
        perReplica[r]!.push(performance.now() - started);
      }),
    );
    samples.push(performance.now() - started);
    // Put it back, so the component keeps its copies; this change is not timed.
    const flipped = await cluster.store.get("copy-status", target.key);
    if (flipped && down) await cluster.store.commit([put("copy-status", target.key, { ...flipped.value, phase: "Ready" }, unchanged(flipped))]);
    if (down)
      await Promise.all(
        cluster.replicas.map((replica) =>
          until(
            async () => ((await readyOnRouter(replica, component)) === before ? true : undefined),
            () => "the flip back",
          ),
        ),
      );
  }
  // Where the time goes: the commit itself, and each replica on its own (the leader also runs the controllers).
  const leader = (await cluster.store.get("leader", "controllers"))?.value.replicaId;
  const each = perReplica.map((times, r) => `replica-${r}${leader === `replica-${r}` ? " (leader)" : ""} p50 ${median(times).toFixed(0)} ms`);
  progress(`commit alone: mean ${(committedMs / changes).toFixed(0)} ms; until each router showed it: ${each.join(", ")}`);
  return samples;
}

/**
 * Leader failover: 3 replicas on a 3-member etcd; SIGKILL of the replica named in `leader/controllers`;
 * the time from the kill until another replica holds the key (it then runs the controllers). Returns ms.
 */
export async function leaderFailoverMs(): Promise<number> {
  const cluster = await startBenchCluster({ etcdMembers: 3, replicas: 3, agents: 0, instanceType: "ml.g5.12xlarge" });
  try {
    const leader = await until(
      async () => (await cluster.store.get("leader", "controllers"))?.value,
      () => "a replica to take the leadership (leader/controllers)",
      10_000,
    );
    const victim = cluster.replicas[Number(leader.replicaId.replace("replica-", ""))];
    if (!victim) throw new Error(`the leader ${leader.replicaId} is none of the replicas started (replica-0 to replica-${cluster.replicas.length - 1})`);
    const killed = performance.now();
    await victim.kill();
    await until(
      async () => {
        const now = (await cluster.store.get("leader", "controllers").catch(() => undefined))?.value;
        return now && now.replicaId !== leader.replicaId ? true : undefined;
      },
      () => `another replica to take the leadership after ${leader.replicaId} was killed`,
      15_000,
    );
    return performance.now() - killed;
  } finally {
    await cluster.stop();
  }
}

/**
 * Dead host: 1 replica, 3 agents; an endpoint on two of them and a component with two berth/echo copies
 * (SPREAD: one per host). SIGKILL of one copy's agent (its copies die with it); the time from the kill
 * until the component again has two Ready copies, none on the dead host. Returns ms.
 */
export async function copiesReplacedMs(): Promise<number> {
  const cluster = await startBenchCluster({ etcdMembers: 1, replicas: 1, agents: 3, instanceType: "ml.g5.12xlarge" });
  try {
    const endpoint = await createIcEndpoint(cluster.sagemaker, { instanceType: "ml.g5.12xlarge", instanceCount: 2 });
    const input = echoComponent(endpoint, { name: uniqueName("bench-dead"), copies: 2, accelerators: 0, cpu: 0.5, memory: 256, strategy: "SPREAD" });
    await cluster.sagemaker.send(new CreateInferenceComponentCommand(input));
    await waitForComponent(cluster.sagemaker, input.InferenceComponentName!, "InService", 60_000);
    const hostsOfCopies = async () => {
      const instances = new Map((await cluster.store.list("instance")).map((e) => [e.value.id, e.value.host]));
      const statuses = new Map((await cluster.store.list("copy-status")).map((e) => [e.value.copyId, e.value.phase]));
      return (await cluster.store.list("copy"))
        .map((e) => e.value)
        .filter((c) => c.owner.type === "component" && c.owner.name === input.InferenceComponentName && c.state === "Active")
        .map((c) => ({ host: instances.get(c.instanceId), ready: statuses.get(c.id) === "Ready" }));
    };
    const before = await hostsOfCopies();
    const victimId = before[0]?.host;
    const victimIndex = cluster.agents.findIndex((agent) => agent.name === victimId);
    if (victimIndex < 0) throw new Error(`no agent process named ${victimId}, the host of the first copy`);
    const killed = performance.now();
    await cluster.agents[victimIndex]!.kill();
    await until(
      async () => {
        const now = await hostsOfCopies();
        const described = await cluster.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: input.InferenceComponentName }));
        return now.length === 2 && now.every((c) => c.ready && c.host !== victimId) && described.RuntimeConfig?.CurrentCopyCount === 2 ? true : undefined;
      },
      () => `two Ready copies of ${input.InferenceComponentName} on hosts other than ${victimId}`,
      30_000,
    );
    return performance.now() - killed;
  } finally {
    await cluster.stop();
  }
}
