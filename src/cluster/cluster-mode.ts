import type { ClusterConfig } from "../config/cluster.js";
import { replicaIdOf } from "../config/cluster.js";
import type { ClusterSecretsRecord } from "../domain/cluster.js";
import type { Controllers } from "../controllers/runtime/controllers.js";
import type { MetricsReader } from "../metrics/types.js";
import type { BerthStore } from "../state/records.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { clusterView, type ClusterView } from "./cluster-view.js";
import { Election } from "./election.js";
import { FencedStore } from "./fenced-store.js";
import { ClusterMetricsReader } from "./metric-fanout.js";
import { replicaKey } from "../auth/replica-key.js";
import { ReplicaRegistry } from "./replicas.js";
import { ensureClusterSecrets } from "./secrets.js";
import { requestWake } from "./wakes.js";

const wakeRepeatMs = 1000;

export interface ClusterModeOptions {
  store: BerthStore;
  cluster: ClusterConfig;
  clock: Clock;
  log: Logger;
}

/**
 * One server replica's part in a cluster (the store is etcd): the cluster's secrets, the store the
 * controllers write through (fenced by the leadership), this replica's registration, the election that
 * starts and stops the controllers, wakes sent to the leader, and metric reads summed over the replicas.
 */
export class ClusterMode {
  readonly secrets: ClusterSecretsRecord;
  /** What the controllers commit through: refused unless this replica leads. */
  readonly controllerStore: FencedStore;
  readonly replicaKey: string;
  readonly #options: ClusterModeOptions;
  #replicaId?: string;
  #registry?: ReplicaRegistry;
  #election?: Election;
  readonly #wakesSent = new Map<string, number>();

  static async open(options: ClusterModeOptions): Promise<ClusterMode> {
    return new ClusterMode(options, await ensureClusterSecrets(options.store, options.clock));
  }

  private constructor(options: ClusterModeOptions, secrets: ClusterSecretsRecord) {
    this.#options = options;
    this.secrets = secrets;
    this.replicaKey = replicaKey(secrets);
    this.controllerStore = new FencedStore(options.store, (reason) => void this.#election?.depose(reason));
  }

  get replicaId(): string {
    if (this.#replicaId === undefined) throw new Error("the replica id is known once the server listens");
    return this.#replicaId;
  }

  get leading(): boolean {
    return this.#election?.leading ?? false;
  }

  /** Metric reads that fan out to the other replicas and merge their raw buckets with this one's. */
  metricsReader(local: MetricsReader, bucketMs: number): ClusterMetricsReader {
    return new ClusterMetricsReader({
      local,
      bucketMs,
      replicaId: () => this.#replicaId ?? "",
      store: this.#options.store,
      key: this.replicaKey,
      log: this.#options.log.child({ component: "metrics" }),
    });
  }

  /**
   * Wakes the component here while leading, else asks the leader through `wake/<component>`: once a second at
   * most per component, since every request held at zero copies asks.
   */
  wake(componentName: string, wakeHere: (componentName: string) => void): void {
    if (this.leading) return wakeHere(componentName);
    const now = this.#options.clock.now();
    const key = componentName.toLowerCase();
    if (now - (this.#wakesSent.get(key) ?? -Infinity) < wakeRepeatMs) return;
    this.#wakesSent.set(key, now);
    for (const [name, at] of this.#wakesSent) if (now - at >= wakeRepeatMs) this.#wakesSent.delete(name);
    requestWake(this.#options.store, componentName, this.#replicaId ?? "", this.#options.clock).catch((error) =>
      this.#options.log.warn({ err: error, component: componentName }, `could not ask the leader to wake inference component ${componentName}`),
    );
  }

  view(): Promise<ClusterView> {
    return clusterView(this.#options.store);
  }

  /** Once the server listens: register this replica and campaign for the controllers. */
  async start(server: { url: string; port: number }, controllers: Controllers): Promise<void> {
    const { store, cluster, clock, log } = this.#options;
    const replicaId = replicaIdOf(cluster, server.port);
    const url = cluster.advertiseUrl ?? server.url;
    this.#replicaId = replicaId;
    this.#registry = new ReplicaRegistry({ store, replicaId, url, ttlSeconds: cluster.leaseSeconds, clock, log: log.child({ component: "replica" }) });
    await this.#registry.start();
    this.#election = new Election({
      store,
      replicaId,
      url,
      ttlSeconds: cluster.leaderLeaseSeconds,
      clock,
      log: log.child({ component: "election" }),
      onElected: async (fence) => {
        this.controllerStore.setFence(fence);
        try {
          await controllers.start();
        } catch (error) {
          // The store failed while the controllers listed their work: give the leadership up and campaign again.
          await controllers.stop();
          void this.#election?.depose(`the controllers could not start: ${(error as Error).message}`);
        }
      },
      onDeposed: async () => {
        this.controllerStore.setFence(undefined);
        await controllers.stop();
      },
    });
    this.#election.start();
    log.info(
      { replicaId, url },
      `replica ${replicaId} joined the cluster (advertised as ${url}). Each replica checks keys against the credentials.json in its own data dir: give every replica the same file.`,
    );
  }

  /** Steps down (so another replica leads at once) and leaves the replica list. */
  async stop(): Promise<void> {
    await this.#election?.stop();
    await this.#registry?.stop();
  }
}
