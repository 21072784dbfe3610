import { cloudWatchErrors } from "../../domain/errors/cloudwatch.js";
import type { Aggregate, CustomSample, MetricId } from "../../metrics/types.js";
import type { CloudWatchDeps } from "./deps.js";
import { checkDimensions, checkNoControlCharacters, type DimensionsInput } from "./metric-input.js";

const maxMetricData = 1000;
const maxValuesPerDatum = 150;
/** CloudWatch's documented bound on every datapoint value; it keeps 150 values times their counts far from overflowing a double. */
const maxMagnitude = 2 ** 360;

export interface MetricDatum {
  MetricName: string;
  Dimensions?: DimensionsInput;
  Timestamp?: number;
  Value?: number;
  StatisticValues?: { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
  Values?: number[];
  Counts?: number[];
  Unit?: string;
  StorageResolution?: number;
}

export interface PutMetricDataInput {
  Namespace: string;
  MetricData?: MetricDatum[];
  EntityMetricData?: { MetricData?: MetricDatum[] }[];
}

/**
 * Custom metrics. Every datum is checked before any is written, so a refused request records nothing.
 * Timestamps may lie up to the retention in the past and 2 API hours in the future. The series the
 * request would create are counted against limits.maxCustomMetricSeries before anything is written too:
 * over it, the whole request is refused (LimitExceededException).
 */
export async function putMetricData(deps: CloudWatchDeps, input: PutMetricDataInput): Promise<Record<string, never>> {
  if (input.Namespace.startsWith("AWS/")) throw cloudWatchErrors.reservedNamespace(input.Namespace);
  checkNoControlCharacters(input.Namespace, "Namespace");
  const data = [...(input.MetricData ?? []), ...(input.EntityMetricData ?? []).flatMap((e) => e.MetricData ?? [])];
  if (data.length === 0) throw cloudWatchErrors.missingParameter(["MetricData"]);
  if (data.length > maxMetricData) throw cloudWatchErrors.tooManyData(data.length, maxMetricData);
  const now = deps.clock.now();
  const samples = data.map((datum, i) => checkDatum(deps, input.Namespace, datum, i + 1, now));
  const refusal = deps.writer.recordCustom(samples);
  if (refusal) throw cloudWatchErrors.tooManySeries(refusal, Math.round(deps.timeScale.apiSeconds(deps.retentionMs)));
  return {};
}

function checkDatum(deps: CloudWatchDeps, namespace: string, datum: MetricDatum, index: number, now: number): CustomSample {
  const given = [datum.Value !== undefined, datum.Values !== undefined, datum.StatisticValues !== undefined].filter(Boolean).length;
  if (given > 1) throw cloudWatchErrors.valueAndValues(index);
  if (given === 0) throw cloudWatchErrors.datumWithoutValue(index);
  checkDimensions(datum.Dimensions, `MetricData.member.${index}.Dimensions`);
  const atMs = datum.Timestamp === undefined ? now : datum.Timestamp * 1000;
  if (atMs < now - deps.retentionMs)
    throw cloudWatchErrors.timestampOutOfRange(
      index,
      `older than the metric retention (${Math.round(deps.timeScale.apiSeconds(deps.retentionMs))} API seconds)`,
    );
  if (atMs > now + deps.timeScale.ms(2 * 3600)) throw cloudWatchErrors.timestampOutOfRange(index, "more than 2 hours (API time) in the future");
  const metric: MetricId = { namespace, name: datum.MetricName, dimensions: datum.Dimensions ?? [] };
  const base = { metric, atMs, unit: datum.Unit };
  const where = `MetricData.member.${index}`;
  if (datum.Value !== undefined) {
    checkValue(datum.Value, `${where}.Value`);
    return { ...base, single: datum.Value, aggregate: { sum: datum.Value, count: 1, min: datum.Value, max: datum.Value } };
  }
  if (datum.StatisticValues) {
    const s = datum.StatisticValues;
    for (const field of ["SampleCount", "Sum", "Minimum", "Maximum"] as const) checkValue(s[field], `${where}.StatisticValues.${field}`);
    if (!(s.SampleCount > 0)) throw cloudWatchErrors.badStatisticSet(index, "SampleCount must be above 0");
    if (s.Minimum > s.Maximum) throw cloudWatchErrors.badStatisticSet(index, `Minimum (${s.Minimum}) is above Maximum (${s.Maximum})`);
    return { ...base, aggregate: { sum: s.Sum, count: s.SampleCount, min: s.Minimum, max: s.Maximum } };
  }
  const values = datum.Values!;
  if (values.length > maxValuesPerDatum) throw cloudWatchErrors.tooManyValues(index, values.length, maxValuesPerDatum);
  if (datum.Counts !== undefined && datum.Counts.length !== values.length) throw cloudWatchErrors.countsMismatch(index, values.length, datum.Counts.length);
  values.forEach((v, i) => checkValue(v, `${where}.Values.member.${i + 1}`));
  datum.Counts?.forEach((c, i) => checkValue(c, `${where}.Counts.member.${i + 1}`, true));
  const aggregate: Aggregate = { sum: 0, count: 0, min: Infinity, max: -Infinity };
  values.forEach((v, i) => {
    const count = datum.Counts?.[i] ?? 1;
    if (count === 0) return;
    aggregate.sum += v * count;
    aggregate.count += count;
    aggregate.min = Math.min(aggregate.min, v);
    aggregate.max = Math.max(aggregate.max, v);
  });
  return { ...base, aggregate };
}

/** Counts are datapoint values too, and a negative count means nothing. */
function checkValue(value: number, where: string, count = false): void {
  if (value > maxMagnitude || value < (count ? 0 : -maxMagnitude))
    throw cloudWatchErrors.valueOutOfRange(where, value, count ? "counts from 0" : "values from -2^360");
}
