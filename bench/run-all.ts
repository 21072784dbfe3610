import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runRouterBenchmark } from "./router.js";

/**
 * npm run bench: the router benchmark, then the placement benchmark (bench/placement.ts) when the tree
 * has one. placement.ts runs when imported (its top-level `await main()`); one that only exports
 * main() instead has it called. Each prints its own table.
 */
let failed = false;

console.log("# Router benchmark\n");
try {
  const report = await runRouterBenchmark();
  console.log(report.text);
} catch (error) {
  failed = true;
  console.error(`router benchmark failed: ${(error as Error).stack ?? String(error)}`);
}

console.log("\n# Placement benchmark\n");
const placement = new URL("./placement.js", import.meta.url);
if (!existsSync(fileURLToPath(placement))) {
  console.log("skipped: bench/placement.ts does not exist in this tree yet");
} else {
  try {
    const module = (await import(placement.href)) as { main?: () => Promise<void> | void };
    if (typeof module.main === "function") await module.main();
  } catch (error) {
    failed = true;
    console.error(`placement benchmark failed: ${(error as Error).stack ?? String(error)}`);
  }
}

if (failed) process.exitCode = 1;
