import { readFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { ArtifactSettings } from "../artifacts/settings.js";
import type { InstanceTypeSpec } from "../domain/catalog/instance-type.js";
import { artifactsEnvNames, checkArtifactSettings, defaultArtifactSettings } from "./artifacts.js";
import { checkAuth, checkTls, type AuthConfig, type TlsConfig } from "./auth.js";
import { checkCluster, clusterEnvNames, defaultCluster, type ClusterConfig } from "./cluster.js";
import { checkContainers, defaultContainers, type ContainersConfig } from "./containers.js";
import { checkCopies, copiesEnvNames, defaultCopyUser, defaultLivenessIntervalSeconds, type CopiesConfig } from "./copies.js";
import { ConfigError, parseDuration } from "./errors.js";
import { checkLimits, defaultLimits, type LimitsConfig } from "./limits.js";
import { checkQuotas, defaultQuotas, type QuotaConfig } from "./quotas.js";
import { parseStoreSetting, type StoreConfig } from "./store.js";

export { ConfigError, parseDuration } from "./errors.js";
export type { AuthConfig, TlsConfig } from "./auth.js";
export type { CopiesConfig } from "./copies.js";
export type { ContainersConfig } from "./containers.js";
export type { ClusterConfig } from "./cluster.js";
export type { QuotaConfig } from "./quotas.js";
export type { StoreConfig } from "./store.js";

export interface ImageCommand {
  /** Command line run for a copy of this image; {port} and {modelDir} are replaced. */
  command: string[];
  env?: Record<string, string>;
  /** A stopped copy's process may be parked for the next copy of its version (artifacts.parkedEnginesMb). */
  parkable?: boolean;
  /**
   * Paths POSTed on the engine's port when it is parked and when a copy takes it over, for an engine that
   * frees its accelerator memory only when asked (vLLM: /sleep?level=1 and /wake_up). Both or neither.
   */
  sleepPath?: string;
  wakePath?: string;
}

export interface BerthConfig {
  host: string;
  port: number;
  dataDir: string;
  /** SQLite in the data dir (the default, one machine) or etcd (a cluster of replicas and agents). */
  store: StoreConfig;
  region: string;
  accountId: string;
  logLevel: string;
  logFormat: "pretty" | "json";
  /** Largest JSON API request body accepted. */
  maxApiBodyBytes: number;
  /** Share of each instance's memory not offered to copies. */
  memoryHeadroomFraction: number;
  /** Image name → command, for images other than the built-in ones. */
  images: Record<string, ImageCommand>;
  /** How other images run: the container engine, where images may be pulled from, registry credentials. */
  containers: ContainersConfig;
  /** Extra instance types beside the built-in catalog. */
  instanceTypes: InstanceTypeSpec[];
  /** How long the router waits for a container's answer (SageMaker: 60 s). */
  invokeTimeoutSeconds: number;
  /** How long a connection to the API port may take to send a request's headers before it is answered 408 and closed. */
  headersTimeoutSeconds: number;
  /** Real seconds that SageMaker's standard 60 s scaling period lasts; shortens every scaling duration alike. */
  scalingPeriodSeconds: number;
  /** How long metrics are kept, in API seconds. */
  metricRetentionSeconds: number;
  /** API seconds an instance must hold no copy before managed instance scaling releases it. */
  instanceIdleReleaseSeconds: number;
  /** How long a request for a component with no ready copy waits for one (real seconds). */
  holdSeconds: number;
  /** Requests one component may hold at once while it has no ready copy. */
  holdQueueSize: number;
  /** How long a stop (SIGTERM) waits for requests still open before cutting them off (real seconds). */
  stopDrainSeconds: number;
  /** How long a copy being stopped (scale-in, update, move) keeps serving its open stateful sessions (real seconds; 0: not at all). */
  sessionDrainSeconds: number;
  /** Requests one copy of an inference component serves at once; more wait in the component's queue. */
  maxConcurrentRequestsPerCopy: number;
  /** Processes that route invocations, sharing the port (node:cluster); 1: this process alone. */
  routerWorkers: number;
  /** Hard limits on memory the runtime path may hold (see limits.ts). */
  limits: LimitsConfig;
  /** Where model artifacts may come from and how large they may be. */
  artifacts: ArtifactSettings;
  copies: CopiesConfig;
  auth: AuthConfig;
  tls: TlsConfig;
  /** Hard limits on counts a request (or an older stored record) may ask for. */
  quotas: QuotaConfig;
  /** Replica id, advertised URL and lease TTLs in cluster mode. */
  cluster: ClusterConfig;
}

export const defaultConfig: BerthConfig = {
  host: "127.0.0.1",
  port: 8080,
  dataDir: "./berth-data",
  store: { kind: "sqlite" },
  region: "us-east-1",
  accountId: "000000000000",
  logLevel: "info",
  logFormat: "pretty",
  maxApiBodyBytes: 2 * 1024 * 1024,
  memoryHeadroomFraction: 0.1,
  images: {},
  containers: defaultContainers,
  instanceTypes: [],
  invokeTimeoutSeconds: 60,
  headersTimeoutSeconds: 20,
  scalingPeriodSeconds: 60,
  metricRetentionSeconds: 24 * 3600,
  instanceIdleReleaseSeconds: 600,
  holdSeconds: 120,
  holdQueueSize: 1000,
  stopDrainSeconds: 25,
  sessionDrainSeconds: 60,
  maxConcurrentRequestsPerCopy: 64,
  routerWorkers: 1,
  limits: defaultLimits,
  artifacts: defaultArtifactSettings,
  copies: { user: defaultCopyUser, dir: undefined, mps: "auto", livenessIntervalSeconds: defaultLivenessIntervalSeconds },
  auth: { enabled: true, allowedHosts: [], clockSkewSeconds: 300 },
  tls: { cert: undefined, key: undefined },
  quotas: defaultQuotas,
  cluster: defaultCluster,
};

const envNames: Record<string, keyof BerthConfig> = {
  BERTH_HOST: "host",
  BERTH_PORT: "port",
  BERTH_DATA_DIR: "dataDir",
  BERTH_STORE: "store",
  BERTH_REGION: "region",
  BERTH_ACCOUNT_ID: "accountId",
  BERTH_LOG_LEVEL: "logLevel",
  BERTH_LOG_FORMAT: "logFormat",
  BERTH_SCALING_PERIOD: "scalingPeriodSeconds",
};

/** Flags may set single members of a settings group, e.g. { auth: { enabled: false } }. */
export type ConfigFlags = Partial<Omit<BerthConfig, "auth" | "tls" | "cluster">> & {
  auth?: Partial<AuthConfig>;
  tls?: Partial<TlsConfig>;
  cluster?: Partial<ClusterConfig>;
};

/** Settings come from, lowest first: defaults, the config file, BERTH_* environment variables, command-line flags. */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; flags?: ConfigFlags } = {}): BerthConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.BERTH_CONFIG;
  let fromFile: Partial<BerthConfig> = {};
  if (file) {
    if (!existsSync(file)) throw new ConfigError(`Config file ${file} does not exist. Check --config or BERTH_CONFIG.`);
    fromFile = readConfigFile(file);
  }
  const fromEnv: Partial<Record<keyof BerthConfig, unknown>> = {};
  for (const [name, key] of Object.entries(envNames)) if (env[name] !== undefined && env[name] !== "") fromEnv[key] = env[name];
  const copiesFromEnv: Partial<Record<keyof CopiesConfig, string>> = {};
  for (const [name, key] of Object.entries(copiesEnvNames)) if (env[name] !== undefined && env[name] !== "") copiesFromEnv[key] = env[name];
  const artifactsFromEnv: Partial<Record<string, string>> = {};
  for (const [name, key] of Object.entries(artifactsEnvNames)) if (env[name] !== undefined && env[name] !== "") artifactsFromEnv[key] = env[name];
  const clusterFromEnv: Partial<Record<keyof ClusterConfig, string>> = {};
  for (const [name, key] of Object.entries(clusterEnvNames)) if (env[name] !== undefined && env[name] !== "") clusterFromEnv[key] = env[name];
  const merged = mergeGroups([
    defaultConfig,
    fromFile,
    fromEnv,
    { copies: copiesFromEnv, cluster: clusterFromEnv, artifacts: artifactsFromEnv },
    stripUndefined(options.flags ?? {}),
  ]);
  return check(merged);
}

function readConfigFile(file: string): Partial<BerthConfig> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(`Config file ${file} is not valid YAML or JSON: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) throw new ConfigError(`Config file ${file} must hold a mapping of settings, e.g. "port: 8080".`);
  const known = new Set(Object.keys(defaultConfig));
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) throw new ConfigError(`Config file ${file}: unknown setting '${key}'. Known settings: ${[...known].join(", ")}.`);
    const group = groupDefaults(key);
    const value = (parsed as Record<string, unknown>)[key];
    if (!group || value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value))
      throw new ConfigError(`Config file ${file}: '${key}' must be a mapping of settings, e.g. ${key}: { ${Object.keys(group)[0]}: ... }.`);
    for (const member of Object.keys(value)) {
      if (!(member in group))
        throw new ConfigError(`Config file ${file}: unknown setting '${key}.${member}'. Known settings in ${key}: ${Object.keys(group).join(", ")}.`);
    }
  }
  return parsed as Partial<BerthConfig>;
}

/** Settings groups (auth, tls, ...): defaults that are mappings with named members. */
function groupDefaults(key: string): Record<string, unknown> | undefined {
  if (key === "store") return undefined;
  const value = (defaultConfig as unknown as Record<string, unknown>)[key];
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length > 0 ? (value as Record<string, unknown>) : undefined;
}

/** Later sources win; inside a settings group, member by member. */
function mergeGroups(sources: object[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) {
      merged[key] = groupDefaults(key) && typeof value === "object" && value !== null ? { ...(merged[key] as object), ...stripUndefined(value) } : value;
    }
  }
  return merged;
}

function check(raw: Record<string, unknown>): BerthConfig {
  const port = Number(raw.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port must be a whole number from 0 to 65535, got '${raw.port}'.`);
  const accountId = String(raw.accountId);
  if (!/^\d{12}$/.test(accountId)) throw new ConfigError(`accountId must be 12 digits (it appears in ARNs), got '${accountId}'.`);
  const region = String(raw.region);
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new ConfigError(`region must look like an AWS region such as us-east-1, got '${region}'.`);
  const logFormat = String(raw.logFormat);
  if (logFormat !== "pretty" && logFormat !== "json") throw new ConfigError(`logFormat must be 'pretty' or 'json', got '${logFormat}'.`);
  const headroom = Number(raw.memoryHeadroomFraction);
  if (!(headroom >= 0 && headroom < 1)) throw new ConfigError(`memoryHeadroomFraction must be at least 0 and below 1, got '${raw.memoryHeadroomFraction}'.`);
  const maxApiBodyBytes = Number(raw.maxApiBodyBytes);
  if (!Number.isInteger(maxApiBodyBytes) || maxApiBodyBytes < 1024) throw new ConfigError(`maxApiBodyBytes must be a whole number of at least 1024.`);
  const invokeTimeoutSeconds = Number(raw.invokeTimeoutSeconds);
  if (!(invokeTimeoutSeconds > 0 && invokeTimeoutSeconds <= 3600))
    throw new ConfigError(`invokeTimeoutSeconds must be a number of seconds above 0 and at most 3600.`);
  const headersTimeoutSeconds = Number(raw.headersTimeoutSeconds);
  if (!(headersTimeoutSeconds >= 1 && headersTimeoutSeconds <= 300))
    throw new ConfigError(`headersTimeoutSeconds must be a number of seconds from 1 to 300, got '${raw.headersTimeoutSeconds}'.`);
  const scalingPeriodSeconds = parseDuration(raw.scalingPeriodSeconds, "scalingPeriodSeconds");
  const metricRetentionSeconds = parseDuration(raw.metricRetentionSeconds, "metricRetentionSeconds");
  const instanceIdleReleaseSeconds = parseDuration(raw.instanceIdleReleaseSeconds, "instanceIdleReleaseSeconds");
  const holdSeconds = parseDuration(raw.holdSeconds, "holdSeconds");
  const stopDrainSeconds = parseDuration(raw.stopDrainSeconds, "stopDrainSeconds");
  const sessionDrainSeconds = Number(raw.sessionDrainSeconds) === 0 ? 0 : parseDuration(raw.sessionDrainSeconds, "sessionDrainSeconds");
  const holdQueueSize = Number(raw.holdQueueSize);
  if (!Number.isInteger(holdQueueSize) || holdQueueSize < 0)
    throw new ConfigError(`holdQueueSize must be a whole number of 0 or more, got '${raw.holdQueueSize}'.`);
  const maxConcurrentRequestsPerCopy = Number(raw.maxConcurrentRequestsPerCopy);
  if (!Number.isInteger(maxConcurrentRequestsPerCopy) || maxConcurrentRequestsPerCopy < 1)
    throw new ConfigError(`maxConcurrentRequestsPerCopy must be a whole number of 1 or more, got '${raw.maxConcurrentRequestsPerCopy}'.`);
  const routerWorkers = Number(raw.routerWorkers);
  if (!Number.isInteger(routerWorkers) || routerWorkers < 1 || routerWorkers > 64)
    throw new ConfigError(`routerWorkers must be a whole number from 1 to 64, got '${raw.routerWorkers}'.`);
  const host = String(raw.host);
  const auth = checkAuth(raw.auth as Record<string, unknown>, host);
  const tls = checkTls(raw.tls as Record<string, unknown>);
  const quotas = checkQuotas({ ...defaultQuotas, ...(raw.quotas as Partial<QuotaConfig> | undefined) });
  return {
    host,
    port,
    dataDir: resolve(String(raw.dataDir)),
    store: parseStoreSetting(raw.store),
    region,
    accountId,
    logLevel: String(raw.logLevel),
    logFormat,
    maxApiBodyBytes,
    memoryHeadroomFraction: headroom,
    images: (raw.images ?? {}) as Record<string, ImageCommand>,
    containers: checkContainers(raw.containers),
    instanceTypes: (raw.instanceTypes ?? []) as InstanceTypeSpec[],
    invokeTimeoutSeconds,
    headersTimeoutSeconds,
    scalingPeriodSeconds,
    metricRetentionSeconds,
    instanceIdleReleaseSeconds,
    holdSeconds,
    holdQueueSize,
    stopDrainSeconds,
    sessionDrainSeconds,
    maxConcurrentRequestsPerCopy,
    routerWorkers,
    limits: checkLimits(raw.limits),
    artifacts: checkArtifactSettings(raw.artifacts),
    copies: checkCopies((raw.copies ?? {}) as Partial<CopiesConfig>),
    auth,
    tls,
    quotas,
    cluster: checkCluster((raw.cluster ?? {}) as Record<string, unknown>),
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
