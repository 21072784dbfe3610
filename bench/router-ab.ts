import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createComponent, createEndpoint, startBerth, type BerthServer } from "./support/berth.js";
import { pinProcess, quietest } from "./support/cpu.js";
import { LoadGenerator, type LoadJob, type LoadResult, type LoadTarget } from "./support/load.js";
import { cleanUpOnSignals, cleanupAll } from "./support/processes.js";
import { fixed, median, signed, textTable } from "./support/table.js";

/**
 * A/B (or A/B/C…) for router changes: one Berth server per build, all measured in the same run with
 * steps interleaved and the order rotating each round, so load from elsewhere on the machine hits every
 * build alike. Each build is compared with the one before it (a ladder of changes) and with the first.
 *
 *   node dist/bench/router-ab.js --build before=/tmp/berth-old [--build step1=/tmp/b1 …] [--rounds 7]
 *
 * A build is a directory holding bin/berth.js and its compiled dist/; this tree is always the last build.
 * --pin puts the generator and the copies on CPU 0 and the servers on CPU 1 (taskset, Linux).
 * --node-args NAME='FLAGS' runs build NAME's node with those flags ("this tree" names this tree; the
 * same directory may be named twice, with and without flags, to try a V8 setting).
 */
interface AbOptions {
  /** nodeArgs: flags for that build's node (V8 settings to try, say), before its bin/berth.js. */
  builds: { name: string; dir?: string; nodeArgs?: string[] }[];
  rounds: number;
  rate: number;
  stepMs: number;
  connections: number;
  maxOtherCores: number;
  /** Generator on CPU 0, every Berth and its copy on CPU 1: less scheduler luck in the numbers. */
  pin: boolean;
}

interface Sample {
  result: LoadResult;
  /** CPU time Berth's own process spent per answered request: steadier than req/s on a busy machine. */
  berthUsPerRequest: number;
}

const body = JSON.stringify({ inputs: "x".repeat(242) });
const thisTree = resolve(fileURLToPath(new URL("../..", import.meta.url)));

async function setUp(
  dir: string | undefined,
  nodeArgs: string[] | undefined,
  pin: boolean,
): Promise<{ berth: BerthServer; target: LoadTarget; copyPid: number }> {
  // Signed, as Berth runs by default and as bench:router measures it.
  const berth = await startBerth({ binary: dir ? resolve(dir, "bin/berth.js") : undefined, cpus: pin ? "1" : undefined, auth: true, nodeArgs });
  await createEndpoint(berth, "ab");
  const copy = await createComponent(berth, { endpoint: "ab", name: "ab-echo", image: "berth/echo", cpuCores: 1, memoryMiB: 1024 });
  // The copy started on Berth's CPU; it belongs with the generator, so Berth has its core to itself.
  if (pin && copy.pid) pinProcess(copy.pid, "0");
  const path = "/endpoints/ab/invocations";
  const headers = await berth.sign(`${berth.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-amzn-sagemaker-inference-component": "ab-echo" },
    body,
  });
  return { berth, target: { origin: berth.url, path, headers, body }, copyPid: copy.pid ?? 0 };
}

async function compare(options: AbOptions): Promise<string> {
  const builds: ({ name: string } & Awaited<ReturnType<typeof setUp>>)[] = [];
  for (const b of options.builds) builds.push({ name: b.name, ...(await setUp(b.dir, b.nodeArgs, options.pin)) });
  const generator = LoadGenerator.start({ cpus: options.pin ? "0" : undefined });
  const groups: Record<string, number[]> = { generator: [generator.pid] };
  for (const b of builds) {
    groups[b.name] = [b.berth.pid];
    groups[`${b.name} copy`] = [b.copyPid];
  }
  const measure = async (name: string, job: LoadJob): Promise<Sample> => {
    const { result, cpu } = await quietest(groups, { maxOtherCores: options.maxOtherCores, attempts: 4, patienceMs: 20_000 }, () => generator.run(job));
    return { result, berthUsPerRequest: (cpu.cores[name]! * cpu.seconds * 1e6) / result.answered };
  };
  for (const b of builds) await generator.run({ kind: "max", target: b.target, connections: options.connections, warmupMs: 0, durationMs: 2_000 });
  const samples = new Map<string, { rate: Sample[]; max: Sample[] }>(builds.map((b) => [b.name, { rate: [], max: [] }]));
  for (let round = 0; round < options.rounds; round++) {
    const order = builds.map((_, i) => builds[(i + round) % builds.length]!);
    for (const b of order)
      samples.get(b.name)!.rate.push(await measure(b.name, { kind: "rate", target: b.target, rate: options.rate, warmupMs: 500, durationMs: options.stepMs }));
    for (const b of order)
      samples
        .get(b.name)!
        .max.push(await measure(b.name, { kind: "max", target: b.target, connections: options.connections, warmupMs: 500, durationMs: options.stepMs }));
    const line = builds.map(
      (b) =>
        `${b.name} ${samples.get(b.name)!.max.at(-1)!.result.reqPerSec.toFixed(0)} req/s ${samples.get(b.name)!.max.at(-1)!.berthUsPerRequest.toFixed(0)} µs`,
    );
    console.error(`[bench:router-ab] round ${round + 1}/${options.rounds}: ${line.join("; ")}`);
  }
  await generator.stop();
  for (const b of builds) await b.berth.stop();

  // Paired per round: load from elsewhere on the machine shifts the builds of one round alike.
  const ratio = (a: Sample[], b: Sample[], value: (s: Sample) => number) => median(a.map((x, i) => value(x) / value(b[i]!)));
  const delta = (a: Sample[], b: Sample[], value: (s: Sample) => number) => median(a.map((x, i) => value(x) - value(b[i]!)));
  const rows = builds.map((b, i) => {
    const s = samples.get(b.name)!;
    const previous = i > 0 ? samples.get(builds[i - 1]!.name)! : undefined;
    return [
      b.name,
      fixed(median(s.rate.map((x) => x.result.p50Ms)), 3),
      fixed(median(s.rate.map((x) => x.result.p99Ms)), 3),
      fixed(median(s.rate.map((x) => x.berthUsPerRequest)), 0),
      median(s.max.map((x) => x.result.reqPerSec)).toFixed(0),
      fixed(median(s.max.map((x) => x.berthUsPerRequest)), 0),
      previous ? `×${ratio(s.max, previous.max, (x) => x.berthUsPerRequest).toFixed(2)}` : "",
      previous ? `×${ratio(s.max, previous.max, (x) => x.result.reqPerSec).toFixed(2)}` : "",
      previous
        ? signed(
            delta(s.rate, previous.rate, (x) => x.result.p50Ms),
            3,
          )
        : "",
    ];
  });
  return [
    textTable({
      head: [
        "build",
        `p50 ms @${options.rate}/s`,
        `p99 ms @${options.rate}/s`,
        `µs CPU/req @${options.rate}/s`,
        "max req/s",
        "µs CPU/req @max",
        "CPU/req vs previous",
        "max req/s vs previous",
        "p50 vs previous",
      ],
      rows,
      right: [1, 2, 3, 4, 5, 6, 7, 8],
    }),
    `Medians of ${options.rounds} rounds; "vs previous" are medians of per-round ratios (differences for p50). µs CPU/req: Berth's process only, warm-up included. Max: ${options.connections} connections.`,
  ].join("\n");
}

function parseArgs(argv: string[]): AbOptions {
  const options: AbOptions = { builds: [], rounds: 5, rate: 1000, stepMs: 3_000, connections: 32, maxOtherCores: 0.15, pin: false };
  const nodeArgs = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--pin") {
      options.pin = true;
      i--;
      continue;
    }
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--build" || flag === "--baseline") {
      const [name, dir] = value.includes("=")
        ? [value.slice(0, value.indexOf("=")), value.slice(value.indexOf("=") + 1)]
        : [`build ${options.builds.length + 1}`, value];
      if (!existsSync(resolve(dir!, "bin/berth.js"))) throw new Error(`${flag} ${value}: ${dir} holds no bin/berth.js; build one there first`);
      options.builds.push({ name: name!, dir: resolve(dir!) });
    } else if (flag === "--node-args") {
      const equals = value.indexOf("=");
      if (equals < 1) throw new Error(`--node-args ${value}: write NAME='FLAGS', NAME being a --build name or "this tree"`);
      nodeArgs.set(
        value.slice(0, equals),
        value
          .slice(equals + 1)
          .split(" ")
          .filter(Boolean),
      );
    } else if (flag === "--rounds") options.rounds = Number(value);
    else if (flag === "--rate") options.rate = Number(value);
    else if (flag === "--step-ms") options.stepMs = Number(value);
    else if (flag === "--connections") options.connections = Number(value);
    else if (flag === "--max-other-cores") options.maxOtherCores = Number(value);
    else
      throw new Error(
        `unknown flag ${flag}; flags: --build [NAME=]DIR (repeatable), --node-args NAME='FLAGS', --rounds N, --rate N, --step-ms N, --connections N, --max-other-cores N, --pin`,
      );
  }
  if (options.builds.length === 0) throw new Error("name at least one build to compare with: --build before=DIR (a directory holding bin/berth.js and dist/)");
  options.builds.push({ name: "this tree", dir: thisTree });
  for (const [name, flags] of nodeArgs) {
    const build = options.builds.find((b) => b.name === name);
    if (!build) throw new Error(`--node-args ${name}=…: no build is named ${name}; the builds are ${options.builds.map((b) => b.name).join(", ")}`);
    build.nodeArgs = flags;
  }
  return options;
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
