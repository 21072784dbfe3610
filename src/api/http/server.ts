import { randomUUID } from "node:crypto";
import { BerthError } from "../../domain/errors/berth-error.js";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { performance } from "node:perf_hooks";
import { protocolErrors } from "../../domain/errors/protocol.js";
import type { Logger } from "../../util/logger.js";
import { jsonServices, pathSigningName } from "../../auth/access.js";
import type { AuthGate, RequestAuth } from "../../auth/gate.js";
import { writeJsonError } from "../awsjson/errors.js";
import { toWireError } from "./wire-error.js";
import { StorageFaultError } from "../../store/storage-fault.js";
import { StoreRequestTooLargeError, StoreUnavailableError } from "../../store/store.js";
import type { JsonService } from "../awsjson/service.js";
import { isFormRequest, type QueryService } from "../query/service.js";
import { readBody } from "./body.js";
import type { RequestContext } from "./context.js";

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext) => Promise<void> | void;

export interface PrefixRoute {
  prefix: string;
  handle: RouteHandler;
  /** Routes that read the body call ctx.readBody, which finishes SigV4 verification; for the others the server does. */
  readsBody?: boolean;
}

/** The path of a request target, without its query: about 10 ns, where split("?")[0] takes 130. */
export function pathOf(url: string): string {
  const query = url.indexOf("?");
  return query < 0 ? url : url.slice(0, query);
}

export interface ApiServerOptions {
  log: Logger;
  jsonServices: JsonService[];
  /** The service answering awsQuery requests (POST / with a form body and no X-Amz-Target): CloudWatch. */
  queryService?: QueryService;
  /** Path-dispatched routes (runtime, Berth's own REST, metrics), tried in order. */
  routes: PrefixRoute[];
  /** Routes that check their own bearer secret instead of SigV4 and the Host check (cluster-internal calls), tried first. */
  unsignedRoutes?: PrefixRoute[];
  isReady: () => boolean;
  /** The store revision the router's current table reflects: /healthz reports it, so a load balancer or a benchmark can tell when a change reached this replica's router. */
  routingRevision?: () => number | undefined;
  gate: AuthGate;
  /** PEM certificate and key: the port serves https. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** How long a connection may take to send a request's headers (config headersTimeoutSeconds); 20 s unless given. */
  headersTimeoutMs?: number;
}

/**
 * How long a connection may take to send the whole request, body included (Node's default, made explicit). It
 * covers receiving the request only, never the answer: streamed invocation answers are bounded by the router.
 */
export const requestTimeoutMs = 300_000;

/** Largest body accepted on routes that take none, read only to finish verifying the signature. */
const maxUnusedBodyBytes = 64 * 1024;

const notAdmitted: RequestAuth = {
  body: () => Promise.reject(new Error("the request was not admitted")),
  authorize: () => {
    throw new Error("the request was not admitted");
  },
  authorizeJson: () => {
    throw new Error("the request was not admitted");
  },
  authorizeInvoke: () => {
    throw new Error("the request was not admitted");
  },
};

/**
 * One port for every protocol: JSON-RPC services by X-Amz-Target, everything else by path.
 * No handler error escapes as a crash: each becomes an error response in the protocol's shape.
 */
export function createApiServer(options: ApiServerOptions): Server {
  const services = new Map(options.jsonServices.map((s) => [s.targetPrefix, s]));
  const { gate } = options;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const ctx: RequestContext = {
      requestId,
      log: options.log,
      startedAt: performance.now(),
      auth: notAdmitted,
      readBody: (limitBytes) => readBody(req, limitBytes).then((raw) => ctx.auth.body(raw)),
    };
    dispatch(req, res, ctx).catch((error) => {
      const { wire } = toWireError(error, requestId);
      // Refusals are the client's doing: logged at debug, not as server errors; storage faults are logged once by the store.
      if (BerthError.is(error) && error.fault === "client") ctx.log.debug({ code: error.code, requestId }, error.message);
      else if (!StorageFaultError.is(error) && !StoreUnavailableError.is(error) && !StoreRequestTooLargeError.is(error))
        options.log.error({ err: error, requestId }, "request failed unexpectedly");
      writeJsonError(res, wire, { contentType: "application/json", requestId });
    });
  };
  // Node's defaults held a connection that sends nothing, or only part of its headers, for 60 s to 90 s (a
  // headersTimeout of 60 s, checked every 30 s), so anyone without a key could hold sockets towards the file
  // limit. headersTimeout counts only while a request is being received: an idle keep-alive connection waits
  // keepAliveTimeout (65 s, above load balancers' usual 60 s idle timeout) for its next request.
  const headersTimeout = options.headersTimeoutMs ?? 20_000;
  const serverOptions = {
    keepAliveTimeout: 65_000,
    headersTimeout,
    requestTimeout: Math.max(requestTimeoutMs, headersTimeout),
    connectionsCheckingInterval: Math.min(5_000, Math.ceil(headersTimeout / 4)),
  };
  const server: Server = options.tls
    ? createTlsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, handler)
    : createServer(serverOptions, handler);

  async function dispatch(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    const path = pathOf(req.url ?? "/");
    const target = req.headers["x-amz-target"];
    if (path === "/healthz" && target === undefined) {
      const ready = options.isReady();
      const body = JSON.stringify({ status: ready ? "ok" : "starting" });
      const revision = options.routingRevision?.();
      res.writeHead(ready ? 200 : 503, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        ...(revision === undefined ? {} : { "x-berth-routing-revision": String(revision) }),
      });
      res.end(body);
      return;
    }
    for (const route of options.unsignedRoutes ?? []) if (target === undefined && path.startsWith(route.prefix)) return route.handle(req, res, ctx);
    if (options.queryService && target === undefined && path === "/" && req.method === "POST" && isFormRequest(req))
      return handleQuery(options.queryService, req, res, ctx);
    gate.checkHost(req);
    if (typeof target === "string" && target !== "") {
      const dot = target.indexOf(".");
      const prefix = dot > 0 ? target.slice(0, dot) : "";
      const service = services.get(prefix);
      if (!service) throw protocolErrors.unknownOperation(target);
      try {
        ctx.auth = await gate.admit(req, jsonServices[prefix]!.signingName);
      } catch (error) {
        if (!BerthError.is(error)) throw error;
        ctx.log.debug({ code: error.code, requestId: ctx.requestId, op: target }, error.message);
        return service.writeError(res, error, ctx.requestId);
      }
      if (req.method !== "POST") throw protocolErrors.methodNotAllowed(req.method ?? "?", path, "POST");
      ctx.log = options.log.child({ requestId: ctx.requestId, op: target, accessKeyId: ctx.auth.accessKeyId });
      return service.handle(req, res, target.slice(dot + 1), ctx);
    }
    ctx.auth = await gate.admit(req, pathSigningName);
    for (const route of options.routes) {
      if (!path.startsWith(route.prefix)) continue;
      if (!route.readsBody) await ctx.readBody(maxUnusedBodyBytes);
      return route.handle(req, res, ctx);
    }
    await ctx.readBody(maxUnusedBodyBytes);
    if (path === "/" && req.method === "POST") throw protocolErrors.missingTarget();
    throw protocolErrors.notFoundRoute(req.method ?? "?", path);
  }

  async function handleQuery(service: QueryService, req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    try {
      gate.checkHost(req);
      ctx.auth = await gate.admit(req, service.signingName);
    } catch (error) {
      if (!BerthError.is(error)) throw error;
      ctx.log.debug({ code: error.code, requestId: ctx.requestId, protocol: "query" }, error.message);
      return service.writeError(res, error, ctx.requestId);
    }
    ctx.log = options.log.child({ requestId: ctx.requestId, protocol: "query", accessKeyId: ctx.auth.accessKeyId });
    return service.handle(req, res, ctx);
  }

  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    // Headers (or the whole request) not received in time: 408, as Node itself answers.
    const status = error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "408 Request Timeout" : "400 Bad Request";
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });
  return server;
}
