import type { ReplicaRecord } from "../domain/cluster.js";
import { compareMetrics } from "../metrics/match.js";
import { mergeReplicaParts, rawSeries, type RawSeries, type ReplicaPart } from "../metrics/replica-merge.js";
import { internalMetricPaths } from "../metrics/replica-merge.js";
import { canonicalId } from "../metrics/series-table.js";
import { seriesKey, type GatheringReader, type ListFilter, type MetricId, type MetricPage, type MetricsReader, type ReadScope } from "../metrics/types.js";
import type { BerthStore } from "../state/records.js";
import type { Logger } from "../util/logger.js";

export interface ClusterMetricsOptions {
  /** This replica's own metrics (its router's requests, its PutMetricData calls). */
  local: MetricsReader;
  bucketMs: number;
  /** This replica's id (known once the server listens). */
  replicaId: () => string;
  store: BerthStore;
  /** The replica bearer key (replica-key.ts). */
  key: string;
  log: Logger;
  /** How long a replica may take to answer before its part is left out. */
  deadlineMs?: number;
}

/**
 * CloudWatch and the autoscaler read the sum over all live replicas: each read asks every other replica in
 * `replica/*` for its raw buckets of the series read (POST /berth/v1/internal/metric-data) and merges them
 * with this replica's own (metrics/replica-merge.ts). A replica that does not answer within the deadline is
 * left out (logged once until it answers again).
 */
export class ClusterMetricsReader implements GatheringReader {
  readonly #options: ClusterMetricsOptions;
  readonly #silent = new Set<string>();
  #peers: ReplicaRecord[] = [];

  constructor(options: ClusterMetricsOptions) {
    this.#options = options;
  }

  statistics: MetricsReader["statistics"] = (query) => this.#options.local.statistics(query);
  listMetrics: MetricsReader["listMetrics"] = (filter) => this.#options.local.listMetrics(filter);
  unitOf = (metric: MetricId) => this.#options.local.unitOf?.(metric);

  async gather(scope: ReadScope): Promise<MetricsReader> {
    const { local, bucketMs, replicaId } = this.#options;
    const remote = await this.#ask<{ series: RawSeries[] }>(internalMetricPaths.data, scope);
    const parts: ReplicaPart[] = [{ replicaId: replicaId(), series: rawSeries(local, bucketMs, scope) }];
    for (const [peer, answer] of remote) parts.push({ replicaId: peer, series: answer.series });
    return mergeReplicaParts(parts, bucketMs);
  }

  listPage: MetricsReader["listPage"] = (filter) => this.#options.local.listPage(filter);

  /**
   * Each replica lists a page (its first filter.limit series after filter.after, looking at no more than
   * filter.examine). A replica that stopped early knows nothing past its stoppedAt, so the merged page ends
   * at the smallest one; a replica that does not page (an older one) sends all it has.
   */
  async listAcross(filter: ListFilter): Promise<MetricPage> {
    const parts: MetricPage[] = [this.#options.local.listPage(filter)];
    for (const [, answer] of await this.#ask<MetricPage>(internalMetricPaths.list, { filter })) parts.push(answer);
    let stoppedAt: string | undefined;
    for (const part of parts) if (part.stoppedAt !== undefined && (stoppedAt === undefined || part.stoppedAt < stoppedAt)) stoppedAt = part.stoppedAt;
    const all = new Map<string, MetricId>();
    for (const part of parts) {
      for (const metric of part.metrics) {
        const id = canonicalId(metric);
        const key = seriesKey(id);
        if ((filter.after === undefined || key > filter.after) && (stoppedAt === undefined || key <= stoppedAt)) all.set(key, id);
      }
    }
    const metrics = [...all]
      .map(([key, metric]) => ({ key, metric }))
      .sort(compareMetrics)
      .slice(0, filter.limit ?? Infinity)
      .map((x) => x.metric);
    return { metrics, stoppedAt };
  }

  async #ask<T>(path: string, body: unknown): Promise<[string, T][]> {
    const peers = await this.#livePeers();
    const answers = await Promise.all(peers.map((peer) => this.#askOne<T>(peer, path, body)));
    return answers.filter((a): a is [string, T] => a !== undefined);
  }

  async #askOne<T>(peer: ReplicaRecord, path: string, body: unknown): Promise<[string, T] | undefined> {
    const { key, log, deadlineMs = 1000 } = this.#options;
    try {
      const response = await fetch(new URL(path, peer.url), {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(deadlineMs),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
      const answer = (await response.json()) as T;
      if (this.#silent.delete(peer.id)) log.info({ replica: peer.id }, `replica ${peer.id} answers metric reads again`);
      return [peer.id, answer];
    } catch (error) {
      if (!this.#silent.has(peer.id)) {
        this.#silent.add(peer.id);
        log.warn(
          { replica: peer.id, url: peer.url, err: error },
          `replica ${peer.id} (${peer.url}) did not answer a metric read within ${deadlineMs} ms; its requests are left out of metric reads until it answers`,
        );
      }
      return undefined;
    }
  }

  /** The other replicas; the last list read is used while the store cannot be reached. */
  async #livePeers(): Promise<ReplicaRecord[]> {
    try {
      const entries = await this.#options.store.list("replica");
      this.#peers = entries.map((e) => e.value).filter((r) => r.id !== this.#options.replicaId());
    } catch (error) {
      this.#options.log.debug({ err: error }, "cannot list the replicas; asking the ones listed last");
    }
    return this.#peers;
  }
}
