import { EventEmitter } from "node:events";
import { maxHeaderSize, type IncomingHttpHeaders } from "node:http";
import { performance } from "node:perf_hooks";
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { BerthError } from "../domain/errors/berth-error.js";
import { runtimeErrors } from "../domain/errors/runtime.js";
import type { RequestObserver, RequestOutcome, RequestTarget, RetryReason } from "./observer.js";
import { pickCopy, type CopyLoad, type PickOptions } from "./pick.js";
import { FailingCopies } from "./failing-copies.js";
import { RoutedAnswer } from "./routed-answer.js";
import type { PrefixRouting } from "./prefix/prefix-pick.js";
import type { ComponentRoute, EndpointRoute, RouteCopy, RoutingStrategy, RoutingTable, VariantRoute } from "./table.js";
import { copyAbsent, neverReachedCopy, UpstreamPools } from "./upstream.js";
import { WaitingRequests, type HoldOptions } from "./hold.js";
import { BodyBudget } from "./body-budget.js";
import { errorText, readErrorText } from "./bounded-body.js";
import { AnswerBroken, gatherAnswer, type GatheredAnswer } from "./gathered-answer.js";
import { systemClock, type Clock } from "../util/clock.js";
import { newSessionValue, parseNewSessionHeader, SessionTable } from "./sessions.js";

export interface InvokeRequest {
  endpointName: string;
  componentName?: string;
  targetVariant?: string;
  body: Buffer;
  /** Headers forwarded to the container. */
  headers: Record<string, string>;
  stream: boolean;
  /** Aborts the upstream request when the client goes away. */
  signal: ClientAbort;
  /** performance.now() when the request arrived. */
  startedAt: number;
  /** SessionId: NEW_SESSION, or the id of a session the container opened (also forwarded to it in headers). */
  sessionId?: string;
  /** PrefixAwareId: with the body's prefix, decides the copy under PREFIX_AWARE. */
  prefixAwareId?: string;
  /**
   * Gather a 2xx answer whole (at most this many bytes, charged to the router's body budget) instead of
   * handing out a stream: the result's `gathered` then holds it, and the caller owns the charge.
   */
  gatherUpTo?: number;
  /** Bytes of the body budget the request holds already (its body as read), beside which its answer is gathered. */
  heldBytes?: number;
}

export interface InvokeResult {
  statusCode: number;
  contentType?: string;
  customAttributes?: string;
  body: Readable;
  /** The whole answer, when the request asked for it gathered (`gatherUpTo`); `body` is then only its replay. */
  gathered?: { chunks: Buffer[]; size: number };
  variantName: string;
  componentName?: string;
  copyId: string;
  /** The container's X-Amzn-SageMaker-New-Session-Id and X-Amzn-SageMaker-Closed-Session-Id answers. */
  newSessionId?: string;
  closedSessionId?: string;
  /** The invocation timeout the body was read under, for the error when it runs out. */
  timeoutSeconds: number;
  /** Call once the body has been relayed (or abandoned): frees the copy's slot and records the metrics. */
  finish(outcome: RequestOutcome): void;
}

/**
 * Aborts a request to a model copy when its client goes away. An EventEmitter that emits "abort",
 * which undici takes as a signal: in Node 20 an AbortController per request cost the router about a
 * fifth of its CPU time (bench/router-ab.ts).
 */
export class ClientAbort extends EventEmitter {
  aborted = false;
  #controller?: AbortController;

  /** An AbortSignal for APIs that need one, made on first use: the hot path never asks for it. */
  asAbortSignal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.aborted) this.#controller.abort();
    return this.#controller.signal;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.#controller?.abort();
    this.emit("abort");
  }
}

export interface RouterOptions {
  accountId: string;
  observer: RequestObserver;
  /** Per-request limit on the container's answer, SageMaker's 60 s by default. */
  invokeTimeoutMs?: number;
  random?: () => number;
  /** Requests for a component with no ready copy wait this long, this many at a time, while a copy starts. */
  hold?: HoldOptions;
  /** Called when a request arrives for a component scaled to zero that may wake. */
  onWake?: (component: string) => void;
  /** Called when requests wait for a copy of a component: its name and how many wait. */
  onBacklog?: (component: string, waiting: number) => void;
  /** Requests one copy of a component serves at once; more wait in the component's queue. */
  copyConcurrency?: number;
  /** Bytes of request and response bodies held in memory at once, all requests together. */
  bufferedBodyBudgetBytes?: number;
  /** With router workers: bufferedBodyBudgetBytes is this worker's share of the whole budget (for messages). */
  bodyBudgetSplit?: { workers: number; wholeBytes: number };
  /** Runs the hold and drain timers. */
  clock?: Clock;
  /** Which copy holds each stateful session; in memory unless the server shares it through the store. */
  sessions?: SessionTable;
  /** After a copy's connection fails, new requests go to other copies first for this long (failing-copies.ts). */
  failingCopyMs?: number;
}

interface CopyState extends CopyLoad {
  idleWaiters: (() => void)[];
}

/**
 * The data-plane hot path: find the target in the pushed routing table, pick a copy, forward over a
 * keep-alive pool, and account for the request. No store read, no allocation beyond the request's own.
 */
export class Router {
  #table: RoutingTable = { endpoints: new Map(), builtAt: 0, revision: 0 };
  readonly #copies = new Map<string, CopyState>();
  /** Keyed by the table's copy objects, so a new table's copies get new targets and old ones are collected. */
  readonly #targets = new WeakMap<RouteCopy, RequestTarget>();
  readonly #pools: UpstreamPools;
  readonly #options: Required<Omit<RouterOptions, "bodyBudgetSplit">>;
  readonly #waiting: WaitingRequests;
  /** Charged by the runtime route for each body it reads or gathers, given back when its response ends. */
  readonly bodies: BodyBudget;
  readonly #loadOf = (copy: RouteCopy): CopyLoad => this.#state(copy.id);
  readonly #failing: FailingCopies;
  #rotation = 0;

  constructor(options: RouterOptions) {
    this.#options = {
      invokeTimeoutMs: 60_000,
      random: Math.random,
      hold: { holdMs: 120_000, maxHeld: 1000 },
      onWake: () => undefined,
      onBacklog: () => undefined,
      copyConcurrency: defaultCopyConcurrency,
      bufferedBodyBudgetBytes: 256 * 1024 * 1024,
      clock: systemClock,
      sessions: new SessionTable({ clock: options.clock }),
      failingCopyMs: 5_000,
      ...options,
    };
    this.#failing = new FailingCopies(this.#options.clock, this.#options.failingCopyMs);
    this.#waiting = new WaitingRequests(this.#options.hold, this.#options.clock);
    this.bodies = new BodyBudget(this.#options.bufferedBodyBudgetBytes, options.bodyBudgetSplit);
    this.#pools = new UpstreamPools({ connectionsPerCopy: Math.max(defaultCopyConcurrency, this.#options.copyConcurrency) });
  }

  setTable(table: RoutingTable): void {
    this.#table = table;
    const origins = new Set<string>();
    const copies = this.#failing.size > 0 ? new Map<string, RouteCopy>() : undefined;
    const note = (copy: RouteCopy) => {
      origins.add(copy.origin);
      copies?.set(copy.id, copy);
    };
    for (const endpoint of table.endpoints.values()) {
      for (const component of endpoint.components.values()) for (const copy of component.copies) note(copy);
      for (const variant of endpoint.variants) for (const copy of variant.copies) note(copy);
    }
    if (copies) this.#failing.tableChanged(copies);
    if (this.#waiting.total > 0) for (const key of [...this.#waiting.components()]) this.#dispatch(key);
    this.#pools.retain(origins, table.lostOrigins);
  }

  get table(): RoutingTable {
    return this.#table;
  }

  inFlight(copyId: string): number {
    return this.#copies.get(copyId)?.inFlight ?? 0;
  }

  /** Requests of a component waiting for a copy (held or queued). */
  waiting(endpointName: string, componentName: string): number {
    return this.#waiting.held(queueKey(endpointName, componentName));
  }

  /** Resolves when no request is in flight to the copy, or after timeoutMs. */
  waitIdle(copyId: string, timeoutMs: number): Promise<void> {
    const state = this.#copies.get(copyId);
    if (!state || state.inFlight === 0) return Promise.resolve();
    const clock = this.#options.clock;
    return new Promise((resolve) => {
      const timer = clock.setTimeout(resolve, timeoutMs);
      timer.unref?.();
      state.idleWaiters.push(() => {
        clock.clearTimeout(timer);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    await this.#pools.close();
  }

  async invoke(original: InvokeRequest): Promise<InvokeResult> {
    let request = original;
    const endpoint = this.#table.endpoints.get(request.endpointName.toLowerCase());
    if (!endpoint) throw runtimeErrors.endpointNotFound(request.endpointName, this.#options.accountId);
    if (request.sessionId !== undefined && request.sessionId !== newSessionValue) return this.#invokeInSession(endpoint, request, request.sessionId);
    let { copies, strategy, variantName, componentName, adapter, prefix } = this.#target(endpoint, request);
    if (adapter) request = { ...request, headers: withAdapter(request.headers, adapter) };
    const limit = componentName ? this.#options.copyConcurrency : Infinity;
    // Only a request that had to be retried needs to remember which copies it tried.
    let tried: Set<string> | undefined;
    let holdUntil: number | undefined;
    let failure: RetryableFailure | undefined;
    for (;;) {
      let copy = this.#pick(copies, strategy, { exclude: tried, rotation: this.#rotation++, random: this.#options.random, limit, prefix, request });
      let reserved = false;
      if (!copy && componentName) {
        copy = await this.#waitForCopy(endpoint.name, componentName, copies, request, tried, holdUntil, failure);
        reserved = true;
        const current = this.#table.endpoints.get(endpoint.name.toLowerCase());
        if (current?.components.has(componentName.toLowerCase())) ({ copies, strategy, variantName, prefix } = this.#target(current, request));
      }
      if (!copy) {
        const target: RequestTarget = { endpointName: endpoint.name, variantName, componentName };
        this.#options.observer.requestFinished(target, "no_capacity", 0, performance.now() - request.startedAt);
        throw runtimeErrors.endpointNoCapacity(endpoint.name);
      }
      const target = this.#targetOf(endpoint.name, variantName, componentName, copy);
      try {
        const result = await this.#send(copy, request, target, reserved);
        if (request.sessionId !== undefined) await this.#noteSession(result, endpoint.name, copy);
        return result;
      } catch (error) {
        if (!(error instanceof RetryableFailure)) throw error;
        (tried ??= new Set()).add(copy.id);
        const untried = copies.some((c) => !tried!.has(c.id));
        if (untried && tried.size <= maxRetries) {
          this.#options.observer.requestRetried?.(target, error.reason);
          continue;
        }
        if (!componentName) throw runtimeErrors.modelUnreachable(error.message);
        // No copy it tried ever got the request (their host is gone or going): it waits, as at zero copies, for another copy.
        holdUntil ??= this.#options.clock.now() + this.#options.hold.holdMs;
        failure = error;
        copies = [];
        this.#options.observer.requestRetried?.(target, error.reason);
      }
    }
  }

  /**
   * A request in an open session goes to the copy that holds it, or nowhere: another copy lacks its state.
   * It skips the copy's concurrency limit and queue, as the session's state is on that copy alone.
   */
  async #invokeInSession(endpoint: EndpointRoute, original: InvokeRequest, sessionId: string): Promise<InvokeResult> {
    let request = original;
    const found = await this.#options.sessions.lookup(endpoint.name, sessionId);
    if ("missing" in found) throw runtimeErrors.sessionNotOpen(sessionId, endpoint.name, found.missing);
    const session = found.session;
    const choice = this.#target(endpoint, endpoint.hostsComponents ? request : { ...request, targetVariant: session.variantName });
    if (choice.componentName?.toLowerCase() !== session.componentName?.toLowerCase()) throw runtimeErrors.sessionNotOpen(sessionId, endpoint.name, "unknown");
    const copy = choice.copies.find((c) => c.id === session.copyId) ?? choice.draining?.find((c) => c.id === session.copyId);
    // The same copy id with another restart count, or started by another run of its agent, is another process.
    if (!copy || copy.restarts !== session.copyRestarts || copy.startedAt !== session.copyStartedAt)
      throw runtimeErrors.sessionCopyGone(sessionId, session.copyId);
    if (choice.adapter) request = { ...request, headers: withAdapter(request.headers, choice.adapter) };
    const target = this.#targetOf(endpoint.name, choice.variantName, choice.componentName, copy);
    let result: InvokeResult;
    try {
      result = await this.#send(copy, request, target, false);
    } catch (error) {
      if (error instanceof RetryableFailure) throw runtimeErrors.sessionCopyGone(sessionId, session.copyId);
      throw error;
    }
    await this.#noteSession(result, endpoint.name, copy);
    return result;
  }

  /** Records the session the container opened, or forgets the one it closed, before the client hears of it. */
  async #noteSession(result: InvokeResult, endpointName: string, copy: RouteCopy): Promise<void> {
    const opened = parseNewSessionHeader(result.newSessionId);
    const closed = result.closedSessionId;
    if (!opened && closed === undefined) return;
    const sessions = this.#options.sessions;
    try {
      if (opened) {
        await sessions.open({
          id: opened.id,
          endpointName,
          variantName: result.variantName,
          componentName: result.componentName,
          copyId: copy.id,
          copyRestarts: copy.restarts,
          copyStartedAt: copy.startedAt,
          expiresAt: opened.expiresAt,
        });
      }
      if (closed !== undefined) await sessions.close({ endpointName, id: closed });
    } catch (error) {
      // A gathered answer is charged to the body budget, which the caller would have given back: it never sees it now.
      if (result.gathered) this.bodies.give(result.gathered.size);
      else result.body.destroy();
      result.finish("unreachable");
      throw error;
    }
  }

  /**
   * No copy with a free slot: the request waits in its component's queue for whichever copy frees one
   * first (or becomes ready), and gets it with the slot already taken. With no ready copy at all, a
   * component that is starting copies, or that may wake from zero, holds the request; it still counts
   * as a NoCapacityInvocationFailure, as SageMaker would have failed it, so alarms wired the SageMaker
   * way see it. Waiting requests are reported as the component's backlog, which may grow it at once.
   */
  async #waitForCopy(
    endpointName: string,
    componentName: string,
    copies: RouteCopy[],
    request: InvokeRequest,
    tried: ReadonlySet<string> | undefined,
    holdUntil: number | undefined,
    failure: RetryableFailure | undefined,
  ): Promise<RouteCopy> {
    const endpoint = this.#table.endpoints.get(endpointName.toLowerCase());
    if (!endpoint) throw runtimeErrors.endpointNotFound(request.endpointName, this.#options.accountId);
    const route = endpoint.components.get(componentName.toLowerCase());
    if (!route) throw runtimeErrors.componentNotFound(componentName, endpoint.name);
    const key = queueKey(endpoint.name, route.name);
    const timeoutMs = holdUntil === undefined ? undefined : holdUntil - this.#options.clock.now();
    if (failure && timeoutMs !== undefined && timeoutMs <= 0) throw runtimeErrors.modelUnreachable(failure.message);
    if (copies.length === 0 && !failure) {
      const target: RequestTarget = { endpointName: endpoint.name, variantName: route.variantName, componentName: route.name };
      this.#options.observer.requestFinished(target, "no_capacity", 0, 0);
      if (route.desiredCopies === 0 && !route.wakeable) throw runtimeErrors.noCapacity();
      if (route.desiredCopies === 0) this.#options.onWake(route.servedBy);
    }
    const signal = request.signal.asAbortSignal();
    const waiting = this.#waiting.wait(key, signal, {
      exclude: tried,
      timeoutMs,
      expired: failure && (() => runtimeErrors.modelUnreachable(`${failure.message}, and no other copy became ready within the hold time`)),
    });
    this.#options.onBacklog(route.servedBy, this.#waiting.held(key));
    // A copy may have freed, or a table arrived, while the request looked for one.
    this.#dispatch(key);
    return waiting;
  }

  /** Hands the component's oldest waiting requests to its copies with a free slot, taking the slot for them. */
  #dispatch(key: string): void {
    // Other components may be the ones waiting: look no further than the queue then.
    if (this.#waiting.held(key) === 0) return;
    const separator = key.indexOf("\u0000");
    const route = this.#table.endpoints.get(key.slice(0, separator))?.components.get(key.slice(separator + 1));
    const copies = route?.copies;
    if (!copies || copies.length === 0) return;
    const limit = this.#options.copyConcurrency;
    this.#waiting.dispatch(key, (exclude) => {
      const copy = this.#pick(copies, route.strategy, { exclude, rotation: this.#rotation++, random: this.#options.random, limit });
      if (copy) this.#state(copy.id).inFlight++;
      return copy;
    });
  }

  /** pickCopy, passing over copies whose connection just failed unless every copy left to try has. */
  #pick(copies: RouteCopy[], strategy: RoutingStrategy, options: PickOptions): RouteCopy | undefined {
    if (this.#failing.size === 0) return pickCopy(copies, strategy, this.#loadOf, options);
    const avoid = this.#failing.orTried(options.exclude);
    if (copies.every((copy) => avoid.has(copy.id))) return pickCopy(copies, strategy, this.#loadOf, options);
    return pickCopy(copies, strategy, this.#loadOf, { ...options, exclude: avoid });
  }

  #target(endpoint: EndpointRoute, request: InvokeRequest): TargetChoice {
    if (endpoint.hostsComponents) {
      if (!request.componentName) throw runtimeErrors.componentHeaderRequired();
      const component: ComponentRoute | undefined = endpoint.components.get(request.componentName.toLowerCase());
      if (!component) throw runtimeErrors.componentNotFound(request.componentName, endpoint.name);
      return {
        copies: component.copies,
        strategy: component.strategy,
        prefix: component.prefix,
        variantName: component.variantName,
        componentName: component.name,
        adapter: component.adapter,
        draining: component.draining,
      };
    }
    if (request.componentName) throw runtimeErrors.componentHeaderNotAllowed();
    const variant = request.targetVariant ? endpoint.variants.find((v) => v.name === request.targetVariant) : this.#weightedVariant(endpoint.variants);
    if (!variant) throw runtimeErrors.variantNotFound(request.targetVariant ?? "", endpoint.name);
    return { copies: variant.copies, strategy: variant.strategy, prefix: variant.prefix, variantName: variant.name, draining: variant.draining };
  }

  #weightedVariant(variants: VariantRoute[]): VariantRoute | undefined {
    if (variants.length <= 1) return variants[0];
    const total = variants.reduce((sum, v) => sum + v.weight, 0);
    let point = this.#options.random() * total;
    for (const variant of variants) {
      point -= variant.weight;
      if (point < 0) return variant;
    }
    return variants[variants.length - 1];
  }

  /**
   * The request's target, one object per copy and component reused by every request to them: observers find
   * their numbers for it by identity (RouterMetrics), with nothing allocated per request. Never changed.
   */
  #targetOf(endpointName: string, variantName: string, componentName: string | undefined, copy: RouteCopy): RequestTarget {
    const cached = this.#targets.get(copy);
    if (cached && cached.componentName === componentName && cached.variantName === variantName && cached.endpointName === endpointName) return cached;
    const target: RequestTarget = Object.freeze({ endpointName, variantName, componentName, copyId: copy.id });
    this.#targets.set(copy, target);
    return target;
  }

  #state(copyId: string): CopyState {
    let state = this.#copies.get(copyId);
    if (!state) {
      state = { inFlight: 0, idleWaiters: [] };
      this.#copies.set(copyId, state);
    }
    return state;
  }

  async #send(copy: RouteCopy, request: InvokeRequest, target: RequestTarget, reserved: boolean): Promise<InvokeResult> {
    const state = this.#state(copy.id);
    if (!reserved) state.inFlight++;
    this.#options.observer.requestStarted(target);
    const sentAt = performance.now();
    let finished = false;
    const finish = (outcome: RequestOutcome) => {
      if (finished) return;
      finished = true;
      state.inFlight--;
      if (this.#failing.size > 0 && (outcome === "ok" || outcome === "model_4xx" || outcome === "model_5xx")) this.#failing.answered(copy.id);
      if (state.inFlight === 0 && state.idleWaiters.length > 0) for (const wake of state.idleWaiters.splice(0)) wake();
      if (this.#waiting.total > 0 && target.componentName) this.#dispatch(queueKey(target.endpointName, target.componentName));
      const end = performance.now();
      const modelMs = end - sentAt;
      this.#options.observer.requestFinished(target, outcome, modelMs, Math.max(0, end - request.startedAt - modelMs));
    };
    if (request.gatherUpTo !== undefined) return this.#sendGathered(copy, request, target, finish, request.gatherUpTo);
    let response: Dispatcher.ResponseData;
    try {
      response = await this.#pools.get(copy.origin).request({
        path: "/invocations",
        method: "POST",
        headers: copy.headers ? { ...request.headers, ...copy.headers } : request.headers,
        body: request.body,
        signal: request.signal,
        headersTimeout: this.#options.invokeTimeoutMs,
        bodyTimeout: this.#options.invokeTimeoutMs,
      });
    } catch (error) {
      throw this.#unanswered(error, copy, request, finish);
    }
    const status = response.statusCode;
    if (status < 200 || status >= 300) {
      let text = "";
      if (copyAbsent(status, response.headers)) await response.body.dump().catch(() => undefined);
      else text = await readErrorText(response.body);
      throw this.#refusal(status, response.headers, copy, finish, text);
    }
    // An answer that breaks off mid-body is the copy's connection failing, as a cut gathered answer is,
    // unless its client left or the copy went silent past the invocation timeout.
    response.body.once("error", (error: Error & { code?: string }) => {
      if (!request.signal.aborted && error.code !== "UND_ERR_BODY_TIMEOUT") this.#failing.failed(copy);
    });
    return this.#answered(status, response.headers, copy, target, finish, response.body);
  }

  /** An answer that is not the model's success: a copy its host no longer runs (tried elsewhere), or the model's error. */
  #refusal(status: number, headers: IncomingHttpHeaders, copy: RouteCopy, finish: (outcome: RequestOutcome) => void, text: string): Error {
    if (copyAbsent(status, headers)) {
      this.#failing.failed(copy);
      finish("unreachable");
      return new RetryableFailure(`copy ${copy.id} is not running on its host any more`, "copy_absent");
    }
    finish(status >= 500 ? "model_5xx" : "model_4xx");
    return runtimeErrors.modelError({ status, body: text, copy: copy.id, logHint: `the server log of copy ${copy.id}` });
  }

  /** The result of a 2xx answer: streamed from `body`, or `gathered` whole (then `body` replays it). */
  #answered(
    status: number,
    headers: IncomingHttpHeaders,
    copy: RouteCopy,
    target: RequestTarget,
    finish: (outcome: RequestOutcome) => void,
    body: Readable | undefined,
    gathered?: { chunks: Buffer[]; size: number },
  ): InvokeResult {
    const fields = {
      statusCode: status,
      contentType: header(headers["content-type"]),
      customAttributes: header(headers["x-amzn-sagemaker-custom-attributes"]),
      variantName: target.variantName,
      componentName: target.componentName,
      copyId: copy.id,
      newSessionId: header(headers["x-amzn-sagemaker-new-session-id"]),
      closedSessionId: header(headers["x-amzn-sagemaker-closed-session-id"]),
      timeoutSeconds: this.#options.invokeTimeoutMs / 1000,
      finish,
    };
    return new RoutedAnswer(fields, body, gathered);
  }

  /** What a request that got no status line from the copy becomes; the copy's slot is freed with the outcome. */
  #unanswered(error: unknown, copy: RouteCopy, request: InvokeRequest, finish: (outcome: RequestOutcome) => void): Error {
    const code = (error as { code?: string }).code;
    if (neverReachedCopy(error)) {
      this.#failing.failed(copy);
      finish("unreachable");
      return new RetryableFailure(`${code ?? "connection failed"} on copy ${copy.id}`, "unreachable");
    }
    if (request.signal.aborted) {
      finish("client_closed");
      return error as Error;
    }
    if (code === "UND_ERR_HEADERS_TIMEOUT") {
      finish("timeout");
      return runtimeErrors.modelTimeout(this.#options.invokeTimeoutMs / 1000);
    }
    // The copy answered, with more header bytes than HTTP clients read: its fault, not a copy that is down.
    if (code === "UND_ERR_HEADERS_OVERFLOW") {
      finish("model_5xx");
      return runtimeErrors.responseHeadersTooLarge(copy.id, maxHeaderSize);
    }
    this.#failing.failed(copy);
    finish("unreachable");
    return runtimeErrors.modelUnreachable(`${code ?? (error as Error).message} on copy ${copy.id}`);
  }

  /**
   * #send for an answer gathered whole (gathered-answer.ts): the same outcomes, errors and retries as the
   * streamed path and the runtime route's reading of its body together. The caller calls finish("ok").
   */
  async #sendGathered(
    copy: RouteCopy,
    request: InvokeRequest,
    target: RequestTarget,
    finish: (outcome: RequestOutcome) => void,
    cap: number,
  ): Promise<InvokeResult> {
    let answer: GatheredAnswer;
    try {
      answer = await gatherAnswer(
        this.#pools.get(copy.origin),
        {
          origin: copy.origin,
          path: "/invocations",
          method: "POST",
          headers: copy.headers ? { ...request.headers, ...copy.headers } : request.headers,
          body: request.body,
          headersTimeout: this.#options.invokeTimeoutMs,
          bodyTimeout: this.#options.invokeTimeoutMs,
        },
        request.signal,
        {
          cap,
          tooLarge: runtimeErrors.responseTooLarge,
          budget: this.bodies,
          held: request.heldBytes ?? 0,
          skipBody: copyAbsent,
        },
      );
    } catch (error) {
      if (!(error instanceof AnswerBroken)) throw this.#unanswered(error, copy, request, finish);
      const cause = error.cause;
      if (request.signal.aborted) {
        finish("client_closed");
        throw cause;
      }
      if (BerthError.is(cause)) {
        finish(cause.code === "ModelError" ? "model_5xx" : "throttled");
        throw cause;
      }
      if ((cause as { code?: string }).code === "UND_ERR_BODY_TIMEOUT") {
        finish("timeout");
        throw runtimeErrors.modelTimeout(this.#options.invokeTimeoutMs / 1000);
      }
      this.#failing.failed(copy);
      finish("unreachable");
      throw runtimeErrors.responseCut(copy.id, cause.message);
    }
    const { statusCode: status, headers, chunks, size } = answer;
    if (status < 200 || status >= 300) {
      throw this.#refusal(status, headers, copy, finish, errorText(chunks, size));
    }
    return this.#answered(status, headers, copy, target, finish, undefined, { chunks, size });
  }
}

/** A component's queue: its endpoint and component names, lower-cased, joined by a NUL. */
function queueKey(endpointName: string, componentName: string): string {
  return `${endpointName.toLowerCase()}\u0000${componentName.toLowerCase()}`;
}

/** Requests one copy serves at once unless configured: the keep-alive connections per copy, as before the limit existed. */
export const defaultCopyConcurrency = 64;

/** A request goes to at most this many other copies after the first: only failures that prove the copy never got it count. */
const maxRetries = 2;

class RetryableFailure extends Error {
  constructor(
    message: string,
    readonly reason: RetryReason,
  ) {
    super(message);
  }
}

interface TargetChoice {
  copies: RouteCopy[];
  strategy: VariantRoute["strategy"];
  prefix?: PrefixRouting;
  variantName: string;
  componentName?: string;
  adapter?: string;
  draining?: RouteCopy[];
}

/** An adapter component's requests reach its base's copies asking for the adapter by name. */
function withAdapter(headers: Record<string, string>, adapter: string): Record<string, string> {
  const user = headers["x-amzn-sagemaker-custom-attributes"];
  return { ...headers, "x-amzn-sagemaker-custom-attributes": user ? `adapter=${adapter},${user}` : `adapter=${adapter}` };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export { BerthError };
