import type { ReplicaRecord } from "../domain/cluster.js";
import { keys } from "../state/keys.js";
import { putLeased, type BerthStore } from "../state/records.js";
import type { Leases } from "../store/store.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";

export interface ReplicaRegistryOptions {
  store: BerthStore;
  replicaId: string;
  url: string;
  ttlSeconds: number;
  clock: Clock;
  log: Logger;
}

/**
 * This replica's `replica/<id>` entry, held by its own lease and renewed every ttl/3. When a renewal finds
 * the lease gone (etcd was away longer than the TTL), a new lease is granted and the entry put again.
 * A clean stop revokes the lease, so the entry vanishes at once.
 */
export class ReplicaRegistry {
  readonly #options: ReplicaRegistryOptions;
  readonly #leases: Leases;
  readonly #startedAt: number;
  #leaseId?: string;
  #timer?: TimerHandle;
  #stopped = false;
  #failing = false;

  constructor(options: ReplicaRegistryOptions) {
    if (!options.store.leases) throw new Error("the replica registry needs a store with leases (etcd)");
    this.#options = options;
    this.#leases = options.store.leases;
    this.#startedAt = options.clock.now();
  }

  get startedAt(): number {
    return this.#startedAt;
  }

  async start(): Promise<void> {
    await this.#waitForTheId();
    await this.#register();
    this.#schedule();
  }

  /**
   * Another live replica may hold this id (two hosts with one host name and port, or one --replica-id given
   * twice): putting the entry would take it from that replica, which would drop out of the cluster view and
   * the metric fan-out. An entry with this replica's own URL is its previous run, taken over at once; any other
   * is waited for, for as long as a dead holder's lease takes to lapse, then refused.
   */
  async #waitForTheId(): Promise<void> {
    const { store, replicaId, url, ttlSeconds, clock } = this.#options;
    const deadline = clock.now() + ttlSeconds * 1000 + 1000;
    for (;;) {
      const holder = (await store.get("replica", keys.replica(replicaId)))?.value;
      if (!holder || holder.url === url) return;
      if (clock.now() >= deadline)
        throw new ReplicaIdInUseError(
          `replica id ${replicaId} is held by another live replica, advertised as ${holder.url}: give each replica its own --replica-id (cluster.replicaId, BERTH_REPLICA_ID); the default, <hostname>-<port>, is the same on two hosts with one host name`,
        );
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 250));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) this.#options.clock.clearTimeout(this.#timer);
    const leaseId = this.#leaseId;
    this.#leaseId = undefined;
    if (leaseId) await this.#leases.revoke(leaseId).catch((error) => this.#options.log.debug({ err: error }, "could not revoke the replica lease"));
  }

  async #register(): Promise<void> {
    const { store, replicaId, url, ttlSeconds } = this.#options;
    const leaseId = await this.#leases.grant(ttlSeconds);
    const record: ReplicaRecord = { id: replicaId, url, startedAt: this.#startedAt, leaseId };
    await store.commit([putLeased("replica", keys.replica(replicaId), record, leaseId)]);
    this.#leaseId = leaseId;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#options.clock.setTimeout(() => void this.#renew().finally(() => this.#schedule()), (this.#options.ttlSeconds * 1000) / 3);
    this.#timer.unref?.();
  }

  async #renew(): Promise<void> {
    const { log, replicaId } = this.#options;
    try {
      const alive = this.#leaseId !== undefined && (await this.#leases.renew(this.#leaseId));
      if (!alive && !this.#stopped) {
        log.info({ replicaId }, `the lease of replica/${replicaId} had expired; registering again`);
        await this.#register();
      }
      if (this.#failing) log.info({ replicaId }, `replica/${replicaId} is renewed again`);
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) log.warn({ err: error, replicaId }, `cannot renew replica/${replicaId}; retrying every ${this.#options.ttlSeconds / 3} s`);
      this.#failing = true;
    }
  }
}

/** Another live replica holds this replica's id; the server does not start. */
export class ReplicaIdInUseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplicaIdInUseError";
  }
}
