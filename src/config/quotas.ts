import { ConfigError } from "./errors.js";

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

export function checkQuotas(raw: Record<string, unknown>): QuotaConfig {
  const whole = (name: keyof QuotaConfig) => {
    const value = Number(raw[name]);
    if (!Number.isInteger(value) || value < 1 || value > 1_000_000)
      throw new ConfigError(`quotas.${name} must be a whole number from 1 to 1000000, got '${raw[name]}'.`);
    return value;
  };
  return { maxInstancesPerEndpoint: whole("maxInstancesPerEndpoint"), maxCopiesPerComponent: whole("maxCopiesPerComponent") };
}
