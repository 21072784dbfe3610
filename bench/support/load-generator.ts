import { performance } from "node:perf_hooks";
import { build, type Histogram } from "hdr-histogram-js";
import { Pool, type Dispatcher } from "undici";

/**
 * The load generator, run as its own process (forked by load.ts) so that its CPU time is not the
 * benchmark driver's. Latencies are recorded in microseconds: targets are a fraction of a millisecond.
 */
export interface LoadTarget {
  /** http://127.0.0.1:<port>; nothing else is ever sent traffic. */
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export type LoadJob =
  /** Open loop: requests start on a fixed schedule whatever the answers do. */
  | { kind: "rate"; target: LoadTarget; rate: number; warmupMs: number; durationMs: number }
  /** Closed loop: `connections` requests in flight at all times, as fast as answers come. */
  | { kind: "max"; target: LoadTarget; connections: number; warmupMs: number; durationMs: number };

export interface LoadResult {
  /** Requests started in the measured window. */
  sent: number;
  /** Of those, answered with 2xx (open loop); answers ending in the window (closed loop). */
  ok: number;
  failed: number;
  /** Open loop: requests skipped because too many were in flight (the target fell behind). */
  skipped: number;
  /** Every request answered, warm-up included: the denominator for CPU time per request. */
  answered: number;
  reqPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  firstError?: string;
}

/** A bound on requests in flight, so a stalled target cannot make the generator pile up sockets. */
const maxInFlight = 512;
/** How long stragglers may take after the window before the step ends anyway. */
const drainMs = 5_000;

class Run {
  readonly #pool: Pool;
  readonly #options: Dispatcher.DispatchOptions;
  readonly histogram: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  inFlight = 0;
  answered = 0;
  sent = 0;
  ok = 0;
  failed = 0;
  firstError?: string;
  #idle?: () => void;

  constructor(target: LoadTarget, connections: number) {
    this.#pool = new Pool(target.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
    const body = Buffer.from(target.body);
    this.#options = { path: target.path, method: "POST", headers: { ...target.headers, "content-length": String(body.length) }, body };
  }

  /** Sends one request; `measured` requests count towards the histogram and totals. */
  send(measured: boolean, onDone?: (endedAt: number) => void): void {
    this.inFlight++;
    if (measured) this.sent++;
    this.#pool.dispatch(this.#options, new Exchange(this, performance.now(), measured, onDone));
  }

  done(exchange: Exchange, endedAt: number, error?: string): void {
    this.inFlight--;
    this.answered++;
    if (exchange.measured) {
      if (error === undefined) {
        this.ok++;
        this.histogram.recordValue(Math.max(1, Math.round((endedAt - exchange.startedAt) * 1000)));
      } else {
        this.failed++;
        this.firstError ??= error;
      }
    }
    exchange.onDone?.(endedAt);
    if (this.inFlight === 0) this.#idle?.();
  }

  /** Waits for requests in flight, at most drainMs. */
  async drain(): Promise<void> {
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainMs);
        this.#idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await this.#pool.destroy().catch(() => undefined);
  }

  result(reqPerSec: number, skipped: number): LoadResult {
    const h = this.histogram;
    const ms = (percentile: number) => (h.totalCount === 0 ? NaN : h.getValueAtPercentile(percentile) / 1000);
    return {
      sent: this.sent,
      ok: this.ok,
      failed: this.failed,
      skipped,
      answered: this.answered,
      reqPerSec,
      p50Ms: ms(50),
      p90Ms: ms(90),
      p99Ms: ms(99),
      maxMs: h.totalCount === 0 ? NaN : h.maxValue / 1000,
      firstError: this.firstError,
    };
  }
}

/** One request's handler: the response body is read and dropped, the time taken at its last byte. */
class Exchange implements Dispatcher.DispatchHandler {
  #status = 0;

  constructor(
    readonly run: Run,
    readonly startedAt: number,
    readonly measured: boolean,
    readonly onDone?: (endedAt: number) => void,
  ) {}

  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.#status = statusCode;
  }

  onResponseData(): void {}

  onResponseEnd(): void {
    const now = performance.now();
    this.run.done(this, now, this.#status >= 200 && this.#status < 300 ? undefined : `HTTP ${this.#status}`);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.run.done(this, performance.now(), `${(error as { code?: string }).code ?? error.name}: ${error.message}`);
  }
}

/**
 * Starts requests on schedule: each timer tick sends those due since the last one. Timers tick about
 * every millisecond, so requests leave in small bursts of rate/1000; every target sees the same.
 */
async function openLoop(job: Extract<LoadJob, { kind: "rate" }>): Promise<LoadResult> {
  const run = new Run(job.target, 256);
  const start = performance.now();
  const measureFrom = start + job.warmupMs;
  const end = measureFrom + job.durationMs;
  let due = 0;
  let skipped = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (now >= end) return resolve();
      const target = Math.floor(((now - start) * job.rate) / 1000);
      const measured = now >= measureFrom;
      for (; due < target; due++) {
        if (run.inFlight >= maxInFlight) {
          if (measured) skipped++;
          continue;
        }
        run.send(measured);
      }
      setTimeout(tick, 1);
    };
    tick();
  });
  await run.drain();
  return run.result(run.ok / (job.durationMs / 1000), skipped);
}

async function closedLoop(job: Extract<LoadJob, { kind: "max" }>): Promise<LoadResult> {
  const run = new Run(job.target, job.connections);
  const start = performance.now();
  const measureFrom = start + job.warmupMs;
  const end = measureFrom + job.durationMs;
  let completedInWindow = 0;
  const loop = (endedAt: number) => {
    if (endedAt >= measureFrom && endedAt < end) completedInWindow++;
    if (endedAt < end) run.send(endedAt >= measureFrom, loop);
  };
  for (let i = 0; i < job.connections; i++) run.send(false, loop);
  await new Promise((resolve) => setTimeout(resolve, end - start + 10));
  await run.drain();
  return run.result(completedInWindow / (job.durationMs / 1000), 0);
}

process.on("message", (job: LoadJob) => {
  const running = job.kind === "rate" ? openLoop(job) : closedLoop(job);
  running.then(
    (result) => process.send!({ result }),
    (error: Error) => process.send!({ error: error.stack ?? String(error) }),
  );
});
process.on("disconnect", () => process.exit(0));
