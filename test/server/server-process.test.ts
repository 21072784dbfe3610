import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { CreateModelCommand } from "@aws-sdk/client-sagemaker";
import { newDataDir, startBerth } from "../support/berth-process.js";

const binary = fileURLToPath(new URL("../../../bin/berth.js", import.meta.url));

describe("berth server process", () => {
  it("answers /healthz once ready and exits 0 on SIGTERM", async () => {
    const berth = await startBerth();
    const health = await fetch(`${berth.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });
    assert.equal(await berth.stop(), 0);
    assert.ok(berth.logs.some((l) => l.msg === "stopped cleanly"));
  });

  it("takes settings from the config file, then environment variables, then flags", async () => {
    const dataDir = newDataDir();
    const file = join(dataDir, "berth.yaml");
    writeFileSync(file, "accountId: '111111111111'\nregion: eu-west-1\n");
    const berth = await startBerth({ dataDir, args: ["--config", file], env: { BERTH_REGION: "ap-south-1" } });
    try {
      const created = await berth.sagemaker.send(new CreateModelCommand({ ModelName: "where", PrimaryContainer: { Image: "berth/echo" } }));
      assert.equal(created.ModelArn, "arn:aws:sagemaker:ap-south-1:111111111111:model/where");
    } finally {
      await berth.stop();
    }
  });

  it("refuses a bad config file with a message naming the setting, and exits 2", () => {
    const dataDir = newDataDir();
    const file = join(dataDir, "bad.yaml");
    writeFileSync(file, "prot: 9000\n");
    const result = spawnSync(process.execPath, [binary, "server", "--config", file, "--data-dir", dataDir], { encoding: "utf8" });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown setting 'prot'/);
  });

  it("says plainly when the port is taken", async () => {
    const first = await startBerth();
    try {
      const result = spawnSync(process.execPath, [binary, "server", "--port", String(first.port), "--data-dir", newDataDir(), "--log-format", "json"], {
        encoding: "utf8",
        timeout: 20_000,
      });
      assert.equal(result.status, 1);
      assert.match(result.stdout, new RegExp(`port ${first.port} on 127.0.0.1 is already in use`));
    } finally {
      await first.stop();
    }
  });
});
