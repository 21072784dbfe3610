import { spawn, type ChildProcess } from "node:child_process";
import { chownSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { stringify } from "yaml";
import { followLogs } from "./process-logs.js";
import { readKeys, writeKeys } from "../../src/auth/keys-file.js";
import { administratorPolicy } from "../../src/auth/policy.js";
import type { TestHost } from "./hosts.js";
import { tempDir } from "./temp-dir.js";

const binary = fileURLToPath(new URL("../../../bin/berth.js", import.meta.url));

export interface BerthProcess {
  /** Where the test process reaches the server (through a forward when it runs inside a test host). */
  url: string;
  port: number;
  /** The URL the server listens on, as other processes on its network reach it (its host's address in a test host). */
  listenUrl: string;
  dataDir: string;
  child: ChildProcess;
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  /** Every log line the server printed, parsed. */
  logs: Record<string, unknown>[];
  /** Sends SIGTERM and waits for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export interface StartOptions {
  dataDir?: string;
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  args?: string[];
  port?: number;
  /** Runs the server as this user instead of the test's own. */
  user?: { uid: number; gid: number };
  /** Leave the data dir's credentials file alone (tests of first start and of the keys themselves). */
  noTestKey?: boolean;
  /**
   * Runs the server inside this test host (test/support/hosts.ts), listening on the host's address; the
   * SDK clients reach it through a forward made inside the same host.
   */
  host?: TestHost;
}

/**
 * The administrator key every test server accepts: startBerth writes it into the data dir's credentials
 * file before the server starts, its SDK clients sign with it, and berthFetch signs raw requests with it.
 */
export const credentials = { accessKeyId: "AKIABERTHTESTADMIN00", secretAccessKey: "berth-test-administrator-secret-key-00000" };
export const testKeyName = "test-admin";

/** Adds the test administrator key to a data dir's credentials file (creating it), as `berth keys create` would. */
export function writeTestKey(dataDir: string): void {
  const keys = readKeys(dataDir).filter((k) => k.accessKeyId !== credentials.accessKeyId);
  writeKeys(dataDir, [...keys, { ...credentials, name: testKeyName, createdAt: new Date().toISOString(), policy: administratorPolicy }]);
}

/** Tests build their artifacts under the system temporary directory and use Berth's own models/. */
export const testArtifactSettings = { localRoots: [tmpdir(), fileURLToPath(new URL("../../../models", import.meta.url))] };

export function newDataDir(): string {
  return tempDir("berth-test-");
}

/** Servers still running when the test file's process exits (a test that failed before stopping its server). */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Starts `berth server` as its own process on a free port, as a user would. */
export async function startBerth(options: StartOptions = {}): Promise<BerthProcess> {
  const dataDir = options.dataDir ?? newDataDir();
  if (!options.noTestKey) writeTestKey(dataDir);
  const args = [binary, "server", "--port", String(options.port ?? 0), "--data-dir", dataDir, "--log-format", "json", ...(options.args ?? [])];
  if (options.config || !options.args?.includes("--config")) {
    const file = join(dataDir, "test-config.yaml");
    writeFileSync(file, stringify({ artifacts: testArtifactSettings, ...options.config }));
    args.push("--config", file);
  }
  // A server run as another user must own what the harness wrote for it.
  if (options.user) for (const name of readdirSync(dataDir)) chownSync(join(dataDir, name), options.user.uid, options.user.gid);
  if (options.host && options.user) throw new Error("startBerth: a server inside a test host runs as root (ip netns exec); drop the user option");
  if (options.host) args.push("--host", options.host.address);
  const launch = options.host ? options.host.spawn.bind(options.host) : spawn;
  const child = launch(process.execPath, args, {
    env: { ...process.env, BERTH_LOG_LEVEL: "info", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    ...options.user,
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  const { logs, exited, waitForLog: waitFor } = followLogs(child, "berth server");
  const waitForLog = (match: (line: Record<string, unknown>) => boolean, timeoutMs = 20_000) => waitFor(match, timeoutMs);

  // A server that does not come up is not left running: it would keep the test process alive. One that
  // exits fails the wait at once; the timeout only bounds a start starved of CPU on a loaded machine.
  const ready = await waitForLog((line) => typeof line.url === "string", 120_000).catch((error: Error) => {
    if (child.exitCode === null) child.kill("SIGKILL");
    throw error;
  });
  const listenUrl = ready.url as string;
  const forward = options.host ? await options.host.forward({ address: options.host.address, port: Number(new URL(listenUrl).port) }) : undefined;
  if (forward) child.once("exit", () => void forward.close());
  const url = forward?.url ?? listenUrl;
  const port = Number(new URL(url).port);
  const clientOptions = { endpoint: url, region: "us-east-1", credentials, maxAttempts: 1 };
  return {
    url,
    port,
    listenUrl,
    dataDir,
    child,
    sagemaker: new SageMakerClient(clientOptions),
    runtime: new SageMakerRuntimeClient(clientOptions),
    logs,
    waitForLog,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
