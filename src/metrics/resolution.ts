import { metricResolutionSeconds } from "../util/time-scale.js";
import { isStatistic } from "./aggregate.js";
import type { Statistic } from "./types.js";

/** Periods must be whole multiples of the bucket (10 API seconds): finer periods have no data to show. */
export function isValidPeriod(apiSeconds: number): boolean {
  return Number.isInteger(apiSeconds) && apiSeconds > 0 && apiSeconds % metricResolutionSeconds === 0;
}

/** Percentiles, trimmed means and other extended statistics: p99, tm90, TM(10%:90%), wm99, IQM, PR(...), TC(...), TS(...). */
export function looksExtended(stat: string): boolean {
  return /^(p\d|tm|wm|tc|ts|pr|iqm)/i.test(stat) || /^(TM|WM|TC|TS|PR)\(/.test(stat);
}

export type StatisticCheck = { ok: true; statistic: Statistic } | { ok: false; extended: boolean };

export function checkStatistic(stat: string): StatisticCheck {
  if (isStatistic(stat)) return { ok: true, statistic: stat };
  return { ok: false, extended: looksExtended(stat) };
}

/** Unit filters: a series recorded without a unit counts as None; no filter matches any unit. */
export function unitMatches(seriesUnit: string | undefined, wanted: string | undefined): boolean {
  return wanted === undefined || (seriesUnit ?? "None") === wanted;
}
