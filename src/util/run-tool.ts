import { execFile } from "node:child_process";

export interface ToolResult {
  ok: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an engine command to completion (never through a shell) and captures its output. */
export function runTool(command: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: options.timeoutMs ?? 60_000, env: options.env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as NodeJS.ErrnoException).code === "number" ? Number((error as NodeJS.ErrnoException).code) : null) : 0;
      resolve({ ok: !error, code, stdout: String(stdout), stderr: String(stderr) || (error && !stderr ? error.message : "") });
    });
  });
}

/** The last few non-empty lines of a tool's error output, for a message. */
export function lastLines(text: string, count = 3): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .slice(-count)
    .join(" | ");
}
