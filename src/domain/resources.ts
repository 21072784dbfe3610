import type { PrefixBlockMatching } from "./prefix-routing.js";
import type { DeviceShare, Resources } from "./compute.js";

/** Records as the store keeps them. Times are epoch milliseconds. */

export interface Tag {
  Key: string;
  Value: string;
}

export interface ContainerDefinition {
  Image?: string;
  ModelDataUrl?: string;
  Environment?: Record<string, string>;
  [member: string]: unknown;
}

export interface ModelRecord {
  name: string;
  arn: string;
  createdAt: number;
  /** The validated CreateModel input, without ModelName and Tags. */
  definition: {
    PrimaryContainer?: ContainerDefinition;
    Containers?: ContainerDefinition[];
    ExecutionRoleArn?: string;
    [member: string]: unknown;
  };
  tags: Tag[];
}

export interface ManagedInstanceScaling {
  Status?: "ENABLED" | "DISABLED";
  MinInstanceCount?: number;
  MaxInstanceCount?: number;
  ScaleInPolicy?: { Strategy: "IDLE_RELEASE" | "CONSOLIDATION"; MaximumStepSize?: number; CooldownInMinutes?: number };
}

export interface ProductionVariant {
  VariantName: string;
  ModelName?: string;
  InitialInstanceCount?: number;
  InstanceType?: string;
  InitialVariantWeight?: number;
  ContainerStartupHealthCheckTimeoutInSeconds?: number;
  ModelDataDownloadTimeoutInSeconds?: number;
  ManagedInstanceScaling?: ManagedInstanceScaling;
  RoutingConfig?: {
    RoutingStrategy: "LEAST_OUTSTANDING_REQUESTS" | "RANDOM" | "PREFIX_AWARE" | string;
    PrefixAwareRoutingConfig?: { PrefixLength?: number; ConcurrencyThreshold?: number };
  };
  [member: string]: unknown;
}

export interface EndpointConfigDefinition {
  ProductionVariants: ProductionVariant[];
  ExecutionRoleArn?: string;
  [member: string]: unknown;
}

export interface EndpointConfigRecord {
  name: string;
  arn: string;
  createdAt: number;
  definition: EndpointConfigDefinition;
  tags: Tag[];
}

export type EndpointStatus =
  "OutOfService" | "Creating" | "Updating" | "SystemUpdating" | "RollingBack" | "InService" | "Deleting" | "Failed" | "UpdateRollbackFailed";

export interface VariantState {
  desiredInstanceCount: number;
  desiredWeight: number;
}

/** A configuration an endpoint runs (or is moving to): instances of this generation belong to it. */
export interface EndpointDeployment {
  generation: number;
  configName: string;
  config: EndpointConfigDefinition;
  variants: Record<string, VariantState>;
  /** For single-model variants: what each variant's copies run, resolved from its model when the deployment began. */
  variantSpecs?: Record<string, ResolvedSpec>;
  startedAt: number;
  /** Berth's block-level prefix matching, from the configuration's tags (src/domain/prefix-routing.ts). */
  prefixBlocks?: PrefixBlockMatching;
}

export interface EndpointRecord {
  name: string;
  arn: string;
  createdAt: number;
  lastModifiedAt: number;
  status: EndpointStatus;
  failureReason?: string;
  /** Set while the endpoint is Failed for asking more than a quota allows: the status it resumes once within the limits. */
  resumeStatus?: EndpointStatus;
  current: EndpointDeployment;
  /** Set while UpdateEndpoint moves the endpoint to another configuration. */
  pending?: EndpointDeployment;
  deploymentConfig?: Record<string, unknown>;
  lastDeploymentConfig?: Record<string, unknown>;
  nextGeneration: number;
  tags: Tag[];
}

export type ComponentStatus = "InService" | "Creating" | "Updating" | "Failed" | "Deleting";

export type PlacementStrategy = "SPREAD" | "BINPACK";

/** What a copy runs, resolved from the specification (and its model) when it was accepted. */
export interface ResolvedSpec {
  version: number;
  image: string;
  artifactUrl?: string;
  environment: Record<string, string>;
  modelName?: string;
  /** With a share, needs.accelerators is 0: the share stands for the one device the copy holds part of. */
  needs: Resources;
  /** Part of one accelerator, from the component's share tags (src/domain/accelerator-share.ts). */
  share?: DeviceShare;
  maxMemoryMiB?: number;
  strategy: PlacementStrategy;
  startupTimeoutSeconds: number;
  downloadTimeoutSeconds: number;
  baseComponentName?: string;
}

/** How a component moves from one specification to another, as stored in its record while it runs. */
export interface RolloutPolicy {
  kind: "rolling" | "blue-green";
  /** Copies started per batch (rolling). */
  batchSize: number;
  /** Copies restored per batch when rolling back. */
  rollbackBatchSize: number;
  /** Bake time after each batch, real ms. */
  waitMs: number;
  /** Whole-deployment deadline, real ms from the start. */
  timeoutMs: number;
  /** CloudWatch alarms that roll the update back when in ALARM. */
  alarms: string[];
}

export type RolloutPhase = "starting-batch" | "baking" | "rolling-back";

export interface RolloutState {
  policy: RolloutPolicy;
  /** The specification being replaced; old copies run it, and a rollback returns to it. */
  from: ResolvedSpec;
  /** The specification being deployed. */
  to: ResolvedSpec;
  phase: RolloutPhase;
  startedAt: number;
  /** Copies of the new specification wanted now. */
  targetNew: number;
  /** Copies of the old specification wanted now. */
  targetOld: number;
  bakeUntil?: number;
  /** Why the update is rolling back. */
  rollbackReason?: string;
  /** The most extra copies (beyond the desired count) wanted at any moment, for the record. */
  peakExtra: number;
}

export interface ComponentRecord {
  name: string;
  arn: string;
  endpointName: string;
  variantName: string;
  createdAt: number;
  lastModifiedAt: number;
  status: ComponentStatus;
  failureReason?: string;
  /** The Specification as the user gave it (validated), echoed by Describe. */
  specification: Record<string, unknown>;
  resolved: ResolvedSpec;
  desiredCopyCount: number;
  nextCopyOrdinal: number;
  lastDeploymentConfig?: Record<string, unknown>;
  /** Set while an UpdateInferenceComponent moves the copies to a new specification. */
  rollout?: RolloutState;
  /** The Specification the rollout replaces, restored if it rolls back. */
  previousSpecification?: Record<string, unknown>;
  /** Why the last update rolled back; shown as FailureReason (when nothing more current is) until the next update. */
  lastUpdateFailure?: string;
  /** Set while the component is Failed for asking more copies than a quota allows: the status it resumes once within the limits. */
  resumeStatus?: ComponentStatus;
  tags: Tag[];
}

export type DeviceSource = "modelled" | "nvidia";

export interface DeviceInfo {
  index: number;
  source: DeviceSource;
  name: string;
  memoryMiB: number;
  uuid?: string;
  /** A MIG instance: its GPU's index and its device number on that GPU. */
  mig?: { gpu: number; device: number };
}

export type InstanceState = "Pending" | "InService" | "Draining";

export interface InstanceRecord {
  id: string;
  endpointName: string;
  variantName: string;
  generation: number;
  instanceType: string;
  provider: string;
  host: string;
  capacity: Resources;
  devices: DeviceInfo[];
  state: InstanceState;
  createdAt: number;
  /** Since when the instance has held no copy; managed instance scaling releases it after a delay. */
  idleSince?: number;
  /** Why a Pending instance has not launched yet (no free instance of its type in the pool). */
  waiting?: string;
}

export type CopyOwner = { type: "component"; name: string } | { type: "variant"; variant: string; generation: number };

export type CopyState = "Active" | "Draining";

export interface CopyRecord {
  id: string;
  owner: CopyOwner;
  endpointName: string;
  variantName: string;
  instanceId: string;
  devices: number[];
  resources: Resources;
  /** The part of its one device the copy holds, when it holds part of one. */
  share?: DeviceShare;
  /** Everything the agent needs to run the copy, so it never reads other records. */
  spec: ResolvedSpec;
  state: CopyState;
  createdAt: number;
  /** Set on a copy started to take over from another (a move): the old one stops once this one is ready. */
  replaces?: string;
  /**
   * Set on a Draining copy that holds open stateful sessions: its agent keeps it running, and routers send
   * it those sessions' requests only, until they end or this time passes (epoch ms); then the controller
   * clears it and the copy stops.
   */
  sessionsDrainUntil?: number;
}

export type CopyPhase = "Downloading" | "Starting" | "Ready" | "Failed" | "Stopping";

export interface CopyStatusRecord {
  copyId: string;
  phase: CopyPhase;
  /** Address the copy listens on; unset means 127.0.0.1, where the agent in the server process starts every copy today. */
  address?: string;
  port?: number;
  pid?: number;
  restarts: number;
  lastError?: string;
  /** The copy can never start as configured (e.g. an image Berth cannot run); no use waiting. */
  terminal?: boolean;
  /** When the agent first tried to start this copy. */
  firstStartAt?: number;
  since: number;
  limits?: { memory: string; cpu: string };
  /** Adapters loaded into this copy: "ready", or what went wrong. */
  adapters?: Record<string, string>;
}
