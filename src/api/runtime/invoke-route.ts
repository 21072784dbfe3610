import type { IncomingMessage, ServerResponse } from "node:http";
import { BerthError } from "../../domain/errors/berth-error.js";
import { runtimeErrors, streamErrors } from "../../domain/errors/runtime.js";
import { ClientAbort, type InvokeResult, type Router } from "../../router/router.js";
import { readCapped } from "../../router/bounded-body.js";
import { writeJsonError } from "../awsjson/errors.js";
import type { RequestContext } from "../http/context.js";
import { pathOf, type PrefixRoute } from "../http/server.js";
import { exceptionEvent, payloadPart } from "./event-stream.js";
import { newSessionValue } from "../../router/sessions.js";
import { prefixAwareIdOf } from "./prefix-aware-id.js";

/** SageMaker's payload limit for InvokeEndpoint (6 MB). */
export const maxInvokeBodyBytes = 6 * 1024 * 1024;
/** SageMaker's limit on a non-streaming answer, the same 6 MB. */
export const maxInvokeResponseBytes = 6 * 1024 * 1024;
/** A streamed answer has no total limit, but each PayloadPart event carries at most this much. */
export const maxEventBytes = 64 * 1024;

const componentNamePattern = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const endpointNamePattern = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;
const visibleAscii = /^[\x20-\x7e]*$/;
/** SessionId: NEW_SESSION (InvokeEndpoint only) or a session id, at most 256 characters (the service model's shapes). */
const sessionIdPattern = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;

/** SageMaker Runtime (restJson1): InvokeEndpoint and InvokeEndpointWithResponseStream. */
export function runtimeRoute(router: Router): PrefixRoute {
  return {
    prefix: "/endpoints/",
    readsBody: true,
    handle: async (req, res, ctx) => {
      try {
        await invoke(router, req, res, ctx);
      } catch (error) {
        const wire = BerthError.is(error) ? error : runtimeErrors.internal(ctx.requestId);
        if (!BerthError.is(error) && !res.destroyed) ctx.log.error({ err: error, requestId: ctx.requestId }, "invocation failed unexpectedly");
        if (!res.destroyed) writeJsonError(res, wire, { contentType: "application/json", requestId: ctx.requestId });
      }
    },
  };
}

async function invoke(router: Router, req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
  const path = pathOf(req.url ?? "");
  const rest = path.slice("/endpoints/".length);
  const slash = rest.indexOf("/");
  const operation = slash < 0 ? "" : rest.slice(slash + 1);
  const stream = operation === "invocations-response-stream";
  if (operation === "async-invocations" && req.method === "POST") throw runtimeErrors.asyncNotServed();
  if (slash < 0 || (operation !== "invocations" && !stream)) throw runtimeErrors.routeNotFound(path);
  if (req.method !== "POST") throw runtimeErrors.routeNotFound(`${req.method} ${path}`);
  const endpointName = endpointNameOf(rest.slice(0, slash));
  ctx.auth.authorizeInvoke(endpointName);
  const componentName = single(req.headers["x-amzn-sagemaker-inference-component"]);
  if (componentName !== undefined && (componentName.length > 63 || !componentNamePattern.test(componentName))) {
    throw runtimeErrors.badHeader("X-Amzn-SageMaker-Inference-Component", `'${componentName}' is not a valid inference component name`);
  }
  const customAttributes = single(req.headers["x-amzn-sagemaker-custom-attributes"]);
  if (customAttributes !== undefined && (customAttributes.length > 1024 || !visibleAscii.test(customAttributes))) {
    throw runtimeErrors.badHeader("X-Amzn-SageMaker-Custom-Attributes", "must be at most 1024 visible ASCII characters");
  }
  const sessionId = single(req.headers["x-amzn-sagemaker-session-id"]);
  if (sessionId !== undefined) checkSessionId(sessionId, stream);
  const prefixAwareId = prefixAwareIdOf(single(req.headers["x-amzn-sagemaker-prefix-aware-id"]));
  // Bodies count against the shared budget from their first byte until their response ends, however it
  // ends: the close listener gives back whatever this request holds then.
  const declared = Number(req.headers["content-length"]);
  if (declared > maxInvokeBodyBytes) throw runtimeErrors.bodyTooLarge(maxInvokeBodyBytes);
  const bodies = router.bodies;
  if (declared > bodies.limit) throw runtimeErrors.bodyBudgetTooSmall(bodies, declared, false);
  if (bodies.refuses(declared || 0)) throw runtimeErrors.bodyBudgetExhausted(bodies);
  let charged = 0;
  const abort = new ClientAbort();
  res.once("close", () => {
    bodies.give(charged);
    charged = 0;
    if (!res.writableFinished) abort.abort();
  });
  const request = await readCapped(req, maxInvokeBodyBytes, bodies, runtimeErrors.bodyTooLarge);
  if (res.destroyed) return bodies.give(request.size);
  charged = request.size;
  const raw = request.chunks.length === 1 ? request.chunks[0]! : Buffer.concat(request.chunks, request.size);
  // Verifying the signature over the body (and unwrapping aws-chunked framing) comes before any use of it.
  const body = await ctx.auth.body(raw);
  const headers: Record<string, string> = { "content-type": single(req.headers["content-type"]) ?? "application/octet-stream" };
  const accept = single(stream ? req.headers["x-amzn-sagemaker-accept"] : req.headers.accept);
  if (accept) headers.accept = accept;
  if (customAttributes) headers["x-amzn-sagemaker-custom-attributes"] = customAttributes;
  if (stream) headers["x-berth-stream"] = "true";
  if (sessionId) headers["x-amzn-sagemaker-session-id"] = sessionId;
  const result = await router.invoke({
    endpointName,
    componentName,
    targetVariant: single(req.headers["x-amzn-sagemaker-target-variant"]),
    body,
    headers,
    stream,
    signal: abort,
    startedAt: ctx.startedAt,
    sessionId,
    prefixAwareId,
    // SageMaker's 6 MB, gathered before any status line is sent, so an answer cut short or too large becomes
    // a ModelError instead of a truncated 200.
    gatherUpTo: stream ? undefined : maxInvokeResponseBytes,
    heldBytes: request.size,
  });
  if (stream) return relayStream(result, res, ctx);
  result.finish("ok");
  const answer = result.gathered!;
  // The gathered answer joins the request's charge, given back by the close listener above.
  if (res.destroyed) return bodies.give(answer.size);
  charged += answer.size;
  send(result, res, answer.chunks, answer.size);
}

function checkSessionId(sessionId: string, stream: boolean): void {
  if (sessionId === newSessionValue) {
    if (stream) throw runtimeErrors.newSessionOnStream();
    return;
  }
  if (sessionId.length > 256 || !sessionIdPattern.test(sessionId)) {
    throw runtimeErrors.badHeader(
      "X-Amzn-SageMaker-Session-Id",
      `must be ${stream ? "" : "NEW_SESSION or "}a session id of at most 256 letters, digits and hyphens`,
    );
  }
}

/** The endpoint name from its path segment; malformed percent-encoding and invalid names are the client's error. */
function endpointNameOf(segment: string): string {
  let name = segment;
  if (segment.includes("%")) {
    try {
      name = decodeURIComponent(segment);
    } catch {
      throw runtimeErrors.malformedPath(segment);
    }
  }
  if (name.length > 63 || !endpointNamePattern.test(name)) throw runtimeErrors.badEndpointName(name);
  return name;
}

/** Sends a gathered answer with its Content-Length, the chunks as they arrived (never joined into a copy). */
function send(result: InvokeResult, res: ServerResponse, chunks: Buffer[], size: number): void {
  const headers: Record<string, string | number> = {
    "content-type": result.contentType ?? "application/octet-stream",
    "content-length": size,
    "x-amzn-invoked-production-variant": result.variantName,
    "x-amzn-sagemaker-custom-attributes": result.customAttributes ?? "",
  };
  if (result.componentName) headers["x-amzn-sagemaker-inference-component"] = result.componentName;
  if (result.newSessionId !== undefined) headers["x-amzn-sagemaker-new-session-id"] = result.newSessionId;
  if (result.closedSessionId !== undefined) headers["x-amzn-sagemaker-closed-session-id"] = result.closedSessionId;
  res.writeHead(200, headers);
  if (chunks.length === 1) return void res.end(chunks[0]);
  for (const chunk of chunks) res.write(chunk);
  res.end();
}

async function relayStream(result: InvokeResult, res: ServerResponse, ctx: RequestContext): Promise<void> {
  const headers: Record<string, string> = {
    "content-type": "application/vnd.amazon.eventstream",
    "x-amzn-sagemaker-content-type": result.contentType ?? "application/octet-stream",
    "x-amzn-invoked-production-variant": result.variantName,
    "x-amzn-sagemaker-custom-attributes": result.customAttributes ?? "",
  };
  if (result.componentName) headers["x-amzn-sagemaker-inference-component"] = result.componentName;
  res.writeHead(200, headers);
  try {
    for await (const chunk of result.body) {
      if (res.destroyed) break;
      if (!writeEvents(res, chunk as Buffer)) await drainedOrClosed(res);
    }
    if (res.destroyed) {
      result.finish("client_closed");
      return;
    }
    res.end();
    result.finish("ok");
  } catch (error) {
    if (res.destroyed) {
      result.finish("client_closed");
      return;
    }
    const timedOut = (error as { code?: string }).code === "UND_ERR_BODY_TIMEOUT";
    const event = timedOut
      ? streamErrors.modelStreamError("The model stopped sending tokens for longer than the invocation timeout.", "ModelInvocationTimeExceeded")
      : streamErrors.modelStreamError(`The model's stream broke: ${(error as Error).message}`, "StreamBroken");
    ctx.log.warn({ copy: result.copyId, err: error }, "response stream broke after it started");
    res.end(exceptionEvent(event.type, event.body));
    result.finish(timedOut ? "timeout" : "unreachable");
  }
}

/** Writes one upstream chunk as PayloadPart events of at most maxEventBytes each; false when the client is full. */
function writeEvents(res: ServerResponse, chunk: Buffer): boolean {
  if (chunk.length <= maxEventBytes) return res.write(payloadPart(chunk));
  let open = true;
  for (let offset = 0; offset < chunk.length; offset += maxEventBytes) open = res.write(payloadPart(chunk.subarray(offset, offset + maxEventBytes)));
  return open;
}

/** Waits for a full client to drain; a client that leaves instead must not leave the stream (and its copy) waiting forever. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
