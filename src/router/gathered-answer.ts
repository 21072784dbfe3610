import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import { runtimeErrors } from "../domain/errors/runtime.js";
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
export function gatherAnswer(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  abort: { aborted: boolean; once(event: "abort", listener: () => void): unknown; off(event: "abort", listener: () => void): unknown },
  limits: GatherLimits,
): Promise<GatheredAnswer> {
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let statusCode = 0;
    let headers: IncomingHttpHeaders = {};
    let started = false;
    let success = false;
    let discard = false;
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;
    const onAbort = () => controller?.abort(new ClientWentAway());
    const settle = () => {
      settled = true;
      abort.off("abort", onAbort);
    };
    const done = () => {
      if (settled) return;
      settle();
      resolve({ statusCode, headers, chunks, size });
    };
    const fail = (error: Error) => {
      if (settled) return;
      settle();
      if (success) limits.budget.give(size);
      chunks.length = 0;
      reject(started ? new AnswerBroken(error) : error);
    };
    /** Ends the exchange early: what was gathered is the answer, and the connection is closed, not drained. */
    const stop = () => {
      done();
      controller?.abort(new AnswerComplete());
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (abort.aborted) c.abort(new ClientWentAway());
        else abort.once("abort", onAbort);
      },
      onResponseStart(_c, status, responseHeaders) {
        statusCode = status;
        headers = responseHeaders;
        started = true;
        success = status >= 200 && status < 300;
        discard = limits.skipBody(status, responseHeaders);
      },
      onResponseData(_c, chunk) {
        if (settled || discard) return;
        if (!success) {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= maxErrorBodyBytes) stop();
          return;
        }
        if (size + chunk.length > limits.cap) return failAndClose(limits.tooLarge(limits.cap));
        if (!limits.budget.tryTake(chunk.length)) return failAndClose(runtimeErrors.bodyBudgetExhausted(limits.budget.limit));
        size += chunk.length;
        chunks.push(chunk);
      },
      onResponseEnd() {
        done();
      },
      onResponseError(_c, error) {
        // An error text, or a body read only to be dropped, gives what arrived: the status already says it all.
        if (started && (!success || discard)) done();
        else fail(error);
      },
    };
    const failAndClose = (error: Error) => {
      fail(error);
      controller?.abort(error);
    };
    dispatcher.dispatch(options, handler);
  });
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
