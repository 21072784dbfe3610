import { performance } from "node:perf_hooks";
import type { Logger } from "../../util/logger.js";

export interface ReplicaAnswer<T = unknown> {
  status: number;
  body: T;
  server: string;
}

/** No replica answered: each one's failure, for the log. */
export class ReplicasUnreachable extends Error {
  override name = "ReplicasUnreachable";
}

const callTimeoutMs = 2_000;

/**
 * Calls the server replicas an agent was given, starting with the last one that answered and failing
 * over to the next on a connection failure, a timeout or a 503 (that replica cannot reach the store).
 */
export class ReplicaClient {
  readonly servers: string[];
  readonly #log: Logger;
  #preferred = 0;

  constructor(servers: string[], log: Logger) {
    this.servers = servers.map((s) => s.replace(/\/+$/, ""));
    this.#log = log;
  }

  /** `timeoutMs` bounds each server's answer; `totalTimeoutMs`, if given, the whole call (servers left untried when it runs out). */
  async call<T>(
    method: string,
    path: string,
    options: { bearer: string; body?: unknown; timeoutMs?: number; totalTimeoutMs?: number },
  ): Promise<ReplicaAnswer<T>> {
    const failures: string[] = [];
    const end = options.totalTimeoutMs === undefined ? Infinity : performance.now() + options.totalTimeoutMs;
    for (let i = 0; i < this.servers.length; i++) {
      const index = (this.#preferred + i) % this.servers.length;
      const server = this.servers[index]!;
      const left = end - performance.now();
      if (left <= 0) {
        failures.push(`${server}: not tried, no time left`);
        continue;
      }
      try {
        const response = await fetch(server + path, {
          method,
          headers: { authorization: `Bearer ${options.bearer}`, ...(options.body === undefined ? {} : { "content-type": "application/json" }) },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(Math.max(1, Math.ceil(Math.min(options.timeoutMs ?? callTimeoutMs, left)))),
        });
        const text = await response.text();
        if (response.status === 503 && i < this.servers.length - 1) {
          failures.push(`${server}: 503 ${text.slice(0, 200)}`);
          continue;
        }
        this.#preferred = index;
        return { status: response.status, body: parse(text) as T, server };
      } catch (error) {
        failures.push(`${server}: ${describe(error)}`);
      }
    }
    throw new ReplicasUnreachable(`no server answered ${method} ${path}: ${failures.join("; ")}`);
  }

  /** Opens a long-lived GET on the first replica that answers 200; the caller reads the body. */
  async stream(path: string, bearerToken: string, signal: AbortSignal): Promise<{ server: string; body: ReadableStream<Uint8Array> }> {
    const failures: string[] = [];
    for (let i = 0; i < this.servers.length; i++) {
      const index = (this.#preferred + i) % this.servers.length;
      const server = this.servers[index]!;
      try {
        const response = await fetch(server + path, { headers: { authorization: `Bearer ${bearerToken}` }, signal });
        if (response.status === 200 && response.body) return { server, body: response.body };
        failures.push(`${server}: ${response.status} ${(await response.text()).slice(0, 200)}`);
      } catch (error) {
        if (signal.aborted) throw error;
        failures.push(`${server}: ${describe(error)}`);
      }
    }
    this.#log.debug({ failures }, "no replica opened the watch stream");
    throw new ReplicasUnreachable(`no server opened ${path}: ${failures.join("; ")}`);
  }
}

function parse(text: string): unknown {
  try {
    return text === "" ? undefined : JSON.parse(text);
  } catch {
    return { message: text.slice(0, 500) };
  }
}

export function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === "TimeoutError") return "timed out";
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
