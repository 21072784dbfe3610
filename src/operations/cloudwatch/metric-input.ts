import { cloudWatchErrors } from "../../domain/errors/cloudwatch.js";
import { isValidPeriod } from "../../metrics/resolution.js";

export type DimensionsInput = { Name: string; Value: string }[] | undefined;

/** A metric's dimension names must be unique. */
export function checkDimensions(dimensions: { Name: string }[] | undefined, where: string): void {
  const seen = new Set<string>();
  for (const d of dimensions ?? []) {
    if (seen.has(d.Name))
      throw cloudWatchErrors.invalidValue(`The collection ${where} must not contain duplicate dimension names; '${d.Name}' appears more than once.`);
    seen.add(d.Name);
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
