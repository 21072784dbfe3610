import type { ComponentRecord, CopyRecord, CopyStatusRecord, EndpointRecord, InstanceRecord } from "../domain/resources.js";
import type { BerthRecords, BerthStore, ChangeEvent, Entry, Kind } from "../state/records.js";
import type { ScalableTargetRecord } from "../autoscaling/records.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { buildRoutingTable, type RoutingTable } from "../router/table.js";
import { agentKey } from "../auth/agent-key.js";
import { keys } from "../state/keys.js";
import type { ClusterSecretsRecord } from "../domain/cluster.js";

const retryMs = 1000;
const relevant = new Set(["endpoint", "inference-component", "instance", "copy", "copy-status", "scalable-target", "agent-lease", "cluster-secrets"]);

/**
 * Rebuilds the routing table when the store changes and pushes it to subscribers. Bursts of changes
 * coalesce into one rebuild; if a rebuild fails (the store cannot be reached), subscribers keep the last good
 * table and the rebuild is tried again every second until it succeeds.
 */
export class RoutingTablePublisher {
  readonly #store: BerthStore;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #subscribers: ((table: RoutingTable) => void)[] = [];
  #unwatch?: () => void;
  #seenRevision = 0;
  #liveHosts?: Set<string>;
  readonly #lostHosts = new Set<string>();
  #keysOf?: ClusterSecretsRecord;
  readonly #agentHeaders = new Map<string, string>();
  /** The next rebuild reads the store itself, not its watch mirror: at start, and for settled(), whose caller just committed. */
  #freshWanted = true;
  #scheduled = false;
  #rebuilding?: Promise<void>;
  #again = false;
  #waiters: (() => void)[] = [];
  #stopped = false;
  #failing = false;
  #retry?: ReturnType<typeof setTimeout>;

  constructor(options: { store: BerthStore; clock: Clock; log: Logger }) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#log = options.log;
  }

  subscribe(subscriber: (table: RoutingTable) => void): void {
    this.#subscribers.push(subscriber);
  }

  async start(): Promise<void> {
    this.#unwatch = this.#store.watch((events) => this.#onChanges(events));
    await this.#rebuild();
  }

  stop(): void {
    this.#stopped = true;
    this.#unwatch?.();
    if (this.#retry) clearTimeout(this.#retry);
  }

  /** Resolves once a table reflecting every change committed before this call has been pushed. */
  settled(): Promise<void> {
    this.#freshWanted = true;
    this.#schedule();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Rebuilt on every watch event, so it reads the store's own mirror where it keeps one (etcd): no round trip per event. */
  #list<K extends Kind>(kind: K, fresh: boolean): Promise<Entry<BerthRecords[K]>[]> {
    return this.#store.listCached && !fresh ? this.#store.listCached(kind) : this.#store.list(kind);
  }

  /** "Bearer <agent key>" per live agent; a key is an HMAC, so each is derived once, not on every rebuild. */
  #authorizations(secrets: ClusterSecretsRecord, liveHosts: Set<string>): Map<string, string> {
    if (this.#keysOf !== secrets) {
      this.#keysOf = secrets;
      this.#agentHeaders.clear();
    }
    const headers = new Map<string, string>();
    for (const host of liveHosts) {
      let header = this.#agentHeaders.get(host);
      if (header === undefined) this.#agentHeaders.set(host, (header = `Bearer ${agentKey(secrets, host)}`));
      headers.set(host, header);
    }
    return headers;
  }

  /** Says when a host's lease goes (routers stop sending to it) and when a lost host holds one again. */
  #noteHosts(liveHosts: Set<string>): void {
    const previous = this.#liveHosts;
    this.#liveHosts = liveHosts;
    if (!previous) return;
    for (const host of previous) {
      if (liveHosts.has(host)) continue;
      this.#lostHosts.add(host);
      this.#log.warn({ host }, `host ${host} lost its lease (dead, cut off or stopped): routers stop sending to its copies`);
    }
    for (const host of this.#lostHosts) {
      if (!liveHosts.has(host)) continue;
      this.#lostHosts.delete(host);
      this.#log.info({ host }, `host ${host} holds a lease again`);
    }
  }

  #onChanges(events: ChangeEvent[]): void {
    this.#seenRevision = Math.max(this.#seenRevision, events[events.length - 1]?.revision ?? 0);
    if (events.some((e) => relevant.has(e.kind))) this.#schedule();
  }

  #schedule(): void {
    if (this.#rebuilding) {
      this.#again = true;
      return;
    }
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#rebuild();
    });
  }

  async #rebuild(): Promise<void> {
    const waiters = this.#waiters;
    this.#waiters = [];
    this.#rebuilding = (async () => {
      try {
        // Every change delivered so far is in what is read next, so the table reflects at least this revision.
        const revision = this.#seenRevision;
        const fresh = this.#freshWanted;
        this.#freshWanted = false;
        const [endpoints, components, instances, copies, statuses, targets, leases, secrets] = await Promise.all([
          this.#list("endpoint", fresh),
          this.#list("inference-component", fresh),
          this.#list("instance", fresh),
          this.#list("copy", fresh),
          this.#list("copy-status", fresh),
          this.#list("scalable-target", fresh),
          // Hosts hold leases and the cluster has secrets only in cluster mode; on one machine every host is live.
          this.#store.leases ? this.#list("agent-lease", fresh) : undefined,
          this.#store.leases ? this.#list("cluster-secrets", fresh).then((entries) => entries.find((e) => e.key === keys.clusterSecrets())) : undefined,
        ]);
        const liveHosts = leases ? new Set(leases.map((e) => e.value.agentId)) : undefined;
        const table = buildRoutingTable({
          revision,
          endpoints: endpoints.map((e) => e.value),
          components: components.map((e) => e.value),
          instances: instances.map((e) => e.value),
          copies: copies.map((e) => e.value),
          statuses: statuses.map((e) => e.value),
          wakeable: new Set(
            targets
              .map((e) => e.value)
              .filter((t) => t.scalableDimension === "sagemaker:inference-component:DesiredCopyCount" && t.maxCapacity >= 1)
              .map((t) => t.resourceId.slice("inference-component/".length).toLowerCase()),
          ),
          liveHosts,
          now: this.#clock.now(),
          agentAuthorization: secrets && liveHosts ? this.#authorizations(secrets.value, liveHosts) : undefined,
        });
        for (const subscriber of this.#subscribers) subscriber(table);
        if (liveHosts) this.#noteHosts(liveHosts);
        if (this.#failing) this.#log.info("the routing table is rebuilt from the store again");
        this.#failing = false;
      } catch (error) {
        if (!this.#failing) this.#log.warn({ err: error }, "could not rebuild the routing table; the router keeps serving from its last one");
        this.#failing = true;
        if (!this.#stopped && !this.#retry) {
          this.#retry = setTimeout(() => {
            this.#retry = undefined;
            this.#schedule();
          }, retryMs);
          this.#retry.unref();
        }
      }
    })();
    await this.#rebuilding;
    this.#rebuilding = undefined;
    for (const resolve of waiters) resolve();
    if (this.#again) {
      this.#again = false;
      this.#schedule();
    }
  }
}
