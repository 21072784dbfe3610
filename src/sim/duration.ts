const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, min: 60, h: 3600, d: 86_400 };

/** "90", "90s", "15m", "1.5h", "2d" → seconds; throws a RangeError naming the option otherwise. */
export function parseSeconds(text: string, option: string, { allowZero = false } = {}): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)?\s*$/.exec(text);
  const seconds = match ? Number(match[1]) * units[match[2] ?? "s"] : NaN;
  if (!Number.isFinite(seconds) || seconds < 0 || (!allowZero && seconds === 0)) {
    throw new RangeError(`${option} must be a duration such as 3600, 90s, 15m, 1.5h or 2d${allowZero ? "" : " (above 0)"}, found '${text}'`);
  }
  return seconds;
}

export function parsePositive(text: string, option: string, limit?: { max: number; means: string }): number {
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${option} must be a number above 0, found '${text}'`);
  if (limit !== undefined && value > limit.max) {
    throw new RangeError(`${option} must be at most ${limit.max.toLocaleString("en-US")} (${limit.means}), found '${text}'`);
  }
  return value;
}

/** USD per instance-hour: about 90 times the dearest instance in the catalog (ml.p5.48xlarge, $113); above it costs overflowed to Infinity. */
export const maxPricePerHour = 10_000;
export const priceLimit = { max: maxPricePerHour, means: "USD per instance-hour" };

export function parseWhole(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value)) throw new RangeError(`${option} must be a whole number, found '${text}'`);
  return value;
}
