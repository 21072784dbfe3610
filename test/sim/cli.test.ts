import { spawnSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { runSimulate, type SimulateFlags } from "../../src/cli/simulate-command.js";
import { tempDir } from "../support/temp-dir.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..", "..");
const fixture = (name: string) => join(root, "test", "sim", "fixtures", name);

async function run(flags: Partial<SimulateFlags>): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runSimulate(
    { portfolio: fixture("portfolio.yaml"), trace: fixture("trace"), out: tempDir("berth-sim-cli-"), report: true, ...flags },
    { out: (s) => (out += s), err: (s) => (err += s) },
  );
  return { code, out, err };
}

const oneModel = `version: 1
endpoint: { instanceType: ml.g5.12xlarge }
models:
  - { name: chat, accelerators: 1, memoryGiB: 20, sizeGB: 14, latency: { firstTokenMs: 100, perOutputTokenMs: 20 }, concurrency: 4, sloMs: 2000, scaling: { minCopies: 1, maxCopies: 4 } }
`;

/** Writes a portfolio and an Azure LLM trace (rows of "time,input,output") into a new folder. */
async function inputs(rows: string[], portfolio = oneModel): Promise<{ portfolio: string; trace: string }> {
  const dir = tempDir("berth-sim-cli-");
  const files = { portfolio: join(dir, "portfolio.yaml"), trace: join(dir, "trace.csv") };
  await writeFile(files.portfolio, portfolio);
  await writeFile(files.trace, ["TIMESTAMP,ContextTokens,GeneratedTokens", ...rows, ""].join("\n"));
  return files;
}

/** n rows one second apart from 18:17:10, each with these token counts. */
function rowsEverySecond(n: number, input = 100, output = 8): string[] {
  return Array.from({ length: n }, (_, i) => `2023-11-16 18:17:${String(10 + i).padStart(2, "0")}.0000000,${input},${output}`);
}

describe("berth simulate", () => {
  it("prints the headline table and which baseline its ratio uses, writes the report and exits 0", async (t: TestContext) => {
    t.plan(6);
    const outDir = tempDir("berth-sim-cli-");
    const { code, out } = await run({ out: outDir });
    t.assert.equal(code, 0);
    t.assert.match(out, /\| GPU-hours +\|/);
    t.assert.match(out, /\(a\) dedicated, sized for peak .*\(e\) lower bound/);
    t.assert.match(out, /\nCost ratios are against \*\*\(a2?\) dedicated.*, the cheaper of the dedicated baselines run/);
    t.assert.match(out, new RegExp(`report written to ${join(outDir, "report.md").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    t.assert.match(await readFile(join(outDir, "report.md"), "utf8"), /## Headline/);
  });

  it("prints JSON with --json and runs only the strategies asked for", async (t: TestContext) => {
    t.plan(3);
    const { code, out } = await run({ json: true, strategies: "a,d", report: false });
    t.assert.equal(code, 0);
    const parsed = JSON.parse(out) as { strategies: { key: string; cost: number }[] };
    t.assert.deepStrictEqual(
      parsed.strategies.map((s) => s.key),
      ["a", "d"],
    );
    t.assert.ok(parsed.strategies[1].cost <= parsed.strategies[0].cost);
  });

  it("refuses a bad portfolio with its file, line and field, and exit code 2", async (t: TestContext) => {
    t.plan(3);
    const { code, err } = await run({ portfolio: fixture("bad-portfolio.yaml") });
    t.assert.equal(code, 2);
    t.assert.match(err, /bad-portfolio\.yaml line 5, models\[0\]\.accelerators: must be a whole number of at least 1, found 1\.5/);
    t.assert.doesNotMatch(err, /\n\s+at /, "no stack trace");
  });

  it("refuses an unknown strategy and a malformed duration with exit code 2", async (t: TestContext) => {
    t.plan(4);
    const unknown = await run({ strategies: "a,z" });
    t.assert.equal(unknown.code, 2);
    t.assert.match(unknown.err, /unknown strategy 'z'; choose from a \(dedicated\)/);
    const duration = await run({ duration: "ten minutes" });
    t.assert.equal(duration.code, 2);
    t.assert.match(duration.err, /--duration must be a duration such as/);
  });

  it("refuses a --price so large the costs would overflow", async (t: TestContext) => {
    t.plan(2);
    const { code, err } = await run({ price: "1e308" });
    t.assert.equal(code, 2);
    t.assert.equal(err, "berth simulate: --price must be at most 10,000 (USD per instance-hour), found '1e308'\n");
  });

  it("refuses an empty strategy list before simulating anything", async (t: TestContext) => {
    t.plan(4);
    for (const strategies of [",,,", ""]) {
      const { code, out, err } = await run({ strategies });
      t.assert.deepStrictEqual([code, out], [2, ""]);
      t.assert.equal(
        err,
        `berth simulate: --strategies names no strategy (found ${JSON.stringify(strategies)}); give keys or names separated by commas, e.g. --strategies a,a2,d,e, or leave the option out for all but p\n`,
      );
    }
  });

  it("refuses an --out it cannot write before simulating, naming what is in the way", async (t: TestContext) => {
    t.plan(10);
    const dir = tempDir("berth-sim-cli-");
    const file = join(dir, "a-file");
    await writeFile(file, "");
    const advice = "pick a folder you can write to with --out, or pass --no-report to write no files\n";
    const cases: [string, string][] = [
      [file, `--out ${file} is not a folder; ${advice}`],
      [join(file, "sub"), `--out ${join(file, "sub")} is under ${file}, which is not a folder; ${advice}`],
      ["/dev/null", `--out /dev/null is not a folder; ${advice}`],
      ["/proc/nope", `--out /proc/nope is in /proc, a kernel filesystem, not a place for files; ${advice}`],
      ["", "--out is empty; give the folder for report.md and the charts, e.g. --out ./sim-report, or pass --no-report\n"],
    ];
    for (const [out, message] of cases) {
      const result = await run({ out });
      t.assert.deepStrictEqual([result.code, result.out], [2, ""], `--out ${out}`);
      t.assert.equal(result.err, `berth simulate: ${message}`);
    }
  });

  it("turns an error writing the report into a plain message", async (t: TestContext) => {
    t.plan(3);
    const dir = tempDir("berth-sim-cli-");
    await mkdir(join(dir, "report.md"));
    const { code, err } = await run({ out: dir });
    t.assert.equal(code, 2);
    t.assert.match(err, new RegExp(`^berth simulate: cannot write the report to ${dir} \\(EISDIR: .*\\); pick a folder you can write to with --out`));
    t.assert.doesNotMatch(err, /\n\s+at /, "no stack trace");
  });

  it("replays the requests at the trace's last timestamp: none goes missing as an SLO miss", async (t: TestContext) => {
    t.plan(3);
    // Ten requests one second apart, each a 260 ms response on an idle copy: every strategy answers all ten within the SLO.
    const { code, out } = await run({ ...(await inputs(rowsEverySecond(10))), json: true, report: false });
    t.assert.equal(code, 0);
    const parsed = JSON.parse(out) as { trace: { requests: number }; strategies: { sloAttainment: number | null; failed: number | null }[] };
    t.assert.equal(parsed.trace.requests, 10);
    const served = parsed.strategies.filter((s) => s.sloAttainment !== null).map((s) => [s.sloAttainment, s.failed]);
    t.assert.deepStrictEqual(served, [
      [1, 0],
      [1, 0],
      [1, 0],
      [1, 0],
      [1, 0],
    ]);
  });

  it("refuses a trace with no request in the window instead of printing a table of dashes", async (t: TestContext) => {
    t.plan(4);
    const headerOnly = await inputs([]);
    const empty = await run({ ...headerOnly, report: false });
    t.assert.equal(empty.code, 2);
    t.assert.equal(
      empty.err,
      `berth simulate: ${headerOnly.trace}: the trace has no requests in the window (from 0 s to the end of the trace); give a trace with requests, or pick a window that holds some with --start and --duration\n`,
    );
    const thinned = await run({ ...(await inputs(rowsEverySecond(10))), rateScale: "0.000001", report: false });
    t.assert.equal(thinned.code, 2);
    t.assert.match(thinned.err, /the trace has no requests in the window .*, or a rate scale above 0\.000001 \(--rate-scale, simulation\.rateScale\)\n$/);
  });

  it("exits 2 from the command line too", (t: TestContext) => {
    t.plan(2);
    const cli = join(root, "dist", "src", "cli", "simulate-command.js");
    const result = spawnSync(process.execPath, [cli, "simulate", "--portfolio", fixture("bad-portfolio.yaml"), "--trace", fixture("trace"), "--no-report"], {
      encoding: "utf8",
    });
    t.assert.equal(result.status, 2);
    t.assert.match(result.stderr, /bad-portfolio\.yaml line 5, models\[0\]\.accelerators/);
  });
});
