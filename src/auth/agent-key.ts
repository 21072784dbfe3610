import { createHmac, timingSafeEqual } from "node:crypto";
import type { ClusterSecretsRecord } from "../domain/cluster.js";

/** An agent's key: HMAC-SHA256(agentKeySecret, agentId), hex. Replicas derive it; only the agent is given it. */
export function agentKey(secrets: Pick<ClusterSecretsRecord, "agentKeySecret">, agentId: string): string {
  return createHmac("sha256", secrets.agentKeySecret).update(agentId).digest("hex");
}

/** Compares a presented secret with the expected one in constant time. */
export function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The secret in an `Authorization: Bearer …` header, or undefined. */
export function bearer(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}
