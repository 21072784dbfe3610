import type { ArtifactSettings } from "../../artifacts/settings.js";
import type { RegisterRequest, RegisterResponse } from "../../cluster/agent-api/protocol.js";
import type { ContainersConfig } from "../../config/containers.js";
import type { ImageCommand } from "../../config/config.js";
import type { DeviceInfo } from "../../domain/resources.js";
import type { Clock } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import { NodeAgent, type NodeAgentOptions } from "../agent.js";
import type { CopySandbox } from "../copy-sandbox.js";
import { CopyProxy } from "../copy-proxy.js";
import { RemoteStoreView } from "../remote-store.js";
import type { SupervisorTimings } from "../supervisor.js";
import { ReplicaClient, ReplicasUnreachable } from "./replica-client.js";

export interface RemoteAgentOptions {
  servers: string[];
  joinToken: string;
  agentId: string;
  /** This installation's id, kept in its data dir (see RegisterRequest.installId). */
  installId?: string;
  instanceType: string;
  devices: DeviceInfo[];
  /** Where the proxy listens, and the address routers are told (port 0: the port it got). */
  listen: { host: string; port: number };
  advertiseHost: string;
  sandbox: CopySandbox;
  images: Record<string, ImageCommand>;
  containers: ContainersConfig;
  artifacts: ArtifactSettings;
  clock: Clock;
  log: Logger;
  timings?: Partial<SupervisorTimings>;
  mps?: NodeAgentOptions["mps"];
}

/** The servers refused this agent for good (wrong token, bad registration): retrying cannot help. */
export class AgentRefused extends Error {
  override name = "AgentRefused";
}

type LeaseEnd = "stopping" | "gone" | "cut-off";

/**
 * `berth agent`: registers this host with the server replicas, keeps its lease alive through any of
 * them, and runs the copies placed on it with the node agent, over a remote view of the store. When the
 * lease is lost (refused, or no renewal for its TTL) it stops every copy and registers again.
 */
export class RemoteAgent {
  readonly #options: RemoteAgentOptions;
  readonly #client: ReplicaClient;
  readonly #proxy: CopyProxy;
  #advertised = { host: "", port: 0 };
  #stopping = false;
  readonly #wakers = new Set<() => void>();
  #running?: Promise<void>;

  constructor(options: RemoteAgentOptions) {
    this.#options = options;
    this.#client = new ReplicaClient(options.servers, options.log);
    this.#proxy = new CopyProxy({ log: options.log.child({ component: "proxy" }) });
  }

  /** Opens the proxy and starts the join loop; `done` settles when the agent has stopped (or was refused). */
  async start(): Promise<{ done: Promise<void> }> {
    const port = await this.#proxy.listen(this.#options.listen.host, this.#options.listen.port);
    this.#advertised = { host: this.#options.advertiseHost, port };
    this.#options.log.info(`copy proxy listening on ${this.#options.listen.host}:${port}, advertised as ${this.#options.advertiseHost}:${port}`);
    this.#running = this.#run().finally(() => this.#proxy.close());
    return { done: this.#running };
  }

  /** Stops the copies, leaves the cluster and closes the proxy. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const wake of [...this.#wakers]) wake();
    await this.#running;
  }

  async #run(): Promise<void> {
    const { log } = this.#options;
    while (!this.#stopping) {
      const registration = await this.#register();
      if (!registration) return;
      this.#proxy.configure(registration.agentKey, this.#advertised);
      const view = new RemoteStoreView({
        client: this.#client,
        agentId: registration.agentId,
        agentKey: registration.agentKey,
        log: log.child({ component: "view" }),
        reportStatus: (status) => this.#proxy.report(status),
        forgetStatus: (copyId) => this.#proxy.forget(copyId),
      });
      const session = { ended: false };
      const lease = this.#keepLease(registration, session);
      const node = new NodeAgent({
        store: view,
        host: registration.agentId,
        sandbox: this.#options.sandbox,
        images: this.#options.images,
        containers: this.#options.containers,
        artifacts: this.#options.artifacts,
        clock: this.#options.clock,
        log: log.child({ component: "agent" }),
        drain: (copyId, timeoutMs) => this.#proxy.drain(copyId, timeoutMs),
        timings: this.#options.timings,
        mps: this.#options.mps,
      });
      const started = view.connect().then(() => node.start());
      const startFailed = started.then(
        () => new Promise<never>(() => undefined),
        (error: Error): LeaseEnd => {
          if (!session.ended) log.error({ err: error }, `the node agent could not start (${error.message}); registering again`);
          return "gone";
        },
      );
      const end = await Promise.race([lease, startFailed]);
      session.ended = true;
      if (end === "stopping") await this.#leave(registration);
      else if (end === "gone") log.warn("this agent's lease is gone; stopping its copies and registering again");
      else log.warn(`no lease renewal for ${registration.ttlSeconds} s (cut off from the servers); stopping every copy and registering again`);
      this.#proxy.refuseAll();
      await view.close();
      await started.catch(() => undefined);
      await node.stop();
      log.info(`stopped every copy of agent ${registration.agentId}`);
    }
  }

  async #register(): Promise<RegisterResponse | undefined> {
    const { log, agentId, instanceType, devices, joinToken, installId } = this.#options;
    const body: RegisterRequest = { agentId, instanceType, advertise: `${this.#advertised.host}:${this.#advertised.port}`, devices };
    if (installId !== undefined) body.installId = installId;
    let failures = 0;
    while (!this.#stopping) {
      try {
        const answer = await this.#client.call<RegisterResponse & { message?: string }>("POST", "/berth/v1/agents/register", { bearer: joinToken, body });
        if (answer.status === 200) {
          const modelled = devices.filter((d) => d.source === "modelled").length;
          const gpus = modelled > 0 ? `${modelled} modelled GPU(s)` : `${devices.length} GPU(s)`;
          log.info(
            { agent: agentId, server: answer.server },
            `registered with ${answer.server}: agent ${agentId}, ${instanceType}, ${gpus}, lease ${answer.body.ttlSeconds} s`,
          );
          return answer.body;
        }
        // Another host holds this agent id: wait for its lease to lapse (a predecessor whose data dir was wiped), never take it over.
        if (answer.status === 409) throw new ReplicasUnreachable(`${answer.server} answered 409: ${answer.body?.message ?? ""}`);
        if (answer.status >= 400 && answer.status < 500)
          throw new AgentRefused(`${answer.server} refused to register agent ${agentId} (${answer.status}): ${answer.body?.message ?? "no message"}`);
        throw new ReplicasUnreachable(`${answer.server} answered ${answer.status}: ${answer.body?.message ?? ""}`);
      } catch (error) {
        if (error instanceof AgentRefused) throw error;
        if (failures++ % 10 === 0) log.warn(`cannot register yet (${(error as Error).message}); retrying`);
        await this.#pause(Math.min(2_000, 200 * 2 ** Math.min(failures, 4)));
      }
    }
    return undefined;
  }

  /**
   * Renews every ttl/3 through any replica; ends when stopping, when refused, or after ttl without an
   * answer from any replica. A replica answering that the store itself is down counts as heard: while
   * etcd is wholly unavailable no lease can expire, so the copies keep serving from the routers' last tables.
   */
  async #keepLease(registration: RegisterResponse, session: { ended: boolean }): Promise<LeaseEnd> {
    const { clock, log } = this.#options;
    const ttlMs = registration.ttlSeconds * 1000;
    let heardAt = clock.now();
    let trouble: string | undefined;
    while (!this.#stopping && !session.ended) {
      await this.#pause(Math.min(trouble ? Math.min(250, ttlMs / 6) : ttlMs / 3, heardAt + ttlMs - clock.now()));
      if (this.#stopping || session.ended) break;
      if (clock.now() >= heardAt + ttlMs) return "cut-off";
      const sentAt = clock.now();
      const result = await this.#renewOnce(registration, Math.max(1, heardAt + ttlMs - sentAt)).catch((error: Error) => error);
      if (result === "gone") return "gone";
      if (result === "ok" || result === "store-down") heardAt = sentAt;
      const now = result === "ok" ? undefined : result === "store-down" ? "store-down" : "unreachable";
      if (now !== trouble) {
        if (now === undefined) log.info("lease renewed again");
        else if (now === "store-down") log.warn("the servers cannot reach the store to renew the lease; copies keep serving while they retry");
        else log.warn(`could not renew the lease (${(result as Error).message}); retrying until ${registration.ttlSeconds} s have passed`);
        trouble = now;
      }
    }
    return "stopping";
  }

  async #renewOnce(registration: RegisterResponse, timeoutMs: number): Promise<"ok" | "gone" | "store-down" | Error> {
    const answer = await this.#client.call<{ error?: string }>("POST", `/berth/v1/agents/${registration.agentId}/renew`, {
      bearer: registration.agentKey,
      body: { leaseId: registration.leaseId },
      // Each server gets a third of the TTL, the whole call no more than what is left of it: a cut-off host stops its copies on time.
      timeoutMs: (registration.ttlSeconds * 1000) / 3,
      totalTimeoutMs: timeoutMs,
    });
    if (answer.status === 200) return "ok";
    if (answer.status === 410 || answer.status === 404 || answer.status === 401) return "gone";
    if (answer.status === 503 && answer.body?.error === "ServiceUnavailable") return "store-down";
    return new Error(`${answer.server} answered ${answer.status}`);
  }

  async #leave(registration: RegisterResponse): Promise<void> {
    try {
      await this.#client.call("DELETE", `/berth/v1/agents/${registration.agentId}/lease?leaseId=${encodeURIComponent(registration.leaseId)}`, {
        bearer: registration.agentKey,
      });
      this.#options.log.info(`left the cluster: the lease of agent ${registration.agentId} is revoked`);
    } catch (error) {
      this.#options.log.warn(`could not revoke the lease (${(error as Error).message}); it lapses in ${registration.ttlSeconds} s`);
    }
  }

  #pause(ms: number): Promise<void> {
    if (ms <= 0 || this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakers.add(done);
    });
  }
}
