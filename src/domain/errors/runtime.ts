import { BerthError } from "./berth-error.js";

const validation = (message: string) => new BerthError({ code: "ValidationError", httpStatus: 400, message });

/** A value from a hostile request, shortened and with control characters escaped, safe to quote in a message. */
function quoted(value: string): string {
  const short = value.length > 128 ? `${value.slice(0, 128)}...` : value;
  return short.replace(/[\x00-\x1f\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A failure of the model's answer that the model did not report itself: SageMaker's "server error (0)". */
const modelFailure = (detail: string) =>
  new BerthError({
    code: "ModelError",
    httpStatus: 424,
    message: `Received server error (0) from primary with message "${detail}"`,
    members: { OriginalStatusCode: 0, OriginalMessage: detail },
  });

/** A body budget as its refusals describe it: its limit, and with router workers, the whole budget it is a share of. */
export interface BudgetTerms {
  limit: number;
  split?: { workers: number; wholeBytes: number };
}

/** SageMaker Runtime (restJson1) errors; texts clients may match are kept as the service writes them. */
export const runtimeErrors = {
  endpointNotFound: (endpoint: string, account: string) => validation(`Endpoint ${endpoint} of account ${account} not found.`),
  componentHeaderRequired: () => validation("Inference Component Name header is required for this endpoint."),
  componentHeaderNotAllowed: () =>
    validation(
      "Inference Component Name header is not allowed for endpoints to which you dont plan to deploy inference components. Please remove the Inference Component Name header and try again.",
    ),
  componentNotFound: (component: string, endpoint: string) =>
    validation(`Inference component ${component} is not deployed on endpoint ${endpoint}. Check the X-Amzn-SageMaker-Inference-Component header.`),
  noCapacity: () =>
    validation(
      "Inference Component has no capacity to process this request. ApplicationAutoScaling may be in-progress (if configured) or try to increase the capacity by invoking UpdateInferenceComponentRuntimeConfig API.",
    ),
  endpointNoCapacity: (endpoint: string) =>
    validation(`Endpoint ${endpoint} has no ready model copy to process this request yet. Retry once the endpoint is InService.`),
  variantNotFound: (variant: string, endpoint: string) =>
    validation(`Variant ${variant} does not exist on endpoint ${endpoint}. Check the X-Amzn-SageMaker-Target-Variant header.`),
  sessionNotOpen: (session: string, endpoint: string, why: "unknown" | "expired") =>
    validation(
      `Session ${quoted(session)} ${why === "expired" ? "has expired" : "is not open (unknown, or closed)"} on endpoint ${endpoint}. Start a new session with SessionId NEW_SESSION.`,
    ),
  sessionCopyGone: (session: string, copy: string) =>
    validation(
      `Session ${quoted(session)} was held by model copy ${copy}, which no longer serves (scaled in, replaced by an update, or restarted after a crash), so its state is lost. Start a new session with SessionId NEW_SESSION.`,
    ),
  newSessionOnStream: () =>
    validation("InvokeEndpointWithResponseStream cannot create a session: create it with InvokeEndpoint and SessionId NEW_SESSION, then stream with its id."),
  badHeader: (header: string, problem: string) => validation(`Header ${header} ${problem}.`),
  shapeViolations: (violations: string[]) =>
    validation(`${violations.length} validation error${violations.length === 1 ? "" : "s"} detected: ${violations.join("; ")}`),
  malformedPath: (segment: string) =>
    validation(
      `The endpoint name in the request path, '${quoted(segment)}', is not valid percent-encoding. Percent-encode the name as a URL path segment (encodeURIComponent), or let the SDK build the path.`,
    ),
  badEndpointName: (name: string) =>
    validation(
      name.length > 63
        ? `1 validation error detected: Value '${quoted(name)}' at 'endpointName' failed to satisfy constraint: Member must have length less than or equal to 63`
        : `1 validation error detected: Value '${quoted(name)}' at 'endpointName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*`,
    ),
  bodyTooLarge: (limit: number) => validation(`Request payload is larger than ${limit} bytes, the most InvokeEndpoint accepts. Send a smaller body.`),
  modelError: (options: { status: number; body: string; copy: string; logHint: string }) => {
    const kind = options.status >= 500 ? "server" : "client";
    return new BerthError({
      code: "ModelError",
      httpStatus: 424,
      message: `Received ${kind} error (${options.status}) from primary with message "${options.body}". See ${options.logHint} for more information.`,
      members: { OriginalStatusCode: options.status, OriginalMessage: options.body, LogStreamArn: options.logHint },
    });
  },
  modelTimeout: (seconds: number) =>
    new BerthError({
      code: "ModelError",
      httpStatus: 424,
      message: `Received server error (0) from primary with message "Your invocation timed out while waiting for a response from container primary after ${seconds} s. Review the ModelLatency metric of the inference component, resolve the issue, and try again."`,
      members: { OriginalStatusCode: 0, OriginalMessage: "timed out" },
    }),
  modelUnreachable: (detail: string) =>
    new BerthError({
      code: "ModelError",
      httpStatus: 424,
      message: `Received server error (0) from primary with message "The model container could not be reached (${detail}). It may have stopped; Berth restarts it automatically."`,
      members: { OriginalStatusCode: 0, OriginalMessage: detail },
    }),
  responseTooLarge: (limit: number) =>
    modelFailure(
      `The model's response is larger than ${limit} bytes, the most InvokeEndpoint returns; Berth dropped it. Return a smaller response, or call InvokeEndpointWithResponseStream, which has no total limit.`,
    ),
  responseHeadersTooLarge: (copy: string, limit: number) =>
    modelFailure(
      `The model container answered with response headers larger than ${limit} bytes, the most Berth reads; Berth dropped the answer. Return smaller headers (see the server log of copy ${copy}).`,
    ),
  responseCut: (copy: string, detail: string) =>
    modelFailure(
      `The model container closed its connection before its response was complete (${detail}); Berth sent no part of it. See the server log of copy ${copy}.`,
    ),
  bodyBudgetExhausted: (budget: BudgetTerms) =>
    new BerthError({
      code: "ServiceUnavailable",
      httpStatus: 503,
      retryable: true,
      message: budget.split
        ? `This router worker is holding as many request and response body bytes as its share of limits.bufferedBodyBudgetBytes allows: ${budget.limit} bytes, the budget of ${budget.split.wholeBytes} bytes split between ${budget.split.workers} router workers. Retry with backoff; if this is steady load, raise limits.bufferedBodyBudgetBytes or add capacity.`
        : `Berth's router is holding as many request and response body bytes as limits.bufferedBodyBudgetBytes allows (${budget.limit}). Retry with backoff; if this is steady load, raise limits.bufferedBodyBudgetBytes or add capacity.`,
    }),
  /** A request that needs more of the body budget than there is even when it is alone: a retry could never fit. */
  bodyBudgetTooSmall: (budget: BudgetTerms, neededBytes: number, withAnswer: boolean) => {
    const what = withAnswer ? "body and the model's answer together need" : "body needs";
    const room = budget.split
      ? `this router worker's share of limits.bufferedBodyBudgetBytes: ${budget.limit} bytes, the budget of ${budget.split.wholeBytes} bytes split between ${budget.split.workers} router workers`
      : `limits.bufferedBodyBudgetBytes (${budget.limit} bytes)`;
    const raise = budget.split
      ? `raise limits.bufferedBodyBudgetBytes to at least ${neededBytes * budget.split.workers} (${budget.split.workers} × ${neededBytes}: each router worker holds its share), or run fewer router workers`
      : `raise limits.bufferedBodyBudgetBytes to at least ${neededBytes}`;
    return validation(
      `The request's ${what} at least ${neededBytes} bytes of the router's body budget, more than ${room}. It could never be served as the server is configured, so it is not worth a retry: send a smaller ${withAnswer ? "request or ask for a smaller answer" : "body"}, or ${raise}.`,
    );
  },
  asyncNotServed: () =>
    validation(
      "InvokeEndpointAsync is not served: Berth does not serve asynchronous inference (endpoint configurations with AsyncInferenceConfig are refused). " +
        'Use InvokeEndpoint, or InvokeEndpointWithResponseStream for long answers. See README "The calls tools make".',
    ),
  routeNotFound: (path: string) =>
    validation(`No runtime operation is served at ${quoted(path)}. Use /endpoints/{EndpointName}/invocations or /invocations-response-stream.`),
  internal: (requestId: string) =>
    new BerthError({
      code: "InternalFailure",
      httpStatus: 500,
      message: `The router failed to handle the request (request id ${requestId}); see the server log.`,
    }),
  shuttingDown: () => new BerthError({ code: "ServiceUnavailable", httpStatus: 503, message: "The server is shutting down. Retry against a running server." }),
};

/** Errors after the first byte of a response stream travel as exception events. */
export const streamErrors = {
  modelStreamError: (message: string, errorCode: "ModelInvocationTimeExceeded" | "StreamBroken") => ({
    type: "ModelStreamError",
    body: { Message: message, ErrorCode: errorCode },
  }),
  internalStreamFailure: (message: string) => ({ type: "InternalStreamFailure", body: { Message: message } }),
};
