import { describeClusterAccess, getJoinTokenAccess } from "../../auth/access.js";
import type { ClusterView } from "../../domain/cluster.js";
import { BerthError } from "../../domain/errors/berth-error.js";
import { protocolErrors } from "../../domain/errors/protocol.js";
import type { PrefixRoute } from "../http/server.js";

export interface ClusterRouteOptions {
  view(): Promise<ClusterView>;
  /** Undefined on a one-machine server (SQLite store), which has no agents to join it. */
  joinToken(): Promise<string | undefined>;
}

/** GET /berth/v1/cluster: replicas, the controller leader, agents and their leases; /join-token: the agents' join token (admin). */
export function clusterRoute(options: ClusterRouteOptions): PrefixRoute {
  return {
    prefix: "/berth/v1/cluster",
    handle: async (req, res, ctx) => {
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      let body: unknown;
      if (path === "/berth/v1/cluster" || path === "/berth/v1/cluster/join-token") {
        if (req.method !== "GET") throw protocolErrors.methodNotAllowed(req.method ?? "?", path, "GET");
      } else throw protocolErrors.notFoundRoute(req.method ?? "?", path);
      if (path === "/berth/v1/cluster") {
        ctx.auth.authorize(describeClusterAccess);
        body = await options.view();
      } else {
        ctx.auth.authorize(getJoinTokenAccess);
        const joinToken = await options.joinToken();
        if (joinToken === undefined) throw notACluster();
        body = { joinToken };
      }
      const text = JSON.stringify(body, null, 1);
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    },
  };
}

function notACluster(): BerthError {
  return new BerthError({
    code: "ValidationException",
    httpStatus: 400,
    message:
      "This Berth server runs alone on its SQLite store, so no agent can join it. Start the server replicas with --store etcd://host:2379 to run a cluster, then ask one of them for the join token.",
  });
}
