import type { DeviceInfo } from "../../domain/resources.js";
import type { CopyStatusRecord } from "../../domain/resources.js";
import type { HostArtifactsRecord } from "../../state/records.js";

/**
 * The agent protocol's messages (HTTP JSON on a replica's API port, under /berth/v1/agents/). The join
 * token authenticates registration; the agent key (given at registration) everything after it.
 */

export interface RegisterRequest {
  agentId: string;
  instanceType: string;
  /** host:port of the agent's copy proxy. */
  advertise: string;
  devices: DeviceInfo[];
  /**
   * A random id the agent keeps in its data dir: an agent restarting takes over its own live lease at once,
   * while another host registering under the same agentId is refused (409) until that lease has lapsed.
   */
  installId?: string;
}

export interface RegisterResponse {
  agentId: string;
  agentKey: string;
  leaseId: string;
  ttlSeconds: number;
}

export interface RenewRequest {
  leaseId: string;
}

/** The kinds an agent may read, and only the entries of its own instances. */
export const scopedKinds = ["instance", "copy", "copy-status", "inference-component", "endpoint-component"] as const;
export type ScopedKind = (typeof scopedKinds)[number];

export interface ScopedEntry {
  kind: ScopedKind;
  key: string;
  value: unknown;
  createRevision: number;
  modRevision: number;
}

export interface ScopedEvent {
  type: "put" | "delete";
  kind: ScopedKind;
  key: string;
  value: unknown;
  revision: number;
}

/**
 * One line of the watch stream. Every connection starts with a snapshot of the agent's whole scope; a
 * later snapshot replaces the view when the scope grows or shrinks (an instance given or taken away).
 */
export type WatchMessage =
  | { type: "snapshot"; revision: number; entries: ScopedEntry[] }
  | { type: "events"; revision: number; events: ScopedEvent[] }
  | { type: "ping"; revision: number };

/** Status writes: the only writes an agent may make: for copies on its own instances, and which artifacts its own host holds. */
export type StatusOp =
  | { type: "put"; kind: "copy-status"; key: string; value: CopyStatusRecord }
  | { type: "delete"; kind: "copy-status"; key: string }
  | { type: "put"; kind: "host-artifacts"; key: string; value: HostArtifactsRecord };

export interface StatusRequest {
  ops: StatusOp[];
}

export interface StatusResponse {
  revision: number;
}

export interface AgentApiErrorBody {
  error: string;
  message: string;
}
