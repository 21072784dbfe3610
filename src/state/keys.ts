import { nameKey } from "../domain/arn.js";

/**
 * Every store key format, in one place. SageMaker names are unique case-insensitively, so they are
 * keyed lower-cased. Records that belong to an endpoint are keyed under it, so one prefix read finds
 * all of them; scaling records are keyed under their scalable target for the same reason.
 */
export const keys = {
  model: (name: string) => nameKey(name),
  endpointConfig: (name: string) => nameKey(name),
  endpoint: (name: string) => nameKey(name),
  component: (name: string) => nameKey(name),
  alarm: (name: string) => name,

  /** Instances, copies and copy statuses of an endpoint. */
  child: (endpointName: string, id: string) => `${nameKey(endpointName)}/${id}`,
  children: (endpointName: string) => `${nameKey(endpointName)}/`,
  /** The endpoint a child key belongs to. */
  endpointOfChild: (childKey: string) => childKey.slice(0, childKey.indexOf("/")),
  /** The index entry that lists a component under its endpoint (kind "endpoint-component"). */
  endpointComponent: (endpointName: string, componentName: string) => `${nameKey(endpointName)}/${nameKey(componentName)}`,

  scalableTarget: (resourceId: string, dimension: string) => `${resourceId}|${dimension}`,
  /** Every scalable target of a resource, and their policies and activities. */
  underResource: (resourceId: string) => `${resourceId}|`,
  /** Policies and activities of a scalable target. */
  underTarget: (resourceId: string, dimension: string) => `${resourceId}|${dimension}|`,
  scalingPolicy: (resourceId: string, dimension: string, policyName: string) => `${resourceId}|${dimension}|${policyName}`,
  scheduledAction: (resourceId: string, dimension: string, actionName: string) => `${resourceId}|${dimension}|${actionName}`,
  /** Activities sort by key: target, then start time. */
  scalingActivity: (resourceId: string, dimension: string, startTime: number, activityId: string) =>
    `${resourceId}|${dimension}|${String(startTime).padStart(15, "0")}|${activityId}`,

  /** The one record saying which layout the data dir's records follow (kind "state-version"). */
  stateVersion: () => "berth",

  /** Cluster records: an agent and its lease by agent id, a replica by id, the one leader and secrets record. */
  agent: (agentId: string) => agentId,
  agentLease: (agentId: string) => agentId,
  replica: (replicaId: string) => replicaId,
  leader: () => "controllers",
  clusterSecrets: () => "cluster",
  wake: (componentName: string) => nameKey(componentName),
  /** Session ids are the container's, unique within an endpoint. */
  session: (endpointName: string, sessionId: string) => `${nameKey(endpointName)}/${sessionId}`,
};
