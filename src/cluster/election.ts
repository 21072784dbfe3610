import type { LeaderRecord } from "../domain/cluster.js";
import { keys } from "../state/keys.js";
import { absent, putLeased, StoreConflictError, type BerthStore, type ChangeEvent } from "../state/records.js";
import type { Leases } from "../store/store.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";

export interface ElectionOptions {
  store: BerthStore;
  replicaId: string;
  url: string;
  ttlSeconds: number;
  clock: Clock;
  log: Logger;
  /** Won: the modRevision of the leader put fences every controller commit from now on. */
  onElected(fence: number): Promise<void>;
  /** Lost (lease expired, key gone or changed, fence conflict) or stopping: stop the controllers at once. */
  onDeposed(reason: string): Promise<void>;
}

interface Leadership {
  leaseId: string;
  fence: number;
  lastRenewedAt: number;
}

/**
 * Controller leadership: a replica campaigns by putting `leader/controllers` with its leader lease and an
 * absent expectation; one put wins. The others watch the key and campaign again when it is deleted (the
 * leader's lease expired or was revoked). The leader renews every ttl/3 and steps down the moment a renewal
 * says the lease is gone, the key changes, or it cannot renew for a whole TTL.
 */
export class Election {
  readonly #options: ElectionOptions;
  readonly #leases: Leases;
  readonly #key = keys.leader();
  #leading?: Leadership;
  #unwatch?: () => void;
  #timer?: TimerHandle;
  #campaigning?: Promise<void>;
  #again = false;
  #transitions: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: ElectionOptions) {
    if (!options.store.leases) throw new Error("leader election needs a store with leases (etcd)");
    this.#options = options;
    this.#leases = options.store.leases;
  }

  get leading(): boolean {
    return this.#leading !== undefined;
  }

  start(): void {
    this.#unwatch = this.#options.store.watch((events) => this.#onEvents(events));
    void this.#campaign();
    this.#tick();
  }

  /** Steps down first (controllers stopped, lease revoked, so another replica takes over at once). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unwatch?.();
    if (this.#timer) this.#options.clock.clearTimeout(this.#timer);
    await this.#campaigning;
    await this.depose("this replica is stopping");
  }

  /** Stops the controllers now; another campaign follows unless stopping. */
  async depose(reason: string): Promise<void> {
    const leadership = this.#leading;
    if (!leadership) return this.#transitions;
    this.#leading = undefined;
    this.#options.log.warn({ replicaId: this.#options.replicaId, reason }, `no longer leads the controllers: ${reason}`);
    this.#transition(() => this.#options.onDeposed(reason));
    await this.#transitions;
    await this.#leases.revoke(leadership.leaseId).catch(() => undefined);
    if (!this.#stopped) void this.#campaign();
  }

  #transition(step: () => Promise<void>): void {
    this.#transitions = this.#transitions.then(step).catch((error) => this.#options.log.error({ err: error }, "starting or stopping the controllers failed"));
  }

  #campaign(): Promise<void> {
    if (this.#campaigning) {
      this.#again = true;
      return this.#campaigning;
    }
    this.#campaigning = (async () => {
      do {
        this.#again = false;
        await this.#campaignOnce();
      } while (this.#again && !this.#stopped && !this.#leading);
    })().finally(() => (this.#campaigning = undefined));
    return this.#campaigning;
  }

  async #campaignOnce(): Promise<void> {
    if (this.#leading || this.#stopped) return;
    const { store, replicaId, url, ttlSeconds, clock, log } = this.#options;
    let leaseId: string | undefined;
    try {
      if (await store.get("leader", this.#key)) return;
      leaseId = await this.#leases.grant(ttlSeconds);
      const record: LeaderRecord = { replicaId, url, since: clock.now(), leaseId };
      const fence = await store.commit([putLeased("leader", this.#key, record, leaseId, absent)]);
      if (this.#stopped) {
        await this.#leases.revoke(leaseId);
        return;
      }
      this.#leading = { leaseId, fence, lastRenewedAt: clock.now() };
      log.info({ replicaId, fence }, `${replicaId} leads the controllers (leader/${this.#key} at revision ${fence})`);
      this.#transition(() => this.#options.onElected(fence));
    } catch (error) {
      if (leaseId) await this.#leases.revoke(leaseId).catch(() => undefined);
      if (!StoreConflictError.is(error)) log.debug({ err: error }, "campaign for the controllers failed; trying again shortly");
    }
  }

  /** Renews while leading; while not, looks for a missing leader in case a delete event was missed. */
  #tick(): void {
    if (this.#stopped) return;
    this.#timer = this.#options.clock.setTimeout(
      () => void (this.#leading ? this.#renew() : this.#campaign()).finally(() => this.#tick()),
      (this.#options.ttlSeconds * 1000) / 3,
    );
    this.#timer.unref?.();
  }

  async #renew(): Promise<void> {
    const leadership = this.#leading;
    if (!leadership) return;
    const { clock, ttlSeconds } = this.#options;
    try {
      const alive = await this.#leases.renew(leadership.leaseId);
      if (this.#leading !== leadership) return;
      if (alive) leadership.lastRenewedAt = clock.now();
      else await this.depose("the leader lease expired");
    } catch {
      if (this.#leading === leadership && clock.now() - leadership.lastRenewedAt >= ttlSeconds * 1000)
        await this.depose(`the leader lease could not be renewed for ${ttlSeconds} s`);
    }
  }

  #onEvents(events: ChangeEvent[]): void {
    for (const event of events) {
      if (event.kind !== "leader" || event.key !== this.#key) continue;
      const leadership = this.#leading;
      // Events older than this replica's own win (delivered late) say nothing about its leadership.
      if (leadership && event.revision <= leadership.fence) continue;
      if (event.type === "delete") {
        if (leadership) void this.depose(`leader/${this.#key} was deleted (lease expired or revoked)`);
        else void this.#campaign();
      } else if (leadership) {
        void this.depose(`leader/${this.#key} now names ${(event.value as LeaderRecord).replicaId}`);
      }
    }
  }
}
