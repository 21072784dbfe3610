import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const binary = fileURLToPath(new URL("../../../bin/berth.js", import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function berthCli(args: string[], env: Record<string, string | undefined> = {}): CliResult {
  const merged: Record<string, string | undefined> = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env };
  for (const name of Object.keys(merged)) if (merged[name] === undefined) delete merged[name];
  const result = spawnSync(process.execPath, [binary, ...args], { encoding: "utf8", env: merged, timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `berth keys create` with a policy written to the data dir; returns the key it printed. */
export function createKey(dataDir: string, name: string, policy?: unknown): { accessKeyId: string; secretAccessKey: string } {
  const args = ["keys", "create", "--name", name, "--data-dir", dataDir];
  if (policy !== undefined) {
    const file = join(dataDir, `${name}-policy.json`);
    writeFileSync(file, JSON.stringify(policy));
    args.push("--policy", file);
  }
  const result = berthCli(args);
  if (result.status !== 0) throw new Error(`berth keys create failed: ${result.stderr}`);
  const accessKeyId = /AWS_ACCESS_KEY_ID=(\S+)/.exec(result.stdout)![1]!;
  const secretAccessKey = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(result.stdout)![1]!;
  return { accessKeyId, secretAccessKey };
}
