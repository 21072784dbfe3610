import { readContainerEnv, readInteger } from "../common/env.js";

export interface EchoConfig {
  port: number;
  copyId: string;
  /** Delay before /ping turns 200. */
  startupMs: number;
  /** Added to every request unless CustomAttributes latency_ms overrides it. */
  latencyMs: number;
  /** Allocated and touched at start, so the copy's RSS shows it. */
  memoryMb: number;
  /** /ping always answers 503: a copy that never becomes healthy. */
  failPing: boolean;
  /** When set, /ping answers 503 until this file exists, then 200 from then on: a start a test controls. */
  readyFile?: string;
}

export function readEchoConfig(env: NodeJS.ProcessEnv = process.env): EchoConfig {
  const { port, copyId } = readContainerEnv(env);
  return {
    port,
    copyId,
    startupMs: readInteger(env, "ECHO_STARTUP_MS", 0),
    latencyMs: readInteger(env, "ECHO_LATENCY_MS", 0),
    memoryMb: readInteger(env, "ECHO_MEMORY_MB", 0),
    failPing: env.ECHO_FAIL_PING === "true",
    readyFile: env.ECHO_READY_FILE || undefined,
  };
}
