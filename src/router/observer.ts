/** What the router reports about each request; metrics and the autoscaler's recorder listen. */
export interface RequestTarget {
  endpointName: string;
  variantName: string;
  /** Undefined for single-model endpoints. */
  componentName?: string;
  copyId?: string;
}

export type RequestOutcome = "ok" | "model_4xx" | "model_5xx" | "timeout" | "unreachable" | "no_capacity" | "client_closed" | "throttled";

export interface RequestObserver {
  requestStarted(target: RequestTarget): void;
  /** modelMs: time in the container; overheadMs: the rest of the time Berth held the request. */
  requestFinished(target: RequestTarget, outcome: RequestOutcome, modelMs: number, overheadMs: number): void;
}

export class ObserverFanout implements RequestObserver {
  readonly #observers: RequestObserver[];

  constructor(observers: RequestObserver[]) {
    this.#observers = observers;
  }

  requestStarted(target: RequestTarget): void {
    for (const o of this.#observers) o.requestStarted(target);
  }

  requestFinished(target: RequestTarget, outcome: RequestOutcome, modelMs: number, overheadMs: number): void {
    for (const o of this.#observers) o.requestFinished(target, outcome, modelMs, overheadMs);
  }
}
