import { readFileSync } from "node:fs";
import { request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from "node:http";
import { AuthGate } from "../auth/gate.js";
import { AllowedHosts } from "../auth/hosts.js";
import { KeyRing } from "../auth/key-ring.js";
import { createApiServer, pathOf } from "../api/http/server.js";
import { runtimeRoute } from "../api/runtime/invoke-route.js";
import type { RequestObserver, RequestOutcome, RequestTarget, RetryReason } from "../router/observer.js";
import { Router } from "../router/router.js";
import { SessionTable, type SessionRecord } from "../router/sessions.js";
import { createLogger } from "../util/logger.js";
import { drainHttp } from "../api/http/drain-http.js";
import { settingsVariable, type FromWorker, type ObservedEvent, type SessionCall, type ToWorker, type WorkerSettings } from "./messages.js";

/** How often a worker sends its requests' reports to the primary: metrics and scaling see them this much later. */
const reportEveryMs = 100;

/**
 * A router worker (`--router-workers N`): one of N processes sharing the runtime port (node:cluster). It
 * serves invocations itself from the routing table the primary pushes, and relays every other request to
 * the primary, which keeps the store, the controllers and the only copy of every decision.
 */
const settings = JSON.parse(process.env[settingsVariable] ?? "null") as WorkerSettings | null;
if (!settings || !process.send) throw new Error("a router worker is started by `berth server --router-workers N`, not on its own");
const send = (message: FromWorker) => process.send!(message);
const log = createLogger({ level: settings.logLevel, pretty: settings.logFormat === "pretty" }).child({ component: `router-worker-${settings.index}` });

/** Reports requests to the primary in batches, where its metrics and the autoscaler's recorder take them. */
class BatchedObserver implements RequestObserver {
  events: ObservedEvent[] = [];

  requestStarted(t: RequestTarget): void {
    this.events.push(["s", t.endpointName, t.variantName, t.componentName, t.copyId]);
  }

  requestRetried(t: RequestTarget, reason: RetryReason): void {
    this.events.push(["r", t.endpointName, t.variantName, t.componentName, t.copyId, reason]);
  }

  requestFinished(t: RequestTarget, outcome: RequestOutcome, modelMs: number, overheadMs: number): void {
    this.events.push(["f", t.endpointName, t.variantName, t.componentName, t.copyId, outcome, modelMs, overheadMs]);
  }
}

let nextCall = 0;
const calls = new Map<number, { resolve: (value: SessionRecord | undefined) => void; reject: (error: Error) => void }>();
function call(body: SessionCall): Promise<SessionRecord | undefined> {
  const id = nextCall++;
  return new Promise((resolve, reject) => {
    calls.set(id, { resolve, reject });
    send({ t: "call", id, call: body });
  });
}

// The primary's store holds the sessions; this copy of the map is fed by its watch, and asked on a miss.
const sessions = new SessionTable({
  persistence: {
    get: (endpointName, sessionId) => call({ op: "get", endpointName, sessionId }),
    put: async (session) => void (await call({ op: "put", session })),
    delete: async (session) => void (await call({ op: "delete", session: { endpointName: session.endpointName, id: session.id } })),
  },
});
const observer = new BatchedObserver();
/**
 * Components this worker reported a backlog for. The router reports a backlog only as a request starts
 * waiting; the report loop tells the primary once none waits any more (a backlog of 0), so this worker's
 * last count does not stay in the total the primary passes to the autoscaler.
 */
const backlogs = new Set<string>();
const router = new Router({
  accountId: settings.accountId,
  observer,
  invokeTimeoutMs: settings.invokeTimeoutMs,
  hold: settings.hold,
  onWake: (component) => send({ t: "wake", component }),
  onBacklog: (component, waiting) => {
    backlogs.add(component);
    send({ t: "backlog", component, waiting });
  },
  // Limits that hold for the whole server are split between its workers.
  copyConcurrency: Math.max(1, Math.ceil(settings.copyConcurrency / settings.count)),
  bufferedBodyBudgetBytes: Math.floor(settings.bufferedBodyBudgetBytes / settings.count),
  bodyBudgetSplit: { workers: settings.count, wholeBytes: settings.bufferedBodyBudgetBytes },
  sessions,
});
let hasTable = false;

const keys = settings.auth.enabled ? new KeyRing(settings.dataDir, log) : undefined;
const gate = new AuthGate({
  keys,
  account: { region: settings.region, accountId: settings.accountId },
  allowedHosts: new AllowedHosts(settings.host, settings.auth.allowedHosts),
  clockSkewSeconds: settings.auth.clockSkewSeconds,
  now: () => Date.now(),
});
const server = createApiServer({
  gate,
  tls: settings.tls && { cert: readFileSync(settings.tls.cert), key: readFileSync(settings.tls.key) },
  headersTimeoutMs: settings.headersTimeoutMs,
  log,
  jsonServices: [],
  routes: [runtimeRoute(router)],
  isReady: () => hasTable,
  routingRevision: () => router.table.revision,
});
const serveHere = server.listeners("request")[0] as (req: IncomingMessage, res: ServerResponse) => void;
server.removeAllListeners("request");
server.on("request", (req: IncomingMessage, res: ServerResponse) => {
  const path = pathOf(req.url ?? "/");
  if (req.headers["x-amz-target"] === undefined && (path.startsWith("/endpoints/") || path === "/healthz")) serveHere(req, res);
  else relay(req, res);
});

const primary = new URL(settings.primaryUrl);
// The primary is this server's own process, listening in plain HTTP on loopback: TLS ends here.
const toPrimary = new Agent({ keepAlive: true });
/** The control plane, the console and /metrics answer from the primary: the request goes there as it came. */
function relay(req: IncomingMessage, res: ServerResponse): void {
  const upstream = httpRequest(
    { host: primary.hostname, port: primary.port, method: req.method, path: req.url, headers: req.headers, agent: toPrimary },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.once("end", () => dropRestOfBody(req, upstream));
    },
  );
  upstream.on("error", (error) => {
    if (!res.headersSent) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`the Berth primary process did not answer: ${error.message}\n`);
    } else if (!res.writableFinished) res.destroy(error);
    dropRestOfBody(req, upstream);
  });
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

/**
 * The primary can answer before it has read the whole body (a refusal from the headers alone) and then stop
 * reading it. The rest is read and dropped here, as the primary does for its own clients, so the client can
 * finish sending and use its connection for the next request instead of waiting on it forever. The connection
 * to the primary, left in the middle of a body, is closed rather than kept.
 */
function dropRestOfBody(req: IncomingMessage, upstream: ReturnType<typeof httpRequest>): void {
  if (req.complete) return;
  req.unpipe(upstream);
  upstream.destroy();
  req.resume();
}

process.on("message", (message: ToWorker) => {
  if (message.t === "table") {
    router.setTable(message.table);
    if (!hasTable) listen();
    hasTable = true;
  } else if (message.t === "remember") sessions.remember(message.session);
  else if (message.t === "forget") sessions.forget(message.session);
  else if (message.t === "reply") {
    const pending = calls.get(message.id);
    calls.delete(message.id);
    if (message.error !== undefined) pending?.reject(new Error(message.error));
    else pending?.resolve(message.value);
  } else if (message.t === "waitIdle") void router.waitIdle(message.copyId, message.timeoutMs).then(() => send({ t: "idle", id: message.id }));
});

let hadLoad = false;
let reportedBodies = { used: 0, refused: 0 };
function report(): void {
  const bodiesChanged = router.bodies.used !== reportedBodies.used || router.bodies.refused !== reportedBodies.refused;
  if (observer.events.length === 0 && !hadLoad && !bodiesChanged && backlogs.size === 0) return;
  const bodies = (reportedBodies = { used: router.bodies.used, refused: router.bodies.refused });
  const events = observer.events;
  observer.events = [];
  const inFlight: [string, number][] = [];
  const waiting: [string, number][] = [];
  // Components whose backlog was reported and that still have requests waiting (a backlog is reported under the component serving it).
  let stillWaiting: Set<string> | undefined;
  for (const endpoint of router.table.endpoints.values()) {
    for (const component of endpoint.components.values()) {
      for (const copy of component.copies) {
        const n = router.inFlight(copy.id);
        if (n > 0) inFlight.push([copy.id, n]);
      }
      const held = router.waiting(endpoint.name, component.name);
      if (held > 0) {
        waiting.push([`${endpoint.name.toLowerCase()}\u0000${component.name.toLowerCase()}`, held]);
        if (backlogs.has(component.servedBy)) (stillWaiting ??= new Set()).add(component.servedBy);
      }
    }
    for (const variant of endpoint.variants)
      for (const copy of variant.copies) {
        const n = router.inFlight(copy.id);
        if (n > 0) inFlight.push([copy.id, n]);
      }
  }
  // One more report after the last busy one, so the primary sees the loads fall to zero.
  hadLoad = inFlight.length > 0 || waiting.length > 0;
  send({ t: "report", events, inFlight, waiting, bodies });
  for (const component of backlogs) {
    if (stillWaiting?.has(component)) continue;
    backlogs.delete(component);
    send({ t: "backlog", component, waiting: 0 });
  }
}
const reporter = setInterval(report, reportEveryMs);

let stopping = false;
/**
 * Stops taking connections, lets the requests in flight finish (kept-alive connections are closed as soon
 * as their request is answered), and exits once none is open. The reports go on through the drain, and the
 * last one has reached the primary before the process exits, so every request finished is counted.
 */
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await drainHttp(server, settings!.stopDrainMs, (open) =>
    log.warn(`${open} connection(s) still had a request open after the stop drain limit of ${settings!.stopDrainMs / 1000} s (stopDrainSeconds); closing them`),
  );
  keys?.close();
  await router.close();
  clearInterval(reporter);
  report();
  toPrimary.destroy();
  // IPC messages go in order: once this one is written, so is the last report.
  await new Promise<void>((resolve) => process.send!({ t: "stopped" } satisfies FromWorker, undefined, undefined, () => resolve()));
  process.exit(code);
}
process.on("SIGTERM", () => void stop(0));
process.on("SIGINT", () => undefined);
// The primary is gone (killed, crashed): no worker outlives it.
process.on("disconnect", () => process.exit(0));

/** Listens once the first routing table is here, so no request finds an empty one. */
function listen(): void {
  server.listen(settings!.port, settings!.host, () => {
    const address = server.address();
    send({ t: "listening", port: typeof address === "object" && address ? address.port : settings!.port });
  });
}
// Messages sent before this process listened for them would be lost: the primary sends the table on this.
send({ t: "hello" });
