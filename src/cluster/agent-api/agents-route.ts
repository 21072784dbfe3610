import type { IncomingMessage, ServerResponse } from "node:http";
import type { PrefixRoute } from "../../api/http/server.js";
import type { ClusterSecretsRecord } from "../../domain/cluster.js";
import type { InstanceCatalog } from "../../domain/catalog/instance-catalog.js";
import { keys } from "../../state/keys.js";
import type { BerthStore } from "../../state/records.js";
import { StoreConflictError, StoreUnavailableError } from "../../store/store.js";
import { StorageFaultError } from "../../store/storage-fault.js";
import type { Clock } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import { agentProtocolPrefix } from "../../auth/gate.js";
import { agentKey, bearer, sameSecret } from "../../auth/agent-key.js";
import { AgentApiError } from "./agent-api-error.js";
import { AgentWatch } from "./agent-watch.js";
import type { AgentApiErrorBody, RegisterResponse } from "./protocol.js";
import { agentIdPattern, parseRegistration, registerAgent } from "./registration.js";
import { readScope } from "./scope.js";
import { statusWriteOps } from "./status-writes.js";

export interface AgentsRouteOptions {
  store: BerthStore;
  catalog: InstanceCatalog;
  clock: Clock;
  log: Logger;
  /** The cluster's join token and agent-key secret, made or read once at the replica's start. */
  secrets: ClusterSecretsRecord;
  /** The agents' lease TTL (cluster.leaseSeconds). */
  ttlSeconds: number;
}

const maxBodyBytes = 1024 * 1024;

/**
 * The server side of the agent protocol, outside SigV4 (the gate lets this prefix through to these
 * bearer checks and nothing else): registration with the join token; renewal, leaving, the scoped view
 * and status writes with the agent's own key.
 */
export function agentsRoute(options: AgentsRouteOptions): PrefixRoute & { close(): void } {
  const { store, log } = options;
  const watches = new Set<AgentWatch>();
  // Agents wait a third of their TTL for a renewal's answer.
  const renewBudgetMs = Math.max(200, (options.ttlSeconds * 1000) / 3 - 300);
  const { secrets } = options;

  const authenticate = async (req: IncomingMessage, agentId: string) => {
    const presented = bearer(req.headers.authorization);
    if (!presented) throw new AgentApiError(401, "Unauthorized", "send the agent key as 'Authorization: Bearer <key>' (the key register answered)");
    if (!sameSecret(presented, agentKey(secrets, agentId)))
      throw new AgentApiError(401, "Unauthorized", `the key is not agent ${agentId}'s key; register again with the join token`);
  };

  const handlers: Record<string, (req: IncomingMessage, res: ServerResponse, agentId: string) => Promise<void>> = {
    "POST renew": async (req, res, agentId) => {
      const leaseId = ((await readJson(req)) as { leaseId?: unknown } | null)?.leaseId;
      if (typeof leaseId !== "string") throw AgentApiError.badRequest('the body must be {"leaseId": "<the lease register answered>"}');
      // Answer before the agent gives up on this call: "the store is down" keeps its copies serving, silence does not.
      const renewed = await within(renewBudgetMs, async () => {
        const lease = await store.get("agent-lease", keys.agentLease(agentId));
        return lease !== undefined && lease.value.leaseId === leaseId && (await store.leases!.renew(leaseId)) ? lease.value : undefined;
      });
      if (!renewed) throw new AgentApiError(410, "LeaseGone", `the lease of agent ${agentId} has expired or was replaced; stop its copies and register again`);
      writeJson(res, 200, { ttlSeconds: renewed.ttlSeconds });
    },
    "DELETE lease": async (req, res, agentId) => {
      const lease = await store.get("agent-lease", keys.agentLease(agentId));
      const leaseId = new URL(req.url ?? "/", "http://agent").searchParams.get("leaseId");
      if (lease && (leaseId === null || leaseId === lease.value.leaseId)) await store.leases!.revoke(lease.value.leaseId);
      log.info(`agent ${agentId} left the cluster`);
      writeJson(res, 200, { left: agentId });
    },
    "GET state": async (_req, res, agentId) => {
      const { revision, entries } = await readScope(store, agentId);
      writeJson(res, 200, { revision, entries });
    },
    "GET watch": async (_req, res, agentId) => {
      const watch = new AgentWatch({ store, agentId, res, log });
      watches.add(watch);
      res.once("close", () => watches.delete(watch));
      await watch.start();
    },
    "POST status": async (req, res, agentId) => {
      const body = await readJson(req);
      // The write is conditioned on the copy and instance as read; a change to either meanwhile (an instance's
      // idle stamp, say) only means checking again, unless it took the copy away from this agent.
      for (let attempt = 1; ; attempt++) {
        const ops = await statusWriteOps(store, agentId, body);
        try {
          return writeJson(res, 200, { revision: await store.commit(ops) });
        } catch (error) {
          if (!StoreConflictError.is(error)) throw error;
          if (attempt === 5) throw new AgentApiError(409, "Conflict", "the copy or its instance kept changing while its status was written; retry");
        }
      }
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://agent").pathname;
    const rest = path.slice(agentProtocolPrefix.length).split("/");
    if (rest.length === 1 && rest[0] === "register") {
      if (req.method !== "POST") throw new AgentApiError(405, "MethodNotAllowed", `use POST ${path}`);
      const token = bearer(req.headers.authorization);
      if (!token || !sameSecret(token, secrets.joinToken))
        throw new AgentApiError(401, "Unauthorized", "the join token is missing or wrong; pass the cluster's join token with --token (see 'berth cluster')");
      const request = parseRegistration(await readJson(req), options.catalog);
      const leaseId = await registerAgent(store, request, options.ttlSeconds, options.clock.now());
      log.info(
        { agent: request.agentId },
        `agent ${request.agentId} registered: ${request.instanceType}, ${request.devices.length} device(s), proxy ${request.advertise}, lease ${options.ttlSeconds} s`,
      );
      const answer: RegisterResponse = { agentId: request.agentId, agentKey: agentKey(secrets, request.agentId), leaseId, ttlSeconds: options.ttlSeconds };
      return writeJson(res, 200, answer);
    }
    const [agentId, action] = rest;
    const handler = rest.length === 2 ? handlers[`${req.method} ${action}`] : undefined;
    if (!agentId || !agentIdPattern.test(agentId) || !handler)
      throw new AgentApiError(404, "NotFound", `no agent operation ${req.method} ${path}; see the agent protocol in the README`);
    await authenticate(req, agentId);
    if (!(await store.get("agent", keys.agent(agentId))))
      throw new AgentApiError(404, "UnknownAgent", `agent ${agentId} is not registered; register with the join token first`);
    await handler(req, res, agentId);
  };

  return {
    prefix: agentProtocolPrefix,
    readsBody: true,
    handle: async (req, res) => {
      try {
        await handle(req, res);
      } catch (error) {
        if (res.headersSent) return void res.destroy();
        if (error instanceof AgentApiError) return writeJson(res, error.status, { error: error.code, message: error.message } satisfies AgentApiErrorBody);
        if (StoreUnavailableError.is(error) || StorageFaultError.is(error))
          return writeJson(res, 503, { error: "ServiceUnavailable", message: `the cluster store cannot be reached (${(error as Error).message}); try again` });
        log.error({ err: error }, `agent request ${req.method} ${req.url} failed unexpectedly`);
        writeJson(res, 500, { error: "InternalError", message: "the server failed to handle the request; its log has the details" });
      }
    },
    close: () => {
      for (const watch of watches) watch.close();
    },
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new AgentApiError(413, "TooLarge", `the body is larger than ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return text === "" ? null : JSON.parse(text);
  } catch {
    throw AgentApiError.badRequest("the body is not valid JSON");
  }
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** The work's result, or StoreUnavailableError once ms have passed without one. */
async function within<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`the store did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work(), late]);
  } finally {
    clearTimeout(timer);
  }
}
