import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import type { Resources } from "../src/domain/compute.js";
import { place, type ComponentDemand, type PlacementInput, type PlacementStrategy } from "../src/scheduler/index.js";

/**
 * Placement core benchmark: 10,000 copies of 500 components (1–4 accelerators each) onto empty
 * 8-accelerator, 96 vCPU, 1 TiB instances. Those copies need about 25,000 devices, so the pool is
 * 4,000 instances by default: 1,000 would hold barely a third of them.
 */
export interface PlacementBenchmarkOptions {
  instances?: number;
  strategy?: PlacementStrategy;
  /** Timed runs after one warm-up; wallMs is their median. */
  runs?: number;
  seed?: number;
}

export interface PlacementBenchmarkResult {
  wallMs: number;
  /** The first, cold run (JIT not warmed up yet). */
  coldMs: number;
  instancesUsed: number;
  lowerBound: number;
  instancesOffered: number;
  copiesPlaced: number;
  copiesWanted: number;
}

const capacity: Resources = { accelerators: 8, cpuMillis: 96_000, memoryMiB: 1_048_576 };

export function runPlacementBenchmark(options: PlacementBenchmarkOptions = {}): PlacementBenchmarkResult {
  const input = scenario(options.instances ?? 4000, options.strategy ?? "BINPACK", options.seed ?? 20260801);
  const timed = (): { ms: number; decision: ReturnType<typeof place> } => {
    const start = performance.now();
    const decision = place(input);
    return { ms: performance.now() - start, decision };
  };
  const cold = timed();
  const times = Array.from({ length: options.runs ?? 5 }, () => timed().ms).sort((a, b) => a - b);
  const used = new Set(cold.decision.add.map((c) => c.instanceId));
  const total = { accelerators: 0, cpuMillis: 0, memoryMiB: 0 };
  for (const d of input.demands) for (const r of keys) total[r] += d.copies * d.needs[r];
  return {
    wallMs: round(times[times.length >> 1]),
    coldMs: round(cold.ms),
    instancesUsed: used.size,
    lowerBound: Math.max(...keys.map((r) => Math.ceil(total[r] / capacity[r]))),
    instancesOffered: input.instances.length,
    copiesPlaced: cold.decision.add.length,
    copiesWanted: input.demands.reduce((n, d) => n + d.copies, 0),
  };
}

const keys = ["accelerators", "cpuMillis", "memoryMiB"] as const;

function scenario(instanceCount: number, strategy: PlacementStrategy, seed: number): PlacementInput {
  const rand = mulberry32(seed);
  const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const counts = Array.from({ length: 500 }, () => between(10, 30));
  // Nudge the counts so they add up to exactly 10,000.
  for (let k = 0, sum = counts.reduce((a, b) => a + b, 0); sum !== 10_000; k = (k + 1) % counts.length) {
    const step = sum < 10_000 ? 1 : -1;
    if (counts[k] + step < 1) continue;
    counts[k] += step;
    sum += step;
  }
  const demands: ComponentDemand[] = counts.map((copies, k) => {
    const accelerators = between(1, 4);
    return {
      component: `ic-${String(k).padStart(3, "0")}`,
      copies,
      needs: { accelerators, cpuMillis: accelerators * between(4, 14) * 1000, memoryMiB: accelerators * between(32, 144) * 1024 },
      strategy,
    };
  });
  const instances = Array.from({ length: instanceCount }, (_, k) => ({
    id: `i-${String(k).padStart(5, "0")}`,
    capacity,
    deviceIndices: [0, 1, 2, 3, 4, 5, 6, 7],
    schedulable: true,
    order: k,
  }));
  return { instances, demands, current: [], nextOrdinals: {} };
}

/** Small seeded PRNG so every run builds the same scenario. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [label, options] of [
    ["BINPACK, 4,000 instances", {}],
    ["SPREAD, 4,000 instances", { strategy: "SPREAD" }],
    ["BINPACK, 1,000 instances (too few)", { instances: 1000 }],
  ] as const) {
    console.log(label, JSON.stringify(runPlacementBenchmark(options)));
  }
}
