import type { IncomingMessage, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { pathSigningName, type AccessRequest } from "../auth/access.js";
import type { AuthGate, KeyAuth } from "../auth/gate.js";
import { consoleErrors } from "../domain/errors/console.js";
import { protocolErrors } from "../domain/errors/protocol.js";
import type { PrefixRoute } from "../api/http/server.js";
import { decodePathSegment } from "../api/http/path-segment.js";
import type { RequestContext } from "../api/http/context.js";
import { LiveSnapshots } from "./live.js";
import { componentSeries, type SeriesSources } from "./series.js";
import { ConsoleSessions, sessionCookieHeader, sessionToken } from "./sessions.js";
import { readSnapshot } from "./snapshot.js";
import { ConsoleFiles, securityHeaders } from "./static.js";
import type { ConsoleWhoAmI } from "./types.js";
import type { Logger } from "../util/logger.js";

/** The console shows what these calls show: a key must be allowed all of them to log in, and keep them to stay. */
export const consoleAccess: AccessRequest[] = [
  "sagemaker:ListEndpoints",
  "sagemaker:ListInferenceComponents",
  "berth:DescribeInstances",
  "cloudwatch:GetMetricData",
  "application-autoscaling:DescribeScalingActivities",
].map((action) => ({ action, resources: ["*"] }));

const sessionHours = 12;
const maxLoginBodyBytes = 1024;

export interface ConsoleRouteOptions extends SeriesSources {
  gate: AuthGate;
  region: string;
  secure: boolean;
  log: Logger;
  /** Where the built page is (tests); by default next to the compiled server, as `npm run build` puts it. */
  root?: string;
}

export interface ConsoleRoute extends PrefixRoute {
  close(): void;
}

/**
 * /console: the built page (open: it holds no data), and /console/api/*, the data behind it, for a session
 * opened by a SigV4-signed login. Outside the API's SigV4 check, so it makes its own Host check first.
 */
export function consoleRoute(options: ConsoleRouteOptions): ConsoleRoute {
  const { gate } = options;
  const files = new ConsoleFiles(options.root ?? fileURLToPath(new URL("../../console/", import.meta.url)));
  const sessions = new ConsoleSessions(sessionHours * 3_600_000, options.now);
  const live = new LiveSnapshots({ store: options.store, now: options.now, log: options.log });
  const jsonHeaders = { ...securityHeaders, "cache-control": "no-store" };

  const sessionKey = (req: IncomingMessage): KeyAuth | undefined => {
    if (!gate.enabled) return gate.forKey("");
    const accessKeyId = sessions.keyOf(sessionToken(req));
    const key = accessKeyId === undefined ? undefined : gate.forKey(accessKeyId);
    if (!key) return undefined;
    for (const access of consoleAccess) key.authorize(access);
    return key;
  };
  const stillAllowed = (req: IncomingMessage) => () => {
    try {
      return sessionKey(req) !== undefined;
    } catch {
      return false;
    }
  };
  const requireSession = (req: IncomingMessage): KeyAuth => {
    const key = sessionKey(req);
    if (!key) throw consoleErrors.loginRequired();
    return key;
  };
  const sendJson = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
    const body = JSON.stringify(value);
    res.writeHead(status, { ...jsonHeaders, ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
  const whoAmI = (accessKeyId: string | undefined): ConsoleWhoAmI => ({
    authentication: gate.enabled,
    accessKeyId,
    loggedIn: !gate.enabled || accessKeyId !== undefined,
    region: options.region,
  });

  async function login(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    ctx.auth = await gate.admit(req, pathSigningName);
    await ctx.readBody(maxLoginBodyBytes);
    for (const access of consoleAccess) ctx.auth.authorize(access);
    const cookie = gate.enabled
      ? sessionCookieHeader(sessions.open(ctx.auth.accessKeyId!), { secure: options.secure, maxAgeSeconds: sessionHours * 3600 })
      : undefined;
    const headers: Record<string, string> = cookie ? { "set-cookie": cookie } : {};
    ctx.log.info({ accessKeyId: ctx.auth.accessKeyId }, "console login");
    // A presigned login link (GET) lands on the page; the page's own form (POST) gets JSON.
    if (req.method === "GET") {
      res.writeHead(303, { ...jsonHeaders, ...headers, location: "/console/" });
      res.end();
      return;
    }
    sendJson(res, 200, whoAmI(ctx.auth.accessKeyId), headers);
  }

  async function api(path: string, req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    const method = req.method ?? "GET";
    if (path === "session") {
      if (method === "POST" || method === "GET") return login(req, res, ctx);
      if (method === "DELETE") {
        sessions.close(sessionToken(req));
        return sendJson(res, 200, whoAmI(undefined), { "set-cookie": sessionCookieHeader("", { secure: options.secure, maxAgeSeconds: 0 }) });
      }
      throw protocolErrors.methodNotAllowed(method, `/console/api/${path}`, "GET, POST, DELETE");
    }
    if (method !== "GET") throw protocolErrors.methodNotAllowed(method, `/console/api/${path}`, "GET");
    if (path === "whoami") {
      let key: KeyAuth | undefined;
      try {
        key = sessionKey(req);
      } catch {
        key = undefined;
      }
      return sendJson(res, 200, whoAmI(key?.accessKeyId));
    }
    requireSession(req);
    if (path === "snapshot") return sendJson(res, 200, await readSnapshot(options.store, options.now()));
    if (path === "events") return live.open(res, stillAllowed(req), securityHeaders);
    const series = /^components\/([^/]+)\/series$/.exec(path);
    if (series) return sendJson(res, 200, await componentSeries(options, decodePathSegment(series[1]!, "inference component name")));
    throw protocolErrors.notFoundRoute(method, `/console/api/${path}`);
  }

  return {
    prefix: "/console",
    close: () => live.close(),
    handle: async (req, res, ctx) => {
      gate.checkHost(req);
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      if (path === "/console") {
        res.writeHead(308, { location: "/console/" });
        res.end();
        return;
      }
      if (!path.startsWith("/console/")) throw protocolErrors.notFoundRoute(req.method ?? "?", path);
      const rest = path.slice("/console/".length);
      if (rest.startsWith("api/")) return api(rest.slice(4), req, res, ctx);
      if (req.method !== "GET" && req.method !== "HEAD") throw protocolErrors.methodNotAllowed(req.method ?? "?", path, "GET");
      if (!files.built) throw consoleErrors.notBuilt(files.root);
      if (!files.serve(rest, req, res)) throw protocolErrors.notFoundRoute(req.method, path);
    },
  };
}
