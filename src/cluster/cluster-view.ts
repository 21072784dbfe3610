import type { ClusterView } from "../domain/cluster.js";

export type { ClusterView };
import type { BerthStore } from "../state/records.js";

/** Who is in the cluster, from the store: replicas, the controller leader, agents and whether their leases live. */
export async function clusterView(store: BerthStore): Promise<ClusterView> {
  const [replicas, leader, agents, leases] = await Promise.all([
    store.list("replica"),
    store.get("leader", "controllers"),
    store.list("agent"),
    store.list("agent-lease"),
  ]);
  const leaseOf = new Map(leases.map((e) => [e.value.agentId, e.value]));
  return {
    mode: "cluster",
    replicas: replicas
      .map((e) => e.value)
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((r) => ({ id: r.id, url: r.url, leader: leader?.value.replicaId === r.id, startedAt: new Date(r.startedAt).toISOString() })),
    leader: leader ? { replicaId: leader.value.replicaId, since: new Date(leader.value.since).toISOString() } : undefined,
    agents: agents
      .map((e) => e.value)
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((a) => {
        const lease = leaseOf.get(a.id);
        return {
          id: a.id,
          instanceType: a.instanceType,
          advertise: a.advertise,
          devices: a.devices,
          claim: a.claim,
          lease: lease ? { alive: true, ttlSeconds: lease.ttlSeconds } : { alive: false },
        };
      }),
  };
}

/** The one-machine server (SQLite store) as a cluster of one that always leads. */
export function singleView(self: { id: string; url: string; startedAt: number }): ClusterView {
  const startedAt = new Date(self.startedAt).toISOString();
  return { mode: "single", replicas: [{ id: self.id, url: self.url, leader: true, startedAt }], leader: { replicaId: self.id, since: startedAt }, agents: [] };
}
