import { credentialsHint } from "./clients.js";

/** The exit codes of Berth's commands for people (README "The CLI for people"). */
export const exitCodes = {
  ok: 0,
  /** The server refused, could not be reached, or something it ran failed or did not finish in time. */
  failed: 1,
  /** The command line or the file is wrong; nothing was changed. */
  badInput: 2,
  /** A change was shown and not confirmed (answered no, or no terminal to ask and no --yes); nothing was changed. */
  notConfirmed: 3,
} as const;

/** An expected failure: its message says what to do, and it ends the command without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = exitCodes.failed,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Runs a command's work; expected failures print one `berth: …` line (and a hint) and set the exit code. */
export function runCommand<A extends unknown[]>(url: (...args: A) => string | undefined, work: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await work(...args);
    } catch (error) {
      const message = failureText(error, url(...args));
      if (message === undefined) throw error;
      process.stderr.write(message.endsWith("\n") ? message : `${message}\n`);
      process.exitCode = error instanceof CliError ? error.exitCode : exitCodes.failed;
    }
  };
}

/** What to print for an expected failure; undefined for a bug, which keeps its stack trace. */
export function failureText(error: unknown, url: string | undefined): string | undefined {
  if (error instanceof CliError) return `berth: ${error.message}`;
  if (unreachable(error))
    return `berth: cannot reach a Berth server at ${url ?? "the given URL"}. Start one with 'npx berth server' or pass --url (env BERTH_URL).`;
  const e = error as { name?: string; message?: string; $metadata?: unknown; $fault?: string };
  if (e && typeof e === "object" && e.$metadata !== undefined && typeof e.name === "string") {
    const hint = credentialsHint(e.name);
    return `berth: ${e.name}: ${e.message ?? ""}${hint ? `\n${hint}` : ""}`;
  }
  return undefined;
}

function unreachable(error: unknown): boolean {
  for (let e = error as { code?: string; cause?: unknown; name?: string; message?: string } | undefined, depth = 0; e && depth < 4; depth++) {
    if (["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ECONNRESET", "ETIMEDOUT"].includes(e.code ?? "")) return true;
    if (e.name === "TypeError" && e.message === "fetch failed" && !e.cause) return true;
    e = e.cause as typeof e;
  }
  return false;
}
