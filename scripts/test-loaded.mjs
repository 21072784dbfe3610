#!/usr/bin/env node
// Runs the test suite on a loaded machine: builds once, starts busy processes that each keep one core at
// 100% (plain spinning at nice 0), runs the suite several times in a row, stops the load, and prints each
// run's result and time. Exits non-zero if any run failed. The busy processes stop when this script ends,
// however it ends: on exit or signal it kills them, and each one exits by itself when its parent is gone.
//
//   node scripts/test-loaded.mjs [--runs 3] [--busy 2] [--no-build] [--verbose] [-- <test paths>]
//
// --busy 0 runs the suite on an idle machine, for comparison. Each run's output goes to a log file
// (printed at the end, with the failing tests); --verbose also streams it.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync } from "node:fs";
import { setPriority, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const options = parseArguments(process.argv.slice(2));

// Spins in slices, checking between them that the parent still exists: an orphan stops itself.
const SPIN = `
const parent = process.ppid;
const spin = () => {
  if (process.ppid !== parent) process.exit(0);
  const until = Date.now() + 50;
  while (Date.now() < until);
  setImmediate(spin);
};
process.on("disconnect", () => process.exit(0));
spin();
`;

const busy = [];
let suite;
let stopping = false;

function stopAll() {
  for (const child of busy) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  // The suite runs in its own process group, so its test files and their servers stop with it.
  if (suite && suite.exitCode === null && suite.signalCode === null) {
    try {
      process.kill(-suite.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
}

process.on("exit", stopAll);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping the load and the suite`);
    stopAll();
    process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }[signal] ?? 0));
  });
}

if (options.build) {
  console.log("building (npm run build) ...");
  const built = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
  if (built.status !== 0) {
    console.error("the build failed; no test run");
    process.exit(built.status ?? 1);
  }
}

for (let i = 0; i < options.busy; i++) {
  const child = spawn(process.execPath, ["-e", SPIN], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  try {
    setPriority(child.pid, 0);
  } catch (error) {
    console.error(`could not set busy process ${child.pid} to nice 0: ${error.message}`);
  }
  busy.push(child);
}
const loadStartedAt = Date.now();
console.log(options.busy > 0 ? `load: ${options.busy} busy processes (pids ${busy.map((c) => c.pid).join(", ")})` : "load: none (idle machine)");

const logDir = mkdtempSync(join(tmpdir(), "berth-test-loaded-"));
const results = [];
for (let run = 1; run <= options.runs; run++) {
  const log = join(logDir, `run-${run}.log`);
  console.log(`run ${run}/${options.runs} ... (output in ${log})`);
  const result = await runSuite(log);
  results.push({ run, log, ...result });
  console.log(`run ${run}/${options.runs}: ${describe(results.at(-1))}`);
}

const busyCpu = busy.map((child) => cpuSeconds(child.pid));
const loadSeconds = (Date.now() - loadStartedAt) / 1000;
stopAll();

console.log("");
console.log(
  `test:loaded — ${options.busy} busy process(es), ${options.runs} run(s) of ${options.paths.length > 0 ? options.paths.join(" ") : "the whole suite"}`,
);
for (const result of results) console.log(`  run ${result.run}: ${describe(result)}`);
if (busyCpu.every((s) => s !== undefined) && busyCpu.length > 0) {
  console.log(`  load: each busy process used ${busyCpu.map((s) => `${s.toFixed(0)} s`).join(", ")} of CPU in ${loadSeconds.toFixed(0)} s`);
}
for (const result of results.filter((r) => !r.ok)) {
  console.log(`\nrun ${result.run} failed (full output: ${result.log}):`);
  for (const line of result.failures.slice(0, 40)) console.log(`  ${line}`);
}
process.exitCode = results.every((r) => r.ok) ? 0 : 1;

function runSuite(logPath) {
  return new Promise((resolve) => {
    const out = createWriteStream(logPath);
    const startedAt = Date.now();
    suite = spawn(process.execPath, [join(root, "scripts", "run-tests.mjs"), ...options.paths], {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    for (const stream of [suite.stdout, suite.stderr]) {
      stream.on("data", (chunk) => {
        out.write(chunk);
        if (options.verbose) process.stdout.write(chunk);
      });
    }
    suite.on("exit", (code, signal) => {
      const seconds = (Date.now() - startedAt) / 1000;
      out.end(() => {
        const text = readFileSync(logPath, "utf8");
        resolve({ ok: code === 0 && signal === null, code, signal, seconds, counts: countsOf(text), failures: failuresOf(text) });
      });
    });
  });
}

/** The runner's closing summary, in TAP ("# pass 5") or spec ("ℹ pass 5") form. */
function countsOf(text) {
  const counts = {};
  for (const name of ["tests", "suites", "pass", "fail", "cancelled", "skipped", "todo"]) {
    const matches = [...text.matchAll(new RegExp(`^(?:#|ℹ) ${name} (\\d+)$`, "gm"))];
    if (matches.length > 0) counts[name] = Number(matches.at(-1)[1]);
  }
  return counts;
}

function failuresOf(text) {
  return text.split("\n").filter((line) => /^\s*not ok \d+ - /.test(line) || /^\s*✖ /.test(line));
}

function describe(result) {
  const c = result.counts;
  const tally =
    c.tests !== undefined ? `${c.pass ?? 0}/${c.tests} passed, ${c.fail ?? 0} failed, ${c.cancelled ?? 0} cancelled, ${c.skipped ?? 0} skipped` : "no summary";
  const status = result.ok ? "PASS" : `FAIL (exit ${result.signal ?? result.code})`;
  return `${status} in ${formatSeconds(result.seconds)} — ${tally}`;
}

function formatSeconds(seconds) {
  return `${Math.floor(seconds / 60)} min ${(seconds % 60).toFixed(0).padStart(2, "0")} s (${seconds.toFixed(0)} s)`;
}

/** CPU seconds a process has used, from /proc (Linux); undefined elsewhere. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function parseArguments(args) {
  const parsed = { runs: 3, busy: 2, build: true, verbose: false, paths: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      parsed.paths = args.slice(i + 1);
      break;
    } else if (arg === "--runs" || arg === "--busy") {
      const value = Number(args[++i]);
      if (!Number.isInteger(value) || value < 0 || (arg === "--runs" && value === 0)) usage(`${arg} takes a whole number${arg === "--runs" ? " above 0" : ""}`);
      parsed[arg.slice(2)] = value;
    } else if (arg === "--no-build") parsed.build = false;
    else if (arg === "--verbose") parsed.verbose = true;
    else usage(`unknown argument ${arg}`);
  }
  return parsed;
}

function usage(problem) {
  console.error(`${problem}\nusage: node scripts/test-loaded.mjs [--runs 3] [--busy 2] [--no-build] [--verbose] [-- <test paths>]`);
  process.exit(2);
}
