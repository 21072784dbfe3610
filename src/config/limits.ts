import { ConfigError } from "./errors.js";

/** Hard limits that keep one request, or many, from exhausting the server (config group `limits`). */
export interface LimitsConfig {
  /** Bytes of request and non-streaming response bodies the router holds in memory at once, all requests together. */
  bufferedBodyBudgetBytes: number;
}

/** SageMaker's 6 MB payload limit: a smaller budget could never admit a full-size request. */
const smallestBudget = 6 * 1024 * 1024;

export const defaultLimits: LimitsConfig = {
  bufferedBodyBudgetBytes: 256 * 1024 * 1024,
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
  return { bufferedBodyBudgetBytes: budget };
}
