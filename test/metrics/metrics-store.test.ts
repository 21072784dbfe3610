import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { addSample, sampleAggregate } from "../../src/metrics/aggregate.js";
import { bucketIndex } from "../../src/metrics/buckets.js";
import { combineBuckets } from "../../src/metrics/periods.js";
import { MemoryMetricsStore } from "../../src/metrics/memory-store.js";
import { RecentPoints } from "../../src/metrics/recent-points.js";
import { SqliteMetricsStore } from "../../src/metrics/sqlite-store.js";
import Database from "better-sqlite3";
import { matchesFilter } from "../../src/metrics/match.js";
import {
  metricId,
  seriesKey,
  type Aggregate,
  type CustomMetricsWriter,
  type CustomSample,
  type ListFilter,
  type MetricId,
  type MetricsReader,
  type MetricsWriter,
  type Statistic,
} from "../../src/metrics/types.js";
import { silentLogger } from "../../src/util/logger.js";
import { ManualClock } from "./manual-clock.js";
import { tempDir } from "../support/temp-dir.js";

type Store = MetricsReader & MetricsWriter & CustomMetricsWriter & { recordAggregate: NonNullable<MetricsWriter["recordAggregate"]> };

const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);
const ns = "Test/Contract";

/** One suite, every backend (as the store contract does for state). */
/** One of PutMetricData's samples: a single value. */
const custom = (metric: MetricId, value: number, atMs: number): CustomSample => ({
  metric,
  atMs,
  single: value,
  aggregate: { sum: value, count: 1, min: value, max: value },
});

/** Every page of a listing, walked as ListMetrics walks it: the next page starts after where the last one stopped. */
function walkPages(store: MetricsReader, filter: ListFilter, limit: number, examine: number): { keys: string[]; pages: number } {
  const keys: string[] = [];
  let after: string | undefined;
  let pages = 0;
  for (;;) {
    const page = store.listPage({ ...filter, after, limit, examine });
    pages++;
    assert.ok(page.metrics.length <= limit, `a page holds at most ${limit} series`);
    keys.push(...page.metrics.map(seriesKey));
    if (page.stoppedAt === undefined) return { keys, pages };
    assert.ok(after === undefined || page.stoppedAt > after, "each page moves on");
    after = page.stoppedAt;
  }
}

function contract(name: string, open: (bucketMs: number, retentionMs?: number, maxCustomSeries?: number) => { store: Store; close(): void }) {
  describe(`metrics store contract: ${name}`, () => {
    it("combines 10-second buckets into each statistic of a period", () => {
      const { store, close } = open(10_000);
      const m = metricId(ns, "Latency", { Host: "a" });
      for (const [at, v] of [
        [0, 1],
        [5_000, 3],
        [12_000, 8],
        [61_000, 100],
      ] as const)
        store.record(m, v, T0 + at, "Milliseconds");
      const stat = (statistic: "Sum" | "Average" | "Minimum" | "Maximum" | "SampleCount") =>
        store.statistics({ metric: m, statistic, periodMs: 60_000, startMs: T0, endMs: T0 + 120_000 }).map((d) => [d.timestamp - T0, d.value]);
      assert.deepEqual(stat("Sum"), [
        [0, 12],
        [60_000, 100],
      ]);
      assert.deepEqual(stat("Average"), [
        [0, 4],
        [60_000, 100],
      ]);
      assert.deepEqual(stat("Minimum"), [
        [0, 1],
        [60_000, 100],
      ]);
      assert.deepEqual(stat("Maximum"), [
        [0, 8],
        [60_000, 100],
      ]);
      assert.deepEqual(stat("SampleCount"), [
        [0, 3],
        [60_000, 1],
      ]);
      assert.equal(store.unitOf!(m), "Milliseconds");
      close();
    });

    it("treats dimensions given in another order as the same series", () => {
      const { store, close } = open(10_000);
      store.record(
        {
          namespace: ns,
          name: "X",
          dimensions: [
            { Name: "b", Value: "2" },
            { Name: "a", Value: "1" },
          ],
        },
        2,
        T0,
      );
      store.record(metricId(ns, "X", { a: "1", b: "2" }), 3, T0);
      const points = store.statistics({
        metric: {
          namespace: ns,
          name: "X",
          dimensions: [
            { Name: "b", Value: "2" },
            { Name: "a", Value: "1" },
          ],
        },
        statistic: "Sum",
        periodMs: 10_000,
        startMs: T0,
        endMs: T0 + 10_000,
      });
      assert.deepEqual(
        points.map((p) => p.value),
        [5],
      );
      close();
    });

    it("returns only buckets that start inside [start, end)", () => {
      const { store, close } = open(10_000);
      const m = metricId(ns, "Range", {});
      for (let i = 0; i < 6; i++) store.record(m, 1, T0 + i * 10_000 + 1);
      const points = store.statistics({ metric: m, statistic: "Sum", periodMs: 10_000, startMs: T0 + 10_000, endMs: T0 + 40_000 });
      assert.deepEqual(
        points.map((p) => p.timestamp - T0),
        [10_000, 20_000, 30_000],
      );
      close();
    });

    it("keeps fractional buckets of a scaled clock in the right periods", () => {
      // Scaling period 1 s: 10 API seconds = 166.67 ms, an API minute = 1000 ms.
      const bucketMs = 1000 / 6;
      const { store, close } = open(bucketMs);
      const m = metricId(ns, "Scaled", {});
      for (let i = 0; i < 12; i++) store.record(m, 1, T0 + i * bucketMs + bucketMs / 2);
      const points = store.statistics({ metric: m, statistic: "Sum", periodMs: 1000, startMs: T0, endMs: T0 + 2000 });
      assert.deepEqual(
        points.map((p) => [p.timestamp - T0, p.value]),
        [
          [0, 6],
          [1000, 6],
        ],
      );
      close();
    });

    it("adds pre-aggregated samples as they are", () => {
      const { store, close } = open(10_000);
      const m = metricId(ns, "Agg", {});
      store.recordAggregate(m, { sum: 10, count: 4, min: 1, max: 7 }, T0);
      store.record(m, 20, T0 + 1);
      const [point] = store.statistics({ metric: m, statistic: "Average", periodMs: 60_000, startMs: T0, endMs: T0 + 60_000 });
      assert.deepEqual(point!.aggregate, { sum: 30, count: 5, min: 1, max: 20 });
      assert.equal(point!.value, 6);
      close();
    });

    it("lists series by namespace, name and dimension subset, with or without values", () => {
      const { store, close } = open(10_000);
      store.record(metricId(ns, "A", { Endpoint: "e1", Variant: "v" }), 1, T0);
      store.record(metricId(ns, "A", { Endpoint: "e2", Variant: "v" }), 1, T0);
      store.record(metricId(ns, "B", { Endpoint: "e1" }), 1, T0);
      store.record(metricId("Other", "A", {}), 1, T0);
      const names = (filter: Parameters<MetricsReader["listMetrics"]>[0]) =>
        store.listMetrics(filter).map((m) => `${m.name}:${m.dimensions.map((d) => d.Value).join(",")}`);
      assert.deepEqual(names({ namespace: ns }), ["A:e1,v", "A:e2,v", "B:e1"]);
      assert.deepEqual(names({ namespace: ns, name: "A" }), ["A:e1,v", "A:e2,v"]);
      assert.deepEqual(names({ dimensions: [{ Name: "Endpoint", Value: "e1" }] }), ["A:e1,v", "B:e1"]);
      assert.deepEqual(names({ namespace: ns, dimensions: [{ Name: "Variant" }] }), ["A:e1,v", "A:e2,v"]);
      close();
    });

    it("lists a page at a time, in key order, whatever the filter, the page size and the series looked at per page", () => {
      const dimension = fc.record({ Name: fc.constantFrom("a", "b", "c"), Value: fc.constantFrom("1", "2", "3", "10", "x\u0000y", "=") });
      const metric = fc.record({
        namespace: fc.constantFrom(ns, "Other", `${ns}\u0000x`, "N"),
        name: fc.constantFrom("A", "B", "A\u0000"),
        dimensions: fc.uniqueArray(dimension, { maxLength: 3, selector: (d) => d.Name }),
      });
      const filter = fc.record(
        {
          namespace: fc.constantFrom(ns, "Other", "N", "Nothing"),
          name: fc.constantFrom("A", "B"),
          dimensions: fc.array(fc.record({ Name: fc.constantFrom("a", "b", "c"), Value: fc.option(fc.constantFrom("1", "2", "="), { nil: undefined }) }), {
            maxLength: 2,
          }),
        },
        { requiredKeys: [] },
      );
      fc.assert(
        fc.property(
          // Past 1,024 new series the table merges them into its order as they come (series-table.ts).
          fc.array(metric, { maxLength: 1_500, size: "max" }),
          fc.nat({ max: 1_500 }),
          filter,
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 1, max: 60 }),
          (metrics, listedAfter, wanted, limit, examine) => {
            const { store, close } = open(10_000);
            try {
              metrics.forEach((m, i) => {
                if (i === listedAfter) store.listMetrics({});
                store.record(m, 1, T0);
              });
              const expected = [
                ...new Set(
                  metrics
                    .filter((m) => matchesFilter(m, wanted))
                    .map((m) => seriesKey(metricId(m.namespace, m.name, Object.fromEntries(m.dimensions.map((d) => [d.Name, d.Value]))))),
                ),
              ].sort();
              assert.deepEqual(store.listMetrics(wanted).map(seriesKey), expected);
              assert.deepEqual(walkPages(store, wanted, limit, examine).keys, expected);
            } finally {
              close();
            }
          },
        ),
        { numRuns: 40 },
      );
    });

    it("ends a page that looked at its share of series early, saying where it stopped", () => {
      const { store, close } = open(10_000);
      for (let i = 0; i < 100; i++) store.record(metricId(ns, "Sparse", { Shard: String(i).padStart(3, "0"), Kind: i % 25 === 24 ? "rare" : "common" }), 1, T0);
      const rare = { namespace: ns, dimensions: [{ Name: "Kind", Value: "rare" }] };
      const first = store.listPage({ ...rare, limit: 10, examine: 20 });
      assert.deepEqual(first.metrics, [], "the first 20 series hold no rare one");
      assert.equal(first.stoppedAt, seriesKey(metricId(ns, "Sparse", { Kind: "common", Shard: "019" })));
      const { keys, pages } = walkPages(store, rare, 10, 20);
      assert.equal(pages, 5);
      assert.deepEqual(
        keys.map((k) => k.slice(-3)),
        ["024", "049", "074", "099"],
      );
      assert.deepEqual(store.listPage({ ...rare, limit: 10 }).metrics.length, 4, "without examine a page looks at every series");
      close();
    });

    it("holds PutMetricData's series to the limit, all of a call or none, never counting or refusing Berth's own", () => {
      const { store, close } = open(10_000, undefined, 3);
      const mine = (name: string) => metricId("MyApp", name, { Queue: "q" });
      const total = (m: MetricId) => store.statistics({ metric: m, statistic: "Sum", periodMs: 60_000, startMs: T0, endMs: T0 + 60_000 }).map((p) => p.value);
      assert.equal(store.recordCustom([custom(mine("A"), 1, T0), custom(mine("B"), 1, T0), custom(mine("A"), 1, T0)]), undefined);
      for (let i = 0; i < 10; i++) store.record(metricId("AWS/SageMaker", "Invocations", { InferenceComponentName: `c${i}` }), 1, T0);
      assert.deepEqual(
        store.recordCustom([custom(mine("A"), 5, T0), custom(mine("C"), 1, T0), custom(mine("D"), 1, T0), custom(mine("D"), 1, T0)]),
        { limit: 3, held: 2, adding: 2 },
        "A is held already; C and D would make 4",
      );
      assert.deepEqual(total(mine("A")), [2], "nothing of the refused call is recorded, not even to a series already held");
      assert.deepEqual(
        store.listMetrics({ namespace: "MyApp" }).map((m) => m.name),
        ["A", "B"],
      );
      assert.equal(store.recordCustom([custom(mine("C"), 1, T0), custom(mine("A"), 1, T0)]), undefined, "up to the limit");
      assert.deepEqual(store.recordCustom([custom(mine("D"), 1, T0)]), { limit: 3, held: 3, adding: 1 });
      assert.equal(store.recordCustom([custom(mine("B"), 1, T0)]), undefined, "series already held take samples at the limit");
      assert.equal(
        store.recordCustom([{ metric: mine("E"), atMs: T0, aggregate: { sum: 0, count: 0, min: Infinity, max: -Infinity } }]),
        undefined,
        "samples with a count of 0 create no series",
      );
      store.record(metricId("AWS/SageMaker", "Invocations", { InferenceComponentName: "new" }), 1, T0);
      assert.deepEqual(total(metricId("AWS/SageMaker", "Invocations", { InferenceComponentName: "new" })), [1], "Berth's own series are recorded at the limit");
      assert.equal(store.listMetrics({}).length, 14);
      close();
    });

    it("counts a series with a long identity once for every 2,048 characters begun, so the limit bounds memory as well", () => {
      const { store, close } = open(10_000, undefined, 20);
      // 30 dimensions of 1,024-character values, the most CloudWatch allows: about 31,000 characters.
      const huge = (tag: string) =>
        metricId("MyApp", "Wide", Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`d${String(i).padStart(2, "0")}`, `${tag}${"v".repeat(1_023)}`])));
      assert.equal(store.recordCustom([custom(huge("a"), 1, T0)]), undefined, "one long series fits");
      assert.equal(store.recordCustom([custom(metricId("MyApp", "Small", { Queue: "q" }), 1, T0)]), undefined, "a short series counts one");
      assert.deepEqual(store.recordCustom([custom(huge("b"), 1, T0)]), { limit: 20, held: 17, adding: 16 }, "a second long one does not fit in the 3 left");
      close();
    });
  });
}

/** A SQLite metrics store in a directory of its own. */
function sqliteStoreInNewDir(options: { bucketMs?: number; retentionMs?: number; clock?: ManualClock; maxCustomSeries?: number } = {}): SqliteMetricsStore {
  return new SqliteMetricsStore({
    path: join(tempDir("berth-metrics-"), "metrics.db"),
    bucketMs: options.bucketMs ?? 10_000,
    retentionMs: options.retentionMs ?? 86_400_000,
    clock: options.clock ?? new ManualClock(),
    log: silentLogger(),
    maxCustomSeries: options.maxCustomSeries,
  });
}

contract("memory", (bucketMs, retentionMs, maxCustomSeries) => ({
  store: new MemoryMetricsStore({ bucketMs, retentionMs, maxCustomSeries }),
  close: () => undefined,
}));
contract("sqlite", (bucketMs, retentionMs, maxCustomSeries) => {
  const store = sqliteStoreInNewDir({ bucketMs, retentionMs, maxCustomSeries });
  return { store, close: () => store.close() };
});

describe("memory metrics store retention", () => {
  it("drops buckets older than the retention as newer samples arrive", () => {
    const store = new MemoryMetricsStore({ bucketMs: 10_000, retentionMs: 60_000 });
    const old = metricId(ns, "Old", {});
    const fresh = metricId(ns, "Fresh", {});
    store.record(old, 1, T0);
    store.record(fresh, 1, T0);
    store.record(fresh, 1, T0 + 120_000);
    assert.deepEqual(
      store.statistics({ metric: fresh, statistic: "Sum", periodMs: 10_000, startMs: T0 - 1, endMs: T0 + 200_000 }).map((p) => p.timestamp - T0),
      [120_000],
    );
    assert.deepEqual(
      store.listMetrics({ namespace: ns }).map((m) => m.name),
      ["Fresh"],
    );
  });

  it("folds a million samples of twenty metrics into per-period statistics", () => {
    const store = new MemoryMetricsStore({ bucketMs: 10_000, retentionMs: 86_400_000 });
    const ids = Array.from({ length: 20 }, (_, i) => metricId("AWS/SageMaker", "Invocations", { InferenceComponentName: `ic-${i}` }));
    for (let i = 0; i < 1_000_000; i++) store.record(ids[i % 20]!, 1, T0 + i * 10);
    // One sample every 10 ms, each metric in turn: 300 samples of each metric a minute, for 10,000 s.
    const minutes = store.statistics({ metric: ids[0]!, statistic: "Sum", periodMs: 60_000, startMs: T0, endMs: T0 + 10_000_000 });
    assert.equal(minutes.length, Math.ceil(10_000 / 60));
    assert.deepEqual(
      minutes.slice(0, -1).filter((p) => p.value !== 300),
      [],
    );
    assert.equal(
      minutes.reduce((sum, p) => sum + p.value, 0),
      50_000,
    );
  });
});

describe("sqlite metrics store", () => {
  it("keeps the history up to the last flush across a reopen", () => {
    const dir = tempDir("berth-metrics-");
    const path = join(dir, "metrics.db");
    const clock = new ManualClock(T0);
    const m = metricId(ns, "Durable", { k: "v" });
    const first = new SqliteMetricsStore({ path, bucketMs: 10_000, retentionMs: 86_400_000, clock, log: silentLogger() });
    first.start();
    first.record(m, 4, T0, "Count");
    clock.advance(10_000); // the flush timer runs once per bucket
    first.record(m, 6, T0 + 10_000, "Count");
    first.close(); // close flushes what is left
    const second = new SqliteMetricsStore({ path, bucketMs: 10_000, retentionMs: 86_400_000, clock, log: silentLogger() });
    assert.deepEqual(
      second.statistics({ metric: m, statistic: "Sum", periodMs: 60_000, startMs: T0, endMs: T0 + 60_000 }).map((p) => p.value),
      [10],
    );
    assert.equal(second.unitOf(m), "Count");
    assert.deepEqual(
      second.listMetrics({ namespace: ns }).map((x) => x.name),
      ["Durable"],
    );
    second.close();
  });

  it("a read while the periodic flush is between slices sees every series recorded before it", async () => {
    const store = sqliteStoreInNewDir({ clock: new ManualClock(T0) });
    for (let i = 0; i < 1_000; i++) store.record(metricId(ns, "Sliced", { Series: String(i) }), 1, T0, "Count");
    const flushing = store.flushInSlices();
    assert.equal(store.listMetrics({ namespace: ns, name: "Sliced" }).length, 1_000, "a listing between slices lists the series not written yet");
    await flushing;
    assert.equal(store.listMetrics({ namespace: ns, name: "Sliced" }).length, 1_000);
    store.close();
  });

  it("a statistics read counts the samples already written and those still buffered, in the same bucket and the same period", async () => {
    const store = sqliteStoreInNewDir({ clock: new ManualClock(T0) });
    const m = metricId(ns, "Split", { k: "v" });
    store.record(m, 4, T0, "Count");
    store.record(m, 1, T0 + 20_000, "Count");
    await store.flushInSlices();
    store.record(m, 6, T0 + 5_000, "Count"); // the written bucket again
    store.record(m, 9, T0 + 30_000, "Count"); // a bucket only buffered
    const query = { metric: m, periodMs: 60_000, startMs: T0, endMs: T0 + 60_000 };
    assert.deepEqual(
      store.statistics({ ...query, statistic: "Sum" }).map((p) => p.value),
      [20],
    );
    assert.deepEqual(
      store.statistics({ ...query, statistic: "SampleCount" }).map((p) => p.value),
      [4],
    );
    assert.deepEqual(
      store.statistics({ ...query, periodMs: 10_000, statistic: "Maximum" }).map((p) => [p.timestamp - T0, p.value]),
      [
        [0, 6],
        [20_000, 1],
        [30_000, 9],
      ],
    );
    store.close();
  });

  it("regroups stored history when the bucket length changes", () => {
    const dir = tempDir("berth-metrics-");
    const path = join(dir, "metrics.db");
    const m = metricId(ns, "Rebucket", {});
    const first = new SqliteMetricsStore({ path, bucketMs: 10_000, retentionMs: 86_400_000, clock: new ManualClock(), log: silentLogger() });
    for (let i = 0; i < 6; i++) first.record(m, 1, T0 + i * 10_000);
    first.close();
    const second = new SqliteMetricsStore({ path, bucketMs: 30_000, retentionMs: 86_400_000, clock: new ManualClock(), log: silentLogger() });
    assert.deepEqual(
      second.statistics({ metric: m, statistic: "Sum", periodMs: 30_000, startMs: T0, endMs: T0 + 60_000 }).map((p) => p.value),
      [3, 3],
    );
    second.close();
  });

  it("reads windows that agree with every sample recorded, through flushes, late samples, prunes and a reopen", () => {
    // Recent windows are read from memory once read (recent-points.ts); this holds them to what SQLite and the buffer hold.
    const bucketMs = 10_000;
    const retentionMs = 5 * 60_000;
    const series = ["A", "B", "C"].map((name) => metricId(ns, "Recent", { Series: name }));
    const step = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({ kind: fc.constant("record" as const), series: fc.nat(2), late: fc.nat({ max: 40 }), value: fc.integer({ min: 0, max: 50 }) }),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("advance" as const), buckets: fc.integer({ min: 1, max: 12 }) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant("flush" as const) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("prune" as const) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("reopen" as const) }) },
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant("read" as const),
          series: fc.nat(2),
          back: fc.nat({ max: 3 }),
          span: fc.constantFrom(1, 3, 6, 20, 45, 90, 400),
          periodMs: fc.constantFrom(10_000, 60_000),
          statistic: fc.constantFrom<Statistic>("Sum", "SampleCount", "Minimum", "Maximum", "Average"),
        }),
      },
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 30, maxLength: 120, size: "max" }), (steps) => {
        const path = join(tempDir("berth-metrics-"), "metrics.db");
        const clock = new ManualClock(T0);
        const open = () => new SqliteMetricsStore({ path, bucketMs, retentionMs, clock, log: silentLogger() });
        let store = open();
        const model = series.map(() => new Map<number, Aggregate>());
        try {
          for (const s of steps) {
            const now = bucketIndex(clock.now(), bucketMs);
            if (s.kind === "record") {
              const at = (now - s.late) * bucketMs + 1;
              store.record(series[s.series]!, s.value, at, "Count");
              const bucket = model[s.series]!.get(now - s.late);
              if (bucket) addSample(bucket, s.value);
              else model[s.series]!.set(now - s.late, sampleAggregate(s.value));
            } else if (s.kind === "advance") clock.advance(s.buckets * bucketMs);
            else if (s.kind === "flush") store.flush();
            else if (s.kind === "prune") {
              store.prune(clock.now());
              const cutoff = now - Math.ceil(retentionMs / bucketMs);
              for (const buckets of model) for (const bucket of [...buckets.keys()]) if (bucket < cutoff) buckets.delete(bucket);
            } else if (s.kind === "reopen") {
              store.close();
              store = open();
            } else {
              const to = now + 1 - s.back;
              const query = {
                metric: series[s.series]!,
                statistic: s.statistic,
                periodMs: s.periodMs,
                startMs: (to - s.span) * bucketMs,
                endMs: to * bucketMs,
              };
              const held = [...model[s.series]!].filter(([b]) => b >= to - s.span && b < to).sort((x, y) => x[0] - y[0]);
              const expected = combineBuckets(held, bucketMs, query).map((p) => [p.timestamp, p.value]);
              assert.deepEqual(
                store.statistics(query).map((p) => [p.timestamp, p.value]),
                expected,
                `${s.statistic} of series ${s.series} over buckets [${to - s.span}, ${to})`,
              );
            }
          }
        } finally {
          store.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it("holds a bounded number of recent buckets in memory, letting go of the series read least recently", () => {
    const recent = new RecentPoints();
    const rows = (count: number) => Array.from({ length: count }, (_, bucket) => ({ bucket, sum: 1, count: 1, min: 1, max: 1 }));
    const read = (series: number) => recent.read(series, 0, 10, []);
    recent.hold(1, 0, 90, rows(50_000));
    recent.hold(2, 0, 90, rows(50_000));
    assert.ok(read(1), "series 1 is held");
    recent.hold(3, 0, 90, rows(50_000)); // past the budget: series 2 was read least recently
    assert.deepEqual([read(1), read(2), read(3)], [true, false, true]);
    recent.forget(1);
    recent.hold(4, 0, 90, rows(50_000)); // room again without dropping series 3
    assert.deepEqual([read(3), read(4)], [true, true]);
  });

  it("prunes buckets and series past the retention", () => {
    const store = sqliteStoreInNewDir({ retentionMs: 60_000 });
    store.record(metricId(ns, "Gone", {}), 1, T0);
    store.record(metricId(ns, "Kept", {}), 1, T0 + 100_000);
    store.prune(T0 + 110_000);
    assert.deepEqual(
      store.listMetrics({ namespace: ns }).map((m) => m.name),
      ["Kept"],
    );
    store.close();
  });

  it("frees a custom series' room when it passes the retention, and keeps the count across a reopen", () => {
    const path = join(tempDir("berth-metrics-"), "metrics.db");
    const open = () =>
      new SqliteMetricsStore({ path, bucketMs: 10_000, retentionMs: 60_000, clock: new ManualClock(T0), log: silentLogger(), maxCustomSeries: 2 });
    const mine = (name: string) => metricId("MyApp", name, {});
    const first = open();
    assert.equal(first.recordCustom([custom(mine("Old"), 1, T0), custom(mine("Kept"), 1, T0 + 100_000)]), undefined);
    first.close();
    const second = open();
    assert.equal(second.customSeries, 2);
    assert.deepEqual(second.recordCustom([custom(mine("New"), 1, T0 + 100_000)]), { limit: 2, held: 2, adding: 1 });
    second.prune(T0 + 110_000);
    assert.equal(second.customSeries, 1, "Old passed the retention");
    assert.deepEqual(
      second.listMetrics({ namespace: "MyApp" }).map((m) => m.name),
      ["Kept"],
    );
    assert.equal(second.recordCustom([custom(mine("New"), 1, T0 + 100_000), custom(mine("Kept"), 1, T0 + 100_000)]), undefined);
    assert.deepEqual(second.recordCustom([custom(mine("Old"), 1, T0 + 100_000)]), { limit: 2, held: 2, adding: 1 });
    second.prune(T0 + 170_000);
    assert.equal(second.customSeries, 0);
    assert.equal(second.recordCustom([custom(mine("Old"), 1, T0 + 170_000)]), undefined, "a series pruned may come back");
    assert.deepEqual(
      second.listMetrics({ namespace: "MyApp" }).map((m) => m.name),
      ["Old"],
    );
    second.close();
  });

  it("prunes thousands of expiring series a slice at a time, keeping one written again in between", async () => {
    const clock = new ManualClock(T0);
    const store = sqliteStoreInNewDir({ bucketMs: 10_000, retentionMs: 60_000, clock, maxCustomSeries: 10_000 });
    const series = Array.from({ length: 3_000 }, (_, i) => metricId("MyApp", "Depth", { Queue: `queue-${String(i).padStart(4, "0")}` }));
    assert.equal(store.recordCustom(series.map((metric) => custom(metric, 1, T0))), undefined);
    store.flush();
    clock.advance(600_000);
    let turns = 0;
    let pruning = true;
    const countTurns = () => {
      turns++;
      if (pruning) setImmediate(countTurns);
    };
    const pruned = store.pruneInSlices(clock.now());
    setImmediate(() => store.record(series.at(-1)!, 2, clock.now()));
    setImmediate(countTurns);
    await pruned;
    pruning = false;
    assert.ok(turns >= 3, `the event loop ran ${turns} times while 3,000 series were pruned; it should run between slices`);
    assert.deepEqual(
      store.listMetrics({ namespace: "MyApp" }).map((m) => m.dimensions),
      [[{ Name: "Queue", Value: "queue-2999" }]],
      "only the series written during the prune is left",
    );
    assert.equal(store.customSeries, 1);
    store.close();
  });

  it("counts the series of a metrics.db written before series knew who created them, outside Berth's namespaces, as PutMetricData's", () => {
    const path = join(tempDir("berth-metrics-"), "metrics.db");
    const old = new Database(path);
    old.exec(
      "CREATE TABLE series (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, namespace TEXT NOT NULL, name TEXT NOT NULL, dimensions TEXT NOT NULL, unit TEXT, last_bucket INTEGER NOT NULL)",
    );
    const insert = old.prepare("INSERT INTO series (key, namespace, name, dimensions, unit, last_bucket) VALUES (?, ?, ?, '[]', NULL, ?)");
    for (const [namespace, name] of [
      ["AWS/SageMaker", "Invocations"],
      ["/aws/sagemaker/Endpoints", "CPUReservation"],
      ["MyApp", "Depth"],
    ])
      insert.run(seriesKey(metricId(namespace!, name!, {})), namespace, name, bucketIndex(T0, 10_000));
    old.close();
    const store = new SqliteMetricsStore({
      path,
      bucketMs: 10_000,
      retentionMs: 86_400_000,
      clock: new ManualClock(T0),
      log: silentLogger(),
      maxCustomSeries: 2,
    });
    assert.equal(store.customSeries, 1);
    assert.equal(store.listMetrics({}).length, 3);
    store.close();
  });
});
