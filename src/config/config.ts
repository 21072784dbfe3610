import { readFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { InstanceTypeSpec } from "../domain/catalog/instance-type.js";

export interface ImageCommand {
  /** Command line run for a copy of this image; {port} and {modelDir} are replaced. */
  command: string[];
  env?: Record<string, string>;
}

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
  /** Hard limits on counts a request (or an older stored record) may ask for. */
  quotas: QuotaConfig;
}

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

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Settings come from, lowest first: defaults, the config file, BERTH_* environment variables, command-line flags. */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; flags?: Partial<BerthConfig> } = {}): BerthConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.BERTH_CONFIG;
  let fromFile: Partial<BerthConfig> = {};
  if (file) {
    if (!existsSync(file)) throw new ConfigError(`Config file ${file} does not exist. Check --config or BERTH_CONFIG.`);
    fromFile = readConfigFile(file);
  }
  const fromEnv: Partial<Record<keyof BerthConfig, unknown>> = {};
  for (const [name, key] of Object.entries(envNames)) if (env[name] !== undefined && env[name] !== "") fromEnv[key] = env[name];
  const merged = { ...defaultConfig, ...fromFile, ...fromEnv, ...stripUndefined(options.flags ?? {}) } as Record<string, unknown>;
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
  }
  const quotas = (parsed as Record<string, unknown>).quotas;
  if (quotas !== undefined) {
    if (typeof quotas !== "object" || quotas === null || Array.isArray(quotas)) throw new ConfigError(`Config file ${file}: quotas must be a mapping, e.g. "quotas: { maxInstancesPerEndpoint: 8 }".`);
    const knownQuotas = Object.keys(defaultQuotas);
    for (const key of Object.keys(quotas)) {
      if (!knownQuotas.includes(key)) throw new ConfigError(`Config file ${file}: unknown setting 'quotas.${key}'. Known quotas: ${knownQuotas.join(", ")}.`);
    }
  }
  return parsed as Partial<BerthConfig>;
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
  const quotas = checkQuotas({ ...defaultQuotas, ...(raw.quotas as Partial<QuotaConfig> | undefined) });
  return {
    host: String(raw.host),
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
    quotas,
  };
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
