/** What the router reports about each request; metrics and the autoscaler's recorder listen. */
export interface RequestTarget {
  endpointName: string;
  variantName: string;
  /** Undefined for single-model endpoints. */
  componentName?: string;
  copyId?: string;
}

export type RequestOutcome = "ok" | "model_4xx" | "model_5xx" | "timeout" | "unreachable" | "no_capacity" | "client_closed" | "throttled";

/** Why a request went to another copy: the first one never got it. */
export type RetryReason = "unreachable" | "copy_absent";

export interface RequestObserver {
  requestStarted(target: RequestTarget): void;
  /** A copy never got the request (target names it), and the router sends it to another copy. */
  requestRetried?(target: RequestTarget, reason: RetryReason): void;
  /** modelMs: time in the container; overheadMs: the rest of the time Berth held the request. */
  requestFinished(target: RequestTarget, outcome: RequestOutcome, modelMs: number, overheadMs: number): void;
  /**
   * Requests whose start was reported and whose finish never will be: the router worker that held them died
   * (`--router-workers`). They are no longer in flight; no outcome is known, so none is counted.
   */
  requestsAbandoned?(target: RequestTarget, count: number): void;
}

export class ObserverFanout implements RequestObserver {
  readonly #observers: RequestObserver[];

  constructor(observers: RequestObserver[]) {
    this.#observers = observers;
  }

  requestStarted(target: RequestTarget): void {
    for (const o of this.#observers) o.requestStarted(target);
  }

  requestRetried(target: RequestTarget, reason: RetryReason): void {
    for (const o of this.#observers) o.requestRetried?.(target, reason);
  }

  requestFinished(target: RequestTarget, outcome: RequestOutcome, modelMs: number, overheadMs: number): void {
    for (const o of this.#observers) o.requestFinished(target, outcome, modelMs, overheadMs);
  }

  requestsAbandoned(target: RequestTarget, count: number): void {
    for (const o of this.#observers) o.requestsAbandoned?.(target, count);
  }
}
