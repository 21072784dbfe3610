import { StoreConflictError } from "../../state/records.js";

/** What a reconcile pass reports: done (undefined), or look again after a delay (e.g. waiting on a copy to start). */
export type PassOutcome = { againAfterMs: number } | void;

export const done: PassOutcome = undefined;

export function againAfter(ms: number): PassOutcome {
  return { againAfterMs: Math.max(0, ms) };
}

/**
 * A pass that cannot succeed until something outside it changes (a record the controller cannot act on):
 * counted and logged once with the resource, and not retried until the key is queued again. Any other
 * error a pass throws is retryable, with backoff.
 */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TerminalError";
  }

  static is(value: unknown): value is TerminalError {
    return value instanceof TerminalError;
  }
}

export type PassResult = "done" | "again" | "conflict" | "retry" | "terminal";

/** How a pass ended, as the metrics count it. A store conflict is retried at once from a fresh read. */
export function classify(outcome: PassOutcome | undefined, error?: unknown): PassResult {
  if (error === undefined) return outcome ? "again" : "done";
  if (StoreConflictError.is(error)) return "conflict";
  return TerminalError.is(error) ? "terminal" : "retry";
}
