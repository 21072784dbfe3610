import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import type { BodyBudget } from "./body-budget.js";
import { maxErrorBodyBytes } from "./bounded-body.js";

/** A copy's whole answer, or, for a status other than 2xx, its status and the start of its body. */
export interface GatheredAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  chunks: Buffer[];
  size: number;
}

export interface GatherLimits {
  /** A 2xx answer longer than this fails with `tooLarge(cap)`, and its connection is closed, not drained. */
  cap: number;
  tooLarge: (cap: number) => Error;
  /** Charged for each chunk of a 2xx answer as it arrives; the caller owns the charge once the promise resolves. */
  budget: BodyBudget;
  /** Bytes of the budget the request already holds (its body): an answer that cannot fit beside them alone is refused for good. */
  held: number;
  /** Answers whose body is read to its end and dropped (an agent's "copy absent"): they resolve with no chunks. */
  skipBody: (statusCode: number, headers: IncomingHttpHeaders) => boolean;
}

/** An error that came after the copy's status line: the copy got the request, so it is never sent again. */
export class AnswerBroken extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

/**
 * Sends one request to a copy with undici's dispatch() and gathers its answer in a handler, with no stream
 * per answer: the router's non-streaming invocations spent several microseconds of CPU each on the Readable
 * that request() hands out (bench/router.ts; the Node floor gathers this way too).
 *
 * A 2xx answer is gathered whole, each chunk counted against `cap` and charged to the budget; past either,
 * the promise rejects (AnswerBroken around the error) and the connection closes. For any other status only
 * the first maxErrorBodyBytes are kept for the error message, then the connection closes; an error while
 * reading them resolves with what arrived. A failure before the status line rejects with undici's own error
 * (its code tells whether the copy ever got the request); one during a 2xx answer with AnswerBroken. `abort`
 * (a client gone away) aborts the request at any point.
 */
export function gatherAnswer(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, abort: ClientSignal, limits: GatherLimits): Promise<GatheredAnswer> {
  return new Promise((resolve, reject) => dispatcher.dispatch(options, new AnswerGatherer(abort, limits, resolve, reject)));
}

type ClientSignal = { aborted: boolean; once(event: "abort", listener: () => void): unknown; off(event: "abort", listener: () => void): unknown };

/** One exchange's handler: its state in fields and its steps on the prototype, so a request makes one object and one listener rather than a dozen closures. */
class AnswerGatherer implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;
  #statusCode = 0;
  #headers: IncomingHttpHeaders = {};
  #started = false;
  #success = false;
  #discard = false;
  #settled = false;
  #chunks: Buffer[] = [];
  #size = 0;
  readonly #abort: ClientSignal;
  readonly #limits: GatherLimits;
  readonly #resolve: (answer: GatheredAnswer) => void;
  readonly #reject: (error: Error) => void;
  readonly #onAbort = () => this.#controller?.abort(new ClientWentAway());

  constructor(abort: ClientSignal, limits: GatherLimits, resolve: (answer: GatheredAnswer) => void, reject: (error: Error) => void) {
    this.#abort = abort;
    this.#limits = limits;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abort.aborted) controller.abort(new ClientWentAway());
    else this.#abort.once("abort", this.#onAbort);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.#statusCode = statusCode;
    this.#headers = headers;
    this.#started = true;
    this.#success = statusCode >= 200 && statusCode < 300;
    this.#discard = this.#limits.skipBody(statusCode, headers);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled || this.#discard) return;
    if (!this.#success) {
      this.#chunks.push(chunk);
      this.#size += chunk.length;
      if (this.#size >= maxErrorBodyBytes) this.#stop();
      return;
    }
    const limits = this.#limits;
    if (this.#size + chunk.length > limits.cap) return this.#failAndClose(limits.tooLarge(limits.cap));
    const refused = limits.budget.take(chunk.length, limits.held + this.#size + chunk.length, true);
    if (refused) return this.#failAndClose(refused);
    this.#size += chunk.length;
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.#done();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    // An error text, or a body read only to be dropped, gives what arrived: the status already says it all.
    if (this.#started && (!this.#success || this.#discard)) this.#done();
    else this.#fail(error);
  }

  #settle(): void {
    this.#settled = true;
    this.#abort.off("abort", this.#onAbort);
  }

  #done(): void {
    if (this.#settled) return;
    this.#settle();
    this.#resolve({ statusCode: this.#statusCode, headers: this.#headers, chunks: this.#chunks, size: this.#size });
  }

  #fail(error: Error): void {
    if (this.#settled) return;
    this.#settle();
    if (this.#success) this.#limits.budget.give(this.#size);
    this.#chunks.length = 0;
    this.#reject(this.#started ? new AnswerBroken(error) : error);
  }

  /** Ends the exchange early: what was gathered is the answer, and the connection is closed, not drained. */
  #stop(): void {
    this.#done();
    this.#controller?.abort(new AnswerComplete());
  }

  #failAndClose(error: Error): void {
    this.#fail(error);
    this.#controller?.abort(error);
  }
}

/** The client went away; the request to the copy is aborted. */
class ClientWentAway extends Error {
  constructor() {
    super("the client closed its connection");
  }
}

/** Ends an exchange whose answer needs no more of its body (the connection cannot be reused then). */
class AnswerComplete extends Error {
  constructor() {
    super("the router read what it needed of the answer");
  }
}
