import { EtcdStore } from "../../src/store/etcd-store.js";
import type { BerthRecords } from "../../src/state/records.js";
import { startBerth, type BerthProcess, type StartOptions } from "./berth-process.js";
import { startAgent, type AgentProcess } from "./agent-process.js";
import { startEtcd, type EtcdCluster } from "./etcd.js";
import { berthFetch } from "./http.js";
import { eventually } from "./wait.js";

export interface ClusterView {
  mode: string;
  replicas: { id: string; url: string; leader: boolean; startedAt: number }[];
  leader?: { replicaId: string; since: number };
  agents: {
    id: string;
    instanceType: string;
    advertise: string;
    claim?: { instanceId: string; endpointName: string };
    lease: { alive: boolean; ttlSeconds?: number };
  }[];
}

export interface Fleet {
  etcd: EtcdCluster;
  replicas: BerthProcess[];
  agents: AgentProcess[];
  joinToken: string;
  view(via?: BerthProcess): Promise<ClusterView>;
  leader(): Promise<BerthProcess>;
  /** The --replica-id a replica was started with. */
  idOf(replica: BerthProcess): string;
  startReplica(id: string): Promise<BerthProcess>;
  startAgent(name: string, instanceType: string): Promise<AgentProcess>;
  stop(): Promise<void>;
}

/**
 * A whole cluster on this machine, every part a real process: etcd, `berth server` replicas on it, and
 * `berth agent`s with modelled GPUs that join with the cluster's join token.
 */
export async function startFleet(options: {
  replicas?: number;
  agents?: { name: string; instanceType: string }[];
  etcdMembers?: 1 | 3;
  server?: StartOptions;
}): Promise<Fleet> {
  const etcd = await startEtcd({ members: options.etcdMembers ?? 1 });
  const replicas: BerthProcess[] = [];
  const agents: AgentProcess[] = [];
  const fleet: Fleet = {
    etcd,
    replicas,
    agents,
    joinToken: "",
    view: async (via) => {
      const replica = via ?? replicas.find((r) => r.child.exitCode === null && r.child.signalCode === null)!;
      const response = await berthFetch(`${replica.url}/berth/v1/cluster`);
      if (!response.ok) throw new Error(`GET /berth/v1/cluster answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as ClusterView;
    },
    leader: async () => {
      const view = await eventually(
        async () => {
          const v = await fleet.view();
          return v.leader && replicas.some((r) => r.child.exitCode === null && r.child.signalCode === null && v.leader!.replicaId === replicaIdOf(r))
            ? v
            : undefined;
        },
        { what: "a live replica to lead" },
      );
      return replicas.find((r) => replicaIdOf(r) === view.leader!.replicaId)!;
    },
    idOf: (replica) => replicaIdOf(replica),
    startReplica: async (id) => {
      const replica = await startBerth({
        ...options.server,
        args: ["--store", etcd.storeUrl, "--replica-id", id, ...(options.server?.args ?? [])],
      });
      ids.set(replica, id);
      replicas.push(replica);
      return replica;
    },
    startAgent: async (name, instanceType) => {
      const agent = startAgent({ name, instanceType, servers: replicas.map((r) => r.url), token: fleet.joinToken });
      agents.push(agent);
      await eventually(async () => ((await fleet.view()).agents.some((a) => a.id === name && a.lease.alive) ? true : undefined), {
        what: () => `agent ${name} to register; its stderr: ${agent.stderr().slice(-2000)}`,
      });
      return agent;
    },
    stop: async () => {
      await Promise.all(agents.map((a) => a.stop()));
      await Promise.all(replicas.map((r) => r.stop()));
      await etcd.stop();
    },
  };
  const ids = new WeakMap<BerthProcess, string>();
  const replicaIdOf = (replica: BerthProcess) => ids.get(replica)!;
  try {
    for (let i = 0; i < (options.replicas ?? 2); i++) await fleet.startReplica(`replica-${i}`);
    fleet.joinToken = await readJoinToken(etcd);
    for (const agent of options.agents ?? []) await fleet.startAgent(agent.name, agent.instanceType);
  } catch (error) {
    await fleet.stop();
    throw error;
  }
  return fleet;
}

async function readJoinToken(etcd: EtcdCluster): Promise<string> {
  const store = await EtcdStore.open<BerthRecords>({ endpoints: etcd.endpoints });
  try {
    return await eventually(async () => (await store.get("cluster-secrets", "cluster"))?.value.joinToken, {
      what: "the first replica to create the join token",
    });
  } finally {
    await store.close();
  }
}
