import { ConfigError } from "./errors.js";

/** Where Berth keeps its records: one SQLite file in the data dir (one machine), or an etcd cluster (a fleet). */
export type StoreConfig = { kind: "sqlite" } | { kind: "etcd"; endpoints: string[] };

/** Reads the `store` setting: "sqlite", or "etcd://host:port[,host:port…]" (also accepts an already parsed setting). */
export function parseStoreSetting(raw: unknown): StoreConfig {
  if (typeof raw === "object" && raw !== null && "kind" in raw) return raw as StoreConfig;
  const text = String(raw ?? "sqlite").trim();
  if (text === "" || text === "sqlite") return { kind: "sqlite" };
  const match = /^etcd:\/\/(.+)$/.exec(text);
  if (!match) throw new ConfigError(`store must be 'sqlite' or 'etcd://host:port[,host:port...]', got '${text}'.`);
  const endpoints = match[1]!.split(",").map((e) => e.trim());
  for (const endpoint of endpoints) {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(endpoint) || Number(endpoint.slice(endpoint.lastIndexOf(":") + 1)) > 65535)
      throw new ConfigError(`store: '${endpoint}' is not a host:port of an etcd member (e.g. etcd://10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379).`);
  }
  return { kind: "etcd", endpoints };
}
