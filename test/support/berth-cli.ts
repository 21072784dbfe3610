import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { credentials, type BerthProcess } from "./berth-process.js";
import { eventually } from "./wait.js";

const binary = fileURLToPath(new URL("../../../bin/berth.js", import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a user's shell would give the CLI for this server: its URL and the test administrator key. */
export function cliEnv(server: Pick<BerthProcess, "url">, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BERTH_URL: server.url,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...extra,
  };
  delete env.AWS_PROFILE;
  return env;
}

/** Runs `berth <args>` (bin/berth.js) as its own process, stdin closed, and waits for it to exit. */
export function berth(server: Pick<BerthProcess, "url">, args: string[], extra: Record<string, string> = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [binary, ...args], { env: cliEnv(server, extra), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A long-running `berth <args>` (--follow, metrics-proxy): its output so far, a wait for a line, and a stop. */
export function berthRunning(server: Pick<BerthProcess, "url">, args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [binary, ...args], { env: cliEnv(server), stdio: ["ignore", "pipe", "pipe"] });
  const output = { stdout: "", stderr: "" };
  child.stdout!.on("data", (chunk: Buffer) => (output.stdout += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (output.stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  process.once("exit", () => child.kill("SIGKILL"));
  return {
    output,
    waitForOutput: (pattern: RegExp, what: string) =>
      eventually(async () => (pattern.test(output.stdout) ? output.stdout : undefined), {
        timeoutMs: 30_000,
        what: () => `${what}; stdout so far: ${JSON.stringify(output.stdout)}, stderr: ${JSON.stringify(output.stderr)}`,
      }),
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/** An expected failure prints what to do, never a stack trace. */
export const stackTrace = /\n\s+at \S+ \(|\n\s+at file:/;
