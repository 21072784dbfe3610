import type { ChildProcess } from "node:child_process";

export type LogLine = Record<string, unknown>;

export interface ProcessLogs {
  /** Every JSON log line the process printed, parsed, in order. */
  logs: LogLine[];
  /** Everything it wrote to stderr. */
  stderr(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /**
   * The first line that matches, printed already or later. Fails when the process exits first, or after
   * timeoutMs (a bound for a process starved of CPU, not a wait), saying what it printed last.
   */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine>;
}

/** Follows a Berth process started with `--log-format json`: its log lines, its stderr, and waits for a line. */
export function followLogs(child: ChildProcess, name: string): ProcessLogs {
  const logs: LogLine[] = [];
  const listeners = new Set<(line: LogLine) => void>();
  let stderr = "";
  let buffer = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const text = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      try {
        const line = JSON.parse(text) as LogLine;
        logs.push(line);
        for (const listener of listeners) listener(line);
      } catch {
        // Not a log line.
      }
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // Output can still arrive after "exit"; once "close" has fired, no line can come any more.
  const closed = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  const lastWords = () =>
    `its last lines: ${logs
      .slice(-8)
      .map((l) => String(l.msg))
      .join(" | ")}; stderr: ${stderr.slice(-2000)}`;

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs: number) =>
    new Promise<LogLine>((resolve, reject) => {
      const found = logs.find(match);
      if (found) return resolve(found);
      const settle = (outcome: LogLine | Error) => {
        if (!listeners.delete(listener)) return;
        clearTimeout(timer);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const listener = (line: LogLine) => {
        if (match(line)) settle(line);
      };
      const timer = setTimeout(() => settle(new Error(`timed out after ${timeoutMs} ms waiting for a log line of ${name}; ${lastWords()}`)), timeoutMs);
      listeners.add(listener);
      void closed.then((code) => settle(new Error(`${name} exited with ${code} before printing the awaited log line; ${lastWords()}`)));
    });

  return { logs, stderr: () => stderr, exited, waitForLog };
}
