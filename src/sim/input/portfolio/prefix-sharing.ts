import { describeValue } from "../errors.js";
import type { FieldPath, Fields } from "./fields.js";
import type { LatencyProfile, PrefixSharing, RoutingStrategy, SloMeasure } from "./types.js";

export const routingStrategies: readonly RoutingStrategy[] = ["LEAST_OUTSTANDING_REQUESTS", "RANDOM", "PREFIX_AWARE"];
const sharingFields = ["requestShare", "prefillShare", "prefixes", "cachedPerCopy"];

/** The model's routing (a variant's RoutingConfig.RoutingStrategy); default LEAST_OUTSTANDING_REQUESTS, the router's own. */
export function readRouting(f: Fields, path: FieldPath, value: unknown): RoutingStrategy | undefined {
  if (value === undefined) return "LEAST_OUTSTANDING_REQUESTS";
  if (routingStrategies.includes(value as RoutingStrategy)) return value as RoutingStrategy;
  return f.fail(path, `must be one of ${routingStrategies.join(", ")}, found ${describeValue(value)}`);
}

/**
 * prefixSharing: { requestShare, prefillShare, prefixes, cachedPerCopy }: the part of requests that start with one
 * of `prefixes` shared prefixes (a system prompt), the part of their prefill that prefix is (saved on a copy that has
 * it cached), and how many prefixes one copy's cache keeps. Absent: no request shares a prefix.
 */
export function readPrefixSharing(
  f: Fields,
  path: FieldPath,
  value: unknown,
  latency: LatencyProfile | undefined,
  slo: SloMeasure | undefined,
): PrefixSharing | undefined | null {
  if (value === undefined) return undefined;
  const s = f.mapping(path, value, sharingFields);
  if (!s) return null;
  const at = (key: string): FieldPath => [...path, key];
  const requestShare = f.number(at("requestShare"), f.required(path, s, "requestShare", "the part of requests, 0 to 1, that start with a shared prefix"), {
    min: 0,
    max: 1,
  });
  const prefillShare = f.number(at("prefillShare"), f.required(path, s, "prefillShare", "the part, 0 to 1, of such a request's prefill that is the prefix"), {
    min: 0,
    max: 1,
  });
  const prefixes = s.prefixes === undefined ? 1 : f.number(at("prefixes"), s.prefixes, { whole: true, min: 1 });
  const cachedPerCopy = s.cachedPerCopy === undefined ? 4 : f.number(at("cachedPerCopy"), s.cachedPerCopy, { whole: true, min: 1 });
  if (latency && slo === "e2e") {
    return f.fail(path, "needs the model's time to first token (its prefill): give the latency profile a firstTokenMs and set slo: ttft") ?? null;
  }
  if (requestShare === undefined || prefillShare === undefined || prefixes === undefined || cachedPerCopy === undefined) return null;
  return { requestShare, prefillShare, prefixes, cachedPerCopy };
}
