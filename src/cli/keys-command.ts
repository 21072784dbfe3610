import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { credentialsPath, KeysFileError, newKey, readKeys, writeKeys } from "../auth/keys-file.js";
import { administratorPolicy, checkPolicy, PolicyError, type PolicyDocument } from "../auth/policy.js";
import { defaultDataDir } from "./clients.js";

/** berth keys create|list|delete: manages <dataDir>/credentials.json; a running server picks changes up. */
export function registerKeysCommand(program: Command): void {
  const keys = program.command("keys").description("manage the access keys a Berth server accepts (in <dataDir>/credentials.json)");
  const dataDirOption = ["--data-dir <dir>", "the server's data dir (env BERTH_DATA_DIR; default ./berth-data)", defaultDataDir] as const;

  keys
    .command("create")
    .description("create a key and print it as export lines; the secret is shown only now")
    .option("--name <name>", "key name, the user name in AccessDenied messages (default key-<n>)")
    .option("--policy <file>", "IAM-like policy JSON file (default: administrator, Action * on Resource *)")
    .option(...dataDirOption)
    .action((flags: { name?: string; policy?: string; dataDir: string }) =>
      run(() => {
        const existing = readKeys(flags.dataDir);
        const name = flags.name ?? nextName(existing.map((k) => k.name));
        if (existing.some((k) => k.name === name))
          throw new KeysFileError(`A key named '${name}' already exists. Pick another --name, or delete that key first.`);
        const key = newKey(name, flags.policy ? readPolicy(flags.policy) : administratorPolicy);
        writeKeys(flags.dataDir, [...existing, key]);
        process.stderr.write(
          `created key '${key.name}' in ${credentialsPath(flags.dataDir)}${flags.policy ? ` with the policy in ${flags.policy}` : " (administrator)"}; the secret is shown only now:\n`,
        );
        process.stdout.write(`export AWS_ACCESS_KEY_ID=${key.accessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}\n`);
      }),
    );

  keys
    .command("list")
    .description("list keys (never their secrets)")
    .option("--json", "print JSON")
    .option(...dataDirOption)
    .action((flags: { json?: boolean; dataDir: string }) =>
      run(() => {
        const listed = readKeys(flags.dataDir).map((k) => ({ accessKeyId: k.accessKeyId, name: k.name, createdAt: k.createdAt, policy: k.policy }));
        if (flags.json) {
          process.stdout.write(JSON.stringify(listed, null, 2) + "\n");
          return;
        }
        if (listed.length === 0) process.stdout.write(`no keys in ${credentialsPath(flags.dataDir)}\n`);
        for (const k of listed) process.stdout.write(`${k.accessKeyId}  ${k.name.padEnd(16)} ${k.createdAt}  ${summary(k.policy)}\n`);
      }),
    );

  keys
    .command("delete <accessKeyId>")
    .description("delete a key; a running server refuses it from then on")
    .option(...dataDirOption)
    .action((accessKeyId: string, flags: { dataDir: string }) =>
      run(() => {
        const existing = readKeys(flags.dataDir);
        if (!existing.some((k) => k.accessKeyId === accessKeyId))
          throw new KeysFileError(`No key ${accessKeyId} in ${credentialsPath(flags.dataDir)}. 'berth keys list' shows the keys.`);
        writeKeys(
          flags.dataDir,
          existing.filter((k) => k.accessKeyId !== accessKeyId),
        );
        process.stdout.write(`deleted key ${accessKeyId}\n`);
      }),
    );
}

function run(action: () => void): void {
  try {
    action();
  } catch (error) {
    if (error instanceof KeysFileError || error instanceof PolicyError) {
      process.stderr.write(`berth: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

function readPolicy(file: string): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new PolicyError(`Policy file ${file} cannot be read as JSON (${(error as Error).message}).`);
  }
  try {
    return checkPolicy(parsed);
  } catch (error) {
    if (error instanceof PolicyError) throw new PolicyError(`Policy file ${file}: ${error.message}`);
    throw error;
  }
}

function nextName(names: string[]): string {
  for (let n = names.length + 1; ; n++) if (!names.includes(`key-${n}`)) return `key-${n}`;
}

function summary(policy: PolicyDocument): string {
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  return statements.map((s) => `${s.Effect} ${[s.Action].flat().join(",")} on ${[s.Resource].flat().join(",")}`).join("; ");
}
