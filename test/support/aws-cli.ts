import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { credentials } from "./berth-process.js";
import { tempDir } from "./temp-dir.js";

/** Debian's AWS CLI v2 (the `aws` first on PATH may be pip's v1). */
export const debianAwsCli = "/usr/bin/aws";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs Debian's AWS CLI against a Berth server with the test administrator key, reading no config or
 * credentials of the user running the tests. `extraEnv` adds variables (AWS_DATA_PATH) or, set to undefined, removes them.
 */
export function awsCli(url: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  if (!existsSync(debianAwsCli)) throw new Error(`${debianAwsCli} is missing: install Debian's awscli package (.ci/run does)`);
  const home = tempDir("berth-aws-cli-");
  writeFileSync(join(home, "config"), "");
  writeFileSync(join(home, "credentials"), "");
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, LANG: "C.UTF-8" };
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_CONFIG_FILE: join(home, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
    AWS_PAGER: "",
    AWS_MAX_ATTEMPTS: "1",
    ...extraEnv,
  });
  return new Promise((resolve) => {
    execFile(debianAwsCli, [...args, "--endpoint-url", url, "--output", "json"], { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the CLI and parses its JSON output, failing with its stderr when it exits non-zero. */
export async function awsCliJson(url: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<any> {
  const result = await awsCli(url, args, extraEnv);
  if (result.code !== 0) throw new Error(`aws ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return result.stdout.trim() === "" ? {} : JSON.parse(result.stdout);
}
