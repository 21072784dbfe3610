/** Timestamps leave the control plane as Dates; the wire layer writes them as epoch seconds. */
export function time(ms: number | undefined): Date | undefined {
  return ms === undefined ? undefined : new Date(ms);
}

/** Drops undefined members so responses never carry nulls. */
export function compact<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
