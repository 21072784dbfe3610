/** How much of one copy's output the server log takes: a steady rate, and a burst above it. */
export interface OutputBudgetLimits {
  bytesPerSecond: number;
  burstBytes: number;
  /** How often, at most, the count of lines left out is reported. */
  reportEveryMs: number;
}

/**
 * 64 KiB/s per copy, bursts of 1 MiB: far above what a model server logs while it works, far below what a
 * process that writes in a loop produces (a container printing 1 KB lines wrote 8 MB/s, and the log writer
 * fell behind by a gigabyte of memory in three minutes).
 */
export const defaultOutputBudget: OutputBudgetLimits = { bytesPerSecond: 64 * 1024, burstBytes: 1024 * 1024, reportEveryMs: 10_000 };

/**
 * A token bucket for the lines of one copy's output that go into the server log. Lines over the budget are
 * counted, not logged; the next line the budget admits brings the count with it, so the log says what it left out.
 * Time comes in as an argument.
 */
export class OutputBudget {
  readonly #limits: OutputBudgetLimits;
  #tokens: number;
  #refilledAt: number | undefined;
  #droppedLines = 0;
  #droppedBytes = 0;
  /** Whether lines were left out since the bucket was last full: a flood is announced once, not at each line. */
  #flooding = false;
  #reportedAt = Number.NEGATIVE_INFINITY;

  constructor(limits: OutputBudgetLimits = defaultOutputBudget) {
    this.#limits = limits;
    this.#tokens = limits.burstBytes;
  }

  get limits(): OutputBudgetLimits {
    return this.#limits;
  }

  /**
   * Whether a line of `bytes` may be logged at `now` (epoch ms). `firstDropped`: the first line left out since
   * the budget was last full. When a line may be logged and lines were left out before it, `dropped` says how
   * many, at most once every reportEveryMs (the count goes on meanwhile).
   */
  admit(now: number, bytes: number): { log: boolean; firstDropped?: boolean; dropped?: { lines: number; bytes: number } } {
    if (this.#refilledAt !== undefined && now > this.#refilledAt)
      this.#tokens = Math.min(this.#limits.burstBytes, this.#tokens + ((now - this.#refilledAt) * this.#limits.bytesPerSecond) / 1000);
    this.#refilledAt = now;
    if (this.#tokens >= this.#limits.burstBytes) this.#flooding = false;
    const cost = Math.max(1, bytes);
    if (this.#tokens < cost) {
      this.#droppedLines++;
      this.#droppedBytes += bytes;
      if (this.#flooding) return { log: false };
      this.#flooding = true;
      return { log: false, firstDropped: true };
    }
    this.#tokens -= cost;
    if (this.#droppedLines === 0 || now - this.#reportedAt < this.#limits.reportEveryMs) return { log: true };
    const dropped = { lines: this.#droppedLines, bytes: this.#droppedBytes };
    this.#droppedLines = 0;
    this.#droppedBytes = 0;
    this.#reportedAt = now;
    return { log: true, dropped };
  }
}
