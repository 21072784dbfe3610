import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { followLogs } from "./process-logs.js";
import { testArtifactSettings } from "./berth-process.js";
import type { TestHost } from "./hosts.js";
import { tempDir } from "./temp-dir.js";

const binary = fileURLToPath(new URL("../../../bin/berth.js", import.meta.url));

export interface AgentProcess {
  name: string;
  dataDir: string;
  child: ChildProcess;
  logs: Record<string, unknown>[];
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends SIGTERM and waits for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Everything it wrote to stderr. */
  stderr(): string;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export function newAgentDataDir(): string {
  return join(tempDir("berth-agent-test-"), "data");
}

/** Starts `berth agent` as its own process, as an operator would on a GPU host. */
export function startAgent(options: {
  servers: string[];
  token: string;
  name: string;
  instanceType?: string;
  dataDir?: string;
  config?: Record<string, unknown>;
  args?: string[];
  /** Runs the agent inside this test host (test/support/hosts.ts), its proxy advertised on the host's address. */
  host?: TestHost;
}): AgentProcess {
  const dataDir = options.dataDir ?? newAgentDataDir();
  const configFile = join(dataDir, "..", `agent-config-${options.name}.yaml`);
  writeFileSync(configFile, stringify({ artifacts: testArtifactSettings, ...options.config }));
  const args = [
    binary,
    "agent",
    "--server",
    options.servers.join(","),
    "--token",
    options.token,
    "--name",
    options.name,
    "--instance-type",
    options.instanceType ?? "ml.g5.12xlarge",
    "--advertise",
    `${options.host?.address ?? "127.0.0.1"}:0`,
    "--data-dir",
    dataDir,
    "--config",
    configFile,
    "--log-format",
    "json",
    ...(options.args ?? []),
  ];
  const launch = options.host ? options.host.spawn.bind(options.host) : spawn;
  const child = launch(process.execPath, args, { env: { ...process.env, BERTH_LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  const { logs, stderr, exited, waitForLog: waitFor } = followLogs(child, `agent ${options.name}`);
  const waitForLog = (match: (line: Record<string, unknown>) => boolean, timeoutMs = 30_000) => waitFor(match, timeoutMs);
  return {
    name: options.name,
    dataDir,
    child,
    logs,
    exited,
    waitForLog,
    stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** A log line's message. */
export function messageOf(line: Record<string, unknown>): string {
  return String(line.msg ?? "");
}

/** The last `count` messages of a process's log, one per line, for a failure message that must say what the process was doing. */
export function lastMessages(logs: Record<string, unknown>[], count = 15): string {
  return logs
    .slice(-count)
    .map((l) => `  ${messageOf(l)}`)
    .join("\n");
}
