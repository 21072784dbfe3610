import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createComponent, createEndpoint, startBerth, type BerthServer } from "./support/berth.js";
import { quietest } from "./support/cpu.js";
import { LoadGenerator, type LoadJob, type LoadResult, type LoadTarget } from "./support/load.js";
import { cleanUpOnSignals, cleanupAll } from "./support/processes.js";
import { fixed, median, textTable } from "./support/table.js";

/**
 * A/B for router changes: two Berth servers, a baseline build and this one, measured side by side in
 * one run (steps interleaved, order alternating), so that load from elsewhere on the machine hits both.
 * Usage: node dist/bench/router-ab.js --baseline <dir with bin/berth.js and dist/> [--rounds 5]
 */
interface AbOptions {
  baseline: string;
  rounds: number;
  rate: number;
  stepMs: number;
  connections: number;
  maxOtherCores: number;
}

const body = JSON.stringify({ inputs: "x".repeat(242) });

async function setUp(binary: string | undefined): Promise<{ berth: BerthServer; target: LoadTarget; pids: number[] }> {
  const berth = await startBerth({ binary });
  await createEndpoint(berth, "ab");
  const copy = await createComponent(berth, { endpoint: "ab", name: "ab-echo", image: "berth/echo", cpuCores: 1, memoryMiB: 1024 });
  const target = { origin: berth.url, path: "/endpoints/ab/invocations", headers: { "content-type": "application/json", "x-amzn-sagemaker-inference-component": "ab-echo" }, body };
  return { berth, target, pids: [berth.pid, copy.pid ?? 0] };
}

interface Sample {
  result: LoadResult;
  /** CPU time Berth's own process spent per answered request: steadier than req/s on a busy machine. */
  berthUsPerRequest: number;
}

async function compare(options: AbOptions): Promise<string> {
  const builds = [
    { name: "baseline", ...(await setUp(resolve(options.baseline, "bin/berth.js"))) },
    { name: "this tree", ...(await setUp(undefined)) },
  ];
  const generator = LoadGenerator.start();
  const groups = Object.fromEntries([["generator", [generator.pid]], ...builds.map((b) => [b.name, [b.berth.pid]]), ...builds.map((b) => [`${b.name} copy`, [b.pids[1]!]])]);
  const measure = async (name: string, job: LoadJob): Promise<Sample> => {
    const { result, cpu } = await quietest(groups, { maxOtherCores: options.maxOtherCores, attempts: 4, patienceMs: 20_000 }, () => generator.run(job));
    return { result, berthUsPerRequest: (cpu.cores[name]! * cpu.seconds * 1e6) / result.answered };
  };
  for (const b of builds) await generator.run({ kind: "max", target: b.target, connections: options.connections, warmupMs: 0, durationMs: 2_000 });
  const results = new Map<string, { rate: Sample[]; max: Sample[] }>(builds.map((b) => [b.name, { rate: [], max: [] }]));
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? builds : [...builds].reverse();
    for (const b of order) results.get(b.name)!.rate.push(await measure(b.name, { kind: "rate", target: b.target, rate: options.rate, warmupMs: 500, durationMs: options.stepMs }));
    for (const b of order) results.get(b.name)!.max.push(await measure(b.name, { kind: "max", target: b.target, connections: options.connections, warmupMs: 500, durationMs: options.stepMs }));
    const line = builds.map((b) => {
      const r = results.get(b.name)!;
      return `${b.name} ${r.max.at(-1)!.result.reqPerSec.toFixed(0)} req/s, ${r.rate.at(-1)!.berthUsPerRequest.toFixed(0)} µs/req`;
    });
    console.error(`[bench:router-ab] round ${round + 1}/${options.rounds}: ${line.join("; ")}`);
  }
  await generator.stop();
  for (const b of builds) await b.berth.stop();
  const rows = builds.map((b) => {
    const r = results.get(b.name)!;
    return [
      b.name,
      fixed(median(r.rate.map((x) => x.result.p50Ms)), 3),
      fixed(median(r.rate.map((x) => x.result.p99Ms)), 3),
      fixed(median(r.rate.map((x) => x.berthUsPerRequest)), 1),
      median(r.max.map((x) => x.result.reqPerSec)).toFixed(0),
      fixed(median(r.max.map((x) => x.berthUsPerRequest)), 1),
    ];
  });
  // Paired per round: load from elsewhere on the machine shifts both builds of a round alike.
  const baseline = results.get("baseline")!;
  const current = results.get("this tree")!;
  const paired = (pick: (r: { rate: Sample[]; max: Sample[] }) => Sample[], value: (s: Sample) => number, combine: (a: number, b: number) => number) =>
    median(pick(current).map((x, i) => combine(value(x), value(pick(baseline)[i]!))));
  const throughput = paired((r) => r.max, (s) => s.result.reqPerSec, (a, b) => a / b);
  const cpuAtRate = paired((r) => r.rate, (s) => s.berthUsPerRequest, (a, b) => a / b);
  const p50 = paired((r) => r.rate, (s) => s.result.p50Ms, (a, b) => a - b);
  return [
    textTable({
      head: ["build", `p50 ms @${options.rate}/s`, `p99 ms @${options.rate}/s`, `Berth µs CPU/req @${options.rate}/s`, `max req/s (${options.connections} conn)`, "Berth µs CPU/req @max"],
      rows,
      right: [1, 2, 3, 4, 5],
    }),
    `this tree vs baseline, medians of ${options.rounds} paired rounds: Berth CPU per request × ${cpuAtRate.toFixed(3)}, max throughput × ${throughput.toFixed(3)}, p50 ${p50 >= 0 ? "+" : ""}${p50.toFixed(3)} ms`,
  ].join("\n");
}

function parseArgs(argv: string[]): AbOptions {
  const options: Partial<AbOptions> = { rounds: 5, rate: 1000, stepMs: 3_000, connections: 32, maxOtherCores: 0.15 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--baseline") options.baseline = value;
    else if (flag === "--rounds") options.rounds = Number(value);
    else if (flag === "--rate") options.rate = Number(value);
    else if (flag === "--step-ms") options.stepMs = Number(value);
    else if (flag === "--connections") options.connections = Number(value);
    else throw new Error(`unknown flag ${flag}; flags: --baseline DIR, --rounds N, --rate N, --step-ms N, --connections N`);
  }
  if (!options.baseline || !existsSync(resolve(options.baseline, "bin/berth.js"))) throw new Error("--baseline must name a directory holding a built Berth (bin/berth.js and dist/)");
  return options as AbOptions;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cleanUpOnSignals();
  try {
    console.log(await compare(parseArgs(process.argv.slice(2))));
  } catch (error) {
    console.error(`router A/B failed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  } finally {
    await cleanupAll();
  }
}
