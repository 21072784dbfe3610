import type { AgentRecord } from "../../src/domain/cluster.js";
import { keys } from "../../src/state/keys.js";
import { absent, put, putLeased, type BerthStore } from "../../src/state/records.js";

/**
 * A host joining the pool as registration records it: its `agent` record and a leased `agent-lease`
 * entry. Stands in for a `berth agent` process where a test is about the pool, not the agent.
 */
export async function joinAgent(store: BerthStore, id: string, instanceType: string, options: { ttlSeconds?: number } = {}): Promise<string> {
  const ttlSeconds = options.ttlSeconds ?? 30;
  const leaseId = await store.leases!.grant(ttlSeconds);
  const agent: AgentRecord = {
    id,
    instanceType,
    advertise: `10.9.0.${id.length}:7070`,
    devices: [{ index: 0, source: "modelled", name: "A10G", memoryMiB: 24_576 }],
    registeredAt: 1,
  };
  await store.commit([
    put("agent", keys.agent(id), agent, absent),
    putLeased("agent-lease", keys.agentLease(id), { agentId: id, leaseId, ttlSeconds }, leaseId),
  ]);
  return leaseId;
}

/** A host that registered once but whose lease is gone (an `agent` record with no `agent-lease`). */
export async function deadAgent(store: BerthStore, id: string, instanceType: string): Promise<void> {
  const leaseId = await joinAgent(store, id, instanceType);
  await store.leases!.revoke(leaseId);
}

/** Which instance holds each agent, as "agent=instance" (or "agent=free"), sorted. */
export async function claims(store: BerthStore): Promise<string[]> {
  return (await store.list("agent")).map((e) => `${e.key}=${e.value.claim?.instanceId ?? "free"}`).sort();
}
