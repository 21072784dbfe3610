import { createHmac, timingSafeEqual } from "node:crypto";
import type { ClusterSecretsRecord } from "../domain/cluster.js";

/**
 * The bearer key replicas present to each other's internal routes: HMAC-SHA256(agentKeySecret, "\0replica").
 * The NUL byte keeps it apart from every agent's key (HMAC of its agent id), which agents are given.
 */
export function replicaKey(secrets: Pick<ClusterSecretsRecord, "agentKeySecret">): string {
  return createHmac("sha256", secrets.agentKeySecret).update("\u0000replica").digest("hex");
}

/** Whether an Authorization header carries the replica key (constant-time compare). */
export function presentsReplicaKey(header: string | string[] | undefined, key: string): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(value ?? "")?.[1];
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}
