import { presentsReplicaKey } from "../../auth/replica-key.js";
import { BerthError } from "../../domain/errors/berth-error.js";
import { protocolErrors } from "../../domain/errors/protocol.js";
import { internalMetricPaths, rawSeries } from "../../metrics/replica-merge.js";
import type { MetricId, MetricsReader } from "../../metrics/types.js";
import { readBody } from "../http/body.js";
import type { PrefixRoute } from "../http/server.js";

const maxBodyBytes = 1024 * 1024;

/**
 * Replica-to-replica metric reads, outside SigV4 (the replica key as a bearer token): this replica's raw
 * buckets of the asked series, or the series it lists, for the asking replica to merge.
 */
export function internalMetricsRoute(options: { local: MetricsReader; bucketMs: number; key: string }): PrefixRoute {
  return {
    prefix: "/berth/v1/internal/",
    readsBody: true,
    handle: async (req, res) => {
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      if (!presentsReplicaKey(req.headers.authorization, options.key)) throw notAReplica();
      if (path !== internalMetricPaths.data && path !== internalMetricPaths.list) throw protocolErrors.notFoundRoute(req.method ?? "?", path);
      if (req.method !== "POST") throw protocolErrors.methodNotAllowed(req.method ?? "?", path, "POST");
      let input: { metrics?: MetricId[]; startMs?: number; endMs?: number; filter?: Parameters<MetricsReader["listMetrics"]>[0] };
      try {
        input = JSON.parse((await readBody(req, maxBodyBytes)).toString("utf8"));
      } catch (error) {
        if (BerthError.is(error)) throw error;
        throw protocolErrors.malformedJson((error as Error).message);
      }
      let answer: unknown;
      if (path === internalMetricPaths.data) {
        if (!Array.isArray(input.metrics) || typeof input.startMs !== "number" || typeof input.endMs !== "number")
          throw badRequest("metrics, startMs and endMs");
        answer = { series: rawSeries(options.local, options.bucketMs, { metrics: input.metrics, startMs: input.startMs, endMs: input.endMs }) };
      } else {
        if (typeof input.filter !== "object" || input.filter === null) throw badRequest("filter");
        answer = options.local.listPage(input.filter);
      }
      const text = JSON.stringify(answer);
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    },
  };
}

function notAReplica(): BerthError {
  return new BerthError({
    code: "AccessDeniedException",
    httpStatus: 403,
    message: "Internal replica routes take the replica key (Authorization: Bearer …), which Berth server replicas derive from the cluster's secrets.",
  });
}

function badRequest(members: string): BerthError {
  return new BerthError({ code: "ValidationException", httpStatus: 400, message: `The internal metric read needs ${members} in its JSON body.` });
}
