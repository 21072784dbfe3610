// Starts a model server image as a child process on a free port, the way Berth's agent does, and reads its log.
import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "../../src/agent/ports.js";
import { fileURLToPath } from "node:url";
import { eventually } from "../support/wait.js";

export interface ServerUnderTest {
  port: number;
  child: ChildProcess;
  url(path: string): string;
  /** Everything the server printed so far, stdout and stderr. */
  log(): string;
  /** Resolves with the first match of `pattern` in the log, waiting for it if need be. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Wait until GET /ping answers 200 (default true). */
  waitReady?: boolean;
  timeoutMs?: number;
}

export async function startServer(image: "echo" | "llm", options: StartOptions = {}): Promise<ServerUnderTest> {
  const port = await freePort();
  const main = fileURLToPath(new URL(`../../src/images/${image}/main.js`, import.meta.url));
  const child = spawn(process.execPath, [main, "serve"], {
    env: { ...process.env, SAGEMAKER_BIND_TO_PORT: String(port), BERTH_COPY_ID: `${image}-test`, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const listener of listeners) listener();
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const server: ServerUnderTest = {
    port,
    child,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    log: () => output,
    waitForLog(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (!match) return false;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(match);
          return true;
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms; log so far:\n${output}`));
        }, timeoutMs);
        if (!check()) listeners.add(check);
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
  if (options.waitReady !== false) await waitForPing(server, options.timeoutMs ?? 20_000);
  return server;
}

export async function waitForPing(server: ServerUnderTest, timeoutMs: number): Promise<void> {
  const outcome = await eventually(
    async () => {
      if (server.child.exitCode !== null) return "exited";
      const status = await fetch(server.url("/ping")).then(
        (r) => r.status,
        () => 0,
      );
      return status === 200 ? "ready" : undefined;
    },
    { timeoutMs, intervalMs: 25, what: () => `/ping to answer 200; log:\n${server.log()}` },
  );
  if (outcome === "exited") throw new Error(`server exited with ${server.child.exitCode}; log:\n${server.log()}`);
}
