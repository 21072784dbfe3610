import { hostname } from "node:os";
import { ConfigError } from "./errors.js";

/** How this server takes part in a cluster (`--store etcd://…`); ignored with the SQLite store. */
export interface ClusterConfig {
  /** This replica's name in `replica/<id>` and the cluster view; default: <hostname>-<port>, fixed once the port is bound. */
  replicaId?: string;
  /** Where the other replicas reach this one (metric reads); default: the URL the server listens on. */
  advertiseUrl?: string;
  /** TTL of the agents' and replicas' leases, in seconds. */
  leaseSeconds: number;
  /** TTL of the controller leader's lease: how long a dead leader holds the controllers before another replica takes them. */
  leaderLeaseSeconds: number;
}

export const defaultCluster: ClusterConfig = { replicaId: undefined, advertiseUrl: undefined, leaseSeconds: 3, leaderLeaseSeconds: 2 };

/** Environment variables that set members of the cluster group. */
export const clusterEnvNames: Record<string, keyof ClusterConfig> = {
  BERTH_REPLICA_ID: "replicaId",
  BERTH_ADVERTISE_URL: "advertiseUrl",
};

const replicaIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function checkCluster(raw: Partial<Record<keyof ClusterConfig, unknown>>): ClusterConfig {
  const replicaId = blank(raw.replicaId) ? undefined : String(raw.replicaId);
  if (replicaId !== undefined && !replicaIdPattern.test(replicaId))
    throw new ConfigError(
      `cluster.replicaId (--replica-id) must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit, got '${replicaId}'.`,
    );
  const advertiseUrl = blank(raw.advertiseUrl) ? undefined : checkUrl(String(raw.advertiseUrl));
  return {
    replicaId,
    advertiseUrl,
    leaseSeconds: checkTtl(raw.leaseSeconds ?? defaultCluster.leaseSeconds, "cluster.leaseSeconds"),
    leaderLeaseSeconds: checkTtl(raw.leaderLeaseSeconds ?? defaultCluster.leaderLeaseSeconds, "cluster.leaderLeaseSeconds"),
  };
}

/** The replica id in use: the configured one, or <hostname>-<bound port>. */
export function replicaIdOf(cluster: ClusterConfig, port: number): string {
  return cluster.replicaId ?? `${hostname().replace(/[^A-Za-z0-9._-]/g, "-")}-${port}`;
}

function checkUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`cluster.advertiseUrl (--advertise-url) must be a URL such as http://10.0.0.5:8080, got '${value}'.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new ConfigError(`cluster.advertiseUrl (--advertise-url) must start with http:// or https://, got '${value}'.`);
  if (url.pathname !== "/" || url.search || url.hash)
    throw new ConfigError(`cluster.advertiseUrl (--advertise-url) must be scheme, host and port only (e.g. http://10.0.0.5:8080), got '${value}'.`);
  return url.origin;
}

function checkTtl(value: unknown, name: string): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 60)
    throw new ConfigError(`${name} must be a whole number of seconds from 1 to 60, got '${value}'. Shorter means faster failover and more renewals.`);
  return seconds;
}

function blank(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}
