/**
 * Scaling time as the API states it (periods, cooldowns, delays, in seconds) mapped to real time.
 * By default one API second is one real second; `--scaling-period 1s` makes SageMaker's standard
 * 60 s period last one real second, and shortens every other scaling duration by the same factor.
 */
export class TimeScale {
  /** Real seconds per API second. */
  readonly factor: number;

  constructor(scalingPeriodSeconds = 60) {
    if (!(scalingPeriodSeconds > 0)) throw new Error("the scaling period must be above 0 seconds");
    this.factor = scalingPeriodSeconds / 60;
  }

  /** Real milliseconds for a duration the API states in seconds. */
  ms(apiSeconds: number): number {
    return apiSeconds * 1000 * this.factor;
  }

  /** API seconds for a real duration in milliseconds. */
  apiSeconds(realMs: number): number {
    return realMs / 1000 / this.factor;
  }

  /**
   * Schedule time (what at(), rate() and cron() are read against) at a real instant, for a clock that
   * shows real time at `origin` and from there runs 1/factor times as fast: with a 1 s scaling period,
   * a real second is a schedule minute.
   */
  scheduleTime(realMs: number, origin: number): number {
    return origin + (realMs - origin) / this.factor;
  }
}

/** Resolution of the metrics Berth records, in API seconds (SageMaker's high-resolution metrics: 10 s). */
export const metricResolutionSeconds = 10;
