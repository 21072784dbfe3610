import type { Socket } from "node:net";
import { buildConnector, Pool } from "undici";

/** Keep-alive connection pools, one per copy origin, reused across requests and routing tables. */
export class UpstreamPools {
  readonly #pools = new Map<string, Pool>();
  /** Each origin's connected sockets: a lost host's are destroyed, while connects still pending time out and are retried. */
  readonly #sockets = new Map<string, Set<Socket>>();
  readonly #connect = buildConnector({ timeout: 2_000 });
  readonly #connections: number;

  constructor(options: { connectionsPerCopy?: number } = {}) {
    this.#connections = options.connectionsPerCopy ?? 64;
  }

  get(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: this.#connections, pipelining: 1, keepAliveTimeout: 30_000, connect: this.#tracked(origin) });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  #tracked(origin: string): buildConnector.connector {
    return (options, callback) =>
      this.#connect(options, (error, socket) => {
        if (socket) {
          let sockets = this.#sockets.get(origin);
          if (!sockets) this.#sockets.set(origin, (sockets = new Set()));
          sockets.add(socket as Socket);
          socket.once("close", () => {
            sockets.delete(socket as Socket);
            if (sockets.size === 0 && this.#sockets.get(origin) === sockets) this.#sockets.delete(origin);
          });
        }
        if (error) callback(error, null);
        else callback(null, socket!);
      });
  }

  /**
   * Closes pools of origins no longer in use, once their requests finish. A lost origin (its host's lease
   * is gone) will answer nothing: requests written to it fail at once rather than at the invocation
   * timeout; those still connecting time out as usual and are retried elsewhere.
   */
  retain(origins: Set<string>, lost?: ReadonlySet<string>): void {
    for (const [origin, pool] of this.#pools) {
      if (origins.has(origin)) continue;
      this.#pools.delete(origin);
      if (lost?.has(origin)) for (const socket of this.#sockets.get(origin) ?? []) socket.destroy(new HostLost(origin));
      this.#sockets.delete(origin);
      void pool.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((p) => p.destroy().catch(() => undefined)));
    this.#pools.clear();
    this.#sockets.clear();
  }
}

/**
 * A request in flight to a host whose lease expired (dead or cut off). It may have reached the copy, so
 * it is not sent again: the router answers it as a model that could not be reached.
 */
export class HostLost extends Error {
  constructor(origin: string) {
    super(`the host at ${origin} lost its lease (dead or cut off) while the request was in flight`);
  }
}

/**
 * Connection failures where the request never reached the copy, so another copy may take it. A socket
 * closed or reset on a connection that had written nothing yet counts; one that had written something
 * may have delivered this request, which the copy may have started on.
 */
export function neverReachedCopy(error: unknown): boolean {
  const { code, socket } = error as { code?: string; socket?: { bytesWritten?: number } };
  return (
    code === "ECONNREFUSED" ||
    code === "UND_ERR_CONNECT_TIMEOUT" ||
    code === "EHOSTUNREACH" ||
    code === "ENOTFOUND" ||
    code === "UND_ERR_CLOSED" ||
    code === "UND_ERR_DESTROYED" ||
    (code === "UND_ERR_SOCKET" && socket?.bytesWritten === 0)
  );
}

/**
 * An agent's proxy answers 503 with this header (naming the copy) when the copy it was asked for is not
 * running there: it forwarded nothing, so the router may try another copy.
 */
export const copyAbsentHeader = "x-berth-copy-absent";

/** Whether an answer is an agent's "copy not here" (see copyAbsentHeader) rather than the model's own. */
export function copyAbsent(status: number, headers: Record<string, string | string[] | undefined>): boolean {
  return status === 503 && headers[copyAbsentHeader] !== undefined;
}
