import { describeInstancesAccess } from "../../auth/access.js";
import type { PrefixRoute } from "../http/server.js";
import { protocolErrors } from "../../domain/errors/protocol.js";
import { placementView } from "../../operations/placement-view.js";
import { type BerthStore } from "../../state/records.js";

/** GET /berth/v1/instances[?endpoint=name]: every instance with its capacity, free capacity and copies. */
export function placementRoute(store: BerthStore): PrefixRoute {
  return {
    prefix: "/berth/v1/",
    handle: async (req, res, ctx) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname !== "/berth/v1/instances") throw protocolErrors.notFoundRoute(req.method ?? "?", url.pathname);
      if (req.method !== "GET") throw protocolErrors.methodNotAllowed(req.method ?? "?", url.pathname, "GET");
      ctx.auth.authorize(describeInstancesAccess);
      const view = await placementView(store, { endpoint: url.searchParams.get("endpoint") ?? undefined });
      const body = JSON.stringify(view, null, 1);
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    },
  };
}
