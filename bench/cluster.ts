import { mkdtempSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { CreateInferenceComponentCommand, DescribeInferenceComponentCommand, type SageMakerClient } from "@aws-sdk/client-sagemaker";
import { EtcdStore } from "../src/store/etcd-store.js";
import { SqliteStore } from "../src/store/sqlite-store.js";
import { absent, put, type Store } from "../src/store/store.js";
import { startBerth } from "../test/support/berth-process.js";
import { startEtcd } from "../test/support/etcd.js";
import { createIcEndpoint, echoComponent, uniqueName } from "../test/support/fixtures.js";
import { copiesReplacedMs, leaderFailoverMs, NotMeasurable, propagationSamples, startBenchCluster } from "./support/cluster-parts.js";
import { fixed, markdownTable, median, textTable } from "./support/table.js";

/**
 * npm run bench:cluster — Berth on etcd against Berth on SQLite, in one run:
 *  1. control-plane writes/s: one-key compare-and-set commits (a copy's status, as agents write them),
 *     one at a time and 64 in flight, on SQLite (the baseline, measured here) and on etcd with 1 and 3
 *     members on loopback;
 *  2. create-component-to-InService (median of 3) on SQLite and on a cluster with 1 and 3 etcd members,
 *     one replica and 3 real `berth agent` processes running real berth/echo copies;
 *  3. routing-table propagation p50/p99 (3 replicas, 100 light agents speaking the real agent protocol,
 *     1,000 copies), leader failover (3 replicas, 3 etcd members), and dead host to copies replaced (real
 *     agents and copies), against their targets.
 * Every row is measured or printed as "not measured" with the reason; either a missed target or a row that
 * could not be measured makes the benchmark fail. The cluster parts live in bench/support/cluster-parts.ts.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const sequentialWrites = Number(process.env.BENCH_CLUSTER_WRITES ?? 1000);
const concurrentWrites = sequentialWrites * 4;
const inFlight = 64;
const createRounds = 3;
const instanceType = "ml.g5.12xlarge";

interface Figure {
  value: number;
  unit: "writes/s" | "ms";
  /** Said after the figure: how it was taken. */
  detail?: string;
}

interface Target {
  text: string;
  met(value: number): boolean;
}

interface RowSpec {
  id: string;
  what: string;
  measure: () => Promise<Figure>;
  target?: Target;
  /** The row measured earlier in this run that this one is compared with. */
  baseline?: string;
}

interface Outcome {
  spec: RowSpec;
  figure?: Figure;
  /** Why the row has no figure. */
  failure?: string;
}

const below = (limit: number, unit: string): Target => ({ text: `< ${limit.toLocaleString("en-US")} ${unit}`, met: (v) => v < limit });

// ---- control-plane writes ------------------------------------------------------------------------------

/** A copy's status as an agent reports it: the size of a typical control-plane write. */
const statusRecord = (n: number) => ({
  copyId: `bench-ic-${n % 64}`,
  status: n % 2 === 0 ? "Ready" : "Starting",
  address: "10.0.0.12",
  port: 41000 + (n % 1000),
  pid: 100_000 + n,
  startedAt: "2026-12-05T10:00:00.000Z",
  restarts: 0,
  message: "health check passed: GET /ping answered 200 in 2 ms",
  devices: [0, 1],
});

/** Commits `total` one-key compare-and-set writes, `parallel` at a time (each worker its own key); writes/s. */
async function writeRate(store: Store, total: number, parallel: number, tag: string): Promise<number> {
  let issued = 0;
  const worker = async (w: number) => {
    let revision: number | undefined;
    while (issued < total) {
      const n = issued++;
      revision = await store.commit([put("bench-status", `${tag}-${w}`, statusRecord(n), revision === undefined ? absent : { modRevision: revision })]);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: parallel }, (_, w) => worker(w)));
  return total / ((performance.now() - started) / 1000);
}

async function measureWrites(open: () => Promise<{ store: Store; close(): Promise<void> }>, parallel: number): Promise<Figure> {
  const { store, close } = await open();
  try {
    await writeRate(store, 50, Math.min(parallel, 8), "warm-up"); // warm-up: connections, statements, the first leader contact
    const total = parallel === 1 ? sequentialWrites : concurrentWrites;
    return { value: await writeRate(store, total, parallel, "run"), unit: "writes/s", detail: `${total.toLocaleString("en-US")} commits` };
  } finally {
    await close();
  }
}

const sqliteStore = async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-bench-cluster-"));
  const store = new SqliteStore(join(dir, "berth.db"));
  return {
    store: store as Store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

const etcdStore = (members: 1 | 3) => async () => {
  const etcd = await startEtcd({ members });
  try {
    const store: Store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: `/bench-${process.pid}/` });
    return {
      store,
      close: async () => {
        await store.close();
        await etcd.stop();
      },
    };
  } catch (error) {
    await etcd.stop();
    throw error;
  }
};

// ---- create component to InService -------------------------------------------------------------------

async function untilInService(sagemaker: SageMakerClient, name: string, started: number): Promise<number> {
  for (;;) {
    const d = await sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
    if (d.InferenceComponentStatus === "InService") return performance.now() - started;
    if (d.InferenceComponentStatus === "Failed") throw new Error(`component ${name} failed: ${d.FailureReason}`);
    if (performance.now() - started > 60_000) throw new Error(`component ${name} was not InService after 60 s (${d.InferenceComponentStatus})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** On an InService endpoint: CreateInferenceComponent (one berth/echo copy) until Describe says InService; median of the rounds. */
async function createToInService(sagemaker: SageMakerClient): Promise<Figure> {
  const endpoint = await createIcEndpoint(sagemaker, { instanceType });
  const samples: number[] = [];
  for (let i = 0; i < createRounds; i++) {
    const input = echoComponent(endpoint, { name: uniqueName("bench-ic"), accelerators: 0, cpu: 0.5, memory: 256 });
    const started = performance.now();
    await sagemaker.send(new CreateInferenceComponentCommand(input));
    samples.push(await untilInService(sagemaker, input.InferenceComponentName!, started));
  }
  return { value: median(samples), unit: "ms", detail: `median of ${createRounds}: ${samples.map((s) => s.toFixed(0)).join(", ")} ms` };
}

async function createOnSqlite(): Promise<Figure> {
  const berth = await startBerth();
  try {
    return await createToInService(berth.sagemaker);
  } finally {
    await berth.stop();
  }
}

async function createOnCluster(etcdMembers: 1 | 3): Promise<Figure> {
  const cluster = await startBenchCluster({ etcdMembers, replicas: 1, agents: 3, instanceType });
  try {
    return await createToInService(cluster.sagemaker);
  } finally {
    await cluster.stop();
  }
}

// ---- propagation, failover, dead host ----------------------------------------------------------------

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

let propagation: Promise<number[]> | undefined;
const propagationQuantile = (q: number) => async (): Promise<Figure> => {
  const samples = await (propagation ??= propagationSamples());
  if (samples.length === 0) throw new Error("the propagation run returned no samples");
  return { value: quantile(samples, q), unit: "ms", detail: `${samples.length} store changes` };
};

// ---- the rows ----------------------------------------------------------------------------------------

const rows: RowSpec[] = [
  { id: "w-sqlite-1", what: "control-plane writes (store commits), one at a time: SQLite (baseline)", measure: () => measureWrites(sqliteStore, 1) },
  {
    id: "w-etcd1-1",
    what: "control-plane writes (store commits), one at a time: etcd, 1 member",
    measure: () => measureWrites(etcdStore(1), 1),
    baseline: "w-sqlite-1",
  },
  {
    id: "w-etcd3-1",
    what: "control-plane writes (store commits), one at a time: etcd, 3 members",
    measure: () => measureWrites(etcdStore(3), 1),
    baseline: "w-sqlite-1",
  },
  {
    id: "w-sqlite-n",
    what: `control-plane writes (store commits), ${inFlight} in flight: SQLite (baseline)`,
    measure: () => measureWrites(sqliteStore, inFlight),
  },
  {
    id: "w-etcd1-n",
    what: `control-plane writes (store commits), ${inFlight} in flight: etcd, 1 member`,
    measure: () => measureWrites(etcdStore(1), inFlight),
    baseline: "w-sqlite-n",
  },
  {
    id: "w-etcd3-n",
    what: `control-plane writes (store commits), ${inFlight} in flight: etcd, 3 members`,
    measure: () => measureWrites(etcdStore(3), inFlight),
    baseline: "w-sqlite-n",
  },
  { id: "c-sqlite", what: "create component → InService: SQLite, one server (baseline)", measure: createOnSqlite },
  { id: "c-etcd1", what: "create component → InService: etcd 1 member, 1 replica, 3 agents", measure: () => createOnCluster(1), baseline: "c-sqlite" },
  { id: "c-etcd3", what: "create component → InService: etcd 3 members, 1 replica, 3 agents", measure: () => createOnCluster(3), baseline: "c-sqlite" },
  {
    id: "p50",
    what: "routing-table propagation p50 (3 replicas, 100 agents, 1,000 copies)",
    measure: propagationQuantile(0.5),
  },
  {
    id: "p99",
    what: "routing-table propagation p99: store change → every replica's router",
    measure: propagationQuantile(0.99),
    target: below(100, "ms"),
  },
  {
    id: "failover",
    what: "leader failover: kill -9 of the leader → another replica leads",
    measure: () => timed(leaderFailoverMs),
    target: below(3000, "ms"),
  },
  { id: "replaced", what: "dead host → its copies Ready on other hosts", measure: () => timed(copiesReplacedMs), target: below(10_000, "ms") },
];

async function timed(measure: () => Promise<number>): Promise<Figure> {
  return { value: await measure(), unit: "ms" };
}

function show(figure: Figure): string {
  return figure.unit === "writes/s" ? `${Math.round(figure.value).toLocaleString("en-US")} writes/s` : `${fixed(figure.value, figure.value < 100 ? 1 : 0)} ms`;
}

function verdict(outcome: Outcome): string {
  if (!outcome.figure) return "FAIL (not measured)";
  if (!outcome.spec.target) return "—";
  return outcome.spec.target.met(outcome.figure.value) ? "pass" : "FAIL";
}

async function main(): Promise<void> {
  const outcomes: Outcome[] = [];
  // The machine may be shared: the load before the run says how much of it this run had.
  const loadAtStart = loadavg()[0]!;
  // BENCH_CLUSTER_ROWS=p50,p99,… runs only those rows (while working on one); the rows left out make the run fail.
  const only = process.env.BENCH_CLUSTER_ROWS?.split(",");
  for (const spec of rows) {
    if (only && !only.includes(spec.id)) {
      outcomes.push({ spec, failure: "left out by BENCH_CLUSTER_ROWS" });
      continue;
    }
    process.stderr.write(`bench:cluster: ${spec.what} …\n`);
    try {
      outcomes.push({ spec, figure: await spec.measure() });
    } catch (error) {
      const reason = error instanceof NotMeasurable ? error.message : `failed: ${(error as Error).message}`;
      outcomes.push({ spec, failure: reason });
      process.stderr.write(`bench:cluster: not measured: ${reason}\n`);
    }
  }
  const figureOf = (id: string) => outcomes.find((o) => o.spec.id === id)?.figure;
  const table = {
    head: ["what", "measured", "vs baseline (same run)", "target", "verdict"],
    right: [1, 2, 3],
    rows: outcomes.map((o) => {
      const base = o.spec.baseline ? figureOf(o.spec.baseline) : undefined;
      const ratio = o.figure && base ? `${fixed(o.figure.value / base.value, 2)}×` : "";
      const measured = o.figure ? `${show(o.figure)}${o.figure.detail ? ` (${o.figure.detail})` : ""}` : "not measured";
      return [o.spec.what, measured, ratio, o.spec.target?.text ?? "—", verdict(o)];
    }),
  };
  const reasons = outcomes.filter((o) => o.failure).map((o) => `- not measured: ${o.spec.what}: ${o.failure}`);
  const failed = outcomes.filter((o) => verdict(o).startsWith("FAIL"));
  const environment =
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end; ` +
    `etcd on loopback with the test timings (heartbeat 25 ms, election 250 ms).`;
  process.stdout.write(`${textTable(table)}\n\n${reasons.length > 0 ? `${reasons.join("\n")}\n\n` : ""}${environment}\n`);
  const out = join(root, "bench-results", "cluster.md");
  await mkdir(dirname(out), { recursive: true });
  await writeFile(
    out,
    `# Cluster benchmark\n\n\`npm run bench:cluster\` (bench/cluster.ts). ${environment}\n\n${markdownTable(table)}\n${reasons.length > 0 ? `\n${reasons.join("\n")}\n` : ""}`,
  );
  process.stdout.write(`written to ${out}\n`);
  if (failed.length > 0) {
    process.stdout.write(`\nbench:cluster FAILED: ${failed.length} of ${outcomes.length} rows missed their target or could not be measured\n`);
    process.exitCode = 1;
  }
}

await main();
