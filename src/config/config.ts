import { readFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ipaddr from "ipaddr.js";
import { parse as parseYaml } from "yaml";
import type { ArtifactSettings } from "../artifacts/settings.js";
import type { InstanceTypeSpec } from "../domain/catalog/instance-type.js";
import { checkLimits, defaultLimits, type LimitsConfig } from "./limits.js";

export interface ImageCommand {
  /** Command line run for a copy of this image; {port} and {modelDir} are replaced. */
  command: string[];
  env?: Record<string, string>;
}

/** Who model copies run as, and where the files they may read live (outside the private data dir). */
export interface CopiesConfig {
  /** A user name or uid[:gid]; the default user is created when the server runs as root. */
  user: string;
  /** Artifact cache, adapters and per-copy scratch dirs; default: a sibling of the data dir named <dataDir>-copies. */
  dir?: string;
}

export const defaultCopyUser = "berth-copy";

export interface BerthConfig {
  host: string;
  port: number;
  dataDir: string;
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
  /** Extra instance types beside the built-in catalog. */
  instanceTypes: InstanceTypeSpec[];
  /** How long the router waits for a container's answer (SageMaker: 60 s). */
  invokeTimeoutSeconds: number;
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
  /** Hard limits on memory the runtime path may hold (see limits.ts). */
  limits: LimitsConfig;
  /** Where model artifacts may come from and how large they may be. */
  artifacts: ArtifactSettings;
  copies: CopiesConfig;
  auth: AuthConfig;
  tls: TlsConfig;
  /** Hard limits on counts a request (or an older stored record) may ask for. */
  quotas: QuotaConfig;
}

export interface AuthConfig {
  /** SigV4 on every request but /healthz; false only with --insecure-no-auth, on a loopback host. */
  enabled: boolean;
  /** Host header names accepted beside localhost, 127.0.0.1, ::1 and the bound host ("*": any). */
  allowedHosts: string[];
  /** How far a signed request's X-Amz-Date may be from the server's clock (AWS: 300). */
  clockSkewSeconds: number;
}

export interface TlsConfig {
  /** PEM certificate (chain) and private key files; both set means the port serves https. */
  cert?: string;
  key?: string;
}

const gib = 1024 * 1024 * 1024;

/** Berth's own models folder (demo adapter, demo LLM), so the README examples work without configuring roots. */
const bundledModels = fileURLToPath(new URL("../../../models", import.meta.url));

export const defaultArtifactSettings: ArtifactSettings = {
  localRoots: [bundledModels],
  allowedHosts: [],
  allowPrivateNetworks: false,
  maxDownloadBytes: 16 * gib,
  maxUnpackedBytes: 32 * gib,
  maxFiles: 10_000,
};

export interface QuotaConfig {
  /** Instances one endpoint may have (sum over its variants): InitialInstanceCount, MaxInstanceCount, DesiredInstanceCount, AAS MaxCapacity. */
  maxInstancesPerEndpoint: number;
  /** Copies one inference component may have: CopyCount, DesiredCopyCount, AAS MaxCapacity. */
  maxCopiesPerComponent: number;
}

/**
 * maxInstancesPerEndpoint: SageMaker's service quota "Maximum number of instances per endpoint"
 * (L-ED8DEE9B) defaults to 4. SageMaker publishes no per-component copy quota (copies are bounded by the
 * endpoint's instances), so maxCopiesPerComponent is Berth's own bound.
 */
export const defaultQuotas: QuotaConfig = { maxInstancesPerEndpoint: 4, maxCopiesPerComponent: 100 };

export const defaultConfig: BerthConfig = {
  host: "127.0.0.1",
  port: 8080,
  dataDir: "./berth-data",
  region: "us-east-1",
  accountId: "000000000000",
  logLevel: "info",
  logFormat: "pretty",
  maxApiBodyBytes: 2 * 1024 * 1024,
  memoryHeadroomFraction: 0.1,
  images: {},
  instanceTypes: [],
  invokeTimeoutSeconds: 60,
  scalingPeriodSeconds: 60,
  metricRetentionSeconds: 24 * 3600,
  instanceIdleReleaseSeconds: 600,
  holdSeconds: 120,
  holdQueueSize: 1000,
  limits: defaultLimits,
  artifacts: defaultArtifactSettings,
  copies: { user: defaultCopyUser, dir: undefined },
  auth: { enabled: true, allowedHosts: [], clockSkewSeconds: 300 },
  tls: { cert: undefined, key: undefined },
  quotas: defaultQuotas,
};

const envNames: Record<string, keyof BerthConfig> = {
  BERTH_HOST: "host",
  BERTH_PORT: "port",
  BERTH_DATA_DIR: "dataDir",
  BERTH_REGION: "region",
  BERTH_ACCOUNT_ID: "accountId",
  BERTH_LOG_LEVEL: "logLevel",
  BERTH_LOG_FORMAT: "logFormat",
  BERTH_SCALING_PERIOD: "scalingPeriodSeconds",
};

const copiesEnvNames: Record<string, keyof CopiesConfig> = {
  BERTH_COPIES_USER: "user",
  BERTH_COPIES_DIR: "dir",
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Flags may set single members of a settings group, e.g. { auth: { enabled: false } }. */
export type ConfigFlags = Partial<Omit<BerthConfig, "auth" | "tls">> & { auth?: Partial<AuthConfig>; tls?: Partial<TlsConfig> };

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
  const copiesFromEnv: Partial<CopiesConfig> = {};
  for (const [name, key] of Object.entries(copiesEnvNames)) if (env[name] !== undefined && env[name] !== "") copiesFromEnv[key] = env[name];
  const merged = mergeGroups([defaultConfig, fromFile, fromEnv, { copies: copiesFromEnv }, stripUndefined(options.flags ?? {})]);
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
    if (typeof value !== "object" || Array.isArray(value)) throw new ConfigError(`Config file ${file}: '${key}' must be a mapping of settings, e.g. ${key}: { ${Object.keys(group)[0]}: ... }.`);
    for (const member of Object.keys(value)) {
      if (!(member in group)) throw new ConfigError(`Config file ${file}: unknown setting '${key}.${member}'. Known settings in ${key}: ${Object.keys(group).join(", ")}.`);
    }
  }
  return parsed as Partial<BerthConfig>;
}

const copiesKeys = new Set<keyof CopiesConfig>(["user", "dir"]);

function checkCopies(raw: Partial<CopiesConfig>): CopiesConfig {
  const user = String(raw.user ?? defaultCopyUser);
  if (!/^([a-z_][a-z0-9_-]*\$?|\d+(:\d+)?)$/i.test(user)) {
    throw new ConfigError(`copies.user must be a user name (e.g. ${defaultCopyUser}) or uid[:gid] (e.g. 65534:65534), got '${user}'.`);
  }
  return { user, dir: raw.dir === undefined || raw.dir === null || raw.dir === "" ? undefined : resolve(String(raw.dir)) };
}

/** Settings groups (auth, tls, ...): defaults that are mappings with named members. */
function groupDefaults(key: string): Record<string, unknown> | undefined {
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
  if (!(invokeTimeoutSeconds > 0 && invokeTimeoutSeconds <= 3600)) throw new ConfigError(`invokeTimeoutSeconds must be a number of seconds above 0 and at most 3600.`);
  const scalingPeriodSeconds = parseDuration(raw.scalingPeriodSeconds, "scalingPeriodSeconds");
  const metricRetentionSeconds = parseDuration(raw.metricRetentionSeconds, "metricRetentionSeconds");
  const instanceIdleReleaseSeconds = parseDuration(raw.instanceIdleReleaseSeconds, "instanceIdleReleaseSeconds");
  const holdSeconds = parseDuration(raw.holdSeconds, "holdSeconds");
  const holdQueueSize = Number(raw.holdQueueSize);
  if (!Number.isInteger(holdQueueSize) || holdQueueSize < 0) throw new ConfigError(`holdQueueSize must be a whole number of 0 or more, got '${raw.holdQueueSize}'.`);
  const host = String(raw.host);
  const auth = checkAuth(raw.auth as Record<string, unknown>, host);
  const tls = checkTls(raw.tls as Record<string, unknown>);
  const quotas = checkQuotas({ ...defaultQuotas, ...(raw.quotas as Partial<QuotaConfig> | undefined) });
  return {
    host,
    port,
    dataDir: resolve(String(raw.dataDir)),
    region,
    accountId,
    logLevel: String(raw.logLevel),
    logFormat,
    maxApiBodyBytes,
    memoryHeadroomFraction: headroom,
    images: (raw.images ?? {}) as Record<string, ImageCommand>,
    instanceTypes: (raw.instanceTypes ?? []) as InstanceTypeSpec[],
    invokeTimeoutSeconds,
    scalingPeriodSeconds,
    metricRetentionSeconds,
    instanceIdleReleaseSeconds,
    holdSeconds,
    holdQueueSize,
    limits: checkLimits(raw.limits),
    artifacts: checkArtifactSettings(raw.artifacts),
    copies: checkCopies((raw.copies ?? {}) as Partial<CopiesConfig>),
    auth,
    tls,
    quotas,
  };
}

function checkArtifactSettings(raw: unknown): ArtifactSettings {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new ConfigError(`artifacts must be a mapping of settings, e.g. "artifacts: { localRoots: [/srv/models] }".`);
  const known = new Set(Object.keys(defaultArtifactSettings));
  for (const key of Object.keys(raw)) if (!known.has(key)) throw new ConfigError(`unknown setting 'artifacts.${key}'. Known artifacts settings: ${[...known].join(", ")}.`);
  const merged = { ...defaultArtifactSettings, ...(raw as Partial<ArtifactSettings>) };
  const strings = (name: keyof ArtifactSettings, value: unknown) => {
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v !== "")) throw new ConfigError(`artifacts.${name} must be a list of non-empty strings.`);
    return value as string[];
  };
  const count = (name: keyof ArtifactSettings) => {
    const value = Number(merged[name]);
    if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(`artifacts.${name} must be a whole number of at least 1, got '${merged[name]}'.`);
    return value;
  };
  const localRoots = strings("localRoots", merged.localRoots).map((root) => resolve(root));
  const allowedHosts = strings("allowedHosts", merged.allowedHosts).map((host) => host.toLowerCase());
  if (typeof merged.allowPrivateNetworks !== "boolean") throw new ConfigError(`artifacts.allowPrivateNetworks must be true or false.`);
  return {
    localRoots,
    allowedHosts,
    allowPrivateNetworks: merged.allowPrivateNetworks,
    maxDownloadBytes: count("maxDownloadBytes"),
    maxUnpackedBytes: count("maxUnpackedBytes"),
    maxFiles: count("maxFiles"),
  };
}

function checkAuth(raw: Record<string, unknown>, host: string): AuthConfig {
  if (typeof raw.enabled !== "boolean") throw new ConfigError(`auth.enabled must be true or false, got '${raw.enabled}'.`);
  const allowedHosts = raw.allowedHosts;
  if (!Array.isArray(allowedHosts) || allowedHosts.some((h) => typeof h !== "string" || h === "")) throw new ConfigError(`auth.allowedHosts must be a list of host names, e.g. [berth.internal].`);
  const clockSkewSeconds = parseDuration(raw.clockSkewSeconds, "auth.clockSkewSeconds");
  if (clockSkewSeconds > 3600) throw new ConfigError(`auth.clockSkewSeconds must be at most 3600 (AWS allows 300), got '${raw.clockSkewSeconds}'.`);
  if (!raw.enabled && !isLoopback(host)) {
    throw new ConfigError(
      `refusing to listen on ${host} without authentication: anyone who can reach that address could create endpoints and run model servers on this machine. ` +
        `Drop --insecure-no-auth (auth.enabled: false) and give clients a key from 'berth keys create', or listen on 127.0.0.1.`,
    );
  }
  return { enabled: raw.enabled, allowedHosts: allowedHosts as string[], clockSkewSeconds };
}

function checkTls(raw: Record<string, unknown>): TlsConfig {
  const cert = raw.cert === undefined || raw.cert === null || raw.cert === "" ? undefined : String(raw.cert);
  const key = raw.key === undefined || raw.key === null || raw.key === "" ? undefined : String(raw.key);
  if ((cert === undefined) !== (key === undefined)) throw new ConfigError("tls.cert and tls.key (--tls-cert, --tls-key) must be given together: the certificate and its private key, as PEM files.");
  for (const [name, file] of [["tls.cert", cert], ["tls.key", key]] as const) {
    if (file !== undefined && !existsSync(file)) throw new ConfigError(`${name} file ${file} does not exist. Give the path of a PEM file.`);
  }
  return cert && key ? { cert: resolve(cert), key: resolve(key) } : {};
}

/** Loopback addresses and the name localhost: only this machine can reach them. */
export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  return ipaddr.isValid(host) && ipaddr.process(host).range() === "loopback";
}

function checkQuotas(raw: Record<string, unknown>): QuotaConfig {
  const whole = (name: keyof QuotaConfig) => {
    const value = Number(raw[name]);
    if (!Number.isInteger(value) || value < 1 || value > 1_000_000) throw new ConfigError(`quotas.${name} must be a whole number from 1 to 1000000, got '${raw[name]}'.`);
    return value;
  };
  return { maxInstancesPerEndpoint: whole("maxInstancesPerEndpoint"), maxCopiesPerComponent: whole("maxCopiesPerComponent") };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Seconds as a number, or a string such as "500ms", "1s", "2m", "1h". */
export function parseDuration(value: unknown, name: string): number {
  if (typeof value === "number" && value > 0) return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(String(value));
  const amount = match ? Number(match[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[(match[2] ?? "s") as "ms" | "s" | "m" | "h"] : NaN;
  if (!(amount > 0)) throw new ConfigError(`${name} must be a duration such as 60, "1s", "500ms" or "2m", got '${value}'.`);
  return amount;
}
