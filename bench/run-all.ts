import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runRouterBenchmark } from "./router.js";

/**
 * npm run bench: the router benchmark, then each other benchmark this tree has (bench/placement.ts,
 * bench/coldstart.ts, bench/cluster.ts, bench/cost.ts); one that is missing is skipped with a message. Those run when imported (a
 * top-level `await main()`); one that only exports main() has it called. Each prints its own table.
 */
const others = [
  { title: "Placement benchmark", file: "placement" },
  { title: "Cold start benchmark", file: "coldstart" },
  { title: "Cluster benchmark", file: "cluster" },
  { title: "Cost target benchmark", file: "cost" },
];
let failed = false;

console.log("# Router benchmark\n");
try {
  const report = await runRouterBenchmark();
  console.log(report.text);
  if (!report.passed) failed = true;
} catch (error) {
  failed = true;
  console.error(`router benchmark failed: ${(error as Error).stack ?? String(error)}`);
}

for (const bench of others) {
  console.log(`\n# ${bench.title}\n`);
  const module = new URL(`./${bench.file}.js`, import.meta.url);
  if (!existsSync(fileURLToPath(module))) {
    console.log(`skipped: bench/${bench.file}.ts does not exist in this tree yet`);
    continue;
  }
  try {
    const loaded = (await import(module.href)) as { main?: () => Promise<void> | void };
    if (typeof loaded.main === "function") await loaded.main();
  } catch (error) {
    failed = true;
    console.error(`${bench.title.toLowerCase()} failed: ${(error as Error).stack ?? String(error)}`);
  }
}

if (failed) process.exitCode = 1;
