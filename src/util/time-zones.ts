/** A zone's offset from UTC (local minus UTC, in ms) at a UTC instant; the scheduled-scaling decisions take this as a function. */
export type ZoneOffset = (utcMs: number) => number;

const offsets = new Map<string, ZoneOffset>();

/** Whether the platform knows an IANA time zone name (as Application Auto Scaling's Timezone takes it). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return name.length > 0;
  } catch {
    return false;
  }
}

/** The UTC offset of a zone at an instant, from the platform's zone data; scheduled actions' decisions take it as a function. */
export function zoneOffset(name: string): ZoneOffset {
  const known = offsets.get(name);
  if (known) return known;
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: name,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const offset: ZoneOffset = (utcMs) => {
    const whole = Math.floor(utcMs / 1000) * 1000;
    const parts = Object.fromEntries(format.formatToParts(new Date(whole)).map((p) => [p.type, p.value]));
    const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
    return local - whole;
  };
  offsets.set(name, offset);
  return offset;
}
