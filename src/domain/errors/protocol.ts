import { BerthError } from "./berth-error.js";

/** Errors raised before a request reaches any service: framing, content type, size, routing. */
export const protocolErrors = {
  malformedJson: (detail: string) =>
    new BerthError({ code: "SerializationException", httpStatus: 400, message: `The request body is not valid JSON (${detail}). Send a JSON object.` }),
  bodyNotObject: () => new BerthError({ code: "SerializationException", httpStatus: 400, message: "The request body must be a JSON object, e.g. {}." }),
  wrongType: (path: string, expected: string, actual: string) =>
    new BerthError({
      code: "SerializationException",
      httpStatus: 400,
      message: `Member '${path}' must be ${expected}, but the request has ${actual}. Fix the field's JSON type.`,
    }),
  wrongContentType: (received: string | undefined, expected: string) =>
    new BerthError({
      code: "SerializationException",
      httpStatus: 415,
      message: `Content-Type '${received ?? "(none)"}' is not supported here. Send the request with Content-Type: ${expected}.`,
    }),
  bodyTooLarge: (limitBytes: number) =>
    new BerthError({
      code: "RequestEntityTooLargeException",
      httpStatus: 413,
      message: `The request body is larger than ${limitBytes} bytes, the most this API accepts. Send a smaller request.`,
    }),
  missingTarget: () =>
    new BerthError({
      code: "UnknownOperationException",
      httpStatus: 400,
      message: "The request has no X-Amz-Target header. Name the operation, e.g. X-Amz-Target: SageMaker.ListEndpoints.",
    }),
  unknownOperation: (target: string) =>
    new BerthError({
      code: "UnknownOperationException",
      httpStatus: 400,
      message: `Operation '${target}' is not supported by this server. Check the X-Amz-Target header.`,
    }),
  /** An operation of the service's model that Berth does not implement: says what Berth serves instead. */
  notServed: (operation: string, scope: string) =>
    new BerthError({
      code: "UnknownOperationException",
      httpStatus: 400,
      message: `${operation} is not served: ${scope}. See README "The calls tools make".`,
    }),
  malformedPathSegment: (segment: string, what: string) =>
    new BerthError({
      code: "ValidationException",
      httpStatus: 400,
      message: `The ${what} in the request path, '${segment.length > 80 ? `${segment.slice(0, 80)}…` : segment}', is not valid percent-encoding. Percent-encode the name as a URL path segment (encodeURIComponent).`,
    }),
  notFoundRoute: (method: string, path: string) =>
    new BerthError({
      code: "UnknownOperationException",
      httpStatus: 404,
      message: `Nothing is served at ${method} ${path}. See the README for Berth's routes.`,
    }),
  methodNotAllowed: (method: string, path: string, allowed: string) =>
    new BerthError({ code: "UnknownOperationException", httpStatus: 405, message: `${method} is not allowed on ${path}; use ${allowed}.` }),
  internal: (requestId: string) =>
    new BerthError({
      code: "InternalFailure",
      httpStatus: 500,
      message: `The server failed to handle the request (request id ${requestId}). Nothing was changed by the failed step; the server log has the details under this request id.`,
    }),
  shuttingDown: () => new BerthError({ code: "ServiceUnavailable", httpStatus: 503, message: "The server is shutting down. Retry against a running server." }),
};
