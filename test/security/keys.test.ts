import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ListModelsCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { newDataDir, startBerth } from "../support/berth-process.js";
import { eventually } from "../support/wait.js";
import { berthCli, createKey } from "./keys-cli.js";

describe("access keys", () => {
  it("creates the credentials file on first start, mode 0600, and prints the administrator secret only then", async () => {
    const dataDir = newDataDir();
    const first = await startBerth({ dataDir, noTestKey: true });
    let secret: string;
    try {
      const file = join(dataDir, "credentials.json");
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const [key] = (JSON.parse(readFileSync(file, "utf8")) as { keys: { accessKeyId: string; secretAccessKey: string; name: string }[] }).keys;
      assert.match(key!.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
      assert.equal(key!.secretAccessKey.length, 40);
      secret = key!.secretAccessKey;
      assert.ok(
        first.logs.some((l) => String(l.msg).includes(`export AWS_SECRET_ACCESS_KEY=${secret}`)),
        "the secret is in the first start's log",
      );
      const sm = new SageMakerClient({ endpoint: first.url, region: "us-east-1", credentials: key!, maxAttempts: 1 });
      assert.deepEqual((await sm.send(new ListModelsCommand({}))).Models, []);
      const cli = berthCli(["instances", "--url", first.url, "--data-dir", dataDir], {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_PROFILE: undefined,
      });
      assert.equal(cli.status, 0, `the CLI on the same machine signs with the data dir's key: ${cli.stderr}`);
      assert.equal(cli.stdout, "no instances\n");
    } finally {
      await first.stop();
    }
    const second = await startBerth({ dataDir, noTestKey: true });
    await second.stop();
    assert.ok(!second.logs.some((l) => String(l.msg).includes(secret)), "a restart does not print the secret again");
  });

  it("manages keys with berth keys create|list|delete, and a running server follows the file", async () => {
    const berth = await startBerth();
    try {
      const key = createKey(berth.dataDir, "ci");
      const sm = new SageMakerClient({ endpoint: berth.url, region: "us-east-1", credentials: key, maxAttempts: 1 });
      assert.deepEqual((await sm.send(new ListModelsCommand({}))).Models, [], "a key created while the server runs is accepted");
      const list = berthCli(["keys", "list", "--data-dir", berth.dataDir]);
      assert.equal(list.status, 0);
      assert.match(list.stdout, new RegExp(`${key.accessKeyId}\\s+ci\\s`));
      assert.ok(!list.stdout.includes(key.secretAccessKey), "list never prints secrets");
      assert.ok(!berthCli(["keys", "list", "--json", "--data-dir", berth.dataDir]).stdout.includes(key.secretAccessKey));
      const deleted = berthCli(["keys", "delete", key.accessKeyId, "--data-dir", berth.dataDir]);
      assert.equal(deleted.status, 0, deleted.stderr);
      await eventually(
        async () => {
          try {
            await sm.send(new ListModelsCommand({}));
            return undefined;
          } catch (error) {
            return (error as Error).name === "UnrecognizedClientException" ? true : undefined;
          }
        },
        { what: "the running server to refuse the deleted key with UnrecognizedClientException" },
      );
    } finally {
      await berth.stop();
    }
  });

  it("refuses a bad policy file, a duplicate name and an unknown key id with a message saying what to fix", () => {
    const dataDir = newDataDir();
    const policy = join(dataDir, "policy.json");
    writeFileSync(policy, JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Permit", Action: "*", Resource: "*" }] }));
    const bad = berthCli(["keys", "create", "--policy", policy, "--data-dir", dataDir]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /Statement\[0\]\.Effect must be "Allow" or "Deny"/);
    createKey(dataDir, "twice");
    const duplicate = berthCli(["keys", "create", "--name", "twice", "--data-dir", dataDir]);
    assert.equal(duplicate.status, 2);
    assert.match(duplicate.stderr, /A key named 'twice' already exists/);
    const unknown = berthCli(["keys", "delete", "AKIANOSUCHKEY0000000", "--data-dir", dataDir]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /No key AKIANOSUCHKEY0000000/);
  });
});
