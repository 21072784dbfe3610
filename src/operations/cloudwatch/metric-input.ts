import { cloudWatchErrors } from "../../domain/errors/cloudwatch.js";
import { isValidPeriod } from "../../metrics/resolution.js";

export type DimensionsInput = { Name: string; Value: string }[] | undefined;

/** The service model says these names (alarm names, namespaces, dimensions) can't hold ASCII control characters. */
export function checkNoControlCharacters(value: string, where: string): void {
  const found = /[\u0000-\u001f\u007f]/.exec(value);
  if (found) throw cloudWatchErrors.controlCharacter(where, found[0].charCodeAt(0));
}

/** A metric's dimension names must be unique, and names and values free of control characters. */
export function checkDimensions(dimensions: DimensionsInput, where: string): void {
  const seen = new Set<string>();
  for (const [i, d] of (dimensions ?? []).entries()) {
    checkNoControlCharacters(d.Name, `${where}.member.${i + 1}.Name`);
    checkNoControlCharacters(d.Value, `${where}.member.${i + 1}.Value`);
    if (seen.has(d.Name))
      throw cloudWatchErrors.invalidValue(`The collection ${where} must not contain duplicate dimension names; '${d.Name}' appears more than once.`);
    seen.add(d.Name);
  }
}

/** The dimensions a query's MetricStat names: the same Dimension shape, so free of control characters too. */
export function checkQueryDimensions(queries: readonly { MetricStat?: { Metric: { Dimensions?: DimensionsInput } } }[], where: string): void {
  for (const [q, query] of queries.entries()) {
    for (const [i, d] of (query.MetricStat?.Metric.Dimensions ?? []).entries()) {
      const at = `${where}.member.${q + 1}.MetricStat.Metric.Dimensions.member.${i + 1}`;
      checkNoControlCharacters(d.Name, `${at}.Name`);
      checkNoControlCharacters(d.Value, `${at}.Value`);
    }
  }
}

/** API timestamps arrive as epoch seconds; the stores use epoch ms. */
export function timeRange(startSeconds: number, endSeconds: number): { startMs: number; endMs: number } {
  const startMs = startSeconds * 1000;
  const endMs = endSeconds * 1000;
  if (!(startMs < endMs)) throw cloudWatchErrors.startAfterEnd();
  return { startMs, endMs };
}

export function checkPeriod(period: number, where = "Period"): void {
  if (!isValidPeriod(period)) throw cloudWatchErrors.badPeriod(period, where);
}
