import type { AlarmState } from "./types.js";
import { utcTime } from "./utc-time.js";

/**
 * One evaluation of a metric alarm, as a pure function: the alarm's settings, one datapoint or
 * undefined (missing) per period of the evaluation window (oldest first), the state before, and now.
 * No I/O and no clock.
 *
 * Rules (CloudWatch's, where Berth had to choose they are noted):
 * - ALARM when at least DatapointsToAlarm (M, default EvaluationPeriods = N) periods breach.
 * - TreatMissingData: `breaching`/`notBreaching` count missing periods as breaching/not breaching;
 *   `missing` (default) leaves them out: OK if any datapoint exists and fewer than M breach,
 *   INSUFFICIENT_DATA when all are missing; `ignore` leaves them out too, and keeps the previous state
 *   whenever the datapoints present cannot decide (all missing, or fewer than M breaching while the
 *   missing ones could still make M).
 */
export type ComparisonOperator = "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";

export interface EvaluationConfig {
  ComparisonOperator: ComparisonOperator;
  Threshold: number;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  TreatMissingData?: string;
  /** For StateReasonData: the statistic (or "expression") and the period in API seconds. */
  Statistic?: string;
  Period?: number;
}

export interface EvaluatedDatapoint {
  /** Start of the period, epoch ms. */
  timestamp: number;
  value: number;
  sampleCount?: number;
}

export interface EvaluationWindow {
  /** Start of the first (oldest) period of the window, epoch ms: gives missing periods a timestamp. */
  startMs: number;
  periodMs: number;
}

export interface ValueAggregates {
  Average: number;
  Minimum: number;
  Maximum: number;
}

export interface EvaluationResult {
  state: AlarmState;
  reason: string;
  /** JSON, in CloudWatch's StateReasonData layout. */
  reasonData: string;
  /** The datapoints that decided the state (breaching for ALARM, not breaching for OK), aggregated. */
  value?: ValueAggregates;
  breaching: number;
}

const operatorText: Record<ComparisonOperator, string> = {
  GreaterThanOrEqualToThreshold: "greater than or equal to",
  GreaterThanThreshold: "greater than",
  LessThanThreshold: "less than",
  LessThanOrEqualToThreshold: "less than or equal to",
};

export function breaches(operator: ComparisonOperator, value: number, threshold: number): boolean {
  switch (operator) {
    case "GreaterThanOrEqualToThreshold":
      return value >= threshold;
    case "GreaterThanThreshold":
      return value > threshold;
    case "LessThanThreshold":
      return value < threshold;
    case "LessThanOrEqualToThreshold":
      return value <= threshold;
  }
}

export function evaluateAlarm(
  config: EvaluationConfig,
  datapoints: (EvaluatedDatapoint | undefined)[],
  previousState: AlarmState,
  now: number,
  window?: EvaluationWindow,
): EvaluationResult {
  const n = datapoints.length;
  const m = Math.min(Math.max(1, config.DatapointsToAlarm ?? n), Math.max(1, n));
  const treat = config.TreatMissingData ?? "missing";
  const present = datapoints.filter((d): d is EvaluatedDatapoint => d !== undefined);
  const breachingPoints = present.filter((d) => breaches(config.ComparisonOperator, d.value, config.Threshold));
  const okPoints = present.filter((d) => !breaches(config.ComparisonOperator, d.value, config.Threshold));
  const missing = n - present.length;
  const filledBreaching = treat === "breaching" ? missing : 0;
  const filledOk = treat === "notBreaching" ? missing : 0;
  const breaching = breachingPoints.length + filledBreaching;
  const undecided = treat === "missing" || treat === "ignore" ? missing : 0;

  let state: AlarmState;
  if (breaching >= m) state = "ALARM";
  else if (present.length + filledOk + filledBreaching === 0) state = treat === "ignore" ? previousState : "INSUFFICIENT_DATA";
  else if (treat === "ignore" && breaching + undecided >= m) state = previousState;
  else state = "OK";

  const kept = state === previousState && treat === "ignore" && missing > 0 && breaching < m;
  const value = kept || state === "INSUFFICIENT_DATA" ? undefined : aggregate(state === "ALARM" ? breachingPoints : okPoints);
  // The texts cost more than the decision, and only a change of state stores them: they are built when read.
  let texts: { reason: string; reasonData: string } | undefined;
  const explain = () =>
    (texts ??= {
      reasonData: reasonData(config, datapoints, now, window),
      reason: stateReason({ config, state, previousState, n, m, missing, kept, breachingPoints, okPoints, filledBreaching, filledOk }),
    });
  return {
    state,
    breaching,
    value,
    get reason() {
      return explain().reason;
    },
    get reasonData() {
      return explain().reasonData;
    },
  };
}

interface ReasonInput {
  config: EvaluationConfig;
  state: AlarmState;
  previousState: AlarmState;
  n: number;
  m: number;
  missing: number;
  kept: boolean;
  breachingPoints: EvaluatedDatapoint[];
  okPoints: EvaluatedDatapoint[];
  filledBreaching: number;
  filledOk: number;
}

function stateReason({ config, state, previousState, n, m, missing, kept, breachingPoints, okPoints, filledBreaching, filledOk }: ReasonInput): string {
  if (kept)
    return `Missing data ignored: ${missing} of the last ${n} datapoint${plural(n)} ${missing === 1 ? "was" : "were"} missing, so the state stays ${state}.`;
  if (state === "INSUFFICIENT_DATA") return `Insufficient Data: ${n} datapoint${plural(n)} ${n === 1 ? "was" : "were"} unknown.`;
  const op = operatorText[config.ComparisonOperator];
  const threshold = formatValue(config.Threshold);
  if (state === "ALARM") {
    const minimum = `(minimum ${m} datapoint${plural(m)} for ${previousState} -> ALARM transition)`;
    return crossed(breachingPoints, n, `${op} the threshold (${threshold})`, filledBreaching, "Breaching", minimum);
  }
  const needed = n - m + 1;
  const minimum = `(minimum ${needed} datapoint${plural(needed)} for ${previousState} -> OK transition)`;
  return crossed(okPoints, n, `not ${op} the threshold (${threshold})`, filledOk, "NonBreaching", minimum);
}

/** "Threshold Crossed: 1 out of the last 1 datapoints [5.0 (28/11/26 01:00:00)] was greater than or equal to the threshold (1.0) (...)." */
function crossed(points: EvaluatedDatapoint[], n: number, comparison: string, filled: number, filledAs: string, minimum: string): string {
  const filledText = `${filled} missing datapoint${plural(filled)} ${filled === 1 ? "was" : "were"} treated as [${filledAs}]`;
  if (points.length === 0) return `Threshold Crossed: no datapoints were received for ${filled} period${plural(filled)} and ${filledText} ${minimum}.`;
  const listed = [...points].sort((a, b) => b.timestamp - a.timestamp).map((p) => `${formatValue(p.value)} (${formatTime(p.timestamp)})`);
  const verb = points.length === 1 ? "was" : "were";
  const also = filled > 0 ? ` and ${filledText}` : "";
  return `Threshold Crossed: ${points.length} out of the last ${n} datapoints [${listed.join(", ")}] ${verb} ${comparison}${also} ${minimum}.`;
}

function aggregate(points: EvaluatedDatapoint[]): ValueAggregates | undefined {
  if (points.length === 0) return undefined;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const p of points) {
    sum += p.value;
    if (p.value < min) min = p.value;
    if (p.value > max) max = p.value;
  }
  return { Average: sum / points.length, Minimum: min, Maximum: max };
}

function reasonData(config: EvaluationConfig, datapoints: (EvaluatedDatapoint | undefined)[], now: number, window: EvaluationWindow | undefined): string {
  const timeOf = (i: number): number | undefined => datapoints[i]?.timestamp ?? (window ? window.startMs + i * window.periodMs : undefined);
  const evaluated: Record<string, unknown>[] = [];
  for (let i = datapoints.length - 1; i >= 0; i--) {
    const at = timeOf(i);
    const point = datapoints[i];
    const entry: Record<string, unknown> = {};
    if (at !== undefined) entry.timestamp = isoTime(at);
    if (point?.sampleCount !== undefined) entry.sampleCount = point.sampleCount;
    if (point) entry.value = point.value;
    evaluated.push(entry);
  }
  const start = timeOf(0);
  return JSON.stringify({
    version: "1.0",
    queryDate: isoTime(now),
    startDate: start === undefined ? undefined : isoTime(start),
    statistic: config.Statistic,
    period: config.Period,
    recentDatapoints: datapoints.filter((d): d is EvaluatedDatapoint => d !== undefined).map((d) => d.value),
    threshold: config.Threshold,
    evaluatedDatapoints: evaluated,
  });
}

function plural(count: number): string {
  return count === 1 ? "" : "s";
}

/** Numbers as CloudWatch prints them in reasons: 5.0, 0.25, 1200.0. */
export function formatValue(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** dd/MM/yy HH:mm:ss in UTC, CloudWatch's reason format. */
export function formatTime(ms: number): string {
  const t = utcTime(ms);
  return `${pad(t.day)}/${pad(t.month)}/${pad(t.year % 100)} ${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
}

/** 2026-11-28T01:00:00.000+0000, CloudWatch's StateReasonData format. */
function isoTime(ms: number): string {
  const t = utcTime(ms);
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}.${pad(t.millisecond, 3)}+0000`;
}

function pad(n: number, digits = 2): string {
  return String(n).padStart(digits, "0");
}
