import type { FieldPath, Fields } from "./fields.js";
import { describeValue } from "../errors.js";
import type { LatencyProfile, ScalingPolicy, SloMeasure, StartupSpec } from "./types.js";

export const defaultLoadGBps = 2;
export const defaultFixedStartupS = 30;
export const defaultCooldownS = 300;

const tokenFields = ["firstTokenMs", "perOutputTokenMs", "perInputTokenMs"];

/** One request's service (fixedMs, firstTokenMs): an hour, SageMaker's longest (asynchronous) invocation. */
export const maxRequestMs = 3_600_000;
/** Per token (perOutputTokenMs, perInputTokenMs): 10 s, slower than any served model. */
export const maxPerTokenMs = 10_000;
/**
 * Copies of one model: the copies-per-component quota Berth's own cluster benchmark runs the server with
 * (its default is 100, raised in the quotas settings). The engine places and tracks every copy.
 */
export const maxCopiesPerModel = 1_000;
const requestRule = { min: 0, max: maxRequestMs, maxMeans: "an hour, SageMaker's longest invocation" };
const perTokenRule = { min: 0, max: maxPerTokenMs, maxMeans: "10 s a token" };
const fixedFields = ["fixedMs", "useTraceDuration"];
const scalingFields = [
  "minCopies",
  "maxCopies",
  "targetInvocationsPerCopy",
  "targetConcurrencyPerCopy",
  "scaleInCooldownS",
  "scaleOutCooldownS",
  "scaleToZero",
];

/** startup: { loadGBps?, fixedSeconds? } (load time from sizeGB) or startupSeconds: n, not both. */
export function readStartup(f: Fields, path: FieldPath, m: Record<string, unknown>, sizeGB: number | undefined): StartupSpec | undefined {
  if (m.startupSeconds !== undefined) {
    if (m.startup !== undefined) return f.fail([...path, "startup"], "give either startup or startupSeconds, not both");
    const seconds = f.number([...path, "startupSeconds"], m.startupSeconds, { min: 0 });
    return seconds === undefined ? undefined : { seconds, loadGBps: null, fixedSeconds: seconds };
  }
  const s = m.startup === undefined ? {} : f.mapping([...path, "startup"], m.startup, ["loadGBps", "fixedSeconds"]);
  if (!s) return undefined;
  const loadGBps = s.loadGBps === undefined ? defaultLoadGBps : f.number([...path, "startup", "loadGBps"], s.loadGBps, { above: 0 });
  const fixedSeconds = s.fixedSeconds === undefined ? defaultFixedStartupS : f.number([...path, "startup", "fixedSeconds"], s.fixedSeconds, { min: 0 });
  if (sizeGB === undefined) {
    if (m.sizeGB !== undefined || m.catalogModel !== undefined) return undefined;
    return f.fail(path, "cannot work out the startup time: give sizeGB or catalogModel (load time = sizeGB / loadGBps), or set startupSeconds");
  }
  if (loadGBps === undefined || fixedSeconds === undefined) return undefined;
  return { seconds: fixedSeconds + sizeGB / loadGBps, loadGBps, fixedSeconds };
}

/**
 * Token traces: { firstTokenMs, perOutputTokenMs, perInputTokenMs? }; others: { fixedMs, useTraceDuration?, firstTokenMs? },
 * where firstTokenMs is the part of each response before its first token (an LLM's prefill).
 */
export function readLatency(f: Fields, path: FieldPath, value: unknown): LatencyProfile | undefined {
  if (value === undefined) return undefined;
  const l = f.mapping(path, value, [...tokenFields, ...fixedFields]);
  if (!l) return undefined;
  const usesFixed = fixedFields.some((k) => l[k] !== undefined);
  const usesTokens = tokenFields.some((k) => l[k] !== undefined && !(usesFixed && k === "firstTokenMs"));
  if (usesTokens && usesFixed) return f.fail(path, "mixes a token profile (perOutputTokenMs, perInputTokenMs) with fixedMs/useTraceDuration; keep one of them");
  if (!usesTokens && !usesFixed) return f.fail(path, "needs firstTokenMs and perOutputTokenMs (token traces), or fixedMs");
  const ms = (key: string, required: string | undefined): number | undefined => {
    const raw = required === undefined ? (l[key] ?? 0) : f.required(path, l, key, required);
    return raw === undefined ? undefined : f.number([...path, key], raw, key.startsWith("per") ? perTokenRule : requestRule);
  };
  if (usesFixed) {
    const fixedMs = ms("fixedMs", "service time of one request in milliseconds");
    const useTraceDuration = l.useTraceDuration === undefined ? false : f.boolean([...path, "useTraceDuration"], l.useTraceDuration);
    const firstTokenMs =
      l.firstTokenMs === undefined ? undefined : f.number([...path, "firstTokenMs"], l.firstTokenMs, { min: 0, max: fixedMs ?? maxRequestMs });
    if (fixedMs === undefined || useTraceDuration === undefined || (l.firstTokenMs !== undefined && firstTokenMs === undefined)) return undefined;
    return { kind: "fixed", fixedMs, useTraceDuration, ...(firstTokenMs !== undefined && { firstTokenMs }) };
  }
  const firstTokenMs = ms("firstTokenMs", "time to the first output token in milliseconds");
  const perOutputTokenMs = ms("perOutputTokenMs", "time per further output token in milliseconds");
  const perInputTokenMs = ms("perInputTokenMs", undefined);
  if (firstTokenMs === undefined || perOutputTokenMs === undefined || perInputTokenMs === undefined) return undefined;
  return { kind: "tokens", firstTokenMs, perOutputTokenMs, perInputTokenMs };
}

/** The model's `slo` (ttft or e2e); by default ttft when the latency profile gives a first-token time (an LLM), else e2e. */
export function readSloMeasure(f: Fields, path: FieldPath, value: unknown, latency: LatencyProfile | undefined): SloMeasure | undefined {
  const hasFirstToken = latency !== undefined && (latency.kind === "tokens" || latency.firstTokenMs !== undefined);
  if (value === undefined) return hasFirstToken ? "ttft" : "e2e";
  if (value !== "ttft" && value !== "e2e") return f.fail(path, `must be ttft (time to first token) or e2e (end to end), found ${describeValue(value)}`);
  if (value === "ttft" && latency && !hasFirstToken)
    return f.fail(
      path,
      "is ttft, but the latency profile gives no time to the first token; add latency.firstTokenMs (the part of fixedMs before the first token)",
    );
  return value;
}

export function readScaling(f: Fields, path: FieldPath, value: unknown, concurrency: number): ScalingPolicy | undefined {
  if (value === undefined) return undefined;
  const s = f.mapping(path, value, scalingFields);
  if (!s) return undefined;
  const at = (key: string): FieldPath => [...path, key];
  const scaleToZeroGiven = s.scaleToZero === undefined ? undefined : f.boolean(at("scaleToZero"), s.scaleToZero);
  const copiesRule = { max: maxCopiesPerModel, maxMeans: "copies per model" };
  const minCopies = s.minCopies === undefined ? (scaleToZeroGiven ? 0 : 1) : f.number(at("minCopies"), s.minCopies, { whole: true, min: 0, ...copiesRule });
  const scaleToZero = scaleToZeroGiven ?? minCopies === 0;
  if (minCopies !== undefined && scaleToZeroGiven !== undefined && scaleToZero !== (minCopies === 0)) {
    f.fail(
      at("minCopies"),
      scaleToZero ? `must be 0 when scaleToZero is true, found ${minCopies}` : "is 0, which needs scaleToZero: true (or leave scaleToZero out)",
    );
  }
  const maxCopies = f.number(at("maxCopies"), f.required(path, s, "maxCopies", "the most copies autoscaling may run"), {
    whole: true,
    min: Math.max(1, minCopies ?? 1),
    ...copiesRule,
  });
  if (s.targetInvocationsPerCopy !== undefined && s.targetConcurrencyPerCopy !== undefined) {
    f.fail(at("targetConcurrencyPerCopy"), "give either targetInvocationsPerCopy or targetConcurrencyPerCopy, not both");
  }
  const target: ScalingPolicy["target"] | undefined =
    s.targetInvocationsPerCopy !== undefined
      ? wrap("invocationsPerCopy", f.number(at("targetInvocationsPerCopy"), s.targetInvocationsPerCopy, { above: 0 }))
      : wrap(
          "concurrencyPerCopy",
          s.targetConcurrencyPerCopy === undefined ? concurrency : f.number(at("targetConcurrencyPerCopy"), s.targetConcurrencyPerCopy, { above: 0 }),
        );
  const cooldown = (key: string): number | undefined => (s[key] === undefined ? defaultCooldownS : f.number(at(key), s[key], { min: 0 }));
  const scaleInCooldownS = cooldown("scaleInCooldownS");
  const scaleOutCooldownS = cooldown("scaleOutCooldownS");
  if (minCopies === undefined || maxCopies === undefined || !target || scaleInCooldownS === undefined || scaleOutCooldownS === undefined) return undefined;
  return { minCopies, maxCopies, target, scaleInCooldownS, scaleOutCooldownS, scaleToZero };
}

function wrap(metric: ScalingPolicy["target"]["metric"], value: number | undefined): ScalingPolicy["target"] | undefined {
  return value === undefined ? undefined : { metric, value };
}
