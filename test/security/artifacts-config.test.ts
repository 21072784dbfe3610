import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/config.js";
import { tempDir } from "../support/temp-dir.js";

function withFile(text: string) {
  const file = join(tempDir("berth-config-"), "berth.yaml");
  writeFileSync(file, text);
  return () => loadConfig({ file, env: {} });
}

describe("the artifacts settings", () => {
  it("default to Berth's own models folder and the container example's model, no remote hosts, no private networks and bounded sizes", () => {
    const { artifacts } = loadConfig({ env: {} });
    const bundled = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url)).replace(/\/$/, "");
    assert.deepEqual(artifacts.localRoots, [bundled("models"), bundled("examples/container/model")]);
    assert.deepEqual(artifacts.allowedHosts, []);
    assert.equal(artifacts.allowPrivateNetworks, false);
    assert.ok(artifacts.maxDownloadBytes > 0 && artifacts.maxUnpackedBytes > 0 && artifacts.maxFiles > 0);
  });

  it("take a partial group from the config file and keep the other defaults", () => {
    const { artifacts } = withFile("artifacts:\n  allowedHosts: [Models.Example.com]\n  maxFiles: 5\n")();
    assert.deepEqual(artifacts.allowedHosts, ["models.example.com"]);
    assert.equal(artifacts.maxFiles, 5);
    assert.equal(artifacts.allowPrivateNetworks, false);
  });

  it("keep a 20 GiB cache of unused artifacts per host unless artifacts.cacheBudgetMb or BERTH_ARTIFACT_CACHE_BUDGET_MB says otherwise", () => {
    assert.equal(loadConfig({ env: {} }).artifacts.cacheBudgetMb, 20_480);
    assert.equal(withFile("artifacts:\n  cacheBudgetMb: 0\n")().artifacts.cacheBudgetMb, 0);
    assert.equal(loadConfig({ env: { BERTH_ARTIFACT_CACHE_BUDGET_MB: "512" } }).artifacts.cacheBudgetMb, 512);
  });

  it("keep no artifacts in host memory unless artifacts.memoryBudgetMb or BERTH_ARTIFACT_MEMORY_BUDGET_MB says so, under /dev/shm unless artifacts.memoryDir names a place", () => {
    const defaults = loadConfig({ env: {} }).artifacts;
    assert.deepEqual([defaults.memoryBudgetMb, defaults.memoryDir], [0, ""]);
    const set = withFile("artifacts:\n  memoryBudgetMb: 4096\n  memoryDir: /run/berth-weights\n")().artifacts;
    assert.deepEqual([set.memoryBudgetMb, set.memoryDir], [4096, "/run/berth-weights"]);
    assert.equal(loadConfig({ env: { BERTH_ARTIFACT_MEMORY_BUDGET_MB: "2048" } }).artifacts.memoryBudgetMb, 2048);
  });

  const refused: [string, RegExp][] = [
    ["artifacts:\n  memoryBudgetMb: 1.5\n", /artifacts\.memoryBudgetMb must be a whole number of MiB, 0 or more, got '1\.5'/],
    ["artifacts:\n  memoryDir: shm/berth\n", /artifacts\.memoryDir must be an absolute path on a memory file system \(tmpfs\), or empty/],
    ["artifacts:\n  cacheBudgetMb: -1\n", /artifacts\.cacheBudgetMb must be a whole number of MiB, 0 or more, got '-1'/],
    ["artifacts:\n  localRoot: [/srv]\n", /unknown setting 'artifacts\.localRoot'.*Known settings in artifacts: localRoots/],
    ["artifacts:\n  localRoots: /srv\n", /artifacts\.localRoots must be a list of non-empty strings/],
    ["artifacts:\n  allowPrivateNetworks: yes please\n", /artifacts\.allowPrivateNetworks must be true or false/],
    ["artifacts:\n  maxDownloadBytes: -1\n", /artifacts\.maxDownloadBytes must be a whole number of at least 1/],
    ["artifacts: [a]\n", /'artifacts' must be a mapping/],
  ];
  for (const [text, message] of refused) {
    it(`refuse ${JSON.stringify(text)}`, () => assert.throws(withFile(text), message));
  }
});
