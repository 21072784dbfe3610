import type { AlarmRecord } from "../alarms/types.js";
import type { ScalableTargetRecord, ScalingActivityRecord, ScalingPolicyRecord, ScheduledActionRecord } from "../autoscaling/records.js";
import type { AgentLeaseRecord, AgentRecord, ClusterSecretsRecord, LeaderRecord, ReplicaRecord, WakeRecord } from "../domain/cluster.js";
import type { ComponentRecord, CopyRecord, CopyStatusRecord, EndpointConfigRecord, EndpointRecord, InstanceRecord, ModelRecord } from "../domain/resources.js";
import type { SessionRecord } from "../router/sessions.js";
import * as store from "../store/store.js";

/** Every kind of record Berth keeps, and the type of its value. The store is typed by this map. */
export interface BerthRecords {
  model: ModelRecord;
  "endpoint-config": EndpointConfigRecord;
  endpoint: EndpointRecord;
  "inference-component": ComponentRecord;
  instance: InstanceRecord;
  copy: CopyRecord;
  "copy-status": CopyStatusRecord;
  "scalable-target": ScalableTargetRecord;
  "scaling-policy": ScalingPolicyRecord;
  "scaling-activity": ScalingActivityRecord;
  "scheduled-action": ScheduledActionRecord;
  alarm: AlarmRecord;
  /** Index: one entry per component, keyed under its endpoint; written and deleted in the component's own commits. */
  "endpoint-component": EndpointComponentRecord;
  "state-version": StateVersionRecord;
  /** Keyed by host: the artifact URLs whose bytes the host's cache holds (written by its agent; placement prefers holders). */
  "host-artifacts": HostArtifactsRecord;
  /** Cluster mode only (see domain/cluster.ts); "agent-lease", "replica" and "leader" entries carry an etcd lease. */
  agent: AgentRecord;
  "agent-lease": AgentLeaseRecord;
  replica: ReplicaRecord;
  leader: LeaderRecord;
  "cluster-secrets": ClusterSecretsRecord;
  wake: WakeRecord;
  /** A stateful session and the copy that holds it, keyed by endpoint and session id (see router/sessions.ts). */
  session: SessionRecord;
}

export interface EndpointComponentRecord {
  componentName: string;
}

export interface HostArtifactsRecord {
  host: string;
  /** Artifact URLs whose bytes the host's cache holds. */
  urls: string[];
  /** Those of `urls` also held in host memory (artifacts.memoryBudgetMb): a copy loads them without reading the disk. */
  memoryUrls?: string[];
  /** Keys of the engines parked on the host (src/domain/parked-engine-key.ts): a copy of one of them starts without a new process. */
  parked?: string[];
  /** Per key of `parked`, the device indices of each engine parked under it: only a copy placed on those devices takes one over. */
  parkedDevices?: Record<string, number[][]>;
}

export interface StateVersionRecord {
  version: number;
}

export type Kind = keyof BerthRecords;
export type BerthStore = store.Store<BerthRecords>;
export type { ChangeEvent, Entry, Expectation, Op, ReadEntry } from "../store/store.js";
export { absent, unchanged, StoreConflictError } from "../store/store.js";

/** A typed change event: narrowing on `kind` narrows `value`. */
export type BerthChange = { [K in Kind]: Omit<store.ChangeEvent<BerthRecords[K]>, "kind"> & { kind: K } }[Kind];

export function changes(events: store.ChangeEvent[]): BerthChange[] {
  return events as BerthChange[];
}

export const put = <K extends Kind>(kind: K, key: string, value: BerthRecords[K], expect?: store.Expectation): store.Op => store.put(kind, key, value, expect);
/** A put that vanishes with the lease (etcd stores only; see Store.leases). */
export const putLeased = <K extends Kind>(kind: K, key: string, value: BerthRecords[K], lease: string, expect?: store.Expectation): store.Op =>
  store.put(kind, key, value, expect, lease);
export const del = (kind: Kind, key: string, expect?: store.Expectation): store.Op => store.del(kind, key, expect);
export const check = (kind: Kind, key: string, expect: store.Expectation): store.Op => store.check(kind, key, expect);
