import type { Server } from "node:http";
import { join } from "node:path";
import { hostname } from "node:os";
import { readFileSync } from "node:fs";
import { AuthGate } from "../auth/gate.js";
import { AllowedHosts } from "../auth/hosts.js";
import { KeyRing } from "../auth/key-ring.js";
import { credentialsPath, ensureAdministratorKey } from "../auth/keys-file.js";
import { createApiServer } from "../api/http/server.js";
import { QueryService } from "../api/query/service.js";
import { jsonServices } from "../auth/access.js";
import { sageMakerService } from "../api/sagemaker/service.js";
import { placementRoute } from "../api/berth/placement-route.js";
import { logsRoute } from "../api/berth/logs-route.js";
import { metricsRoute } from "../api/berth/metrics-route.js";
import { runtimeRoute } from "../api/runtime/invoke-route.js";
import { agentsRoute } from "../cluster/agent-api/agents-route.js";
import { NodeAgent } from "../agent/agent.js";
import { buildCopySandbox } from "../agent/sandbox-setup.js";
import { runsInContainer } from "../agent/images.js";
import type { SupervisorTimings } from "../agent/supervisor.js";
import { RouterMetrics } from "../router/metrics.js";
import { registerFleetGauges } from "../metrics/fleet-gauges.js";
import { ObserverFanout } from "../router/observer.js";
import { Router } from "../router/router.js";
import { RoutingTablePublisher } from "./routing-table-publisher.js";
import { storedSessions } from "./stored-sessions.js";
import { drainHttp } from "../api/http/drain-http.js";
import type { BerthConfig } from "../config/config.js";
import type { ControlDeps } from "../operations/deps.js";
import { EndpointController } from "../controllers/endpoint/controller.js";
import { InstanceCatalog } from "../domain/catalog/instance-catalog.js";
import { instanceCapacity } from "../domain/compute.js";
import type { InstanceRecord } from "../domain/resources.js";
import { discoverGpus, type DiscoveredGpu } from "../instances/gpu-discovery.js";
import { LocalInstanceProvider } from "../instances/local-provider.js";
import { SqliteStore } from "../store/sqlite-store.js";
import { EtcdStore } from "../store/etcd-store.js";
import { migrateState } from "../state/migrate.js";
import { prepareDataDir, StorageHealth } from "../store/storage-fault.js";
import type { BerthRecords, BerthStore } from "../state/records.js";
import { systemClock, type Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { TimeScale } from "../util/time-scale.js";
import { copyLoadsFrom, startMonitoring } from "./monitoring.js";
import { Autoscaler } from "../controllers/autoscaling/autoscaler.js";
import { Controllers } from "../controllers/runtime/controllers.js";
import { autoscalingService } from "../api/autoscaling/service.js";
import { clusterRoute } from "../api/berth/cluster-route.js";
import { internalMetricsRoute } from "../api/berth/internal-metrics-route.js";
import { ClusterMode } from "../cluster/cluster-mode.js";
import { AgentPoolProvider } from "../cluster/agent-pool-provider.js";
import { singleView } from "../cluster/cluster-view.js";
import { WakeController } from "../cluster/wakes.js";
import type { InstanceProvider } from "../instances/provider.js";
import type { AutoscalingDeps } from "../operations/autoscaling/deps.js";
import { deregisterScalableTarget } from "../operations/autoscaling/targets.js";
import { consoleRoute } from "../console/route.js";
import { LatencyHistograms } from "../console/latency.js";
import { RouterWorkers } from "../router-workers/primary.js";

export interface RunningServer {
  url: string;
  port: number;
  store: BerthStore;
  close(): Promise<void>;
}

export interface StartOptions {
  log: Logger;
  clock?: Clock;
  /** Overrides GPU discovery (tests); by default nvidia-smi is asked. */
  gpus?: DiscoveredGpu[];
  supervisorTimings?: Partial<SupervisorTimings>;
}

/** The composition root of `berth server`: every real part is built and wired here, and nowhere else. */
export async function startServer(config: BerthConfig, options: StartOptions): Promise<RunningServer> {
  const { log } = options;
  const clock = options.clock ?? systemClock;
  const looserMode = prepareDataDir(config.dataDir);
  if (looserMode !== undefined)
    log.info(`tightened the data dir ${config.dataDir} from mode ${looserMode.toString(8)} to 700, so only the server's user can read it`);
  const sandbox = await buildCopySandbox(config.copies, config.dataDir, log.child({ component: "agent" }));
  const store = await openStore(config, log);
  await migrateState(store);
  // Cluster mode (an etcd store, with leases): no agent or local instances here; the elected leader runs the controllers.
  const cluster =
    config.store.kind === "etcd" ? await ClusterMode.open({ store, cluster: config.cluster, clock, log: log.child({ component: "cluster" }) }) : undefined;
  const controllerStore = cluster?.controllerStore ?? store;
  const catalog = new InstanceCatalog(config.instanceTypes);
  const capacity = { memoryHeadroomFraction: config.memoryHeadroomFraction };
  const provider: InstanceProvider = cluster
    ? new AgentPoolProvider({ store: controllerStore, catalog, clock, log: log.child({ component: "instances" }) })
    : await localProvider(store, options, log);

  const timeScale = new TimeScale(config.scalingPeriodSeconds);
  const deps: ControlDeps = {
    store,
    account: { region: config.region, accountId: config.accountId },
    catalog,
    clock,
    capacity,
    scale: timeScale,
    quotas: config.quotas,
    artifacts: config.artifacts,
    runsInContainer: (image) => runsInContainer(image, config.images),
  };
  const metrics = new RouterMetrics();
  // The router wakes components through the autoscaler, which is built once monitoring is up.
  let autoscaler!: Autoscaler;
  const monitoring = await startMonitoring({
    config,
    store,
    controllerStore,
    readerAcross: cluster && ((local, bucketMs) => cluster.metricsReader(local, bucketMs)),
    clock,
    log,
    timeScale,
    sources: {
      copyLoads: () =>
        copyLoadsFrom(workers ? { table: router.table, inFlight: (id) => workers!.inFlight(id), waiting: (e, c) => workers!.waiting(e, c) } : router),
    },
  });
  const sessions = await storedSessions(store, clock);
  const latency = new LatencyHistograms(monitoring.bucketMs, () => clock.now());
  const observer = new ObserverFanout([metrics, monitoring.recorder, latency]);
  // The router's and its workers' requests at zero copies, and their backlogs, reach the autoscaler (through the leader in a cluster).
  const wake = (component: string) => (cluster ? cluster.wake(component, (name) => autoscaler.wake(name)) : autoscaler.wake(component));
  const backlog = (component: string, waiting: number) => autoscaler.backlog(component, waiting);
  const router = new Router({
    accountId: config.accountId,
    observer,
    invokeTimeoutMs: config.invokeTimeoutSeconds * 1000,
    hold: { holdMs: config.holdSeconds * 1000, maxHeld: config.holdQueueSize },
    onWake: wake,
    onBacklog: backlog,
    copyConcurrency: config.maxConcurrentRequestsPerCopy,
    bufferedBodyBudgetBytes: config.limits.bufferedBodyBudgetBytes,
    clock,
    sessions: sessions.table,
  });
  registerFleetGauges(metrics.registry, {
    variants: monitoring.sources.variants,
    waiting: () =>
      [...router.table.endpoints.values()].flatMap((e) =>
        [...e.components.values()].map((c) => ({
          endpointName: e.name,
          variantName: c.variantName,
          componentName: c.name,
          // With workers the requests wait in their queues, not in this process's router.
          waiting: workers ? workers.waiting(e.name, c.name) : router.waiting(e.name, c.name),
        })),
      ),
  });
  const publisher = new RoutingTablePublisher({ store, clock, log: log.child({ component: "router" }) });
  // --router-workers N: N processes route on the port; this one keeps the store, the controllers and the table.
  const workers =
    config.routerWorkers > 1
      ? new RouterWorkers({
          count: config.routerWorkers,
          config,
          store,
          observer,
          sessions: sessions.table,
          onWake: wake,
          onBacklog: backlog,
          log: log.child({ component: "router-workers" }),
        })
      : undefined;
  // With workers the bodies are held there: /metrics shows their budget, not this process's unused one.
  metrics.trackBodyBudget(() => workers?.bodies ?? router.bodies);
  publisher.subscribe((table) => {
    router.setTable(table);
    workers?.setTable(table);
    metrics.updateCopies(table);
  });
  await publisher.start();

  // The agent runs in this process: it drains a copy by waiting on this router, so it cannot run on another machine yet.
  const agent = cluster
    ? undefined
    : new NodeAgent({
        store,
        host: "local",
        sandbox,
        images: config.images,
        containers: config.containers,
        artifacts: config.artifacts,
        clock,
        log: log.child({ component: "agent" }),
        // Sessions are drained before the copy is told to stop (the endpoint controller's sessionsDrainUntil);
        // with router workers, their requests to the copy are waited for too.
        drain: async (copyId, timeoutMs) => {
          await publisher.settled();
          await Promise.all([router.waitIdle(copyId, timeoutMs), workers?.waitIdle(copyId, timeoutMs)]);
        },
        timings: { livenessIntervalMs: config.copies.livenessIntervalSeconds * 1000, ...options.supervisorTimings },
        mps: config.copies.mps,
      });
  await agent?.start();
  const endpoints = new EndpointController({
    store: controllerStore,
    provider,
    catalog,
    capacity,
    clock,
    log: log.child({ component: "controller" }),
    scale: timeScale,
    idleReleaseSeconds: config.instanceIdleReleaseSeconds,
    quotas: config.quotas,
    sessionDrainMs: config.sessionDrainSeconds * 1000,
  });

  const autoscalingDeps: AutoscalingDeps = {
    store,
    account: deps.account,
    clock,
    alarms: monitoring.managedAlarms,
    onTargetChanged: (resourceId, dimension) => autoscaler.clampTarget(resourceId, dimension),
    quotas: config.quotas,
  };
  autoscaler = new Autoscaler({
    store: controllerStore,
    clock,
    log: log.child({ component: "autoscaling" }),
    scale: timeScale,
    metrics: monitoring.reader,
    quotas: config.quotas,
    instanceCapacityOf: (type) => {
      const spec = catalog.get(type);
      return spec && instanceCapacity(spec, capacity);
    },
    deregister: async (resourceId, dimension) => {
      await deregisterScalableTarget(
        { ...autoscalingDeps, store: controllerStore },
        { ResourceId: resourceId, ScalableDimension: dimension, ServiceNamespace: "sagemaker" },
      );
    },
  });
  const unregisterScaling = monitoring.alarms.registerActionHandler(autoscaler.actionHandler());
  // Every controller starts and stops as one unit; the API keeps accepting writes while it is stopped.
  const controllers = new Controllers({ clock, log: log.child({ component: "controllers" }), registry: metrics.registry }, [
    endpoints,
    autoscaler,
    monitoring.alarms,
    ...(cluster ? [new WakeController({ store: controllerStore, wake: (name) => autoscaler.wake(name) })] : []),
  ]);
  // In cluster mode the controllers start when this replica is elected (after it listens).
  if (!cluster) await controllers.start();
  const startedAt = clock.now();
  let self = { id: "", url: "" };

  const keys = config.auth.enabled ? openKeyRing(config, log) : undefined;
  const allowedHosts = new AllowedHosts(config.host, config.auth.allowedHosts);
  if (!keys) {
    log.warn(
      `authentication is OFF (--insecure-no-auth): any program on this machine can call every API without a key, create endpoints and run model servers as this user. Only the Host check (${[...allowedHosts.names].join(", ")}) is left.`,
    );
  }
  const gate = new AuthGate({ keys, account: deps.account, allowedHosts, clockSkewSeconds: config.auth.clockSkewSeconds, now: () => clock.now() });
  const tls = config.tls.cert && config.tls.key ? { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } : undefined;

  // In a cluster, agents join and report through every replica.
  const agentApi = cluster
    ? agentsRoute({ store, catalog, clock, secrets: cluster.secrets, log: log.child({ component: "agents" }), ttlSeconds: config.cluster.leaseSeconds })
    : undefined;
  const copyLogs = logsRoute({ store, account: deps.account, logs: agent?.logs });
  const webConsole = consoleRoute({
    gate,
    store,
    reader: monitoring.reader,
    latency,
    bucketMs: monitoring.bucketMs,
    now: () => clock.now(),
    region: config.region,
    secure: Boolean(tls),
    log: log.child({ component: "console" }),
  });
  let ready = false;
  const server = createApiServer({
    gate,
    // With router workers TLS ends in them: they relay to this process on loopback in plain HTTP, because a
    // certificate signed by a CA could not be verified there from the certificate file alone.
    tls: workers ? undefined : tls,
    headersTimeoutMs: config.headersTimeoutSeconds * 1000,
    log: log.child({ component: "api" }),
    jsonServices: [
      sageMakerService(deps, { maxBodyBytes: config.maxApiBodyBytes }),
      monitoring.service,
      autoscalingService(autoscalingDeps, { maxBodyBytes: config.maxApiBodyBytes }),
    ],
    queryService: new QueryService(monitoring.service, jsonServices[monitoring.service.targetPrefix]!.signingName),
    routes: [
      runtimeRoute(router),
      ...(agentApi ? [agentApi] : []),
      clusterRoute({
        view: () => (cluster ? cluster.view() : Promise.resolve(singleView({ ...self, startedAt }))),
        joinToken: async () => cluster?.secrets.joinToken,
      }),
      copyLogs,
      placementRoute(store),
      metricsRoute(metrics.registry),
    ],
    unsignedRoutes: [
      webConsole,
      ...(cluster ? [internalMetricsRoute({ local: monitoring.local, bucketMs: monitoring.bucketMs, key: cluster.replicaKey })] : []),
    ],
    isReady: () => ready,
    routingRevision: () => router.table.revision,
  });
  // With workers, this process's own listener is on loopback, for the requests they relay.
  const ownPort = await listen(server, workers ? "127.0.0.1" : config.host, workers ? 0 : config.port);
  const port = workers ? await workers.start(`http://127.0.0.1:${ownPort}`) : ownPort;
  ready = true;
  const url = `${tls ? "https" : "http"}://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  self = { id: cluster ? "" : `${hostname()}-${port}`, url };
  if (cluster) {
    await cluster.start({ url, port }, controllers);
    self.id = cluster.replicaId;
  }
  log.info(
    { url, dataDir: config.dataDir, auth: keys ? "sigv4" : "off", tls: Boolean(tls), console: `${url}/console/` },
    `Berth is serving on ${url} (data in ${config.dataDir}); web console at ${url}/console/`,
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    store,
    close: () => {
      closing ??= (async () => {
        ready = false;
        agentApi?.close();
        copyLogs.close();
        webConsole.close();
        await workers?.stop();
        await drainHttp(server, config.stopDrainSeconds * 1000, (open) =>
          log.warn(
            `${open} connection(s) still had a request open after the stop drain limit of ${config.stopDrainSeconds} s (stopDrainSeconds); closing them`,
          ),
        );
        keys?.close();
        unregisterScaling();
        await cluster?.stop();
        await controllers.stop();
        await agent?.stop();
        publisher.stop();
        sessions.stop();
        await router.close();
        await monitoring.close();
        await store.close();
      })();
      return closing;
    },
  };
}

/** One machine: instances are carved out of this machine's GPUs (or modelled ones). */
async function localProvider(store: BerthStore, options: StartOptions, log: Logger): Promise<LocalInstanceProvider> {
  const gpus = options.gpus ?? (await discoverGpus());
  log.info(
    gpus.length > 0
      ? `found ${gpus.length} GPU(s): ${gpus.map((g) => `${g.index}:${g.name}`).join(", ")}`
      : "no GPUs found by nvidia-smi; accelerators are modelled from the instance catalog",
  );
  const provider = new LocalInstanceProvider({ gpus, log: log.child({ component: "instances" }) });
  for (const entry of await store.list("instance")) provider.adopt(entry.value.id, entry.value.devices);
  return provider;
}

/** SQLite in the data dir by default; with `--store etcd://…` this server is one replica of a cluster. */
async function openStore(config: BerthConfig, log: Logger): Promise<BerthStore> {
  if (config.store.kind === "etcd") {
    const store = await EtcdStore.open<BerthRecords>({ endpoints: config.store.endpoints, log: log.child({ component: "store" }) });
    log.info(`state is kept in etcd at ${config.store.endpoints.join(", ")}`);
    return store;
  }
  return new SqliteStore<BerthRecords>(join(config.dataDir, "berth.db"), {
    health: new StorageHealth({ dataDir: config.dataDir, log: log.child({ component: "storage" }) }),
  });
}

/** Creates the credentials file on first start; its administrator secret is printed this once. */
function openKeyRing(config: BerthConfig, log: Logger): KeyRing {
  const created = ensureAdministratorKey(config.dataDir);
  if (created) {
    log.info(
      { accessKeyId: created.accessKeyId, keyName: created.name },
      [
        `created ${credentialsPath(config.dataDir)} with an administrator key. Its secret is shown only this once:`,
        `  export AWS_ACCESS_KEY_ID=${created.accessKeyId}`,
        `  export AWS_SECRET_ACCESS_KEY=${created.secretAccessKey}`,
        "The berth CLI on this machine reads the file itself; manage keys with 'berth keys create|list|delete'.",
      ].join("\n"),
    );
  }
  const keys = new KeyRing(config.dataDir, log.child({ component: "auth" }));
  log.info(`authentication is on: every request but /healthz must be SigV4-signed with one of the ${keys.size} key(s) in ${credentialsPath(config.dataDir)}`);
  return keys;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}
