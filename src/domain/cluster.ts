import type { DeviceInfo } from "./resources.js";

/**
 * Records of a cluster (`--store etcd://…`): the hosts' agents, the server replicas, the controller
 * leader and the cluster's own secrets. Records named "…-lease", "replica" and "leader" are written with an
 * etcd lease, so they vanish when their holder stops renewing it.
 */

/** A host that joined with the join token. Written at registration; `claim` changes as endpoints take and give it back. */
export interface AgentRecord {
  id: string;
  instanceType: string;
  /** host:port where routers on other hosts reach the agent's copy proxy. */
  advertise: string;
  devices: DeviceInfo[];
  registeredAt: number;
  /** The instance this host serves, while an endpoint holds it. */
  claim?: { instanceId: string; endpointName: string; variantName: string; since: number };
}

/** Exists while the agent renews its lease (through any replica). */
export interface AgentLeaseRecord {
  agentId: string;
  leaseId: string;
  ttlSeconds: number;
  /** The installId of the agent holding the lease (see RegisterRequest). */
  installId?: string;
}

/** A running `berth server`; exists while its lease lives. */
export interface ReplicaRecord {
  id: string;
  /** Where other replicas reach this one (cluster view, metric reads). */
  url: string;
  startedAt: number;
  leaseId: string;
}

/** Which replica runs the controllers; its modRevision fences every controller commit. */
export interface LeaderRecord {
  replicaId: string;
  url: string;
  since: number;
  /** The leader lease holding this entry (revoking it ends the leadership at once). */
  leaseId: string;
}

/** Made once by the first replica: the join token agents present, and the secret per-agent keys derive from. */
export interface ClusterSecretsRecord {
  joinToken: string;
  agentKeySecret: string;
  createdAt: number;
}

/** A request held at zero copies on a replica that does not lead: the leader's autoscaler wakes the component. */
export interface WakeRecord {
  componentName: string;
  replicaId: string;
  at: number;
}

/** What GET /berth/v1/cluster answers: the replicas, the controller leader, the agents and their leases. */
export interface ClusterView {
  mode: "single" | "cluster";
  replicas: { id: string; url: string; leader: boolean; startedAt: string }[];
  leader?: { replicaId: string; since: string };
  agents: (Pick<AgentRecord, "id" | "instanceType" | "advertise" | "devices" | "claim"> & { lease: { alive: boolean; ttlSeconds?: number } })[];
}
