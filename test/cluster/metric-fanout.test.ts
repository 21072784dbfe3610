import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { internalMetricsRoute } from "../../src/api/berth/internal-metrics-route.js";
import { ClusterMetricsReader } from "../../src/cluster/metric-fanout.js";
import { replicaKey } from "../../src/auth/replica-key.js";
import { MemoryMetricsStore } from "../../src/metrics/memory-store.js";
import { metricId, seriesKey, type ListFilter, type MetricId } from "../../src/metrics/types.js";
import { keys } from "../../src/state/keys.js";
import { put, type BerthRecords, type BerthStore } from "../../src/state/records.js";
import { EtcdStore } from "../../src/store/etcd-store.js";
import { startEtcd, freePort, type EtcdCluster } from "../support/etcd.js";

const bucketMs = 1000;
const key = replicaKey({ agentKeySecret: "fan-out-test-secret" });
const load = metricId("Team/Custom", "Load", { Queue: "q" });
const scope = { metrics: [load], startMs: 0, endMs: 10_000 };

/** A replica's metrics served on the internal route, as `berth server` serves them. */
async function serveReplica(local: MemoryMetricsStore): Promise<{ url: string; server: Server }> {
  const route = internalMetricsRoute({ local, bucketMs, key });
  const server = createServer((req, res) => {
    Promise.resolve(route.handle(req, res, undefined as never)).catch((error: { httpStatus?: number; code?: string }) => {
      res.writeHead(error.httpStatus ?? 500, { "content-type": "application/json" });
      res.end(JSON.stringify({ __type: error.code }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, server };
}

describe("metric reads across replicas", () => {
  let etcd: EtcdCluster;
  let store: BerthStore;
  const servers: Server[] = [];
  before(async () => {
    etcd = await startEtcd({ members: 1 });
    store = (await EtcdStore.open<BerthRecords>({ endpoints: etcd.endpoints, prefix: `/fanout-${Date.now()}/` })) as BerthStore;
  });
  after(async () => {
    for (const server of servers) server.close();
    await store?.close();
    await etcd?.stop();
  });

  it("merge the live replicas' buckets, and leave out a replica that does not answer, logged once", async () => {
    const here = new MemoryMetricsStore({ bucketMs });
    here.record(load, 2, 1_500, "Count");
    const there = new MemoryMetricsStore({ bucketMs });
    there.record(load, 5, 1_200, "Count");
    there.record(load, 1, 3_100, "Count");
    const served = await serveReplica(there);
    servers.push(served.server);
    const deadPort = await freePort();
    const replica = (id: string, url: string) => put("replica", keys.replica(id), { id, url, startedAt: 0, leaseId: "0" });
    await store.commit([replica("here", "http://127.0.0.1:1"), replica("there", served.url), replica("gone", `http://127.0.0.1:${deadPort}`)]);

    const lines: { level: number; msg: string }[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const reader = new ClusterMetricsReader({ local: here, bucketMs, replicaId: () => "here", store, key, log, deadlineMs: 500 });
    for (let i = 0; i < 3; i++) {
      const merged = await reader.gather(scope);
      const points = merged.statistics({ metric: load, statistic: "Sum", periodMs: 2_000, startMs: 0, endMs: 10_000 });
      assert.deepEqual(
        points.map((p) => [p.timestamp, p.value, p.aggregate.count]),
        [
          [0, 7, 2],
          [2_000, 1, 1],
        ],
      );
      assert.equal(merged.unitOf?.(load), "Count");
    }
    assert.deepEqual(
      (await reader.listAcross({ namespace: "Team/Custom" })).metrics.map((m) => m.name),
      ["Load"],
    );
    const warnings = lines.filter((l) => l.level === 40);
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(warnings[0]!.msg, /replica gone .* did not answer a metric read within 500 ms; its requests are left out/);
  });

  it("page a listing across replicas, each page ending where the replica that looked least far stopped", async () => {
    const pageStore = (await EtcdStore.open<BerthRecords>({ endpoints: etcd.endpoints, prefix: `/fanout-pages-${Date.now()}/` })) as BerthStore;
    const here = new MemoryMetricsStore({ bucketMs });
    const there = new MemoryMetricsStore({ bucketMs });
    const all: MetricId[] = [];
    for (let i = 0; i < 60; i++) {
      const m = metricId("Team/Paged", "Load", { Shard: String(i).padStart(2, "0"), Kind: i % 7 === 0 ? "rare" : "common" });
      all.push(m);
      // Even shards here, odd ones there, every third on both.
      if (i % 2 === 0 || i % 3 === 0) here.record(m, 1, 1_000);
      if (i % 2 === 1 || i % 3 === 0) there.record(m, 1, 1_000);
    }
    const served = await serveReplica(there);
    servers.push(served.server);
    await pageStore.commit([put("replica", keys.replica("there"), { id: "there", url: served.url, startedAt: 0, leaseId: "0" })]);
    const reader = new ClusterMetricsReader({ local: here, bucketMs, replicaId: () => "here", store: pageStore, key, log: pino({ level: "silent" }) });
    const walk = async (filter: ListFilter, limit: number, examine: number) => {
      const listed: string[] = [];
      let after: string | undefined;
      do {
        const page = await reader.listAcross({ ...filter, after, limit, examine });
        assert.ok(page.metrics.length <= limit);
        listed.push(...page.metrics.map(seriesKey));
        after = page.metrics.length === limit ? seriesKey(page.metrics[limit - 1]!) : page.stoppedAt;
      } while (after !== undefined);
      return listed;
    };
    const rare = { namespace: "Team/Paged", dimensions: [{ Name: "Kind", Value: "rare" }] };
    const expected = (filter: ListFilter) =>
      all
        .filter((m) => filter.dimensions === undefined || m.dimensions.some((d) => d.Value === "rare"))
        .map(seriesKey)
        .sort();
    assert.equal(expected(rare).length, 9);
    for (const [filter, limit, examine] of [
      [{ namespace: "Team/Paged" }, 7, 5],
      [{ namespace: "Team/Paged" }, 7, 100],
      [rare, 2, 4],
      [rare, 100, 3],
    ] as const)
      assert.deepEqual(await walk(filter, limit, examine), expected(filter), `limit ${limit}, examine ${examine}`);
    await pageStore.close();
  });

  it("refuse a caller without the replica key", async () => {
    const served = await serveReplica(new MemoryMetricsStore({ bucketMs }));
    servers.push(served.server);
    const ask = (authorization?: string) =>
      fetch(`${served.url}/berth/v1/internal/metric-data`, {
        method: "POST",
        headers: authorization ? { authorization } : {},
        body: JSON.stringify(scope),
      });
    assert.equal((await ask()).status, 403);
    assert.equal((await ask(`Bearer ${replicaKey({ agentKeySecret: "another-cluster" })}`)).status, 403);
    assert.equal((await ask(`Bearer ${key}`)).status, 200);
  });
});
