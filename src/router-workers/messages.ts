import type { RequestOutcome, RetryReason } from "../router/observer.js";
import type { SessionRecord } from "../router/sessions.js";
import type { RoutingTable } from "../router/table.js";

/** What a router worker needs to serve invocations, given once in its environment (BERTH_ROUTER_WORKER). */
export interface WorkerSettings {
  index: number;
  /** Workers together: the per-copy limit and the body budget are split between them. */
  count: number;
  host: string;
  port: number;
  tls?: { cert: string; key: string };
  /** The primary's own API listener (loopback): every request but an invocation or /healthz is relayed there. */
  primaryUrl: string;
  dataDir: string;
  auth: { enabled: boolean; allowedHosts: string[]; clockSkewSeconds: number };
  accountId: string;
  region: string;
  invokeTimeoutMs: number;
  headersTimeoutMs: number;
  /** On SIGTERM, how long the requests in flight may take before their connections are closed. */
  stopDrainMs: number;
  hold: { holdMs: number; maxHeld: number };
  copyConcurrency: number;
  bufferedBodyBudgetBytes: number;
  logLevel: string;
  logFormat: "pretty" | "json";
}

export const settingsVariable = "BERTH_ROUTER_WORKER";

/**
 * One request's report, as the primary's observers take it: [kind, endpoint, variant, component, copy,
 * outcome or retry reason, model ms, overhead ms]. Tuples, not objects: they cross the IPC channel in batches.
 */
export type ObservedEvent =
  | ["s", string, string, string | undefined, string | undefined]
  | ["r", string, string, string | undefined, string | undefined, RetryReason]
  | ["f", string, string, string | undefined, string | undefined, RequestOutcome, number, number];

export type ToWorker =
  | { t: "table"; table: RoutingTable }
  | { t: "remember"; session: SessionRecord }
  | { t: "forget"; session: Pick<SessionRecord, "endpointName" | "id"> }
  | { t: "reply"; id: number; value?: SessionRecord; error?: string }
  | { t: "waitIdle"; id: number; copyId: string; timeoutMs: number };

export type SessionCall =
  | { op: "get"; endpointName: string; sessionId: string }
  | { op: "put"; session: SessionRecord }
  | { op: "delete"; session: Pick<SessionRecord, "endpointName" | "id"> };

export type FromWorker =
  | { t: "hello" }
  | { t: "listening"; port: number }
  | {
      t: "report";
      events: ObservedEvent[];
      /** Requests in flight per copy, and waiting per component ("endpoint\0component", lower-cased), now. */
      inFlight: [string, number][];
      waiting: [string, number][];
      /** Body bytes the worker holds now, and the requests it has refused because its share was spent. */
      bodies: { used: number; refused: number };
    }
  | { t: "call"; id: number; call: SessionCall }
  | { t: "wake"; component: string }
  /** Requests waiting for a copy of the component in this worker, as one starts waiting; 0 once none waits. */
  | { t: "backlog"; component: string; waiting: number }
  | { t: "idle"; id: number }
  /** The worker's last message as it stops: every report it sent before has been written. */
  | { t: "stopped" };
