import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { StorageFaultError, StorageHealth } from "../store/storage-fault.js";
import { bucketIndex, bucketRange } from "./buckets.js";
import { combineBuckets } from "./periods.js";
import { pointOf, RecentPoints, type StoredBucket } from "./recent-points.js";
import { namespaces } from "./sagemaker-metrics.js";
import { SeriesTable, type SeriesState } from "./series-table.js";
import { yieldToLoop } from "../util/slices.js";
import type {
  Aggregate,
  CustomMetricsWriter,
  CustomSample,
  Datapoint,
  ListFilter,
  MetricId,
  MetricPage,
  MetricsReader,
  MetricsWriter,
  SeriesLimitRefusal,
  StatisticsQuery,
} from "./types.js";

const schema = `
CREATE TABLE IF NOT EXISTS series (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  dimensions TEXT NOT NULL,
  unit TEXT,
  last_bucket INTEGER NOT NULL,
  custom INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS points (
  series_id INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  sum REAL NOT NULL,
  count REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS points_bucket ON points (bucket);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** Series written per transaction by the periodic flush: about a millisecond of SQLite work. */
const seriesPerSlice = 100;
/** Rows deleted per transaction by the periodic prune: a few milliseconds of SQLite work, so mass expiry never stalls requests. */
const pointsPerPruneSlice = 5_000;
const seriesPerPruneSlice = 500;

interface SeriesRow {
  id: number;
  key: string;
  namespace: string;
  name: string;
  dimensions: string;
  unit: string | null;
  last_bucket: number;
  custom: number;
}

export interface SqliteMetricsOptions {
  /** Usually <dataDir>/metrics.db: its own file, apart from the state database. */
  path: string;
  bucketMs: number;
  retentionMs: number;
  clock: Clock;
  log: Logger;
  /** How often old buckets are deleted; by default a tenth of the retention, at most every minute. */
  pruneEveryMs?: number;
  /** Logs a full or read-only data directory once, rather than at every flush. */
  health?: StorageHealth;
  /**
   * The most series recordCustom (PutMetricData) may have created and the store holds at once
   * (limits.maxCustomMetricSeries); unbounded when left out. Berth's own series never count.
   */
  maxCustomSeries?: number;
}

/**
 * Metrics in SQLite (WAL, synchronous=NORMAL: metrics are not acknowledged writes). Samples collect in
 * an in-memory buffer and are written once per bucket, so a restart keeps the history up to the last
 * flush. A read sees the buffered samples of what it reads too, so every sample recorded before it.
 */
export class SqliteMetricsStore implements MetricsReader, MetricsWriter, CustomMetricsWriter {
  readonly bucketMs: number;
  readonly #db: Database.Database;
  readonly #buffer: SeriesTable;
  readonly #ids = new Map<string, number>();
  readonly #recent = new RecentPoints();
  readonly #options: SqliteMetricsOptions;
  readonly #statements;
  #dirty = false;
  #slicing = false;
  #timers: TimerHandle[] = [];
  #stopped = false;
  #closed = false;
  readonly #health: StorageHealth;

  constructor(options: SqliteMetricsOptions) {
    this.#options = options;
    this.bucketMs = options.bucketMs;
    this.#health = options.health ?? new StorageHealth({ dataDir: dirname(options.path), log: options.log });
    try {
      if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
      this.#db = new Database(options.path);
      if (this.#db.readonly) throw Object.assign(new Error("database opened read-only"), { code: "SQLITE_READONLY" });
      this.#db.pragma("journal_mode = WAL");
      this.#db.pragma("synchronous = NORMAL");
      this.#db.pragma("busy_timeout = 5000");
      this.#db.exec(schema);
      this.#addCustomColumn();
    } catch (error) {
      throw StorageFaultError.from(error, this.#health.dataDir) ?? error;
    }
    this.#statements = {
      insertSeries: this.#db.prepare("INSERT INTO series (key, namespace, name, dimensions, unit, last_bucket, custom) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      updateSeries: this.#db.prepare("UPDATE series SET unit = ?, last_bucket = MAX(last_bucket, ?) WHERE id = ?"),
      upsertPoint: this.#db.prepare(
        "INSERT INTO points (series_id, bucket, sum, count, min, max) VALUES (?, ?, ?, ?, ?, ?) " +
          "ON CONFLICT (series_id, bucket) DO UPDATE SET sum = sum + excluded.sum, count = count + excluded.count, " +
          "min = MIN(min, excluded.min), max = MAX(max, excluded.max)",
      ),
      points: this.#db.prepare<[number, number, number], StoredBucket>(
        "SELECT bucket, sum, count, min, max FROM points WHERE series_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket",
      ),
      pointsFrom: this.#db.prepare<[number, number], StoredBucket>(
        "SELECT bucket, sum, count, min, max FROM points WHERE series_id = ? AND bucket >= ? ORDER BY bucket",
      ),
      prunePoints: this.#db.prepare(
        "DELETE FROM points WHERE (series_id, bucket) IN (SELECT series_id, bucket FROM points WHERE bucket < ? LIMIT " + pointsPerPruneSlice + ")",
      ),
      staleSeries: this.#db.prepare<[number, number], { id: number; key: string }>(
        "SELECT id, key FROM series s WHERE last_bucket < ? AND id > ? AND NOT EXISTS (SELECT 1 FROM points p WHERE p.series_id = s.id) " +
          "ORDER BY id LIMIT " +
          seriesPerPruneSlice,
      ),
      deleteSeries: this.#db.prepare("DELETE FROM series WHERE id = ?"),
    };
    this.#buffer = new SeriesTable(options.bucketMs);
    this.#rebucketIfNeeded();
    for (const row of this.#db.prepare<[], SeriesRow>("SELECT * FROM series").all()) {
      const id: MetricId = { namespace: row.namespace, name: row.name, dimensions: JSON.parse(row.dimensions) };
      const state = this.#buffer.adopt(id, row.unit ?? undefined, row.last_bucket, row.custom === 1);
      this.#ids.set(state.key, row.id);
    }
  }

  /** Starts the flush (once per bucket) and prune timers. */
  start(): void {
    const { clock } = this.#options;
    const every = (ms: number, fn: () => void | Promise<void>) => {
      const run = async () => {
        if (this.#stopped) return;
        try {
          await fn();
        } catch (error) {
          const fault = this.#health.failed(error);
          if (!StorageFaultError.is(fault)) this.#options.log.warn({ err: error }, "metrics store maintenance failed; retrying next time");
        }
        if (!this.#stopped) schedule();
      };
      const schedule = () => {
        const handle = clock.setTimeout(run, ms);
        handle.unref?.();
        this.#timers[slot] = handle;
      };
      const slot = this.#timers.length;
      this.#timers.push(undefined as unknown as TimerHandle);
      schedule();
    };
    every(this.bucketMs, () => this.flushInSlices());
    // Most of what is buffered is written in slices first, so the prune's own flush finds little left.
    every(this.#options.pruneEveryMs ?? Math.min(60_000, Math.max(this.bucketMs, this.#options.retentionMs / 10)), async () => {
      await this.flushInSlices();
      await this.pruneInSlices(clock.now());
    });
  }

  record(metric: MetricId, value: number, atMs: number, unit?: string): void {
    this.#buffer.add(metric, value, atMs, unit);
    this.#dirty = true;
  }

  recordAggregate(metric: MetricId, aggregate: Aggregate, atMs: number, unit?: string): void {
    if (aggregate.count <= 0) return;
    this.#buffer.addAggregate(metric, aggregate, atMs, unit);
    this.#dirty = true;
  }

  /**
   * PutMetricData's samples, all or none. The series they would create are counted first, against the
   * series earlier calls created and the store still holds (not Berth's own): over maxCustomSeries, nothing
   * is recorded. A series held until its data passes the retention is pruned and frees its room.
   */
  recordCustom(samples: CustomSample[]): SeriesLimitRefusal | undefined {
    const recorded = samples.filter((s) => s.aggregate.count > 0);
    const refusal = this.#buffer.admitCustom(
      recorded.map((s) => s.metric),
      this.#options.maxCustomSeries ?? Infinity,
    );
    if (refusal) return refusal;
    for (const s of recorded) {
      if (s.single !== undefined && s.aggregate.count === 1) this.#buffer.add(s.metric, s.single, s.atMs, s.unit, true);
      else this.#buffer.addAggregate(s.metric, s.aggregate, s.atMs, s.unit, true);
    }
    if (recorded.length > 0) this.#dirty = true;
    return undefined;
  }

  statistics(query: StatisticsQuery): Datapoint[] {
    const state = this.#buffer.find(query.metric);
    if (!state) return [];
    const { from, to } = bucketRange(this.bucketMs, query.startMs, query.endMs);
    const id = this.#ids.get(state.key);
    const buckets: (readonly [number, Aggregate])[] = [];
    if (id !== undefined && !this.#recent.read(id, from, to, buckets)) {
      if (this.#recent.holdable(from, to, state.lastIndex)) {
        this.#recent.hold(id, from, to - from, this.#statements.pointsFrom.all(id, from));
        this.#recent.read(id, from, to, buckets);
      } else {
        for (const row of this.#statements.points.all(id, from, to)) buckets.push(pointOf(row));
      }
    }
    // Samples not yet written are read where they are, not written first: a read that flushed wrote every
    // buffered series in one transaction, on the event loop, at each alarm or scaling pass after a bucket closed.
    // A bucket is either written or buffered, never both (#write empties what it commits, in the same turn).
    let buffered = false;
    for (const entry of state.buckets) {
      if (entry[0] < from || entry[0] >= to) continue;
      buckets.push(entry);
      buffered = true;
    }
    if (buffered) buckets.sort((a, b) => a[0] - b[0]);
    return combineBuckets(buckets, this.bucketMs, query);
  }

  /**
   * The buffer holds every series the store knows, written or not, in key order: a listing reads its page
   * from there, and writes and sorts nothing.
   */
  listMetrics(filter: ListFilter): MetricId[] {
    const since = filter.activeSinceMs === undefined ? -Infinity : bucketIndex(filter.activeSinceMs, this.bucketMs);
    return this.#buffer.list(filter, since).found.map((s) => s.id);
  }

  listPage(filter: ListFilter): MetricPage {
    const since = filter.activeSinceMs === undefined ? -Infinity : bucketIndex(filter.activeSinceMs, this.bucketMs);
    const { found, stoppedAt } = this.#buffer.list(filter, since);
    return { metrics: found.map((s) => s.id), stoppedAt };
  }

  /** Series created by PutMetricData that the store holds (what limits.maxCustomMetricSeries bounds). */
  get customSeries(): number {
    return this.#buffer.customSize;
  }

  unitOf(metric: MetricId): string | undefined {
    return this.#buffer.find(metric)?.unit;
  }

  /** Writes every buffered bucket in one transaction (before a prune, and on close). */
  flush(): void {
    // While a sliced flush runs, what it has not written yet is pending though #dirty is already false.
    if ((!this.#dirty && !this.#slicing) || this.#closed) return;
    if (this.#write(this.#pending())) this.#dirty = false;
  }

  /**
   * The periodic flush: a slice of series per transaction, the event loop running between slices, so
   * thousands of series (hundreds of components) never stall requests. Samples recorded meanwhile stay
   * buffered for the next flush; a read in between flushes what is left itself.
   */
  async flushInSlices(): Promise<void> {
    if (!this.#dirty || this.#closed || this.#slicing) return;
    this.#dirty = false;
    this.#slicing = true;
    const pending = this.#pending();
    let written = false;
    try {
      for (let start = 0; start < pending.length; start += seriesPerSlice) {
        if (start > 0) await yieldToLoop();
        if (this.#closed) return;
        // A read may have flushed some of these since: only what is still buffered is written.
        if (!this.#write(pending.slice(start, start + seriesPerSlice).filter((state) => state.buckets.size > 0))) return;
      }
      written = true;
    } finally {
      this.#slicing = false;
      if (!written) this.#dirty = true;
    }
  }

  #pending(): SeriesState[] {
    const pending: SeriesState[] = [];
    for (const state of this.#buffer.series()) if (state.buckets.size > 0) pending.push(state);
    return pending;
  }

  /** Writes these series' buckets in one transaction and empties them; false if the data directory refused the write. */
  #write(series: SeriesState[]): boolean {
    if (series.length === 0) return true;
    const write = this.#db.transaction((series: SeriesState[]) => {
      const created: [string, number][] = [];
      for (const state of series) {
        let id = this.#ids.get(state.key);
        if (id === undefined) {
          const result = this.#statements.insertSeries.run(
            state.key,
            state.id.namespace,
            state.id.name,
            JSON.stringify(state.id.dimensions),
            state.unit ?? null,
            state.lastIndex,
            state.custom ? 1 : 0,
          );
          id = Number(result.lastInsertRowid);
          created.push([state.key, id]);
        } else {
          this.#statements.updateSeries.run(state.unit ?? null, state.lastIndex, id);
        }
        for (const [bucket, a] of state.buckets) this.#statements.upsertPoint.run(id, bucket, a.sum, a.count, a.min, a.max);
      }
      return created;
    });
    let created: [string, number][];
    try {
      created = write(series);
    } catch (error) {
      // The samples stay buffered and are written once the data directory takes writes again; reads go on.
      if (StorageFaultError.is(this.#health.failed(error))) return false;
      throw error;
    }
    this.#health.succeeded();
    // Ids are registered only once the transaction has committed.
    for (const [key, id] of created) this.#ids.set(key, id);
    for (const state of series) {
      const id = this.#ids.get(state.key)!;
      for (const [bucket, aggregate] of state.buckets) this.#recent.written(id, bucket, aggregate);
      state.buckets.clear();
      state.hot = undefined;
    }
    return true;
  }

  /** Deletes buckets older than the retention, and series left with no data, at once. */
  prune(nowMs: number): void {
    if (this.#closed) return;
    this.flush();
    for (const _ of this.#pruneSlices(nowMs));
  }

  /**
   * The periodic prune: the same deletes a slice per transaction, the event loop running between slices,
   * so tens of thousands of series expiring together never hold requests up.
   */
  async pruneInSlices(nowMs: number): Promise<void> {
    if (this.#closed) return;
    this.flush();
    for (const _ of this.#pruneSlices(nowMs)) {
      await yieldToLoop();
      if (this.#closed) return;
    }
  }

  /** Each step one transaction. A series written again between slices (its buffer holds newer samples) is kept. */
  *#pruneSlices(nowMs: number): Generator<void> {
    const cutoff = bucketIndex(nowMs, this.bucketMs) - Math.ceil(this.#options.retentionMs / this.bucketMs);
    this.#recent.pruned(cutoff);
    while (this.#statements.prunePoints.run(cutoff).changes >= pointsPerPruneSlice) yield;
    const deleteSlice = this.#db.transaction((afterId: number) => {
      const stale = this.#statements.staleSeries.all(cutoff, afterId);
      const gone = stale.filter((row) => !this.#buffer.writtenSince(row.key, cutoff));
      for (const row of gone) this.#statements.deleteSeries.run(row.id);
      return { gone, lastId: stale.length === seriesPerPruneSlice ? stale[stale.length - 1]!.id : undefined };
    });
    for (let afterId = -Infinity; ;) {
      const { gone, lastId } = deleteSlice(afterId);
      for (const row of gone) {
        this.#ids.delete(row.key);
        this.#recent.forget(row.id);
        this.#buffer.remove(row.key);
      }
      if (lastId === undefined) break;
      afterId = lastId;
      yield;
    }
    this.#buffer.releaseRemoved();
  }

  close(): void {
    if (this.#closed) return;
    this.#stopped = true;
    for (const handle of this.#timers) if (handle) this.#options.clock.clearTimeout(handle);
    this.flush();
    this.#closed = true;
    this.#db.close();
  }

  /**
   * A metrics.db from before series knew who created them gets the column; its series outside Berth's own
   * namespaces can only have come from PutMetricData, so they count as custom.
   */
  #addCustomColumn(): void {
    const columns = this.#db.prepare<[], { name: string }>("PRAGMA table_info(series)").all();
    if (columns.some((c) => c.name === "custom")) return;
    const own = Object.values(namespaces);
    this.#db.transaction(() => {
      this.#db.exec("ALTER TABLE series ADD COLUMN custom INTEGER NOT NULL DEFAULT 0");
      this.#db.prepare(`UPDATE series SET custom = 1 WHERE namespace NOT IN (${own.map(() => "?").join(", ")})`).run(...own);
    })();
  }

  /**
   * History recorded with another bucket length (the scaling period changed) is regrouped into the
   * current buckets, so it stays readable at the right times.
   */
  #rebucketIfNeeded(): void {
    const stored = this.#db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'bucket_ms'").get();
    const current = String(this.bucketMs);
    if (stored && stored.value !== current) {
      const ratio = Number(stored.value) / this.bucketMs;
      this.#options.log.info({ from: Number(stored.value), to: this.bucketMs }, "metric bucket length changed; regrouping stored metric history");
      this.#db.transaction(() => {
        this.#db.exec(
          `CREATE TEMP TABLE regrouped AS SELECT series_id, CAST(bucket * ${ratio} + 1e-6 AS INTEGER) AS bucket, SUM(sum) AS sum, SUM(count) AS count, MIN(min) AS min, MAX(max) AS max ` +
            `FROM points GROUP BY series_id, CAST(bucket * ${ratio} + 1e-6 AS INTEGER)`,
        );
        this.#db.exec(
          "DELETE FROM points; INSERT INTO points (series_id, bucket, sum, count, min, max) SELECT series_id, bucket, sum, count, min, max FROM regrouped; DROP TABLE regrouped;",
        );
        this.#db.exec(`UPDATE series SET last_bucket = CAST(last_bucket * ${ratio} + 1e-6 AS INTEGER)`);
      })();
    }
    this.#db.prepare("INSERT INTO meta (key, value) VALUES ('bucket_ms', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(current);
  }
}
