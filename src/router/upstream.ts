import { Pool } from "undici";

/** Keep-alive connection pools, one per copy origin, reused across requests and routing tables. */
export class UpstreamPools {
  readonly #pools = new Map<string, Pool>();
  readonly #connections: number;

  constructor(options: { connectionsPerCopy?: number } = {}) {
    this.#connections = options.connectionsPerCopy ?? 64;
  }

  get(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: this.#connections, pipelining: 1, keepAliveTimeout: 30_000, connect: { timeout: 2_000 } });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /** Closes pools of origins no longer in use, once their requests finish. */
  retain(origins: Set<string>): void {
    for (const [origin, pool] of this.#pools) {
      if (origins.has(origin)) continue;
      this.#pools.delete(origin);
      void pool.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((p) => p.destroy().catch(() => undefined)));
    this.#pools.clear();
  }
}

/** Connection failures where the request never reached the copy, so another copy may take it. */
export function neverReachedCopy(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (
    code === "ECONNREFUSED" ||
    code === "UND_ERR_CONNECT_TIMEOUT" ||
    code === "EHOSTUNREACH" ||
    code === "ENOTFOUND" ||
    code === "UND_ERR_CLOSED" ||
    code === "UND_ERR_DESTROYED"
  );
}

/**
 * An agent's proxy answers 503 with this header (naming the copy) when the copy it was asked for is not
 * running there: it forwarded nothing, so the router may try another copy.
 */
export const copyAbsentHeader = "x-berth-copy-absent";
