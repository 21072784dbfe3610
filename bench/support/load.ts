import { fork, type ChildProcess, type StdioOptions } from "node:child_process";
import { fileURLToPath } from "node:url";
import { spawnNode } from "./cpu.js";
import type { LoadJob, LoadResult } from "./load-generator.js";
import { onCleanup, stopChild } from "./processes.js";

export type { LoadJob, LoadResult, LoadTarget } from "./load-generator.js";

const script = fileURLToPath(new URL("./load-generator.js", import.meta.url));

/** The load generator's process; one job at a time. */
export class LoadGenerator {
  readonly #child: ChildProcess;
  readonly #forget: () => void;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#forget = onCleanup(() => stopChild(child, "SIGTERM", 2_000));
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** cpus: pins the generator to these CPUs (taskset -c), away from the servers, for steadier A/B runs. */
  static start(options: { cpus?: string } = {}): LoadGenerator {
    const stdio: StdioOptions = ["ignore", "inherit", "inherit", "ipc"];
    return new LoadGenerator(options.cpus ? spawnNode([script], { cpus: options.cpus, stdio }) : fork(script, [], { stdio }));
  }

  /** Runs one job; fails if the generator does not answer within the job's time plus a margin. */
  run(job: LoadJob): Promise<LoadResult> {
    const limitMs = job.warmupMs + job.durationMs + 15_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`the load generator did not finish a ${job.kind} step within ${limitMs} ms`)), limitMs);
      const onMessage = (message: { result?: LoadResult; error?: string }) =>
        finish(message.error ? new Error(`load generator: ${message.error}`) : undefined, message.result && withNaN(message.result));
      const onExit = (code: number | null) => finish(new Error(`the load generator exited with ${code}`));
      const finish = (error?: Error, result?: LoadResult) => {
        clearTimeout(timer);
        this.#child.off("message", onMessage);
        this.#child.off("exit", onExit);
        if (error) reject(error);
        else resolve(result!);
      };
      this.#child.on("message", onMessage);
      this.#child.once("exit", onExit);
      this.#child.send(job);
    });
  }

  async stop(): Promise<void> {
    this.#forget();
    await stopChild(this.#child, "SIGTERM", 2_000);
  }
}

/** The IPC channel sends JSON, which turns a NaN (no answer to take a percentile of) into null: back to NaN. */
function withNaN(result: LoadResult): LoadResult {
  const back = (value: number | null) => (value === null ? NaN : value);
  return { ...result, p50Ms: back(result.p50Ms), p90Ms: back(result.p90Ms), p99Ms: back(result.p99Ms), maxMs: back(result.maxMs) };
}
