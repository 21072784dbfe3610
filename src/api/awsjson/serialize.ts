/** JSON for AWS JSON protocols: Dates become epoch seconds, undefined members are left out. */
export function toAwsJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = key === "" ? v : this[key];
    if (raw instanceof Date) return raw.getTime() / 1000;
    return v;
  });
}
