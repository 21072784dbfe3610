import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { newDataDir } from "../support/berth-process.js";

const binary = fileURLToPath(new URL("../../../bin/berth.js", import.meta.url));

function startWith(config: string) {
  const dataDir = newDataDir();
  const file = join(dataDir, "limits.yaml");
  writeFileSync(file, config);
  return spawnSync(process.execPath, [binary, "server", "--config", file, "--data-dir", dataDir], { encoding: "utf8" });
}

describe("the limits settings group", () => {
  it("refuses an unknown setting inside limits, naming it", () => {
    const result = startWith("limits:\n  bufferedBodyBudget: 1000000000\n");
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown setting 'limits.bufferedBodyBudget'. Known settings in limits: bufferedBodyBudgetBytes/);
  });

  it("refuses a body budget too small for one full 6 MB request", () => {
    const result = startWith("limits:\n  bufferedBodyBudgetBytes: 1000000\n");
    assert.equal(result.status, 2);
    assert.match(result.stderr, /limits\.bufferedBodyBudgetBytes must be a whole number of bytes, at least 6291456/);
  });

  it("refuses a metric series limit that is not a whole number of 0 or more", () => {
    for (const value of ["-1", "1.5", "many"]) {
      const result = startWith(`limits:\n  maxCustomMetricSeries: ${value}\n`);
      assert.equal(result.status, 2);
      assert.match(result.stderr, new RegExp(`limits\\.maxCustomMetricSeries must be a whole number of series, 0 or more .*got '${value}'`));
    }
  });
});
