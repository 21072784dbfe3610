import { ConfigError } from "./errors.js";

/** Hard limits that keep one request, or many, from exhausting the server (config group `limits`). */
export interface LimitsConfig {
  /** Bytes of request and non-streaming response bodies the router holds in memory at once, all requests together. */
  bufferedBodyBudgetBytes: number;
  /**
   * Distinct metric series PutMetricData may have created that the metrics store holds at once (each replica its
   * own). Berth's own series (AWS/SageMaker and the /aws/sagemaker/ namespaces it records) do not count.
   */
  maxCustomMetricSeries: number;
}

/** SageMaker's 6 MB payload limit: a smaller budget could never admit a full-size request. */
const smallestBudget = 6 * 1024 * 1024;

export const defaultLimits: LimitsConfig = {
  bufferedBodyBudgetBytes: 256 * 1024 * 1024,
  // 1.9 KB of heap, 3-4 KB resident, per series of 5 dimensions with 100-character values: about 170 MiB at the limit (README).
  maxCustomMetricSeries: 50_000,
};

/** The `limits` group from the merged settings: missing keys take their defaults, unknown keys are refused. */
export function checkLimits(raw: unknown): LimitsConfig {
  if (raw === undefined || raw === null) return { ...defaultLimits };
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new ConfigError(`limits must be a mapping of settings, e.g. "limits: { bufferedBodyBudgetBytes: 268435456 }".`);
  const known = Object.keys(defaultLimits);
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) throw new ConfigError(`limits: unknown setting '${key}'. Known settings: ${known.join(", ")}.`);
  }
  const merged = { ...defaultLimits, ...(raw as Partial<LimitsConfig>) };
  const budget = Number(merged.bufferedBodyBudgetBytes);
  if (!Number.isSafeInteger(budget) || budget < smallestBudget) {
    throw new ConfigError(
      `limits.bufferedBodyBudgetBytes must be a whole number of bytes, at least ${smallestBudget} (one full 6 MB request), got '${merged.bufferedBodyBudgetBytes}'.`,
    );
  }
  const series = Number(merged.maxCustomMetricSeries);
  if (!Number.isSafeInteger(series) || series < 0) {
    throw new ConfigError(
      `limits.maxCustomMetricSeries must be a whole number of series, 0 or more (0 refuses every new PutMetricData series), got '${merged.maxCustomMetricSeries}'.`,
    );
  }
  return { bufferedBodyBudgetBytes: budget, maxCustomMetricSeries: series };
}
