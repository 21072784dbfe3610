import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
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
