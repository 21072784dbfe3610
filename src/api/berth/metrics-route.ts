import type { Registry } from "prom-client";
import { getMetricsAccess } from "../../auth/access.js";
import type { PrefixRoute } from "../http/server.js";

/** GET /metrics in Prometheus text format. */
export function metricsRoute(registry: Registry): PrefixRoute {
  return {
    prefix: "/metrics",
    handle: async (_req, res, ctx) => {
      ctx.auth.authorize(getMetricsAccess);
      const body = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType, "content-length": Buffer.byteLength(body) });
      res.end(body);
    },
  };
}
