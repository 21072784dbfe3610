/** The `artifacts` group of the server config: where artifacts may come from and how large they may be. */
export interface ArtifactSettings {
  /** Directories under which local artifacts (absolute paths, file:// URLs) may live. */
  localRoots: string[];
  /** Host names, *.suffix patterns, IP addresses and CIDR ranges that http(s) artifacts may come from ("*": any public host). */
  allowedHosts: string[];
  /** Lets allowed hosts resolve to loopback, private (RFC 1918, ULA) and carrier-grade NAT addresses. */
  allowPrivateNetworks: boolean;
  maxDownloadBytes: number;
  maxUnpackedBytes: number;
  maxFiles: number;
  /** MiB of entries no copy uses that a host keeps for the next start (least recently used evicted first); 0 keeps none. */
  cacheBudgetMb: number;
  /** MiB of cached artifacts a host also keeps in memory (a tmpfs), least recently used first out; 0 turns the memory tier off. */
  memoryBudgetMb: number;
  /** MiB of resident memory that engines of stopped copies may keep, parked for the next copy of their version (src/agent/parked-engines.ts); 0 parks none. */
  parkedEnginesMb: number;
  /** The memory tier's directory, on a tmpfs; empty: a directory of its own under /dev/shm. */
  memoryDir: string;
}

/** What the URL policy reads; the control plane holds only this, the agent the whole settings. */
export type ArtifactUrlPolicy = Pick<ArtifactSettings, "localRoots" | "allowedHosts" | "allowPrivateNetworks">;
