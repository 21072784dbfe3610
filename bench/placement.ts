import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { Resources } from "../src/domain/compute.js";
import { place, type ComponentDemand, type PlacementInput } from "../src/scheduler/index.js";
import { loadCatalog, loadPortfolio, parsePortfolio, readTrace, Rng, type Portfolio, type Trace } from "../src/sim/input/index.js";
import { simulateLoaded } from "../src/sim/simulate.js";
import { pickStrategies } from "../src/sim/strategies/index.js";
import { markdownTable } from "../src/sim/report/table.js";

/**
 * npm run bench:placement — two questions, one table:
 *  1. Placement: 10,000 copies of 500 inference components onto 1,000 empty 8-GPU instances in one
 *     place() call: wall time (median of 7 after a warm-up) and instances used against the lower bound.
 *     Every copy needing at least one of 8 GPUs cannot fit 1,000 instances, so the scenario is a mix:
 *     40% of the components are CPU-only models, the rest take 1 or 2 GPUs; the lower bound sits a
 *     little under 1,000 instances. Targets: under 200 ms, within 2% of the bound.
 *  2. Simulator speed: simulated hours per wall second of one strategy's run (the engine; the trace
 *     is read and the workload built once beforehand; median of three runs after a warm-up), on the
 *     shipped example and on the 500-function Azure Functions trace. Target: at least 1,000 on the example.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const capacity: Resources = { accelerators: 8, cpuMillis: 96_000, memoryMiB: 1_048_576 };

interface Row {
  what: string;
  measured: string;
  target: string;
  verdict: string;
}

function placementScenario(seed: number): PlacementInput {
  const rng = new Rng(seed, "placement-bench");
  const between = (lo: number, hi: number) => lo + rng.below(hi - lo + 1);
  const counts = Array.from({ length: 500 }, () => between(10, 30));
  for (let k = 0, sum = counts.reduce((a, b) => a + b, 0); sum !== 10_000; k = (k + 1) % counts.length) {
    const step = sum < 10_000 ? 1 : -1;
    if (counts[k] + step < 1) continue;
    counts[k] += step;
    sum += step;
  }
  const demands: ComponentDemand[] = counts.map((copies, k) => {
    const cpuOnly = k % 5 < 2;
    const accelerators = cpuOnly ? 0 : rng.uniform() < 0.72 ? 1 : 2;
    const needs: Resources = cpuOnly
      ? { accelerators: 0, cpuMillis: between(1, 8) * 1000, memoryMiB: between(2, 32) * 1024 }
      : { accelerators, cpuMillis: accelerators * between(3, 10) * 1000, memoryMiB: accelerators * between(16, 110) * 1024 };
    return { component: `ic-${String(k).padStart(3, "0")}`, copies, needs, strategy: "BINPACK" };
  });
  const instances = Array.from({ length: 1000 }, (_, k) => ({
    id: `i-${String(k).padStart(4, "0")}`,
    capacity,
    deviceIndices: [0, 1, 2, 3, 4, 5, 6, 7],
    schedulable: true,
    order: k,
  }));
  return { instances, demands, current: [], nextOrdinals: {} };
}

function lowerBound(input: PlacementInput): { bound: number; binding: string } {
  let best = { bound: 0, binding: "" };
  for (const r of ["accelerators", "cpuMillis", "memoryMiB"] as const) {
    const total = input.demands.reduce((s, d) => s + d.copies * d.needs[r], 0);
    const bound = Math.ceil(total / capacity[r]);
    if (bound > best.bound) best = { bound, binding: r };
  }
  return best;
}

function benchPlacement(): Row[] {
  const input = placementScenario(20260801);
  const run = () => {
    const start = performance.now();
    const decision = place(input);
    return { ms: performance.now() - start, decision };
  };
  const cold = run();
  const times = Array.from({ length: 7 }, () => run().ms).sort((a, b) => a - b);
  const median = times[times.length >> 1];
  const used = new Set(cold.decision.add.map((c) => c.instanceId)).size;
  const { bound, binding } = lowerBound(input);
  const cpuOnly = input.demands.filter((d) => d.needs.accelerators === 0);
  const over = used / bound - 1;
  const placed = cold.decision.add.length;
  return [
    {
      what: `placement: ${placed.toLocaleString("en-US")} of 10,000 copies, 500 ICs (${cpuOnly.length} CPU-only, the rest 1–2 GPUs) onto 1,000 × 8-GPU instances, median of 7 (first run ${cold.ms.toFixed(0)} ms)`,
      measured: `${median.toFixed(1)} ms`,
      target: "< 200 ms",
      verdict: median < 200 && placed === 10_000 ? "pass" : "FAIL",
    },
    {
      what: `placement: instances used against the lower bound (${binding} bound: ceil(total ÷ capacity))`,
      measured: `${used} vs ${bound} (+${(over * 100).toFixed(2)}%)`,
      target: "≤ +2%",
      verdict: over <= 0.02 ? "pass" : "FAIL",
    },
  ];
}

/** A portfolio for the 500-function trace: one small 1-GPU model per function, scale to zero, service time from the trace. */
function functionsPortfolio(): string {
  const models = Array.from(
    { length: 500 },
    (_, i) =>
      `  - { name: fn-${String(i).padStart(3, "0")}, sizeGB: 0.5, accelerators: 1, memoryGiB: 4, cpuCores: 1, startupSeconds: 5, ` +
      `latency: { fixedMs: 600, useTraceDuration: true }, concurrency: 8, sloMs: 60000, scaling: { maxCopies: 32, scaleToZero: true, targetInvocationsPerCopy: 600, scaleOutCooldownS: 60 } }`,
  );
  return `description: One model per function of the Azure Functions 500-function sample\nmodels:\n${models.join("\n")}\nendpoint: { instanceType: ml.g5.48xlarge, minInstances: 1, maxInstances: 200 }\nmapping: { byRank: { streamsPerModel: 1 } }\n`;
}

/** Each strategy once to warm up, then the median of three timed runs on the same prepared inputs. */
function speed(label: string, portfolio: Portfolio, trace: Trace, strategies: string[]): Row[] {
  const hours = trace.durationS / 3600;
  const { context } = simulateLoaded(portfolio, trace, { strategies: ["e"] });
  const runs: string[] = [];
  let total = 0;
  let cold = 0;
  for (const strategy of pickStrategies(strategies)) {
    const timed = () => {
      const start = performance.now();
      strategy.run(context);
      return performance.now() - start;
    };
    cold += timed();
    const times = [timed(), timed(), timed()].sort((a, b) => a - b);
    total += times[1];
    runs.push(`${strategy.key} ${(hours / (times[1] / 1000)).toFixed(0)}`);
  }
  const perSecond = (hours * strategies.length) / (total / 1000);
  const coldPerSecond = (hours * strategies.length) / (cold / 1000);
  const example = label.startsWith("example");
  return [
    {
      what:
        `simulator: ${label} (${hours.toFixed(0)} h, ${context.workload.time.length.toLocaleString("en-US")} requests), simulated hours per wall second of one strategy run, ` +
        `median of 3 after a warm-up (${runs.join(", ")}; first runs ${coldPerSecond.toFixed(0)})`,
      measured: `${perSecond.toFixed(0)} h/s`,
      target: example ? "≥ 1,000 h/s" : "—",
      verdict: example ? (perSecond >= 1000 ? "pass" : "FAIL") : "—",
    },
  ];
}

async function main(): Promise<void> {
  const rows: Row[] = [...benchPlacement()];
  const example = await loadPortfolio(join(root, "examples", "salesforce-like", "portfolio.yaml"));
  const exampleTrace = await readTrace(join(root, "data", "traces", "servegen", "language-m-large-first72h"), {
    seed: example.simulation.seed,
    rateScale: example.simulation.rateScale ?? 1,
  });
  rows.push(...speed("example (salesforce-like)", example, exampleTrace, ["a", "b", "c", "d"]));
  const busier = await readTrace(join(root, "data", "traces", "servegen", "language-m-large-first72h"), {
    seed: example.simulation.seed,
    rateScale: 10 * (example.simulation.rateScale ?? 1),
  });
  rows.push(...speed("the example at 10× its request rate", example, busier, ["a", "b", "c", "d"]));
  const functions = parsePortfolio(functionsPortfolio(), "bench: 500 functions", await loadCatalog());
  const functionsTrace = await readTrace(join(root, "data", "traces", "azure-functions-2019-sample500"), { seed: 1 });
  rows.push(...speed("Azure Functions 500-function trace, one model per function", functions, functionsTrace, ["a", "c", "d"]));

  const table = markdownTable([["what", "measured", "target", ""], ...rows.map((r) => [r.what, r.measured, r.target, r.verdict])], ["l", "r", "r", "l"]);
  process.stdout.write(`${table}\n`);
  const out = join(root, "bench-results", "placement.md");
  await mkdir(dirname(out), { recursive: true });
  await writeFile(
    out,
    `# Placement and simulator benchmark\n\n\`npm run bench:placement\` (bench/placement.ts), Node ${process.version}, ${process.platform}/${process.arch}, ` +
      `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, load average ${loadavg()[0].toFixed(1)} when it finished. ` +
      `Wall times depend on the machine and on what else runs on it.\n\n${table}\n`,
  );
  process.stdout.write(`\nload average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores; written to ${out}\n`);
}

await main();
