import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import { sleep, type Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";

/** A copy ready to be spawned: the (wrapped) command, its environment, and what to undo afterwards. */
export interface PreparedCopy {
  command: string;
  args: string[];
  env: Record<string, string>;
  describe: string;
  limits: { memory: string; cpu: string };
  /** Set for containers, which the engine limits: an exit with 137 then means the kernel's OOM killer. */
  memoryLimitMiB?: number;
  cwd?: string;
  /** Containers are stopped through their engine, not by signalling the client process alone. */
  stop?: { command: string; args: string[] };
  /** What to do about a start that failed, read from the last output lines (the engine's own errors). */
  explain?: (output: string[]) => string | undefined;
  release(): Promise<void>;
}

export type OutputSink = (stream: "stdout" | "stderr", text: string) => void;

const outputLines = 20;
/** Longest unfinished line carried over to the next read: past it, what has come so far is logged as a line. */
export const maxCarriedLineChars = 64 * 1024;

/**
 * One running model-server process and what it holds (its port, limits and scratch dir). A copy's
 * supervisor owns it while the copy runs; a parked engine (parked-engines.ts) outlives its copy, and the
 * next copy of the same version takes it over, so where its output goes and whom its exit wakes can change.
 */
export class EngineProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly prepared: PreparedCopy;
  /** The copy that started the process: its BERTH_COPY_ID, scratch dir and adapters dir. */
  readonly startedBy: string;
  readonly exited: Promise<void>;
  /** The last lines it wrote, for start failures. */
  output: string[] = [];
  exitText?: string;
  #sink: OutputSink;
  #onExit: () => void = () => undefined;
  readonly #release: () => Promise<void>;
  #released?: Promise<void>;

  constructor(child: ChildProcess, options: { port: number; prepared: PreparedCopy; startedBy: string; sink: OutputSink; release: () => Promise<void> }) {
    this.child = child;
    this.port = options.port;
    this.prepared = options.prepared;
    this.startedBy = options.startedBy;
    this.#sink = options.sink;
    this.#release = options.release;
    const flushes: (() => void)[] = [];
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        // What it wrote last, even without a newline, is in its output before its exit is told.
        for (const flush of flushes) flush();
        this.exitText = describeExit(code, signal, options.prepared);
        resolve();
        this.#onExit();
      });
      child.once("error", (error) => {
        this.exitText = `the process could not start (${error.message})`;
        resolve();
        this.#onExit();
      });
    });
    const emit = (stream: "stdout" | "stderr", line: string) => {
      const text = line.trim();
      if (text === "") return;
      this.output.push(text.slice(0, 300));
      if (this.output.length > outputLines) this.output.shift();
      this.#sink(stream, text);
    };
    // A line (or a UTF-8 character) may arrive across two reads of the pipe: the unfinished end of each read is
    // carried over to the next, up to maxCarriedLineChars, and logged at exit or when the stream ends. A carriage return
    // ends a line too, so progress bars that redraw one line still show as they go.
    const follow = (stream: "stdout" | "stderr", from: NodeJS.ReadableStream | null) => {
      if (!from) return;
      const decoder = new StringDecoder("utf8");
      let carried = "";
      from.on("data", (chunk: Buffer) => {
        const lines = (carried + decoder.write(chunk)).split(/[\r\n]/);
        carried = lines.pop()!;
        for (const line of lines) emit(stream, line);
        while (carried.length >= maxCarriedLineChars) {
          emit(stream, carried.slice(0, maxCarriedLineChars));
          carried = carried.slice(maxCarriedLineChars);
        }
      });
      flushes.push(() => {
        emit(stream, carried);
        carried = "";
      });
      from.on("end", () => {
        emit(stream, carried + decoder.end());
        carried = "";
      });
    };
    follow("stdout", child.stdout);
    follow("stderr", child.stderr);
    child.stdin?.on("error", () => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitText === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Who now receives its output lines and hears of its exit. */
  attach(sink: OutputSink, onExit: () => void): void {
    this.#sink = sink;
    this.#onExit = onExit;
    this.output = [];
  }

  /** SIGTERM (and the container engine's stop), then SIGKILL after the grace time. */
  async kill(graceMs: number, clock: Clock, log: Logger, what: string): Promise<void> {
    if (!this.alive) return;
    if (this.prepared.stop) spawn(this.prepared.stop.command, this.prepared.stop.args, { stdio: "ignore" });
    this.child.kill("SIGTERM");
    const graceful = await Promise.race([this.exited.then(() => true), sleep(graceMs, clock).then(() => false)]);
    if (!graceful) {
      log.warn(`${what} did not exit within ${graceMs} ms of SIGTERM; sending SIGKILL`);
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }

  /** Gives back its port, limits and scratch dir, once. */
  release(): Promise<void> {
    this.#released ??= this.#release();
    return this.#released;
  }
}

function describeExit(code: number | null, signal: NodeJS.Signals | null, prepared: PreparedCopy): string {
  if (signal) return `the process was killed by ${signal}`;
  if (prepared.stop && code === 137) {
    return prepared.memoryLimitMiB
      ? `the container was killed for running out of memory (exit code 137: over its memory limit of ${prepared.memoryLimitMiB} MiB)`
      : `the container was killed (exit code 137: SIGKILL, e.g. the host ran out of memory)`;
  }
  return prepared.stop ? `the container exited with code ${code}` : `the process exited with code ${code}`;
}
