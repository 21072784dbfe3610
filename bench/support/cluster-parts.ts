import type { SageMakerClient } from "@aws-sdk/client-sagemaker";

/**
 * The parts of `npm run bench:cluster` that need a running cluster (etcd, server replicas and agents as
 * separate processes). bench/cluster.ts calls them; each row whose part throws NotMeasurable is printed as
 * "not measured" with the reason, and the benchmark fails. Nothing here may skip quietly.
 *
 * TO COMPLETE (lead): every function below that throws `notYet(...)`.
 */
export class NotMeasurable extends Error {
  override name = "NotMeasurable";
}

const notYet = (what: string) =>
  new NotMeasurable(`${what} is not wired into the benchmark yet (bench/support/cluster-parts.ts); it needs the cluster mode's replicas and agents`);

export interface ClusterShape {
  /** etcd members, started on free loopback ports. */
  etcdMembers: 1 | 3;
  /** `berth server --store etcd://…` processes. */
  replicas: number;
  /** `berth agent` processes, each declaring modelled GPUs of instanceType (no real GPU). */
  agents: number;
  instanceType: string;
}

export interface BenchCluster {
  /** A client of replica 0 (every replica serves every API). */
  sagemaker: SageMakerClient;
  stop(): Promise<void>;
}

/** Starts etcd, the replicas and the agents, and resolves once every agent is registered. */
export async function startBenchCluster(shape: ClusterShape): Promise<BenchCluster> {
  throw notYet(`a cluster of ${shape.replicas} replica(s) and ${shape.agents} agent(s) on ${shape.etcdMembers} etcd member(s)`);
}

/**
 * Routing-table propagation: 3 replicas, 100 light agents, 1,000 copies placed. Each sample is the time from
 * one store change (a copy's status flipping Ready ↔ not Ready, committed straight to etcd) until EVERY
 * replica's router shows it (a replica exposes its table's store revision, or its routing of a probe
 * request changes). Returns one sample per change, in ms; take at least 200.
 */
export async function propagationSamples(): Promise<number[]> {
  throw notYet("routing-table propagation (3 replicas, 100 agents, 1,000 copies)");
}

/**
 * Leader failover: with 3 replicas, SIGKILL of the replica holding `leader/controllers`; time from the kill
 * until another replica runs the controllers (a new `leader` record, or its first controller pass). Returns ms.
 */
export async function leaderFailoverMs(): Promise<number> {
  throw notYet("leader failover");
}

/**
 * Dead host: SIGKILL of one agent (it and its copies stop renewing; or cut its host off with
 * test/support/hosts.ts); time from the kill until every copy it held is Ready on other agents. Returns ms.
 */
export async function copiesReplacedMs(): Promise<number> {
  throw notYet("dead host to copies replaced");
}
