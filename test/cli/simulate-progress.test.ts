import { describe, it, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { berth } from "../support/berth-cli.js";

const fixture = (name: string) => fileURLToPath(new URL(`../../../test/sim/fixtures/${name}`, import.meta.url));
const args = ["simulate", "--portfolio", fixture("portfolio.yaml"), "--trace", fixture("trace"), "--no-report", "--strategies", "a,d"];
// simulate needs no server; the helper only sets BERTH_URL.
const noServer = { url: "http://127.0.0.1:1" };

describe("berth simulate progress", () => {
  it("shows no progress when stderr is not a terminal, and the table stays clean", async (t: TestContext) => {
    const run = await berth(noServer, args);
    t.assert.equal(run.code, 0, run.stderr);
    t.assert.equal(run.stderr, "");
    t.assert.match(run.stdout, /\| GPU-hours +\|/);
  });

  it("--progress prints progress on stderr only, never in the report output", async (t: TestContext) => {
    const run = await berth(noServer, [...args, "--progress"]);
    t.assert.equal(run.code, 0, run.stderr);
    t.assert.match(run.stderr, /^\(a\) dedicated, sized for peak: done in \d+\.\d s$/m);
    t.assert.match(run.stderr, /^\(d\) packed \+ scale to zero \+ managed instances: done in \d+\.\d s$/m);
    t.assert.doesNotMatch(run.stdout, /done in|simulated/);
    const json = await berth(noServer, [...args, "--progress", "--json"]);
    t.assert.deepStrictEqual(
      (JSON.parse(json.stdout) as { strategies: { key: string }[] }).strategies.map((s) => s.key),
      ["a", "d"],
    );
  });
});
