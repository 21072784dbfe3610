import type { IncomingMessage, ServerResponse } from "node:http";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { BerthError } from "../../domain/errors/berth-error.js";
import { runtimeErrors, streamErrors } from "../../domain/errors/runtime.js";
import type { RequestOutcome } from "../../router/observer.js";
import { ClientAbort, type InvokeResult, type Router } from "../../router/router.js";
import { writeJsonError } from "../awsjson/errors.js";
import type { RequestContext } from "../http/context.js";
import { pathOf, type PrefixRoute } from "../http/server.js";
import { exceptionEvent, payloadPart } from "./event-stream.js";

/** SageMaker's payload limit for InvokeEndpoint (6 MB). */
export const maxInvokeBodyBytes = 6 * 1024 * 1024;

const componentNamePattern = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const endpointNamePattern = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;
const visibleAscii = /^[\x20-\x7e]*$/;

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
  // Reading the body finishes verifying the signature, so it comes before any other answer.
  const body = await ctx.readBody(maxInvokeBodyBytes).catch((error) => {
    throw BerthError.is(error) && error.code === "RequestEntityTooLargeException" ? runtimeErrors.bodyTooLarge(maxInvokeBodyBytes) : error;
  });
  const path = pathOf(req.url ?? "");
  const rest = path.slice("/endpoints/".length);
  const slash = rest.indexOf("/");
  const operation = slash < 0 ? "" : rest.slice(slash + 1);
  const stream = operation === "invocations-response-stream";
  if (slash < 0 || (operation !== "invocations" && !stream)) throw runtimeErrors.routeNotFound(path);
  if (req.method !== "POST") throw runtimeErrors.routeNotFound(`${req.method} ${path}`);
  const rawName = rest.slice(0, slash);
  const endpointName = rawName.includes("%") ? decodeURIComponent(rawName) : rawName;
  if (endpointName.length > 63 || !endpointNamePattern.test(endpointName)) throw runtimeErrors.badHeader("EndpointName (path)", `'${endpointName}' is not a valid endpoint name`);
  ctx.auth.authorizeInvoke(endpointName);
  const componentName = single(req.headers["x-amzn-sagemaker-inference-component"]);
  if (componentName !== undefined && (componentName.length > 63 || !componentNamePattern.test(componentName))) {
    throw runtimeErrors.badHeader("X-Amzn-SageMaker-Inference-Component", `'${componentName}' is not a valid inference component name`);
  }
  const customAttributes = single(req.headers["x-amzn-sagemaker-custom-attributes"]);
  if (customAttributes !== undefined && (customAttributes.length > 1024 || !visibleAscii.test(customAttributes))) {
    throw runtimeErrors.badHeader("X-Amzn-SageMaker-Custom-Attributes", "must be at most 1024 visible ASCII characters");
  }
  const headers: Record<string, string> = { "content-type": single(req.headers["content-type"]) ?? "application/octet-stream" };
  const accept = single(stream ? req.headers["x-amzn-sagemaker-accept"] : req.headers.accept);
  if (accept) headers.accept = accept;
  if (customAttributes) headers["x-amzn-sagemaker-custom-attributes"] = customAttributes;
  if (stream) headers["x-berth-stream"] = "true";
  const abort = new ClientAbort();
  res.once("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  const result = await router.invoke({
    endpointName,
    componentName,
    targetVariant: single(req.headers["x-amzn-sagemaker-target-variant"]),
    body,
    headers,
    stream,
    signal: abort,
    startedAt: ctx.startedAt,
  });
  if (stream) await relayStream(result, res, ctx);
  else await relay(result, res);
}

async function relay(result: InvokeResult, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {
    "content-type": result.contentType ?? "application/octet-stream",
    "x-amzn-invoked-production-variant": result.variantName,
    "x-amzn-sagemaker-custom-attributes": result.customAttributes ?? "",
  };
  if (result.componentName) headers["x-amzn-sagemaker-inference-component"] = result.componentName;
  res.writeHead(200, headers);
  result.finish(await copyBody(result.body, res));
}

/**
 * Copies the model's answer to the client and says how that ended. Written out rather than
 * stream.pipeline, which builds an AbortController and aborts it, DOMException and all, on every
 * finish: about a third of the router's CPU time per request (bench/router-ab.ts).
 */
function copyBody(body: Readable, res: ServerResponse): Promise<RequestOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: RequestOutcome) => {
      if (settled) return;
      settled = true;
      body.off("data", onData);
      res.off("drain", onDrain);
      res.off("finish", onFinish);
      res.off("close", onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      if (!res.write(chunk)) body.pause();
    };
    const onDrain = () => body.resume();
    const onFinish = () => settle("ok");
    // Before finish, close means the client went away: stop reading, which aborts the model's request.
    const onClose = () => {
      body.destroy();
      settle("client_closed");
    };
    // Stays attached after settling: a body destroyed later still emits its error.
    body.on("error", () => {
      res.destroy();
      settle("unreachable");
    });
    if (res.destroyed) return onClose();
    body.once("end", () => res.end());
    body.on("data", onData);
    res.on("drain", onDrain);
    res.once("finish", onFinish);
    res.once("close", onClose);
  });
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
      if (!res.write(payloadPart(chunk as Uint8Array))) await once(res, "drain");
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

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
