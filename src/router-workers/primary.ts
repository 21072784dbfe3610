import cluster, { type Worker } from "node:cluster";
import { createServer, type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import type { BerthConfig } from "../config/config.js";
import type { BodyBudgetReading } from "../router/body-budget.js";
import type { RequestObserver, RequestTarget } from "../router/observer.js";
import type { SessionTable } from "../router/sessions.js";
import type { RoutingTable } from "../router/table.js";
import { keys } from "../state/keys.js";
import { changes, del, put, type BerthStore } from "../state/records.js";
import type { Logger } from "../util/logger.js";
import { settingsVariable, type FromWorker, type ObservedEvent, type SessionCall, type ToWorker, type WorkerSettings } from "./messages.js";

const workerScript = fileURLToPath(new URL("./worker.js", import.meta.url));
/** A worker that dies sooner than this after its start is started again only after this long: no crash loop. */
const restartBackoffMs = 1_000;
/** Each further worker in a row that dies that soon (one that cannot start at all) waits twice as long, up to this. */
const maxRestartBackoffMs = 30_000;
/**
 * On stop, a worker closes the connections still open at the stop drain limit itself; one that has not
 * exited this long after the limit (stuck) is killed.
 */
const stopKillAfterDrainMs = 5_000;

export interface RouterWorkersOptions {
  count: number;
  config: BerthConfig;
  store: BerthStore;
  /** The primary's observers (Prometheus metrics, the autoscaler's recorder, the console's latency). */
  observer: RequestObserver;
  /** The primary's session table, fed by the store: workers' opens and closes go through the store. */
  sessions: SessionTable;
  onWake: (component: string) => void;
  onBacklog: (component: string, waiting: number) => void;
  log: Logger;
}

/** What the primary knows of one worker, from its reports. */
interface WorkerState {
  worker: Worker;
  startedAt: number;
  inFlight: Map<string, number>;
  waiting: Map<string, number>;
  bodies: { used: number; refused: number };
  /**
   * Requests whose start the worker reported and whose finish it has not, per endpoint, variant, component
   * and copy: if the worker dies they never finish, and are taken out of what is in flight.
   */
  started: Map<string, { target: RequestTarget; count: number }>;
  /** Settles once the worker has exited and its IPC channel has closed: it sends nothing more. */
  gone: Promise<void>;
}

/**
 * `--router-workers N`: N node:cluster workers share the runtime port and route; this process (the primary)
 * keeps the store, the controllers and the decision loops, pushes every routing table to every worker, and
 * takes their requests' reports into its own metrics. A worker that dies is logged and started again.
 */
export class RouterWorkers {
  readonly #options: RouterWorkersOptions;
  readonly #workers = new Map<number, WorkerState>();
  /** Refusals counted by workers that have since exited, so the total never goes back. */
  #refusedByGoneWorkers = 0;
  #table?: RoutingTable;
  #stopping = false;
  #nextCall = 0;
  readonly #idleCalls = new Map<number, { pending: Set<number>; resolve: () => void }>();
  #unwatch?: () => void;
  #primaryUrl = "";
  /** Per component, the requests each worker last said were waiting for one of its copies. */
  readonly #backlogs = new Map<string, Map<number, number>>();
  /** Per worker index, how many of its workers in a row died within restartBackoffMs of their start. */
  readonly #quickExits = new Map<number, number>();
  port = 0;

  constructor(options: RouterWorkersOptions) {
    this.#options = options;
  }

  /** Starts the workers; resolves with the port they share once every one listens. */
  async start(primaryUrl: string): Promise<number> {
    const { config } = this.#options;
    this.#primaryUrl = primaryUrl;
    cluster.setupPrimary({ exec: workerScript, args: [], serialization: "advanced" });
    this.#unwatch = this.#options.store.watch((events) => {
      for (const event of changes(events)) {
        if (event.kind !== "session") continue;
        this.#broadcast(event.type === "delete" ? { t: "forget", session: event.value } : { t: "remember", session: event.value });
      }
    });
    // node:cluster shares one socket between the workers that listen on the same port number; a worker
    // started again must ask for the same number, so `--port 0` is made a number before the first starts.
    this.port = config.port === 0 ? await freePort(config.host) : config.port;
    const listening: Promise<number>[] = [];
    for (let index = 0; index < this.#options.count; index++) listening.push(this.#fork(index, this.port, true));
    await Promise.all(listening);
    return this.port;
  }

  #settings(index: number, port: number): WorkerSettings {
    const { config } = this.#options;
    return {
      index,
      count: this.#options.count,
      host: config.host,
      port,
      tls: config.tls.cert && config.tls.key ? { cert: config.tls.cert, key: config.tls.key } : undefined,
      primaryUrl: this.#primaryUrl,
      dataDir: config.dataDir,
      auth: { enabled: config.auth.enabled, allowedHosts: config.auth.allowedHosts, clockSkewSeconds: config.auth.clockSkewSeconds },
      accountId: config.accountId,
      region: config.region,
      invokeTimeoutMs: config.invokeTimeoutSeconds * 1000,
      headersTimeoutMs: config.headersTimeoutSeconds * 1000,
      stopDrainMs: config.stopDrainSeconds * 1000,
      hold: { holdMs: config.holdSeconds * 1000, maxHeld: config.holdQueueSize },
      copyConcurrency: config.maxConcurrentRequestsPerCopy,
      bufferedBodyBudgetBytes: config.limits.bufferedBodyBudgetBytes,
      logLevel: config.logLevel,
      logFormat: config.logFormat,
    };
  }

  /**
   * Starts worker `index`. A worker started with the server (`boot`) that exits before it listens fails the
   * start; any other worker that exits is started again, however early it died, until the server stops.
   */
  #fork(index: number, port: number, boot: boolean): Promise<number> {
    const worker = cluster.fork({ [settingsVariable]: JSON.stringify(this.#settings(index, port)) });
    let markGone!: () => void;
    const state: WorkerState = {
      worker,
      startedAt: Date.now(),
      inFlight: new Map(),
      waiting: new Map(),
      bodies: { used: 0, refused: 0 },
      started: new Map(),
      gone: new Promise((resolve) => (markGone = resolve)),
    };
    this.#workers.set(index, state);
    return new Promise((resolve, reject) => {
      let listened = false;
      worker.on("message", (message: FromWorker) => {
        if (message.t === "hello" && this.#table) worker.send({ t: "table", table: this.#table } satisfies ToWorker);
        else if (message.t === "listening") {
          listened = true;
          if (!boot)
            this.#options.log.info({ worker: index, pid: worker.process.pid }, `router worker ${index} (pid ${worker.process.pid}) is listening again`);
          resolve(message.port);
        } else this.#onMessage(index, state, message);
      });
      worker.once("exit", (code, signal) => {
        const gone = () => {
          this.#forgetWorker(index, state);
          markGone();
          if (!listened && boot) return reject(new Error(`router worker ${index} exited with ${signal ?? `code ${code}`} before it listened`));
          if (this.#stopping) return;
          this.#restart(index, worker, { code, signal }, listened, Date.now() - state.startedAt);
        };
        // Its last messages may still be on their way: they are read before the channel reports it closed.
        if (worker.isConnected()) worker.once("disconnect", gone);
        else gone();
      });
    });
  }

  /** Starts another worker in place of one that exited: at once, or after a pause that grows while they keep dying young. */
  #restart(index: number, gone: Worker, exit: { code: number; signal: string }, listened: boolean, livedMs: number): void {
    // One that never listened served nothing, however long it took to fail: it counts as dying young.
    const inARow = !listened || livedMs < restartBackoffMs ? (this.#quickExits.get(index) ?? 0) + 1 : 0;
    this.#quickExits.set(index, inARow);
    const delayMs = inARow === 0 ? 0 : Math.min(maxRestartBackoffMs, restartBackoffMs * 2 ** (inARow - 1));
    const pid = gone.process.pid;
    this.#options.log.warn(
      { worker: index, pid, code: exit.code, signal: exit.signal, listened, restartInMs: delayMs },
      `router worker ${index} (pid ${pid}) exited with ${exit.signal ?? `code ${exit.code}`}${listened ? "" : " before it listened"}; starting another${delayMs > 0 ? ` in ${delayMs / 1000} s` : ""}`,
    );
    const again = () => {
      // The new worker's own exit starts the next one: its promise never rejects (not a boot start).
      if (!this.#stopping) void this.#fork(index, this.port, false);
    };
    if (delayMs > 0) setTimeout(again, delayMs).unref();
    else again();
  }

  #forgetWorker(index: number, state: WorkerState): void {
    this.#refusedByGoneWorkers += state.bodies.refused;
    if (this.#workers.get(index) === state) this.#workers.delete(index);
    // Requests it had in flight never finish: they leave the in-flight gauge (no outcome is counted).
    let cut = 0;
    for (const { target, count } of state.started.values()) {
      this.#options.observer.requestsAbandoned?.(target, count);
      cut += count;
    }
    state.started.clear();
    if (cut > 0)
      this.#options.log.warn(
        { worker: index, pid: state.worker.process.pid, requests: cut },
        `router worker ${index} (pid ${state.worker.process.pid}) exited with ${cut} request(s) in flight; their connections were cut`,
      );
    for (const byWorker of this.#backlogs.values()) byWorker.delete(index);
    for (const [id, call] of this.#idleCalls) {
      call.pending.delete(index);
      if (call.pending.size === 0) {
        this.#idleCalls.delete(id);
        call.resolve();
      }
    }
  }

  #onMessage(index: number, state: WorkerState, message: FromWorker): void {
    if (message.t === "report") {
      for (const event of message.events) this.#replay(state.started, event);
      state.inFlight = new Map(message.inFlight);
      state.waiting = new Map(message.waiting);
      state.bodies = message.bodies;
    } else if (message.t === "call") void this.#sessionCall(state.worker, message.id, message.call);
    else if (message.t === "wake") this.#options.onWake(message.component);
    else if (message.t === "backlog") this.#backlog(index, message.component, message.waiting);
    else if (message.t === "idle") {
      const call = this.#idleCalls.get(message.id);
      call?.pending.delete(index);
      if (call && call.pending.size === 0) {
        this.#idleCalls.delete(message.id);
        call.resolve();
      }
    }
  }

  /**
   * Each worker counts its own waiting requests; the autoscaler hears the component's total. A worker
   * reports 0 once its queue has drained: its count leaves the total, and there is nothing to grow for.
   */
  #backlog(index: number, component: string, waiting: number): void {
    let byWorker = this.#backlogs.get(component);
    if (waiting === 0) {
      byWorker?.delete(index);
      if (byWorker?.size === 0) this.#backlogs.delete(component);
      return;
    }
    if (!byWorker) this.#backlogs.set(component, (byWorker = new Map()));
    byWorker.set(index, waiting);
    let total = 0;
    for (const count of byWorker.values()) total += count;
    this.#options.onBacklog(component, total);
  }

  /**
   * Feeds a worker's event to the primary's observers, and keeps its requests started and not finished. A
   * request's target object is reused while it has requests in flight (observers find their numbers by it).
   */
  #replay(started: WorkerState["started"], event: ObservedEvent): void {
    const observer = this.#options.observer;
    const copyId = event[4];
    // Only a request sent to a copy is started, and finishes with that copy named.
    const key = copyId === undefined ? undefined : `${event[1]}\u0000${event[2]}\u0000${event[3] ?? ""}\u0000${copyId}`;
    const open = key === undefined ? undefined : started.get(key);
    const target = open?.target ?? { endpointName: event[1], variantName: event[2], componentName: event[3], copyId };
    if (event[0] === "s") {
      observer.requestStarted(target);
      if (open) open.count++;
      else if (key !== undefined) started.set(key, { target, count: 1 });
    } else if (event[0] === "r") observer.requestRetried?.(target, event[5]);
    else {
      observer.requestFinished(target, event[5], event[6], event[7]);
      if (open && --open.count === 0) started.delete(key!);
    }
  }

  async #sessionCall(worker: Worker | undefined, id: number, body: SessionCall): Promise<void> {
    const { store } = this.#options;
    const reply = (message: Omit<Extract<ToWorker, { t: "reply" }>, "t" | "id">) => {
      if (worker?.isConnected()) worker.send({ t: "reply", id, ...message } satisfies ToWorker);
    };
    try {
      if (body.op === "get") return reply({ value: (await store.get("session", keys.session(body.endpointName, body.sessionId)))?.value });
      if (body.op === "put") await store.commit([put("session", keys.session(body.session.endpointName, body.session.id), body.session)]);
      else await store.commit([del("session", keys.session(body.session.endpointName, body.session.id))]);
      reply({});
    } catch (error) {
      reply({ error: (error as Error).message });
    }
  }

  #broadcast(message: ToWorker): void {
    for (const { worker } of this.#workers.values()) if (worker.isConnected()) worker.send(message);
  }

  setTable(table: RoutingTable): void {
    this.#table = table;
    this.#broadcast({ t: "table", table });
  }

  /** The body budget of the workers together, as they last reported: what `/metrics` shows for the server. */
  get bodies(): BodyBudgetReading {
    let used = 0;
    let refused = this.#refusedByGoneWorkers;
    for (const state of this.#workers.values()) {
      used += state.bodies.used;
      refused += state.bodies.refused;
    }
    return { used, limit: this.#options.config.limits.bufferedBodyBudgetBytes, refused };
  }

  /** Requests in flight to a copy in every worker, as they last reported. */
  inFlight(copyId: string): number {
    let total = 0;
    for (const state of this.#workers.values()) total += state.inFlight.get(copyId) ?? 0;
    return total;
  }

  waiting(endpointName: string, componentName: string): number {
    const key = `${endpointName.toLowerCase()}\u0000${componentName.toLowerCase()}`;
    let total = 0;
    for (const state of this.#workers.values()) total += state.waiting.get(key) ?? 0;
    return total;
  }

  /** Resolves when no worker has a request in flight to the copy, or after timeoutMs. */
  waitIdle(copyId: string, timeoutMs: number): Promise<void> {
    const pending = new Set([...this.#workers.keys()].filter((index) => this.#workers.get(index)!.worker.isConnected()));
    if (pending.size === 0) return Promise.resolve();
    const id = this.#nextCall++;
    return new Promise((resolve) => {
      this.#idleCalls.set(id, { pending, resolve });
      this.#broadcast({ t: "waitIdle", id, copyId, timeoutMs });
    });
  }

  /**
   * Stops every worker: each finishes its requests in flight within the stop drain limit (stopDrainSeconds)
   * and exits once its connections are closed; one still running well after the limit is killed. Resolves
   * once every worker's last report has been taken in.
   */
  async stop(): Promise<void> {
    const drainSeconds = this.#options.config.stopDrainSeconds;
    this.#stopping = true;
    this.#unwatch?.();
    await Promise.all(
      [...this.#workers].map(async ([index, { worker, gone }]) => {
        const kill = setTimeout(
          () => {
            this.#options.log.warn(
              { worker: index, pid: worker.process.pid },
              `router worker ${index} (pid ${worker.process.pid}) had not exited ${stopKillAfterDrainMs / 1000} s after the stop drain limit of ${drainSeconds} s (stopDrainSeconds); killing it`,
            );
            worker.process.kill("SIGKILL");
          },
          drainSeconds * 1000 + stopKillAfterDrainMs,
        );
        if (!worker.isDead()) worker.process.kill("SIGTERM");
        await gone;
        clearTimeout(kill);
      }),
    );
    for (const call of this.#idleCalls.values()) call.resolve();
    this.#idleCalls.clear();
  }
}

/** A port that is free on the host now: the one a listen on port 0 would have got. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
