import { randomBytes } from "node:crypto";
import type { ClusterSecretsRecord } from "../domain/cluster.js";
import { keys } from "../state/keys.js";
import { absent, put, StoreConflictError, type BerthStore } from "../state/records.js";
import type { Clock } from "../util/clock.js";

/** The cluster's secrets, made by whichever replica reads first that there are none (an absent put: one wins). */
export async function ensureClusterSecrets(store: BerthStore, clock: Clock): Promise<ClusterSecretsRecord> {
  const existing = await store.get("cluster-secrets", keys.clusterSecrets());
  if (existing) return existing.value;
  const created: ClusterSecretsRecord = {
    joinToken: randomBytes(24).toString("base64url"),
    agentKeySecret: randomBytes(32).toString("base64url"),
    createdAt: clock.now(),
  };
  try {
    await store.commit([put("cluster-secrets", keys.clusterSecrets(), created, absent)]);
    return created;
  } catch (error) {
    if (!StoreConflictError.is(error)) throw error;
    const winner = await store.get("cluster-secrets", keys.clusterSecrets());
    if (!winner) throw error;
    return winner.value;
  }
}
