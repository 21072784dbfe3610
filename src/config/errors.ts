/** A setting that is missing, malformed or unknown; its message says which and what to write instead. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Seconds as a number, or a string such as "500ms", "1s", "2m", "1h". */
export function parseDuration(value: unknown, name: string): number {
  if (typeof value === "number" && value > 0) return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(String(value));
  const amount = match ? Number(match[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[(match[2] ?? "s") as "ms" | "s" | "m" | "h"] : NaN;
  if (!(amount > 0)) throw new ConfigError(`${name} must be a duration such as 60, "1s", "500ms" or "2m", got '${value}'.`);
  return amount;
}
