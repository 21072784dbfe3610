/**
 * Application Auto Scaling schedule expressions: at(), rate() and AWS's six-field cron(), and when they
 * are due. Pure: calendar arithmetic is integer arithmetic, and a time zone comes in as a function that
 * gives its UTC offset at an instant (src/util/time-zones.ts reads it from the platform's zone data).
 */
import { utcTime, type UtcTime } from "../alarms/utc-time.js";

/** A time zone's offset from UTC (local minus UTC, in ms) at a UTC instant. */
export type ZoneOffset = (utcMs: number) => number;

export type Schedule = { kind: "at"; local: LocalTime } | { kind: "rate"; periodMs: number } | { kind: "cron"; cron: Cron };

/** A wall-clock time in the action's zone. */
export type LocalTime = Omit<UtcTime, "millisecond">;

type DayOfMonth = { kind: "any" } | { kind: "set"; days: Set<number> } | { kind: "last" } | { kind: "lastWeekday" } | { kind: "nearestWeekday"; day: number };
/** Days of week are AWS's: 1 is Sunday, 7 is Saturday. */
type DayOfWeek = { kind: "any" } | { kind: "set"; days: Set<number> } | { kind: "lastOf"; weekday: number } | { kind: "nth"; weekday: number; nth: number };

export interface Cron {
  minutes: number[];
  hours: number[];
  dayOfMonth: DayOfMonth;
  months: Set<number>;
  dayOfWeek: DayOfWeek;
  years: Set<number>;
}

export type Parsed = { ok: true; schedule: Schedule } | { ok: false; problem: string };

const dayMs = 86_400_000;
const unitMs: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: dayMs };
const monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
/** The years AWS's cron year field accepts. */
const firstYear = 1970;
const lastYear = 2199;

class ScheduleProblem extends Error {}

const fail = (problem: string): never => {
  throw new ScheduleProblem(problem);
};

/** Parses a Schedule as PutScheduledAction takes it. */
export function parseSchedule(expression: string): Parsed {
  try {
    return { ok: true, schedule: parse(expression.trim()) };
  } catch (error) {
    if (error instanceof ScheduleProblem) return { ok: false, problem: error.message };
    throw error;
  }
}

function parse(text: string): Schedule {
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(text);
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [number, number, number, number, number, number];
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
      fail(`${text} names no valid date and time`);
    return { kind: "at", local: { year, month, day, hour, minute, second } };
  }
  if (text.startsWith("at(")) fail("an at() expression takes a date and time as at(yyyy-mm-ddThh:mm:ss)");
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    if (value < 1) fail("the value of a rate() expression must be a positive whole number");
    if (value === 1 && unit.endsWith("s")) fail(`use the singular unit for a value of 1: rate(1 ${unit.slice(0, -1)})`);
    if (value > 1 && !unit.endsWith("s")) fail(`use the plural unit for a value above 1: rate(${value} ${unit}s)`);
    return { kind: "rate", periodMs: value * unitMs[unit.replace(/s$/, "")]! };
  }
  if (text.startsWith("rate(")) fail("a rate() expression takes a positive whole number and a unit: minute(s), hour(s) or day(s)");
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) return { kind: "cron", cron: parseCron(cron[1]!.trim()) };
  return fail("use at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(Minutes Hours Day-of-month Month Day-of-week Year)");
}

function parseCron(body: string): Cron {
  const fields = body.split(/\s+/);
  if (fields.length !== 6) fail(`a cron() expression has 6 fields (Minutes Hours Day-of-month Month Day-of-week Year); ${fields.length} given`);
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  const dayOfMonth = parseDayOfMonth(dom);
  const dayOfWeek = parseDayOfWeek(dow);
  if (dom === "?" && dow === "?") fail("only one of the Day-of-month and Day-of-week fields may be ?");
  if (dom !== "?" && dow !== "?") fail("one of the Day-of-month and Day-of-week fields must be ? (you cannot give both)");
  return {
    minutes: [...parseField(min, "Minutes", 0, 59)].sort((a, b) => a - b),
    hours: [...parseField(hour, "Hours", 0, 23)].sort((a, b) => a - b),
    dayOfMonth,
    months: parseField(month, "Month", 1, 12, monthNames),
    dayOfWeek,
    years: parseField(year, "Year", firstYear, lastYear),
  };
}

function parseDayOfMonth(text: string): DayOfMonth {
  if (text === "?") return { kind: "any" };
  if (text === "L") return { kind: "last" };
  if (text === "LW") return { kind: "lastWeekday" };
  const weekday = /^(\d{1,2})W$/.exec(text);
  if (weekday) {
    const day = Number(weekday[1]);
    if (day < 1 || day > 31) fail(`Day-of-month ${text}: the day must be between 1 and 31`);
    return { kind: "nearestWeekday", day };
  }
  return { kind: "set", days: parseField(text, "Day-of-month", 1, 31) };
}

function parseDayOfWeek(text: string): DayOfWeek {
  if (text === "?") return { kind: "any" };
  if (text === "L") return { kind: "set", days: new Set([7]) };
  const last = /^([1-7]|[A-Z]{3})L$/i.exec(text);
  if (last) return { kind: "lastOf", weekday: value(last[1]!, "Day-of-week", 1, 7, dayNames) };
  const nth = /^([1-7]|[A-Z]{3})#(\d)$/i.exec(text);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) fail(`Day-of-week ${text}: the instance after # must be between 1 and 5`);
    return { kind: "nth", weekday: value(nth[1]!, "Day-of-week", 1, 7, dayNames), nth: n };
  }
  return { kind: "set", days: parseField(text, "Day-of-week", 1, 7, dayNames) };
}

/** A field of numbers: *, a value, a-b, with /step, and comma-separated lists of those. */
function parseField(text: string, name: string, min: number, max: number, names?: string[]): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const match = /^(\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/(\d+))?$/.exec(part);
    if (!match) fail(`${name} field '${text}' is not valid`);
    const [, range, stepText] = match!;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) fail(`${name} field '${text}': the step must be at least 1`);
    let from = min;
    let to = max;
    if (range !== "*") {
      const [a, b] = range!.split("-") as [string, string | undefined];
      from = value(a, name, min, max, names);
      to = b === undefined ? (stepText === undefined ? from : max) : value(b, name, min, max, names);
      if (to < from) fail(`${name} field '${text}': the range ${range} runs backwards`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function value(text: string, name: string, min: number, max: number, names?: string[]): number {
  const named = names?.indexOf(text.toUpperCase()) ?? -1;
  const n = named >= 0 ? named + min : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) fail(`${name} value '${text}' is out of range (${min}-${max}${names ? ` or ${names[0]}-${names[names.length - 1]}` : ""})`);
  return n;
}

// Calendar arithmetic on days since 1970-01-01 (proleptic Gregorian; H. Hinnant's days_from_civil, and src/alarms/utc-time.ts the other way).

export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The calendar date of a day counted from 1970-01-01. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const { year, month, day } = utcTime(days * dayMs);
  return { year, month, day };
}

function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
}

/** AWS's day of week: 1 (Sunday) to 7 (Saturday). 1970-01-01 was a Thursday. */
function weekdayOf(days: number): number {
  return ((((days + 4) % 7) + 7) % 7) + 1;
}

/**
 * The UTC instant of a local wall-clock time (ms since the local epoch) in a zone. A time that occurs
 * twice (clocks going back) is its first occurrence; a time that does not occur (clocks going forward)
 * is undefined.
 */
export function utcOfLocal(localMs: number, offset: ZoneOffset): number | undefined {
  const candidates = [localMs - offset(localMs - dayMs), localMs - offset(localMs + dayMs)].filter((t) => t + offset(t) === localMs);
  return candidates.length === 0 ? undefined : Math.min(...candidates);
}

/** The instant of an at() time; one that the clocks skip runs at the same time of the old offset (so, just after the change). */
function atInstant(t: LocalTime, offset: ZoneOffset): number {
  const local = daysFromCivil(t.year, t.month, t.day) * dayMs + t.hour * 3_600_000 + t.minute * 60_000 + t.second * 1000;
  return utcOfLocal(local, offset) ?? local - offset(local - dayMs);
}

function dayMatches(cron: Cron, days: number): boolean {
  const { year, month, day } = civilFromDays(days);
  if (!cron.years.has(year) || !cron.months.has(month)) return false;
  const last = daysInMonth(year, month);
  const dom = cron.dayOfMonth;
  const dow = cron.dayOfWeek;
  const weekday = weekdayOf(days);
  switch (dom.kind) {
    case "set":
      return dom.days.has(day);
    case "last":
      return day === last;
    case "lastWeekday":
    case "nearestWeekday": {
      const wanted = dom.kind === "lastWeekday" ? last : Math.min(dom.day, last);
      return day === nearestWeekday(year, month, wanted, last);
    }
    case "any":
      break;
  }
  switch (dow.kind) {
    case "any":
      return true;
    case "set":
      return dow.days.has(weekday);
    case "lastOf":
      return weekday === dow.weekday && day + 7 > last;
    case "nth":
      return weekday === dow.weekday && Math.ceil(day / 7) === dow.nth;
  }
}

/** The weekday nearest the day, not leaving the month (Quartz's W). */
function nearestWeekday(year: number, month: number, day: number, last: number): number {
  const weekday = weekdayOf(daysFromCivil(year, month, day));
  if (weekday === 7) return day === 1 ? 3 : day - 1;
  if (weekday === 1) return day === last ? day - 2 : day + 1;
  return day;
}

/** The run times of a cron on one local day, as UTC instants, earliest first. */
function runsOnDay(cron: Cron, days: number, offset: ZoneOffset): number[] {
  if (!dayMatches(cron, days)) return [];
  const runs: number[] = [];
  for (const hour of cron.hours)
    for (const minute of cron.minutes) {
      const t = utcOfLocal(days * dayMs + hour * 3_600_000 + minute * 60_000, offset);
      if (t !== undefined) runs.push(t);
    }
  return runs.sort((a, b) => a - b);
}

/** How far back (in days of schedule time) a cron's missed run is still made up. */
const maxCatchUpDays = 400;

export interface DueWindow {
  /** Runs strictly after this instant count (the last run, or when the action was put). */
  after: number;
  /** Runs at or before this instant count (now, on the schedule's clock). */
  upTo: number;
  offset: ZoneOffset;
  /** StartTime and EndTime of the action, if set. */
  start?: number;
  end?: number;
  /** Where a rate() counts from when there is no StartTime: when the action was put. */
  rateOrigin: number;
}

/** The latest run in the window, or undefined when none falls in it. Missed earlier runs are not returned. */
export function latestRun(schedule: Schedule, window: DueWindow): number | undefined {
  const lower = Math.max(window.after, (window.start ?? -Infinity) - 1);
  const upper = Math.min(window.upTo, window.end ?? Infinity);
  if (!(upper > lower)) return undefined;
  const inWindow = (t: number | undefined) => t !== undefined && t > lower && t <= upper;
  switch (schedule.kind) {
    case "at": {
      const t = atInstant(schedule.local, window.offset);
      return inWindow(t) ? t : undefined;
    }
    case "rate": {
      // With a StartTime the first run is at it; otherwise one period after the action was put.
      const origin = window.start ?? window.rateOrigin + schedule.periodMs;
      if (upper < origin) return undefined;
      const t = origin + Math.floor((upper - origin) / schedule.periodMs) * schedule.periodMs;
      return inWindow(t) ? t : undefined;
    }
    case "cron": {
      const last = Math.floor((upper + window.offset(upper)) / dayMs);
      // A run missed by more than about a year is not made up; this also bounds the search for a cron that never matches.
      const first = Math.max(Math.floor((lower + window.offset(lower)) / dayMs) - 1, last - maxCatchUpDays);
      for (let days = last; days >= first; days--) {
        const runs = runsOnDay(schedule.cron, days, window.offset).filter(inWindow);
        if (runs.length > 0) return runs[runs.length - 1];
      }
      return undefined;
    }
  }
}

/** The first run strictly after an instant (within the cron's years), or undefined when there is none. */
export function nextRun(schedule: Schedule, after: number, offset: ZoneOffset, rateOrigin = after): number | undefined {
  switch (schedule.kind) {
    case "at": {
      const t = atInstant(schedule.local, offset);
      return t > after ? t : undefined;
    }
    case "rate": {
      const k = Math.max(1, Math.floor((after - rateOrigin) / schedule.periodMs) + 1);
      return rateOrigin + k * schedule.periodMs;
    }
    case "cron": {
      const end = daysFromCivil(Math.max(...schedule.cron.years) + 1, 1, 1);
      for (let days = Math.floor((after + offset(after)) / dayMs) - 1; days < end; days++) {
        const { year } = civilFromDays(days);
        if (!schedule.cron.years.has(year)) {
          const next = [...schedule.cron.years].filter((y) => y > year).sort((a, b) => a - b)[0];
          if (next === undefined) return undefined;
          days = daysFromCivil(next, 1, 1) - 1;
          continue;
        }
        const run = runsOnDay(schedule.cron, days, offset).find((t) => t > after);
        if (run !== undefined) return run;
      }
      return undefined;
    }
  }
}
